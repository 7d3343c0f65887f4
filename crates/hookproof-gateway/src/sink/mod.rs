//! Sinks: where a verified, wanted, newly accepted event goes. One trait, [`Deliver`]; one file
//! per sink; one enum of kinds, [`Sink`]: [`http`] and [`redis_stream`]. A new sink (NATS
//! JetStream, Kafka, SQS) is a file beside `http.rs` and a variant here.
//!
//! The gateway answers the sender 2xx only after the sink said [`SinkResult::Accepted`]; every
//! other result releases the id so the sender's retry is accepted.

use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use hyper::HeaderMap;

pub mod http;
pub mod redis_stream;

/// How the request was authenticated: told to the sink (`hookproof-verified`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Standard Webhooks signature (`v1` HMAC or `v1a` ed25519).
    StandardWebhooks,
    /// The legacy `Authorization` header.
    Authorization,
    /// Both were configured and both passed.
    StandardWebhooksAndAuthorization,
}

impl Scheme {
    /// The header value.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::StandardWebhooks => "standard-webhooks",
            Scheme::Authorization => "authorization",
            Scheme::StandardWebhooksAndAuthorization => "standard-webhooks+authorization",
        }
    }
}

/// One event for a sink: the original body and headers, and what was verified.
#[derive(Debug)]
pub struct Event<'a> {
    /// The de-duplication id (`webhook-id`, or the legacy body's `id`/`AlertId`), if any.
    pub id: Option<&'a str>,
    /// The event type (`eventType`, or the legacy `RuleType`).
    pub event_type: &'a str,
    /// How it was authenticated.
    pub scheme: Scheme,
    /// The route's path.
    pub route: &'a str,
    /// The request's headers as received.
    pub headers: &'a HeaderMap,
    /// The body exactly as received.
    pub body: Bytes,
    /// The acceptance token, when the id was begun (for a sink that commits atomically with
    /// the delivery).
    pub token: Option<i64>,
    /// The company the event names, if any.
    pub company_id: Option<&'a str>,
    /// Now, Unix seconds (the gateway's clock).
    pub now: i64,
}

/// A sink's answer, as the core's consumer machine reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkResult {
    /// The backend answered this status (2xx: taken), with its `Retry-After` header, if any.
    Backend {
        /// The backend's HTTP status.
        status: u16,
        /// The backend's `Retry-After` header as sent.
        retry_after: Option<String>,
    },
    /// No answer before the deadline.
    Timeout,
    /// Could not connect, or the connection broke.
    Unreachable,
    /// Taken, with nothing to commit (a queue sink, an event without an id).
    Accepted,
    /// Taken, and the id committed in the same atomic step (the core's enqueue).
    Committed,
    /// The atomic deliver-and-commit found the id already done: not added again.
    Duplicate,
    /// The atomic deliver-and-commit found the id held by another delivery.
    InFlight {
        /// Seconds left on that lease.
        retry_after: u64,
    },
}

impl SinkResult {
    /// Whether the sink took the event (a duplicate it refused to add again is not counted).
    pub fn accepted(&self) -> bool {
        matches!(
            self,
            SinkResult::Backend {
                status: 200..=299,
                ..
            } | SinkResult::Accepted
                | SinkResult::Committed
        )
    }

    /// For logs: `status_503`, `timeout`, `unreachable`.
    pub fn name(&self) -> String {
        match self {
            SinkResult::Backend { status, .. } => format!("status_{status}"),
            SinkResult::Timeout => "timeout".into(),
            SinkResult::Unreachable => "unreachable".into(),
            SinkResult::Accepted => "accepted".into(),
            SinkResult::Committed => "committed".into(),
            SinkResult::Duplicate => "duplicate".into(),
            SinkResult::InFlight { .. } => "in_flight".into(),
        }
    }
}

/// A sink: delivers one event, answering by `deadline` at the latest.
pub trait Deliver {
    /// Delivers `event`; never waits past `deadline` (then: [`SinkResult::Timeout`]).
    fn deliver(
        &self,
        event: Event<'_>,
        deadline: Instant,
    ) -> impl Future<Output = SinkResult> + Send;
}

/// Every kind of sink.
#[derive(Debug, Clone)]
pub enum Sink {
    /// POST to an HTTP backend.
    Http(http::HttpSink),
    /// `XADD` to a Redis stream and commit, atomically.
    RedisStream(redis_stream::RedisStreamSink),
}

impl Deliver for Sink {
    async fn deliver(&self, event: Event<'_>, deadline: Instant) -> SinkResult {
        match self {
            Sink::Http(s) => s.deliver(event, deadline).await,
            Sink::RedisStream(s) => s.deliver(event, deadline).await,
        }
    }
}
