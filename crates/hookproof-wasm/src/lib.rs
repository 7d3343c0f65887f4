//! wasm-bindgen binding of the hookproof core beyond signatures, for the `hookproof/codat`
//! entry of the npm package (`js/`); signatures live in the lean `hookproof-webhook-wasm`.
//!
//! This layer only converts types: JS strings and bytes in, and either a value or one
//! `"code|message"` string out, which `js/src/codat.js` turns into a `HookproofError`.

use std::fmt::Display;

use hookproof::classify::{Attempt, Outcome};
use hookproof::{
    Classification, Credentials, Decision, ErrorCode, Event, EventTypeFilter, HttpDate, Policy,
    RateDecision, RateLimiter, ReplayGuard, Seen, SourceAllowlist, SourceLimiter, TagFilter,
};
use wasm_bindgen::prelude::*;

mod acceptance;
mod consumer;

/// The one error shape that crosses into JS: `code|message`.
fn fail<E: ErrorCode + Display>(e: E) -> String {
    format!("{}|{e}", e.code())
}

fn usage(code: &str, message: &str) -> String {
    format!("{code}|{message}")
}

fn policy(name: &str) -> Result<Policy, String> {
    Policy::parse(name)
        .ok_or_else(|| usage("invalid_policy", "policy must be \"legacy\" or \"current\""))
}

/// `status` ≥ 0 is an HTTP status; -1 a timeout; anything else a connection error.
fn outcome(status: i32) -> Option<Outcome> {
    match status {
        -1 => Some(Outcome::Timeout),
        s => Some(u16::try_from(s).map_or(Outcome::ConnectionError, Outcome::Status)),
    }
}

/// `"delivered" | "redirect" | "retry" | "failed"`.
#[wasm_bindgen]
pub fn classify_response(
    policy_name: &str,
    status: i32,
    webhook_delivery: Option<String>,
) -> Result<String, String> {
    let attempt = Attempt {
        outcome: outcome(status),
        retry_after: None,
        webhook_delivery: webhook_delivery.as_deref(),
    };
    Ok(hookproof::classify(policy(policy_name)?, &attempt)
        .name()
        .to_owned())
}

