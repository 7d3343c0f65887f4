//! The conformance vector suite against the native core: `tests/harness` runs every file
//! through this `Host`, which only maps plain inputs to the hookproof API.

#[path = "harness/consumer_step.rs"]
mod consumer_step;
use consumer_step::consumer_step;
mod harness;

use std::path::Path;

use harness::{AcceptEntry, AcceptOp, AcceptStep, Coded, Config, Filter, Host, SecretIn, Tol};
use hookproof::acceptance::{self, Abort, Answer, Begin, Commit, Enqueue, Entry, Op};
use hookproof::classify::{Attempt, Outcome};
use hookproof::{
    AcceptanceConfig, AcceptanceGuard, Credentials, Decision, ErrorCode, Event, EventTypeFilter,
    HttpDate, Key, Policy, RateDecision, RateLimiter, ReplayGuard, Secret, SecretError, Seen,
    SourceAllowlist, SourceError, SourceLimiter, TagFilter, Tolerance, Verifier,
};
use serde_json::{Map, Value, json};

struct Native;

fn key(s: &SecretIn) -> Result<Key, SecretError> {
    match s {
        SecretIn::Text(t) => Key::parse(t),
        SecretIn::Raw(b) => Secret::from_bytes(b).map(Key::from),
        SecretIn::PublicKey(b) => Key::public_key_from_bytes(b),
        SecretIn::SigningKey(b) => Key::signing_key_from_bytes(b),
    }
}

/// The HMAC-only constructors, with svix's reading of text (bare base64 is a secret).
fn secret(s: &SecretIn) -> Result<Secret, SecretError> {
    match s {
        SecretIn::Text(t) => Secret::parse(t),
        SecretIn::Raw(b) => Secret::from_bytes(b),
        SecretIn::PublicKey(_) | SecretIn::SigningKey(_) => {
            panic!("signature.json holds HMAC secrets only")
        }
    }
}

fn verifier(cfg: &Config) -> Result<Verifier, &'static str> {
    let mut v = if cfg.svix_reading {
        let secrets = cfg
            .secrets
            .iter()
            .map(secret)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.code())?;
        // svix's facade reads text the same way, one key at a time.
        #[cfg(feature = "svix")]
        if let [SecretIn::Text(t)] = cfg.secrets.as_slice() {
            assert!(
                hookproof::svix::Webhook::new(t).is_ok(),
                "svix facade refuses {t:?}"
            );
        }
        Verifier::with_secrets(&secrets).map_err(|e| e.code())?
    } else {
        let keys = cfg
            .secrets
            .iter()
            .map(key)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.code())?;
        Verifier::with_keys(&keys).map_err(|e| e.code())?
    };
    match cfg.tolerance {
        Tol::Default => {}
        Tol::Seconds(s) => v = v.tolerance(Tolerance::Seconds(s)),
        Tol::Ignore => v = v.tolerance(Tolerance::Ignore),
    }
    if let Some(max) = cfg.max_payload {
        v = v.max_payload(max as usize);
    }
    Ok(v)
}

fn attempt<'a>(
    outcome: &Value,
    retry_after: Option<&'a str>,
    delivery: Option<&'a str>,
) -> Attempt<'a> {
    Attempt {
        outcome: Some(match outcome {
            Value::String(s) if s == "timeout" => Outcome::Timeout,
            Value::String(_) => Outcome::ConnectionError,
            o => Outcome::Status(o["status"].as_u64().unwrap() as u16),
        }),
        retry_after,
        webhook_delivery: delivery,
    }
}

fn coded<E: ErrorCode>(e: E, index: Option<usize>) -> Coded {
    (e.code().to_owned(), index.map(|i| json!(i)))
}

impl Host for Native {
    fn has_svix_reading(&self) -> bool {
        true
    }

