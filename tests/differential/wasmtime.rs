//! Host of the differential test: the WebAssembly component (dist/hookproof.component.wasm) in
//! Wasmtime, through bindings generated from `wit/`. Reads cases on stdin and prints one
//! canonical line per case (common.rs), which must equal the native core's. Built as the
//! example `differential-wasmtime` of tests/wasmtime-host.

#[path = "common.rs"]
mod common;

use std::path::Path;

use common::{
    AcceptOpIn, Bad, EventOut, Listed, OutcomeIn, SecretSpec, Tol, accept_answer, accept_entry,
    accept_entry_line, accept_op, acceptance_id, body, event_line, field, header_pairs, int_i64,
    int_of, int_u64, listed, opt_str, optional_i64, optional_u64, outcome, pairs, policy_name, q,
    rate_steps, replay_steps, response_header, secrets, source_rate_steps, step_token, str_of,
    strings, to_hex, tolerance, u32_of, u64_of,
};
use hookproof_wasmtime_host::exports::hookproof::webhooks::{
    acceptance, authorization, consumer, delivery, guards, routing, signatures,
};
use hookproof_wasmtime_host::{Loaded, load};
use serde_json::Value;
use wasmtime::component::ResourceAny;

fn verify_code(e: &signatures::VerifyError) -> &'static str {
    use signatures::VerifyError as E;
    match e {
        E::MissingHeader(_) => "missing_header",
        E::HeaderTooLarge(_) => "header_too_large",
        E::InvalidTimestamp => "invalid_timestamp",
        E::InvalidNow => "invalid_now",
        E::TimestampTooOld => "timestamp_too_old",
        E::TimestampTooNew => "timestamp_too_new",
        E::TooManySignatures => "too_many_signatures",
        E::PayloadTooLarge => "payload_too_large",
        E::NoMatchingSignature => "no_matching_signature",
    }
}

fn policy(c: &Value) -> Result<delivery::Policy, Bad> {
    Ok(match policy_name(c)? {
        "legacy" => delivery::Policy::Legacy,
        _ => delivery::Policy::Current,
    })
}

fn attempt(c: &Value) -> Result<delivery::Attempt, Bad> {
    let headers = header_pairs(c, "headers")?;
    Ok(delivery::Attempt {
        outcome: match outcome(c)? {
            OutcomeIn::Status(s) => delivery::Outcome::Status(s),
            OutcomeIn::Timeout => delivery::Outcome::Timeout,
            OutcomeIn::ConnectionError => delivery::Outcome::ConnectionError,
        },
        retry_after: response_header(&headers, "retry-after").map(str::to_owned),
        webhook_delivery: response_header(&headers, "webhook-delivery").map(str::to_owned),
    })
}

fn classification(c: delivery::Classification) -> &'static str {
    match c {
        delivery::Classification::Delivered => "delivered",
        delivery::Classification::Redirect => "redirect",
        delivery::Classification::Retry => "retry",
        delivery::Classification::Failed => "failed",
    }
}

/// Why a case has no answer: the case is bad, or the component trapped (which must never
/// happen: every input gets a typed error).
enum Failure {
    Bad(Bad),
    Trap(String),
}

impl From<Bad> for Failure {
    fn from(why: Bad) -> Self {
        Failure::Bad(why)
    }
}

impl From<&str> for Failure {
    fn from(why: &str) -> Self {
        Failure::Bad(why.to_owned())
    }
}

impl From<wasmtime::Error> for Failure {
    fn from(e: wasmtime::Error) -> Self {
        Failure::Trap(format!("{e:?}"))
    }
}

struct Host(Loaded);

impl Host {
    fn drop_resource(&mut self, r: ResourceAny) -> Result<(), Failure> {
        Ok(r.resource_drop(&mut self.0.store)?)
    }

