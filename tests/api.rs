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

// ---------------------------------------------------------------------------------------------
// v1a keys

/// RFC 8032 §7.1 TEST 1: seed, and its public key.
#[cfg(feature = "v1a")]
const SEED_B64: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
#[cfg(feature = "v1a")]
const PUBLIC_B64: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

#[cfg(feature = "v1a")]
#[test]
fn keys_by_prefix_with_redacted_debug() {
    use hookproof::{Key, KeyKind};
    let signing = Key::parse(&format!("whsk_{SEED_B64}")).unwrap();
    let public = Key::parse(&format!("whpk_{PUBLIC_B64}")).unwrap();
    let secret = Key::parse(SECRET).unwrap();
    assert_eq!(signing.kind(), KeyKind::SigningKey);
    assert_eq!(public.kind(), KeyKind::PublicKey);
    assert_eq!(secret.kind(), KeyKind::Secret);
    assert_eq!(
        signing.public_key().unwrap().to_text().as_str(),
        format!("whpk_{PUBLIC_B64}")
    );
    assert_eq!(signing.to_text().as_str(), format!("whsk_{SEED_B64}"));
    assert_eq!(secret.to_text().as_str(), SECRET);
    assert!(secret.public_key().is_none());
    let verifier = Verifier::with_keys([&signing, &public, &secret]).unwrap();
    for text in [
        format!("{signing:?}"),
        format!("{secret:?}"),
        format!("{verifier:?}"),
    ] {
        assert!(text.contains("[REDACTED"), "{text}");
        for leak in ["nWGxne", "9d61b1", "157, 97", "MfKQ9r8G"] {
            assert!(!text.contains(leak), "{text}");
        }
    }
}

#[cfg(feature = "v1a")]
#[test]
fn prepare_and_finish_with_and_without_the_body() {
    use hookproof::Key;
    let signing = Key::parse(&format!("whsk_{SEED_B64}")).unwrap();
    let secret = Secret::parse(SECRET).unwrap();
    let body = br#"{"test": 2432232314}"#;
    let sig = signing.sign("msg_1", 1_700_000_000, body).unwrap();
    let mixed = Verifier::with_keys([&Key::from(secret.clone()), &signing]).unwrap();
    assert_eq!(mixed.secret_count(), 1);
    assert!(mixed.needs_body());
    let prepared = mixed
        .prepare("msg_1", "1700000000", &sig, body.len(), 1_700_000_000)
        .unwrap();
    let mac = hookproof::signature::hmac_sha256(
        secret.expose_bytes(),
        &[b"msg_1.1700000000.".as_slice(), body].concat(),
    );
    assert!(mixed.finish_with_body(&prepared, &[mac], body).is_ok());
    // Without the body the v1a entry cannot be checked; with another body of the same
    // length it does not match; with a body of another length it never matches.
    assert_eq!(
        mixed.finish(&prepared, &[mac]),
        Err(VerifyError::NoMatchingSignature)
    );
    let mut other = *body;
    other[2] ^= 1;
    assert_eq!(
        mixed.finish_with_body(&prepared, &[mac], &other),
        Err(VerifyError::NoMatchingSignature)
    );
    assert_eq!(
        mixed.finish_with_body(&prepared, &[mac], &body[1..]),
        Err(VerifyError::NoMatchingSignature)
    );
    // An HMAC-only verifier needs only the MACs.
    let hmac_only = Verifier::new(&secret);
    assert!(!hmac_only.needs_body());
    let v1 = hmac_only.sign("msg_1", 1_700_000_000, body);
    let prepared = hmac_only
        .prepare("msg_1", "1700000000", &v1, body.len(), 1_700_000_000)
        .unwrap();
    assert!(hmac_only.finish(&prepared, &[mac]).is_ok());
}

#[cfg(feature = "v1a")]
#[test]
fn public_keys_cannot_sign() {
    use hookproof::{Key, SignError};
    let public = Key::parse(&format!("whpk_{PUBLIC_B64}")).unwrap();
    assert_eq!(public.sign("m", 1, b""), Err(SignError::NoSigningKey));
    let verifier = Verifier::with_keys([&public]).unwrap();
    assert_eq!(verifier.try_sign("m", 1, b""), Err(SignError::NoSigningKey));
    assert_eq!(verifier.sign("m", 1, b""), "");
    assert_error(SignError::NoSigningKey, "no_signing_key");
}

#[test]
fn key_errors_have_their_codes() {
    assert_error(SecretError::InvalidKey, "invalid_key");
    assert_error(SecretError::WeakKey, "invalid_key");
    assert_error(SecretError::KeyMismatch, "invalid_key");
    assert_error(SecretError::UnsupportedKey, "unsupported_key");
}

