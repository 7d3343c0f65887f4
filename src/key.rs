//! Keys of every kind a verifier can hold: `whsec_` HMAC secrets (`v1`) and, with the `v1a`
//! feature (on by default), Standard Webhooks asymmetric keys: `whpk_` ed25519 public keys,
//! which verify `v1a` signatures, and `whsk_` ed25519 signing keys, which sign them.
//!
//! [`Key::parse`] tells the kinds apart by prefix, as the Standard Webhooks spec intends
//! ("Secret serialization": `whsec_`, `whsk_`, `whpk_`):
//!
//! - `whpk_` + base64 of the 32-byte ed25519 public key (RFC 8032 §5.1.5);
//! - `whsk_` + base64 of the 32-byte ed25519 private key, the seed of RFC 8032 §5.1.5 (what the
//!   open Standard Webhooks Python and Go pull requests use), or of the 64 bytes seed ‖ public key
//!   (the `secretKey` of the JS pull request's `@stablelib/ed25519`, and libsodium's layout), whose
//!   public half must be the one the seed derives;
//! - `whsec_` + base64 is an HMAC secret ([`Secret::parse`]);
//! - anything else is refused with `ambiguous_key`: bare base64 could be an HMAC secret or a
//!   public key whose prefix was dropped, and reading a public key as a secret would let anyone
//!   who holds it forge `v1` signatures. State the kind instead: keep the prefix, or hand over
//!   bytes of a stated kind ([`Secret::from_bytes`], [`Key::public_key_from_bytes`],
//!   [`Key::signing_key_from_bytes`]). [`Secret::parse`] alone, which takes HMAC secrets only,
//!   keeps svix's reading of bare base64 as a secret.
//!
//! The base64 of a `whpk_`/`whsk_` key is the standard alphabet, complete with its `=` padding
//! and canonical (no stray bits in the last character): such a key has exactly one text. A
//! `whsec_` secret is read as svix and standardwebhooks read it ([`Secret::parse`]).
//! Public keys are checked as strictly as signatures are: a non-canonical encoding, a point off
//! the curve, or a point of small order (a "weak" key, for which one signature verifies almost
//! any message) is refused with `invalid_key`. Without the `v1a` feature every `whpk_`/`whsk_`
//! key is refused with `unsupported_key`.

use alloc::string::String;
use core::fmt;

use zeroize::Zeroizing;

#[cfg(feature = "v1a")]
use crate::ed25519;
use crate::error::ErrorCode;
use crate::scheme;
use crate::secret::{SECRET_PREFIX, Secret, SecretError};

#[cfg(feature = "v1a")]
pub use crate::ed25519::{ed25519_sign, ed25519_verify};
pub use crate::scheme::{
    ED25519_SIGNATURE_LEN, PUBLIC_KEY_LEN, PUBLIC_KEY_PREFIX, SEED_LEN, SIGNING_KEY_PREFIX,
};

/// Longest base64 after `whpk_`/`whsk_`: the padded base64 of 64 bytes.
#[cfg(feature = "v1a")]
const MAX_KEY_B64_LEN: usize = 88;

/// What a [`Key`] can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum KeyKind {
    /// A `whsec_` HMAC-SHA256 secret: verifies and signs `v1`.
    Secret,
    /// A `whpk_` ed25519 public key: verifies `v1a`, cannot sign.
    PublicKey,
    /// A `whsk_` ed25519 signing key: signs `v1a`, and verifies it with its public key.
    SigningKey,
}

impl KeyKind {
    /// `"secret"`, `"public_key"` or `"signing_key"`.
    pub const fn name(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret",
            KeyKind::PublicKey => "public_key",
            KeyKind::SigningKey => "signing_key",
        }
    }
}

/// Why a signature could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignError {
    /// The key is a `whpk_` public key, or the verifier holds only public keys: signing needs a
    /// `whsec_` secret or a `whsk_` signing key.
    NoSigningKey,
}

