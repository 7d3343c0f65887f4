//! The consumer's decision (`hookproof::consumer`) for JS, exported as `Consumer` and
//! `Exchange`: settings and steps cross as plain JS values, errors as a JS `Error` with a
//! `code`. Only conversions live here; `js/src/codat.js` wraps the two classes.
//!
//! Values coming in (settings, `begun`, `delivered`) are read member by member with `js_sys`,
//! accepting what serde-wasm-bindgen's `from_value` accepted for the same shapes: serde's
//! deserializer brings float formatting and its untagged-enum buffering (≈ 100 KB of module,
//! most of this module's size). Steps going out stay serde (`Serializer`).

use std::rc::Rc;

use hookproof::ErrorCode;
use hookproof::acceptance::Begin;
use hookproof::consumer::{AuthorizationSetting, Backend4xx};
use hookproof::consumer::{Consumer, ConsumerSettings, Delivered, Exchange, Head, Step};
use hookproof::{AcceptanceError, Policy, RateDecision};
use js_sys::{Array, Number, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// A core error as the package's `HookproofError` (`crate::error`).
fn fail<E: ErrorCode + std::fmt::Display>(e: E) -> JsValue {
    let index = e.index();
    crate::error::fail_at(e, index).into()
}

fn invalid(what: &str) -> JsValue {
    crate::error::usage("invalid_argument", what).into()
}

fn to_js(step: &Step) -> Result<JsValue, JsValue> {
    use serde::Serialize;
    step.serialize(&serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true))
        .map_err(|e| invalid(&e.to_string()))
}

/// Unix milliseconds from a JS number (saturating; NaN is 0).
fn millis(now: f64) -> u64 {
    now as u64
}

/// A compiled consumer (`new Consumer(settings)`).
#[wasm_bindgen(js_name = Consumer)]
pub struct JsConsumer {
    inner: Rc<Consumer>,
}

#[wasm_bindgen(js_class = Consumer)]
impl JsConsumer {
    /// Compiles `settings` (the core's `ConsumerSettings`, camelCase). Members it does not know
    /// are not read (serde-wasm-bindgen never applied `deny_unknown_fields` either).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> Result<JsConsumer, JsValue> {
        let settings = settings_from_js(&settings)
            .map_err(|what| JsValue::from(crate::error::usage("invalid_setting", &what)))?;
        let inner = Consumer::new(&settings).map_err(fail)?;
        Ok(JsConsumer {
            inner: Rc::new(inner),
        })
    }

    /// Starts one request's exchange; its first step is `exchange.step`.
    pub fn exchange(
        &self,
        now_ms: f64,
        method: &str,
        source: Option<String>,
        content_length: Option<f64>,
    ) -> Result<JsExchange, JsValue> {
        let head = Head {
            method,
            source: source.as_deref(),
            content_length: content_length.map(|n| n as u64),
        };
        let (inner, step) = self.inner.exchange(millis(now_ms), &head);
        Ok(JsExchange {
            consumer: Rc::clone(&self.inner),
            inner,
            step: to_js(&step)?,
        })
    }
}

/// One request's decision: feed the result of each step, get the next.
#[wasm_bindgen(js_name = Exchange)]
pub struct JsExchange {
    consumer: Rc<Consumer>,
    inner: Exchange,
    step: JsValue,
}

#[wasm_bindgen(js_class = Exchange)]
impl JsExchange {
    /// The first step (as `Consumer.exchange` returned it).
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> JsValue {
        self.step.clone()
    }

    /// The body, read whole, with its headers as parallel name and value lists.
    pub fn body(
        &mut self,
        names: Vec<String>,
        values: Vec<String>,
        body: &[u8],
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let headers: Vec<(String, String)> = names.into_iter().zip(values).collect();
        let step = self
            .inner
            .body(&self.consumer, headers.as_slice(), body, millis(now_ms))
            .map_err(fail)?;
        to_js(&step)
    }