/// The lean core refuses v1a keys with a typed error, whatever their shape.
#[cfg(not(feature = "v1a"))]
#[test]
fn lean_core_refuses_v1a_keys() {
    use hookproof::Key;
    for text in [
        "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
        "whpk_",
        "whsk_!!",
    ] {
        assert_eq!(Key::parse(text).unwrap_err(), SecretError::UnsupportedKey);
        assert_eq!(
            Verifier::from_texts([SECRET, text]).unwrap_err(),
            SecretError::UnsupportedKey
        );
    }
    assert_eq!(
        Key::public_key_from_bytes(&[0; 32]).unwrap_err(),
        SecretError::UnsupportedKey
    );
    assert_eq!(
        Key::signing_key_from_bytes(&[0; 32]).unwrap_err(),
        SecretError::UnsupportedKey
    );
    // An HMAC-only verifier skips v1a entries as any unknown version.
    let v = Verifier::from_texts([SECRET]).unwrap();
    assert!(!v.needs_body());
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
    has(
        VerifyError::TooManySignatures.message(),
        hookproof::signature::MAX_ASYMMETRIC_SIGNATURES,
    );
    has(SecretError::TooLong.message(), MAX_SECRET_TEXT_LEN);
    has(SecretError::TooLong.message(), MAX_SECRET_LEN);
    has(SecretError::TooManySecrets.message(), MAX_SECRETS);
    for h in [Header::Id, Header::Timestamp, Header::Signature] {
        let missing = VerifyError::MissingHeader(h).to_string();
        assert!(missing.contains(h.name()) && missing.contains(h.svix_name()));
    }
}

#[test]
fn missing_credentials_fail_closed() {
    // An unset setting is an empty string in every host: it must never make requests pass.
    for (user, password) in [("", ""), ("codat", ""), ("", "s3cret")] {
        let e = Credentials::basic(user, password).unwrap_err();
        assert_eq!(
            e,
            AuthorizationError::InvalidCredentials,
            "{user:?}:{password:?}"
        );
        assert_error(e, "invalid_credentials");
    }
    assert_eq!(
        Credentials::bearer("").unwrap_err(),
        AuthorizationError::InvalidCredentials
    );
}

#[test]
fn key_kinds_are_stated_where_both_are_taken() {
    use hookproof::{Key, KeyKind};
    // The bare base64 of a public key (RFC 8032 §7.1 TEST 1's) is not read as a secret.
    let bare = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    for text in [
        bare,
        &SECRET[6..],
        " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "WHPK_x",
    ] {
        assert_eq!(
            Key::parse(text).unwrap_err(),
            SecretError::AmbiguousKey,
            "{text}"
        );
        assert_eq!(
            Verifier::from_texts([SECRET, text]).unwrap_err(),
            SecretError::AmbiguousKey
        );
    }
    assert_error(SecretError::AmbiguousKey, "ambiguous_key");
    assert_eq!(Key::parse("").unwrap_err(), SecretError::Empty);
    assert_eq!(Key::parse(SECRET).unwrap().kind(), KeyKind::Secret);
    // The HMAC-only parser and svix's reading keep bare base64 as a secret.
    assert!(Secret::parse(bare).is_ok());
    assert_eq!(
        Key::parse_secret_by_default(bare).unwrap().kind(),
        KeyKind::Secret
    );
}

#[test]
fn numeric_options_are_whole_numbers_in_range() {
    use hookproof::signature::MAX_NUMBER_OPTION;
    use hookproof::{OptionError, Tolerance, max_payload_from_number};
    let max = 9_007_199_254_740_991_f64; // 2^53 - 1, written out
    assert_eq!(MAX_NUMBER_OPTION as f64, max);
    for n in [0.0, -0.0, 1.0, 300.0, max] {
        assert_eq!(Tolerance::from_number(n), Ok(Tolerance::Seconds(n as u64)));
        assert_eq!(max_payload_from_number(n), Ok(n as usize));
    }
    for n in [
        -1.0,
        -300.0,
        0.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        max + 1.0,
        1e300,
    ] {
        assert_eq!(
            Tolerance::from_number(n),
            Err(OptionError::InvalidTolerance),
            "{n}"
        );
        assert_eq!(
            max_payload_from_number(n),
            Err(OptionError::InvalidMaxPayload),
            "{n}"
        );
    }
    assert_error(OptionError::InvalidTolerance, "invalid_tolerance");
    assert_error(OptionError::InvalidMaxPayload, "invalid_max_payload");
}
