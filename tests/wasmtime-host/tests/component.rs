//! The whole vector suite through the WebAssembly component, in Wasmtime. Every resource the
//! tests create is dropped again.

#[path = "../../harness/mod.rs"]
mod harness;

use std::path::{Path, PathBuf};

use harness::{AcceptEntry, AcceptOp, AcceptStep, Coded, Config, Filter, Host, SecretIn, Tol};
use hookproof_wasmtime_host::exports::hookproof::webhooks::{
    acceptance, authorization, consumer, delivery, guards, routing, signatures,
};
use hookproof_wasmtime_host::{Loaded, load};
use serde_json::{Map, Value, json};
use wasmtime::component::ResourceAny;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Wasm(Loaded);

impl Wasm {
    fn drop_resource(&mut self, r: ResourceAny) {
        r.resource_drop(&mut self.0.store).unwrap();
    }

    fn verifier(&mut self, cfg: &Config) -> Result<ResourceAny, String> {
        let secrets: Vec<signatures::Key> = cfg
            .secrets
            .iter()
            .map(|s| match s {
                SecretIn::Text(t) => signatures::Key::Text(t.clone()),
                SecretIn::Raw(b) => signatures::Key::Raw(b.clone()),
                SecretIn::PublicKey(b) => signatures::Key::PublicKey(b.clone()),
                SecretIn::SigningKey(b) => signatures::Key::SigningKey(b.clone()),
            })
            .collect();
        let options = signatures::Options {
            tolerance: match cfg.tolerance {
                Tol::Default => signatures::Tolerance::Seconds(300),
                Tol::Seconds(s) => signatures::Tolerance::Seconds(s),
                Tol::Ignore => signatures::Tolerance::Ignore,
            },
            max_payload: cfg.max_payload,
        };
        let Loaded { store, webhooks } = &mut self.0;
        match webhooks
            .hookproof_webhooks_signatures()
            .verifier()
            .call_create(store, &secrets, options)
            .unwrap()
        {
            Ok(r) => Ok(r),
            Err(e) => Err(secret_error(e)),
        }
    }
}

fn secret_error(e: signatures::SecretError) -> String {
    match e {
        signatures::SecretError::InvalidSecret => "invalid_secret",
        signatures::SecretError::TooManySecrets => "too_many_secrets",
        signatures::SecretError::InvalidKey => "invalid_key",
        signatures::SecretError::UnsupportedKey => "unsupported_key",
        signatures::SecretError::AmbiguousKey => "ambiguous_key",
    }
    .to_owned()
}

fn header_name(h: signatures::Header) -> Value {
    json!(match h {
        signatures::Header::Id => "webhook-id",
        signatures::Header::Timestamp => "webhook-timestamp",
        signatures::Header::Signature => "webhook-signature",
    })
}

fn verify_error(e: signatures::VerifyError) -> Coded {
    use signatures::VerifyError as E;
    let (code, named) = match e {
        E::MissingHeader(h) => ("missing_header", Some(header_name(h))),
        E::HeaderTooLarge(h) => ("header_too_large", Some(header_name(h))),
        E::InvalidTimestamp => ("invalid_timestamp", None),
        E::InvalidNow => ("invalid_now", None),
        E::TimestampTooOld => ("timestamp_too_old", None),
        E::TimestampTooNew => ("timestamp_too_new", None),
        E::TooManySignatures => ("too_many_signatures", None),
        E::PayloadTooLarge => ("payload_too_large", None),
        E::NoMatchingSignature => ("no_matching_signature", None),
    };
    (code.to_owned(), named)
}

fn policy(p: &str) -> delivery::Policy {
    if p == "legacy" {
        delivery::Policy::Legacy
    } else {
        delivery::Policy::Current
    }
}

fn attempt(
    outcome: &Value,
    retry_after: Option<&str>,
    webhook_delivery: Option<&str>,
) -> delivery::Attempt {
    delivery::Attempt {
        outcome: match outcome {
            Value::String(s) if s == "timeout" => delivery::Outcome::Timeout,
            Value::String(_) => delivery::Outcome::ConnectionError,
            o => delivery::Outcome::Status(o["status"].as_u64().unwrap() as u16),
        },
        retry_after: retry_after.map(str::to_owned),
        webhook_delivery: webhook_delivery.map(str::to_owned),
    }
}

fn index(i: u32) -> Option<Value> {
    Some(json!(i))
}

