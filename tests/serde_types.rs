//! The `serde` feature: the public data types serialize to stable JSON and back.

use hookproof::classify::{Attempt, Outcome};
use hookproof::signature::{Header, Tolerance};
use hookproof::{
    Classification, Decision, Event, GiveUpReason, KeyKind, Policy, RateDecision, Seen, Verified,
    parse_event,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    value: T,
    want: Value,
) {
    let json = serde_json::to_value(&value).unwrap();
    assert_eq!(json, want);
    assert_eq!(serde_json::from_value::<T>(json).unwrap(), value);
}

#[test]
fn decisions_and_classifications() {
    round_trip(Policy::Legacy, json!("legacy"));
    round_trip(Classification::Redirect, json!("redirect"));
    round_trip(Decision::Delivered, json!("delivered"));
    round_trip(Decision::FollowRedirect, json!("follow_redirect"));
    round_trip(Decision::RetryAt(1_045), json!({"retry_at": 1045}));
    round_trip(
        Decision::GiveUp(GiveUpReason::RetriesExhausted),
        json!({"give_up": "retries_exhausted"}),
    );
    round_trip(Outcome::Status(429), json!({"status": 429}));
    round_trip(Outcome::ConnectionError, json!("connection_error"));
    round_trip(RateDecision::RetryAfter(3), json!({"retry_after": 3}));
    round_trip(Seen::Duplicate, json!("duplicate"));
    round_trip(Tolerance::Seconds(300), json!({"seconds": 300}));
    round_trip(Tolerance::Ignore, json!("ignore"));
    round_trip(Header::Timestamp, json!("timestamp"));
    round_trip(KeyKind::PublicKey, json!("public_key"));
}

#[test]
fn attempts_and_verified_results_borrow_from_the_json() {
    let text = r#"{"outcome":{"status":503},"retry_after":"120","webhook_delivery":null}"#;
    let attempt: Attempt<'_> = serde_json::from_str(text).unwrap();
    assert_eq!(
        attempt,
        Attempt {
            retry_after: Some("120"),
            ..Attempt::status(503)
        }
    );
    assert_eq!(serde_json::to_string(&attempt).unwrap(), text);
    let verified = Verified {
        id: "msg_1",
        timestamp: 1_700_000_000,
    };
    let text = serde_json::to_string(&verified).unwrap();
    assert_eq!(text, r#"{"id":"msg_1","timestamp":1700000000}"#);
    assert_eq!(
        serde_json::from_str::<Verified<'_>>(&text).unwrap(),
        verified
    );
}

#[test]
fn events() {
    let event = parse_event(br#"{"id":"e1","eventType":"read.completed","generatedDate":"2026-01-01T00:00:00Z","payload":{"referenceCompany":{"id":"c1","name":"Acme","tags":{"region":"us"}}}}"#).unwrap();
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["kind"], "current");
    assert_eq!(json["eventType"], "read.completed");
    assert_eq!(json["generatedDate"], "2026-01-01T00:00:00Z");
    assert_eq!(json["company"]["id"], "c1");
    assert_eq!(json["company"]["tags"], json!([["region", "us"]]));
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
    let legacy =
        parse_event(br#"{"CompanyId":"c2","ClientId":"k","RuleType":"Sync Completed"}"#).unwrap();
    let json = serde_json::to_value(&legacy).unwrap();
    assert_eq!(json["kind"], "legacy");
    assert_eq!(json["ruleType"], "Sync Completed");
    assert_eq!(json["clientId"], "k");
    assert_eq!(serde_json::from_value::<Event>(json).unwrap(), legacy);
}
