//! The consumer's decision (`hookproof::consumer`) for JS, exported as `Consumer` and
//! `Exchange`: settings and steps cross as plain JS values (serde-wasm-bindgen), errors as a JS
//! `Error` with a `code`. Only conversions live here; `js/src/codat.js` wraps the two classes.

use std::rc::Rc;

use hookproof::ErrorCode;
use hookproof::acceptance::Begin;
use hookproof::consumer::{Consumer, ConsumerSettings, Delivered, Exchange, Head, Step};
use hookproof::{AcceptanceError, RateDecision};
use serde::Deserialize;
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
    /// Compiles `settings` (the core's `ConsumerSettings`, camelCase; unknown keys refused).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> Result<JsConsumer, JsValue> {
        let settings: ConsumerSettings = serde_wasm_bindgen::from_value(settings)
            .map_err(|e| JsValue::from(crate::error::usage("invalid_setting", &e.to_string())))?;
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BegunIn {
    answer: Option<String>,
    token: Option<i64>,
    retry_after: Option<u64>,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged, rename_all = "camelCase")]
enum DeliveredIn {
    Name(String),
    #[serde(rename_all = "camelCase")]
    InFlight {
        in_flight: u64,
    },
    #[serde(rename_all = "camelCase")]
    Backend {
        backend: u16,
        retry_after: Option<String>,
    },
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
        let a: BegunIn =
            serde_wasm_bindgen::from_value(answer).map_err(|e| invalid(&e.to_string()))?;
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
        let r: DeliveredIn =
            serde_wasm_bindgen::from_value(result).map_err(|e| invalid(&e.to_string()))?;
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
