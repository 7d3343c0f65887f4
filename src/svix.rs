//! svix's Rust webhook API on this core (feature `svix`, which brings `http` and `std`):
//! migrating is one line, `use svix::webhooks::Webhook` → `use hookproof::svix::Webhook`.
//!
//! [`Webhook`] has svix's constructors (`new`, `from_bytes`), `verify` and
//! `verify_ignoring_timestamp` over an [`http::HeaderMap`] with the system clock and svix's
//! ±5 minutes, and `sign`; [`WebhookError`] has svix's variants and messages. Underneath it is
//! [`crate::Verifier`], so the core's rules apply, where they are stricter than svix's:
//!
//! - `webhook-timestamp` must be a canonical decimal integer (svix's `str::parse::<i64>` takes
//!   `+1614265330` and `01614265330`): otherwise [`WebhookError::InvalidTimestamp`];
//! - an empty header counts as missing (`MissingHeader`); a `webhook-id` or `webhook-signature`
//!   over 8 KiB, or more than 64 signature entries, is `InvalidHeader`;
//! - `sign` signs any bytes exactly (svix refuses a non-UTF-8 body with `InvalidPayload`).
//!
//! And it does more: `new` also takes `whpk_` public keys and `whsk_` signing keys (`v1a`,
//! ed25519; a `whpk_` key cannot `sign`: `InvalidSecret`). Text without a prefix is read as
//! svix reads it, as an HMAC secret in bare base64; so a public key must keep its `whpk_`: a
//! public key without it would become an HMAC secret, and anyone holding that public key could
//! then forge `v1` signatures that this `Webhook` accepts.
//!
//! Codat's documented Rust example, as it compiles here (`tests/svix_facade.rs` runs it):
//!
//! ```
//! use hookproof::svix::Webhook;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string();
//!
//! let mut headers = http::header::HeaderMap::new();
//! headers.insert("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".parse()?);
//! headers.insert("webhook-timestamp", "1614265330".parse()?);
//! headers.insert(
//!     "webhook-signature",
//!     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".parse()?,
//! );
//!
//! let payload = b"{\"test\": 2432232314}";
//!
//! let wh = Webhook::new(&secret)?;
//! // The example's message is from 2021: check it without the clock.
//! wh.verify_ignoring_timestamp(&payload, &headers)?;
//! assert!(wh.verify(&payload, &headers).is_err()); // too old today
//! # Ok(())
//! # }
//! ```

extern crate std;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use http::HeaderMap;

use crate::key::Key;
use crate::signature::{Header, Secret, SecretError, Tolerance, Verifier, VerifyError};

/// svix's `WebhookError`: the same variants, with the same messages.
#[derive(Debug)]
pub enum WebhookError {
    /// `"failed to parse timestamp"`: not a canonical decimal integer, negative, or the system
    /// clock is before 1970.
    InvalidTimestamp,
    /// `"invalid secret"`: not base64 as svix reads it (svix carries a `base64::DecodeError`; here the
    /// core's [`SecretError`] says what is wrong).
    InvalidSecret(SecretError),
    /// `"secret may not be blank"`.
    EmptySecret,
    /// `"invalid header {0}"` (`id`, `timestamp` or `signature`): not visible ASCII, or over
    /// the core's bounds.
    InvalidHeader(&'static str),
    /// `"signature timestamp too old"`.
    TimestampTooOldError,
    /// `"signature timestamp too far in future"`.
    FutureTimestampError,
    /// `"missing header {0}"` (`id`, `timestamp` or `signature`).
    MissingHeader(&'static str),
    /// `"signature invalid"`.
    InvalidSignature,
    /// `"payload invalid"` (kept for svix's shape; this `sign` signs any bytes).
    InvalidPayload,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::InvalidTimestamp => f.write_str("failed to parse timestamp"),
            WebhookError::InvalidSecret(_) => f.write_str("invalid secret"),
            WebhookError::EmptySecret => f.write_str("secret may not be blank"),
            WebhookError::InvalidHeader(name) => write!(f, "invalid header {name}"),
            WebhookError::TimestampTooOldError => f.write_str("signature timestamp too old"),
            WebhookError::FutureTimestampError => {
                f.write_str("signature timestamp too far in future")
            }
            WebhookError::MissingHeader(name) => write!(f, "missing header {name}"),
            WebhookError::InvalidSignature => f.write_str("signature invalid"),
            WebhookError::InvalidPayload => f.write_str("payload invalid"),
        }
    }
}