    fn verifier(&mut self, c: &Value) -> Result<Result<ResourceAny, String>, Failure> {
        let list: Vec<signatures::Key> = secrets(c)?
            .into_iter()
            .map(|s| match s {
                SecretSpec::Text(t) => signatures::Key::Text(t),
                SecretSpec::Raw(b) => signatures::Key::Raw(b),
                SecretSpec::PublicKey(b) => signatures::Key::PublicKey(b),
                SecretSpec::SigningKey(b) => signatures::Key::SigningKey(b),
            })
            .collect();
        let options = signatures::Options {
            tolerance: match tolerance(c)? {
                Tol::Default => signatures::Tolerance::Seconds(300),
                Tol::Seconds(s) => signatures::Tolerance::Seconds(s),
                Tol::Ignore => signatures::Tolerance::Ignore,
            },
            max_payload: common::max_payload(c)?,
        };
        let Loaded { store, webhooks } = &mut self.0;
        let made = webhooks
            .hookproof_webhooks_signatures()
            .verifier()
            .call_create(store, &list, options)?;
        Ok(made.map_err(|e| secret_code(e).to_owned()))
    }

    /// A consumer case through the component's `consumer` interface.
    fn consumer_case(&mut self, c: &Value) -> Result<String, Failure> {
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
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let a = &settings["authorization"];
        let s = consumer::Settings {
            keys: list(&settings["keys"]),
            authorization: if a["bearer"].is_string() {
                Some(consumer::AuthorizationSetting::Bearer(
                    text(&a["bearer"]).unwrap_or_default(),
                ))
            } else if a["basic"].is_object() {
                Some(consumer::AuthorizationSetting::Basic((
                    text(&a["basic"]["username"]).unwrap_or_default(),
                    text(&a["basic"]["password"]).unwrap_or_default(),
                )))
            } else {
                None
            },
            policy: settings["policy"].as_str().map(|p| {
                if p == "legacy" {
                    delivery::Policy::Legacy
                } else {
                    delivery::Policy::Current
                }
            }),
            tolerance_seconds: settings["toleranceSeconds"].as_u64(),
            client_id: text(&settings["clientId"]),
            sources: settings["sources"]
                .is_array()
                .then(|| list(&settings["sources"])),
            event_types: text(&settings["eventTypes"]),
            company_tags: text(&settings["companyTags"]),
            max_body_bytes: settings["maxBodyBytes"].as_u64(),
            body_timeout_ms: settings["bodyTimeoutMs"].as_u64(),
            budget_ms: settings["budgetMs"].as_u64(),
            retry_after_seconds: settings["retryAfterSeconds"].as_u64(),
            rate_limited: settings["rateLimited"].as_bool().unwrap_or(false),
            source_limited: settings["sourceLimited"].as_bool(),
            backend_client_error: settings["backend4xx"].as_str().map(|b| match b {
                "reject" => consumer::BackendClientError::Reject,
                "acknowledge" => consumer::BackendClientError::Acknowledge,
                _ => consumer::BackendClientError::Retry,
            }),
        };
        let code = |e: consumer::ConsumerError| e.name().replace('-', "_");
        let step_json = |st: consumer::Step| -> Value {
            use consumer::Step;
            match st {
                Step::ReadBody(r) => {
                    json!({"step": "read_body", "maxBytes": r.max_bytes, "waitMs": r.wait_ms})
                }
                Step::CheckSource => json!({"step": "check_source"}),
                Step::CheckRate(w) => json!({"step": "check_rate", "waitMs": w}),
                Step::Begin(b) => {
                    json!({"step": "begin", "id": b.id, "key": b.key, "waitMs": b.wait_ms})
                }
                Step::Deliver(d) => json!({"step": "deliver", "id": d.id, "token": d.token,
                    "eventType": d.event_type, "companyId": d.company_id, "waitMs": d.wait_ms}),
                Step::Commit(x) => json!({"step": "commit", "id": x.id, "key": x.key,
                    "token": x.token, "waitMs": x.wait_ms}),
                Step::Abort(x) => json!({"step": "abort", "id": x.id, "key": x.key,
                    "token": x.token, "waitMs": x.wait_ms}),
                Step::Answer(x) => json!({"step": "answer", "status": x.status, "body": x.body,
                    "retryAfter": x.retry_after, "allow": x.allow, "close": x.close,
                    "sender": classification(x.sender)}),
            }
        };
        let request = field(c, "request")?;
        let head = consumer::Head {
            method: request["method"].as_str().unwrap_or("").to_owned(),
            source: text(&request["source"]),
            content_length: request["contentLength"].as_u64(),
        };
        let feeds = field(c, "feeds")?.as_array().ok_or("feeds")?;
        let Loaded { store, webhooks } = &mut self.0;
        let iface = webhooks.hookproof_webhooks_consumer();
        let made = match iface.consumer().call_create(&mut *store, &s)? {
            Ok(made) => made,
            Err(e) => return Ok(format!("consumer err {}", code(e))),
        };
        let (ex, first) =
            iface
                .consumer()
                .call_start(&mut *store, made, u64_of(request, "now")?, &head)?;
        let mut steps = vec![step_json(first)];
        let guest = iface.exchange();
        for f in feeds {
            let now = u64_of(f, "now")?;
            let fed = match str_of(f, "feed")? {
                "body" => {
                    let headers = header_pairs(f, "headers")?;
                    guest.call_body(
                        &mut *store,
                        ex,
                        &headers,
                        str_of(f, "body")?.as_bytes(),
                        now,
                    )?
                }
                "too_large" => guest.call_too_large(&mut *store, ex)?,
                "timeout" => guest.call_timeout(&mut *store, ex, now)?,
                "settled" => guest.call_settled(&mut *store, ex)?,
                "rate" => {
                    let r = match &f["decision"] {
                        Value::Null => consumer::RateResult::Unavailable,
                        Value::String(_) => consumer::RateResult::Allow,
                        n => consumer::RateResult::RetryAfter(n.as_u64().ok_or("decision")?),
                    };
                    guest.call_rate(&mut *store, ex, r, now)?
                }
                "begun" => {
                    let a = &f["answer"];
                    let b = match (a["answer"].as_str(), a["error"].as_str()) {
                        (Some("new"), _) => {
                            consumer::Begun::New(a["token"].as_i64().ok_or("token")?)
                        }
                        (Some("in_flight"), _) => {
                            consumer::Begun::InFlight(a["retryAfter"].as_u64().ok_or("retryAfter")?)
                        }
                        (Some("done"), _) => consumer::Begun::Done,
                        (_, Some("store_full")) => consumer::Begun::StoreFull,
                        _ => consumer::Begun::StoreUnavailable,
                    };
                    guest.call_begun(&mut *store, ex, b, now)?
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
                            consumer::Delivered::InFlight(r["inFlight"].as_u64().ok_or("inFlight")?)
                        }
                        None => consumer::Delivered::Backend(consumer::BackendAnswer {
                            status: u16::try_from(r["backend"].as_u64().ok_or("backend")?)
                                .map_err(|_| "backend")?,
                            retry_after: text(&r["retryAfter"]),
                        }),
                    };
                    guest.call_delivered(&mut *store, ex, &d, now)?
                }
                other => return Err(format!("feed {other}").into()),
            };
            steps.push(match fed {
                Ok(st) => step_json(st),
                Err(e) => json!({"error": code(e)}),
            });
        }
        ex.resource_drop(&mut *store)?;
        made.resource_drop(&mut *store)?;
        Ok(common::consumer_line(&steps))
    }

    fn run(&mut self, c: &Value) -> Result<String, Failure> {
        let kind = str_of(c, "k")?;
        Ok(match kind {
            "verify" => {
                let v = match self.verifier(c)? {
                    Ok(v) => v,
                    Err(code) => return Ok(format!("secret err {code}")),
                };
                let headers = header_pairs(c, "headers")?;
                let body = body(c, "body")?;
                let now = int_of(c, "now")?;
                let Loaded { store, webhooks } = &mut self.0;
                let guest = webhooks.hookproof_webhooks_signatures().verifier();
                let r = guest.call_verify(&mut *store, v, &headers, &body, now)?;
                let mut line = match &r {
                    Ok(ok) => format!("verify ok {} {}", q(&ok.id), int_i64(ok.timestamp)),
                    Err(e) => format!("verify err {}", verify_code(e)),
                };
                // verify-parts with the header values the rule picks answers the same.
                let pick = |svix: &str, name: &str| {
                    let find = |n: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n));
                    find(svix).or_else(|| find(name)).map(|(_, v)| v.clone())
                };
                if let (Some(id), Some(ts), Some(sig)) = (
                    pick("svix-id", "webhook-id"),
                    pick("svix-timestamp", "webhook-timestamp"),
                    pick("svix-signature", "webhook-signature"),
                ) {
                    let parts =
                        guest.call_verify_parts(&mut *store, v, &id, &ts, &sig, &body, now)?;
                    let same = match (&parts, &r) {
                        (Ok(a), Ok(b)) => a.id == b.id && a.timestamp == b.timestamp,
                        (Err(a), Err(b)) => format!("{a:?}") == format!("{b:?}"),
                        _ => false,
                    };
                    if !same {
                        line.push_str(" !verify-parts");
                    }
                }
                self.drop_resource(v)?;
                line
            }
            "sign" => {
                let v = match self.verifier(c)? {
                    Ok(v) => v,
                    Err(code) => return Ok(format!("secret err {code}")),
                };
                let (id, ts, body) = (str_of(c, "id")?, int_of(c, "ts")?, body(c, "body")?);
                let Loaded { store, webhooks } = &mut self.0;
                let guest = webhooks.hookproof_webhooks_signatures().verifier();
                let tried = guest.call_try_sign(&mut *store, v, id, ts, &body)?;
                let plain = guest.call_sign(&mut *store, v, id, ts, &body)?;
                self.drop_resource(v)?;
                let mut line = match &tried {
                    Ok(sig) => format!("sign {}", q(sig)),
                    Err(signatures::SignError::NoSigningKey) => {
                        "sign err no_signing_key".to_owned()
                    }
                };
                // `sign` is `try-sign` with "" for no signing key.
                if plain != tried.unwrap_or_default() {
                    line.push_str(" !sign");
                }
                line
            }
            "ed25519Verify" => {
                let (key, message, sig) = (
                    body(c, "publicKey")?,
                    body(c, "message")?,
                    body(c, "signature")?,
                );
                let Loaded { store, webhooks } = &mut self.0;
                match webhooks
                    .hookproof_webhooks_signatures()
                    .call_ed25519_verify(store, &key, &message, &sig)?
                {
                    Ok(ok) => format!("ed25519Verify {ok}"),
                    Err(e) => format!("ed25519Verify err {}", secret_code(e)),
                }
            }
            "ed25519Sign" => {
                let (key, message) = (body(c, "signingKey")?, body(c, "message")?);
                let Loaded { store, webhooks } = &mut self.0;
                match webhooks
                    .hookproof_webhooks_signatures()
                    .call_ed25519_sign(store, &key, &message)?
                {
                    Ok(sig) => format!("ed25519Sign {}", to_hex(&sig)),
                    Err(e) => format!("ed25519Sign err {}", secret_code(e)),
                }
            }
            "hmac" => {
                let Loaded { store, webhooks } = &mut self.0;
                let mac = webhooks.hookproof_webhooks_signatures().call_hmac_sha256(
                    store,
                    &body(c, "key")?,
                    &body(c, "data")?,
                )?;
                format!("hmac {}", to_hex(&mac))
            }
            "classify" => {
                let (p, a) = (policy(c)?, attempt(c)?);
                let Loaded { store, webhooks } = &mut self.0;
                let got = webhooks
                    .hookproof_webhooks_delivery()
                    .call_classify(store, p, &a)?;
                format!("classify {}", classification(got))
            }
            "next" => {
                let (p, a) = (policy(c)?, attempt(c)?);
                let (n, now) = (u32_of(c, "attempt")?, int_of(c, "now")?);
                let Loaded { store, webhooks } = &mut self.0;
                let d = webhooks.hookproof_webhooks_delivery();
                let class = classification(d.call_classify(&mut *store, p, &a)?);
                let decision = match d.call_next_attempt(store, p, n, &a, now)? {
                    delivery::Decision::Delivered => "delivered".to_owned(),
                    delivery::Decision::FollowRedirect => "follow_redirect".to_owned(),
                    delivery::Decision::RetryAt(at) => format!("retry {}", int_i64(at)),
                    delivery::Decision::GiveUp(r) => format!(
                        "give_up {}",
                        match r {
                            delivery::GiveUpReason::Unrecoverable => "unrecoverable",
                            delivery::GiveUpReason::RetriesExhausted => "retries_exhausted",
                            delivery::GiveUpReason::Aborted => "aborted",
                            delivery::GiveUpReason::EndpointDisabled => "endpoint_disabled",
                        }
                    ),
                };
                format!("next {class} {decision}")
            }
            "retryAfter" => {
                let (value, now) = (str_of(c, "value")?, int_of(c, "now")?);
                let Loaded { store, webhooks } = &mut self.0;
                let got = webhooks
                    .hookproof_webhooks_delivery()
                    .call_parse_retry_after(store, value, now)?;
                format!("retryAfter {}", optional_u64(got))
            }
            "httpDate" => {
                let (value, now) = (str_of(c, "value")?, int_of(c, "now")?);
                let Loaded { store, webhooks } = &mut self.0;
                let got = webhooks
                    .hookproof_webhooks_delivery()
                    .call_parse_http_date(store, value, now)?;
                format!("httpDate {}", optional_i64(got))
            }
            "formatDate" => {
                let unix = int_of(c, "unix")?;
                let Loaded { store, webhooks } = &mut self.0;
                match webhooks
                    .hookproof_webhooks_delivery()
                    .call_format_http_date(store, unix)?
                {
                    Some(text) => format!("formatDate {}", q(&text)),
                    None => "formatDate none".to_owned(),
                }
            }
            "tags" | "tagsEvent" => {
                let filter = listed(c, "filter")?;
                let Loaded { store, webhooks } = &mut self.0;
                let routing = webhooks.hookproof_webhooks_routing();
                let guest = routing.tag_filter();
                let made = match &filter {
                    Listed::List(l) => guest.call_create(&mut *store, l),
                    Listed::Text(t) => guest.call_parse_list(&mut *store, t),
                }?;
                let f = match made {
                    Ok(f) => f,
                    Err(routing::TagError::TooManyTags) => {
                        return Ok(format!("{kind} err too_many_tags"));
                    }
                    Err(routing::TagError::InvalidTag(i)) => {
                        return Ok(format!("{kind} err invalid_tag {i}"));
                    }
                };
                let company = if kind == "tags" {
                    Ok(pairs(field(c, "company")?, "company")?)
                } else {
                    match routing.call_parse_event(&mut *store, &body(c, "body")?)? {
                        Err(e) => Err(event_code(&e)),
                        Ok(routing::Event::Current(e)) => {
                            Ok(e.company.map(|c| c.tags).unwrap_or_default())
                        }
                        Ok(routing::Event::Legacy(_)) => Ok(Vec::new()),
                    }
                };
                let line = match company {
                    Err(code) => format!("{kind} err {code}"),
                    Ok(tags) => {
                        let m = guest.call_matches(&mut *store, f, &tags)?;
                        format!("{kind} {}", if m { "match" } else { "nomatch" })
                    }
                };
                self.drop_resource(f)?;
                line
            }
            "eventTypes" => {
                let patterns = listed(c, "patterns")?;
                let event_type = str_of(c, "type")?;
                let Loaded { store, webhooks } = &mut self.0;
                let guest = webhooks.hookproof_webhooks_routing().event_type_filter();
                let made = match &patterns {
                    Listed::List(l) => guest.call_create(&mut *store, l),
                    Listed::Text(t) => guest.call_parse_list(&mut *store, t),
                }?;
                let f = match made {
                    Ok(f) => f,
                    Err(routing::EventTypeError::TooManyEventTypes) => {
                        return Ok("eventTypes err too_many_event_types".to_owned());
                    }
                    Err(routing::EventTypeError::InvalidEventType(i)) => {
                        return Ok(format!("eventTypes err invalid_event_type {i}"));
                    }
                };
                let m = guest.call_matches(&mut *store, f, event_type)?;
                self.drop_resource(f)?;
                format!("eventTypes {}", if m { "match" } else { "nomatch" })
            }
            "event" => {
                let body = body(c, "body")?;
                let Loaded { store, webhooks } = &mut self.0;
                match webhooks
                    .hookproof_webhooks_routing()
                    .call_parse_event(store, &body)?
                {
                    Err(e) => format!("event err {}", event_code(&e)),
                    Ok(routing::Event::Current(e)) => event_line(&EventOut::Current {
                        id: e.id,
                        event_type: e.event_type,
                        generated_date: e.generated_date,
                        company_id: e.company.as_ref().and_then(|c| c.id.clone()),
                        company_name: e.company.as_ref().and_then(|c| c.name.clone()),
                        tags: e.company.map(|c| c.tags).unwrap_or_default(),
                        payload: e.payload,
                    }),
                    Ok(routing::Event::Legacy(e)) => event_line(&EventOut::Legacy {
                        rule_type: e.rule_type,
                        company_id: e.company_id,
                        client_id: e.client_id,
                        client_name: e.client_name,
                        data_connection_id: e.data_connection_id,
                        rule_id: e.rule_id,
                        alert_id: e.alert_id,
                        message: e.message,
                        data: e.data,
                    }),
                }
            }
            "auth" => {
                let expected = field(c, "expected")?;
                let credentials = match (expected.get("basic"), expected.get("bearer")) {
                    (Some(b), _) => {
                        authorization::Credentials::Basic(authorization::BasicCredentials {
                            username: str_of(b, "username")?.to_owned(),
                            password: str_of(b, "password")?.to_owned(),
                        })
                    }
                    (None, Some(Value::String(t))) => authorization::Credentials::Bearer(t.clone()),
                    _ => return Err(Failure::Bad("expected".into())),
                };
                let header = opt_str(c, "header")?;
                let Loaded { store, webhooks } = &mut self.0;
                use authorization::AuthorizationError as E;
                match webhooks.hookproof_webhooks_authorization().call_check(
                    store,
                    header,
                    &credentials,
                )? {
                    Ok(()) => "auth ok".to_owned(),
                    Err(e) => format!(
                        "auth err {}",
                        match e {
                            E::MissingAuthorization => "missing_authorization",
                            E::MalformedAuthorization => "malformed_authorization",
                            E::WrongScheme => "wrong_scheme",
                            E::AuthorizationMismatch => "authorization_mismatch",
                            E::InvalidCredentials => "invalid_credentials",
                        }
                    ),
                }
            }
            "clientId" => {
                let (expected, header) = (str_of(c, "expected")?, opt_str(c, "header")?);
                let Loaded { store, webhooks } = &mut self.0;
                match webhooks
                    .hookproof_webhooks_routing()
                    .call_check_client_id(store, expected, header)?
                {
                    Ok(()) => "clientId ok".to_owned(),
                    Err(routing::ClientIdError::MissingClientId) => {
                        "clientId err missing_client_id".to_owned()
                    }
                    Err(routing::ClientIdError::ClientIdMismatch) => {
                        "clientId err client_id_mismatch".to_owned()
                    }
                }
            }
            "source" => {
                let list = match field(c, "allowlist")? {
                    Value::Null => None,
                    v => Some(strings(v, "allowlist")?),
                };
                let address = str_of(c, "address")?;
                let Loaded { store, webhooks } = &mut self.0;
                let guest = webhooks.hookproof_webhooks_routing().source_allowlist();
                let made = match &list {
                    None => Ok(guest.call_codat(&mut *store)?),
                    Some(entries) => guest.call_create(&mut *store, entries)?,
                };
                let source_err = |e: routing::SourceError| match e {
                    routing::SourceError::TooManySources => {
                        "source err too_many_sources".to_owned()
                    }
                    routing::SourceError::InvalidSource(i) => {
                        format!("source err invalid_source {i}")
                    }
                    // The npm package answers false for an address that does not parse.
                    routing::SourceError::InvalidAddress => "source denied".to_owned(),
                };
                match made {
                    Err(e) => source_err(e),
                    Ok(l) => {
                        let r = guest.call_is_allowed(&mut *store, l, address)?;
                        self.drop_resource(l)?;
                        match r {
                            Ok(true) => "source allowed".to_owned(),
                            Ok(false) => "source denied".to_owned(),
                            Err(e) => source_err(e),
                        }
                    }
                }
            }
            "rate" => {
                let (per_second, burst) = (u32_of(c, "perSecond")?, u32_of(c, "burst")?);
                let steps = rate_steps(c)?;
                let Loaded { store, webhooks } = &mut self.0;
                let guest = webhooks.hookproof_webhooks_guards().rate_limiter();
                let l = match guest.call_create(&mut *store, per_second, burst)? {
                    Ok(l) => l,
                    Err(guards::RateLimitError::InvalidRate) => {
                        return Ok("rate err invalid_rate".into());
                    }
                };
                let mut line = "rate".to_owned();
                for ms in steps {
                    line.push(' ');
                    line.push_str(&match guest.call_check(&mut *store, l, ms)? {
                        guards::RateDecision::Allow => "allow".to_owned(),
                        guards::RateDecision::RetryAfter(s) => int_u64(s),
                    });
                }
                self.drop_resource(l)?;
                line
            }
            "consumer" => self.consumer_case(c)?,
            "sourceRate" => {
                let (per_second, burst) = (u32_of(c, "perSecond")?, u32_of(c, "burst")?);
                let capacity = u32_of(c, "capacity")?;
                let steps = source_rate_steps(c)?;
                let Loaded { store, webhooks } = &mut self.0;
                let guest = webhooks.hookproof_webhooks_guards().source_limiter();
                let l = match guest.call_create(&mut *store, per_second, burst, capacity)? {
                    Ok(l) => l,
                    Err(guards::RateLimitError::InvalidRate) => {
                        return Ok("sourceRate err invalid_rate".into());
                    }
                };
                let mut line = "sourceRate".to_owned();
                for (source, ms) in steps {
                    line.push(' ');
                    line.push_str(&match guest.call_check(&mut *store, l, &source, ms)? {
                        guards::RateDecision::Allow => "allow".to_owned(),
                        guards::RateDecision::RetryAfter(s) => int_u64(s),
                    });
                }
                self.drop_resource(l)?;
                line
            }
            "replay" => {
                let (capacity, ttl) = (u32_of(c, "capacity")?, u64_of(c, "ttl")?);
                let steps = replay_steps(c)?;
                let Loaded { store, webhooks } = &mut self.0;
                let guest = webhooks.hookproof_webhooks_guards().replay_guard();
                let g = match guest.call_create(&mut *store, capacity, ttl)? {
                    Ok(g) => g,
                    Err(guards::ReplayError::InvalidCapacity) => {
                        return Ok("replay err invalid_capacity".into());
                    }
                };
                let mut line = "replay".to_owned();
                for (id, now) in steps {
                    line.push(' ');
                    line.push_str(&match now {
                        None => format!("forget:{}", guest.call_forget(&mut *store, g, &id)?),
                        Some(now) => match guest.call_check(&mut *store, g, &id, now)? {
                            guards::Seen::New => "new".to_owned(),
                            guards::Seen::Duplicate => "dup".to_owned(),
                        },
                    });
                }
                self.drop_resource(g)?;
                line
            }
            "redisKeys" => {
                let id = acceptance_id(field(c, "id")?)?;
                let (prefix, scope) = (
                    str_of(c, "prefix")?.to_owned(),
                    str_of(c, "scope")?.to_owned(),
                );
                let Loaded { store, webhooks } = &mut self.0;
                match webhooks
                    .hookproof_webhooks_acceptance()
                    .call_redis_keys(store, &prefix, &scope, &id)?
                {
                    Ok(k) => format!("redisKeys {} {}", q(&k.stream), q(&k.acceptance)),
                    Err(e) => format!(
                        "redisKeys err {}",
                        match e {
                            acceptance::RedisKeyError::InvalidScope => "invalid_scope",
                            acceptance::RedisKeyError::InvalidPrefix => "invalid_prefix",
                            acceptance::RedisKeyError::InvalidId => "invalid_id",
                        }
                    ),
                }
            }
            "acceptKey" => {
                let id = acceptance_id(field(c, "id")?)?;
                let Loaded { store, webhooks } = &mut self.0;
                match webhooks
                    .hookproof_webhooks_acceptance()
                    .call_key(store, &id)?
                {
                    Ok(k) => format!("acceptKey {}", q(&k)),
                    Err(e) => format!("acceptKey err {}", acceptance_code(e)),
                }
            }
            "acceptTransition" => {
                let entry = accept_entry(field(c, "entry")?)?.map(|(in_flight, d)| {
                    if in_flight {
                        acceptance::Entry::InFlight(d)
                    } else {
                        acceptance::Entry::Done(d)
                    }
                });
                let token = step_token(c.get("token"), &[])?;
                let op = wit_op(accept_op(str_of(c, "op")?, token)?);
                let config = acceptance::Config {
                    window_seconds: u64_of(c, "window")?,
                    lease_seconds: u64_of(c, "lease")?,
                };
                let now = int_of(c, "now")?;
                let Loaded { store, webhooks } = &mut self.0;
                match webhooks
                    .hookproof_webhooks_acceptance()
                    .call_transition(store, config, entry, op, now)?
                {
                    Err(e) => format!("acceptTransition err {}", acceptance_code(e)),
                    Ok(step) => {
                        let entry = step.entry.map(|e| match e {
                            acceptance::Entry::InFlight(d) => (true, d),
                            acceptance::Entry::Done(d) => (false, d),
                        });
                        format!(
                            "acceptTransition {} {}",
                            accept_entry_line(entry),
                            answer_line(step.answer)
                        )
                    }
                }
            }
            "accept" => {
                let config = acceptance::Config {
                    window_seconds: u64_of(c, "window")?,
                    lease_seconds: u64_of(c, "lease")?,
                };
                let capacity = u32_of(c, "capacity")?;
                let steps = field(c, "steps")?.as_array().ok_or("steps")?;
                let Loaded { store, webhooks } = &mut self.0;
                let guest = webhooks.hookproof_webhooks_acceptance().guard();
                let g = match guest.call_create(&mut *store, config, capacity)? {
                    Ok(g) => g,
                    Err(e) => return Ok(format!("accept err {}", acceptance_code(e))),
                };
                let mut line = "accept".to_owned();
                let mut tokens: Vec<Option<i64>> = Vec::new();
                for step in steps {
                    let token = step_token(step.get("token"), &tokens)?;
                    let op = wit_op(accept_op(str_of(step, "op")?, token)?);
                    let id = acceptance_id(field(step, "id")?)?;
                    let r = guest.call_apply(&mut *store, g, &id, op, int_of(step, "now")?)?;
                    tokens.push(match r {
                        Ok(acceptance::Answer::New(token)) => Some(token),
                        _ => None,
                    });
                    line.push(' ');
                    line.push_str(&match r {
                        Ok(a) => answer_line(a),
                        Err(e) => format!("err:{}", acceptance_code(e)),
                    });
                }
                let size = guest.call_size(&mut *store, g)?;
                line.push_str(&format!(" size:{size}"));
                self.drop_resource(g)?;
                line
            }
            _ => return Err(Failure::Bad(format!("kind {kind}"))),
        })
    }
}

