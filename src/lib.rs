#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The core must never panic on any input: in wasm a panic is a trap that kills the instance.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]

extern crate alloc;

#[cfg(feature = "svix")]
pub mod svix;
#[cfg(feature = "http")]
mod with_http;
#[cfg(feature = "http02")]
mod with_http02;

pub mod acceptance;
pub mod authorization;
mod base64;
pub mod classify;
pub mod consumer;
pub mod event;
pub mod filter;
mod json;
pub mod key;
pub mod rate_limit;
pub mod replay;
pub mod retry_after;
pub mod signature;
pub mod source;
pub mod store;
pub mod tags;

pub use acceptance::{AcceptanceConfig, AcceptanceError};
pub use authorization::{AuthorizationError, Credentials, check_authorization};
pub use classify::{
    Attempt, Classification, Decision, GiveUpReason, Outcome, Policy, classify, next_attempt,
};
pub use consumer::{Consumer, ConsumerError, ConsumerSettings};
pub use event::{Company, Event, EventError, parse_event};
pub use filter::{ClientIdError, EventTypeError, EventTypeFilter, check_client_id};
pub use key::{Key, KeyKind, SignError};
pub use rate_limit::{RateDecision, RateLimitError, RateLimiter, SourceLimiter};
pub use replay::{ReplayError, ReplayGuard, Seen};
pub use retry_after::{HttpDate, parse_http_date, parse_retry_after};
pub use signature::{
    Header, HeaderSource, OptionError, Prepared, Secret, SecretError, Tolerance, Verified,
    Verifier, VerifyError, max_payload_from_number, sign,
};
pub use source::{SourceAllowlist, SourceError};
pub use store::{Acceptance, AcceptanceGuard, AcceptanceStore, MemoryStore};
pub use tags::{TagError, TagFilter};

/// A stable, machine-readable name for an error, shared by every host.
///
/// The Rust variant `TimestampTooOld`, the JS `error.code` `"timestamp_too_old"` and the
/// WIT case `timestamp-too-old` name the same condition; `code()` returns the JS form.
pub trait ErrorCode {
    /// The snake_case code, e.g. `"no_matching_signature"`.
    fn code(&self) -> &'static str;
}
