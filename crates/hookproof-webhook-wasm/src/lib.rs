//! The lean wasm-bindgen binding of hookproof's signatures: everything the `hookproof` npm
//! package's main entry (`Webhook`) needs and nothing else, so the verify path loads little.
//! Built twice: as is, and with the `v1a` feature (ed25519 keys) for `hookproof/v1a`.
//!
//! This layer only converts types. Header pairs arrive packed in one string (one copy into
//! wasm memory instead of one per header); the rule that picks a header from them is the
//! core's [`hookproof::signature::select_header`]. Errors leave as a number, their index in
//! [`ERRORS`], the table `js/src/webhook-errors.js` is generated from.
//!
//! Every export returns at most one value (a number, or a `JsValue`: `undefined`, a string, a
//! boolean), and bytes leave through a caller's buffer. A `String`, `Vec` or `Result` return
//! would be a multi-value return, for which V8 compiles a JS-to-wasm wrapper per signature when
//! it compiles the module (≈ 3 ms of every cold start for this module's eight such signatures);
//! single values go through its generic wrapper.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use hookproof::signature::{HeaderSource, select_header};
use hookproof::{
    ErrorCode, Header, Key, OptionError, Secret, SecretError, SignError, Tolerance, Verifier,
    VerifyError, max_payload_from_number,
};
use wasm_bindgen::prelude::*;

/// An error this module reports.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// A message failed verification.
    Verify(VerifyError),
    /// A key was refused.
    Secret(SecretError),
    /// A numeric verifier option was refused.
    Option(OptionError),
    /// No key can sign.
    Sign(SignError),
}

impl ErrorCode for Reported {
    fn code(&self) -> &'static str {
        match self {
            Reported::Verify(e) => e.code(),
            Reported::Secret(e) => e.code(),
            Reported::Option(e) => e.code(),
            Reported::Sign(e) => e.code(),
        }
    }

    fn message(&self) -> &'static str {
        match self {
            Reported::Verify(e) => e.message(),
            Reported::Secret(e) => e.message(),
            Reported::Option(e) => e.message(),
            Reported::Sign(e) => e.message(),
        }
    }
}

impl From<VerifyError> for Reported {
    fn from(e: VerifyError) -> Reported {
        Reported::Verify(e)
    }
}

impl From<SecretError> for Reported {
    fn from(e: SecretError) -> Reported {
        Reported::Secret(e)
    }
}

impl From<OptionError> for Reported {
    fn from(e: OptionError) -> Reported {
        Reported::Option(e)
    }
}

impl From<SignError> for Reported {
    fn from(e: SignError) -> Reported {
        Reported::Sign(e)
    }
}

/// Every error the module reports. An export answers an error with its index in this table (a
/// number, where a success is `undefined` or text), and the JS wrapper reads the code and
/// message at that index from `js/src/webhook-errors.js`, which `tests/error_table.rs` writes
/// from this table and the core's `code()` and `message()`, and checks on every test run. The
/// module itself carries neither codes nor messages.
pub const ERRORS: [Reported; 26] = [
    Reported::Verify(VerifyError::MissingHeader(Header::Id)),
    Reported::Verify(VerifyError::MissingHeader(Header::Timestamp)),
    Reported::Verify(VerifyError::MissingHeader(Header::Signature)),
    Reported::Verify(VerifyError::HeaderTooLarge(Header::Id)),
    Reported::Verify(VerifyError::HeaderTooLarge(Header::Timestamp)),
    Reported::Verify(VerifyError::HeaderTooLarge(Header::Signature)),
    Reported::Verify(VerifyError::InvalidTimestamp),
    Reported::Verify(VerifyError::InvalidNow),
    Reported::Verify(VerifyError::TimestampTooOld),
    Reported::Verify(VerifyError::TimestampTooNew),
    Reported::Verify(VerifyError::TooManySignatures),
    Reported::Verify(VerifyError::PayloadTooLarge),
    Reported::Verify(VerifyError::NoMatchingSignature),
    Reported::Secret(SecretError::Empty),
    Reported::Secret(SecretError::NotBase64),
    Reported::Secret(SecretError::TooLong),
    Reported::Secret(SecretError::NoSecrets),
    Reported::Secret(SecretError::TooManySecrets),
    Reported::Secret(SecretError::InvalidKey),
    Reported::Secret(SecretError::WeakKey),
    Reported::Secret(SecretError::KeyMismatch),
    Reported::Secret(SecretError::UnsupportedKey),
    Reported::Secret(SecretError::AmbiguousKey),
    Reported::Option(OptionError::InvalidTolerance),
    Reported::Option(OptionError::InvalidMaxPayload),
    Reported::Sign(SignError::NoSigningKey),
];