fn secret_code(e: signatures::SecretError) -> &'static str {
    match e {
        signatures::SecretError::InvalidSecret => "invalid_secret",
        signatures::SecretError::TooManySecrets => "too_many_secrets",
        signatures::SecretError::InvalidKey => "invalid_key",
        signatures::SecretError::UnsupportedKey => "unsupported_key",
        signatures::SecretError::AmbiguousKey => "ambiguous_key",
    }
}

fn acceptance_code(e: acceptance::AcceptanceError) -> &'static str {
    match e {
        acceptance::AcceptanceError::InvalidId => "invalid_id",
        acceptance::AcceptanceError::InvalidConfig => "invalid_config",
        acceptance::AcceptanceError::StoreFull => "store_full",
        acceptance::AcceptanceError::Contended => "contended",
        acceptance::AcceptanceError::StoreUnavailable => "store_unavailable",
    }
}

fn wit_op(op: AcceptOpIn) -> acceptance::Op {
    match op {
        AcceptOpIn::Begin => acceptance::Op::Begin,
        AcceptOpIn::Commit(t) => acceptance::Op::Commit(t),
        AcceptOpIn::Abort(t) => acceptance::Op::Abort(t),
        AcceptOpIn::Enqueue(t) => acceptance::Op::Enqueue(t),
    }
}

