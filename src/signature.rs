//! Standard Webhooks v1 signatures, as Codat sends them through Svix.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{raw body}` and the signature is
//! `v1,` followed by the standard base64 of its HMAC-SHA256. A [`Verifier`] holds one or more
//! secrets (rotation) with their HMAC key state precomputed, so each verification costs only
//! the message blocks. Time is always a parameter (`now`, Unix seconds).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::ErrorCode;
use crate::base64::{SECRET, STRICT};

type HmacSha256 = Hmac<Sha256>;

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
/// Prefix of a Standard Webhooks symmetric secret (Standard Webhooks §Symmetric signatures).
pub const SECRET_PREFIX: &str = "whsec_";
/// The only signature version checked: HMAC-SHA256. Other versions (`v1a`, …) are skipped.
pub const SIGNATURE_VERSION: &str = "v1";
/// Default tolerance, both directions: 5 minutes, as every Svix / Standard Webhooks library.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;
/// Largest accepted `webhook-signature` header, in bytes. Svix sends one entry per active
/// endpoint secret (≈48 bytes each); 8 KiB leaves room for well over 100.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 8 * 1024;
/// Most `version,value` entries examined in one `webhook-signature` header.
pub const MAX_SIGNATURES: usize = 64;
/// Largest accepted `webhook-id` header, in bytes. Svix's own ids are 31 bytes and the spec sets
/// no limit, so the bound sits where no sender can reach a consumer anyway: 8 KiB is the longest
/// header line nginx accepts by default (`large_client_header_buffers`) and half of Node's
/// 16 KiB limit for all headers together. svix's libraries accept any length.
pub const MAX_ID_LEN: usize = 8 * 1024;
/// Most secrets one [`Verifier`] holds (rotation needs two; a few more is generous).
pub const MAX_SECRETS: usize = 16;
/// Largest accepted secret text (prefix and base64 included), in bytes.
pub const MAX_SECRET_TEXT_LEN: usize = 4096;
/// Largest decoded secret, in bytes. The spec asks for 24–64; HMAC hashes longer keys.
pub const MAX_SECRET_LEN: usize = 1024;

/// Length of an HMAC-SHA256 tag, in bytes.
const MAC_LEN: usize = 32;
/// Length of the padded standard base64 of a 32-byte tag.
const MAC_B64_LEN: usize = 44;
/// Decimal digits in the largest timestamp accepted (`i64::MAX` has 19).
const MAX_TIMESTAMP_DIGITS: usize = 19;

/// Which of the three signature headers an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
    /// The timestamp is further in the past than the tolerance allows.
    TimestampTooOld,
    /// The timestamp is further in the future than the tolerance allows.
    TimestampTooNew,
    /// `webhook-signature` holds more than [`MAX_SIGNATURES`] entries.
    TooManySignatures,
    /// The body exceeds the verifier's configured maximum.
    PayloadTooLarge,
    /// No `v1` entry is a valid signature of this message under any secret.
    NoMatchingSignature,
}

impl ErrorCode for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader(_) => "missing_header",
            VerifyError::HeaderTooLarge(_) => "header_too_large",
            VerifyError::InvalidTimestamp => "invalid_timestamp",
            VerifyError::TimestampTooOld => "timestamp_too_old",
            VerifyError::TimestampTooNew => "timestamp_too_new",
            VerifyError::TooManySignatures => "too_many_signatures",
            VerifyError::PayloadTooLarge => "payload_too_large",
            VerifyError::NoMatchingSignature => "no_matching_signature",
        }
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
            VerifyError::TimestampTooOld => {
                "message timestamp is too old: check the server clock, or verify stored messages with the timestamp check off"
            }
            VerifyError::TimestampTooNew => {
                "message timestamp is too far in the future: check the server clock"
            }
            VerifyError::TooManySignatures => "header webhook-signature has more than 64 entries",
            VerifyError::PayloadTooLarge => "payload is larger than the configured maximum",
            VerifyError::NoMatchingSignature => {
                "no matching signature: check that the body is the raw request body (not re-serialized JSON) and that the secret is this endpoint's whsec_ signing secret"
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

/// Why a secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is empty (or only the `whsec_` prefix).
    Empty,
    /// The text after `whsec_` is not complete standard base64 (padding included).
    NotBase64,
    /// Longer than [`MAX_SECRET_TEXT_LEN`] characters or [`MAX_SECRET_LEN`] bytes.
    TooLong,
    /// A verifier was built from no secret at all.
    NoSecrets,
    /// A verifier was given more than [`MAX_SECRETS`] secrets.
    TooManySecrets,
}