    fn number_options(
        &mut self,
        secrets: &[SecretIn],
        tolerance: Option<f64>,
        max_payload: Option<f64>,
    ) -> Option<Result<(), String>> {
        let run = || {
            let keys = secrets.iter().map(key).collect::<Result<Vec<_>, _>>();
            let mut v = Verifier::with_keys(&keys.map_err(|e| e.code())?).map_err(|e| e.code())?;
            if let Some(t) = tolerance {
                v = v.tolerance(Tolerance::from_number(t).map_err(|e| e.code())?);
            }
            if let Some(m) = max_payload {
                v = v.max_payload(hookproof::max_payload_from_number(m).map_err(|e| e.code())?);
            }
            drop(v);
            Ok(())
        };
        Some(run().map_err(|code: &str| code.to_owned()))
    }

    fn verify(
        &mut self,
        cfg: &Config,
        headers: &[(String, String)],
        body: &[u8],
        now: i64,
    ) -> Result<(String, i64), Coded> {
        let v = verifier(cfg).map_err(|code| (code.to_owned(), None))?;
        match v.verify(headers, body, now) {
            Ok(ok) => Ok((ok.id.to_owned(), ok.timestamp)),
            Err(e) => {
                let message = e.to_string();
                assert!(
                    !message.is_empty() && !message.contains("MfKQ9r8G"),
                    "{message}"
                );
                let named = match e {
                    hookproof::VerifyError::MissingHeader(h)
                    | hookproof::VerifyError::HeaderTooLarge(h) => Some(json!(h.name())),
                    _ => None,
                };
                Err((e.code().to_owned(), named))
            }
        }
    }