    /// The body passed the step's byte cap.
    pub fn too_large(&mut self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.too_large(&self.consumer).map_err(fail)?)
    }

    /// The step's wait ran out.
    pub fn timeout(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        to_js(
            &self
                .inner
                .timeout(&self.consumer, millis(now_ms))
                .map_err(fail)?,
        )
    }

    /// A limiter's answer: `"allow"`, Retry-After seconds, or `null` (unavailable).
    pub fn rate(&mut self, decision: JsValue, now_ms: f64) -> Result<JsValue, JsValue> {
        let decision = if decision.is_null() || decision.is_undefined() {
            None
        } else if let Some(s) = decision.as_f64() {
            Some(RateDecision::RetryAfter((s as u64).max(1)))
        } else {
            Some(RateDecision::Allow)
        };
        to_js(
            &self
                .inner
                .rate(&self.consumer, decision, millis(now_ms))
                .map_err(fail)?,
        )
    }

    /// The store's answer to `begin`: `{answer: "new", token}`, `{answer: "in_flight",
    /// retryAfter}`, `{answer: "done"}` or `{error}`.
    pub fn begun(&mut self, answer: JsValue, now_ms: f64) -> Result<JsValue, JsValue> {
        let a = begun_from_js(&answer).map_err(|what| invalid(&what))?;
        let begun = match (a.answer.as_deref(), a.token, a.retry_after, a.error) {
            (Some("new"), Some(token), _, None) => Ok(Begin::New { token }),
            (Some("in_flight"), _, Some(retry_after), None) => Ok(Begin::InFlight { retry_after }),
            (Some("done"), _, _, None) => Ok(Begin::Done),
            (_, _, _, Some(code)) if code == "store_full" => Err(AcceptanceError::StoreFull),
            (_, _, _, Some(code)) if code == "invalid_id" => Err(AcceptanceError::InvalidId),
            (_, _, _, Some(_)) => Err(AcceptanceError::StoreUnavailable),
            _ => {
                return Err(invalid(
                    "begun: {answer: new, token} | {answer: in_flight, retryAfter} | {answer: done} | {error}",
                ));
            }
        };
        to_js(
            &self
                .inner
                .begun(&self.consumer, begun, millis(now_ms))
                .map_err(fail)?,
        )
    }

    /// What the delivery came to: `"accepted"`, `"committed"`, `"duplicate"`, `"unreachable"`,
    /// `"pending"`,
    /// `{inFlight}` or `{backend: status, retryAfter?}`.
    pub fn delivered(&mut self, result: JsValue, now_ms: f64) -> Result<JsValue, JsValue> {
        let r = delivered_from_js(&result).ok_or_else(|| {
            invalid("delivered: accepted | committed | duplicate | unreachable | pending | {inFlight} | {backend, retryAfter}")
        })?;
        let delivered = match &r {
            DeliveredIn::Name(n) if n == "accepted" => Delivered::Accepted,
            DeliveredIn::Name(n) if n == "committed" => Delivered::Committed,
            DeliveredIn::Name(n) if n == "duplicate" => Delivered::Duplicate,
            DeliveredIn::Name(n) if n == "unreachable" => Delivered::Unreachable,
            DeliveredIn::Name(n) if n == "pending" => Delivered::Pending,
            DeliveredIn::Name(_) => {
                return Err(invalid(
                    "delivered: accepted | committed | duplicate | unreachable | pending | {inFlight} | {backend, retryAfter}",
                ));
            }
            DeliveredIn::InFlight { in_flight } => Delivered::InFlight {
                retry_after: *in_flight,
            },
            DeliveredIn::Backend {
                backend,
                retry_after,
            } => Delivered::Backend {
                status: *backend,
                retry_after: retry_after.as_deref(),
            },
        };
        to_js(
            &self
                .inner
                .delivered(&self.consumer, delivered, millis(now_ms))
                .map_err(fail)?,
        )
    }

    /// The commit or abort finished (or failed).
    pub fn settled(&mut self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.settled().map_err(fail)?)
    }
}

// Reading JS values the way serde-wasm-bindgen 0.6 did for the same Rust types. A message
// names the member, never its value (settings hold secrets).

/// A member of an object as a struct field: `None` when absent (`undefined` and not `in` the
/// object); present, it may still be `undefined` or `null`.
fn member(obj: &JsValue, name: &str) -> Result<Option<JsValue>, String> {
    let key = JsValue::from_str(name);
    let value = Reflect::get(obj, &key).map_err(|_| format!("`{name}` could not be read"))?;
    if value.is_undefined() && !Reflect::has(obj, &key).unwrap_or(false) {
        return Ok(None);
    }
    Ok(Some(value))
}

/// `null` or `undefined`.
fn nullish(value: &JsValue) -> bool {
    value.is_null() || value.is_undefined()
}

/// An unsigned integer: a safe integer ≥ 0, or a `BigInt` within `u64`.
fn uint(value: &JsValue) -> Option<u64> {
    if value.is_bigint() {
        return u64::try_from(value.clone()).ok();
    }
    if Number::is_safe_integer(value) {
        let n = value.as_f64()?;
        return (n >= 0.0).then_some(n as u64);
    }
    None
}