impl ErrorCode for SecretError {
    fn code(&self) -> &'static str {
        match self {
            SecretError::TooManySecrets => "too_many_secrets",
            _ => "invalid_secret",
        }
    }
}

impl SecretError {
    /// A sentence saying what is wrong (the `Display` text), without the formatting machinery.
    pub const fn message(&self) -> &'static str {
        match self {
            SecretError::Empty => "invalid secret: it is empty",
            SecretError::NotBase64 => {
                "invalid secret: expected whsec_ followed by complete base64 (with its = padding, no spaces or newlines), as copied from the endpoint's Signing secret"
            }
            SecretError::TooLong => "invalid secret: longer than 4096 characters or 1024 bytes",
            SecretError::NoSecrets => "invalid secret: no secret given",
            SecretError::TooManySecrets => "more than 16 secrets",
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
    /// Parses `whsec_` + base64 or bare base64: the standard alphabet, complete (with its `=`
    /// padding), as Svix issues secrets.
    pub fn parse(text: &str) -> Result<Secret, SecretError> {
        if text.len() > MAX_SECRET_TEXT_LEN {
            return Err(SecretError::TooLong);
        }
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        if encoded.is_empty() {
            return Err(SecretError::Empty);
        }
        let bytes = Zeroizing::new(
            SECRET
                .decode(encoded.as_bytes())
                .map_err(|_| SecretError::NotBase64)?,
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

    fn key(&self) -> Key {
        Key::new(&self.bytes)
    }

    /// The decoded key bytes, for a host that computes the HMAC natively (see [`Prepared`]).
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

/// HMAC-SHA256 state with the key already absorbed (the ipad/opad blocks), cloned per message.
#[derive(Clone)]
struct Key(HmacSha256);

impl Key {
    // Kept out of line (here and in `mac_of`): one copy of the HMAC code, not one per caller,
    // keeps the smallest wasm build small; the cost is one call per message.
    #[inline(never)]
    fn new(bytes: &[u8]) -> Key {
        // HMAC accepts keys of every length (longer ones are hashed first), so this cannot
        // fail; the fallback keeps the core free of `expect` all the same.
        match HmacSha256::new_from_slice(bytes) {
            Ok(mac) => Key(mac),
            Err(_) => Key(<HmacSha256 as KeyInit>::new(&Default::default())),
        }
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> [u8; MAC_LEN] {
        self.mac_of(&[id.as_bytes(), b".", timestamp.as_bytes(), b".", body])
    }

    /// The MAC of the concatenation of `parts`.
    #[inline(never)]
    fn mac_of(&self, parts: &[&[u8]]) -> [u8; MAC_LEN] {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// How far a message's timestamp may be from `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
pub struct Verified<'a> {
    /// The `webhook-id`: use it as the idempotency key.
    pub id: &'a str,
    /// The `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
}

/// A message that passed every check but the signature comparison ([`Verifier::prepare`]).
///
/// A host with a faster native HMAC-SHA256 than the core's (node:crypto for large bodies)
/// computes, for each secret, the MAC of [`Prepared::write_prefix`]'s text followed by the body, and hands the
/// MACs to [`Verifier::finish`], which parses the signature entries and compares them in
/// constant time. Every rule stays here; only the hashing moves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Prepared<'a> {
    id: &'a str,
    timestamp_text: &'a str,
    timestamp: i64,
    signature: &'a str,
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

/// Verifies Standard Webhooks v1 signatures against one or more secrets.
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<Key>,
    tolerance: Tolerance,
    max_payload: Option<usize>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &format_args!("[REDACTED; {}]", self.keys.len()))
            .field("tolerance", &self.tolerance)
            .field("max_payload", &self.max_payload)
            .finish()
    }
}

impl Verifier {
    /// A verifier for one secret, with the default ±300 s tolerance.
    pub fn new(secret: &Secret) -> Verifier {
        Verifier {
            keys: alloc::vec![secret.key()],
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
        let mut keys = Vec::new();
        for secret in secrets {
            if keys.len() == MAX_SECRETS {
                return Err(SecretError::TooManySecrets);
            }
            keys.push(secret.key());
        }
        if keys.is_empty() {
            return Err(SecretError::NoSecrets);
        }
        Ok(Verifier {
            keys,
            tolerance: Tolerance::default(),
            max_payload: None,
        })
    }

    /// Parses each text with [`Secret::parse`] and builds a rotation verifier from them.
    pub fn from_texts<'s, I>(texts: I) -> Result<Verifier, SecretError>
    where
        I: IntoIterator<Item = &'s str>,
    {
        let mut secrets = Vec::new();
        for text in texts {
            if secrets.len() == MAX_SECRETS {
                return Err(SecretError::TooManySecrets);
            }
            secrets.push(Secret::parse(text)?);
        }
        Verifier::with_secrets(&secrets)
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
        let macs: Vec<[u8; MAC_LEN]> = self
            .keys
            .iter()
            .map(|key| key.mac(id, timestamp, body))
            .collect();
        let verified = self.finish(&prepared, &macs)?;
        Ok(Verified {
            id,
            timestamp: verified.timestamp,
        })
    }

    /// Every check of [`Verifier::verify_parts`] but the signature itself, in the same order:
    /// for a host that computes the HMACs with its own native code (see [`Prepared`]).
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
        Ok(Prepared {
            id,
            timestamp_text: timestamp,
            timestamp: ts,
            signature,
        })
    }

    /// Compares the MACs of a [`Prepared`] message, one per secret in the verifier's order
    /// (HMAC-SHA256 under that secret of [`Prepared::write_prefix`]'s text followed by the body), with
    /// every `v1` entry of its signature header, in constant time. A list of the wrong length
    /// never matches.
    pub fn finish<'a>(
        &self,
        prepared: &Prepared<'a>,
        macs: &[[u8; MAC_LEN]],
    ) -> Result<Verified<'a>, VerifyError> {
        // Every candidate against every MAC: the loop does the same work whether or not, and
        // wherever, a match occurs.
        let mut matched = subtle::Choice::from(0);
        if macs.len() == self.keys.len() {
            for candidate in prepared.signature.split(' ').filter_map(decode_v1) {
                for mac in macs {
                    matched |= mac.ct_eq(&candidate);
                }
            }
        }
        if bool::from(matched) {
            Ok(Verified {
                id: prepared.id,
                timestamp: prepared.timestamp,
            })
        } else {
            Err(VerifyError::NoMatchingSignature)
        }
    }

    /// How many secrets the verifier holds (the number of MACs [`Verifier::finish`] takes).
    pub fn secret_count(&self) -> usize {
        self.keys.len()
    }

    /// Signs with the first secret: `v1,` + base64(HMAC-SHA256(`id.timestamp.body`)).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        match self.keys.first() {
            Some(key) => sign_with(key, id, timestamp, body),
            // Unreachable by construction (a verifier has ≥ 1 key); an empty signature never
            // verifies anywhere.
            None => String::new(),
        }
    }
}

