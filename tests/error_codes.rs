//! Every public error type speaks the shared vocabulary ([`ErrorCode`]): a snake_case code, a
//! static message and, where the error names an entry, its index. The list of types is checked
//! against the `pub enum …Error` declarations in `src/`, so a new error type cannot be missed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use hookproof::consumer::ConsumerError;
use hookproof::redis::RedisError;
use hookproof::tags::TagProblem;
use hookproof::{
    AcceptanceError, AuthorizationError, ClientIdError, ErrorCode, EventError, EventTypeError,
    Header, OptionError, RateLimitError, ReplayError, SecretError, SignError, SourceError,
    TagError, VerifyError,
};

/// One variant, as every host sees it.
struct Case {
    ty: &'static str,
    code: &'static str,
    message: &'static str,
    index: Option<usize>,
    display: String,
}

fn case<E: ErrorCode + Display>(ty: &'static str, e: E) -> Case {
    Case {
        ty,
        code: e.code(),
        message: e.message(),
        index: e.index(),
        display: e.to_string(),
    }
}

/// Every variant of every public error type. `WebhookError` (the `svix` feature) is svix's own
/// type with svix's messages, a facade over these; it is not part of the vocabulary.
fn every_variant() -> Vec<Case> {
    let mut cases = Vec::new();
    for h in [Header::Id, Header::Timestamp, Header::Signature] {
        cases.push(case("VerifyError", VerifyError::MissingHeader(h)));
        cases.push(case("VerifyError", VerifyError::HeaderTooLarge(h)));
    }
    for e in [
        VerifyError::InvalidTimestamp,
        VerifyError::InvalidNow,
        VerifyError::TimestampTooOld,
        VerifyError::TimestampTooNew,
        VerifyError::TooManySignatures,
        VerifyError::PayloadTooLarge,
        VerifyError::NoMatchingSignature,
    ] {
        cases.push(case("VerifyError", e));
    }
    for e in [
        SecretError::Empty,
        SecretError::NotBase64,
        SecretError::TooLong,
        SecretError::NoSecrets,
        SecretError::TooManySecrets,
        SecretError::InvalidKey,
        SecretError::WeakKey,
        SecretError::KeyMismatch,
        SecretError::UnsupportedKey,
        SecretError::AmbiguousKey,
    ] {
        cases.push(case("SecretError", e));
    }
    for e in [
        OptionError::InvalidTolerance,
        OptionError::InvalidMaxPayload,
    ] {
        cases.push(case("OptionError", e));
    }
    cases.push(case("SignError", SignError::NoSigningKey));
    for e in [
        AcceptanceError::InvalidId,
        AcceptanceError::InvalidConfig,
        AcceptanceError::StoreFull,
        AcceptanceError::Contended,
        AcceptanceError::StoreUnavailable,
    ] {
        cases.push(case("AcceptanceError", e));
    }
    for e in [
        AuthorizationError::MissingAuthorization,
        AuthorizationError::MalformedAuthorization,
        AuthorizationError::WrongScheme,
        AuthorizationError::AuthorizationMismatch,
        AuthorizationError::InvalidCredentials,
    ] {
        cases.push(case("AuthorizationError", e));
    }
    for e in [
        EventError::InvalidPayload,
        EventError::InvalidEvent("data"),
        EventError::EventTooLarge,
    ] {
        cases.push(case("EventError", e));
    }
    for e in [
        ClientIdError::MissingClientId,
        ClientIdError::ClientIdMismatch,
    ] {
        cases.push(case("ClientIdError", e));
    }
    for e in [
        EventTypeError::TooManyEventTypes,
        EventTypeError::InvalidEventType { index: 2 },
    ] {
        cases.push(case("EventTypeError", e));
    }
    cases.push(case("RateLimitError", RateLimitError::InvalidRate));
    cases.push(case("ReplayError", ReplayError::InvalidCapacity));
    // Its other variants carry another type's error, code and message.
    for e in [
        ConsumerError::NoCredentials,
        ConsumerError::InvalidSetting,
        ConsumerError::UnexpectedResult,
    ] {
        cases.push(case("ConsumerError", e));
    }
    for e in [
        RedisError::InvalidScope,
        RedisError::InvalidPrefix,
        RedisError::InvalidFields,
        RedisError::UnexpectedReply,
    ] {
        cases.push(case("RedisError", e));
    }
    for e in [
        SourceError::TooManySources,
        SourceError::InvalidSource { index: 2 },
        SourceError::InvalidAddress,
    ] {
        cases.push(case("SourceError", e));
    }
    cases.push(case("TagError", TagError::TooManyTags));
    for problem in [
        TagProblem::MissingColon,
        TagProblem::EmptyKey,
        TagProblem::KeyTooLong,
        TagProblem::ValueTooLong,
    ] {
        cases.push(case("TagError", TagError::InvalidTag { index: 2, problem }));
    }
    cases
}

