//! Standard Webhooks signatures: `v1` (HMAC-SHA256), as Codat sends them through Svix, and
//! `v1a` (ed25519, with the `v1a` feature).
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`; a `v1` signature is
//! `v1,` followed by the standard base64 of its HMAC-SHA256, a `v1a` signature `v1a,` followed
//! by the standard base64 of its 64-byte ed25519 signature. A [`Verifier`] holds one or more keys
//! of either kind ([`Key`]: rotation, also across kinds), with HMAC key state precomputed, so
//! each `v1` check costs only the message blocks. Time is always a parameter (`now`, Unix
//! seconds).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use subtle::ConstantTimeEq;

use crate::error::ErrorCode;
use crate::hmac::{HmacKey, MAC_LEN};
use crate::key::{Key, Material, SignError};
#[cfg(feature = "v1a")]
use crate::scheme::signed_content;
use crate::scheme::{decode_v1, sign_with};

pub use crate::hmac::hmac_sha256;
pub use crate::scheme::{ASYMMETRIC_SIGNATURE_VERSION, SIGNATURE_VERSION, sign};
pub use crate::secret::{MAX_SECRET_LEN, MAX_SECRET_TEXT_LEN, SECRET_PREFIX, Secret, SecretError};

/// `webhook-id`, the message id (Standard Webhooks §Headers).
pub const WEBHOOK_ID: &str = "webhook-id";
/// `webhook-timestamp`, integer Unix seconds (Standard Webhooks §Headers).
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// `webhook-signature`, space-separated `version,base64` entries (Standard Webhooks §Headers).
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
/// `svix-id`: Svix's own name for `webhook-id`, looked up first, as Svix's libraries do.
pub const SVIX_ID: &str = "svix-id";
/// `svix-timestamp`: Svix's own name for `webhook-timestamp`.
pub const SVIX_TIMESTAMP: &str = "svix-timestamp";
/// `svix-signature`: Svix's own name for `webhook-signature`.
pub const SVIX_SIGNATURE: &str = "svix-signature";
/// Default tolerance, both directions: 5 minutes, as every Svix / Standard Webhooks library.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;
/// Largest accepted `webhook-signature` header, in bytes. Svix sends one entry per active
/// endpoint secret (≈48 bytes each); 8 KiB leaves room for well over 100.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 8 * 1024;
/// Most `version,value` entries examined in one `webhook-signature` header.
pub const MAX_SIGNATURES: usize = 64;
/// Most `v1a` entries examined in one header by a verifier that holds ed25519 keys. Each one
/// costs a SHA-512 pass over the whole body and a double-scalar multiplication per public key
/// (unlike `v1`, where one MAC per secret serves every entry), so the work is bounded apart:
/// a sender signs once per key it holds, and rotation needs two.
pub const MAX_ASYMMETRIC_SIGNATURES: usize = 4;
/// Largest accepted `webhook-id` header, in bytes. Svix's own ids are 31 bytes and the spec sets
/// no limit, so the bound sits where no sender can reach a consumer anyway: 8 KiB is the longest
/// header line nginx accepts by default (`large_client_header_buffers`) and half of Node's
/// 16 KiB limit for all headers together. svix's libraries accept any length.
pub const MAX_ID_LEN: usize = 8 * 1024;
/// Most keys (secrets, public and signing keys together) one [`Verifier`] holds (rotation needs
/// two; a few more is generous).
pub const MAX_SECRETS: usize = 16;

/// Largest `now` (in absolute value) a verifier takes, in Unix seconds: 10^11 s is the year
/// 5138, while a time in milliseconds (JS `Date.now()`) has been above 10^11 since 1973-03-03.
/// A larger `now` can only be milliseconds (or a mistake of that size), so it is refused with
/// `invalid_now` rather than reported as a message too old or too new; it is never converted,
/// as a guessed unit would hide the caller's bug. Checked whenever the timestamp is checked.
pub const MAX_NOW: i64 = 100_000_000_000;

/// Decimal digits in the largest timestamp accepted (`i64::MAX` has 19).
const MAX_TIMESTAMP_DIGITS: usize = 19;

/// Which of the three signature headers an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Header {
    /// `webhook-id` (or `svix-id`).
    Id,
    /// `webhook-timestamp` (or `svix-timestamp`).
    Timestamp,
    /// `webhook-signature` (or `svix-signature`).
    Signature,
}

impl Header {
    /// The Standard Webhooks header name, e.g. `"webhook-id"`.
    pub const fn name(self) -> &'static str {
        match self {
            Header::Id => WEBHOOK_ID,
            Header::Timestamp => WEBHOOK_TIMESTAMP,
            Header::Signature => WEBHOOK_SIGNATURE,
        }
    }

    /// The Svix header name tried first, e.g. `"svix-id"`.
    pub const fn svix_name(self) -> &'static str {
        match self {
            Header::Id => SVIX_ID,
            Header::Timestamp => SVIX_TIMESTAMP,
            Header::Signature => SVIX_SIGNATURE,
        }
    }
}

/// Why a message failed verification. Structural failures each have a case; a signature
/// that does not match is one opaque case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VerifyError {
    /// The header is absent or empty under both its `svix-` and `webhook-` names.
    MissingHeader(Header),
    /// The header exceeds its bound ([`MAX_ID_LEN`], [`MAX_SIGNATURE_HEADER_LEN`]).
    HeaderTooLarge(Header),
    /// `webhook-timestamp` is not a canonical decimal integer of Unix seconds.
    InvalidTimestamp,
    /// The `now` given is beyond ±[`MAX_NOW`] seconds: milliseconds where Unix seconds are
    /// expected.
    InvalidNow,
    /// The timestamp is further in the past than the tolerance allows.
    TimestampTooOld,
    /// The timestamp is further in the future than the tolerance allows.
    TimestampTooNew,
    /// `webhook-signature` holds more than [`MAX_SIGNATURES`] entries, or more than
    /// [`MAX_ASYMMETRIC_SIGNATURES`] `v1a` entries for a verifier that holds ed25519 keys.
    TooManySignatures,
    /// The body exceeds the verifier's configured maximum.
    PayloadTooLarge,
    /// No `v1` entry is a valid signature of this message under any secret, and no `v1a`
    /// entry under any public key.
    NoMatchingSignature,
}

impl ErrorCode for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader(_) => "missing_header",
            VerifyError::HeaderTooLarge(_) => "header_too_large",
            VerifyError::InvalidTimestamp => "invalid_timestamp",
            VerifyError::InvalidNow => "invalid_now",
            VerifyError::TimestampTooOld => "timestamp_too_old",
            VerifyError::TimestampTooNew => "timestamp_too_new",
            VerifyError::TooManySignatures => "too_many_signatures",
            VerifyError::PayloadTooLarge => "payload_too_large",
            VerifyError::NoMatchingSignature => "no_matching_signature",
        }
    }

    fn message(&self) -> &'static str {
        VerifyError::message(self)
    }
}

impl VerifyError {
    /// A sentence saying what is wrong and what to check (the `Display` text), without the
    /// formatting machinery, so the smallest wasm builds stay small.
    pub const fn message(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader(Header::Id) => {
                "missing header webhook-id (or svix-id); pass the request's headers unchanged"
            }
            VerifyError::MissingHeader(Header::Timestamp) => {
                "missing header webhook-timestamp (or svix-timestamp); pass the request's headers unchanged"
            }
            VerifyError::MissingHeader(Header::Signature) => {
                "missing header webhook-signature (or svix-signature); pass the request's headers unchanged"
            }
            VerifyError::HeaderTooLarge(Header::Id) => {
                "header webhook-id is longer than 8192 bytes"
            }
            VerifyError::HeaderTooLarge(Header::Timestamp) => {
                "header webhook-timestamp is longer than 8192 bytes"
            }
            VerifyError::HeaderTooLarge(Header::Signature) => {
                "header webhook-signature is longer than 8192 bytes"
            }
            VerifyError::InvalidTimestamp => {
                "header webhook-timestamp is not a decimal integer of Unix seconds"
            }
            VerifyError::InvalidNow => {
                "now looks like milliseconds (beyond 10^11 seconds, the year 5138): pass Unix seconds"
            }
            VerifyError::TimestampTooOld => {
                "message timestamp is too old: check the server clock, or verify stored messages with the timestamp check off"
            }
            VerifyError::TimestampTooNew => {
                "message timestamp is too far in the future: check the server clock"
            }
            VerifyError::TooManySignatures => {
                "header webhook-signature has more than 64 entries, or more than 4 v1a entries"
            }
            VerifyError::PayloadTooLarge => "payload is larger than the configured maximum",
            VerifyError::NoMatchingSignature => {
                "no matching signature: check that the body is the raw request body (not re-serialized JSON) and that the secret is this endpoint's whsec_ signing secret (or whpk_ public key)"
            }
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for VerifyError {}

/// How far a message's timestamp may be from `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Tolerance {
    /// At most this many seconds in either direction; ±tolerance itself is accepted.
    Seconds(u64),
    /// No timestamp window at all: for replaying stored messages. The timestamp must still be
    /// well formed, since it is part of the signed content.
    Ignore,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance::Seconds(DEFAULT_TOLERANCE_SECS)
    }
}