impl Host for Wasm {
    fn verify(
        &mut self,
        cfg: &Config,
        headers: &[(String, String)],
        body: &[u8],
        now: i64,
    ) -> Result<(String, i64), Coded> {
        let v = self.verifier(cfg).map_err(|code| (code, None))?;
        let Loaded { store, webhooks } = &mut self.0;
        let result = webhooks
            .hookproof_webhooks_signatures()
            .verifier()
            .call_verify(&mut *store, v, headers, body, now)
            .unwrap();
        self.drop_resource(v);
        result.map(|ok| (ok.id, ok.timestamp)).map_err(verify_error)
    }

    fn sign(
        &mut self,
        cfg: &Config,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<String, String> {
        let v = self.verifier(cfg)?;
        let Loaded { store, webhooks } = &mut self.0;
        let verifiers = webhooks.hookproof_webhooks_signatures().verifier();
        let signed = verifiers
            .call_try_sign(&mut *store, v, id, timestamp, body)
            .unwrap();
        // `sign` agrees, with an empty string where `try-sign` fails.
        let plain = verifiers
            .call_sign(&mut *store, v, id, timestamp, body)
            .unwrap();
        assert_eq!(plain, signed.clone().unwrap_or_default());
        self.drop_resource(v);
        signed.map_err(|signatures::SignError::NoSigningKey| "no_signing_key".to_owned())
    }

    fn ed25519_verify(
        &mut self,
        public_key: &[u8],
        msg: &[u8],
        sig: &[u8],
    ) -> Result<bool, String> {
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_signatures()
            .call_ed25519_verify(store, public_key, msg, sig)
            .unwrap()
            .map_err(secret_error)
    }

    fn ed25519_sign(&mut self, signing_key: &[u8], msg: &[u8]) -> Result<Vec<u8>, String> {
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_signatures()
            .call_ed25519_sign(store, signing_key, msg)
            .unwrap()
            .map_err(secret_error)
    }

    fn hmac(&mut self, key: &[u8], data: &[u8]) -> Vec<u8> {
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_signatures()
            .call_hmac_sha256(store, key, data)
            .unwrap()
    }

    fn authorization(&mut self, expected: &Value, header: Option<&str>) -> Result<(), String> {
        use authorization::AuthorizationError as E;
        let credentials = match expected.get("basic") {
            // A null or absent part is a setting left unset: an empty string in WIT.
            Some(b) => authorization::Credentials::Basic(authorization::BasicCredentials {
                username: b["username"].as_str().unwrap_or("").to_owned(),
                password: b["password"].as_str().unwrap_or("").to_owned(),
            }),
            None => authorization::Credentials::Bearer(
                expected["bearer"].as_str().unwrap_or("").to_owned(),
            ),
        };
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_authorization()
            .call_check(store, header, &credentials)
            .unwrap()
            .map_err(|e| {
                match e {
                    E::MissingAuthorization => "missing_authorization",
                    E::MalformedAuthorization => "malformed_authorization",
                    E::WrongScheme => "wrong_scheme",
                    E::AuthorizationMismatch => "authorization_mismatch",
                    E::InvalidCredentials => "invalid_credentials",
                }
                .to_owned()
            })
    }

    fn classify(
        &mut self,
        p: &str,
        outcome: &Value,
        retry_after: Option<&str>,
        wd: Option<&str>,
    ) -> String {
        let Loaded { store, webhooks } = &mut self.0;
        let c = webhooks
            .hookproof_webhooks_delivery()
            .call_classify(store, policy(p), &attempt(outcome, retry_after, wd))
            .unwrap();
        match c {
            delivery::Classification::Delivered => "delivered",
            delivery::Classification::Redirect => "redirect",
            delivery::Classification::Retry => "retry",
            delivery::Classification::Failed => "failed",
        }
        .to_owned()
    }

    fn next_attempt(
        &mut self,
        p: &str,
        n: u32,
        outcome: &Value,
        retry_after: Option<&str>,
        wd: Option<&str>,
        now: i64,
    ) -> Value {
        let Loaded { store, webhooks } = &mut self.0;
        let d = webhooks
            .hookproof_webhooks_delivery()
            .call_next_attempt(store, policy(p), n, &attempt(outcome, retry_after, wd), now)
            .unwrap();
        match d {
            delivery::Decision::Delivered => json!({"action": "delivered"}),
            delivery::Decision::FollowRedirect => json!({"action": "follow_redirect"}),
            delivery::Decision::RetryAt(at) => json!({"action": "retry", "at": at}),
            delivery::Decision::GiveUp(r) => json!({"action": "give_up", "reason": match r {
                delivery::GiveUpReason::Unrecoverable => "unrecoverable",
                delivery::GiveUpReason::RetriesExhausted => "retries_exhausted",
                delivery::GiveUpReason::Aborted => "aborted",
                delivery::GiveUpReason::EndpointDisabled => "endpoint_disabled",
            }}),
        }
    }

    fn parse_retry_after(&mut self, value: &str, now: i64) -> Option<u64> {
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_delivery()
            .call_parse_retry_after(store, value, now)
            .unwrap()
    }

    fn parse_http_date(&mut self, value: &str, now: i64) -> Option<i64> {
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_delivery()
            .call_parse_http_date(store, value, now)
            .unwrap()
    }

    fn format_http_date(&mut self, unix: i64) -> Option<String> {
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_delivery()
            .call_format_http_date(store, unix)
            .unwrap()
    }

    fn tag_filter(&mut self, filter: &Filter, company: &[(String, String)]) -> Result<bool, Coded> {
        let Loaded { store, webhooks } = &mut self.0;
        let guest = webhooks.hookproof_webhooks_routing().tag_filter();
        let made = match filter {
            Filter::List(l) => guest.call_create(&mut *store, l),
            Filter::Text(t) => guest.call_parse_list(&mut *store, t),
        }
        .unwrap()
        .map_err(|e| match e {
            routing::TagError::TooManyTags => ("too_many_tags".to_owned(), None),
            routing::TagError::InvalidTag(i) => ("invalid_tag".to_owned(), index(i)),
        })?;
        let matches = guest.call_matches(&mut *store, made, company).unwrap();
        self.drop_resource(made);
        Ok(matches)
    }

    fn parse_event(&mut self, body: &[u8]) -> Result<Value, String> {
        let Loaded { store, webhooks } = &mut self.0;
        let event = webhooks
            .hookproof_webhooks_routing()
            .call_parse_event(store, body)
            .unwrap()
            .map_err(|e| {
                match e {
                    routing::EventError::InvalidPayload => "invalid_payload",
                    routing::EventError::InvalidEvent(_) => "invalid_event",
                    routing::EventError::EventTooLarge => "event_too_large",
                }
                .to_owned()
            })?;
        let tags = |pairs: &[(String, String)]| -> Map<String, Value> {
            pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
        };
        Ok(match event {
            routing::Event::Current(e) => json!({
                "kind": "current",
                "id": e.id,
                "eventType": e.event_type,
                "generatedDate": e.generated_date,
                "companyId": e.company.as_ref().and_then(|c| c.id.clone()),
                "companyTags": e.company.as_ref().map(|c| tags(&c.tags)).unwrap_or_default(),
            }),
            routing::Event::Legacy(e) => json!({
                "kind": "legacy",
                "eventType": e.rule_type,
                "companyId": e.company_id,
                "clientId": e.client_id,
                "companyTags": {},
            }),
        })
    }

    fn event_type_filter(&mut self, patterns: &Filter, event_type: &str) -> Result<bool, Coded> {
        let Loaded { store, webhooks } = &mut self.0;
        let guest = webhooks.hookproof_webhooks_routing().event_type_filter();
        let made = match patterns {
            Filter::List(l) => guest.call_create(&mut *store, l),
            Filter::Text(t) => guest.call_parse_list(&mut *store, t),
        }
        .unwrap()
        .map_err(|e| match e {
            routing::EventTypeError::TooManyEventTypes => ("too_many_event_types".to_owned(), None),
            routing::EventTypeError::InvalidEventType(i) => {
                ("invalid_event_type".to_owned(), index(i))
            }
        })?;
        let matches = guest.call_matches(&mut *store, made, event_type).unwrap();
        self.drop_resource(made);
        Ok(matches)
    }

    fn client_id(&mut self, expected: &str, header: Option<&str>) -> Result<(), String> {
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_routing()
            .call_check_client_id(store, expected, header)
            .unwrap()
            .map_err(|e| {
                match e {
                    routing::ClientIdError::MissingClientId => "missing_client_id",
                    routing::ClientIdError::ClientIdMismatch => "client_id_mismatch",
                }
                .to_owned()
            })
    }

    fn source(&mut self, allowlist: Option<&[String]>, address: &str) -> Result<bool, Coded> {
        let source_error = |e: routing::SourceError| match e {
            routing::SourceError::TooManySources => ("too_many_sources".to_owned(), None),
            routing::SourceError::InvalidSource(i) => ("invalid_source".to_owned(), index(i)),
            routing::SourceError::InvalidAddress => ("invalid_address".to_owned(), None),
        };
        let Loaded { store, webhooks } = &mut self.0;
        let guest = webhooks.hookproof_webhooks_routing().source_allowlist();
        let list = match allowlist {
            None => guest.call_codat(&mut *store).unwrap(),
            Some(entries) => guest
                .call_create(&mut *store, entries)
                .unwrap()
                .map_err(source_error)?,
        };
        let allowed = guest.call_is_allowed(&mut *store, list, address).unwrap();
        self.drop_resource(list);
        allowed.map_err(source_error)
    }

    fn rate_limit(
        &mut self,
        per_second: u32,
        burst: u32,
        steps_ms: &[u64],
    ) -> Result<Vec<Value>, String> {
        let Loaded { store, webhooks } = &mut self.0;
        let guest = webhooks.hookproof_webhooks_guards().rate_limiter();
        let limiter = guest
            .call_create(&mut *store, per_second, burst)
            .unwrap()
            .map_err(|guards::RateLimitError::InvalidRate| "invalid_rate".to_owned())?;
        let out = steps_ms
            .iter()
            .map(
                |&t| match guest.call_check(&mut *store, limiter, t).unwrap() {
                    guards::RateDecision::Allow => json!("allow"),
                    guards::RateDecision::RetryAfter(s) => json!(s),
                },
            )
            .collect();
        self.drop_resource(limiter);
        Ok(out)
    }

    fn source_limit(
        &mut self,
        per_second: u32,
        burst: u32,
        capacity: u32,
        steps: &[(String, u64)],
    ) -> Result<Vec<Value>, String> {
        let Loaded { store, webhooks } = &mut self.0;
        let guest = webhooks.hookproof_webhooks_guards().source_limiter();
        let limiter = guest
            .call_create(&mut *store, per_second, burst, capacity)
            .unwrap()
            .map_err(|guards::RateLimitError::InvalidRate| "invalid_rate".to_owned())?;
        let out = steps
            .iter()
            .map(
                |(source, t)| match guest.call_check(&mut *store, limiter, source, *t).unwrap() {
                    guards::RateDecision::Allow => json!("allow"),
                    guards::RateDecision::RetryAfter(s) => json!(s),
                },
            )
            .collect();
        self.drop_resource(limiter);
        Ok(out)
    }

    fn consumer(
        &mut self,
        settings: &Value,
        request: &Value,
        feeds: &[Value],
    ) -> Result<Vec<Value>, String> {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default()
        };
        let a = &settings["authorization"];
        let authorization = if let Some(token) = a["bearer"].as_str() {
            Some(consumer::AuthorizationSetting::Bearer(token.to_owned()))
        } else if a["basic"].is_object() {
            Some(consumer::AuthorizationSetting::Basic((
                a["basic"]["username"].as_str().unwrap().to_owned(),
                a["basic"]["password"].as_str().unwrap().to_owned(),
            )))
        } else {
            None
        };
        let text = |k: &str| settings[k].as_str().map(str::to_owned);
        let s = consumer::Settings {
            keys: strings(&settings["keys"]),
            authorization,
            policy: settings["policy"].as_str().map(policy),
            tolerance_seconds: settings["toleranceSeconds"].as_u64(),
            client_id: text("clientId"),
            sources: settings["sources"]
                .is_array()
                .then(|| strings(&settings["sources"])),
            event_types: text("eventTypes"),
            company_tags: text("companyTags"),
            max_body_bytes: settings["maxBodyBytes"].as_u64(),
            body_timeout_ms: settings["bodyTimeoutMs"].as_u64(),
            budget_ms: settings["budgetMs"].as_u64(),
            retry_after_seconds: settings["retryAfterSeconds"].as_u64(),
            rate_limited: settings["rateLimited"].as_bool().unwrap_or(false),
            source_limited: settings["sourceLimited"].as_bool(),
            backend_client_error: match settings["backend4xx"].as_str() {
                Some("reject") => Some(consumer::BackendClientError::Reject),
                Some("acknowledge") => Some(consumer::BackendClientError::Acknowledge),
                Some(_) => Some(consumer::BackendClientError::Retry),
                None => None,
            },
        };
        let code = |e: consumer::ConsumerError| e.name().replace('-', "_");
        let Loaded { store, webhooks } = &mut self.0;
        let iface = webhooks.hookproof_webhooks_consumer();
        let made = iface
            .consumer()
            .call_create(&mut *store, &s)
            .unwrap()
            .map_err(code)?;
        let head = consumer::Head {
            method: request["method"].as_str().unwrap().to_owned(),
            source: request["source"].as_str().map(str::to_owned),
            content_length: request["contentLength"].as_u64(),
        };
        let (exchange, first) = iface
            .consumer()
            .call_start(&mut *store, made, request["now"].as_u64().unwrap(), &head)
            .unwrap();
        let mut out = vec![wit_step(first)];
        let ex = iface.exchange();
        for f in feeds {
            let now = f["now"].as_u64().unwrap_or(0);
            let got = match f["feed"].as_str().unwrap() {
                "body" => {
                    let headers: Vec<(String, String)> = f["headers"]
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
                    let body = f["body"].as_str().unwrap().as_bytes();
                    ex.call_body(&mut *store, exchange, &headers, body, now)
                }
                "too_large" => ex.call_too_large(&mut *store, exchange),
                "timeout" => ex.call_timeout(&mut *store, exchange, now),
                "settled" => ex.call_settled(&mut *store, exchange),
                "rate" => {
                    let r = match &f["decision"] {
                        Value::Null => consumer::RateResult::Unavailable,
                        Value::String(_) => consumer::RateResult::Allow,
                        n => consumer::RateResult::RetryAfter(n.as_u64().unwrap()),
                    };
                    ex.call_rate(&mut *store, exchange, r, now)
                }
                "begun" => {
                    let a = &f["answer"];
                    let b = match (a["answer"].as_str(), a["error"].as_str()) {
                        (Some("new"), _) => consumer::Begun::New(a["token"].as_i64().unwrap()),
                        (Some("in_flight"), _) => {
                            consumer::Begun::InFlight(a["retryAfter"].as_u64().unwrap())
                        }
                        (Some("done"), _) => consumer::Begun::Done,
                        (_, Some("store_full")) => consumer::Begun::StoreFull,
                        _ => consumer::Begun::StoreUnavailable,
                    };
                    ex.call_begun(&mut *store, exchange, b, now)
                }
                "delivered" => {
                    let r = &f["result"];
                    let d = match r.as_str() {
                        Some("accepted") => consumer::Delivered::Accepted,
                        Some("committed") => consumer::Delivered::Committed,
                        Some("duplicate") => consumer::Delivered::Duplicate,
                        Some("pending") => consumer::Delivered::Pending,
                        Some(_) => consumer::Delivered::Unreachable,
                        None if r["inFlight"].is_u64() => {
                            consumer::Delivered::InFlight(r["inFlight"].as_u64().unwrap())
                        }
                        None => consumer::Delivered::Backend(consumer::BackendAnswer {
                            status: r["backend"].as_u64().unwrap() as u16,
                            retry_after: r["retryAfter"].as_str().map(str::to_owned),
                        }),
                    };
                    ex.call_delivered(&mut *store, exchange, &d, now)
                }
                other => panic!("unknown feed {other}"),
            }
            .unwrap();
            out.push(match got {
                Ok(step) => wit_step(step),
                Err(e) => json!({"error": code(e)}),
            });
        }
        exchange.resource_drop(&mut *store).unwrap();
        made.resource_drop(&mut *store).unwrap();
        Ok(out)
    }

