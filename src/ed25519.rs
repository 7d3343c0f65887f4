//! ed25519 for `v1a` (the `v1a` feature), on `ed25519-dalek`: no curve arithmetic of our own.
//! Keys are checked as strictly as signatures: canonical encoding, on the curve, not of small
//! order.

use alloc::string::String;

use ed25519_dalek::{Signature, Signer as _, VerifyingKey};
use zeroize::Zeroizing;

use crate::base64::STRICT;
use crate::scheme::{
    ASYMMETRIC_SIGNATURE_VERSION, ED25519_SIGNATURE_LEN, PUBLIC_KEY_LEN, PUBLIC_KEY_PREFIX,
    SEED_LEN, SIGNING_KEY_PREFIX, TimestampText, signed_content,
};
use crate::secret::SecretError;

/// Verifies an ed25519 signature strictly (RFC 8032 with `S` canonical, `A` and `R` of large
/// order, `R` canonical): the primitive under `v1a`, exposed so every host can run RFC 8032 and
/// Wycheproof against it. A malformed or weak `public_key` is an error; a signature of the
/// wrong length is simply invalid.
pub fn ed25519_verify(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<bool, SecretError> {
    let key = PublicKey::from_bytes(public_key)?;
    Ok(<&[u8; ED25519_SIGNATURE_LEN]>::try_from(signature).is_ok_and(|s| key.verify(message, s)))
}

/// Signs `message` with an ed25519 signing key (32-byte seed, or 64 bytes seed ‖ public key
/// whose halves must agree): the primitive under `v1a`, for RFC 8032's known answers.
pub fn ed25519_sign(
    signing_key: &[u8],
    message: &[u8],
) -> Result<[u8; ED25519_SIGNATURE_LEN], SecretError> {
    Ok(SigningKey::from_bytes(signing_key)?.sign(message))
}

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
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; ED25519_SIGNATURE_LEN]) -> bool {
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
        let mut ts = TimestampText::new();
        let message = signed_content(id, ts.format(timestamp), body);
        let mut out = String::with_capacity(4 + 88);
        out.push_str(ASYMMETRIC_SIGNATURE_VERSION);
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
