//! The Standard Webhooks wire scheme: the signed content `{id}.{timestamp}.{body}`, the
//! signature versions, and the `v1,<base64>` text of an HMAC signature.

use alloc::string::String;
#[cfg(feature = "v1a")]
use alloc::vec::Vec;

use crate::base64::STRICT;
use crate::hmac::{HmacKey, MAC_LEN};
use crate::secret::Secret;

/// The symmetric signature version: HMAC-SHA256 (Standard Webhooks §Signature scheme).
pub const SIGNATURE_VERSION: &str = "v1";
/// The asymmetric signature version: ed25519 (Standard Webhooks §Signature scheme). Checked
/// against a verifier's `whpk_`/`whsk_` keys; other versions (`v2`, …) are skipped.
pub const ASYMMETRIC_SIGNATURE_VERSION: &str = "v1a";
/// Prefix of a Standard Webhooks ed25519 public key (Standard Webhooks §Asymmetric signatures).
pub const PUBLIC_KEY_PREFIX: &str = "whpk_";
/// Prefix of a Standard Webhooks ed25519 signing (secret) key.
pub const SIGNING_KEY_PREFIX: &str = "whsk_";
/// Length of an ed25519 public key, in bytes (RFC 8032 §5.1.5).
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an ed25519 private key (the seed), in bytes (RFC 8032 §5.1.5).
pub const SEED_LEN: usize = 32;
/// Length of an ed25519 signature, in bytes (RFC 8032 §5.1.6).
pub const ED25519_SIGNATURE_LEN: usize = 64;

/// Length of the padded standard base64 of a 32-byte tag.
const MAC_B64_LEN: usize = 44;

/// Signs `body` for `id` and `timestamp` (Unix seconds): `v1,` + base64 HMAC-SHA256 over
/// `id.timestamp.body`. Byte-exact for any body, UTF-8 or not. ([`Key::sign`](crate::key::Key::sign)
/// signs with a key of any kind.)
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    sign_with(&secret.key(), id, timestamp, body)
}

pub(crate) fn sign_with(key: &HmacKey, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut ts = TimestampText::new();
    let mac = key.mac(id, ts.format(timestamp), body);
    let mut out = String::with_capacity(SIGNATURE_VERSION.len() + 1 + MAC_B64_LEN);
    out.push_str(SIGNATURE_VERSION);
    out.push(',');
    STRICT.encode_string(mac, &mut out);
    out
}

/// `{id}.{timestamp}.{body}` in one buffer: ed25519 signs the whole message.
#[cfg(feature = "v1a")]
pub(crate) fn signed_content(id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    message.extend_from_slice(id.as_bytes());
    message.push(b'.');
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    message
}

/// Decodes one `v1,<base64>` entry to a 32-byte tag; anything else (another version, no comma,
/// bad base64, wrong length, including the empty `v1,`) is skipped.
pub(crate) fn decode_v1(entry: &str) -> Option<[u8; MAC_LEN]> {
    let (version, value) = entry.split_once(',')?;
    if version != SIGNATURE_VERSION || value.len() != MAC_B64_LEN {
        return None;
    }
    let mut out = [0u8; MAC_LEN + 3];
    match STRICT.decode_slice(value.as_bytes(), &mut out) {
        Ok(MAC_LEN) => out.first_chunk::<MAC_LEN>().copied(),
        _ => None,
    }
}

pub(crate) use itoa_buf::Buf as TimestampText;

/// A tiny integer formatter, so signing needs neither an allocation nor the formatting
/// machinery for the timestamp.
mod itoa_buf {
    pub(crate) struct Buf {
        bytes: [u8; 20],
    }

    impl Buf {
        pub(crate) fn new() -> Buf {
            Buf { bytes: [0; 20] }
        }

        /// The decimal text of `value` (at most 20 characters: `-9223372036854775808`).
        pub(crate) fn format(&mut self, value: i64) -> &str {
            let mut n = value.unsigned_abs();
            let mut start = self.bytes.len();
            loop {
                start -= 1;
                if let Some(slot) = self.bytes.get_mut(start) {
                    // `n % 10` is a single digit.
                    *slot = b'0' + (n % 10) as u8;
                }
                n /= 10;
                if n == 0 || start == 0 {
                    break;
                }
            }
            if value < 0 && start > 0 {
                start -= 1;
                if let Some(slot) = self.bytes.get_mut(start) {
                    *slot = b'-';
                }
            }
            self.bytes
                .get(start..)
                .and_then(|b| core::str::from_utf8(b).ok())
                .unwrap_or("")
        }
    }
}
