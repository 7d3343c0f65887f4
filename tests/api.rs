//! API contracts that the vectors cannot express: redaction, error traits, codes.

use hookproof::classify::endpoint_disabled;
use hookproof::signature::Header;
use hookproof::{
    AuthorizationError, ClientIdError, Credentials, ErrorCode, EventError, EventTypeError, Secret,
    SecretError, SourceError, TagError, Verifier, VerifyError,
};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[test]
fn debug_output_never_shows_key_material() {
    let secret = Secret::parse(SECRET).unwrap();
    let verifier = Verifier::from_texts([SECRET, SECRET]).unwrap();
    let basic = Credentials::basic("codat", "hunter2").unwrap();
    let bearer = Credentials::bearer("tok_abcdef").unwrap();
    for text in [
        format!("{secret:?}"),
        format!("{verifier:?}"),
        format!("{basic:?}"),
        format!("{bearer:?}"),
    ] {
        assert!(text.contains("[REDACTED"), "{text}");
        for leak in ["MfKQ9r8G", "hunter2", "tok_abc", "31, 242"] {
            assert!(!text.contains(leak), "{text}");
        }
    }
    assert_eq!(secret.to_whsec().as_str(), SECRET);
}

fn assert_error<E: ErrorCode + std::error::Error + Copy + 'static>(e: E, code: &str) {
    assert_eq!(e.code(), code);
    let message = e.to_string();
    assert!(!message.is_empty());
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert_eq!(boxed.to_string(), message);
}

#[test]
fn every_error_has_a_code_and_a_message() {
    assert_error(VerifyError::MissingHeader(Header::Id), "missing_header");
    assert_error(
        VerifyError::HeaderTooLarge(Header::Signature),
        "header_too_large",
    );
    assert_error(VerifyError::InvalidTimestamp, "invalid_timestamp");
    assert_error(VerifyError::TimestampTooOld, "timestamp_too_old");
    assert_error(VerifyError::TimestampTooNew, "timestamp_too_new");
    assert_error(VerifyError::TooManySignatures, "too_many_signatures");
    assert_error(VerifyError::PayloadTooLarge, "payload_too_large");
    assert_error(VerifyError::NoMatchingSignature, "no_matching_signature");
    assert_error(SecretError::Empty, "invalid_secret");
    assert_error(SecretError::NotBase64, "invalid_secret");
    assert_error(SecretError::TooLong, "invalid_secret");
    assert_error(SecretError::NoSecrets, "invalid_secret");
    assert_error(SecretError::TooManySecrets, "too_many_secrets");
    assert_error(
        AuthorizationError::MissingAuthorization,
        "missing_authorization",
    );
    assert_error(
        AuthorizationError::MalformedAuthorization,
        "malformed_authorization",
    );
    assert_error(AuthorizationError::WrongScheme, "wrong_scheme");
    assert_error(
        AuthorizationError::AuthorizationMismatch,
        "authorization_mismatch",
    );
    assert_error(
        AuthorizationError::InvalidCredentials,
        "invalid_credentials",
    );
    assert_error(TagError::TooManyTags, "too_many_tags");
    assert_error(
        TagError::InvalidTag {
            index: 3,
            problem: hookproof::tags::TagProblem::MissingColon,
        },
        "invalid_tag",
    );
    assert_error(EventError::InvalidPayload, "invalid_payload");
    assert_error(EventError::InvalidEvent("eventType"), "invalid_event");
    assert_error(EventError::EventTooLarge, "event_too_large");
    assert_error(EventTypeError::TooManyEventTypes, "too_many_event_types");
    assert_error(
        EventTypeError::InvalidEventType { index: 0 },
        "invalid_event_type",
    );
    assert_error(ClientIdError::MissingClientId, "missing_client_id");
    assert_error(ClientIdError::ClientIdMismatch, "client_id_mismatch");
    assert_error(SourceError::TooManySources, "too_many_sources");
    assert_error(SourceError::InvalidSource { index: 1 }, "invalid_source");
    assert_error(SourceError::InvalidAddress, "invalid_address");
}

#[test]
fn tag_error_message_names_the_entry() {
    let e = hookproof::TagFilter::new(["a:b", "nocolon"]).unwrap_err();
    assert_eq!(e.to_string(), "company tag #2 is not key:value");
}

#[test]
fn event_too_large_is_refused_before_parsing() {
    let body = vec![b' '; hookproof::event::MAX_EVENT_LEN + 1];
    assert_eq!(
        hookproof::parse_event(&body),
        Err(EventError::EventTooLarge)
    );
}

#[test]
fn endpoint_is_disabled_after_five_days() {
    assert!(!endpoint_disabled(0, 5 * 86_400 - 1));
    assert!(endpoint_disabled(0, 5 * 86_400));
}

#[test]
fn static_messages_state_the_bounds_that_apply() {
    use hookproof::signature::{
        MAX_ID_LEN, MAX_SECRET_LEN, MAX_SECRET_TEXT_LEN, MAX_SECRETS, MAX_SIGNATURE_HEADER_LEN,
        MAX_SIGNATURES,
    };
    use hookproof::{Header, SecretError, VerifyError};
    let has = |text: &str, n: usize| assert!(text.contains(&n.to_string()), "{text:?} lacks {n}");
    has(
        VerifyError::HeaderTooLarge(Header::Id).message(),
        MAX_ID_LEN,
    );
    has(
        VerifyError::HeaderTooLarge(Header::Signature).message(),
        MAX_SIGNATURE_HEADER_LEN,
    );
    has(VerifyError::TooManySignatures.message(), MAX_SIGNATURES);
    has(SecretError::TooLong.message(), MAX_SECRET_TEXT_LEN);
    has(SecretError::TooLong.message(), MAX_SECRET_LEN);
    has(SecretError::TooManySecrets.message(), MAX_SECRETS);
    for h in [Header::Id, Header::Timestamp, Header::Signature] {
        let missing = VerifyError::MissingHeader(h).to_string();
        assert!(missing.contains(h.name()) && missing.contains(h.svix_name()));
    }
}