    fn replay(
        &mut self,
        capacity: u32,
        ttl: u64,
        steps: &[(String, i64, bool)],
    ) -> Result<Vec<Value>, String> {
        let Loaded { store, webhooks } = &mut self.0;
        let guest = webhooks.hookproof_webhooks_guards().replay_guard();
        let guard = guest
            .call_create(&mut *store, capacity, ttl)
            .unwrap()
            .map_err(|guards::ReplayError::InvalidCapacity| "invalid_capacity".to_owned())?;
        let mut out = Vec::new();
        for (id, now, forget) in steps {
            if *forget {
                guest.call_forget(&mut *store, guard, id).unwrap();
            } else {
                out.push(json!(
                    match guest.call_check(&mut *store, guard, id, *now).unwrap() {
                        guards::Seen::New => "new",
                        guards::Seen::Duplicate => "duplicate",
                    }
                ));
            }
        }
        self.drop_resource(guard);
        Ok(out)
    }

    fn acceptance_key(&mut self, id: &str) -> Result<String, String> {
        let Loaded { store, webhooks } = &mut self.0;
        webhooks
            .hookproof_webhooks_acceptance()
            .call_key(&mut *store, id)
            .unwrap()
            .map_err(acceptance_code)
    }

    fn acceptance_sequence(
        &mut self,
        window: u64,
        lease: u64,
        capacity: Option<u32>,
        steps: &[AcceptStep],
    ) -> Result<Vec<Value>, String> {
        let Loaded { store, webhooks } = &mut self.0;
        let guest = webhooks.hookproof_webhooks_acceptance().guard();
        let config = acceptance::Config {
            window_seconds: window,
            lease_seconds: lease,
        };
        let guard = guest
            .call_create(&mut *store, config, capacity.unwrap_or(120_000))
            .unwrap()
            .map_err(acceptance_code)?;
        let out = steps
            .iter()
            .map(|s| {
                match guest
                    .call_apply(&mut *store, guard, &s.id, accept_op(s.op), s.now)
                    .unwrap()
                {
                    Ok(a) => answer_json(a),
                    Err(e) => json!({"error": acceptance_code(e)}),
                }
            })
            .collect();
        self.drop_resource(guard);
        Ok(out)
    }