/// Largest value a host may give as a number for [`Tolerance::from_number`] and
/// [`max_payload_from_number`]: 2^53 − 1, the largest integer a JavaScript number holds
/// exactly (ECMA-262 `Number.MAX_SAFE_INTEGER`).
pub const MAX_NUMBER_OPTION: u64 = (1 << 53) - 1;

/// Why a numeric verifier option, given as a host's number, was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptionError {
    /// The tolerance is not a whole number of seconds from 0 to [`MAX_NUMBER_OPTION`] (NaN,
    /// negative, fractional, infinite or larger). "No window" is stated as
    /// [`Tolerance::Ignore`], never as a number.
    InvalidTolerance,
    /// The payload bound is not a whole number of bytes from 0 to [`MAX_NUMBER_OPTION`].
    InvalidMaxPayload,
}

impl ErrorCode for OptionError {
    fn code(&self) -> &'static str {
        match self {
            OptionError::InvalidTolerance => "invalid_tolerance",
            OptionError::InvalidMaxPayload => "invalid_max_payload",
        }
    }

    fn message(&self) -> &'static str {
        OptionError::message(self)
    }
}

impl OptionError {
    /// A sentence saying what is wrong (the `Display` text).
    pub const fn message(&self) -> &'static str {
        match self {
            OptionError::InvalidTolerance => {
                "invalid tolerance: expected a whole number of seconds from 0 to 2^53 - 1 (to check no timestamp window, say so explicitly)"
            }
            OptionError::InvalidMaxPayload => {
                "invalid maximum payload: expected a whole number of bytes from 0 to 2^53 - 1"
            }
        }
    }
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for OptionError {}

