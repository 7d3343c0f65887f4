//! v1a keys and mixed `v1`/`v1a` signature lists.
//!
//! First line: a key text. One that parses formats back to text that parses to the same key
//! and kind, and Debug never shows a signing key's or secret's bytes.
//! Second line: a `webhook-signature` header (`@1` stands for the right `v1` entry, `@a` for the
//! right `v1a` one, so matches are reachable). A verifier holding one secret and one public
//! key accepts it exactly when it is within bounds and one entry equals the right `v1`
//! signature (RustCrypto's HMAC) or the right `v1a` signature (ed25519-dalek's own signer),
//! whatever else it holds.
#![no_main]
#[path = "common.rs"]
mod common;

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use hookproof::signature::{MAX_ASYMMETRIC_SIGNATURES, MAX_SIGNATURE_HEADER_LEN, MAX_SIGNATURES};
use hookproof::{Key, KeyKind, Secret, Verifier, VerifyError};
use libfuzzer_sys::fuzz_target;

const SEED: [u8; 32] = *b"hookproof fuzzing seed, 32 byte!";

fuzz_target!(|data: &[u8]| {
    let parts = common::split(data, 2);
    if let Some(text) = common::text(parts[0])
        && let Ok(key) = Key::parse(text)
    {
        let again = Key::parse(key.to_text().as_str()).expect("a key's text parses");
        assert_eq!(again.kind(), key.kind());
        assert_eq!(again.expose_bytes(), key.expose_bytes());
        if key.kind() != KeyKind::PublicKey && key.expose_bytes().len() >= 12 {
            let encoded = base64::engine::general_purpose::STANDARD.encode(key.expose_bytes());
            assert!(!format!("{key:?}").contains(&encoded[..12]));
        }
    }
    let Some(template) = common::text(parts[1]) else {
        return;
    };
    let v1 = common::expected_signature("msg_fuzz", "1700000000", b"{}");
    let signing = ed25519_dalek::SigningKey::from_bytes(&SEED);
    let v1a = format!(
        "v1a,{}",
        base64::engine::general_purpose::STANDARD
            .encode(signing.sign(b"msg_fuzz.1700000000.{}").to_bytes())
    );
    let sig = template.replace("@1", &v1).replace("@a", &v1a);
    if sig.is_empty() {
        return;
    }
    let public = Key::public_key_from_bytes(signing.verifying_key().as_bytes()).unwrap();
    let secret = Key::from(Secret::from_bytes(common::KEY).unwrap());
    let verifier = Verifier::with_keys([&secret, &public]).unwrap();
    let result = verifier.verify_parts("msg_fuzz", "1700000000", &sig, b"{}", 1_700_000_000);
    let entries = sig.split(' ').filter(|e| !e.is_empty()).count();
    let asymmetric = sig
        .split(' ')
        .filter(|e| e.split_once(',').is_some_and(|(v, _)| v == "v1a"))
        .count();
    let want = if sig.len() > MAX_SIGNATURE_HEADER_LEN {
        Err(VerifyError::HeaderTooLarge(hookproof::Header::Signature))
    } else if entries > MAX_SIGNATURES || asymmetric > MAX_ASYMMETRIC_SIGNATURES {
        Err(VerifyError::TooManySignatures)
    } else if sig.split(' ').any(|e| e == v1 || e == v1a) {
        Ok(())
    } else {
        Err(VerifyError::NoMatchingSignature)
    };
    assert_eq!(result.map(|_| ()), want, "{sig:?}");
});
