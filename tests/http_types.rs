//! The `http` feature: `HeaderSource` for `http::HeaderMap` follows the core's header rule, and
//! `Verifier::verify_request` takes any `http::Request<impl AsRef<[u8]>>`.

use hookproof::signature::Header;
use hookproof::{HeaderSource, Secret, Verifier, VerifyError};
use http::{HeaderMap, HeaderValue, Request};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS: &str = "1614265330";
const NOW: i64 = 1614265330;
const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const BAD: &str = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const BODY: &[u8] = br#"{"test": 2432232314}"#;

fn verifier() -> Verifier {
    Verifier::new(&Secret::parse(SECRET).unwrap())
}

fn codat() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Webhook-Id", HeaderValue::from_static(ID));
    h.insert("WEBHOOK-TIMESTAMP", HeaderValue::from_static(TS));
    h.insert("webhook-signature", HeaderValue::from_static(SIG));
    h
}

#[test]
fn header_map_any_case() {
    assert_eq!(verifier().verify(&codat(), BODY, NOW).unwrap().id, ID);
}

#[test]
fn svix_names_before_webhook_names() {
    let mut h = codat();
    h.insert("svix-signature", HeaderValue::from_static(BAD));
    assert_eq!(
        verifier().verify(&h, BODY, NOW),
        Err(VerifyError::NoMatchingSignature)
    );
    let mut h = codat();
    h.insert("webhook-signature", HeaderValue::from_static(BAD));
    h.insert("svix-signature", HeaderValue::from_static(SIG));
    assert!(verifier().verify(&h, BODY, NOW).is_ok());
}

#[test]
fn of_several_values_the_first_wins() {
    let mut h = codat();
    h.append("webhook-signature", HeaderValue::from_static(BAD));
    assert!(verifier().verify(&h, BODY, NOW).is_ok());
    let mut h = HeaderMap::new();
    h.append("webhook-id", HeaderValue::from_static(ID));
    h.append("webhook-id", HeaderValue::from_static("msg_other"));
    h.insert("webhook-timestamp", HeaderValue::from_static(TS));
    h.insert("webhook-signature", HeaderValue::from_static(SIG));
    assert_eq!(h.header("webhook-id"), Some(ID));
    assert!(verifier().verify(&h, BODY, NOW).is_ok());
}

#[test]
fn an_empty_value_counts_as_missing() {
    let mut h = codat();
    h.insert("svix-id", HeaderValue::from_static(""));
    assert_eq!(
        verifier().verify(&h, BODY, NOW),
        Err(VerifyError::MissingHeader(Header::Id))
    );
    let mut h = codat();
    h.insert(
        "webhook-timestamp",
        HeaderValue::from_bytes(b"16142\xff5330").unwrap(),
    );
    assert_eq!(
        verifier().verify(&h, BODY, NOW),
        Err(VerifyError::MissingHeader(Header::Timestamp))
    );
}

#[test]
fn verify_request_with_any_body() {
    let build = || {
        Request::post("/codat")
            .header("webhook-id", ID)
            .header("webhook-timestamp", TS)
            .header("webhook-signature", SIG)
    };
    let v = verifier();
    let owned = build().body(BODY.to_vec()).unwrap();
    assert_eq!(v.verify_request(&owned, NOW).unwrap().timestamp, NOW);
    let borrowed = build().body(BODY).unwrap();
    assert!(v.verify_request(&borrowed, NOW).is_ok());
    let text = build()
        .body(String::from_utf8(BODY.to_vec()).unwrap())
        .unwrap();
    assert!(v.verify_request(&text, NOW).is_ok());
    let tampered = build().body(b"{}".to_vec()).unwrap();
    assert_eq!(
        v.verify_request(&tampered, NOW),
        Err(VerifyError::NoMatchingSignature)
    );
}