/// `number` as an integer when it is a whole number from 0 to [`MAX_NUMBER_OPTION`].
fn whole_number(number: f64) -> Option<u64> {
    // NaN fails every comparison; the range check makes the casts exact.
    if !(0.0..=MAX_NUMBER_OPTION as f64).contains(&number) {
        return None;
    }
    let whole = number as u64;
    (whole as f64 == number).then_some(whole)
}

impl Tolerance {
    /// A tolerance from a host's number of seconds (a JS `number`, say): a whole number from 0
    /// to [`MAX_NUMBER_OPTION`], else [`OptionError::InvalidTolerance`]. NaN, a negative, a
    /// fraction or infinity never turns the timestamp check off; only [`Tolerance::Ignore`]
    /// does.
    pub fn from_number(seconds: f64) -> Result<Tolerance, OptionError> {
        whole_number(seconds)
            .map(Tolerance::Seconds)
            .ok_or(OptionError::InvalidTolerance)
    }
}

/// A payload bound for [`Verifier::max_payload`] from a host's number of bytes: a whole number
/// from 0 to [`MAX_NUMBER_OPTION`] (above `usize::MAX` on a 32-bit target it is no bound in
/// practice, and saturates), else [`OptionError::InvalidMaxPayload`].
pub fn max_payload_from_number(bytes: f64) -> Result<usize, OptionError> {
    whole_number(bytes)
        .map(|b| usize::try_from(b).unwrap_or(usize::MAX))
        .ok_or(OptionError::InvalidMaxPayload)
}