    fn acceptance_transition(
        &mut self,
        window: u64,
        lease: u64,
        entry: Option<AcceptEntry>,
        op: AcceptOp,
        now: i64,
    ) -> Result<Value, String> {
        let Loaded { store, webhooks } = &mut self.0;
        let config = acceptance::Config {
            window_seconds: window,
            lease_seconds: lease,
        };
        let entry = entry.map(|e| match e {
            AcceptEntry::InFlight(d) => acceptance::Entry::InFlight(d),
            AcceptEntry::Done(d) => acceptance::Entry::Done(d),
        });
        let step = webhooks
            .hookproof_webhooks_acceptance()
            .call_transition(&mut *store, config, entry, accept_op(op), now)
            .unwrap()
            .map_err(acceptance_code)?;
        let entry = step.entry.map(|e| match e {
            acceptance::Entry::InFlight(d) => AcceptEntry::InFlight(d),
            acceptance::Entry::Done(d) => AcceptEntry::Done(d),
        });
        Ok(json!({"entry": harness::entry_json(entry), "answer": answer_json(step.answer)}))
    }
}

fn acceptance_code(e: acceptance::AcceptanceError) -> String {
    match e {
        acceptance::AcceptanceError::InvalidId => "invalid_id",
        acceptance::AcceptanceError::InvalidConfig => "invalid_config",
        acceptance::AcceptanceError::StoreFull => "store_full",
        acceptance::AcceptanceError::Contended => "contended",
        acceptance::AcceptanceError::StoreUnavailable => "store_unavailable",
    }
    .to_owned()
}

