//! A Codat webhook consumer in axum, on hookproof: every decision (verification of `whsec_`
//! secrets and `whpk_` public keys, filters, statuses, bodies, `Retry-After`) is the core's
//! [`Consumer`]; this route is only its I/O shell over an in-memory acceptance store, a
//! per-source limiter and an in-memory queue ([`State::delivered`]) standing in for a real one.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let state = hookproof_axum_example::State::from_env_texts(
//!     &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
//!     "region:us",
//! ).expect("valid keys and filter");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await?;
//! axum::serve(listener, hookproof_axum_example::app(state)).await
//! # }
//! ```

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use hookproof::consumer::{Consumer, ConsumerSettings, Delivered, Head, Step};
use hookproof::{AcceptanceConfig, AcceptanceGuard, ErrorCode, RateDecision, SourceLimiter};

/// One delivered event, as the queue holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The `webhook-id`.
    pub id: Option<String>,
    /// The event type.
    pub event_type: String,
    /// The body, byte for byte.
    pub body: Bytes,
}

/// What the route needs: the consumer, and the shared state its steps act on.
#[derive(Clone)]
pub struct State(Arc<Inner>);

struct Inner {
    consumer: Consumer,
    acceptance: Mutex<AcceptanceGuard>,
    unauthenticated: Mutex<SourceLimiter>,
    queue: Mutex<Vec<Delivery>>,
}

/// A poisoned lock only means another request panicked mid-step; the state is still sound.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    /// Keys as texts (`whsec_…`, `whpk_…`, several for rotation) and a tag filter such as
    /// `"region:us, service:t2k"` (empty: every company).
    pub fn from_env_texts(keys: &[&str], tags: &str) -> Result<State, String> {
        let settings = ConsumerSettings {
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            company_tags: tags.to_owned(),
            ..ConsumerSettings::default()
        };
        let code = |e: &dyn ErrorCode, text: String| format!("{}: {text}", e.code());
        let consumer = Consumer::new(&settings).map_err(|e| code(&e, e.to_string()))?;
        let acceptance = AcceptanceGuard::in_memory(AcceptanceConfig::default(), 100_000)
            .map_err(|e| code(&e, e.to_string()))?;
        let unauthenticated =
            SourceLimiter::new(10, 20, 10_000).map_err(|e| code(&e, e.to_string()))?;
        Ok(State(Arc::new(Inner {
            consumer,
            acceptance: Mutex::new(acceptance),
            unauthenticated: Mutex::new(unauthenticated),
            queue: Mutex::new(Vec::new()),
        })))
    }

    /// The events delivered so far, oldest first.
    pub fn delivered(&self) -> Vec<Delivery> {
        lock(&self.0.queue).clone()
    }
}

/// The keys of the `WEBHOOK_KEYS` setting (comma-separated, blanks around them ignored). Unset,
/// or holding no key, is an error naming the variable: a consumer never falls back to a
/// default (such as the documentation's public example secret, with which anyone can sign).
pub fn keys_setting(value: Option<&str>) -> Result<Vec<&str>, String> {
    let keys: Vec<&str> = value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return Err(
            "WEBHOOK_KEYS is not set: give the endpoint's whsec_ secret(s) or whpk_ public key(s), comma-separated"
                .to_owned(),
        );
    }
    Ok(keys)
}

/// The consumer: `/codat` (the core answers any method but POST with 405).
pub fn app(state: State) -> Router {
    Router::new()
        .route("/codat", any(receive))
        .with_state(state)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn seconds(ms: u64) -> i64 {
    i64::try_from(ms / 1000).unwrap_or(i64::MAX)
}

async fn receive(
    Extract(state): Extract<State>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let s = &*state.0;
    let c = &s.consumer;
    let head = Head {
        method: method.as_str(),
        source: None,
        content_length: Some(body.len() as u64),
    };
    let (mut exchange, mut step) = c.exchange(now_ms(), &head);
    // Every step here is in memory and immediate, so no step waits.
    loop {
        let now = now_ms();
        let next = match step {
            Step::ReadBody { .. } => exchange.body(c, &headers, &body, now),
            Step::CheckSource => {
                let decision = lock(&s.unauthenticated).check("", now);
                exchange.rate(c, Some(decision), now)
            }
            Step::CheckRate { .. } => exchange.rate(c, Some(RateDecision::Allow), now),
            Step::Begin { ref id, .. } => {
                let begun = lock(&s.acceptance).begin(id, seconds(now));
                exchange.begun(c, begun, now)
            }
            Step::Deliver { id, event_type, .. } => {
                lock(&s.queue).push(Delivery {
                    id,
                    event_type,
                    body: body.clone(),
                });
                exchange.delivered(c, Delivered::Accepted, now)
            }
            Step::Commit { ref id, token, .. } => {
                let _ = lock(&s.acceptance).commit(id, token, seconds(now));
                exchange.settled()
            }
            Step::Abort { ref id, token, .. } => {
                let _ = lock(&s.acceptance).abort(id, token, seconds(now));
                exchange.settled()
            }
            Step::Answer(answer) => {
                let status = StatusCode::from_u16(answer.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut response = (status, answer.body.clone()).into_response();
                for (name, value) in answer.headers() {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        response
                            .headers_mut()
                            .insert(HeaderName::from_static(name), value);
                    }
                }
                return response;
            }
        };
        step = match next {
            Ok(next) => next,
            // Only a shell bug feeds a result out of order.
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        };
    }
}