/// A source of request headers, looked up by lower-case name, case-insensitively.
///
/// Implemented for slices of `(name, value)` pairs; the first pair with a matching name wins.
pub trait HeaderSource {
    /// The value of the header `name` (given in lower case), if present.
    fn header(&self, name: &str) -> Option<&str>;
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderSource for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

/// Picks one signature header: `svix-*` first, then `webhook-*`, as Svix's libraries do.
/// The first name present decides; an empty value counts as missing.
pub fn select_header<H: HeaderSource + ?Sized>(
    headers: &H,
    header: Header,
) -> Result<&str, VerifyError> {
    match headers
        .header(header.svix_name())
        .or_else(|| headers.header(header.name()))
    {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(VerifyError::MissingHeader(header)),
    }
}

/// What a successful verification vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Verified<'a> {
    /// The `webhook-id`: use it as the idempotency key.
    pub id: &'a str,
    /// The `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
}

/// A message that passed every check but the signature comparison ([`Verifier::prepare`]).
///
/// A host with a faster native HMAC-SHA256 than the core's (node:crypto for large bodies)
/// computes, for each HMAC secret, the MAC of [`Prepared::write_prefix`]'s text followed by the
/// body, and hands the MACs to [`Verifier::finish`], which parses the signature entries and
/// compares them in constant time. Every rule stays here; only the hashing moves. `v1a` entries
/// are checked by [`Verifier::finish_with_body`], from the body ([`Verifier::needs_body`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Prepared<'a> {
    id: &'a str,
    timestamp_text: &'a str,
    timestamp: i64,
    signature: &'a str,
    body_len: usize,
}

impl<'a> Prepared<'a> {
    /// The `webhook-id`.
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The `webhook-timestamp` as sent (canonical decimal).
    pub fn timestamp_text(&self) -> &'a str {
        self.timestamp_text
    }

    /// The `webhook-timestamp`, Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// Appends the signed content that precedes the body, `{id}.{timestamp}.`, to `out`.
    pub fn write_prefix(&self, out: &mut String) {
        out.push_str(self.id);
        out.push('.');
        out.push_str(self.timestamp_text);
        out.push('.');
    }
}

impl fmt::Debug for Prepared<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// One key as a verifier holds it: HMAC state precomputed, or an ed25519 key.
#[derive(Clone)]
enum Held {
    Hmac(HmacKey),
    #[cfg(feature = "v1a")]
    Public(crate::ed25519::PublicKey),
    /// Boxed: a signing key is rare in a verifier and three times the size of the others.
    #[cfg(feature = "v1a")]
    Signing(alloc::boxed::Box<(crate::ed25519::SigningKey, crate::ed25519::PublicKey)>),
}

impl Held {
    fn from_key(key: &Key) -> Held {
        match key.material() {
            Material::Secret(s) => Held::Hmac(s.key()),
            #[cfg(feature = "v1a")]
            Material::Public(k) => Held::Public(k.clone()),
            #[cfg(feature = "v1a")]
            Material::Signing(k) => Held::Signing(alloc::boxed::Box::new((k.clone(), k.public()))),
        }
    }

    fn hmac(&self) -> Option<&HmacKey> {
        match self {
            Held::Hmac(k) => Some(k),
            #[cfg(feature = "v1a")]
            _ => None,
        }
    }

    #[cfg(feature = "v1a")]
    fn public(&self) -> Option<&crate::ed25519::PublicKey> {
        match self {
            Held::Hmac(_) => None,
            Held::Public(k) => Some(k),
            Held::Signing(pair) => Some(&pair.1),
        }
    }

    fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
        match self {
            Held::Hmac(k) => Some(sign_with(k, id, timestamp, body)),
            #[cfg(feature = "v1a")]
            Held::Public(_) => None,
            #[cfg(feature = "v1a")]
            Held::Signing(pair) => Some(pair.0.sign_webhook(id, timestamp, body)),
        }
    }
}

/// Verifies Standard Webhooks signatures against one or more keys: `v1` entries against its
/// `whsec_` secrets, `v1a` entries against its `whpk_` public keys (and the public keys of its
/// `whsk_` signing keys).
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<Held>,
    tolerance: Tolerance,
    max_payload: Option<usize>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "secrets",
                &format_args!("[REDACTED; {}]", self.secret_count()),
            )
            .field(
                "ed25519_keys",
                &(self.keys.len().saturating_sub(self.secret_count())),
            )
            .field("tolerance", &self.tolerance)
            .field("max_payload", &self.max_payload)
            .finish()
    }
}