/// The sender's next step as JSON: `{"classification", "action", "at"?, "reason"?}`.
#[wasm_bindgen]
pub fn next_attempt(
    policy_name: &str,
    attempt_number: u32,
    status: i32,
    retry_after: Option<String>,
    webhook_delivery: Option<String>,
    now: f64,
) -> Result<String, String> {
    let policy = policy(policy_name)?;
    let attempt = Attempt {
        outcome: outcome(status),
        retry_after: retry_after.as_deref(),
        webhook_delivery: webhook_delivery.as_deref(),
    };
    let classification: Classification = hookproof::classify(policy, &attempt);
    let decision = match hookproof::next_attempt(policy, attempt_number, &attempt, now as i64) {
        Decision::Delivered => r#""action":"delivered""#.to_owned(),
        Decision::FollowRedirect => r#""action":"follow_redirect""#.to_owned(),
        Decision::RetryAt(at) => format!(r#""action":"retry","at":{at}"#),
        Decision::GiveUp(reason) => format!(r#""action":"give_up","reason":"{}""#, reason.name()),
    };
    Ok(format!(
        r#"{{"classification":"{}",{decision}}}"#,
        classification.name()
    ))
}

/// Delay in seconds, or `undefined`.
#[wasm_bindgen]
pub fn parse_retry_after(value: &str, now: f64) -> Option<f64> {
    hookproof::parse_retry_after(value, now as i64).map(|s| s as f64)
}

/// Unix seconds of an HTTP-date, or `undefined`.
#[wasm_bindgen]
pub fn parse_http_date(value: &str, now: f64) -> Option<f64> {
    hookproof::parse_http_date(value, now as i64).map(|s| s as f64)
}

/// IMF-fixdate of a Unix time, or `undefined` outside years 1–9999.
#[wasm_bindgen]
pub fn format_http_date(unix: f64) -> Option<String> {
    if !unix.is_finite() {
        return None;
    }
    HttpDate::new(unix as i64).map(|d| d.to_string())
}

/// A parsed company-tag filter.
#[wasm_bindgen]
pub struct Tags {
    inner: TagFilter,
}

#[wasm_bindgen]
impl Tags {
    /// Parses `key:value` tags.
    #[wasm_bindgen(constructor)]
    pub fn new(tags: Vec<String>) -> Result<Tags, String> {
        TagFilter::new(&tags)
            .map(|inner| Tags { inner })
            .map_err(|e| with_index(fail(e), e.index()))
    }

    /// Parses a comma-separated list.
    pub fn parse_list(list: &str) -> Result<Tags, String> {
        TagFilter::parse_list(list)
            .map(|inner| Tags { inner })
            .map_err(|e| with_index(fail(e), e.index()))
    }

    /// `flat` is `[key, value, key, value, …]`.
    pub fn matches(&self, flat: Vec<String>) -> bool {
        self.inner
            .matches(flat.chunks_exact(2).filter_map(|kv| match kv {
                [k, v] => Some((k.as_str(), v.as_str())),
                _ => None,
            }))
    }

    /// Parses a raw body and matches its company's tags.
    pub fn matches_body(&self, body: &[u8]) -> Result<bool, String> {
        let event = hookproof::parse_event(body).map_err(fail)?;
        Ok(self.inner.matches(event.company_tags()))
    }
}

/// Appends `|index` when an error names an entry.
fn with_index(error: String, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("{error}|{i}"),
        None => error,
    }
}

/// A parsed event-type filter.
#[wasm_bindgen]
pub struct EventTypes {
    inner: EventTypeFilter,
}

#[wasm_bindgen]
impl EventTypes {
    /// Parses names, `prefix.*` and `*`.
    #[wasm_bindgen(constructor)]
    pub fn new(patterns: Vec<String>) -> Result<EventTypes, String> {
        EventTypeFilter::new(&patterns)
            .map(|inner| EventTypes { inner })
            .map_err(event_type_error)
    }

    /// Parses a comma-separated list.
    pub fn parse_list(list: &str) -> Result<EventTypes, String> {
        EventTypeFilter::parse_list(list)
            .map(|inner| EventTypes { inner })
            .map_err(event_type_error)
    }

    /// Whether the event type is accepted.
    pub fn matches(&self, event_type: &str) -> bool {
        self.inner.matches(event_type)
    }
}

fn event_type_error(e: hookproof::EventTypeError) -> String {
    with_index(fail(e), e.index())
}

/// Appends `value` as a JSON string (or `null`).
fn json_str(out: &mut String, value: Option<&str>) {
    let Some(value) = value else {
        out.push_str("null");
        return;
    };
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `"key":` and the value: a string, or raw JSON text, or `null`.
fn member(out: &mut String, key: &str, value: Option<&str>, raw: bool) {
    if out.len() > 1 {
        out.push(',');
    }
    json_str(out, Some(key));
    out.push(':');
    match value {
        Some(v) if raw => out.push_str(v),
        v => json_str(out, v),
    }
}

/// The event as JSON in the package's documented shape, or `code|message`. Member values are
/// the core's strings; `payload` and `data` are the body's own JSON text.
#[wasm_bindgen]
pub fn parse_event(body: &[u8]) -> Result<String, String> {
    let event = hookproof::parse_event(body).map_err(fail)?;
    let mut out = String::from("{");
    match &event {
        Event::Current {
            id,
            event_type,
            generated_date,
            company,
            payload,
        } => {
            member(&mut out, "kind", Some("current"), false);
            member(&mut out, "id", id.as_deref(), false);
            member(&mut out, "eventType", Some(event_type), false);
            member(&mut out, "generatedDate", generated_date.as_deref(), false);
            member(&mut out, "companyId", event.company_id(), false);
            let name = company.as_ref().and_then(|c| c.name.as_deref());
            member(&mut out, "companyName", name, false);
            member(&mut out, "payload", payload.as_deref(), true);
        }
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
        } => {
            member(&mut out, "kind", Some("legacy"), false);
            member(&mut out, "eventType", Some(rule_type), false);
            member(&mut out, "ruleType", Some(rule_type), false);
            member(&mut out, "companyId", company_id.as_deref(), false);
            member(&mut out, "clientId", client_id.as_deref(), false);
            member(&mut out, "clientName", client_name.as_deref(), false);
            member(
                &mut out,
                "dataConnectionId",
                data_connection_id.as_deref(),
                false,
            );
            member(&mut out, "ruleId", rule_id.as_deref(), false);
            member(&mut out, "alertId", alert_id.as_deref(), false);
            member(&mut out, "message", message.as_deref(), false);
            member(&mut out, "data", data.as_deref(), true);
        }
        _ => return Err(usage("invalid_event", "unsupported event kind")),
    }
    out.push_str(",\"companyTags\":{");
    for (i, (k, v)) in event.company_tags().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(&mut out, Some(k));
        out.push(':');
        json_str(&mut out, Some(v));
    }
    out.push_str("}}");
    Ok(out)
}

