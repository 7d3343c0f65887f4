//! Every decision the gateway makes about a webhook request, in one place: the order of the
//! checks, each answer's status, body and `Retry-After`, and what a sink's result means. The
//! rules themselves are the core's (`Verifier`, `check_authorization`, `check_client_id`,
//! `SourceAllowlist`, `RateLimiter`, `SourceLimiter`, `parse_event`, `EventTypeFilter`,
//! `TagFilter`, two-phase acceptance, `classify`); this module only sequences them, so moving
//! to the core's sans-IO consumer machine is a change to this file alone.
//!
//! Order: source address → (body read by the server) → authentication (signature, then
//! `Authorization`, then `X-Codat-ClientId`; a failure is charged to the source address's own
//! limit, never to the route's) → the route's rate limit (charged only now) → parse the event →
//! event-type and company-tag filters (unwanted: acknowledged, not delivered) → `begin` → sink →
//! `commit` (2xx) or `abort` (503 + `Retry-After`, so the sender retries).

use std::net::IpAddr;
use std::sync::Mutex;

use hookproof::acceptance::{Begin, Commit, IN_FLIGHT_STATUS};
use hookproof::classify::{Attempt, Classification, Outcome as SenderOutcome};
use hookproof::filter::CODAT_CLIENT_ID;
use hookproof::{
    ErrorCode, Event, Policy, RateDecision, RateLimiter, SourceLimiter, check_authorization,
    check_client_id, classify, parse_event,
};
use hyper::HeaderMap;
use serde_json::{Map, Value};

use crate::config::{On4xx, Route};
use crate::metrics::Outcome;
use crate::sink::{Scheme, SinkResult};
use crate::store::Store;

/// `Retry-After` for failures of the gateway's own (store unavailable, sink down without a
/// `Retry-After` of its own, overloaded): Codat's current service retries after 5 s first.
pub const RETRY_AFTER_SECS: u64 = 5;

/// An answer to the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// How the exchange ended (the metrics label and the body's `status`).
    pub outcome: Outcome,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// The de-duplication id, once known.
    pub id: Option<String>,
    /// The error code (the core's vocabulary) of a refusal.
    pub code: Option<&'static str>,
    /// Why an event was ignored (`event_type`, `company_tags`), or what a sink answered.
    pub reason: Option<String>,
    /// Close the connection after answering (the body could not be read to its end).
    pub close: bool,
}

impl Answer {
    fn new(status: u16, outcome: Outcome) -> Answer {
        Answer {
            status,
            outcome,
            retry_after: None,
            id: None,
            code: None,
            reason: None,
            close: false,
        }
    }

    fn retry_after(mut self, secs: u64) -> Answer {
        self.retry_after = Some(secs.max(1));
        self
    }

    fn id(mut self, id: &str) -> Answer {
        self.id = Some(id.to_owned());
        self
    }

    fn code(mut self, code: &'static str) -> Answer {
        self.code = Some(code);
        self
    }

    fn reason(mut self, reason: impl Into<String>) -> Answer {
        self.reason = Some(reason.into());
        self
    }

    /// The JSON body: `{"status": …, "id"?, "code"?, "reason"?}`.
    pub fn body(&self) -> String {
        let mut map = Map::new();
        map.insert("status".into(), Value::from(self.outcome.name()));
        if let Some(id) = &self.id {
            map.insert("id".into(), Value::from(id.as_str()));
        }
        if let Some(code) = self.code {
            map.insert("code".into(), Value::from(code));
        }
        if let Some(reason) = &self.reason {
            map.insert("reason".into(), Value::from(reason.as_str()));
        }
        Value::Object(map).to_string()
    }

    /// How the sender treats this answer under `policy` (the core's classification).
    pub fn sender(&self, policy: Policy) -> Classification {
        let retry_after = self.retry_after.map(|s| s.to_string());
        classify(
            policy,
            &Attempt {
                outcome: Some(SenderOutcome::Status(self.status)),
                retry_after: retry_after.as_deref(),
                webhook_delivery: None,
            },
        )
    }
}

/// 405: only POST is a delivery.
pub fn method_not_allowed() -> Answer {
    Answer::new(405, Outcome::MethodNotAllowed)
}

/// 413: the body passed `max_body_bytes` (declared or while streaming).
pub fn too_large() -> Answer {
    Answer::new(413, Outcome::TooLarge)
}

/// 408: the body did not arrive in time. Both Codat services retry a 408.
pub fn body_timeout() -> Answer {
    let mut a = Answer::new(408, Outcome::BodyTimeout);
    a.close = true;
    a
}