impl Verifier {
    /// A verifier for one secret, with the default ±300 s tolerance.
    pub fn new(secret: &Secret) -> Verifier {
        Verifier {
            keys: alloc::vec![Held::Hmac(secret.key())],
            tolerance: Tolerance::default(),
            max_payload: None,
        }
    }

    /// A verifier for one key of any kind, with the default ±300 s tolerance.
    pub fn from_key(key: &Key) -> Verifier {
        Verifier {
            keys: alloc::vec![Held::from_key(key)],
            tolerance: Tolerance::default(),
            max_payload: None,
        }
    }

    /// A verifier that accepts a signature made with any of `secrets` (rotation).
    /// The first secret is the one [`Verifier::sign`] uses.
    pub fn with_secrets<'s, I>(secrets: I) -> Result<Verifier, SecretError>
    where
        I: IntoIterator<Item = &'s Secret>,
    {
        Verifier::build(secrets.into_iter().map(|s| Held::Hmac(s.key())))
    }

    /// A verifier that accepts a signature made with any of `keys`, of any kinds (rotation,
    /// also from `v1` to `v1a`): `whsec_` secrets check `v1` entries, `whpk_` public keys and
    /// `whsk_` signing keys check `v1a` entries. [`Verifier::sign`] uses the first key that
    /// can sign.
    pub fn with_keys<'k, I>(keys: I) -> Result<Verifier, SecretError>
    where
        I: IntoIterator<Item = &'k Key>,
    {
        Verifier::build(keys.into_iter().map(Held::from_key))
    }

    fn build(keys: impl Iterator<Item = Held>) -> Result<Verifier, SecretError> {
        let mut held = Vec::new();
        for key in keys {
            if held.len() == MAX_SECRETS {
                return Err(SecretError::TooManySecrets);
            }
            held.push(key);
        }
        if held.is_empty() {
            return Err(SecretError::NoSecrets);
        }
        Ok(Verifier {
            keys: held,
            tolerance: Tolerance::default(),
            max_payload: None,
        })
    }

    /// Parses each text with [`Key::parse`] (`whsec_`, `whpk_`, `whsk_`; bare base64 is
    /// [`SecretError::AmbiguousKey`]) and
    /// builds a rotation verifier from them. As with keys built one by one and handed to
    /// [`Verifier::with_keys`], every text is parsed first — the first malformed one is the
    /// error — and the count is checked after (`too_many_secrets`).
    pub fn from_texts<'s, I>(texts: I) -> Result<Verifier, SecretError>
    where
        I: IntoIterator<Item = &'s str>,
    {
        let keys = texts
            .into_iter()
            .map(Key::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Verifier::with_keys(&keys)
    }

    /// Sets the timestamp tolerance.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Tolerance) -> Verifier {
        self.tolerance = tolerance;
        self
    }

    /// Refuses bodies longer than `bytes` with [`VerifyError::PayloadTooLarge`] before any
    /// hashing. Off by default.
    #[must_use]
    pub fn max_payload(mut self, bytes: usize) -> Verifier {
        self.max_payload = Some(bytes);
        self
    }

    /// The configured tolerance.
    pub fn current_tolerance(&self) -> Tolerance {
        self.tolerance
    }

