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

use crate::error::ErrorCode;
use crate::signature::{SECRET_PREFIX, Secret, SecretError};

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
pub struct Key(pub(crate) Inner);

#[derive(Clone)]
pub(crate) enum Inner {
    Secret(Secret),
    #[cfg(feature = "v1a")]
    Public(ed::PublicKey),
    #[cfg(feature = "v1a")]
    Signing(ed::SigningKey),
}

impl Key {
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
            ed::PublicKey::from_bytes(bytes).map(|k| Key(Inner::Public(k)))
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
            ed::SigningKey::from_bytes(bytes).map(|k| Key(Inner::Signing(k)))
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
            Inner::Secret(_) => KeyKind::Secret,
            #[cfg(feature = "v1a")]
            Inner::Public(_) => KeyKind::PublicKey,
            #[cfg(feature = "v1a")]
            Inner::Signing(_) => KeyKind::SigningKey,
        }
    }

    /// The `whpk_` public key of a signing or public key (what a sender hands its consumers);
    /// `None` for an HMAC secret.
    pub fn public_key(&self) -> Option<Key> {
        match &self.0 {
            Inner::Secret(_) => None,
            #[cfg(feature = "v1a")]
            Inner::Public(k) => Some(Key(Inner::Public(k.clone()))),
            #[cfg(feature = "v1a")]
            Inner::Signing(k) => Some(Key(Inner::Public(k.public()))),
        }
    }

    /// The key's text: `whsec_…`, `whpk_…`, or `whsk_…` (the 32-byte seed form).
    pub fn to_text(&self) -> Zeroizing<String> {
        match &self.0 {
            Inner::Secret(s) => s.to_whsec(),
            #[cfg(feature = "v1a")]
            Inner::Public(k) => k.to_text(),
            #[cfg(feature = "v1a")]
            Inner::Signing(k) => k.to_text(),
        }
    }

    /// The raw key bytes: the HMAC secret, the 32-byte public key, or the 32-byte seed. Keep
    /// secret ones out of logs.
    pub fn expose_bytes(&self) -> &[u8] {
        match &self.0 {
            Inner::Secret(s) => s.expose_bytes(),
            #[cfg(feature = "v1a")]
            Inner::Public(k) => k.as_bytes(),
            #[cfg(feature = "v1a")]
            Inner::Signing(k) => k.seed(),
        }
    }

    /// Signs `body` for `id` and `timestamp` (Unix seconds): `v1,…` with a secret, `v1a,…` with
    /// a signing key; a public key cannot sign ([`SignError::NoSigningKey`]). Byte-exact for
    /// any body.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignError> {
        match &self.0 {
            Inner::Secret(s) => Ok(crate::signature::sign(s, id, timestamp, body)),
            #[cfg(feature = "v1a")]
            Inner::Public(_) => Err(SignError::NoSigningKey),
            #[cfg(feature = "v1a")]
            Inner::Signing(k) => Ok(k.sign_webhook(id, timestamp, body)),
        }
    }
}

impl From<Secret> for Key {
    fn from(secret: Secret) -> Key {
        Key(Inner::Secret(secret))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Secret(_) => f.write_str("Key(Secret, [REDACTED])"),
            // A public key is not secret, but printing one invites pasting it where a secret
            // belongs; its text is one `to_text()` away.
            #[cfg(feature = "v1a")]
            Inner::Public(_) => f.write_str("Key(PublicKey)"),
            #[cfg(feature = "v1a")]
            Inner::Signing(_) => f.write_str("Key(SigningKey, [REDACTED])"),
        }
    }
}

