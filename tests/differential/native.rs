//! The reference host of the differential test: the Rust core itself, natively. Reads cases on
//! stdin and prints one canonical line per case (the protocol and forms are in common.rs);
//! every other host's line must equal this one byte for byte. Built as the root crate's example
//! `differential-native` and driven by tests/differential/run.mjs.

#[path = "common.rs"]
mod common;
#[path = "../harness/consumer_step.rs"]
mod consumer_step;

use common::{
    AcceptOpIn, Bad, EventOut, Listed, OutcomeIn, SecretSpec, Tol, accept_answer, accept_entry,
    accept_entry_line, accept_op, acceptance_id, body, event_line, field, header_pairs, int_i64,
    int_of, int_u64, listed, opt_str, optional_i64, optional_u64, outcome, pairs, policy_name, q,
    rate_steps, replay_steps, response_header, secrets, source_rate_steps, step_token, str_of,
    strings, to_hex, tolerance, u32_of, u64_of,
};
use hookproof::acceptance::{self, Abort, Answer, Begin, Commit, Enqueue, Entry, Op};
use hookproof::classify::{Attempt, Outcome};
use hookproof::{
    AcceptanceConfig, AcceptanceGuard, Credentials, Decision, ErrorCode, Event, EventTypeFilter,
    HttpDate, Key, Policy, RateDecision, RateLimiter, ReplayGuard, Secret, Seen, SourceAllowlist,
    SourceError, SourceLimiter, TagFilter, Tolerance, Verifier,
};
use serde_json::Value;

fn verifier(c: &Value) -> Result<Result<Verifier, String>, Bad> {
    let mut parsed = Vec::new();
    for s in secrets(c)? {
        let key = match s {
            SecretSpec::Text(t) => Key::parse(&t),
            SecretSpec::Raw(b) => Secret::from_bytes(&b).map(Key::from),
            SecretSpec::PublicKey(b) => Key::public_key_from_bytes(&b),
            SecretSpec::SigningKey(b) => Key::signing_key_from_bytes(&b),
        };
        match key {
            Ok(k) => parsed.push(k),
            Err(e) => return Ok(Err(e.code().to_owned())),
        }
    }
    let mut v = match Verifier::with_keys(&parsed) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e.code().to_owned())),
    };
    v = match tolerance(c)? {
        Tol::Default => v,
        Tol::Seconds(s) => v.tolerance(Tolerance::Seconds(s)),
        Tol::Ignore => v.tolerance(Tolerance::Ignore),
    };
    if let Some(max) = common::max_payload(c)? {
        v = v.max_payload(usize::try_from(max).unwrap_or(usize::MAX));
    }
    Ok(Ok(v))
}

fn attempt<'a>(o: OutcomeIn, ra: Option<&'a str>, wd: Option<&'a str>) -> Attempt<'a> {
    Attempt {
        outcome: Some(match o {
            OutcomeIn::Status(s) => Outcome::Status(s),
            OutcomeIn::Timeout => Outcome::Timeout,
            OutcomeIn::ConnectionError => Outcome::ConnectionError,
        }),
        retry_after: ra,
        webhook_delivery: wd,
    }
}

fn coded<E: ErrorCode>(e: E, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("{} {i}", e.code()),
        None => e.code().to_owned(),
    }
}

