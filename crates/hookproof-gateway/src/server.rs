//! The I/O shell: tokio + hyper 1 (HTTP/1.1). It reads each request within its bounds (header
//! and body deadlines, a byte cap enforced while the body streams), asks [`crate::decide`]
//! what to do, performs the delivery the decision asks for in a task of its own, and answers.
//!
//! - A request that is answered before its body was read (404, 405, 403, 413, 503 overloaded)
//!   keeps its connection: the rest of the body is read and discarded in the background, up to
//!   [`DRAIN_LIMIT_BYTES`] and the body deadline, so the sender gets the answer instead of a
//!   reset. A body that stalls is answered 408 and the connection closed.
//! - Every delivery runs in a spawned task that owns its lease: a sender that disconnects
//!   mid-delivery still gets its acceptance committed or aborted.
//! - Every answer goes out within [`ANSWER_BUDGET_MS`] of the request's headers.
//! - SIGTERM (or SIGINT): stop accepting, `/readyz` answers 503, connections finish their
//!   exchange within `shutdown_timeout_ms` (idle keep-alive connections close at once).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::{ANSWER_BUDGET_MS, Config, Route, SinkConfig};
use crate::decide::{self, Answer, Limits, Settled, Step};
use crate::metrics::{Metrics, Outcome};
use crate::sink::http::HttpSink;
use crate::sink::{Deliver, Event, Sink, SinkResult};
use crate::store::Store;

/// After an early answer, at most this much more of a body is read and discarded before the
/// connection is closed.
pub const DRAIN_LIMIT_BYTES: u64 = 128 * 1024 * 1024;
/// Largest request head (request line and headers) read, in bytes.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The wall clock, Unix milliseconds (a parameter so tests can run the vector suite's times).
#[derive(Clone)]
pub struct Clock(pub Arc<dyn Fn() -> u64 + Send + Sync>);

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock(Arc::new(unix_ms))
    }
}

/// Everything the exchanges share.
#[derive(Debug)]
pub struct Gateway {
    clock: Clock,
    config: Config,
    sinks: Vec<Sink>,
    store: Store,
    limits: Limits,
    metrics: Metrics,
    requests: Arc<Semaphore>,
    connections: Arc<Semaphore>,
    ready: AtomicBool,
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Gateway {
    /// Builds the runtime state from a checked config.
    pub fn new(config: Config) -> Result<Gateway, String> {
        let store = Store::memory(
            config.routes.len(),
            config.acceptance,
            config.memory_capacity,
        )
        .map_err(|e| e.to_string())?;
        let sinks = config
            .routes
            .iter()
            .map(|r| match &r.sink {
                SinkConfig::Http { url, timeout, .. } => {
                    Sink::Http(HttpSink::new(url.clone(), *timeout))
                }
            })
            .collect();
        let limits = Limits::new(config.unauthenticated.clone(), &config.routes);
        let metrics = Metrics::new(config.routes.iter().map(|r| r.path.clone()).collect());
        Ok(Gateway {
            clock: Clock::default(),
            requests: Arc::new(Semaphore::new(config.max_concurrent_requests)),
            connections: Arc::new(Semaphore::new(config.max_connections)),
            sinks,
            store,
            limits,
            metrics,
            ready: AtomicBool::new(false),
            config,
        })
    }

    /// Replaces the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Gateway {
        self.clock = clock;
        self
    }

    fn now_ms(&self) -> u64 {
        (self.clock.0)()
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn route(&self, path: &str) -> Option<&Route> {
        self.config.routes.iter().find(|r| r.path == path)
    }
}

/// Serves on `listener` until `shutdown` resolves, then drains.
pub async fn serve(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(gateway.config.header_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD_BYTES);
    gateway.ready.store(true, Ordering::SeqCst);
    tracing::info!(listen = %gateway.config.listen, routes = gateway.config.routes.len(), "ready");
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = gateway.connections.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, "max_connections reached: connection closed");
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = gateway.clone();
                let service = service_fn(move |req| handle(state.clone(), peer, req));
                let conn = http.serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    gateway.ready.store(false, Ordering::SeqCst);
    let deadline = gateway.config.shutdown_timeout;
    tracing::info!(
        drain_ms = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
        "shutting down: no new connections, draining in-flight exchanges"
    );
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("drained"),
        () = tokio::time::sleep(deadline) => {
            tracing::warn!("drain deadline passed: exchanges still in flight are cut off (their leases expire)");
        }
    }
}

