//! The gateway as a shell over the core's request-decision machine
//! ([`hookproof::consumer`]): every decision — the order of checks, each answer's status,
//! body and `Retry-After`, what a sink's answer means, how the sender will treat the answer —
//! is the machine's. This module performs the steps it asks for once the body is read: charge a
//! limiter, `begin` / `commit` / `abort` on the acceptance store, deliver through the sink,
//! each bounded by the step's `wait_ms`. The only answer of the gateway's own is
//! [`overloaded`] (a cap of the shell, not a rule about webhooks).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookproof::classify::{Attempt, classify};
use hookproof::consumer::{Answer, Consumer, ConsumerError, Delivered, Exchange, Step};
use hookproof::{Policy, RateLimiter, SourceLimiter};
use hyper::HeaderMap;

use crate::config::Route;
use crate::metrics::{Metrics, Outcome};
use crate::sink::{Deliver, Event, Sink, SinkResult};
use crate::store::redis::RedisConnection;
use crate::store::{Accept, Store};

/// The shell's own 503 when `max_concurrent_requests` exchanges are in flight.
pub fn overloaded(policy: Policy) -> Answer {
    answer(policy, 503, r#"{"status":"overloaded"}"#, Some(1))
}

/// The shell's own 503 when it fed the machine a result it did not ask for (a shell bug).
fn internal(policy: Policy) -> Answer {
    answer(policy, 503, r#"{"status":"internal_error"}"#, Some(5))
}

fn answer(policy: Policy, status: u16, body: &str, retry_after: Option<u64>) -> Answer {
    let text = retry_after.map(|s| s.to_string());
    Answer {
        status,
        body: body.to_owned(),
        retry_after,
        allow: None,
        close: false,
        sender: classify(
            policy,
            &Attempt {
                retry_after: text.as_deref(),
                ..Attempt::status(status)
            },
        ),
    }
}

/// The outcome label of an answer: the `status` word of its JSON body (read without building a
/// JSON tree: this runs on every request).
pub fn outcome(answer: &Answer) -> Outcome {
    #[derive(serde::Deserialize)]
    struct Status<'a> {
        #[serde(borrow)]
        status: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_str::<Status<'_>>(&answer.body)
        .ok()
        .and_then(|s| s.status)
        .map_or(Outcome::Other, |s| Outcome::from_name(&s))
}

/// The limiters the machine asks the shell to charge: per source address, per process; per
/// route, per process or (with `redis`) on Redis, shared by every process.
#[derive(Debug)]
pub struct Limits {
    unauthenticated: Mutex<SourceLimiter>,
    routes: Vec<Option<Mutex<RateLimiter>>>,
    /// The global per-route limiters on Redis (the core's GCRA script), when `redis` is set:
    /// the connection and, per route, the limiter and its key.
    global: Option<(RedisConnection, Vec<Option<GlobalLimit>>)>,
}

/// One route's limiter on Redis and its key.
type GlobalLimit = (RateLimiter, String);

impl Limits {
    /// Fresh limiters from the config's templates.
    pub fn new(unauthenticated: SourceLimiter, routes: &[Route]) -> Limits {
        Limits {
            unauthenticated: Mutex::new(unauthenticated),
            routes: routes
                .iter()
                .map(|r| r.rate_limit.clone().map(Mutex::new))
                .collect(),
            global: None,
        }
    }

    /// Charges the routes' limits on Redis instead, shared by every process: each route's key
    /// is `<prefix>rate-limit:{<scope>}` (in its scope's Cluster slot).
    #[must_use]
    pub fn on_redis(
        mut self,
        connection: RedisConnection,
        prefix: &str,
        routes: &[Route],
    ) -> Limits {
        let keys = routes
            .iter()
            .map(|r| {
                r.rate_limit
                    .clone()
                    .map(|l| (l, format!("{prefix}rate-limit:{{{}}}", r.scope)))
            })
            .collect();
        self.global = Some((connection, keys));
        self
    }
}

/// What the rest of an exchange needs from the gateway.
pub struct Shell<'a> {
    /// The route.
    pub route: &'a Route,
    /// Its sink.
    pub sink: &'a Sink,
    /// The acceptance store.
    pub store: &'a Store,
    /// The limiters.
    pub limits: &'a Limits,
    /// The metrics.
    pub metrics: &'a Metrics,
    /// The clock, Unix milliseconds.
    pub now_ms: &'a (dyn Fn() -> u64 + Send + Sync),
    /// The acceptance lease: no delivery outlasts it (a commit after it would be late).
    pub lease: Duration,
}

/// What an exchange came to: the answer, and for the log the id and event type.
pub struct Finished {
    /// The answer to send.
    pub answer: Answer,
    /// The de-duplication id, once known.
    pub id: Option<String>,
    /// The event type, when the event was handed to the sink.
    pub event_type: Option<String>,
}

fn secs(ms: u64) -> i64 {
    i64::try_from(ms / 1000).unwrap_or(i64::MAX)
}

/// Where the exchange's answer goes, once: the sender's connection waits on it. A delivery
/// still pending when its wait ran out is answered (503) through it, and the exchange goes on
/// to settle the lease by the delivery's real result.
pub type Reply = tokio::sync::oneshot::Sender<Finished>;

fn announce(reply: &mut Option<Reply>, answer: Answer, id: Option<&str>, event_type: Option<&str>) {
    if let Some(tx) = reply.take() {
        let _ = tx.send(Finished {
            answer,
            id: id.map(str::to_owned),
            event_type: event_type.map(str::to_owned),
        });
    }
}

/// Runs the exchange from its body to its end: feeds the body, performs each step, and sends
/// the answer through `reply` as soon as the machine gives it.
pub async fn run(
    shell: &Shell<'_>,
    mut exchange: Exchange,
    headers: &HeaderMap,
    body: Bytes,
    source: &str,
    reply: Reply,
) {
    let consumer = &shell.route.consumer;
    let mut reply = Some(reply);
    let mut event_type = None;
    let result = async {
        let now = (shell.now_ms)();
        let mut step = exchange.body(consumer, headers, &body, now)?;
        loop {
            step = match step {
                Step::Answer(answer) => return Ok(answer),
                other => {
                    perform(
                        shell,
                        consumer,
                        &mut exchange,
                        other,
                        Context {
                            headers,
                            body: &body,
                            source,
                        },
                        &mut event_type,
                        &mut reply,
                    )
                    .await?
                }
            };
        }
    }
    .await;
    let answer = result.unwrap_or_else(|_: ConsumerError| internal(shell.route.policy));
    // After a pending delivery this is the answer already sent: `reply` is empty by then.
    announce(&mut reply, answer, exchange.id(), event_type.as_deref());
}

/// The request, for the steps.
#[derive(Clone, Copy)]
struct Context<'a> {
    headers: &'a HeaderMap,
    body: &'a Bytes,
    source: &'a str,
}