    /// Verifies a request from its headers (any case; `svix-*` tried before `webhook-*`).
    pub fn verify<'h, H: HeaderSource + ?Sized>(
        &self,
        headers: &'h H,
        body: &[u8],
        now: i64,
    ) -> Result<Verified<'h>, VerifyError> {
        let id = select_header(headers, Header::Id)?;
        let timestamp = select_header(headers, Header::Timestamp)?;
        let signature = select_header(headers, Header::Signature)?;
        self.verify_parts(id, timestamp, signature, body, now)
    }

    /// Verifies a message from the three header values, already picked.
    pub fn verify_parts<'a>(
        &self,
        id: &'a str,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        now: i64,
    ) -> Result<Verified<'a>, VerifyError> {
        let prepared = self.prepare(id, timestamp, signature, body.len(), now)?;
        // One MAC per secret, on the stack: no allocation per message.
        let mut macs = [[0u8; MAC_LEN]; MAX_SECRETS];
        let mut count = 0;
        for (slot, key) in macs.iter_mut().zip(self.keys.iter().filter_map(Held::hmac)) {
            *slot = key.mac(id, timestamp, body);
            count += 1;
        }
        let verified = self.finish_with_body(&prepared, macs.get(..count).unwrap_or(&[]), body)?;
        Ok(Verified {
            id,
            timestamp: verified.timestamp,
        })
    }

    /// Every check of [`Verifier::verify_parts`] but the signatures themselves, in the same
    /// order: for a host that computes the HMACs with its own native code (see [`Prepared`]).
    /// `body_len` is the length in bytes of the body that will be signed.
    pub fn prepare<'a>(
        &self,
        id: &'a str,
        timestamp: &'a str,
        signature: &'a str,
        body_len: usize,
        now: i64,
    ) -> Result<Prepared<'a>, VerifyError> {
        if id.is_empty() {
            return Err(VerifyError::MissingHeader(Header::Id));
        }
        if timestamp.is_empty() {
            return Err(VerifyError::MissingHeader(Header::Timestamp));
        }
        if signature.is_empty() {
            return Err(VerifyError::MissingHeader(Header::Signature));
        }
        if id.len() > MAX_ID_LEN {
            return Err(VerifyError::HeaderTooLarge(Header::Id));
        }
        if signature.len() > MAX_SIGNATURE_HEADER_LEN {
            return Err(VerifyError::HeaderTooLarge(Header::Signature));
        }
        if self.max_payload.is_some_and(|max| body_len > max) {
            return Err(VerifyError::PayloadTooLarge);
        }
        let ts = parse_timestamp(timestamp)?;
        check_window(ts, now, self.tolerance)?;
        if signature.split(' ').filter(|s| !s.is_empty()).count() > MAX_SIGNATURES {
            return Err(VerifyError::TooManySignatures);
        }
        if self.needs_body()
            && signature
                .split(' ')
                .filter(|e| is_version(e, ASYMMETRIC_SIGNATURE_VERSION))
                .count()
                > MAX_ASYMMETRIC_SIGNATURES
        {
            return Err(VerifyError::TooManySignatures);
        }
        Ok(Prepared {
            id,
            timestamp_text: timestamp,
            timestamp: ts,
            signature,
            body_len,
        })
    }

    /// Finishes a [`Prepared`] message from the host's MACs: compares them with every `v1`
    /// entry in constant time. `macs` are one per HMAC secret, in the order the secrets were
    /// given (public and signing keys skipped; [`Verifier::secret_count`] of them): HMAC-SHA256
    /// under that secret of [`Prepared::write_prefix`]'s text followed by the body. A list of
    /// the wrong length never matches. `v1a` entries are not checked here: a verifier that
    /// holds ed25519 keys ([`Verifier::needs_body`]) is finished with
    /// [`Verifier::finish_with_body`].
    pub fn finish<'a>(
        &self,
        prepared: &Prepared<'a>,
        macs: &[[u8; MAC_LEN]],
    ) -> Result<Verified<'a>, VerifyError> {
        self.finish_inner(prepared, macs, None)
    }

    /// [`Verifier::finish`], then, if no `v1` entry matched, every `v1a` entry against every
    /// ed25519 key, over `body` (ed25519 signs the whole message, so the body itself is needed).
    /// A body whose length differs from the one given to [`Verifier::prepare`] never matches.
    pub fn finish_with_body<'a>(
        &self,
        prepared: &Prepared<'a>,
        macs: &[[u8; MAC_LEN]],
        body: &[u8],
    ) -> Result<Verified<'a>, VerifyError> {
        self.finish_inner(prepared, macs, Some(body))
    }

    fn finish_inner<'a>(
        &self,
        prepared: &Prepared<'a>,
        macs: &[[u8; MAC_LEN]],
        body: Option<&[u8]>,
    ) -> Result<Verified<'a>, VerifyError> {
        let verified = Verified {
            id: prepared.id,
            timestamp: prepared.timestamp,
        };
        // Every candidate against every MAC: the loop does the same work whether or not, and
        // wherever, a match occurs.
        let mut matched = subtle::Choice::from(0);
        if macs.len() == self.secret_count() {
            for candidate in prepared.signature.split(' ').filter_map(decode_v1) {
                for mac in macs {
                    matched |= mac.ct_eq(&candidate);
                }
            }
        }
        if bool::from(matched) {
            return Ok(verified);
        }
        if let Some(body) = body.filter(|b| b.len() == prepared.body_len)
            && self.verify_v1a(prepared, body)
        {
            return Ok(verified);
        }
        Err(VerifyError::NoMatchingSignature)
    }

    /// Public-key verification: nothing secret to hide, so it stops at the first match.
    #[cfg(feature = "v1a")]
    fn verify_v1a(&self, prepared: &Prepared<'_>, body: &[u8]) -> bool {
        use crate::ed25519::decode_signature;
        if !self.needs_body() {
            return false;
        }
        let mut candidates = prepared.signature.split(' ').filter_map(|entry| {
            let (version, value) = entry.split_once(',')?;
            (version == ASYMMETRIC_SIGNATURE_VERSION)
                .then(|| decode_signature(value))
                .flatten()
        });
        let Some(first) = candidates.next() else {
            return false;
        };
        let message = signed_content(prepared.id, prepared.timestamp_text, body);
        core::iter::once(first).chain(candidates).any(|signature| {
            self.keys
                .iter()
                .filter_map(Held::public)
                .any(|key| key.verify(&message, &signature))
        })
    }

    #[cfg(not(feature = "v1a"))]
    fn verify_v1a(&self, _: &Prepared<'_>, _: &[u8]) -> bool {
        false
    }

    /// How many HMAC secrets the verifier holds (the number of MACs [`Verifier::finish`] takes).
    pub fn secret_count(&self) -> usize {
        self.keys.iter().filter(|k| k.hmac().is_some()).count()
    }

    /// Whether the verifier holds ed25519 keys, whose `v1a` check needs the body
    /// ([`Verifier::finish_with_body`]).
    pub fn needs_body(&self) -> bool {
        self.keys.len() != self.secret_count()
    }

    /// Signs with the first key that can sign: `v1,` + base64(HMAC-SHA256(`id.timestamp.body`))
    /// for a secret, `v1a,` + base64(ed25519) for a signing key. A verifier of public keys only
    /// cannot sign and returns an empty string (which never verifies): see
    /// [`Verifier::try_sign`].
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        self.try_sign(id, timestamp, body).unwrap_or_default()
    }

    /// [`Verifier::sign`], with [`SignError::NoSigningKey`] for a verifier of public keys only.
    pub fn try_sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignError> {
        self.keys
            .iter()
            .find_map(|k| k.sign(id, timestamp, body))
            .ok_or(SignError::NoSigningKey)
    }
}