impl core::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            WebhookError::InvalidSecret(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SecretError> for WebhookError {
    fn from(e: SecretError) -> WebhookError {
        match e {
            SecretError::Empty => WebhookError::EmptySecret,
            e => WebhookError::InvalidSecret(e),
        }
    }
}

/// svix's short header names, as its errors print them.
fn short_name(h: Header) -> &'static str {
    match h {
        Header::Id => "id",
        Header::Timestamp => "timestamp",
        Header::Signature => "signature",
    }
}

impl From<VerifyError> for WebhookError {
    fn from(e: VerifyError) -> WebhookError {
        match e {
            VerifyError::MissingHeader(h) => WebhookError::MissingHeader(short_name(h)),
            VerifyError::HeaderTooLarge(h) => WebhookError::InvalidHeader(short_name(h)),
            VerifyError::TooManySignatures => WebhookError::InvalidHeader("signature"),
            VerifyError::InvalidTimestamp | VerifyError::InvalidNow => {
                WebhookError::InvalidTimestamp
            }
            VerifyError::TimestampTooOld => WebhookError::TimestampTooOldError,
            VerifyError::TimestampTooNew => WebhookError::FutureTimestampError,
            VerifyError::PayloadTooLarge => WebhookError::InvalidPayload,
            _ => WebhookError::InvalidSignature,
        }
    }
}

/// svix's `Webhook`: a signing secret (or a v1a key), verifying with the system clock.
#[derive(Clone)]
pub struct Webhook {
    verifier: Verifier,
    ignoring_timestamp: Verifier,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Webhook { key: [redacted] }")
    }
}

impl Webhook {
    /// `whsec_` + base64 (or bare base64), as svix; also a `whpk_`/`whsk_` key, which must keep
    /// its prefix (bare base64 is always an HMAC secret here: see the module docs).
    pub fn new(secret: &str) -> Result<Webhook, WebhookError> {
        Ok(Webhook::with(&Key::parse_secret_by_default(secret)?))
    }

    /// The key's raw bytes (svix's `from_bytes`).
    pub fn from_bytes(secret: Vec<u8>) -> Result<Webhook, WebhookError> {
        Ok(Webhook::with(&Key::from(Secret::from_bytes(&secret)?)))
    }

    fn with(key: &Key) -> Webhook {
        let verifier = Verifier::from_key(key);
        Webhook {
            ignoring_timestamp: verifier.clone().tolerance(Tolerance::Ignore),
            verifier,
        }
    }

    /// Verifies `payload` (the raw body) against the `svix-*` or `webhook-*` headers, with the
    /// system clock and a ±5 minute window.
    pub fn verify<P: AsRef<[u8]> + ?Sized>(
        &self,
        payload: &P,
        headers: &HeaderMap,
    ) -> Result<(), WebhookError> {
        check_headers(headers)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .ok_or(WebhookError::InvalidTimestamp)?;
        self.verifier
            .verify(headers, payload.as_ref(), now)
            .map(|_| ())
            .map_err(WebhookError::from)
    }

    /// [`Webhook::verify`] without the timestamp window (the timestamp must still be well
    /// formed: it is signed).
    pub fn verify_ignoring_timestamp<P: AsRef<[u8]> + ?Sized>(
        &self,
        payload: &P,
        headers: &HeaderMap,
    ) -> Result<(), WebhookError> {
        check_headers(headers)?;
        self.ignoring_timestamp
            .verify(headers, payload.as_ref(), 0)
            .map(|_| ())
            .map_err(WebhookError::from)
    }

    /// `v1,<base64>` (or `v1a,<base64>` with a `whsk_` key) for `msg_id.timestamp.payload`.
    pub fn sign(
        &self,
        msg_id: &str,
        timestamp: i64,
        payload: &[u8],
    ) -> Result<String, WebhookError> {
        self.verifier
            .try_sign(msg_id, timestamp, payload)
            .map_err(|_| WebhookError::InvalidSecret(SecretError::InvalidKey))
    }
}

/// svix's header checks, in svix's order (id, signature, timestamp): absent under both names
/// is `MissingHeader`, a value that is not visible ASCII is `InvalidHeader`. Everything else
/// is the core's.
fn check_headers(headers: &HeaderMap) -> Result<(), WebhookError> {
    for h in [Header::Id, Header::Signature, Header::Timestamp] {
        let value = headers
            .get(h.svix_name())
            .or_else(|| headers.get(h.name()))
            .ok_or(WebhookError::MissingHeader(short_name(h)))?;
        value
            .to_str()
            .map_err(|_| WebhookError::InvalidHeader(short_name(h)))?;
    }
    Ok(())
}