#[test]
fn every_error_has_a_code_and_a_message() {
    for c in every_variant() {
        assert!(!c.code.is_empty(), "{}: empty code", c.ty);
        assert!(
            c.code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !c.code.starts_with('_')
                && !c.code.ends_with('_'),
            "{}: code {:?} is not snake_case",
            c.ty,
            c.code
        );
        assert!(
            !c.message.trim().is_empty(),
            "{} {}: empty message",
            c.ty,
            c.code
        );
        match c.index {
            // The Display text names the entry (counting from 1); the message does not.
            Some(index) => {
                assert_eq!(index, 2, "{} {}", c.ty, c.code);
                assert!(
                    c.display.contains("#3"),
                    "{} {}: {}",
                    c.ty,
                    c.code,
                    c.display
                );
                assert_ne!(c.display, c.message, "{} {}", c.ty, c.code);
            }
            // The one error that names a field instead of a position.
            None if c.code == "invalid_event" => {
                assert!(c.display.contains("data"), "{}", c.display);
            }
            None => assert_eq!(c.display, c.message, "{} {}", c.ty, c.code),
        }
    }
}

#[test]
fn a_code_belongs_to_one_type_and_a_message_to_one_variant() {
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    let mut messages: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let cases = every_variant();
    for c in &cases {
        let ty = *owner.entry(c.code).or_insert(c.ty);
        assert_eq!(ty, c.ty, "code {:?} is used by {ty} and {}", c.code, c.ty);
        assert!(
            messages.entry(c.ty).or_default().insert(c.message),
            "{}: two variants share the message {:?}",
            c.ty,
            c.message
        );
    }
}

#[test]
fn every_public_error_type_is_listed() {
    let listed: BTreeSet<&str> = every_variant().iter().map(|c| c.ty).collect();
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut declared = BTreeSet::new();
    for entry in std::fs::read_dir(src).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file is readable");
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("pub enum ")
                && let Some(name) = rest.split([' ', '{', '<']).next()
                && name.ends_with("Error")
                && name != "WebhookError"
            {
                declared.insert(name.to_owned());
            }
        }
    }
    let listed: BTreeSet<String> = listed.into_iter().map(str::to_owned).collect();
    assert_eq!(
        declared, listed,
        "every pub enum …Error in src/ is checked here"
    );
}

/// A message that states a bound states the crate's bound (the `Display` text used to format
/// the constant; the static message spells it out).
#[test]
fn messages_state_the_bounds() {
    use hookproof::event::MAX_EVENT_LEN;
    use hookproof::filter::MAX_EVENT_TYPE_PATTERNS;
    use hookproof::source::MAX_SOURCES;
    use hookproof::tags::{MAX_FILTER_TAGS, MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS};
    let has = |message: &str, bound: usize| {
        assert!(
            message.contains(&format!(" {bound} ")),
            "{message:?} states {bound}"
        );
    };
    has(
        EventTypeError::TooManyEventTypes.message(),
        MAX_EVENT_TYPE_PATTERNS,
    );
    has(SourceError::TooManySources.message(), MAX_SOURCES);
    has(TagError::TooManyTags.message(), MAX_FILTER_TAGS);
    has(EventError::EventTooLarge.message(), MAX_EVENT_LEN);
    let tag = |problem| TagError::InvalidTag { index: 0, problem }.message();
    has(tag(TagProblem::KeyTooLong), MAX_TAG_KEY_CHARS);
    has(tag(TagProblem::ValueTooLong), MAX_TAG_VALUE_CHARS);
}