type Answered = Result<Response<Full<Bytes>>, Infallible>;

fn plain(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Answered {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

async fn handle(gateway: Arc<Gateway>, peer: SocketAddr, request: Request<Incoming>) -> Answered {
    let started = Instant::now();
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/healthz") => return plain(StatusCode::OK, "text/plain", "ok\n"),
        (&Method::GET, "/readyz") => {
            let ready = gateway.ready.load(Ordering::SeqCst) && gateway.store.ready().await;
            return if ready {
                plain(StatusCode::OK, "text/plain", "ready\n")
            } else {
                plain(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "not ready\n")
            };
        }
        (&Method::GET, "/metrics") => {
            return plain(
                StatusCode::OK,
                "text/plain; version=0.0.4",
                gateway.metrics.render(),
            );
        }
        _ => {}
    }
    let Some(route) = gateway.route(request.uri().path()) else {
        gateway.metrics.not_found();
        let (_, body) = request.into_parts();
        spawn_drain(body, gateway.config.body_timeout);
        return plain(
            StatusCode::NOT_FOUND,
            "application/json",
            r#"{"status":"not_found"}"#,
        );
    };
    let (parts, body) = request.into_parts();
    let early = |answer: Answer, body: Incoming| {
        spawn_drain(body, gateway.config.body_timeout);
        respond(&gateway, route, &answer, started, None)
    };
    if parts.method != Method::POST {
        let mut response = early(decide::method_not_allowed(), body)?;
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return Ok(response);
    }
    let Ok(permit) = gateway.requests.clone().try_acquire_owned() else {
        return early(decide::overloaded(), body);
    };
    if let Some(answer) = decide::source(route, peer.ip()) {
        return early(answer, body);
    }
    let max = gateway.config.max_body_bytes;
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return early(decide::too_large(), body);
    }
    let body_deadline = started + gateway.config.body_timeout;
    let bytes = match read_body(body, max, declared, body_deadline).await {
        Ok(bytes) => bytes,
        Err(Read::TooLarge(rest)) => return early(decide::too_large(), rest),
        Err(Read::Timeout) => {
            return respond(&gateway, route, &decide::body_timeout(), started, None);
        }
        // The sender is gone (the body broke off): nobody reads this answer.
        Err(Read::Broken) => {
            return respond(&gateway, route, &decide::body_timeout(), started, None);
        }
    };
    let step = decide::begin(
        route,
        &gateway.limits,
        &gateway.store,
        &parts.headers,
        &bytes,
        peer.ip(),
        gateway.now_ms(),
    )
    .await;
    let accepted = match step {
        Step::Answer(answer) => return respond(&gateway, route, &answer, started, None),
        Step::Deliver(accepted) => accepted,
    };
    // The delivery owns its lease: it runs to commit or abort even if this future is dropped
    // (the sender disconnected).
    let answer_deadline = started + Duration::from_millis(ANSWER_BUDGET_MS);
    let state = gateway.clone();
    let index = route.index;
    let delivery = tokio::spawn(async move {
        let _permit = permit;
        let route = state.config.routes.get(index)?;
        let sink = state.sinks.get(index)?;
        let event = Event {
            id: &accepted.id,
            event_type: &accepted.event_type,
            scheme: accepted.scheme,
            route: &route.path,
            headers: &parts.headers,
            body: bytes,
        };
        let sent = Instant::now();
        let result = sink.deliver(event, answer_deadline).await;
        state.metrics.sink(
            index,
            sent.elapsed(),
            matches!(result, SinkResult::Accepted { .. }),
        );
        let (answer, settled) =
            decide::finish(route, &state.store, &accepted, &result, state.now_ms()).await;
        match settled {
            Settled::Aborted => state.metrics.abort(index),
            Settled::LateCommit => {
                state.metrics.late_commit(index);
                tracing::warn!(route = %route.path, id = %accepted.id, "late commit: the lease had expired, another copy may have been delivered");
            }
            Settled::CommitFailed => {
                tracing::warn!(route = %route.path, id = %accepted.id, "delivered but the commit failed: a redelivery may be delivered again");
            }
            Settled::Committed | Settled::NoLease => {}
        }
        Some((answer, accepted.event_type))
    });
    match delivery.await {
        Ok(Some((answer, event_type))) => {
            respond(&gateway, route, &answer, started, Some(&event_type))
        }
        _ => {
            let answer = decide::overloaded();
            respond(&gateway, route, &answer, started, None)
        }
    }
}

