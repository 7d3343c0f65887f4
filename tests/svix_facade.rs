//! `hookproof::svix` against svix's own Rust API: Codat's documented Rust example, svix's
//! crate tests (rust/src/webhooks.rs) ported with only the `use` line changed, and svix's error
//! messages.

use hookproof::svix::{HeaderMap, Webhook, WebhookError};

/// Codat's "Verify webhook" Rust tab (docs/using-the-api/webhooks/create-consumer.md), with the
/// two changes it needs to compile against svix itself: header values are `HeaderValue`s
/// (`.parse()?`), and `?` needs a function returning `Result`. The message dates from 2021, so
/// `verify` refuses it as too old and `verify_ignoring_timestamp` accepts it.
#[test]
fn codat_documented_rust_example() -> Result<(), Box<dyn std::error::Error>> {
    use hookproof::svix::Webhook;

    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string();

    let mut headers = http::header::HeaderMap::new();
    headers.insert("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".parse()?);
    headers.insert("webhook-timestamp", "1614265330".parse()?);
    headers.insert(
        "webhook-signature",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".parse()?,
    );

    let payload = b"{\"test\": 2432232314}";

    let wh = Webhook::new(&secret)?;
    let checked = wh.verify(&payload, &headers);
    // returns Ok on success, Err otherwise
    assert!(matches!(checked, Err(WebhookError::TimestampTooOldError)));
    wh.verify_ignoring_timestamp(&payload, &headers)?;
    wh.verify_ignoring_timestamp(payload, &headers)?;
    wh.verify_ignoring_timestamp(&payload[..], &headers)?;
    Ok(())
}

// --- svix's own tests (svix-webhooks rust/src/webhooks.rs @ 4fc0cfb), `use` line changed ---

const SVIX_MSG_ID_KEY: &str = "svix-id";
const SVIX_MSG_SIGNATURE_KEY: &str = "svix-signature";
const SVIX_MSG_TIMESTAMP_KEY: &str = "svix-timestamp";
const UNBRANDED_MSG_ID_KEY: &str = "webhook-id";
const UNBRANDED_MSG_SIGNATURE_KEY: &str = "webhook-signature";
const UNBRANDED_MSG_TIMESTAMP_KEY: &str = "webhook-timestamp";

fn now() -> i64 {
    std::time::UNIX_EPOCH.elapsed().unwrap().as_secs() as _
}

fn get_svix_headers(msg_id: &str, signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(SVIX_MSG_ID_KEY, msg_id.parse().unwrap());
    headers.insert(SVIX_MSG_SIGNATURE_KEY, signature.parse().unwrap());
    headers.insert(SVIX_MSG_TIMESTAMP_KEY, now().to_string().parse().unwrap());
    headers
}

fn get_unbranded_headers(msg_id: &str, signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(UNBRANDED_MSG_ID_KEY, msg_id.parse().unwrap());
    headers.insert(UNBRANDED_MSG_SIGNATURE_KEY, signature.parse().unwrap());
    headers.insert(
        UNBRANDED_MSG_TIMESTAMP_KEY,
        now().to_string().parse().unwrap(),
    );
    headers
}

#[test]
fn test_sign() {
    let wh = Webhook::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
    assert_eq!(
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=".to_owned(),
        wh.sign(
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            br#"{"email":"test@example.com","username":"test_user"}"#
        )
        .unwrap()
    );
}

#[test]
fn test_verify() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    let signature = wh.sign(msg_id, now(), payload).unwrap();
    for headers in [
        get_svix_headers(msg_id, &signature),
        get_unbranded_headers(msg_id, &signature),
    ] {
        wh.verify(payload, &headers).unwrap();
    }
}

#[test]
fn test_no_verify() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    let signature = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=".to_owned();
    for headers in [
        get_svix_headers(msg_id, &signature),
        get_unbranded_headers(msg_id, &signature),
    ] {
        assert!(wh.verify(payload, &headers).is_err());
    }
}

#[test]
fn test_verify_incorrect_timestamp() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    for ts in [now() - 5 * 60 - 1, now() + 5 * 60 + 1, -1] {
        let signature = wh.sign(msg_id, ts, payload).unwrap();
        let mut headers = get_svix_headers(msg_id, &signature);
        headers.insert(SVIX_MSG_TIMESTAMP_KEY, ts.to_string().parse().unwrap());
        assert!(wh.verify(payload, &headers).is_err());
    }
}

#[test]
fn test_verify_missing_id() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    let signature = wh.sign(msg_id, now(), payload).unwrap();
    let mut headers = get_svix_headers(msg_id, &signature);
    headers.remove(SVIX_MSG_ID_KEY);
    assert!(wh.verify(payload, &headers).is_err());
}

#[test]
fn test_verify_missing_timestamp() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    let signature = wh.sign(msg_id, now(), payload).unwrap();
    let mut headers = get_svix_headers(msg_id, &signature);
    headers.remove(SVIX_MSG_TIMESTAMP_KEY);
    assert!(wh.verify(payload, &headers).is_err());
}

