#![doc = include_str!("../docs/crate.md")]
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
#[cfg(feature = "v1a")]
mod ed25519;
mod error;
pub mod event;
pub mod filter;
mod hmac;
mod json;
pub mod key;
pub mod rate_limit;
pub mod redis;
pub mod replay;
pub mod retry_after;
mod scheme;
mod secret;
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
pub use error::ErrorCode;
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

/// The Rust blocks of README.md and docs/, compiled and run as doctests (`cargo test --doc`;
/// docs/rust.md's need every feature: `cargo test -p hookproof --all-features`).
#[cfg(doctest)]
mod readme_snippets {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/delivery.md")]
    struct DeliveryGuide;
    #[cfg(all(feature = "v1a", feature = "http", feature = "svix", feature = "serde"))]
    #[doc = include_str!("../docs/rust.md")]
    struct RustGuide;
}
