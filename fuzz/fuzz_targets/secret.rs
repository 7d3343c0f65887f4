//! Secrets: a parsed secret formats back to `whsec_…` text that parses to the same key.
#![no_main]
use hookproof::{Secret, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(secret) = Secret::parse(text) else {
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
