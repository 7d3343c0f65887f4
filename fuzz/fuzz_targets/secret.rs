//! Secrets: exactly the texts whose base64 the `base64` crate decodes (padding canonical,
//! trailing bits tolerated) parse, to the same key; a parsed secret formats back to `whsec_…`
//! text that parses to the same key.
#![no_main]
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hookproof::{Secret, Verifier};
use libfuzzer_sys::fuzz_target;

const REFERENCE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let encoded = text.strip_prefix("whsec_").unwrap_or(text);
    let reference = REFERENCE
        .decode(encoded)
        .ok()
        .filter(|k| text.len() <= 4096 && (1..=1024).contains(&k.len()));
    let parsed = Secret::parse(text).ok();
    assert_eq!(
        parsed.as_ref().map(|s| s.expose_bytes().to_vec()),
        reference,
        "{text:?}"
    );
    let Some(secret) = parsed else {
        return;
    };
    assert!(!text.is_empty() && text != "whsec_");
    let again = Secret::parse(secret.to_whsec().as_str()).expect("whsec_ text of a secret parses");
    let a = Verifier::new(&secret).sign("m", 1, data);
    let b = Verifier::new(&again).sign("m", 1, data);
    assert_eq!(a, b);
    let encoded = &secret.to_whsec()[6..];
    if encoded.len() >= 12 {
        assert!(!format!("{secret:?}").contains(encoded));
    }
});