    fn sign(
        &mut self,
        cfg: &Config,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<String, String> {
        let v = verifier(cfg).map_err(str::to_owned)?;
        let signed = v.try_sign(id, timestamp, body);
        assert_eq!(
            v.sign(id, timestamp, body),
            signed.clone().unwrap_or_default()
        );
        let signed = signed.map_err(|e| e.code().to_owned())?;
        // `Key::sign` of the first key that can sign agrees, and so does the free function
        // for a secret.
        let first = cfg
            .secrets
            .iter()
            .map(|s| key(s).unwrap())
            .find(|k| k.kind() != hookproof::KeyKind::PublicKey)
            .unwrap();
        assert_eq!(first.sign(id, timestamp, body).unwrap(), signed);
        if let SecretIn::Text(t) = &cfg.secrets[0]
            && first.kind() == hookproof::KeyKind::Secret
            && !t.starts_with("whpk_")
        {
            assert_eq!(
                hookproof::sign(&Secret::parse(t).unwrap(), id, timestamp, body),
                signed
            );
        }
        Ok(signed)
    }

    fn hmac(&mut self, key: &[u8], data: &[u8]) -> Vec<u8> {
        hookproof::signature::hmac_sha256(key, data).to_vec()
    }

    #[cfg(feature = "v1a")]
    fn ed25519_verify(
        &mut self,
        public_key: &[u8],
        msg: &[u8],
        sig: &[u8],
    ) -> Result<bool, String> {
        hookproof::key::ed25519_verify(public_key, msg, sig).map_err(|e| e.code().to_owned())
    }

    #[cfg(feature = "v1a")]
    fn ed25519_sign(&mut self, signing_key: &[u8], msg: &[u8]) -> Result<Vec<u8>, String> {
        hookproof::key::ed25519_sign(signing_key, msg)
            .map(|s| s.to_vec())
            .map_err(|e| e.code().to_owned())
    }

    #[cfg(not(feature = "v1a"))]
    fn ed25519_verify(&mut self, _: &[u8], _: &[u8], _: &[u8]) -> Result<bool, String> {
        Err("unsupported_key".into())
    }

    #[cfg(not(feature = "v1a"))]
    fn ed25519_sign(&mut self, _: &[u8], _: &[u8]) -> Result<Vec<u8>, String> {
        Err("unsupported_key".into())
    }

    fn authorization(&mut self, expected: &Value, header: Option<&str>) -> Result<(), String> {
        // A null or absent part is a setting left unset: an empty string in Rust.
        let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
        let credentials = match expected.get("basic") {
            Some(b) => Credentials::basic(&text(&b["username"]), &text(&b["password"])),
            None => Credentials::bearer(&text(&expected["bearer"])),
        }
        .map_err(|e| e.code().to_owned())?;
        let debug = format!("{credentials:?}");
        assert!(
            debug.contains("[REDACTED]") && !debug.contains("pa55"),
            "{debug}"
        );
        hookproof::check_authorization(header, &credentials).map_err(|e| e.code().to_owned())
    }

    fn classify(
        &mut self,
        policy: &str,
        outcome: &Value,
        retry_after: Option<&str>,
        delivery: Option<&str>,
    ) -> String {
        hookproof::classify(
            Policy::parse(policy).unwrap(),
            &attempt(outcome, retry_after, delivery),
        )
        .name()
        .to_owned()
    }

    fn next_attempt(
        &mut self,
        policy: &str,
        n: u32,
        outcome: &Value,
        retry_after: Option<&str>,
        delivery: Option<&str>,
        now: i64,
    ) -> Value {
        match hookproof::next_attempt(
            Policy::parse(policy).unwrap(),
            n,
            &attempt(outcome, retry_after, delivery),
            now,
        ) {
            Decision::Delivered => json!({"action": "delivered"}),
            Decision::FollowRedirect => json!({"action": "follow_redirect"}),
            Decision::RetryAt(at) => json!({"action": "retry", "at": at}),
            Decision::GiveUp(reason) => json!({"action": "give_up", "reason": reason.name()}),
        }
    }

    fn parse_retry_after(&mut self, value: &str, now: i64) -> Option<u64> {
        hookproof::parse_retry_after(value, now)
    }

    fn parse_http_date(&mut self, value: &str, now: i64) -> Option<i64> {
        hookproof::parse_http_date(value, now)
    }

    fn format_http_date(&mut self, unix: i64) -> Option<String> {
        HttpDate::new(unix).map(|d| d.to_string())
    }

    fn tag_filter(&mut self, filter: &Filter, company: &[(String, String)]) -> Result<bool, Coded> {
        let f = match filter {
            Filter::List(l) => TagFilter::new(l),
            Filter::Text(t) => TagFilter::parse_list(t),
        }
        .map_err(|e| coded(e, e.index()))?;
        Ok(f.matches(company.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
    }

    fn parse_event(&mut self, body: &[u8]) -> Result<Value, String> {
        let ev = hookproof::parse_event(body).map_err(|e| e.code().to_owned())?;
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
            Event::Current {
                id, generated_date, ..
            } => {
                got["id"] = json!(id);
                got["generatedDate"] = json!(generated_date);
            }
            Event::Legacy { client_id, .. } => got["clientId"] = json!(client_id),
            _ => {}
        }
        Ok(got)
    }

    fn event_type_filter(&mut self, patterns: &Filter, event_type: &str) -> Result<bool, Coded> {
        let f = match patterns {
            Filter::List(l) => EventTypeFilter::new(l),
            Filter::Text(t) => EventTypeFilter::parse_list(t),
        }
        .map_err(|e| coded(e, e.index()))?;
        Ok(f.matches(event_type))
    }

    fn client_id(&mut self, expected: &str, header: Option<&str>) -> Result<(), String> {
        hookproof::check_client_id(expected, header).map_err(|e| e.code().to_owned())
    }

    fn source(&mut self, allowlist: Option<&[String]>, address: &str) -> Result<bool, Coded> {
        let source_error = |e: SourceError| coded(e, e.index());
        let list = match allowlist {
            None => SourceAllowlist::codat(),
            Some(entries) => SourceAllowlist::new(entries).map_err(source_error)?,
        };
        list.is_allowed(address).map_err(source_error)
    }

    fn rate_limit(
        &mut self,
        per_second: u32,
        burst: u32,
        steps_ms: &[u64],
    ) -> Result<Vec<Value>, String> {
        let mut limiter = RateLimiter::new(per_second, burst).map_err(|e| e.code().to_owned())?;
        Ok(steps_ms
            .iter()
            .map(|&t| match limiter.check(t) {
                RateDecision::Allow => json!("allow"),
                RateDecision::RetryAfter(s) => json!(s),
            })
            .collect())
    }

    fn source_limit(
        &mut self,
        per_second: u32,
        burst: u32,
        capacity: u32,
        steps: &[(String, u64)],
    ) -> Result<Vec<Value>, String> {
        let mut limiter = SourceLimiter::new(per_second, burst, capacity as usize)
            .map_err(|e| e.code().to_owned())?;
        Ok(steps
            .iter()
            .map(|(source, t)| match limiter.check(source, *t) {
                RateDecision::Allow => json!("allow"),
                RateDecision::RetryAfter(s) => json!(s),
            })
            .collect())
    }

    fn replay(
        &mut self,
        capacity: u32,
        ttl: u64,
        steps: &[(String, i64, bool)],
    ) -> Result<Vec<Value>, String> {
        let mut guard =
            ReplayGuard::new(capacity as usize, ttl).map_err(|e| e.code().to_owned())?;
        let mut out = Vec::new();
        for (id, now, forget) in steps {
            if *forget {
                guard.forget(id);
            } else {
                out.push(json!(match guard.check(id, *now) {
                    Seen::New => "new",
                    Seen::Duplicate => "duplicate",
                }));
            }
        }
        Ok(out)
    }

    fn acceptance_key(&mut self, id: &str) -> Result<String, String> {
        acceptance::key(id)
            .map(|k| k.as_str().to_owned())
            .map_err(|e| e.code().to_owned())
    }

    fn acceptance_sequence(
        &mut self,
        window: u64,
        lease: u64,
        capacity: Option<u32>,
        steps: &[AcceptStep],
    ) -> Result<Vec<Value>, String> {
        let code = |e: hookproof::AcceptanceError| e.code().to_owned();
        let config = AcceptanceConfig::new(window, lease).map_err(code)?;
        let capacity = capacity.map_or(hookproof::store::DEFAULT_MEMORY_CAPACITY, |c| c as usize);
        let mut guard = AcceptanceGuard::in_memory(config, capacity).map_err(code)?;
        Ok(steps
            .iter()
            .map(|s| match guard.apply(&s.id, op(s.op), s.now) {
                Ok(a) => answer_json(a),
                Err(e) => json!({"error": e.code()}),
            })
            .collect())
    }

    fn consumer(
        &mut self,
        settings: &Value,
        request: &Value,
        feeds: &[Value],
    ) -> Result<Vec<Value>, String> {
        use hookproof::consumer::{
            AuthorizationSetting, Backend4xx, Consumer, ConsumerSettings, Delivered, Head,
        };
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default()
        };
        let mut s = ConsumerSettings {
            keys: strings(&settings["keys"]),
            ..ConsumerSettings::default()
        };
        let a = &settings["authorization"];
        if let Some(token) = a["bearer"].as_str() {
            s.authorization = Some(AuthorizationSetting::Bearer(token.to_owned()));
        } else if a["basic"].is_object() {
            s.authorization = Some(AuthorizationSetting::Basic {
                username: a["basic"]["username"].as_str().unwrap().to_owned(),
                password: a["basic"]["password"].as_str().unwrap().to_owned(),
            });
        }
        if let Some(p) = settings["policy"].as_str() {
            s.policy = Policy::parse(p).unwrap();
        }
        s.tolerance_seconds = settings["toleranceSeconds"].as_u64();
        s.client_id = settings["clientId"].as_str().map(str::to_owned);
        if settings["sources"].is_array() {
            s.sources = Some(strings(&settings["sources"]));
        }
        let text = |k: &str| settings[k].as_str().unwrap_or("").to_owned();
        s.event_types = text("eventTypes");
        s.company_tags = text("companyTags");
        let num = |k: &str, d: u64| settings[k].as_u64().unwrap_or(d);
        s.max_body_bytes = num("maxBodyBytes", s.max_body_bytes);
        s.body_timeout_ms = num("bodyTimeoutMs", s.body_timeout_ms);
        s.budget_ms = num("budgetMs", s.budget_ms);
        s.retry_after_seconds = num("retryAfterSeconds", s.retry_after_seconds);
        s.rate_limited = settings["rateLimited"].as_bool().unwrap_or(false);
        s.source_limited = settings["sourceLimited"].as_bool().unwrap_or(true);
        s.backend_4xx = match settings["backend4xx"].as_str() {
            Some("reject") => Backend4xx::Reject,
            Some("acknowledge") => Backend4xx::Acknowledge,
            _ => Backend4xx::Retry,
        };
        let consumer = Consumer::new(&s).map_err(|e| e.code().to_owned())?;
        let head = Head {
            method: request["method"].as_str().unwrap(),
            source: request["source"].as_str(),
            content_length: request["contentLength"].as_u64(),
        };
        let (mut exchange, first) = consumer.exchange(request["now"].as_u64().unwrap(), &head);
        let mut out = vec![consumer_step(first)];
        for f in feeds {
            let now = f["now"].as_u64().unwrap_or(0);
            let got = match f["feed"].as_str().unwrap() {
                "body" => {
                    let headers = harness_headers(&f["headers"]);
                    let body = f["body"].as_str().unwrap().as_bytes();
                    exchange.body(&consumer, headers.as_slice(), body, now)
                }
                "too_large" => exchange.too_large(&consumer),
                "timeout" => exchange.timeout(&consumer, now),
                "settled" => exchange.settled(),
                "rate" => {
                    let d = match &f["decision"] {
                        Value::Null => None,
                        Value::String(_) => Some(RateDecision::Allow),
                        n => Some(RateDecision::RetryAfter(n.as_u64().unwrap())),
                    };
                    exchange.rate(&consumer, d, now)
                }
                "begun" => {
                    let a = &f["answer"];
                    let begun = match (a["answer"].as_str(), a["error"].as_str()) {
                        (Some("new"), _) => Ok(Begin::New {
                            token: a["token"].as_i64().unwrap(),
                        }),
                        (Some("in_flight"), _) => Ok(Begin::InFlight {
                            retry_after: a["retryAfter"].as_u64().unwrap(),
                        }),
                        (Some("done"), _) => Ok(Begin::Done),
                        (_, Some("store_full")) => Err(hookproof::AcceptanceError::StoreFull),
                        _ => Err(hookproof::AcceptanceError::StoreUnavailable),
                    };
                    exchange.begun(&consumer, begun, now)
                }
                "delivered" => {
                    let r = &f["result"];
                    let d = match r.as_str() {
                        Some("accepted") => Delivered::Accepted,
                        Some("committed") => Delivered::Committed,
                        Some("duplicate") => Delivered::Duplicate,
                        Some("pending") => Delivered::Pending,
                        Some(_) => Delivered::Unreachable,
                        None if r["inFlight"].is_u64() => Delivered::InFlight {
                            retry_after: r["inFlight"].as_u64().unwrap(),
                        },
                        None => Delivered::Backend {
                            status: r["backend"].as_u64().unwrap() as u16,
                            retry_after: r["retryAfter"].as_str(),
                        },
                    };
                    exchange.delivered(&consumer, d, now)
                }
                other => panic!("unknown feed {other}"),
            };
            out.push(match got {
                Ok(step) => consumer_step(step),
                Err(e) => json!({"error": e.code()}),
            });
        }
        Ok(out)
    }

    fn acceptance_transition(
        &mut self,
        window: u64,
        lease: u64,
        entry: Option<AcceptEntry>,
        o: AcceptOp,
        now: i64,
    ) -> Result<Value, String> {
        let config = AcceptanceConfig::new(window, lease).map_err(|e| e.code().to_owned())?;
        let entry = entry.map(|e| match e {
            AcceptEntry::InFlight(d) => Entry::InFlight { lease_until: d },
            AcceptEntry::Done(d) => Entry::Done { until: d },
        });
        let t = acceptance::transition(&config, entry, op(o), now);
        let entry = t.entry.map(|e| match e {
            Entry::InFlight { lease_until } => AcceptEntry::InFlight(lease_until),
            Entry::Done { until } => AcceptEntry::Done(until),
        });
        Ok(json!({"entry": harness::entry_json(entry), "answer": answer_json(t.answer)}))
    }
}

fn harness_headers(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn op(o: AcceptOp) -> Op {
    match o {
        AcceptOp::Begin => Op::Begin,
        AcceptOp::Commit(token) => Op::Commit { token },
        AcceptOp::Abort(token) => Op::Abort { token },
        AcceptOp::Enqueue(token) => Op::Enqueue { token },
    }
}

fn answer_json(a: Answer) -> Value {
    match a {
        Answer::Begin(Begin::New { token }) => json!({"answer": "new", "token": token}),
        Answer::Begin(Begin::InFlight { retry_after }) => {
            json!({"answer": "in_flight", "retryAfter": retry_after})
        }
        Answer::Begin(Begin::Done) => json!({"answer": "done"}),
        Answer::Commit(Commit::Committed) => json!({"answer": "committed"}),
        Answer::Commit(Commit::Late) => json!({"answer": "late"}),
        Answer::Abort(Abort::Released) => json!({"answer": "released"}),
        Answer::Abort(Abort::NotHeld) => json!({"answer": "not_held"}),
        Answer::Enqueue(Enqueue::Committed) => json!({"answer": "committed"}),
        Answer::Enqueue(Enqueue::Late) => json!({"answer": "late"}),
        Answer::Enqueue(Enqueue::Done) => json!({"answer": "done"}),
        Answer::Enqueue(Enqueue::InFlight { retry_after }) => {
            json!({"answer": "in_flight", "retryAfter": retry_after})
        }
    }
}

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors"))
}

#[cfg(feature = "v1a")]
#[test]
fn vector_suite() {
    let (total, failures) = harness::run_all(&mut Native, dir());
    harness::assert_clean(total, &failures, 700);
}

/// The lean core (`--no-default-features`): every file but v1a.json as it is, and in v1a.json
/// every case whose keys are HMAC secrets as it is, every case with a `whpk_`/`whsk_` key refused
/// with `unsupported_key`, and the ed25519 primitive absent.
#[cfg(not(feature = "v1a"))]
#[test]
fn vector_suite() {
    let mut total = 0;
    let mut failures = Vec::new();
    for name in harness::FILES.into_iter().filter(|n| *n != "v1a.json") {
        let (n, mut f) = harness::run_file(&mut Native, dir(), name);
        total += n;
        failures.append(&mut f);
    }
    let (mut hmac_only, mut refused) = (0, 0);
    for t in harness::load(dir(), "v1a.json") {
        if t["op"] != "verify" && t["op"] != "sign" {
            continue;
        }
        total += 1;
        let cfg = harness::config(&t);
        let result = if cfg.secrets.iter().any(SecretIn::is_asymmetric) {
            refused += 1;
            match verifier(&cfg) {
                Err("unsupported_key") => Ok(()),
                Err(code) => Err(format!("refused with {code}, want unsupported_key")),
                Ok(_) => Err("accepted a v1a key".to_owned()),
            }
        } else {
            hmac_only += 1;
            harness::run_case(&mut Native, "v1a.json", &t)
        };
        if let Err(why) = result {
            failures.push(format!(
                "v1a.json tcId {} ({}): {why}",
                t["tcId"], t["comment"]
            ));
        }
    }
    harness::assert_clean(total, &failures, 450);
    assert!(hmac_only >= 6 && refused >= 80, "{hmac_only} {refused}");
}

#[test]
fn every_file_has_cases_for_its_rules() {
    for name in harness::FILES {
        assert!(!harness::load(dir(), name).is_empty(), "{name}");
    }
}
