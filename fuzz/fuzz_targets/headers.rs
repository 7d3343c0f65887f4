//! The three signature headers and the body together: whatever they hold, verification
//! succeeds only when some entry is exactly the signature the key makes for them.
#![no_main]
#[path = "common.rs"]
mod common;

use hookproof::{Secret, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts = common::split(data, 4);
    let (Some(id), Some(ts), Some(sig)) = (
        common::text(parts[0]),
        common::text(parts[1]),
        common::text(parts[2]),
    ) else {
        return;
    };
    let body = parts[3];
    let verifier = Verifier::new(&Secret::from_bytes(common::KEY).unwrap())
        .tolerance(hookproof::Tolerance::Ignore);
    let headers = [
        ("webhook-id", id),
        ("webhook-timestamp", ts),
        ("svix-signature", sig),
    ];
    let result = verifier.verify(&headers[..], body, 0);
    if let Ok(v) = result {
        let expected = common::expected_signature(id, ts, body);
        assert!(
            sig.split(' ').any(|e| e == expected),
            "accepted {sig:?} for {id:?}.{ts:?}"
        );
        assert_eq!(v.id, id);
        assert_eq!(v.timestamp.to_string(), ts);
    }
    // Signing and verifying again always agrees.
    if let Ok(t) = ts.parse::<i64>() {
        if t >= 0 && t.to_string() == ts && !id.is_empty() && id.len() <= 256 {
            let signed = verifier.sign(id, t, body);
            assert!(verifier.verify_parts(id, ts, &signed, body, 0).is_ok());
        }
    }
});