/// The error's index in [`ERRORS`]. The core's error enums are `#[non_exhaustive]`, so a case
/// it adds later and the table lacks is reported as the first entry with its code (the table
/// test lists every code the vectors expect).
pub fn error_index(e: impl Into<Reported>) -> usize {
    let e = e.into();
    ERRORS
        .iter()
        .position(|x| *x == e)
        .or_else(|| ERRORS.iter().position(|x| x.code() == e.code()))
        .unwrap_or(0)
}

/// The error as a JS number: its index in [`ERRORS`].
fn fail(e: impl Into<Reported>) -> JsValue {
    JsValue::from_f64(error_index(e) as f64)
}

/// `undefined`, or the error's index.
fn outcome<T, E: Into<Reported>>(result: Result<T, E>) -> JsValue {
    match result {
        Ok(_) => JsValue::UNDEFINED,
        Err(e) => fail(e),
    }
}

/// Copies `bytes` into the caller's buffer (which must be large enough); returns how many, or
/// 0 with nothing written when the buffer is too small.
fn write_out(bytes: &[u8], out: &mut [u8]) -> usize {
    match out.get_mut(..bytes.len()) {
        Some(dest) => {
            dest.copy_from_slice(bytes);
            bytes.len()
        }
        None => 0,
    }
}

/// Header pairs as the JS wrapper packs them: `name\nvalue\nname\nvalue…`, in the order the
/// request (or the caller's object) holds them. A name spelled exactly as the spec writes it
/// arrives as one byte, `\u{2}` (`svix-id`) to `\u{7}` (`webhook-signature`) — no header name
/// is a control character — and is read back here as that name. A value that holds a newline
/// or `\u{1}` arrives escaped (`\u{1}n`, `\u{1}\u{1}`); real header values never do. Split once, up front: the
/// core's rule then looks names up in a handful of pairs (the wrapper sends only pairs whose
/// name could be one of the six), without allocating for the usual few.
#[expect(
    clippy::large_enum_variant,
    reason = "one value per call, on the stack; the inline pairs are what spares the allocation"
)]
enum Packed<'a> {
    Plain {
        first: [(&'a str, &'a str); INLINE_PAIRS],
        len: usize,
        more: Vec<(&'a str, &'a str)>,
    },
    Escaped(Vec<(String, String)>),
}

/// Pairs kept without allocating (a request carries three, or six with both prefixes).
const INLINE_PAIRS: usize = 8;

const ESCAPE: char = '\u{1}';

/// The names the one-byte codes `\u{2}`…`\u{7}` stand for, in code order.
const CODED: [&str; 6] = [
    "svix-id",
    "webhook-id",
    "svix-timestamp",
    "webhook-timestamp",
    "svix-signature",
    "webhook-signature",
];

/// A packed name: a one-byte code read back as its name, or the name as sent.
fn name(key: &str) -> &str {
    match key.as_bytes() {
        [code @ 2..=7] => CODED.get(usize::from(*code - 2)).copied().unwrap_or(key),
        _ => key,
    }
}