fn accept_op(op: AcceptOp) -> acceptance::Op {
    match op {
        AcceptOp::Begin => acceptance::Op::Begin,
        AcceptOp::Commit(t) => acceptance::Op::Commit(t),
        AcceptOp::Abort(t) => acceptance::Op::Abort(t),
        AcceptOp::Enqueue(t) => acceptance::Op::Enqueue(t),
    }
}

fn answer_json(a: acceptance::Answer) -> Value {
    match a {
        acceptance::Answer::New(token) => json!({"answer": "new", "token": token}),
        acceptance::Answer::InFlight(s) => json!({"answer": "in_flight", "retryAfter": s}),
        acceptance::Answer::Done => json!({"answer": "done"}),
        acceptance::Answer::Committed => json!({"answer": "committed"}),
        acceptance::Answer::Late => json!({"answer": "late"}),
        acceptance::Answer::Released => json!({"answer": "released"}),
        acceptance::Answer::NotHeld => json!({"answer": "not_held"}),
    }
}

fn component() -> Wasm {
    let path = root().join("dist/hookproof.component.wasm");
    assert!(
        path.exists(),
        "{} is missing: run `make component`",
        path.display()
    );
    Wasm(load(&path).unwrap())
}

#[test]
fn vector_suite_through_the_component() {
    let mut wasm = component();
    let (total, failures) = harness::run_all(&mut wasm, &root().join("tests/vectors"));
    harness::assert_clean(total, &failures, 700);
}