/// 503: too many exchanges at once.
pub fn overloaded() -> Answer {
    Answer::new(503, Outcome::Overloaded).retry_after(1)
}

/// Source address check, before anything is read: 403 when the route has `allow_ips` and the
/// peer is not in it.
pub fn source(route: &Route, peer: IpAddr) -> Option<Answer> {
    let list = route.auth_allow_ips()?;
    match list.is_allowed(&peer.to_canonical().to_string()) {
        Ok(true) => None,
        Ok(false) => Some(Answer::new(403, Outcome::Forbidden).code("source_not_allowed")),
        Err(e) => Some(Answer::new(403, Outcome::Forbidden).code(e.code())),
    }
}

impl Route {
    fn auth_allow_ips(&self) -> Option<&hookproof::SourceAllowlist> {
        self.allow_ips.as_ref()
    }
}

/// The per-process limiters the decisions charge.
#[derive(Debug)]
pub struct Limits {
    unauthenticated: Mutex<SourceLimiter>,
    routes: Vec<Option<Mutex<RateLimiter>>>,
}

impl Limits {
    /// Fresh limiters from the config's templates.
    pub fn new(unauthenticated: SourceLimiter, routes: &[Route]) -> Limits {
        Limits {
            unauthenticated: Mutex::new(unauthenticated),
            routes: routes
                .iter()
                .map(|r| r.rate_limit.clone().map(Mutex::new))
                .collect(),
        }
    }
}

/// An event accepted for delivery: the lease is held (`token`) until [`finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The de-duplication id.
    pub id: String,
    /// The lease token; `None` when the event has no id to de-duplicate by (a legacy body
    /// without `id` or `AlertId`): delivered at least once, without de-duplication.
    pub token: Option<i64>,
    /// The event type.
    pub event_type: String,
    /// How it was authenticated.
    pub scheme: Scheme,
}

/// The outcome of [`begin`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Answer now.
    Answer(Answer),
    /// Deliver through the sink, then call [`finish`].
    Deliver(Accepted),
}

fn ms_to_secs(now_ms: u64) -> i64 {
    i64::try_from(now_ms / 1000).unwrap_or(i64::MAX)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Decides a request whose body was read in full, at `now_ms` (Unix milliseconds).
pub async fn begin(
    route: &Route,
    limits: &Limits,
    store: &Store,
    headers: &HeaderMap,
    body: &[u8],
    peer: IpAddr,
    now_ms: u64,
) -> Step {
    let now = ms_to_secs(now_ms);
    // 1. Authenticate: every check the route configures.
    let mut id: Option<String> = None;
    let mut failure: Option<&'static str> = None;
    if let Some(verifier) = &route.auth.verifier {
        match verifier.verify(headers, body, now) {
            Ok(v) => id = Some(v.id.to_owned()),
            Err(e) => failure = Some(e.code()),
        }
    }
    if failure.is_none()
        && let Some(expected) = &route.auth.authorization
        && let Err(e) = check_authorization(
            header(headers, hookproof::authorization::AUTHORIZATION),
            expected,
        )
    {
        failure = Some(e.code());
    }
    if failure.is_none()
        && let Some(expected) = &route.auth.client_id
        && let Err(e) = check_client_id(expected, header(headers, CODAT_CLIENT_ID))
    {
        failure = Some(e.code());
    }
    if let Some(code) = failure {
        // Charged to the source alone: a flood without credentials never spends the route's
        // budget that signed deliveries need.
        let limited = limits
            .unauthenticated
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .check(&peer.to_canonical().to_string(), now_ms);
        return Step::Answer(match limited {
            RateDecision::RetryAfter(secs) => Answer::new(429, Outcome::RateLimited)
                .retry_after(secs)
                .code("rate_limited"),
            _ => Answer::new(401, Outcome::Unauthorized).code(code),
        });
    }
    let scheme = match (&route.auth.verifier, &route.auth.authorization) {
        (Some(_), Some(_)) => Scheme::StandardWebhooksAndAuthorization,
        (None, Some(_)) => Scheme::Authorization,
        _ => Scheme::StandardWebhooks,
    };
    // 2. The route's rate limit, charged only now that the request authenticated.
    if let Some(Some(limiter)) = limits.routes.get(route.index) {
        let decision = limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .check(now_ms);
        if let RateDecision::RetryAfter(secs) = decision {
            return Step::Answer(
                Answer::new(429, Outcome::RateLimited)
                    .retry_after(secs)
                    .code("rate_limited"),
            );
        }
    }
    // 3. The event.
    let event = match parse_event(body) {
        Ok(e) => e,
        Err(e) => {
            let mut a = Answer::new(400, Outcome::InvalidEvent).code(e.code());
            a.id = id;
            return Step::Answer(a);
        }
    };
    // The legacy service signs nothing: its de-duplication id is in the body.
    let id = id.or_else(|| match &event {
        Event::Current { id, .. } => id.clone(),
        Event::Legacy { alert_id, .. } => alert_id.clone(),
        _ => None,
    });
    // 4. Filters: a verified event that is not wanted is acknowledged and not delivered.
    if !route.event_types.matches(event.event_type()) {
        let mut a = Answer::new(200, Outcome::Ignored).reason("event_type");
        a.id = id;
        return Step::Answer(a);
    }
    if !route.company_tags.matches(event.company_tags()) {
        let mut a = Answer::new(200, Outcome::Ignored).reason("company_tags");
        a.id = id;
        return Step::Answer(a);
    }
    let event_type = event.event_type().to_owned();
    let Some(id) = id else {
        return Step::Deliver(Accepted {
            id: String::new(),
            token: None,
            event_type,
            scheme,
        });
    };
    // 5. Two-phase acceptance.
    match store.begin(route.index, &id, now).await {
        Ok(Begin::New { token }) => Step::Deliver(Accepted {
            id,
            token: Some(token),
            event_type,
            scheme,
        }),
        Ok(Begin::Done) => Step::Answer(Answer::new(200, Outcome::Duplicate).id(&id)),
        // Not 2xx (not delivered yet), not 409 (the legacy service drops it).
        Ok(Begin::InFlight { retry_after }) => Step::Answer(
            Answer::new(IN_FLIGHT_STATUS, Outcome::InFlight)
                .id(&id)
                .retry_after(retry_after),
        ),
        Err(e) => Step::Answer(
            Answer::new(503, Outcome::StoreUnavailable)
                .id(&id)
                .code(e.code())
                .retry_after(RETRY_AFTER_SECS),
        ),
    }
}

/// What [`finish`] did with the lease, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Committed while the lease was live.
    Committed,
    /// Committed after the lease expired: another copy may have been delivered.
    LateCommit,
    /// The commit failed although the sink took the event (answered 2xx: it is delivered).
    CommitFailed,
    /// Released: the sender's retry will be accepted.
    Aborted,
    /// No lease (no id to de-duplicate by).
    NoLease,
}