/// A signed integer: a safe integer, or a `BigInt` within `i64`.
fn int(value: &JsValue) -> Option<i64> {
    if value.is_bigint() {
        return i64::try_from(value.clone()).ok();
    }
    if Number::is_safe_integer(value) {
        return value.as_f64().map(|n| n as i64);
    }
    None
}

fn want<T>(value: Option<T>, name: &str, what: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("`{name}` must be {what}"))
}

fn string(value: &JsValue, name: &str) -> Result<String, String> {
    want(value.as_string(), name, "a string")
}

fn optional<T>(
    value: Option<JsValue>,
    read: impl FnOnce(&JsValue) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match value {
        Some(v) if !nullish(&v) => read(&v).map(Some),
        _ => Ok(None),
    }
}

/// A list of strings: an array, or any other iterable.
fn strings(value: &JsValue, name: &str) -> Result<Vec<String>, String> {
    let bad = || format!("`{name}` must be an array of strings");
    let mut out = Vec::new();
    if let Some(array) = value.dyn_ref::<Array>() {
        for item in array.iter() {
            out.push(item.as_string().ok_or_else(bad)?);
        }
        return Ok(out);
    }
    let iter = js_sys::try_iter(value)
        .map_err(|_| bad())?
        .ok_or_else(bad)?;
    for item in iter {
        out.push(item.map_err(|_| bad())?.as_string().ok_or_else(bad)?);
    }
    Ok(out)
}

/// An externally tagged enum: `"variant"`, or an object with exactly one member
/// `{ variant: payload }`.
fn variant(value: &JsValue, name: &str) -> Result<(String, JsValue), String> {
    if let Some(tag) = value.as_string() {
        return Ok((tag, JsValue::UNDEFINED));
    }
    if value.is_object() {
        let entries = Object::entries(value.unchecked_ref());
        if entries.length() == 1 {
            let pair: Array = entries.get(0).unchecked_into();
            if let Some(tag) = pair.get(0).as_string() {
                return Ok((tag, pair.get(1)));
            }
        }
    }
    Err(format!("`{name}` must be one of its names"))
}

/// A unit variant among `names` (its payload, if any, `null` or `undefined`).
fn unit<T: Copy>(value: &JsValue, name: &str, names: &[(&str, T)]) -> Result<T, String> {
    let (tag, payload) = variant(value, name)?;
    let choices = || {
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        format!("`{name}` must be {}", list.join(" or "))
    };
    let found = names.iter().find(|(n, _)| *n == tag).ok_or_else(choices)?;
    if !nullish(&payload) {
        return Err(choices());
    }
    Ok(found.1)
}

fn authorization(value: &JsValue) -> Result<AuthorizationSetting, String> {
    const NAME: &str = "authorization";
    let (tag, payload) = variant(value, NAME)?;
    match tag.as_str() {
        "bearer" => Ok(AuthorizationSetting::Bearer(string(
            &payload,
            "authorization.bearer",
        )?)),
        "basic" => {
            if !payload.is_object() {
                return Err("`authorization.basic` must be { username, password }".into());
            }
            let field = |n: &str| -> Result<String, String> {
                let path = format!("authorization.basic.{n}");
                let v = member(&payload, n)?.ok_or_else(|| format!("`{path}` is missing"))?;
                string(&v, &path)
            };
            Ok(AuthorizationSetting::Basic {
                username: field("username")?,
                password: field("password")?,
            })
        }
        _ => Err("`authorization` must be { bearer } or { basic: { username, password } }".into()),
    }
}