enum Read {
    TooLarge(Incoming),
    Timeout,
    Broken,
}

/// Reads the body into one buffer of at most `max` bytes, by `deadline`.
async fn read_body(
    mut body: Incoming,
    max: usize,
    declared: Option<u64>,
    deadline: Instant,
) -> Result<Bytes, Read> {
    let capacity = declared.map_or(8 * 1024, |n| usize::try_from(n).unwrap_or(max).min(max));
    let mut buffer = BytesMut::with_capacity(capacity);
    loop {
        match tokio::time::timeout_at(deadline.into(), body.frame()).await {
            Err(_) => return Err(Read::Timeout),
            Ok(None) => return Ok(buffer.freeze()),
            Ok(Some(Err(_))) => return Err(Read::Broken),
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    if buffer.len().saturating_add(data.len()) > max {
                        return Err(Read::TooLarge(body));
                    }
                    buffer.extend_from_slice(&data);
                }
            }
        }
    }
}

/// Reads and discards the rest of a body in the background, up to [`DRAIN_LIMIT_BYTES`] and
/// `timeout`; past either, the body is dropped and hyper closes the connection.
fn spawn_drain(mut body: Incoming, timeout: Duration) {
    tokio::spawn(async move {
        let deadline = Instant::now() + timeout;
        let mut drained: u64 = 0;
        while drained <= DRAIN_LIMIT_BYTES {
            match tokio::time::timeout_at(deadline.into(), body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        drained = drained.saturating_add(data.len() as u64);
                    }
                }
                _ => return,
            }
        }
    });
}

fn respond(
    gateway: &Gateway,
    route: &Route,
    answer: &Answer,
    started: Instant,
    event_type: Option<&str>,
) -> Answered {
    gateway.metrics.request(route.index, answer.outcome);
    let sender = answer.sender(route.policy);
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let id = answer.id.as_deref().unwrap_or("");
    let code = answer.code.unwrap_or("");
    let reason = answer.reason.as_deref().unwrap_or("");
    let event_type = event_type.unwrap_or("");
    let status = answer.status;
    let outcome = answer.outcome.name();
    let sender = sender.name();
    if answer.status < 400 || answer.outcome == Outcome::Duplicate {
        tracing::info!(route = %route.path, id, outcome, status, sender, event_type, elapsed_ms, "answered");
    } else {
        tracing::warn!(route = %route.path, id, outcome, status, sender, code, reason, retry_after = answer.retry_after, elapsed_ms, "answered");
    }
    let mut response = Response::new(Full::new(Bytes::from(answer.body())));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(secs) = answer.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    if answer.close {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}

/// Binds `config.listen` and serves until SIGTERM or SIGINT.
pub async fn run(config: Config) -> Result<(), String> {
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let gateway = Arc::new(Gateway::new(config)?);
    serve(gateway, listener, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM"),
                _ = int.recv() => tracing::info!("SIGINT"),
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