/// Settles the lease after the sink answered `result`, at `now_ms`, and decides the answer.
pub async fn finish(
    route: &Route,
    store: &Store,
    accepted: &Accepted,
    result: &SinkResult,
    now_ms: u64,
) -> (Answer, Settled) {
    let now = ms_to_secs(now_ms);
    let id = accepted.id.as_str();
    let with_id = |a: Answer| if id.is_empty() { a } else { a.id(id) };
    if let SinkResult::Accepted { .. } = result {
        let settled = match accepted.token {
            None => Settled::NoLease,
            Some(token) => match store.commit(route.index, id, token, now).await {
                Ok(Commit::Committed) => Settled::Committed,
                Ok(_) => Settled::LateCommit,
                Err(_) => Settled::CommitFailed,
            },
        };
        // The sink took it: acknowledge, even if the commit failed (a redelivery may then be
        // delivered again, with the same webhook-id for the backend to drop).
        return (with_id(Answer::new(200, Outcome::Delivered)), settled);
    }
    let settled = match accepted.token {
        None => Settled::NoLease,
        Some(token) => {
            // Whatever abort answers, the id is not done: a store that cannot be reached lets
            // the lease expire, after which the retry is accepted.
            let _ = store.abort(route.index, id, token, now).await;
            Settled::Aborted
        }
    };
    let answer = match result {
        SinkResult::Unavailable {
            failure,
            retry_after,
        } => Answer::new(503, Outcome::SinkFailed)
            .retry_after(retry_after.unwrap_or(RETRY_AFTER_SECS))
            .reason(failure.name()),
        SinkResult::Refused { status } => match route.sink_on_4xx() {
            On4xx::Pass if (400..=499).contains(status) => {
                Answer::new(*status, Outcome::SinkRefused).reason(format!("status_{status}"))
            }
            // A 3xx (a misconfigured backend) is never passed on: the legacy service follows it.
            On4xx::Retry | On4xx::Pass => Answer::new(503, Outcome::SinkRefused)
                .retry_after(RETRY_AFTER_SECS)
                .reason(format!("status_{status}")),
        },
        SinkResult::Accepted { .. } => Answer::new(200, Outcome::Delivered),
    };
    (with_id(answer), settled)
}

impl Route {
    fn sink_on_4xx(&self) -> On4xx {
        match &self.sink {
            crate::config::SinkConfig::Http { on_4xx, .. } => *on_4xx,
        }
    }
}
