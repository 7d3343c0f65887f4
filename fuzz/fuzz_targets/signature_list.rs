//! The `webhook-signature` list: accepted exactly when it is within bounds and one
//! space-separated entry equals the right `v1,` signature, whatever else it holds.
#![no_main]
#[path = "common.rs"]
mod common;

use hookproof::signature::{MAX_SIGNATURE_HEADER_LEN, MAX_SIGNATURES};
use hookproof::{Secret, Verifier, VerifyError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(sig) = common::text(data) else {
        return;
    };
    if sig.is_empty() {
        return;
    }
    let verifier = Verifier::new(&Secret::from_bytes(common::KEY).unwrap());
    let result = verifier.verify_parts("msg_fuzz", "1700000000", sig, b"{}", 1_700_000_000);
    let expected = common::expected_signature("msg_fuzz", "1700000000", b"{}");
    let entries = sig.split(' ').filter(|e| !e.is_empty()).count();
    let want = if sig.len() > MAX_SIGNATURE_HEADER_LEN {
        Err(VerifyError::HeaderTooLarge(hookproof::Header::Signature))
    } else if entries > MAX_SIGNATURES {
        Err(VerifyError::TooManySignatures)
    } else if sig.split(' ').any(|e| e == expected) {
        Ok(())
    } else {
        Err(VerifyError::NoMatchingSignature)
    };
    assert_eq!(result.map(|_| ()), want, "{sig:?}");
});
