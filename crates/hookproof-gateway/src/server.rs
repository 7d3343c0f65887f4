//! The I/O shell: tokio + hyper 1 (HTTP/1.1). It reads each request within its bounds (header
//! and body deadlines, a byte cap enforced while the body streams), and drives the core's
//! request-decision machine ([`hookproof::consumer`], through [`crate::decide`]) in a task of
//! its own, then sends the machine's answer.
//!
//! - A request that is answered before its body was read (404, 405, 403, 413, 503 overloaded)
//!   keeps its connection: the rest of the body is read and discarded in the background, up to
//!   [`DRAIN_LIMIT_BYTES`] and the body deadline, so the sender gets the answer instead of a
//!   reset. A body that stalls is answered 408 and the connection closed.
//! - Every delivery runs in a spawned task that owns its lease: a sender that disconnects
//!   mid-delivery still gets its acceptance committed or aborted.
//! - Every answer goes out within the machine's budget (`budget_ms`, default 12 s) of the
//!   request's headers: each step is bounded by the `wait_ms` the machine gives it.
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
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::{Config, Route, SinkConfig};
use crate::decide::{self, Limits};
use crate::metrics::Metrics;
use crate::sink::Sink;
use crate::sink::http::HttpSink;
use crate::sink::redis_stream::RedisStreamSink;
use crate::store::redis::{RedisAcceptance, RedisConnection};
use crate::store::{Accept, Store};
use hookproof::consumer::{Answer, Head, Step};
use hookproof::redis::Layout;

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
    /// Builds the runtime state from a checked config. With `redis`, must be called within
    /// a tokio runtime (the Redis client is set up there; it connects on first use).
    pub fn new(config: Config) -> Result<Gateway, String> {
        let redis = match &config.redis {
            Some(r) => Some((
                RedisConnection::new(
                    &r.url,
                    r.cluster,
                    // Each exchange waits on at most one Redis call at a time; /readyz pings.
                    config.max_concurrent_requests.saturating_add(16),
                )?,
                r.prefix.as_str(),
            )),
            None => None,
        };
        let layout = |scope: &str| {
            let prefix = redis
                .as_ref()
                .map_or(hookproof::redis::DEFAULT_PREFIX, |r| r.1);
            Layout::new(prefix, scope).map_err(|e| format!("route scope {scope:?}: {e}"))
        };
        let store = match &redis {
            Some((connection, _)) => Store::Redis(RedisAcceptance::new(
                connection.clone(),
                config
                    .routes
                    .iter()
                    .map(|r| layout(&r.scope))
                    .collect::<Result<_, _>>()?,
                config.acceptance,
            )),
            None => Store::memory(
                config.routes.len(),
                config.acceptance,
                config.memory_capacity,
            )
            .map_err(|e| e.to_string())?,
        };
        let sinks = config
            .routes
            .iter()
            .map(|r| match &r.sink {
                SinkConfig::Http {
                    url, timeout, tls, ..
                } => Ok(Sink::Http(HttpSink::new(url.clone(), *timeout, tls))),
                SinkConfig::RedisStream { max_len, .. } => {
                    let (connection, _) =
                        redis.as_ref().ok_or("a redis_stream sink needs `redis`")?;
                    Ok(Sink::RedisStream(RedisStreamSink::new(
                        connection.clone(),
                        layout(&r.scope)?,
                        config.acceptance,
                        *max_len,
                    )))
                }
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut limits = Limits::new(config.unauthenticated.clone(), &config.routes);
        if let Some((connection, prefix)) = &redis {
            limits = limits.on_redis(connection.clone(), prefix, &config.routes);
        }
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
    // TLS: the handshake runs in the connection's task, under its `max_connections` slot and
    // within `handshake_timeout`; only then is HTTP served on it.
    let tls = gateway.config.tls.as_ref().map(|t| {
        (
            tokio_rustls::TlsAcceptor::from(t.server.clone()),
            t.handshake_timeout,
        )
    });
    gateway.ready.store(true, Ordering::SeqCst);
    tracing::info!(
        listen = %gateway.config.listen,
        routes = gateway.config.routes.len(),
        tls = tls.is_some(),
        client_certificates = gateway.config.tls.as_ref().is_some_and(|t| t.client_ca_path.is_some()),
        "ready"
    );
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
                let watcher = graceful.watcher();
                let http = http.clone();
                let tls = tls.clone();
                let counted = gateway.clone();
                tokio::spawn(async move {
                    match tls {
                        None => {
                            let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                        }
                        Some((acceptor, timeout)) => {
                            match tokio::time::timeout(timeout, acceptor.accept(stream).into_fallible()).await {
                                Ok(Ok(stream)) => {
                                    let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                                }
                                // rustls' errors name the alert or the certificate problem,
                                // never key material.
                                Ok(Err((e, stream))) => {
                                    tracing::info!(%peer, error = %e, "TLS handshake failed: connection closed");
                                    counted.metrics.tls_handshake_failed(false);
                                    close_after_alert(stream).await;
                                }
                                Err(_) => {
                                    tracing::info!(%peer, "TLS handshake not finished within handshake_timeout_ms: connection closed");
                                    counted.metrics.tls_handshake_failed(true);
                                }
                            }
                        }
                    }
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

/// After a refused TLS handshake, the connection is read and discarded for at most this long
/// (and [`ALERT_LINGER_BYTES`]) before it is closed.
pub const ALERT_LINGER: Duration = Duration::from_secs(1);
/// …and at most this many bytes.
pub const ALERT_LINGER_BYTES: usize = 64 * 1024;

/// Closes a connection whose TLS handshake was refused so that the client reads the alert
/// (e.g. `certificate_required`): the write side is shut after the alert, and what the client
/// already sent (in TLS 1.3 its request follows its certificate at once) is read and dropped,
/// bounded, instead of being answered with a reset that would hide the alert from it.
async fn close_after_alert(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWrite;
    let _ = std::future::poll_fn(|cx| std::pin::Pin::new(&mut stream).poll_shutdown(cx)).await;
    let drain = async {
        let mut buffer = [0u8; 4096];
        let mut read = 0usize;
        while read <= ALERT_LINGER_BYTES {
            if stream.readable().await.is_err() {
                return;
            }
            match stream.try_read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => read += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    };
    let _ = tokio::time::timeout(ALERT_LINGER, drain).await;
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
    let consumer = &route.consumer;
    let source = source_address(
        peer.ip(),
        &parts.headers,
        gateway.config.trusted_proxies.as_ref(),
    );
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (mut exchange, step) = consumer.exchange(
        gateway.now_ms(),
        &Head {
            method: parts.method.as_str(),
            source: Some(&source),
            content_length: declared,
        },
    );
    let early = |answer: &Answer, body: Incoming| {
        spawn_drain(body, gateway.config.body_timeout);
        respond(&gateway, route, answer, started, None, None)
    };
    let (max_bytes, wait_ms) = match step {
        Step::ReadBody { max_bytes, wait_ms } => (max_bytes, wait_ms),
        Step::Answer(answer) => return early(&answer, body),
        _ => return early(&decide::overloaded(route.policy), body),
    };
    let Ok(permit) = gateway.requests.clone().try_acquire_owned() else {
        return early(&decide::overloaded(route.policy), body);
    };
    let max = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let bytes = match read_body(
        body,
        max,
        declared,
        started + Duration::from_millis(wait_ms),
    )
    .await
    {
        Ok(bytes) => bytes,
        Err(read) => {
            let step = match read {
                Read::TooLarge(rest) => {
                    spawn_drain(rest, gateway.config.body_timeout);
                    exchange.too_large(consumer)
                }
                // A stalled body, or one the sender broke off: 408, and the connection closes.
                Read::Timeout | Read::Broken => exchange.timeout(consumer, gateway.now_ms()),
            };
            let answer = match step {
                Ok(Step::Answer(answer)) => answer,
                _ => decide::overloaded(route.policy),
            };
            return respond(&gateway, route, &answer, started, None, None);
        }
    };
    // The rest runs in a task of its own that owns the lease: it runs to commit or abort even
    // if this future is dropped (the sender disconnected).
    let state = gateway.clone();
    let index = route.index;
    let (reply, answered) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let _permit = permit;
        let (Some(route), Some(sink)) = (state.config.routes.get(index), state.sinks.get(index))
        else {
            return;
        };
        let clock = state.clock.clone();
        let now_ms = move || (clock.0)();
        let shell = decide::Shell {
            route,
            sink,
            store: &state.store,
            limits: &state.limits,
            metrics: &state.metrics,
            now_ms: &now_ms,
            lease: Duration::from_secs(state.config.acceptance.lease_secs()),
        };
        decide::run(&shell, exchange, &parts.headers, bytes, &source, reply).await;
    });
    match answered.await {
        Ok(finished) => respond(
            &gateway,
            route,
            &finished.answer,
            started,
            finished.id.as_deref(),
            finished.event_type.as_deref(),
        ),
        Err(_) => respond(
            &gateway,
            route,
            &decide::overloaded(route.policy),
            started,
            None,
            None,
        ),
    }
}

/// Most `X-Forwarded-For` hops examined.
pub const MAX_FORWARDED_HOPS: usize = 32;

/// The request's source address, as the allowlist and the per-source limiter see it: the peer,
/// or, when the peer is a trusted proxy, the nearest `X-Forwarded-For` hop that is not one
/// (read right to left). A malformed or over-long header gives an empty source, which no
/// allowlist admits (fail closed).
fn source_address(
    peer: std::net::IpAddr,
    headers: &hyper::HeaderMap,
    trusted: Option<&hookproof::SourceAllowlist>,
) -> String {
    let peer = peer.to_canonical().to_string();
    let is_trusted = |a: &str| trusted.is_some_and(|t| t.is_allowed(a).unwrap_or(false));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut hops = 0;
    let mut nearest = peer;
    for value in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(value) = value.to_str() else {
            return String::new();
        };
        for hop in value.rsplit(',') {
            hops += 1;
            let Ok(address) = hop.trim().parse::<std::net::IpAddr>() else {
                return String::new();
            };
            if hops > MAX_FORWARDED_HOPS {
                return String::new();
            }
            nearest = address.to_canonical().to_string();
            if !is_trusted(&nearest) {
                return nearest;
            }
        }
    }
    nearest
}

enum Read {
    TooLarge(Incoming),
    Timeout,
    Broken,
}

/// Reads the body, at most `max` bytes, by `deadline`. A body that arrives as one frame (the
/// usual case: a small body read with its head) is hyper's own bytes, not copied; a body in
/// several frames is gathered into one buffer, copied once.
async fn read_body(
    mut body: Incoming,
    max: usize,
    declared: Option<u64>,
    deadline: Instant,
) -> Result<Bytes, Read> {
    let mut first: Option<Bytes> = None;
    let mut buffer = BytesMut::new();
    loop {
        match tokio::time::timeout_at(deadline.into(), body.frame()).await {
            Err(_) => return Err(Read::Timeout),
            Ok(None) => {
                return Ok(match first {
                    Some(only) if buffer.is_empty() => only,
                    _ => buffer.freeze(),
                });
            }
            Ok(Some(Err(_))) => return Err(Read::Broken),
            Ok(Some(Ok(frame))) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                let held = first.as_ref().map_or(0, Bytes::len) + buffer.len();
                if held.saturating_add(data.len()) > max {
                    return Err(Read::TooLarge(body));
                }
                if data.is_empty() {
                    continue;
                }
                match first.take() {
                    None if buffer.is_empty() => first = Some(data),
                    earlier => {
                        if buffer.is_empty() {
                            let capacity = declared
                                .map_or(8 * 1024, |n| usize::try_from(n).unwrap_or(max).min(max));
                            buffer.reserve(capacity.max(held + data.len()));
                        }
                        if let Some(earlier) = earlier {
                            buffer.extend_from_slice(&earlier);
                        }
                        buffer.extend_from_slice(&data);
                    }
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
    id: Option<&str>,
    event_type: Option<&str>,
) -> Answered {
    let outcome = decide::outcome(answer);
    gateway.metrics.request(route.index, outcome);
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let id = id.unwrap_or("");
    let event_type = event_type.unwrap_or("");
    let status = answer.status;
    let outcome = outcome.name();
    let sender = answer.sender.name();
    if answer.status < 400 {
        tracing::info!(route = %route.path, id, outcome, status, sender, event_type, elapsed_ms, "answered");
    } else {
        tracing::warn!(route = %route.path, id, outcome, status, sender, retry_after = answer.retry_after, body = %answer.body, elapsed_ms, "answered");
    }
    let mut response = Response::new(Full::new(Bytes::from(answer.body.clone())));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let headers = response.headers_mut();
    for (name, value) in answer.headers() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    Ok(response)
}

/// Length of the listening socket's queue of connections not yet accepted (the kernel caps it
/// at `net.core.somaxconn`). `TcpListener::bind` asks for 128: a burst of more new connections
/// than that (2,000 idle ones in the tests) overflows it, and each dropped SYN costs its sender
/// a 1 s retransmission.
pub const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr` (with `SO_REUSEADDR`, as `TcpListener::bind` does) with [`LISTEN_BACKLOG`].
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Binds `config.listen` and serves until SIGTERM or SIGINT.
pub async fn run(config: Config) -> Result<(), String> {
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    let listener =
        listen(config.listen).map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
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
