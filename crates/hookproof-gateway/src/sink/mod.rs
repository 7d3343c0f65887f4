//! Sinks: where a verified, wanted, newly accepted event goes. One trait, [`Deliver`]; one file
//! per sink; one enum of kinds, [`Sink`]. A new sink (Redis Streams, NATS JetStream, Kafka,
//! SQS) is a file beside `http.rs` and a variant here.
//!
//! The gateway answers the sender 2xx only after the sink said [`SinkResult::Accepted`]; every
//! other result releases the id so the sender's retry is accepted.

use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use hyper::HeaderMap;

pub mod http;

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
}

impl SinkResult {
    /// Whether the sink took the event.
    pub fn accepted(&self) -> bool {
        matches!(
            self,
            SinkResult::Backend {
                status: 200..=299,
                ..
            }
        )
    }

    /// For logs: `status_503`, `timeout`, `unreachable`.
    pub fn name(&self) -> String {
        match self {
            SinkResult::Backend { status, .. } => format!("status_{status}"),
            SinkResult::Timeout => "timeout".into(),
            SinkResult::Unreachable => "unreachable".into(),
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
}

impl Deliver for Sink {
    async fn deliver(&self, event: Event<'_>, deadline: Instant) -> SinkResult {
        match self {
            Sink::Http(s) => s.deliver(event, deadline).await,
        }
    }
}