impl ErrorCode for SignError {
    fn code(&self) -> &'static str {
        "no_signing_key"
    }

    fn message(&self) -> &'static str {
        SignError::message(self)
    }
}

impl SignError {
    /// A sentence saying what is wrong (the `Display` text).
    pub const fn message(&self) -> &'static str {
        "no signing key: a whpk_ public key only verifies; sign with a whsec_ secret or a whsk_ signing key"
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for SignError {}

/// One key of any kind. Secret material is zeroized on drop and never printed.
#[derive(Clone)]
pub struct Key(Material);

/// What a [`Key`] holds, for the verifier that checks with it.
#[derive(Clone)]
pub(crate) enum Material {
    Secret(Secret),
    #[cfg(feature = "v1a")]
    Public(ed25519::PublicKey),
    #[cfg(feature = "v1a")]
    Signing(ed25519::SigningKey),
}

impl Key {
    /// The key material itself: the one way into a key from the rest of the crate.
    pub(crate) fn material(&self) -> &Material {
        &self.0
    }

    /// Parses a key by its prefix: `whpk_` public key, `whsk_` signing key, `whsec_` HMAC
    /// secret. Text without one of these prefixes is [`SecretError::AmbiguousKey`] (empty text
    /// [`SecretError::Empty`]): its kind is not stated. See the module docs for the formats.
    pub fn parse(text: &str) -> Result<Key, SecretError> {
        if let Some(encoded) = text.strip_prefix(PUBLIC_KEY_PREFIX) {
            Key::parse_asymmetric(encoded, false)
        } else if let Some(encoded) = text.strip_prefix(SIGNING_KEY_PREFIX) {
            Key::parse_asymmetric(encoded, true)
        } else if text.starts_with(SECRET_PREFIX) {
            Secret::parse(text).map(Key::from)
        } else if text.is_empty() {
            Err(SecretError::Empty)
        } else {
            Err(SecretError::AmbiguousKey)
        }
    }

    /// svix's reading, for an API that takes HMAC secrets by default (the svix facade): a
    /// `whpk_` or `whsk_` key by its prefix, any other text an HMAC secret (`whsec_` + base64
    /// or bare base64, as [`Secret::parse`]). A public key that lost its `whpk_` prefix is read
    /// as a secret here, so such an API must document that public keys keep their prefix.
    pub fn parse_secret_by_default(text: &str) -> Result<Key, SecretError> {
        if text.starts_with(PUBLIC_KEY_PREFIX) || text.starts_with(SIGNING_KEY_PREFIX) {
            Key::parse(text)
        } else {
            Secret::parse(text).map(Key::from)
        }
    }

    #[cfg(feature = "v1a")]
    fn parse_asymmetric(encoded: &str, signing: bool) -> Result<Key, SecretError> {
        if encoded.is_empty() || encoded.len() > MAX_KEY_B64_LEN {
            return Err(SecretError::InvalidKey);
        }
        let mut buf = Zeroizing::new([0u8; 66]);
        let len = crate::base64::STRICT
            .decode_slice(encoded.as_bytes(), buf.as_mut_slice())
            .map_err(|_| SecretError::InvalidKey)?;
        let bytes = buf.get(..len).ok_or(SecretError::InvalidKey)?;
        if signing {
            Key::signing_key_from_bytes(bytes)
        } else {
            Key::public_key_from_bytes(bytes)
        }
    }

    #[cfg(not(feature = "v1a"))]
    fn parse_asymmetric(_: &str, _: bool) -> Result<Key, SecretError> {
        Err(SecretError::UnsupportedKey)
    }

    /// An ed25519 public key from its 32 bytes. Refuses a non-canonical encoding, a point off
    /// the curve and a point of small order with [`SecretError::InvalidKey`] /
    /// [`SecretError::WeakKey`]; without the `v1a` feature, [`SecretError::UnsupportedKey`].
    pub fn public_key_from_bytes(bytes: &[u8]) -> Result<Key, SecretError> {
        #[cfg(feature = "v1a")]
        {
            ed25519::PublicKey::from_bytes(bytes).map(|k| Key(Material::Public(k)))
        }
        #[cfg(not(feature = "v1a"))]
        {
            let _ = bytes;
            Err(SecretError::UnsupportedKey)
        }
    }