/// `ConsumerSettings` (camelCase) from a JS object: absent members take their defaults, other
/// members are not read.
fn settings_from_js(value: &JsValue) -> Result<ConsumerSettings, String> {
    if !value.is_object() {
        return Err("settings must be an object".into());
    }
    let mut s = ConsumerSettings::default();
    let u = |name: &str| -> Result<Option<u64>, String> {
        match member(value, name)? {
            Some(v) => want(uint(&v), name, "a non-negative safe integer").map(Some),
            None => Ok(None),
        }
    };
    let b = |name: &str| -> Result<Option<bool>, String> {
        match member(value, name)? {
            Some(v) => want(v.as_bool(), name, "a boolean").map(Some),
            None => Ok(None),
        }
    };
    let text = |name: &str| -> Result<Option<String>, String> {
        member(value, name)?.map(|v| string(&v, name)).transpose()
    };
    if let Some(v) = member(value, "keys")? {
        s.keys = strings(&v, "keys")?;
    }
    s.authorization = optional(member(value, "authorization")?, authorization)?;
    if let Some(v) = member(value, "policy")? {
        let names = [("legacy", Policy::Legacy), ("current", Policy::Current)];
        s.policy = unit(&v, "policy", &names)?;
    }
    s.tolerance_seconds = optional(member(value, "toleranceSeconds")?, |v| {
        want(uint(v), "toleranceSeconds", "a non-negative safe integer")
    })?;
    s.client_id = optional(member(value, "clientId")?, |v| string(v, "clientId"))?;
    s.sources = optional(member(value, "sources")?, |v| strings(v, "sources"))?;
    if let Some(v) = text("eventTypes")? {
        s.event_types = v;
    }
    if let Some(v) = text("companyTags")? {
        s.company_tags = v;
    }
    if let Some(v) = u("maxBodyBytes")? {
        s.max_body_bytes = v;
    }
    if let Some(v) = u("bodyTimeoutMs")? {
        s.body_timeout_ms = v;
    }
    if let Some(v) = u("budgetMs")? {
        s.budget_ms = v;
    }
    if let Some(v) = u("retryAfterSeconds")? {
        s.retry_after_seconds = v;
    }
    if let Some(v) = b("rateLimited")? {
        s.rate_limited = v;
    }
    if let Some(v) = b("sourceLimited")? {
        s.source_limited = v;
    }
    if let Some(v) = member(value, "backend4xx")? {
        let names = [
            ("retry", Backend4xx::Retry),
            ("reject", Backend4xx::Reject),
            ("acknowledge", Backend4xx::Acknowledge),
        ];
        s.backend_4xx = unit(&v, "backend4xx", &names)?;
    }
    Ok(s)
}

/// The store's answer as fed to `begun`.
struct BegunIn {
    answer: Option<String>,
    token: Option<i64>,
    retry_after: Option<u64>,
    error: Option<String>,
}

fn begun_from_js(value: &JsValue) -> Result<BegunIn, String> {
    if !value.is_object() {
        return Err("begun: the store's answer must be an object".into());
    }
    Ok(BegunIn {
        answer: optional(member(value, "answer")?, |v| string(v, "answer"))?,
        token: optional(member(value, "token")?, |v| {
            want(int(v), "token", "a safe integer")
        })?,
        retry_after: optional(member(value, "retryAfter")?, |v| {
            want(uint(v), "retryAfter", "a non-negative safe integer")
        })?,
        error: optional(member(value, "error")?, |v| string(v, "error"))?,
    })
}

/// What a delivery came to, as fed to `delivered`.
enum DeliveredIn {
    Name(String),
    InFlight {
        in_flight: u64,
    },
    Backend {
        backend: u16,
        retry_after: Option<String>,
    },
}

/// A string, or a plain object's own enumerable members (or a `Map`'s entries): `{ inFlight }`
/// first, else `{ backend, retryAfter? }` (the order serde's untagged enum tried them in).
fn delivered_from_js(value: &JsValue) -> Option<DeliveredIn> {
    if let Some(name) = value.as_string() {
        return Some(DeliveredIn::Name(name));
    }
    let map = value.dyn_ref::<js_sys::Map>();
    if map.is_none()
        && (!value.is_object()
            || Array::is_array(value)
            || Reflect::has(value, &js_sys::Symbol::iterator()).unwrap_or(true))
    {
        return None;
    }
    let entries = match map {
        Some(_) => None,
        None => Some(Object::entries(value.unchecked_ref())),
    };
    let own = |name: &str| match (map, &entries) {
        (Some(map), _) => {
            let key = JsValue::from_str(name);
            map.has(&key).then(|| map.get(&key))
        }
        (None, Some(entries)) => entries.iter().find_map(|pair| {
            let pair: Array = pair.unchecked_into();
            (pair.get(0).as_string().as_deref() == Some(name)).then(|| pair.get(1))
        }),
        (None, None) => None,
    };
    if let Some(in_flight) = own("inFlight").as_ref().and_then(uint) {
        return Some(DeliveredIn::InFlight { in_flight });
    }
    let backend = u16::try_from(uint(&own("backend")?)?).ok()?;
    let retry_after = match own("retryAfter") {
        Some(v) if !nullish(&v) => Some(v.as_string()?),
        _ => None,
    };
    Some(DeliveredIn::Backend {
        backend,
        retry_after,
    })
}