/// HMAC-SHA256 of `data` under `key` (any length): the primitive under every signature,
/// exposed so every host can check it against RFC 4231.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; MAC_LEN] {
    Key::new(key).mac_of(&[data])
}

/// Signs `body` for `id` and `timestamp` (Unix seconds): `v1,` + base64 HMAC-SHA256 over
/// `id.timestamp.body`. Byte-exact for any body, UTF-8 or not.
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    sign_with(&secret.key(), id, timestamp, body)
}

fn sign_with(key: &Key, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut ts = itoa_buf::Buf::new();
    let mac = key.mac(id, ts.format(timestamp), body);
    let mut out = String::with_capacity(SIGNATURE_VERSION.len() + 1 + MAC_B64_LEN);
    out.push_str(SIGNATURE_VERSION);
    out.push(',');
    STRICT.encode_string(mac, &mut out);
    out
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

/// Decodes one `v1,<base64>` entry to a 32-byte tag; anything else (another version, no comma,
/// bad base64, wrong length, including the empty `v1,`) is skipped.
fn decode_v1(entry: &str) -> Option<[u8; MAC_LEN]> {
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

/// A tiny integer formatter, so signing needs neither an allocation nor the formatting
/// machinery for the timestamp.
mod itoa_buf {
    pub(super) struct Buf {
        bytes: [u8; 20],
    }

    impl Buf {
        pub(super) fn new() -> Buf {
            Buf { bytes: [0; 20] }
        }

        /// The decimal text of `value` (at most 20 characters: `-9223372036854775808`).
        pub(super) fn format(&mut self, value: i64) -> &str {
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
