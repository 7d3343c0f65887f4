//! The Redis Streams sink: the core's enqueue step — `XADD` the event to the route's stream and
//! commit its id, in one atomic script (the acceptance script's `enqueue`, the same that
//! `hookproof/redis` runs) — so an event is never acknowledged without being in the stream and
//! never added twice. Backends in any language read the stream with `XREADGROUP`.
//!
//! The stream is the core's layout for the route's scope (the stream's name):
//! `<prefix>stream:{<name>}`, in the same Redis Cluster slot as the route's acceptance keys.
//! Each entry's fields, in this order: [`FIELD_WEBHOOK_ID`], [`FIELD_EVENT_TYPE`],
//! [`FIELD_COMPANY_ID`] (when the event names one), [`FIELD_ROUTE`], [`FIELD_VERIFIED`],
//! [`FIELD_BODY`].

use std::time::{Duration, Instant};

use hookproof::AcceptanceConfig;
use hookproof::acceptance::{Answer, Enqueue, Op};
use hookproof::redis::Layout;

use super::{Deliver, Event, SinkResult};
use crate::store::redis::{CallError, RESPONSE_TIMEOUT, RedisConnection};

/// `webhook-id`: the de-duplication id (the `webhook-id` header, or for legacy rule webhooks
/// the body's `id` / `AlertId`); the consumer's idempotency key.
pub const FIELD_WEBHOOK_ID: &str = "webhook-id";
/// `event-type`: the event type the gateway read from the verified body.
pub const FIELD_EVENT_TYPE: &str = "event-type";
/// `company-id`: the company the event names, when it names one.
pub const FIELD_COMPANY_ID: &str = "company-id";
/// `route`: the gateway route's path.
pub const FIELD_ROUTE: &str = "route";
/// `verified`: how the request was authenticated (as the HTTP sink's `hookproof-verified`).
pub const FIELD_VERIFIED: &str = "verified";
/// `body`: the body exactly as received (verified JSON, so UTF-8).
pub const FIELD_BODY: &str = "body";

/// Enqueues to one route's stream.
#[derive(Debug, Clone)]
pub struct RedisStreamSink {
    connection: RedisConnection,
    layout: Layout,
    config: AcceptanceConfig,
    max_len: u64,
}

impl RedisStreamSink {
    /// A sink adding to `layout`'s stream, trimmed with `MAXLEN ~ max_len` (0: not trimmed),
    /// committing with the store's window and lease.
    pub fn new(
        connection: RedisConnection,
        layout: Layout,
        config: AcceptanceConfig,
        max_len: u64,
    ) -> RedisStreamSink {
        RedisStreamSink {
            connection,
            layout,
            config,
            max_len,
        }
    }

    /// The stream's key.
    pub fn stream(&self) -> String {
        self.layout.stream_key()
    }
}

impl Deliver for RedisStreamSink {
    async fn deliver(&self, event: Event<'_>, deadline: Instant) -> SinkResult {
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .min(RESPONSE_TIMEOUT)
            .max(Duration::from_millis(1));
        // The core parsed the body as JSON: it is UTF-8.
        let Ok(body) = std::str::from_utf8(&event.body) else {
            return SinkResult::Unreachable;
        };
        let mut fields: Vec<(&str, &str)> = vec![
            (FIELD_WEBHOOK_ID, event.id.unwrap_or("")),
            (FIELD_EVENT_TYPE, event.event_type),
        ];
        if let Some(company) = event.company_id {
            fields.push((FIELD_COMPANY_ID, company));
        }
        fields.extend([
            (FIELD_ROUTE, event.route),
            (FIELD_VERIFIED, event.scheme.name()),
            (FIELD_BODY, body),
        ]);
        let failed = |e: CallError| match e {
            CallError::Timeout => SinkResult::Timeout,
            _ => SinkResult::Unreachable,
        };
        let (Some(id), Some(token)) = (event.id, event.token) else {
            // No id to de-duplicate by: added at least once, nothing to commit.
            return match self
                .connection
                .xadd(&self.layout.stream_key(), self.max_len, &fields, wait)
                .await
            {
                Ok(()) => SinkResult::Accepted,
                Err(e) => failed(e),
            };
        };
        match self
            .connection
            .acceptance(
                &self.layout,
                &self.config,
                id,
                Op::Enqueue { token },
                event.now,
                Some((self.max_len, &fields)),
                wait,
            )
            .await
        {
            Ok(Answer::Enqueue(Enqueue::Committed | Enqueue::Late)) => SinkResult::Committed,
            Ok(Answer::Enqueue(Enqueue::Done)) => SinkResult::Duplicate,
            Ok(Answer::Enqueue(Enqueue::InFlight { retry_after })) => {
                SinkResult::InFlight { retry_after }
            }
            Ok(_) => SinkResult::Unreachable,
            Err(e) => failed(e),
        }
    }
}