#[test]
fn hostile_inputs_get_typed_errors_and_the_instance_stays_usable() {
    let mut wasm = component();
    let cfg = Config {
        secrets: vec![SecretIn::Text(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        )],
        tolerance: Tol::Default,
        max_payload: None,
        svix_reading: false,
    };
    let huge = "v1,".repeat(10_000);
    let nul = "\0".repeat(1000);
    type Case = (Vec<(String, String)>, Vec<u8>, &'static str);
    let cases: Vec<Case> = vec![
        (
            vec![
                ("webhook-id".into(), "x".repeat(1 << 20)),
                ("webhook-timestamp".into(), "1".into()),
                ("webhook-signature".into(), "v1,".into()),
            ],
            vec![],
            "header_too_large",
        ),
        (
            vec![
                ("webhook-id".into(), "m".into()),
                ("webhook-timestamp".into(), "1".into()),
                ("webhook-signature".into(), huge),
            ],
            vec![],
            "header_too_large",
        ),
        (
            vec![
                ("webhook-id".into(), "\0".repeat(9000)),
                ("webhook-timestamp".into(), "1".into()),
                ("webhook-signature".into(), "v1,".into()),
            ],
            vec![0xff; 100],
            "header_too_large",
        ),
        (
            vec![
                ("webhook-id".into(), nul.clone()),
                ("webhook-timestamp".into(), "1".into()),
                ("webhook-signature".into(), "v1,".into()),
            ],
            vec![0xff; 100],
            "no_matching_signature",
        ),
        (
            vec![
                ("webhook-id".into(), "m".into()),
                ("webhook-timestamp".into(), nul),
                ("webhook-signature".into(), "v1,".into()),
            ],
            vec![0; 10],
            "invalid_timestamp",
        ),
        (vec![], vec![0xfe, 0xff], "missing_header"),
    ];
    for (headers, body, want) in cases {
        let got = wasm.verify(&cfg, &headers, &body, 1).unwrap_err();
        assert_eq!(got.0, want);
    }
    assert_eq!(
        wasm.parse_event(&[0xff; 4096]).unwrap_err(),
        "invalid_payload"
    );
    assert_eq!(
        wasm.parse_event("[".repeat(100_000).as_bytes())
            .unwrap_err(),
        "invalid_payload"
    );
    assert_eq!(wasm.parse_retry_after(&"9".repeat(100_000), 0), None);
    // Still alive and correct afterwards.
    let headers = [
        (
            "webhook-id".to_owned(),
            "msg_p5jXN8AQM9LWM0D4loKWxJek".to_owned(),
        ),
        ("webhook-timestamp".to_owned(), "1614265330".to_owned()),
        (
            "webhook-signature".to_owned(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_owned(),
        ),
    ];
    assert!(
        wasm.verify(&cfg, &headers, br#"{"test": 2432232314}"#, 1614265330)
            .is_ok()
    );
}

#[test]
fn docs_show_the_example_verbatim() {
    let readme = std::fs::read_to_string(root().join("docs/component.md")).unwrap();
    let example = include_str!("../examples/verify.rs");
    assert!(
        readme.contains(example),
        "docs/component.md must quote examples/verify.rs exactly"
    );
}

/// Whether a vector states exactly what `verify-once` takes: one key as text and the default
/// options (no tolerance, no payload bound).
fn once_shaped(t: &Value) -> bool {
    t["op"] == "verify"
        && t["tolerance"].is_null()
        && t["maxPayload"].is_null()
        && t["secrets"]
            .as_array()
            .or(t["keys"].as_array())
            .is_some_and(|k| k.len() == 1 && k[0].is_string())
}

#[test]
fn verify_once_answers_the_signature_vectors() {
    let mut wasm = component();
    let mut failures = Vec::new();
    let mut ran = 0;
    for name in ["signature.json", "v1a.json"] {
        for t in harness::load(&root().join("tests/vectors"), name) {
            if !once_shaped(&t) {
                continue;
            }
            ran += 1;
            // The component reads key text with its kind stated, as `key.text` does.
            let want = t.get("kindsStated").unwrap_or(&t);
            let want = match &want["error"] {
                Value::String(code) => code.clone(),
                _ => want["result"].as_str().unwrap().to_owned(),
            };
            let key = t["secrets"].as_array().or(t["keys"].as_array()).unwrap()[0]
                .as_str()
                .unwrap()
                .to_owned();
            let headers: Vec<(String, String)> = t["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                .collect();
            let body = match (&t["body"], &t["bodyHex"]) {
                (Value::String(s), _) => s.as_bytes().to_vec(),
                (_, Value::String(h)) => harness::hex(h),
                _ => panic!("case without body"),
            };
            let Loaded { store, webhooks } = &mut wasm.0;
            let got = webhooks
                .hookproof_webhooks_signatures()
                .call_verify_once(store, &key, &headers, &body, t["now"].as_i64().unwrap())
                .unwrap();
            let (code, named) = match got {
                Ok(v) => {
                    let sent = ["svix-id", "webhook-id"].iter().find_map(|n| {
                        headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(n))
                            .map(|(_, v)| v.clone())
                    });
                    if Some(&v.id) != sent.as_ref() {
                        failures.push(format!("{name} tcId {}: id {:?}", t["tcId"], v.id));
                    }
                    ("valid".to_owned(), None)
                }
                Err(signatures::VerifyOnceError::Secret(e)) => (secret_error(e), None),
                Err(signatures::VerifyOnceError::Message(e)) => verify_error(e),
            };
            if code != want {
                failures.push(format!(
                    "{name} tcId {} ({}): got {code}, want {want}",
                    t["tcId"], t["comment"]
                ));
            } else if let (Some(h), Some(named)) = (t.get("header"), named)
                && *h != named
            {
                failures.push(format!("{name} tcId {}: header {named}", t["tcId"]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran >= 150, "only {ran} vectors have verify-once's shape");
}

#[test]
fn classify_status_answers_the_classify_vectors() {
    let mut wasm = component();
    let mut ran = 0;
    for t in harness::load(&root().join("tests/vectors"), "classify.json") {
        let Some(status) = t["outcome"]["status"].as_u64() else {
            continue;
        };
        if !t["headers"].is_null() {
            continue;
        }
        ran += 1;
        let Loaded { store, webhooks } = &mut wasm.0;
        let got = webhooks
            .hookproof_webhooks_delivery()
            .call_classify_status(
                store,
                policy(t["policy"].as_str().unwrap()),
                u16::try_from(status).unwrap(),
            )
            .unwrap();
        let got = match got {
            delivery::Classification::Delivered => "delivered",
            delivery::Classification::Redirect => "redirect",
            delivery::Classification::Retry => "retry",
            delivery::Classification::Failed => "failed",
        };
        assert_eq!(
            got, t["expected"]["classification"],
            "classify.json tcId {} ({})",
            t["tcId"], t["comment"]
        );
    }
    assert!(ran >= 70, "only {ran} vectors have classify-status's shape");
}

fn wit_step(s: consumer::Step) -> Value {
    use consumer::Step;
    match s {
        Step::ReadBody(r) => {
            json!({"step": "read_body", "maxBytes": r.max_bytes, "waitMs": r.wait_ms})
        }
        Step::CheckSource => json!({"step": "check_source"}),
        Step::CheckRate(w) => json!({"step": "check_rate", "waitMs": w}),
        Step::Begin(b) => json!({"step": "begin", "id": b.id, "key": b.key, "waitMs": b.wait_ms}),
        Step::Deliver(d) => json!({"step": "deliver", "id": d.id, "token": d.token,
            "eventType": d.event_type, "companyId": d.company_id, "waitMs": d.wait_ms}),
        Step::Commit(c) => {
            json!({"step": "commit", "id": c.id, "key": c.key, "token": c.token, "waitMs": c.wait_ms})
        }
        Step::Abort(c) => {
            json!({"step": "abort", "id": c.id, "key": c.key, "token": c.token, "waitMs": c.wait_ms})
        }
        Step::Answer(a) => json!({"step": "answer", "status": a.status, "body": a.body,
        "retryAfter": a.retry_after, "allow": a.allow, "close": a.close,
        "sender": match a.sender {
            delivery::Classification::Delivered => "delivered",
            delivery::Classification::Redirect => "redirect",
            delivery::Classification::Retry => "retry",
            delivery::Classification::Failed => "failed",
        }}),
    }
}