/// Verifies an ed25519 signature strictly (RFC 8032 with `S` canonical, `A` and `R` of large
/// order, `R` canonical): the primitive under `v1a`, exposed so every host can run RFC 8032 and
/// Wycheproof against it. A malformed or weak `public_key` is an error; a signature of the
/// wrong length is simply invalid.
#[cfg(feature = "v1a")]
pub fn ed25519_verify(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<bool, SecretError> {
    let key = ed::PublicKey::from_bytes(public_key)?;
    Ok(<&[u8; ED25519_SIGNATURE_LEN]>::try_from(signature).is_ok_and(|s| key.verify(message, s)))
}

/// Signs `message` with an ed25519 signing key (32-byte seed, or 64 bytes seed ‖ public key
/// whose halves must agree): the primitive under `v1a`, for RFC 8032's known answers.
#[cfg(feature = "v1a")]
pub fn ed25519_sign(
    signing_key: &[u8],
    message: &[u8],
) -> Result<[u8; ED25519_SIGNATURE_LEN], SecretError> {
    Ok(ed::SigningKey::from_bytes(signing_key)?.sign(message))
}

/// The ed25519 half of the module, on `ed25519-dalek`: no curve arithmetic of our own.
#[cfg(feature = "v1a")]
pub(crate) mod ed {
    use alloc::string::String;

    use ed25519_dalek::{Signature, Signer as _, VerifyingKey};
    use zeroize::Zeroizing;

    use super::{ED25519_SIGNATURE_LEN, PUBLIC_KEY_LEN, PUBLIC_KEY_PREFIX, SEED_LEN};
    use super::{SIGNING_KEY_PREFIX, SecretError};
    use crate::base64::STRICT;

    /// A validated public key: canonical encoding, on the curve, not of small order.
    #[derive(Clone)]
    pub(crate) struct PublicKey(VerifyingKey);

    impl PublicKey {
        pub(crate) fn from_bytes(bytes: &[u8]) -> Result<PublicKey, SecretError> {
            let bytes =
                <&[u8; PUBLIC_KEY_LEN]>::try_from(bytes).map_err(|_| SecretError::InvalidKey)?;
            let key = VerifyingKey::from_bytes(bytes).map_err(|_| SecretError::InvalidKey)?;
            // ed25519-dalek decompresses y ≥ p and "negative zero" x like their canonical
            // forms; RFC 8032 §5.1.3 says decoding fails. Re-encoding tells them apart.
            if key.to_edwards().compress().as_bytes() != bytes {
                return Err(SecretError::InvalidKey);
            }
            if key.is_weak() {
                return Err(SecretError::WeakKey);
            }
            Ok(PublicKey(key))
        }

        pub(crate) fn as_bytes(&self) -> &[u8] {
            self.0.as_bytes()
        }

        pub(crate) fn to_text(&self) -> Zeroizing<String> {
            let mut text = String::from(PUBLIC_KEY_PREFIX);
            STRICT.encode_string(self.0.as_bytes(), &mut text);
            Zeroizing::new(text)
        }

        /// `verify_strict`: canonical `S`, `R` re-derived byte for byte, neither `A` nor `R` of
        /// small order.
        pub(crate) fn verify(
            &self,
            message: &[u8],
            signature: &[u8; ED25519_SIGNATURE_LEN],
        ) -> bool {
            self.0
                .verify_strict(message, &Signature::from_bytes(signature))
                .is_ok()
        }
    }

    /// A signing key (zeroized on drop by ed25519-dalek) with its public key.
    #[derive(Clone)]
    pub(crate) struct SigningKey(ed25519_dalek::SigningKey);

    impl SigningKey {
        pub(crate) fn from_bytes(bytes: &[u8]) -> Result<SigningKey, SecretError> {
            match bytes.len() {
                SEED_LEN => {
                    let seed =
                        <&[u8; SEED_LEN]>::try_from(bytes).map_err(|_| SecretError::InvalidKey)?;
                    Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(seed)))
                }
                64 => {
                    let pair = <&[u8; 64]>::try_from(bytes).map_err(|_| SecretError::InvalidKey)?;
                    ed25519_dalek::SigningKey::from_keypair_bytes(pair)
                        .map(SigningKey)
                        .map_err(|_| SecretError::KeyMismatch)
                }
                _ => Err(SecretError::InvalidKey),
            }
        }

        pub(crate) fn public(&self) -> PublicKey {
            PublicKey(self.0.verifying_key())
        }

        pub(crate) fn seed(&self) -> &[u8] {
            self.0.as_bytes()
        }

        pub(crate) fn to_text(&self) -> Zeroizing<String> {
            let mut text = String::from(SIGNING_KEY_PREFIX);
            STRICT.encode_string(self.0.as_bytes(), &mut text);
            Zeroizing::new(text)
        }

        pub(crate) fn sign(&self, message: &[u8]) -> [u8; ED25519_SIGNATURE_LEN] {
            self.0.sign(message).to_bytes()
        }

        /// `v1a,` + base64 of the signature of `id.timestamp.body`.
        pub(crate) fn sign_webhook(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
            let mut ts = crate::signature::TimestampText::new();
            let message = crate::signature::signed_content(id, ts.format(timestamp), body);
            let mut out = String::with_capacity(4 + 88);
            out.push_str(crate::signature::ASYMMETRIC_SIGNATURE_VERSION);
            out.push(',');
            STRICT.encode_string(self.sign(&message), &mut out);
            out
        }
    }

    /// Decodes one `v1a,<base64>` value: 88 characters of padded canonical base64 of 64 bytes.
    pub(crate) fn decode_signature(value: &str) -> Option<[u8; ED25519_SIGNATURE_LEN]> {
        if value.len() != 88 {
            return None;
        }
        let mut out = [0u8; ED25519_SIGNATURE_LEN + 2];
        match STRICT.decode_slice(value.as_bytes(), &mut out) {
            Ok(ED25519_SIGNATURE_LEN) => out.first_chunk::<ED25519_SIGNATURE_LEN>().copied(),
            _ => None,
        }
    }
}
