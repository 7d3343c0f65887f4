//! A Codat webhook consumer in axum, on hookproof: the route verifies the `webhook-*` headers
//! (HMAC `whsec_` secrets and `whpk_` public keys alike) straight from axum's `HeaderMap`,
//! answers a redelivery as a duplicate, drops events outside the company-tag filter with a
//! `200`, and accepts the rest with `202` — the statuses that make Codat do the right thing.
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

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hookproof::{ErrorCode, ReplayGuard, Seen, TagFilter, Verifier, parse_event};
use serde_json::json;

/// What the route needs: the verifier, the replay guard and the company-tag filter.
#[derive(Clone)]
pub struct State(Arc<Inner>);

struct Inner {
    verifier: Verifier,
    seen: Mutex<ReplayGuard>,
    tags: TagFilter,
}

impl State {
    /// Keys as texts (`whsec_…`, `whpk_…`, several for rotation) and a tag filter such as
    /// `"region:us, service:t2k"` (empty: every company).
    pub fn from_env_texts(keys: &[&str], tags: &str) -> Result<State, String> {
        let verifier = Verifier::from_texts(keys.iter().copied())
            .map_err(|e| format!("{}: {e}", e.code()))?
            .max_payload(1 << 20);
        let tags = TagFilter::parse_list(tags).map_err(|e| format!("{}: {e}", e.code()))?;
        let seen = ReplayGuard::new(10_000, 600).map_err(|e| e.to_string())?;
        Ok(State(Arc::new(Inner {
            verifier,
            seen: Mutex::new(seen),
            tags,
        })))
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

/// The consumer: `POST /codat`.
pub fn app(state: State) -> Router {
    Router::new()
        .route("/codat", post(receive))
        .with_state(state)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn receive(Extract(state): Extract<State>, headers: HeaderMap, body: Bytes) -> Response {
    let now = now();
    let verified = match state.0.verifier.verify(&headers, &body, now) {
        Ok(v) => v,
        // 401: the current service retries it (a rotated secret may catch up); legacy drops it.
        Err(e) => {
            return answer(
                StatusCode::UNAUTHORIZED,
                json!({"status": "unauthorized", "code": e.code()}),
            );
        }
    };
    let event = match parse_event(&body) {
        Ok(event) => event,
        Err(e) => {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"status": "invalid", "code": e.code()}),
            );
        }
    };
    if !state.0.tags.matches(event.company_tags()) {
        return answer(
            StatusCode::OK,
            json!({"status": "ignored", "reason": "company_tags"}),
        );
    }
    // A poisoned lock only means another request panicked mid-check; the set is still sound.
    let seen = match state.0.seen.lock() {
        Ok(mut guard) => guard.check(verified.id, now),
        Err(poisoned) => poisoned.into_inner().check(verified.id, now),
    };
    match seen {
        Seen::Duplicate => answer(
            StatusCode::OK,
            json!({"status": "duplicate", "id": verified.id}),
        ),
        _ => answer(
            StatusCode::ACCEPTED,
            json!({"status": "accepted", "id": verified.id, "event": event}),
        ),
    }
}