impl<'a> Packed<'a> {
    /// The pairs arrive as the UTF-8 the wrapper's `TextEncoder` wrote (a native copy, faster
    /// than passing a string for the lengths headers have), so they are always valid UTF-8;
    /// were they not, no header would be found.
    fn new(bytes: &'a [u8]) -> Packed<'a> {
        let text = core::str::from_utf8(bytes).unwrap_or("");
        if text.as_bytes().contains(&1) {
            let mut pairs = Vec::new();
            let mut lines = text.split('\n');
            while let (Some(key), Some(value)) = (lines.next(), lines.next()) {
                pairs.push((unescape(name(key)), unescape(value)));
            }
            return Packed::Escaped(pairs);
        }
        let mut first = [("", ""); INLINE_PAIRS];
        let mut len = 0;
        let mut more = Vec::new();
        let mut lines = text.split('\n');
        while let (Some(key), Some(value)) = (lines.next(), lines.next()) {
            let key = name(key);
            match first.get_mut(len) {
                Some(slot) => {
                    *slot = (key, value);
                    len += 1;
                }
                None => more.push((key, value)),
            }
        }
        Packed::Plain { first, len, more }
    }
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((head, tail)) = rest.split_once(ESCAPE) {
        out.push_str(head);
        let mut tail = tail.chars();
        match tail.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
        rest = tail.as_str();
    }
    out.push_str(rest);
    out
}

impl HeaderSource for Packed<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        match self {
            Packed::Plain { first, len, more } => first
                .get(..*len)
                .and_then(|pairs| pairs.header(name))
                .or_else(|| more.as_slice().header(name)),
            Packed::Escaped(pairs) => pairs.as_slice().header(name),
        }
    }
}

/// The three header values the core picks from the packed pairs.
fn pick<'a>(headers: &'a Packed<'a>) -> Result<(&'a str, &'a str, &'a str), VerifyError> {
    Ok((
        select_header(headers, Header::Id)?,
        select_header(headers, Header::Timestamp)?,
        select_header(headers, Header::Signature)?,
    ))
}

/// Keys collected one by one (text by prefix, or raw bytes of a stated kind), then handed to a
/// verifier. Without the `v1a` feature, ed25519 keys are refused with `unsupported_key`.
#[wasm_bindgen]
#[derive(Default)]
pub struct Keys {
    keys: Vec<Key>,
}

#[wasm_bindgen]
impl Keys {
    /// An empty list.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Keys {
        Keys::default()
    }

    /// Adds a key by its text, which states its kind: `whsec_…`, `whpk_…`, `whsk_…` (bare
    /// base64 is `ambiguous_key`); returns `undefined` or the error's [`ERRORS`] index.
    pub fn add_text(&mut self, text: &str) -> JsValue {
        self.add(Key::parse(text))
    }

    /// Adds a key by its text as svix reads it: `whpk_…`/`whsk_…` by prefix, any other text an
    /// HMAC secret (`whsec_…` or bare base64). For the svix-compatible `Webhook` only.
    pub fn add_secret_text(&mut self, text: &str) -> JsValue {
        self.add(Key::parse_secret_by_default(text))
    }

    /// Adds a raw-bytes HMAC secret (svix's `from_bytes`, JS `{ format: "raw" }`).
    pub fn add_bytes(&mut self, bytes: &[u8]) -> JsValue {
        self.add(Secret::from_bytes(bytes).map(Key::from))
    }

    /// Adds an ed25519 public key from its 32 bytes.
    pub fn add_public_key(&mut self, bytes: &[u8]) -> JsValue {
        self.add(Key::public_key_from_bytes(bytes))
    }

    /// Adds an ed25519 signing key from its 32-byte seed (or seed ‖ public key).
    pub fn add_signing_key(&mut self, bytes: &[u8]) -> JsValue {
        self.add(Key::signing_key_from_bytes(bytes))
    }

    fn add(&mut self, key: Result<Key, SecretError>) -> JsValue {
        outcome(key.map(|k| self.keys.push(k)))
    }

    /// Writes the decoded bytes of key `index` into `out` and returns their length (0 for no
    /// such key or a buffer too small; a secret is at most 1024 bytes), for a host that
    /// computes HMACs natively (the lean module holds HMAC secrets only).
    pub fn key_bytes(&self, index: usize, out: &mut [u8]) -> usize {
        self.keys
            .get(index)
            .map_or(0, |k| write_out(k.expose_bytes(), out))
    }

    /// How many keys were added.
    pub fn count(&self) -> usize {
        self.keys.len()
    }
}