#[test]
fn test_verify_missing_signature() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    let signature = wh.sign(msg_id, now(), payload).unwrap();
    let mut headers = get_svix_headers(msg_id, &signature);
    headers.remove(SVIX_MSG_SIGNATURE_KEY);
    assert!(wh.verify(payload, &headers).is_err());
}

#[test]
fn test_verify_multiple_signatures() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    let signature = wh.sign(msg_id, now(), payload).unwrap();
    let multi_sig = format!(
        "{} {} {} {}",
        "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
        "v2,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
        signature,
        "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
    );
    let headers = get_svix_headers(msg_id, &multi_sig);
    wh.verify(payload, &headers).unwrap();
}

#[test]
fn test_verify_signature_with_different_version() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    let signature = wh.sign(msg_id, now(), payload).unwrap();
    let signature = signature.replace("v1,", "v2,");
    let headers = get_svix_headers(msg_id, &signature);
    assert!(wh.verify(payload, &headers).is_err());
}

#[test]
fn test_verify_ignoring_timestamp() {
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD".to_owned();
    let msg_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let payload = br#"{"email":"test@example.com","username":"test_user"}"#;
    let wh = Webhook::new(&secret).unwrap();

    let ts = now() - 5 * 60 - 1;
    let signature = wh.sign(msg_id, ts, payload).unwrap();
    let mut headers = get_svix_headers(msg_id, &signature);
    headers.insert(SVIX_MSG_TIMESTAMP_KEY, ts.to_string().parse().unwrap());
    assert!(wh.verify(payload, &headers).is_err());
    wh.verify_ignoring_timestamp(payload, &headers).unwrap();
}

// --- svix's error shape and messages ---

#[test]
fn errors_have_svix_messages() {
    let payload = b"{}";
    let wh = Webhook::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
    let message = |headers: &HeaderMap| wh.verify(payload, headers).unwrap_err().to_string();
    assert_eq!(message(&HeaderMap::new()), "missing header id");
    // svix's order: id, then signature, then timestamp.
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", "msg_1".parse().unwrap());
    assert_eq!(message(&headers), "missing header signature");
    headers.insert("webhook-signature", "v1,xx".parse().unwrap());
    assert_eq!(message(&headers), "missing header timestamp");
    headers.insert("webhook-timestamp", "abc".parse().unwrap());
    assert_eq!(message(&headers), "failed to parse timestamp");
    headers.insert("webhook-timestamp", "1".parse().unwrap());
    assert_eq!(message(&headers), "signature timestamp too old");
    headers.insert("webhook-timestamp", "99999999999".parse().unwrap());
    assert_eq!(message(&headers), "signature timestamp too far in future");
    headers.insert("webhook-timestamp", now().to_string().parse().unwrap());
    assert_eq!(message(&headers), "signature invalid");
    headers.insert(
        "webhook-id",
        http::HeaderValue::from_bytes(b"msg_\xff").unwrap(),
    );
    assert_eq!(message(&headers), "invalid header id");

    assert_eq!(
        Webhook::new("whsec_").unwrap_err().to_string(),
        "secret may not be blank"
    );
    assert_eq!(
        Webhook::new("").unwrap_err().to_string(),
        "secret may not be blank"
    );
    assert!(matches!(
        Webhook::from_bytes(vec![]),
        Err(WebhookError::EmptySecret)
    ));
    let invalid = Webhook::new("whsec_!!!!").unwrap_err();
    assert_eq!(invalid.to_string(), "invalid secret");
    assert!(matches!(invalid, WebhookError::InvalidSecret(_)));
    assert!(std::error::Error::source(&invalid).is_some());
    let raw = Webhook::from_bytes(b"raw key bytes".to_vec()).unwrap();
    assert!(raw.sign("m", 1, b"\xff\x00").unwrap().starts_with("v1,"));
    assert_eq!(format!("{wh:?}"), "Webhook { key: [redacted] }");
}

#[cfg(feature = "v1a")]
#[test]
fn v1a_keys_through_the_facade() {
    // RFC 8032 TEST 1's seed and public key.
    let signer = Webhook::new("whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=").unwrap();
    let verifier = Webhook::new("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").unwrap();
    let payload = br#"{"test": 2432232314}"#;
    let signature = signer.sign("msg_1", now(), payload).unwrap();
    assert!(signature.starts_with("v1a,"));
    verifier
        .verify(payload, &get_unbranded_headers("msg_1", &signature))
        .unwrap();
    assert!(matches!(
        verifier.sign("msg_1", now(), payload),
        Err(WebhookError::InvalidSecret(_))
    ));
}

/// svix's reading of a secret: bare base64 is an HMAC secret (the facade is svix's drop-in), so
/// a public key without its `whpk_` becomes a secret too — the reason the docs say to keep it.
#[test]
fn bare_base64_is_a_secret_as_in_svix() {
    let bare = Webhook::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let prefixed = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let payload = br#"{"test": 2432232314}"#;
    assert_eq!(
        bare.sign("msg_1", 1_614_265_330, payload).unwrap(),
        prefixed.sign("msg_1", 1_614_265_330, payload).unwrap()
    );
    assert!(matches!(Webhook::new(""), Err(WebhookError::EmptySecret)));
}