/// Checks `Authorization`; `scheme` is `"basic"` (with `user`, `secret` = password) or
/// `"bearer"` (with `secret` = token).
#[wasm_bindgen]
pub fn check_authorization(
    header: Option<String>,
    scheme: &str,
    user: &str,
    secret: &str,
) -> Option<String> {
    let expected = match scheme {
        "basic" => Credentials::basic(user, secret),
        "bearer" => Credentials::bearer(secret),
        _ => {
            return Some(usage(
                "invalid_credentials",
                "expected { basic: { username, password } } or { bearer: token }",
            ));
        }
    };
    expected
        .and_then(|c| hookproof::check_authorization(header.as_deref(), &c))
        .err()
        .map(fail)
}

/// Checks `X-Codat-ClientId`.
#[wasm_bindgen]
pub fn check_client_id(expected: &str, header: Option<String>) -> Option<String> {
    hookproof::check_client_id(expected, header.as_deref())
        .err()
        .map(fail)
}

/// A parsed source-address allowlist.
#[wasm_bindgen]
pub struct Sources {
    inner: SourceAllowlist,
}

#[wasm_bindgen]
impl Sources {
    /// Parses entries; `codat()` gives Codat's documented sources.
    #[wasm_bindgen(constructor)]
    pub fn new(entries: Vec<String>) -> Result<Sources, String> {
        SourceAllowlist::new(&entries)
            .map(|inner| Sources { inner })
            .map_err(|e| with_index(fail(e), e.index()))
    }

    /// Codat's documented sources, current and legacy.
    pub fn codat() -> Sources {
        Sources {
            inner: SourceAllowlist::codat(),
        }
    }

    /// Whether the address is allowed.
    pub fn is_allowed(&self, address: &str) -> Result<bool, String> {
        self.inner.is_allowed(address).map_err(fail)
    }
}

/// A GCRA rate limiter.
#[wasm_bindgen]
pub struct Limiter {
    inner: RateLimiter,
}

#[wasm_bindgen]
impl Limiter {
    /// At most `per_second` on average, `burst` at once.
    #[wasm_bindgen(constructor)]
    pub fn new(per_second: u32, burst: u32) -> Result<Limiter, String> {
        RateLimiter::new(per_second, burst)
            .map(|inner| Limiter { inner })
            .map_err(fail)
    }

    /// 0 to allow (and count) a message at `now_ms`, else the seconds to put in `Retry-After`.
    pub fn check(&mut self, now_ms: f64) -> f64 {
        match self.inner.check(now_ms as u64) {
            RateDecision::Allow => 0.0,
            RateDecision::RetryAfter(secs) => secs as f64,
        }
    }
}

/// One GCRA per source address, for requests that failed authentication.
#[wasm_bindgen]
pub struct SourceLimits {
    inner: SourceLimiter,
}

#[wasm_bindgen]
impl SourceLimits {
    /// At most `per_second` on average and `burst` at once per source, `capacity` sources.
    #[wasm_bindgen(constructor)]
    pub fn new(per_second: u32, burst: u32, capacity: u32) -> Result<SourceLimits, String> {
        SourceLimiter::new(per_second, burst, capacity as usize)
            .map(|inner| SourceLimits { inner })
            .map_err(fail)
    }

    /// 0 to allow (and count) a request from `source` at `now_ms`, else the `Retry-After` seconds.
    pub fn check(&mut self, source: &str, now_ms: f64) -> f64 {
        match self.inner.check(source, now_ms as u64) {
            RateDecision::Allow => 0.0,
            RateDecision::RetryAfter(secs) => secs as f64,
        }
    }
}

/// A bounded, expiring set of recently seen webhook ids.
#[wasm_bindgen]
pub struct Replay {
    inner: ReplayGuard,
}

#[wasm_bindgen]
impl Replay {
    /// At most `capacity` ids, each remembered `ttl` seconds.
    #[wasm_bindgen(constructor)]
    pub fn new(capacity: u32, ttl: f64) -> Result<Replay, String> {
        ReplayGuard::new(capacity as usize, ttl as u64)
            .map(|inner| Replay { inner })
            .map_err(fail)
    }

    /// `true` when `id` was already seen within its TTL; otherwise records it.
    pub fn check(&mut self, id: &str, now: f64) -> bool {
        self.inner.check(id, now as i64) == Seen::Duplicate
    }

    /// Forgets `id`; whether it was remembered.
    pub fn forget(&mut self, id: &str) -> bool {
        self.inner.forget(id)
    }

    /// Ids currently remembered.
    pub fn size(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }
}
