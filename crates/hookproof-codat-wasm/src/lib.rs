//! wasm-bindgen binding of the hookproof core beyond signatures, for the `hookproof/codat`
//! entry of the npm package (`js/`); signatures live in the lean `hookproof-webhook-wasm`.
//!
//! This layer only converts types: JS strings, bytes and plain objects in; plain JS values
//! out (events in the core's serde shape, answers as objects); errors thrown as the package's
//! `HookproofError`, made in [`error`].

use hookproof::classify::{Attempt, Outcome};
use hookproof::{
    Credentials, Decision, EventTypeFilter, HttpDate, Policy, RateDecision, RateLimiter,
    ReplayGuard, SourceAllowlist, SourceLimiter, TagFilter,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{JsResult, fail, fail_at, to_js, usage};

mod acceptance;
mod consumer;
mod error;

fn policy(name: &str) -> JsResult<Policy> {
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
) -> JsResult<String> {
    let attempt = Attempt {
        outcome: outcome(status),
        retry_after: None,
        webhook_delivery: webhook_delivery.as_deref(),
    };
    Ok(hookproof::classify(policy(policy_name)?, &attempt)
        .name()
        .to_owned())
}

/// The sender's next step, as `nextAttempt` answers it.
#[derive(Serialize)]
struct NextAttempt {
    classification: &'static str,
    /// `delivered`, `follow_redirect`, `retry` or `give_up`.
    action: &'static str,
    /// When to retry, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<f64>,
    /// Why the sender gives up.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

/// The sender's next step: `{ classification, action, at?, reason? }`.
#[wasm_bindgen]
pub fn next_attempt(
    policy_name: &str,
    attempt_number: u32,
    status: i32,
    retry_after: Option<String>,
    webhook_delivery: Option<String>,
    now: f64,
) -> JsResult<JsValue> {
    let policy = policy(policy_name)?;
    let attempt = Attempt {
        outcome: outcome(status),
        retry_after: retry_after.as_deref(),
        webhook_delivery: webhook_delivery.as_deref(),
    };
    let (action, at, reason) =
        match hookproof::next_attempt(policy, attempt_number, &attempt, now as i64) {
            Decision::RetryAt(at) => ("retry", Some(at as f64), None),
            Decision::GiveUp(reason) => ("give_up", None, Some(reason.name())),
            Decision::FollowRedirect => ("follow_redirect", None, None),
            Decision::Delivered => ("delivered", None, None),
        };
    to_js(&NextAttempt {
        classification: hookproof::classify(policy, &attempt).name(),
        action,
        at,
        reason,
    })
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
#[wasm_bindgen(js_name = TagFilter)]
pub struct Tags {
    inner: TagFilter,
}

#[wasm_bindgen(js_class = TagFilter)]
impl Tags {
    /// Parses `key:value` tags.
    #[wasm_bindgen(constructor)]
    pub fn new(tags: Vec<String>) -> JsResult<Tags> {
        TagFilter::new(&tags)
            .map(|inner| Tags { inner })
            .map_err(|e| fail_at(e, e.index()))
    }

    /// Parses a comma-separated list.
    pub fn parse_list(list: &str) -> JsResult<Tags> {
        TagFilter::parse_list(list)
            .map(|inner| Tags { inner })
            .map_err(|e| fail_at(e, e.index()))
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
    pub fn matches_body(&self, body: &[u8]) -> JsResult<bool> {
        let event = hookproof::parse_event(body).map_err(fail)?;
        Ok(self.inner.matches(event.company_tags()))
    }
}

/// A parsed event-type filter.
#[wasm_bindgen(js_name = EventTypeFilter)]
pub struct EventTypes {
    inner: EventTypeFilter,
}

#[wasm_bindgen(js_class = EventTypeFilter)]
impl EventTypes {
    /// Parses names, `prefix.*` and `*`.
    #[wasm_bindgen(constructor)]
    pub fn new(patterns: Vec<String>) -> JsResult<EventTypes> {
        EventTypeFilter::new(&patterns)
            .map(|inner| EventTypes { inner })
            .map_err(|e| fail_at(e, e.index()))
    }

    /// Parses a comma-separated list.
    pub fn parse_list(list: &str) -> JsResult<EventTypes> {
        EventTypeFilter::parse_list(list)
            .map(|inner| EventTypes { inner })
            .map_err(|e| fail_at(e, e.index()))
    }

    /// Whether the event type is accepted.
    pub fn matches(&self, event_type: &str) -> bool {
        self.inner.matches(event_type)
    }
}

/// The event in the core's serde shape (the WIT record's): `{ kind: "current", id,
/// eventType, generatedDate, company: { id, name, tags: [[key, value], …] } | null, payload }`
/// or `{ kind: "legacy", ruleType, companyId, clientId, clientName, dataConnectionId, ruleId,
/// alertId, message, data }`; `payload` and `data` are the body's own JSON text, absent
/// members `null`.
#[wasm_bindgen]
pub fn parse_event(body: &[u8]) -> JsResult<JsValue> {
    to_js(&hookproof::parse_event(body).map_err(fail)?)
}

/// The answer of a non-throwing check: `{ ok: true }` or `{ ok: false, code, message }`.
#[derive(Serialize)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

fn check<E: hookproof::ErrorCode + core::fmt::Display>(result: Result<(), E>) -> JsResult<JsValue> {
    to_js(&match result {
        Ok(()) => Check {
            ok: true,
            code: None,
            message: None,
        },
        Err(e) => Check {
            ok: false,
            code: Some(e.code()),
            message: Some(e.to_string()),
        },
    })
}

/// Checks `Authorization`; `scheme` is `"basic"` (with `user`, `secret` = password) or
/// `"bearer"` (with `secret` = token): `{ ok: true }` or `{ ok: false, code, message }`.
#[wasm_bindgen]
pub fn check_authorization(
    header: Option<String>,
    scheme: &str,
    user: &str,
    secret: &str,
) -> JsResult<JsValue> {
    let expected = match scheme {
        "basic" => Credentials::basic(user, secret),
        "bearer" => Credentials::bearer(secret),
        _ => {
            return to_js(&Check {
                ok: false,
                code: Some("invalid_credentials"),
                message: Some(
                    "expected { basic: { username, password } } or { bearer: token }".to_owned(),
                ),
            });
        }
    };
    check(expected.and_then(|c| hookproof::check_authorization(header.as_deref(), &c)))
}

/// Checks `X-Codat-ClientId`: `{ ok: true }` or `{ ok: false, code, message }`.
#[wasm_bindgen]
pub fn check_client_id(expected: &str, header: Option<String>) -> JsResult<JsValue> {
    check(hookproof::check_client_id(expected, header.as_deref()))
}

/// A parsed source-address allowlist.
#[wasm_bindgen(js_name = SourceAllowlist)]
pub struct Sources {
    inner: SourceAllowlist,
}

#[wasm_bindgen(js_class = SourceAllowlist)]
impl Sources {
    /// Parses entries; `codat()` gives Codat's documented sources.
    #[wasm_bindgen(constructor)]
    pub fn new(entries: Vec<String>) -> JsResult<Sources> {
        SourceAllowlist::new(&entries)
            .map(|inner| Sources { inner })
            .map_err(|e| fail_at(e, e.index()))
    }

    /// Codat's documented sources, current and legacy.
    pub fn codat() -> Sources {
        Sources {
            inner: SourceAllowlist::codat(),
        }
    }

    /// Whether the address is allowed.
    pub fn is_allowed(&self, address: &str) -> JsResult<bool> {
        self.inner.is_allowed(address).map_err(fail)
    }
}

/// A rate limiter's answer: `{ allowed: true }` or `{ allowed: false, retryAfter }` (whole
/// seconds, ≥ 1, for `Retry-After`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RateAnswer {
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<f64>,
}

fn rate_answer(decision: RateDecision) -> JsResult<JsValue> {
    to_js(&match decision {
        RateDecision::Allow => RateAnswer {
            allowed: true,
            retry_after: None,
        },
        RateDecision::RetryAfter(secs) => RateAnswer {
            allowed: false,
            retry_after: Some(secs as f64),
        },
    })
}

/// A GCRA rate limiter.
#[wasm_bindgen(js_name = RateLimiter)]
pub struct Limiter {
    inner: RateLimiter,
}

#[wasm_bindgen(js_class = RateLimiter)]
impl Limiter {
    /// At most `per_second` on average, `burst` at once.
    #[wasm_bindgen(constructor)]
    pub fn new(per_second: u32, burst: u32) -> JsResult<Limiter> {
        RateLimiter::new(per_second, burst)
            .map(|inner| Limiter { inner })
            .map_err(fail)
    }

    /// Allows (and counts) a message at `now_ms`, or says how long to wait.
    pub fn check(&mut self, now_ms: f64) -> JsResult<JsValue> {
        rate_answer(self.inner.check(now_ms as u64))
    }
}

/// One GCRA per source address, for requests that failed authentication.
#[wasm_bindgen(js_name = SourceLimiter)]
pub struct SourceLimits {
    inner: SourceLimiter,
}

#[wasm_bindgen(js_class = SourceLimiter)]
impl SourceLimits {
    /// At most `per_second` on average and `burst` at once per source, `capacity` sources.
    #[wasm_bindgen(constructor)]
    pub fn new(per_second: u32, burst: u32, capacity: u32) -> JsResult<SourceLimits> {
        SourceLimiter::new(per_second, burst, capacity as usize)
            .map(|inner| SourceLimits { inner })
            .map_err(fail)
    }

    /// Allows (and counts) a request from `source` at `now_ms`, or says how long to wait.
    pub fn check(&mut self, source: &str, now_ms: f64) -> JsResult<JsValue> {
        rate_answer(self.inner.check(source, now_ms as u64))
    }
}

/// A bounded, expiring set of recently seen webhook ids.
#[wasm_bindgen(js_name = ReplayGuard)]
pub struct Replay {
    inner: ReplayGuard,
}

#[wasm_bindgen(js_class = ReplayGuard)]
impl Replay {
    /// At most `capacity` ids, each remembered `ttl` seconds.
    #[wasm_bindgen(constructor)]
    pub fn new(capacity: u32, ttl: f64) -> JsResult<Replay> {
        ReplayGuard::new(capacity as usize, ttl as u64)
            .map(|inner| Replay { inner })
            .map_err(fail)
    }

    /// `"duplicate"` when `id` was already seen within its TTL; otherwise `"new"`, and records it.
    pub fn check(&mut self, id: &str, now: f64) -> JsResult<JsValue> {
        to_js(&self.inner.check(id, now as i64))
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
