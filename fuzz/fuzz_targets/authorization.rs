//! `Authorization`: accepted only when the header carries exactly the configured credentials.
#![no_main]
#[path = "common.rs"]
mod common;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hookproof::{Credentials, check_authorization};
use libfuzzer_sys::fuzz_target;

const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fuzz_target!(|data: &[u8]| {
    let parts = common::split(data, 3);
    let (Some(header), Some(user), Some(password)) = (
        common::text(parts[0]),
        common::text(parts[1]),
        common::text(parts[2]),
    ) else {
        return;
    };
    if let Ok(basic) = Credentials::basic(user, password) {
        if check_authorization(Some(header), &basic).is_ok() {
            let credentials = header
                .trim_matches([' ', '\t'])
                .split_once([' ', '\t'])
                .unwrap()
                .1
                .trim_start_matches([' ', '\t']);
            let decoded = LENIENT.decode(credentials).unwrap();
            assert_eq!(decoded, format!("{user}:{password}").into_bytes());
        }
    }
    if let Ok(bearer) = Credentials::bearer(password) {
        if check_authorization(Some(header), &bearer).is_ok() {
            let token = header
                .trim_matches([' ', '\t'])
                .split_once([' ', '\t'])
                .unwrap()
                .1
                .trim_start_matches([' ', '\t']);
            assert_eq!(token, password);
        }
    }
});