/// The three picked header values of a prepared message, kept between `prepare` and `finish`.
#[derive(Default)]
struct Pending {
    id: String,
    timestamp: String,
    signature: String,
}

/// A verifier with its secrets' HMAC state precomputed, or the reason there is none (the
/// constructor cannot throw without a multi-value return; `error()` says, and every other
/// method answers with it).
#[wasm_bindgen(js_name = Verifier)]
pub struct WebhookVerifier {
    inner: Result<Verifier, Reported>,
    pending: Pending,
}

#[wasm_bindgen(js_class = Verifier)]
impl WebhookVerifier {
    /// `tolerance` in seconds, `undefined` to check no timestamp window; `max_payload` in
    /// bytes, `undefined` for none. Both must be whole numbers from 0 to 2^53 − 1 (the core's
    /// [`Tolerance::from_number`] and [`max_payload_from_number`]): a negative, NaN or
    /// fractional number is an error, never "off".
    #[wasm_bindgen(constructor)]
    pub fn new(keys: &Keys, tolerance: Option<f64>, max_payload: Option<f64>) -> WebhookVerifier {
        let inner = Verifier::with_keys(&keys.keys)
            .map_err(Reported::Secret)
            .and_then(|v| {
                let tolerance = match tolerance {
                    Some(seconds) => Tolerance::from_number(seconds).map_err(Reported::Option)?,
                    None => Tolerance::Ignore,
                };
                let v = v.tolerance(tolerance);
                Ok(match max_payload {
                    Some(bytes) => {
                        v.max_payload(max_payload_from_number(bytes).map_err(Reported::Option)?)
                    }
                    None => v,
                })
            });
        WebhookVerifier {
            inner,
            pending: Pending::default(),
        }
    }

    /// `undefined` for a working verifier, else why the keys made none (an [`ERRORS`] index).
    pub fn error(&self) -> JsValue {
        outcome(self.verifier())
    }

    fn verifier(&self) -> Result<&Verifier, Reported> {
        self.inner.as_ref().map_err(|e| *e)
    }

