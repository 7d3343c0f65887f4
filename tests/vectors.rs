//! Runs the conformance vector suite (`tests/vectors/*.json`) against the native core.
//! Every failure names its file and `tcId`; all failures are reported together.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use hookproof::classify::{Attempt, Outcome};
use hookproof::signature::Header;
use hookproof::{
    Credentials, Decision, ErrorCode, EventTypeFilter, HttpDate, Policy, Secret, SourceAllowlist,
    TagFilter, Tolerance, Verifier, check_authorization, check_client_id, classify, next_attempt,
    parse_event, parse_http_date, parse_retry_after,
};
use serde_json::{Map, Value, json};

fn load(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let tests = doc["tests"].as_array().unwrap().clone();
    assert_eq!(
        doc["numberOfTests"].as_u64().unwrap() as usize,
        tests.len(),
        "{name}"
    );
    tests
}

/// Runs `check` on every case and panics with the list of failing tcIds.
fn run(name: &str, check: impl Fn(&Value) -> Result<(), String>) -> usize {
    let tests = load(name);
    let mut failures = String::new();
    for t in &tests {
        if let Err(why) = check(t) {
            writeln!(
                failures,
                "  {name} tcId {} ({}): {why}",
                t["tcId"], t["comment"]
            )
            .unwrap();
        }
    }
    assert!(failures.is_empty(), "vector failures:\n{failures}");
    tests.len()
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

fn body(t: &Value) -> Vec<u8> {
    match (&t["body"], &t["bodyHex"]) {
        (Value::String(s), _) => s.as_bytes().to_vec(),
        (_, Value::String(h)) => hex(h),
        _ => panic!("case without body"),
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn secret(v: &Value) -> Result<Secret, hookproof::SecretError> {
    match v {
        Value::String(s) => Secret::parse(s),
        Value::Object(o) => Secret::from_bytes(&hex(o["hex"].as_str().unwrap())),
        _ => panic!("bad secret {v}"),
    }
}

fn verifier(t: &Value) -> Result<Verifier, &'static str> {
    let secrets: Result<Vec<Secret>, _> = t["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(secret)
        .collect();
    let secrets = secrets.map_err(|e| e.code())?;
    let mut v = Verifier::with_secrets(&secrets).map_err(|e| e.code())?;
    v = match &t["tolerance"] {
        Value::Null => v,
        Value::String(s) if s == "ignore" => v.tolerance(Tolerance::Ignore),
        n => v.tolerance(Tolerance::Seconds(n.as_u64().unwrap())),
    };
    if let Some(max) = t["maxPayload"].as_u64() {
        v = v.max_payload(max as usize);
    }
    Ok(v)
}

fn outcome_code<E: ErrorCode>(r: Result<(), E>) -> Value {
    match r {
        Ok(()) => json!("valid"),
        Err(e) => json!(e.code()),
    }
}

fn want_code(t: &Value) -> Value {
    if t["result"] == "valid" {
        json!("valid")
    } else {
        t["error"].clone()
    }
}

#[test]
fn signature_vectors() {
    let n = run("signature.json", |t| {
        let v = verifier(t);
        match t["op"].as_str().unwrap() {
            "sign" => {
                let v = v.map_err(|e| format!("secret refused: {e}"))?;
                let got = v.sign(
                    t["id"].as_str().unwrap(),
                    t["timestamp"].as_i64().unwrap(),
                    &body(t),
                );
                expect_eq("signature", got.as_str(), t["expected"].as_str().unwrap())?;
                // The free function and the verifier must agree.
                let s = secret(&t["secrets"][0]).unwrap();
                let free = hookproof::sign(
                    &s,
                    t["id"].as_str().unwrap(),
                    t["timestamp"].as_i64().unwrap(),
                    &body(t),
                );
                expect_eq("free sign", free, got)
            }
            "verify" => {
                let headers: Vec<(String, String)> = t["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap().to_owned(),
                            p[1].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                let got = match v {
                    Err(code) => json!(code),
                    Ok(v) => {
                        match v.verify(headers.as_slice(), &body(t), t["now"].as_i64().unwrap()) {
                            Ok(verified) => {
                                let id = headers
                                    .iter()
                                    .find(|(k, _)| k.eq_ignore_ascii_case("svix-id"))
                                    .or_else(|| {
                                        headers
                                            .iter()
                                            .find(|(k, _)| k.eq_ignore_ascii_case("webhook-id"))
                                    });
                                expect_eq(
                                    "verified id",
                                    Some(verified.id),
                                    id.map(|(_, v)| v.as_str()),
                                )?;
                                json!("valid")
                            }
                            Err(e) => {
                                if let Some(h) = t["header"].as_str() {
                                    let named = match e {
                                        hookproof::VerifyError::MissingHeader(x)
                                        | hookproof::VerifyError::HeaderTooLarge(x) => x,
                                        _ => return Err(format!("{e:?} names no header")),
                                    };
                                    expect_eq("header", named.name(), h)?;
                                }
                                // Every error has a message that is not empty and never the secret.
                                let message = e.to_string();
                                assert!(!message.is_empty() && !message.contains("MfKQ9r8G"));
                                json!(e.code())
                            }
                        }
                    }
                };
                expect_eq("verdict", got, want_code(t))
            }
            op => Err(format!("unknown op {op}")),
        }
    });
    assert!(n >= 100, "{n}");
}

#[test]
fn verified_reports_id_and_timestamp() {
    let v = Verifier::new(&Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap());
    let headers = [
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        (
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
    ];
    let ok = v
        .verify(&headers, br#"{"test": 2432232314}"#, 1614265330)
        .unwrap();
    assert_eq!(ok.id, "msg_p5jXN8AQM9LWM0D4loKWxJek");
    assert_eq!(ok.timestamp, 1614265330);
    assert_eq!(Header::Signature.svix_name(), "svix-signature");
}

#[test]
fn hmac_vectors() {
    run("hmac.json", |t| {
        // The core's HMAC is RustCrypto's; a raw-key Secret signing `a.b.c` must equal HMAC of
        // the same bytes, which ties `sign` to the RFC 4231 primitive checked here.
        let key = hex(t["keyHex"].as_str().unwrap());
        let msg = hex(t["msgHex"].as_str().unwrap());
        let want = t["tagHex"].as_str().unwrap();
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        mac.update(&msg);
        let tag: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        expect_eq("tag", &tag[..want.len()], want)?;
        let secret = Secret::from_bytes(&key).unwrap();
        let signed = hookproof::sign(&secret, "id", 7, &msg);
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        mac.update(b"id.7.");
        mac.update(&msg);
        let b64 = STANDARD.encode(mac.finalize().into_bytes());
        expect_eq("sign", signed, format!("v1,{b64}"))
    });
}

fn credentials(v: &Value) -> Result<Credentials, hookproof::AuthorizationError> {
    if let Some(b) = v.get("basic") {
        Credentials::basic(
            b["username"].as_str().unwrap(),
            b["password"].as_str().unwrap(),
        )
    } else {
        Credentials::bearer(v["bearer"].as_str().unwrap())
    }
}

#[test]
fn authorization_vectors() {
    run("authorization.json", |t| {
        let got = match credentials(&t["expected"]) {
            Err(e) => json!(e.code()),
            Ok(c) => {
                assert!(!format!("{c:?}").contains("pa55"), "Debug leaks");
                outcome_code(check_authorization(t["header"].as_str(), &c))
            }
        };
        expect_eq("verdict", got, want_code(t))
    });
}

fn attempt_of(t: &Value) -> Attempt<'_> {
    let outcome = match &t["outcome"] {
        Value::String(s) if s == "timeout" => Outcome::Timeout,
        Value::String(s) if s == "connection_error" => Outcome::ConnectionError,
        o => Outcome::Status(o["status"].as_u64().unwrap() as u16),
    };
    Attempt {
        outcome: Some(outcome),
        retry_after: t["headers"]["retry-after"].as_str(),
        webhook_delivery: t["headers"]["webhook-delivery"].as_str(),
    }
}

#[test]
fn classify_vectors() {
    run("classify.json", |t| {
        let policy = Policy::parse(t["policy"].as_str().unwrap()).unwrap();
        let attempt = attempt_of(t);
        let want = &t["expected"];
        expect_eq(
            "classification",
            classify(policy, &attempt).name(),
            want["classification"].as_str().unwrap(),
        )?;
        let decision = next_attempt(
            policy,
            t["attempt"].as_u64().unwrap() as u32,
            &attempt,
            t["now"].as_i64().unwrap(),
        );
        let got = match decision {
            Decision::Delivered => json!({"action": "delivered"}),
            Decision::FollowRedirect => json!({"action": "follow_redirect"}),
            Decision::RetryAt(at) => json!({"action": "retry", "at": at}),
            Decision::GiveUp(reason) => json!({"action": "give_up", "reason": reason.name()}),
        };
        expect_eq("decision", &got, &want["decision"])
    });
}

#[test]
fn retry_after_vectors() {
    run("retry_after.json", |t| {
        let now = t["now"].as_i64().unwrap_or(0);
        match t["kind"].as_str().unwrap() {
            "retry_after" => {
                let got = parse_retry_after(t["value"].as_str().unwrap(), now);
                let want = match &t["expected"] {
                    Value::Null => None,
                    Value::String(s) => Some(s.parse::<u64>().unwrap()),
                    n => Some(n.as_u64().unwrap()),
                };
                expect_eq("delay", got, want)
            }
            "http_date" => expect_eq(
                "unix",
                parse_http_date(t["value"].as_str().unwrap(), now),
                t["expected"].as_i64(),
            ),
            "format" => {
                let unix = t["unix"].as_i64().unwrap();
                let text = HttpDate::new(unix).unwrap().to_string();
                expect_eq("text", text.as_str(), t["expected"].as_str().unwrap())?;
                // Formatting then parsing gives the instant back.
                expect_eq("round trip", parse_http_date(&text, 0), Some(unix))
            }
            k => Err(format!("unknown kind {k}")),
        }
    });
}

fn company_pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn error_with_index(code: &str, index: Option<usize>) -> Value {
    match index {
        Some(i) => json!({"error": code, "index": i}),
        None => json!({"error": code}),
    }
}

fn want_error(t: &Value) -> Value {
    let mut m = Map::new();
    m.insert("error".into(), t["error"].clone());
    if let Some(i) = t.get("index") {
        m.insert("index".into(), i.clone());
    }
    Value::Object(m)
}

#[test]
fn tag_vectors() {
    run("tags.json", |t| {
        let filter = match &t["filterList"] {
            Value::String(list) => TagFilter::parse_list(list),
            _ => TagFilter::new(
                t["filter"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap()),
            ),
        };
        match filter {
            Err(e) => {
                let index = match e {
                    hookproof::TagError::InvalidTag { index, .. } => Some(index),
                    _ => None,
                };
                expect_eq("error", error_with_index(e.code(), index), want_error(t))
            }
            Ok(f) => {
                if t.get("error").is_some() {
                    return Err("accepted a bad filter".into());
                }
                let pairs = company_pairs(&t["company"]);
                let got = f.matches(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                expect_eq("matches", got, t["matches"].as_bool().unwrap())
            }
        }
    });
}

#[test]
fn event_vectors() {
    run("events.json", |t| match parse_event(&body(t)) {
        Err(e) => expect_eq("verdict", json!(e.code()), want_code(t)),
        Ok(ev) => {
            if t["result"] != "valid" {
                return Err(format!("parsed: {ev:?}"));
            }
            let want = &t["event"];
            let tags: Map<String, Value> = ev
                .company_tags()
                .map(|(k, v)| (k.to_owned(), json!(v)))
                .collect();
            let mut got = json!({
                "kind": ev.kind(),
                "eventType": ev.event_type(),
                "companyId": ev.company_id(),
                "companyTags": tags,
            });
            match &ev {
                hookproof::Event::Current {
                    id, generated_date, ..
                } => {
                    got["id"] = json!(id);
                    got["generatedDate"] = json!(generated_date);
                }
                hookproof::Event::Legacy { client_id, .. } => got["clientId"] = json!(client_id),
                _ => {}
            }
            expect_eq("event", &got, want)
        }
    });
}

#[test]
fn filter_vectors() {
    run("filters.json", |t| match t["kind"].as_str().unwrap() {
        "event_type" => {
            let filter = match &t["patterns"] {
                Value::Object(o) => EventTypeFilter::parse_list(o["list"].as_str().unwrap()),
                p => {
                    EventTypeFilter::new(p.as_array().unwrap().iter().map(|v| v.as_str().unwrap()))
                }
            };
            match filter {
                Err(e) => {
                    let index = match e {
                        hookproof::EventTypeError::InvalidEventType { index } => Some(index),
                        _ => None,
                    };
                    expect_eq("error", error_with_index(e.code(), index), want_error(t))
                }
                Ok(f) => expect_eq(
                    "matches",
                    Some(f.matches(t["eventType"].as_str().unwrap())),
                    t["matches"].as_bool(),
                ),
            }
        }
        "client_id" => expect_eq(
            "verdict",
            outcome_code(check_client_id(
                t["expected"].as_str().unwrap(),
                t["header"].as_str(),
            )),
            want_code(t),
        ),
        "source" => {
            let list = match &t["allowlist"] {
                Value::Null => Ok(SourceAllowlist::codat()),
                l => {
                    SourceAllowlist::new(l.as_array().unwrap().iter().map(|v| v.as_str().unwrap()))
                }
            };
            let list = match list {
                Err(e) => {
                    let index = match e {
                        hookproof::SourceError::InvalidSource { index } => Some(index),
                        _ => None,
                    };
                    return expect_eq("error", error_with_index(e.code(), index), want_error(t));
                }
                Ok(l) => l,
            };
            match list.is_allowed(t["address"].as_str().unwrap()) {
                Ok(allowed) => expect_eq("allowed", Some(allowed), t["allowed"].as_bool()),
                Err(e) => expect_eq("error", json!({"error": e.code()}), want_error(t)),
            }
        }
        k => Err(format!("unknown kind {k}")),
    });
}

#[test]
fn guard_vectors() {
    run("guards.json", |t| match t["kind"].as_str().unwrap() {
        "rate_limit" => {
            let made = hookproof::RateLimiter::new(
                t["perSecond"].as_u64().unwrap() as u32,
                t["burst"].as_u64().unwrap() as u32,
            );
            let mut limiter = match made {
                Err(e) => return expect_eq("error", json!(e.code()), t["error"].clone()),
                Ok(l) => l,
            };
            for (i, step) in t["steps"].as_array().unwrap().iter().enumerate() {
                let got = match limiter.check(step[0].as_u64().unwrap()) {
                    hookproof::RateDecision::Allow => json!("allow"),
                    hookproof::RateDecision::RetryAfter(s) => json!(s),
                };
                expect_eq(&format!("step {i}"), &got, &step[1])?;
            }
            Ok(())
        }
        "replay" => {
            let made = hookproof::ReplayGuard::new(
                t["capacity"].as_u64().unwrap() as usize,
                t["ttl"].as_u64().unwrap(),
            );
            let mut guard = match made {
                Err(e) => return expect_eq("error", json!(e.code()), t["error"].clone()),
                Ok(g) => g,
            };
            for (i, step) in t["steps"].as_array().unwrap().iter().enumerate() {
                if step[2] == "forget" {
                    guard.forget(step[0].as_str().unwrap());
                    continue;
                }
                let got = match guard.check(step[0].as_str().unwrap(), step[1].as_i64().unwrap()) {
                    hookproof::Seen::New => "new",
                    hookproof::Seen::Duplicate => "duplicate",
                };
                expect_eq(&format!("step {i}"), got, step[2].as_str().unwrap())?;
            }
            Ok(())
        }
        k => Err(format!("unknown kind {k}")),
    });
}

#[test]
fn suite_size() {
    let names = [
        "signature.json",
        "authorization.json",
        "classify.json",
        "retry_after.json",
        "tags.json",
        "events.json",
        "filters.json",
        "guards.json",
        "hmac.json",
    ];
    let total: usize = names.iter().map(|n| load(n).len()).sum();
    assert!(total >= 150, "only {total} vectors");
}
