//! `whsec_` HMAC secrets: [`Secret`], read exactly as svix and standardwebhooks read them, and
//! [`SecretError`], why a secret or key of any kind was refused.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::base64::STRICT;
use crate::error::ErrorCode;
use crate::hmac::HmacKey;

/// Prefix of a Standard Webhooks symmetric secret (Standard Webhooks §Symmetric signatures).
pub const SECRET_PREFIX: &str = "whsec_";
/// Largest accepted secret text (prefix and base64 included), in bytes.
pub const MAX_SECRET_TEXT_LEN: usize = 4096;
/// Largest decoded secret, in bytes. The spec asks for 24–64; HMAC hashes longer keys.
pub const MAX_SECRET_LEN: usize = 1024;

/// Why a secret or key was refused.
///
/// Codes: `invalid_secret` (a `whsec_` secret, or no key at all), `invalid_key` (a `whpk_` or
/// `whsk_` key: not base64, wrong length, not a canonical curve point, of small order, or a
/// 64-byte signing key whose halves disagree), `ambiguous_key` (text without its `whsec_`,
/// `whpk_` or `whsk_` prefix given where both kinds are taken), `unsupported_key` (a
/// `whpk_`/`whsk_` key in a build without the `v1a` feature), `too_many_secrets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret or key is empty (or only its prefix).
    Empty,
    /// The text after `whsec_` is not base64 as svix reads it ([`Secret::parse`]).
    NotBase64,
    /// Longer than [`MAX_SECRET_TEXT_LEN`] characters or [`MAX_SECRET_LEN`] bytes.
    TooLong,
    /// A verifier was built from no secret at all.
    NoSecrets,
    /// A verifier was given more than [`MAX_SECRETS`](crate::signature::MAX_SECRETS) keys.
    TooManySecrets,
    /// A `whpk_`/`whsk_` key is not canonical base64, has the wrong length (public key 32
    /// bytes; signing key 32, or 64 with its public key), or is not a canonical curve point.
    InvalidKey,
    /// A public key of small order: a "weak" key, under which one signature verifies almost
    /// any message.
    WeakKey,
    /// A 64-byte signing key whose public half is not the seed's public key.
    KeyMismatch,
    /// A `whpk_`/`whsk_` key, in a build without the `v1a` feature.
    UnsupportedKey,
    /// Key text without a `whsec_`, `whpk_` or `whsk_` prefix, given to a parser that takes
    /// both kinds ([`Key::parse`](crate::key::Key::parse)): bare base64 could be an HMAC secret or a public key, and
    /// reading a public key as a secret would let anyone who holds it forge `v1` signatures.
    AmbiguousKey,
}

impl ErrorCode for SecretError {
    fn code(&self) -> &'static str {
        match self {
            SecretError::TooManySecrets => "too_many_secrets",
            SecretError::InvalidKey | SecretError::WeakKey | SecretError::KeyMismatch => {
                "invalid_key"
            }
            SecretError::UnsupportedKey => "unsupported_key",
            SecretError::AmbiguousKey => "ambiguous_key",
            SecretError::Empty
            | SecretError::NotBase64
            | SecretError::TooLong
            | SecretError::NoSecrets => "invalid_secret",
        }
    }

    fn message(&self) -> &'static str {
        SecretError::message(self)
    }
}

impl SecretError {
    /// A sentence saying what is wrong (the `Display` text), without the formatting machinery.
    pub const fn message(&self) -> &'static str {
        match self {
            SecretError::Empty => "invalid secret: it is empty",
            SecretError::NotBase64 => {
                "invalid secret: expected whsec_ followed by standard base64 (no leading space, no space, \\r or = inside), as copied from the endpoint's Signing secret"
            }
            SecretError::TooLong => "invalid secret: longer than 4096 characters or 1024 bytes",
            SecretError::NoSecrets => "invalid secret: no secret given",
            SecretError::TooManySecrets => "more than 16 secrets and keys",
            SecretError::InvalidKey => {
                "invalid key: expected whpk_ + the complete base64 of a 32-byte ed25519 public key, or whsk_ + that of a 32-byte seed (or 64 bytes: seed and public key)"
            }
            SecretError::WeakKey => {
                "invalid key: the ed25519 public key has small order (a weak key that would accept forged signatures)"
            }
            SecretError::KeyMismatch => {
                "invalid key: the 64-byte whsk_ key's public half is not the public key of its seed"
            }
            SecretError::UnsupportedKey => {
                "unsupported key: whpk_/whsk_ (v1a, ed25519) keys need hookproof built with the v1a feature"
            }
            SecretError::AmbiguousKey => {
                "ambiguous key: without its whsec_, whpk_ or whsk_ prefix a key could be an HMAC secret or a public key; keep the prefix, or state the kind (raw HMAC secret bytes, or public/signing key bytes)"
            }
        }
    }
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for SecretError {}

/// A decoded signing secret. Its bytes are zeroized on drop and never printed.
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Vec<u8>>,
}

impl Secret {
    /// Parses `whsec_` + base64 or bare base64 exactly as svix 2.5.0 and standardwebhooks
    /// 1.1.1 read a secret: the `whsec_` prefix dropped once if present, then their base64 (the
    /// standard alphabet; padding optional; one character dangling after whole quanta, such
    /// as the newline of a secret read from a file, dropped; see the README's "Secrets"). Every
    /// text they take decodes to the key they use; every text they refuse is refused
    /// ([`SecretError::NotBase64`], [`SecretError::Empty`]). Beyond them, a key over
    /// [`MAX_SECRET_LEN`] bytes or a text over [`MAX_SECRET_TEXT_LEN`] is
    /// [`SecretError::TooLong`].
    pub fn parse(text: &str) -> Result<Secret, SecretError> {
        if text.len() > MAX_SECRET_TEXT_LEN {
            return Err(SecretError::TooLong);
        }
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        if encoded.is_empty() {
            return Err(SecretError::Empty);
        }
        let bytes = Zeroizing::new(
            crate::base64::decode_secret(encoded).map_err(|_| SecretError::NotBase64)?,
        );
        Secret::checked(bytes)
    }

    /// Uses `bytes` as the key as they are (Svix's `from_bytes`, JS `{ format: "raw" }`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Secret, SecretError> {
        if bytes.len() > MAX_SECRET_LEN {
            return Err(SecretError::TooLong);
        }
        Secret::checked(Zeroizing::new(bytes.to_vec()))
    }

    fn checked(bytes: Zeroizing<Vec<u8>>) -> Result<Secret, SecretError> {
        if bytes.is_empty() {
            Err(SecretError::Empty)
        } else if bytes.len() > MAX_SECRET_LEN {
            Err(SecretError::TooLong)
        } else {
            Ok(Secret { bytes })
        }
    }

    /// The `whsec_…` text of this secret (for a tool that generates or displays secrets).
    pub fn to_whsec(&self) -> Zeroizing<String> {
        let mut text = String::from(SECRET_PREFIX);
        STRICT.encode_string(self.bytes.as_slice(), &mut text);
        Zeroizing::new(text)
    }

    pub(crate) fn key(&self) -> HmacKey {
        HmacKey::new(&self.bytes)
    }

    /// The decoded key bytes, for a host that computes the HMAC natively (see [`Prepared`](crate::signature::Prepared)).
    /// Keep them out of logs.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}