/// Whether a signature entry is `version,…`.
fn is_version(entry: &str, version: &str) -> bool {
    entry.split_once(',').is_some_and(|(v, _)| v == version)
}

/// Parses a `webhook-timestamp`: ASCII digits only, no sign, no leading zero (so the text
/// signed is the canonical decimal every peer re-formats to), at most 19 digits, ≤ `i64::MAX`.
pub fn parse_timestamp(text: &str) -> Result<i64, VerifyError> {
    let bytes = text.as_bytes();
    let canonical = match bytes {
        [] => false,
        [b'0'] => true,
        [b'0', ..] => false,
        _ => bytes.len() <= MAX_TIMESTAMP_DIGITS && bytes.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return Err(VerifyError::InvalidTimestamp);
    }
    text.parse::<i64>()
        .map_err(|_| VerifyError::InvalidTimestamp)
}

fn check_window(ts: i64, now: i64, tolerance: Tolerance) -> Result<(), VerifyError> {
    let Tolerance::Seconds(tol) = tolerance else {
        return Ok(());
    };
    if now.unsigned_abs() > MAX_NOW.unsigned_abs() {
        return Err(VerifyError::InvalidNow);
    }
    let age = i128::from(now) - i128::from(ts);
    let tol = i128::from(tol);
    if age > tol {
        Err(VerifyError::TimestampTooOld)
    } else if -age > tol {
        Err(VerifyError::TimestampTooNew)
    } else {
        Ok(())
    }
}