fn answer_line(a: acceptance::Answer) -> String {
    match a {
        acceptance::Answer::New(token) => accept_answer("new", Some(token)),
        acceptance::Answer::InFlight(s) => accept_answer("in_flight", i64::try_from(s).ok()),
        acceptance::Answer::Done => "done".to_owned(),
        acceptance::Answer::Committed => "committed".to_owned(),
        acceptance::Answer::Late => "late".to_owned(),
        acceptance::Answer::Released => "released".to_owned(),
        acceptance::Answer::NotHeld => "not_held".to_owned(),
    }
}

fn event_code(e: &routing::EventError) -> &'static str {
    match e {
        routing::EventError::InvalidPayload => "invalid_payload",
        routing::EventError::InvalidEvent(_) => "invalid_event",
        routing::EventError::EventTooLarge => "event_too_large",
    }
}

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist/hookproof.component.wasm");
    let fresh = || load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut host = Host(fresh());
    common::serve(|c| match host.run(c) {
        Ok(line) => Ok(line),
        Err(Failure::Bad(why)) => Err(why),
        Err(Failure::Trap(why)) => {
            // A trapped instance is unusable: report the trap, go on with a fresh one.
            host = Host(fresh());
            Ok(format!("trap {}", q(&why)))
        }
    });
}
