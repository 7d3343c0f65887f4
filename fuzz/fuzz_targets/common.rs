// Shared by the fuzz targets (included with `#[path]`): splitting inputs and an independent
// HMAC-SHA256 signature.
#![allow(dead_code)]

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};

pub const KEY: &[u8] = b"hookproof fuzzing key, 32 bytes!";

/// Splits `data` at the first `n - 1` newlines into `n` parts (missing parts are empty).
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts: Vec<&[u8]> = data.splitn(n, |&b| b == b'\n').collect();
    parts.resize(n, &[]);
    parts
}

pub fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// `v1,` + base64(HMAC-SHA256(KEY, id.ts.body)), computed with RustCrypto directly.
pub fn expected_signature(id: &str, ts: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(KEY).unwrap();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}