async fn perform(
    shell: &Shell<'_>,
    consumer: &Consumer,
    exchange: &mut Exchange,
    step: Step,
    request: Context<'_>,
    event_type: &mut Option<String>,
    reply: &mut Option<Reply>,
) -> Result<Step, ConsumerError> {
    let Context {
        headers,
        body,
        source,
    } = request;
    let route = shell.route;
    let now_ms = || (shell.now_ms)();
    let wait = |ms: u64| Duration::from_millis(ms);
    match step {
        Step::CheckSource => {
            let decision = shell
                .limits
                .unauthenticated
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .check(source, now_ms());
            exchange.rate(consumer, Some(decision), now_ms())
        }
        Step::CheckRate { wait_ms } => {
            if let Some((connection, limiters)) = &shell.limits.global {
                let decision = match limiters.get(route.index).and_then(Option::as_ref) {
                    Some((limiter, key)) => connection
                        .rate_limit(key, limiter, now_ms(), wait(wait_ms))
                        .await
                        .ok(),
                    None => None,
                };
                return exchange.rate(consumer, decision, now_ms());
            }
            let decision = shell
                .limits
                .routes
                .get(route.index)
                .and_then(Option::as_ref)
                .map(|l| l.lock().unwrap_or_else(|p| p.into_inner()).check(now_ms()));
            exchange.rate(consumer, decision, now_ms())
        }
        Step::Begin { id, wait_ms, .. } => {
            let begun = tokio::time::timeout(
                wait(wait_ms),
                shell.store.begin(route.index, &id, secs(now_ms())),
            )
            .await;
            match begun {
                Ok(result) => exchange.begun(consumer, result, now_ms()),
                Err(_) => exchange.timeout(consumer, now_ms()),
            }
        }
        Step::Deliver {
            id: delivery_id,
            event_type: kind,
            token,
            company_id,
            wait_ms,
        } => {
            let sent = Instant::now();
            let log_id = exchange.id().unwrap_or("").to_owned();
            // The sink's own deadline (its timeout_ms, within the lease) may outlast the step's
            // wait: then the sender is answered at the wait and the lease settled by the result.
            let mut delivery = std::pin::pin!(shell.sink.deliver(
                Event {
                    id: delivery_id.as_deref(),
                    event_type: &kind,
                    scheme: route.scheme,
                    route: &route.path,
                    headers,
                    body: body.clone(),
                    token,
                    company_id: company_id.as_deref(),
                    now: secs(now_ms()),
                },
                sent + shell.lease,
            ));
            *event_type = Some(kind.clone());
            let result = match tokio::time::timeout(wait(wait_ms), &mut delivery).await {
                Ok(result) => result,
                Err(_) => {
                    let step = exchange.delivered(consumer, Delivered::Pending, now_ms())?;
                    // Without a lease the answer is final: the send is dropped with it.
                    let (Step::Answer(answer), Some(_)) = (&step, token) else {
                        return Ok(step);
                    };
                    let answer = answer.clone();
                    tracing::warn!(route = %route.path, id = %log_id, "the sink is slow: answered 503, the delivery goes on and settles the lease");
                    announce(reply, answer, exchange.id(), event_type.as_deref());
                    delivery.await
                }
            };
            shell
                .metrics
                .sink(route.index, sent.elapsed(), result.accepted());
            if !result.accepted()
                && !matches!(result, SinkResult::Duplicate | SinkResult::InFlight { .. })
            {
                tracing::warn!(route = %route.path, id = %log_id, sink = %result.name(), "the sink did not take the event");
            }
            match &result {
                SinkResult::Backend {
                    status,
                    retry_after,
                } => exchange.delivered(
                    consumer,
                    Delivered::Backend {
                        status: *status,
                        retry_after: retry_after.as_deref(),
                    },
                    now_ms(),
                ),
                SinkResult::Timeout => exchange.timeout(consumer, now_ms()),
                SinkResult::Unreachable => {
                    exchange.delivered(consumer, Delivered::Unreachable, now_ms())
                }
                SinkResult::Accepted => exchange.delivered(consumer, Delivered::Accepted, now_ms()),
                SinkResult::Committed => {
                    exchange.delivered(consumer, Delivered::Committed, now_ms())
                }
                SinkResult::Duplicate => {
                    exchange.delivered(consumer, Delivered::Duplicate, now_ms())
                }
                SinkResult::InFlight { retry_after } => exchange.delivered(
                    consumer,
                    Delivered::InFlight {
                        retry_after: *retry_after,
                    },
                    now_ms(),
                ),
            }
        }
        Step::Commit {
            id, token, wait_ms, ..
        } => {
            let committed = tokio::time::timeout(
                wait(wait_ms),
                shell.store.commit(route.index, &id, token, secs(now_ms())),
            )
            .await;
            match committed {
                Ok(Ok(hookproof::acceptance::Commit::Committed)) => {}
                Ok(Ok(_)) => {
                    shell.metrics.late_commit(route.index);
                    tracing::warn!(route = %route.path, id = %id, "late commit: the lease had expired, another copy may have been delivered");
                }
                _ => {
                    tracing::warn!(route = %route.path, id = %id, "delivered but the commit failed: a redelivery may be delivered again");
                }
            }
            exchange.settled()
        }
        Step::Abort {
            id, token, wait_ms, ..
        } => {
            // Whatever abort answers, the id is not done: a store that cannot be reached lets
            // the lease run out, after which the sender's retry is accepted.
            let _ = tokio::time::timeout(
                wait(wait_ms),
                shell.store.abort(route.index, &id, token, secs(now_ms())),
            )
            .await;
            shell.metrics.abort(route.index);
            exchange.settled()
        }
        Step::ReadBody { .. } | Step::Answer(_) => Err(ConsumerError::UnexpectedResult),
    }
}