    /// Verifies a byte body against packed header pairs; `undefined` when valid, else the
    /// error's [`ERRORS`] index.
    pub fn verify(&self, pairs: &[u8], body: &[u8], now: f64) -> JsValue {
        let inner = match self.verifier() {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        outcome(
            pick(&Packed::new(pairs))
                .and_then(|(id, ts, sig)| inner.verify_parts(id, ts, sig, body, now as i64)),
        )
    }

    /// `verify` for a UTF-8 body.
    pub fn verify_str(&self, pairs: &[u8], body: &str, now: f64) -> JsValue {
        self.verify(pairs, body.as_bytes(), now)
    }

    /// Like `verify`, reporting success as `id\ntimestamp` (text) and failure as the error's
    /// [`ERRORS`] index (a number).
    pub fn verify_detail(&self, pairs: &[u8], body: &[u8], now: f64) -> JsValue {
        let inner = match self.verifier() {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        let headers = Packed::new(pairs);
        match pick(&headers).and_then(|(id, ts, sig)| {
            inner
                .verify_parts(id, ts, sig, body, now as i64)
                .map(|_| (id, ts))
        }) {
            // A verified timestamp is canonical decimal: its text is its value.
            Ok((id, ts)) => {
                let mut out = String::with_capacity(id.len() + 1 + ts.len());
                out.push_str(id);
                out.push('\n');
                out.push_str(ts);
                JsValue::from_str(&out)
            }
            Err(e) => fail(e),
        }
    }

    /// `verify_detail` for a UTF-8 body.
    pub fn verify_detail_str(&self, pairs: &[u8], body: &str, now: f64) -> JsValue {
        self.verify_detail(pairs, body.as_bytes(), now)
    }

    /// Every check but the MAC comparison, for a host that hashes the body natively: returns
    /// the signed content before the body (`{id}.{timestamp}.`, handed to the host's HMAC as
    /// its UTF-8), or the error's [`ERRORS`] index. The picked headers are kept for `finish`.
    pub fn prepare(&mut self, pairs: &[u8], body_len: f64, now: f64) -> JsValue {
        let inner = match &self.inner {
            Ok(v) => v,
            Err(e) => return fail(*e),
        };
        let headers = Packed::new(pairs);
        let prepared = pick(&headers).and_then(|(id, ts, sig)| {
            inner
                .prepare(id, ts, sig, body_len as usize, now as i64)
                .map(|_| (id, ts, sig))
        });
        match prepared {
            Ok((id, ts, sig)) => {
                self.pending = Pending {
                    id: id.to_owned(),
                    timestamp: ts.to_owned(),
                    signature: sig.to_owned(),
                };
                let mut out = String::with_capacity(id.len() + ts.len() + 2);
                out.push_str(id);
                out.push('.');
                out.push_str(ts);
                out.push('.');
                JsValue::from_str(&out)
            }
            Err(e) => {
                self.pending = Pending::default();
                fail(e)
            }
        }
    }

    /// Compares the MACs the host computed for the prepared message (32 bytes per secret, in
    /// the secrets' order) with its signature entries; `undefined` when one matches.
    pub fn finish(&mut self, macs: &[u8], now: f64) -> JsValue {
        let pending = core::mem::take(&mut self.pending);
        let inner = match self.verifier() {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        let macs: Vec<[u8; 32]> = macs
            .chunks_exact(32)
            .filter_map(|c| <[u8; 32]>::try_from(c).ok())
            .collect();
        outcome(
            inner
                .prepare(
                    &pending.id,
                    &pending.timestamp,
                    &pending.signature,
                    0,
                    now as i64,
                )
                .and_then(|p| inner.finish(&p, &macs)),
        )
    }

    /// `v1,…` (or `v1a,…` with a signing key) for a UTF-8 body, or the error's [`ERRORS`]
    /// index.
    pub fn sign_str(&self, id: &str, ts: f64, body: &str) -> JsValue {
        self.sign_bytes(id, ts, body.as_bytes())
    }

    /// `v1,…` (or `v1a,…`) for a byte body, or the error's [`ERRORS`] index.
    pub fn sign_bytes(&self, id: &str, ts: f64, body: &[u8]) -> JsValue {
        match self.verifier() {
            Ok(v) => match v.try_sign(id, ts as i64, body) {
                Ok(text) => JsValue::from_str(&text),
                Err(e) => fail(e),
            },
            Err(e) => fail(e),
        }
    }
}

/// Writes the HMAC-SHA256 of `data` under `key` into `out` (32 bytes): the primitive under
/// every signature.
#[wasm_bindgen]
pub fn hmac_sha256(key: &[u8], data: &[u8], out: &mut [u8]) {
    write_out(&hookproof::signature::hmac_sha256(key, data), out);
}

/// Strict ed25519 verification (the primitive under `v1a`, for RFC 8032 and Wycheproof):
/// whether `signature` is valid, or the [`ERRORS`] index of why the key is unusable.
#[cfg(feature = "v1a")]
#[wasm_bindgen]
pub fn ed25519_verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> JsValue {
    match hookproof::key::ed25519_verify(public_key, message, signature) {
        Ok(valid) => JsValue::from_bool(valid),
        Err(e) => fail(e),
    }
}

/// Writes the ed25519 signature of `message` under a signing key (32-byte seed or seed ‖ public
/// key) into `out` (64 bytes); `undefined`, or the [`ERRORS`] index of why the key is unusable.
#[cfg(feature = "v1a")]
#[wasm_bindgen]
pub fn ed25519_sign(signing_key: &[u8], message: &[u8], out: &mut [u8]) -> JsValue {
    outcome(hookproof::key::ed25519_sign(signing_key, message).map(|s| {
        write_out(&s, out);
    }))
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// The core never panics; should a bug make it, the instance traps (as with `panic = "abort"`),
/// without std's panic machinery in the module.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
