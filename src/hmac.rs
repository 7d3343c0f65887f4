//! HMAC-SHA256, the primitive under every `v1` signature, with the key state precomputed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Length of an HMAC-SHA256 tag, in bytes.
pub(crate) const MAC_LEN: usize = 32;

/// HMAC-SHA256 state with the key already absorbed (the ipad/opad blocks), cloned per message.
#[derive(Clone)]
pub(crate) struct HmacKey(HmacSha256);

impl HmacKey {
    // Kept out of line (here and in `mac_of`): one copy of the HMAC code, not one per caller,
    // keeps the smallest wasm build small; the cost is one call per message.
    #[inline(never)]
    pub(crate) fn new(bytes: &[u8]) -> HmacKey {
        // HMAC accepts keys of every length (longer ones are hashed first), so this cannot
        // fail; the fallback keeps the core free of `expect` all the same.
        match HmacSha256::new_from_slice(bytes) {
            Ok(mac) => HmacKey(mac),
            Err(_) => HmacKey(<HmacSha256 as KeyInit>::new(&Default::default())),
        }
    }

    pub(crate) fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> [u8; MAC_LEN] {
        self.mac_of(&[id.as_bytes(), b".", timestamp.as_bytes(), b".", body])
    }

    /// The MAC of the concatenation of `parts`.
    #[inline(never)]
    pub(crate) fn mac_of(&self, parts: &[&[u8]]) -> [u8; MAC_LEN] {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// HMAC-SHA256 of `data` under `key` (any length): the primitive under every signature,
/// exposed so every host can check it against RFC 4231.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; MAC_LEN] {
    HmacKey::new(key).mac_of(&[data])
}