    /// An ed25519 signing key from its 32-byte seed, or from 64 bytes seed ‖ public key (the
    /// public half must match the seed, else [`SecretError::KeyMismatch`]). Without the `v1a`
    /// feature, [`SecretError::UnsupportedKey`].
    pub fn signing_key_from_bytes(bytes: &[u8]) -> Result<Key, SecretError> {
        #[cfg(feature = "v1a")]
        {
            ed25519::SigningKey::from_bytes(bytes).map(|k| Key(Material::Signing(k)))
        }
        #[cfg(not(feature = "v1a"))]
        {
            let _ = bytes;
            Err(SecretError::UnsupportedKey)
        }
    }

    /// What the key can do.
    pub fn kind(&self) -> KeyKind {
        match &self.0 {
            Material::Secret(_) => KeyKind::Secret,
            #[cfg(feature = "v1a")]
            Material::Public(_) => KeyKind::PublicKey,
            #[cfg(feature = "v1a")]
            Material::Signing(_) => KeyKind::SigningKey,
        }
    }

    /// The `whpk_` public key of a signing or public key (what a sender hands its consumers);
    /// `None` for an HMAC secret.
    pub fn public_key(&self) -> Option<Key> {
        match &self.0 {
            Material::Secret(_) => None,
            #[cfg(feature = "v1a")]
            Material::Public(k) => Some(Key(Material::Public(k.clone()))),
            #[cfg(feature = "v1a")]
            Material::Signing(k) => Some(Key(Material::Public(k.public()))),
        }
    }

    /// The key's text: `whsec_…`, `whpk_…`, or `whsk_…` (the 32-byte seed form).
    pub fn to_text(&self) -> Zeroizing<String> {
        match &self.0 {
            Material::Secret(s) => s.to_whsec(),
            #[cfg(feature = "v1a")]
            Material::Public(k) => k.to_text(),
            #[cfg(feature = "v1a")]
            Material::Signing(k) => k.to_text(),
        }
    }

    /// The raw key bytes: the HMAC secret, the 32-byte public key, or the 32-byte seed. Keep
    /// secret ones out of logs.
    pub fn expose_bytes(&self) -> &[u8] {
        match &self.0 {
            Material::Secret(s) => s.expose_bytes(),
            #[cfg(feature = "v1a")]
            Material::Public(k) => k.as_bytes(),
            #[cfg(feature = "v1a")]
            Material::Signing(k) => k.seed(),
        }
    }

    /// Signs `body` for `id` and `timestamp` (Unix seconds): `v1,…` with a secret, `v1a,…` with
    /// a signing key; a public key cannot sign ([`SignError::NoSigningKey`]). Byte-exact for
    /// any body.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignError> {
        match &self.0 {
            Material::Secret(s) => Ok(scheme::sign(s, id, timestamp, body)),
            #[cfg(feature = "v1a")]
            Material::Public(_) => Err(SignError::NoSigningKey),
            #[cfg(feature = "v1a")]
            Material::Signing(k) => Ok(k.sign_webhook(id, timestamp, body)),
        }
    }
}

impl From<Secret> for Key {
    fn from(secret: Secret) -> Key {
        Key(Material::Secret(secret))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Material::Secret(_) => f.write_str("Key(Secret, [REDACTED])"),
            // A public key is not secret, but printing one invites pasting it where a secret
            // belongs; its text is one `to_text()` away.
            #[cfg(feature = "v1a")]
            Material::Public(_) => f.write_str("Key(PublicKey)"),
            #[cfg(feature = "v1a")]
            Material::Signing(_) => f.write_str("Key(SigningKey, [REDACTED])"),
        }
    }
}