fn run(c: &Value) -> Result<String, Bad> {
    let kind = str_of(c, "k")?;
    Ok(match kind {
        "verify" => {
            let v = match verifier(c)? {
                Ok(v) => v,
                Err(code) => return Ok(format!("secret err {code}")),
            };
            let headers = header_pairs(c, "headers")?;
            let body = body(c, "body")?;
            let now = int_of(c, "now")?;
            match v.verify(&headers, &body, now) {
                Ok(ok) => format!("verify ok {} {}", q(ok.id), int_i64(ok.timestamp)),
                Err(e) => format!("verify err {}", e.code()),
            }
        }
        "sign" => {
            let v = match verifier(c)? {
                Ok(v) => v,
                Err(code) => return Ok(format!("secret err {code}")),
            };
            let (id, ts, body) = (str_of(c, "id")?, int_of(c, "ts")?, body(c, "body")?);
            let mut line = match v.try_sign(id, ts, &body) {
                Ok(sig) => format!("sign {}", q(&sig)),
                Err(e) => format!("sign err {}", e.code()),
            };
            // `sign` is `try_sign` with "" for no signing key.
            if v.sign(id, ts, &body) != v.try_sign(id, ts, &body).unwrap_or_default() {
                line.push_str(" !sign");
            }
            line
        }
        "ed25519Verify" => match hookproof::key::ed25519_verify(
            &body(c, "publicKey")?,
            &body(c, "message")?,
            &body(c, "signature")?,
        ) {
            Ok(ok) => format!("ed25519Verify {ok}"),
            Err(e) => format!("ed25519Verify err {}", e.code()),
        },
        "ed25519Sign" => {
            match hookproof::key::ed25519_sign(&body(c, "signingKey")?, &body(c, "message")?) {
                Ok(sig) => format!("ed25519Sign {}", to_hex(&sig)),
                Err(e) => format!("ed25519Sign err {}", e.code()),
            }
        }
        "hmac" => {
            let mac = hookproof::signature::hmac_sha256(&body(c, "key")?, &body(c, "data")?);
            format!("hmac {}", to_hex(&mac))
        }
        "classify" => {
            let policy = Policy::parse(policy_name(c)?).ok_or("policy")?;
            let headers = header_pairs(c, "headers")?;
            let a = attempt(
                outcome(c)?,
                response_header(&headers, "retry-after"),
                response_header(&headers, "webhook-delivery"),
            );
            format!("classify {}", hookproof::classify(policy, &a).name())
        }
        "next" => {
            let policy = Policy::parse(policy_name(c)?).ok_or("policy")?;
            let headers = header_pairs(c, "headers")?;
            let a = attempt(
                outcome(c)?,
                response_header(&headers, "retry-after"),
                response_header(&headers, "webhook-delivery"),
            );
            let class = hookproof::classify(policy, &a).name();
            let n = u32_of(c, "attempt")?;
            let decision = match hookproof::next_attempt(policy, n, &a, int_of(c, "now")?) {
                Decision::Delivered => "delivered".to_owned(),
                Decision::FollowRedirect => "follow_redirect".to_owned(),
                Decision::RetryAt(at) => format!("retry {}", int_i64(at)),
                Decision::GiveUp(r) => format!("give_up {}", r.name()),
            };
            format!("next {class} {decision}")
        }
        "retryAfter" => format!(
            "retryAfter {}",
            optional_u64(hookproof::parse_retry_after(
                str_of(c, "value")?,
                int_of(c, "now")?
            ))
        ),
        "httpDate" => format!(
            "httpDate {}",
            optional_i64(hookproof::parse_http_date(
                str_of(c, "value")?,
                int_of(c, "now")?
            ))
        ),
        "formatDate" => match HttpDate::new(int_of(c, "unix")?) {
            Some(d) => format!("formatDate {}", q(&d.to_string())),
            None => "formatDate none".to_owned(),
        },
        "tags" => match tag_filter(c)? {
            Err(e) => format!("tags err {e}"),
            Ok(f) => {
                let company = pairs(field(c, "company")?, "company")?;
                let m = f.matches(company.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                format!("tags {}", if m { "match" } else { "nomatch" })
            }
        },
        "tagsEvent" => match tag_filter(c)? {
            Err(e) => format!("tagsEvent err {e}"),
            Ok(f) => match hookproof::parse_event(&body(c, "body")?) {
                Err(e) => format!("tagsEvent err {}", e.code()),
                Ok(ev) => format!(
                    "tagsEvent {}",
                    if f.matches(ev.company_tags()) {
                        "match"
                    } else {
                        "nomatch"
                    }
                ),
            },
        },
        "eventTypes" => {
            let made = match listed(c, "patterns")? {
                Listed::List(l) => EventTypeFilter::new(&l),
                Listed::Text(t) => EventTypeFilter::parse_list(&t),
            };
            match made {
                Err(e) => format!("eventTypes err {}", coded(e, e.index())),
                Ok(f) => format!(
                    "eventTypes {}",
                    if f.matches(str_of(c, "type")?) {
                        "match"
                    } else {
                        "nomatch"
                    }
                ),
            }
        }
        "event" => match hookproof::parse_event(&body(c, "body")?) {
            Err(e) => format!("event err {}", e.code()),
            Ok(ev) => event_line(&event_out(&ev)),
        },
        "auth" => {
            let expected = field(c, "expected")?;
            let credentials = match (expected.get("basic"), expected.get("bearer")) {
                (Some(b), _) => Credentials::basic(str_of(b, "username")?, str_of(b, "password")?),
                (None, Some(Value::String(t))) => Credentials::bearer(t),
                _ => return Err("expected".into()),
            };
            let header = opt_str(c, "header")?;
            let r = credentials.and_then(|cr| hookproof::check_authorization(header, &cr));
            match r {
                Ok(()) => "auth ok".to_owned(),
                Err(e) => format!("auth err {}", e.code()),
            }
        }
        "clientId" => {
            match hookproof::check_client_id(str_of(c, "expected")?, opt_str(c, "header")?) {
                Ok(()) => "clientId ok".to_owned(),
                Err(e) => format!("clientId err {}", e.code()),
            }
        }
        "source" => {
            let list = match field(c, "allowlist")? {
                Value::Null => Ok(SourceAllowlist::codat()),
                v => SourceAllowlist::new(strings(v, "allowlist")?),
            };
            match list {
                Err(e) => format!("source err {}", coded(e, e.index())),
                // The npm package answers false for an address that does not parse.
                Ok(l) => match l.is_allowed(str_of(c, "address")?) {
                    Ok(true) => "source allowed".to_owned(),
                    Ok(false) | Err(SourceError::InvalidAddress) => "source denied".to_owned(),
                    Err(e) => format!("source err {}", coded(e, e.index())),
                },
            }
        }
        "rate" => match RateLimiter::new(u32_of(c, "perSecond")?, u32_of(c, "burst")?) {
            Err(e) => format!("rate err {}", e.code()),
            Ok(mut l) => {
                let mut line = "rate".to_owned();
                for ms in rate_steps(c)? {
                    line.push(' ');
                    line.push_str(&match l.check(ms) {
                        RateDecision::Allow => "allow".to_owned(),
                        RateDecision::RetryAfter(s) => int_u64(s),
                    });
                }
                line
            }
        },
        "consumer" => consumer_case(c)?,
        "sourceRate" => match SourceLimiter::new(
            u32_of(c, "perSecond")?,
            u32_of(c, "burst")?,
            u32_of(c, "capacity")? as usize,
        ) {
            Err(e) => format!("sourceRate err {}", e.code()),
            Ok(mut l) => {
                let mut line = "sourceRate".to_owned();
                for (source, ms) in source_rate_steps(c)? {
                    line.push(' ');
                    line.push_str(&match l.check(&source, ms) {
                        RateDecision::Allow => "allow".to_owned(),
                        RateDecision::RetryAfter(s) => int_u64(s),
                    });
                }
                line
            }
        },
        "replay" => {
            let capacity = u32_of(c, "capacity")?;
            match ReplayGuard::new(capacity as usize, u64_of(c, "ttl")?) {
                Err(e) => format!("replay err {}", e.code()),
                Ok(mut g) => {
                    let mut line = "replay".to_owned();
                    for (id, now) in replay_steps(c)? {
                        line.push(' ');
                        line.push_str(&match now {
                            None => format!("forget:{}", g.forget(&id)),
                            Some(now) => match g.check(&id, now) {
                                Seen::New => "new".to_owned(),
                                Seen::Duplicate => "dup".to_owned(),
                            },
                        });
                    }
                    line
                }
            }
        }
        "redisKeys" => {
            let id = acceptance_id(field(c, "id")?)?;
            match hookproof::redis::Layout::new(str_of(c, "prefix")?, str_of(c, "scope")?) {
                Err(e) => format!("redisKeys err {}", e.code()),
                Ok(layout) => match acceptance::key(&id) {
                    Ok(k) => format!(
                        "redisKeys {} {}",
                        q(&layout.stream_key()),
                        q(&layout.acceptance_key(&k))
                    ),
                    Err(e) => format!("redisKeys err {}", e.code()),
                },
            }
        }
        "acceptKey" => match acceptance::key(&acceptance_id(field(c, "id")?)?) {
            Ok(k) => format!("acceptKey {}", q(k.as_str())),
            Err(e) => format!("acceptKey err {}", e.code()),
        },
        "acceptTransition" => {
            let entry = accept_entry(field(c, "entry")?)?.map(|(in_flight, d)| {
                if in_flight {
                    Entry::InFlight { lease_until: d }
                } else {
                    Entry::Done { until: d }
                }
            });
            let token = step_token(c.get("token"), &[])?;
            let op = accept_op_core(accept_op(str_of(c, "op")?, token)?);
            match AcceptanceConfig::new(u64_of(c, "window")?, u64_of(c, "lease")?) {
                Err(e) => format!("acceptTransition err {}", e.code()),
                Ok(config) => {
                    let t = acceptance::transition(&config, entry, op, int_of(c, "now")?);
                    let entry = t.entry.map(|e| match e {
                        Entry::InFlight { lease_until } => (true, lease_until),
                        Entry::Done { until } => (false, until),
                    });
                    format!(
                        "acceptTransition {} {}",
                        accept_entry_line(entry),
                        answer_line(t.answer)
                    )
                }
            }
        }
        "accept" => {
            let capacity = u32_of(c, "capacity")? as usize;
            let guard = AcceptanceConfig::new(u64_of(c, "window")?, u64_of(c, "lease")?)
                .and_then(|config| AcceptanceGuard::in_memory(config, capacity));
            match guard {
                Err(e) => format!("accept err {}", e.code()),
                Ok(mut g) => {
                    let mut line = "accept".to_owned();
                    let mut tokens: Vec<Option<i64>> = Vec::new();
                    for step in field(c, "steps")?.as_array().ok_or("steps")? {
                        let token = step_token(step.get("token"), &tokens)?;
                        let op = accept_op_core(accept_op(str_of(step, "op")?, token)?);
                        let id = acceptance_id(field(step, "id")?)?;
                        let r = g.apply(&id, op, int_of(step, "now")?);
                        tokens.push(match r {
                            Ok(Answer::Begin(Begin::New { token })) => Some(token),
                            _ => None,
                        });
                        line.push(' ');
                        line.push_str(&match r {
                            Ok(a) => answer_line(a),
                            Err(e) => format!("err:{}", e.code()),
                        });
                    }
                    line.push_str(&format!(" size:{}", g.store().len()));
                    line
                }
            }
        }
        _ => return Err(format!("kind {kind}")),
    })
}

fn accept_op_core(op: AcceptOpIn) -> Op {
    match op {
        AcceptOpIn::Begin => Op::Begin,
        AcceptOpIn::Commit(token) => Op::Commit { token },
        AcceptOpIn::Abort(token) => Op::Abort { token },
        AcceptOpIn::Enqueue(token) => Op::Enqueue { token },
    }
}

fn answer_line(a: Answer) -> String {
    match a {
        Answer::Begin(Begin::New { token }) => accept_answer("new", Some(token)),
        Answer::Begin(Begin::InFlight { retry_after }) => {
            accept_answer("in_flight", i64::try_from(retry_after).ok())
        }
        Answer::Begin(Begin::Done) => "done".to_owned(),
        Answer::Commit(Commit::Committed) => "committed".to_owned(),
        Answer::Commit(Commit::Late) => "late".to_owned(),
        Answer::Abort(Abort::Released) => "released".to_owned(),
        Answer::Abort(Abort::NotHeld) => "not_held".to_owned(),
        Answer::Enqueue(Enqueue::Committed) => "committed".to_owned(),
        Answer::Enqueue(Enqueue::Late) => "late".to_owned(),
        Answer::Enqueue(Enqueue::Done) => "done".to_owned(),
        Answer::Enqueue(Enqueue::InFlight { retry_after }) => {
            accept_answer("in_flight", i64::try_from(retry_after).ok())
        }
    }
}

fn tag_filter(c: &Value) -> Result<Result<TagFilter, String>, Bad> {
    let made = match listed(c, "filter")? {
        Listed::List(l) => TagFilter::new(&l),
        Listed::Text(t) => TagFilter::parse_list(&t),
    };
    Ok(made.map_err(|e| coded(e, e.index())))
}

fn event_out(ev: &Event) -> EventOut {
    match ev {
        Event::Current {
            id,
            event_type,
            generated_date,
            company,
            payload,
        } => EventOut::Current {
            id: id.clone(),
            event_type: event_type.clone(),
            generated_date: generated_date.clone(),
            company_id: ev.company_id().map(str::to_owned),
            company_name: company.as_ref().and_then(|c| c.name.clone()),
            tags: company.as_ref().map(|c| c.tags.clone()).unwrap_or_default(),
            payload: payload.clone(),
        },
        Event::Legacy {
            rule_type,
            company_id,
            client_id,
            client_name,
            data_connection_id,
            rule_id,
            alert_id,
            message,
            data,
        } => EventOut::Legacy {
            rule_type: rule_type.clone(),
            company_id: company_id.clone(),
            client_id: client_id.clone(),
            client_name: client_name.clone(),
            data_connection_id: data_connection_id.clone(),
            rule_id: rule_id.clone(),
            alert_id: alert_id.clone(),
            message: message.clone(),
            data: data.clone(),
        },
        _ => EventOut::Current {
            id: None,
            event_type: "unknown event kind".into(),
            generated_date: None,
            company_id: None,
            company_name: None,
            tags: Vec::new(),
            payload: None,
        },
    }
}

/// A consumer case: the core's `Consumer` driven by the case's feeds, steps in the vectors' shape.
fn consumer_case(c: &Value) -> Result<String, Bad> {
    use hookproof::consumer::{
        AuthorizationSetting, Backend4xx, Consumer, ConsumerSettings, Delivered, Head,
    };
    use serde_json::json;
    let settings = field(c, "settings")?;
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let d = ConsumerSettings::default();
    let a = &settings["authorization"];
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let s = ConsumerSettings {
        keys: list(&settings["keys"]),
        authorization: if a["bearer"].is_string() {
            Some(AuthorizationSetting::Bearer(text(&a["bearer"])))
        } else if a["basic"].is_object() {
            Some(AuthorizationSetting::Basic {
                username: text(&a["basic"]["username"]),
                password: text(&a["basic"]["password"]),
            })
        } else {
            None
        },
        policy: match settings["policy"].as_str() {
            Some("legacy") => Policy::Legacy,
            _ => Policy::Current,
        },
        tolerance_seconds: settings["toleranceSeconds"].as_u64(),
        client_id: settings["clientId"].as_str().map(str::to_owned),
        sources: settings["sources"]
            .is_array()
            .then(|| list(&settings["sources"])),
        event_types: text(&settings["eventTypes"]),
        company_tags: text(&settings["companyTags"]),
        max_body_bytes: settings["maxBodyBytes"]
            .as_u64()
            .unwrap_or(d.max_body_bytes),
        body_timeout_ms: settings["bodyTimeoutMs"]
            .as_u64()
            .unwrap_or(d.body_timeout_ms),
        budget_ms: settings["budgetMs"].as_u64().unwrap_or(d.budget_ms),
        retry_after_seconds: settings["retryAfterSeconds"]
            .as_u64()
            .unwrap_or(d.retry_after_seconds),
        rate_limited: settings["rateLimited"].as_bool().unwrap_or(false),
        source_limited: settings["sourceLimited"].as_bool().unwrap_or(true),
        backend_4xx: match settings["backend4xx"].as_str() {
            Some("reject") => Backend4xx::Reject,
            Some("acknowledge") => Backend4xx::Acknowledge,
            _ => Backend4xx::Retry,
        },
    };
    let consumer = match Consumer::new(&s) {
        Ok(consumer) => consumer,
        Err(e) => return Ok(format!("consumer err {}", e.code())),
    };
    let request = field(c, "request")?;
    let head = Head {
        method: request["method"].as_str().unwrap_or(""),
        source: request["source"].as_str(),
        content_length: request["contentLength"].as_u64(),
    };
    let (mut exchange, first) = consumer.exchange(u64_of(request, "now")?, &head);
    let mut steps = vec![consumer_step::consumer_step(first)];
    for f in field(c, "feeds")?.as_array().ok_or("feeds")? {
        let now = u64_of(f, "now")?;
        let fed = match str_of(f, "feed")? {
            "body" => {
                let headers = header_pairs(f, "headers")?;
                exchange.body(
                    &consumer,
                    headers.as_slice(),
                    str_of(f, "body")?.as_bytes(),
                    now,
                )
            }
            "too_large" => exchange.too_large(&consumer),
            "timeout" => exchange.timeout(&consumer, now),
            "settled" => exchange.settled(),
            "rate" => {
                let decision = match &f["decision"] {
                    Value::Null => None,
                    Value::String(_) => Some(RateDecision::Allow),
                    n => Some(RateDecision::RetryAfter(n.as_u64().ok_or("decision")?)),
                };
                exchange.rate(&consumer, decision, now)
            }
            "begun" => {
                let a = &f["answer"];
                let begun = match (a["answer"].as_str(), a["error"].as_str()) {
                    (Some("new"), _) => Ok(Begin::New {
                        token: a["token"].as_i64().ok_or("token")?,
                    }),
                    (Some("in_flight"), _) => Ok(Begin::InFlight {
                        retry_after: a["retryAfter"].as_u64().ok_or("retryAfter")?,
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
                        retry_after: r["inFlight"].as_u64().ok_or("inFlight")?,
                    },
                    None => Delivered::Backend {
                        status: u16::try_from(r["backend"].as_u64().ok_or("backend")?)
                            .map_err(|_| "backend")?,
                        retry_after: r["retryAfter"].as_str(),
                    },
                };
                exchange.delivered(&consumer, d, now)
            }
            other => return Err(format!("feed {other}")),
        };
        steps.push(match fed {
            Ok(step) => consumer_step::consumer_step(step),
            Err(e) => json!({"error": e.code()}),
        });
    }
    Ok(common::consumer_line(&steps))
}

fn main() {
    common::serve(run);
}
