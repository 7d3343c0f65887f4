//! The gateway's configuration: TOML read into raw serde types (unknown keys refused, the span
//! of every value kept), then compiled once into the core's checked objects. Every error names
//! its key and the line it is on; secrets are resolved here (`env:NAME`, `file:PATH` or the
//! text itself) and never appear in an error, a log line or `Debug`.

use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::time::Duration;

use hookproof::acceptance::{DEFAULT_LEASE_SECS, DEFAULT_WINDOW_SECS};
use hookproof::consumer::{
    AuthorizationSetting, Backend4xx, Consumer, ConsumerSettings, DEFAULT_BUDGET_MS,
    DEFAULT_RETRY_AFTER_SECS, MAX_BUDGET_MS,
};
use hookproof::rate_limit::{DEFAULT_SOURCE_CAPACITY, RateLimiter, SourceLimiter};
use hookproof::store::DEFAULT_MEMORY_CAPACITY;
use hookproof::{
    AcceptanceConfig, Credentials, ErrorCode, EventTypeFilter, Key, KeyKind, Policy,
    SourceAllowlist, TagFilter, Verifier,
};
use serde::Deserialize;
use toml::Spanned;
use zeroize::Zeroizing;

/// Default `max_body_bytes`: Codat's events are small references (Standard Webhooks asks for
/// bodies under 20 KB); 256 KiB leaves room.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 256 * 1024;
/// Largest `max_body_bytes` accepted: the core parses events of at most 1 MiB.
pub const MAX_MAX_BODY_BYTES: u64 = hookproof::event::MAX_EVENT_LEN as u64;
/// Default `header_timeout_ms`: a request's headers must arrive within this.
pub const DEFAULT_HEADER_TIMEOUT_MS: u64 = 5_000;
/// Default `body_timeout_ms`: a request's body must arrive within this.
pub const DEFAULT_BODY_TIMEOUT_MS: u64 = 10_000;
/// Default HTTP sink `timeout_ms`.
pub const DEFAULT_SINK_TIMEOUT_MS: u64 = 10_000;
/// Default `max_concurrent_requests`: exchanges past it are answered 503 + `Retry-After`.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: u64 = 256;
/// Default `max_connections`: connections past it are closed on accept.
pub const DEFAULT_MAX_CONNECTIONS: u64 = 1024;
/// Default `shutdown_timeout_ms`: on SIGTERM, in-flight exchanges get this long to finish.
/// Longer than the answer budget, so every exchange in flight finishes.
pub const DEFAULT_SHUTDOWN_TIMEOUT_MS: u64 = 20_000;
/// Default per-source limit on requests that failed authentication, per second…
pub const DEFAULT_UNAUTHENTICATED_PER_SECOND: u32 = 10;
/// …and at once.
pub const DEFAULT_UNAUTHENTICATED_BURST: u32 = 20;
/// Largest secret file read, in bytes.
pub const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;
/// Most routes in one config.
pub const MAX_ROUTES: usize = 256;

// ---------------------------------------------------------------------------------------------
// Raw types: the file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Spanned<String>,
    redis: Option<Spanned<String>>,
    redis_prefix: Option<Spanned<String>>,
    redis_cluster: Option<Spanned<bool>>,
    max_body_bytes: Option<Spanned<u64>>,
    header_timeout_ms: Option<Spanned<u64>>,
    body_timeout_ms: Option<Spanned<u64>>,
    max_concurrent_requests: Option<Spanned<u64>>,
    max_connections: Option<Spanned<u64>>,
    shutdown_timeout_ms: Option<Spanned<u64>>,
    budget_ms: Option<Spanned<u64>>,
    log_format: Option<Spanned<String>>,
    log_level: Option<Spanned<String>>,
    memory_capacity: Option<Spanned<u64>>,
    window_secs: Option<Spanned<u64>>,
    lease_secs: Option<Spanned<u64>>,
    unauthenticated_per_second: Option<Spanned<u32>>,
    unauthenticated_burst: Option<Spanned<u32>>,
    trusted_proxies: Option<Spanned<Vec<Spanned<String>>>>,
    tls: Option<Spanned<RawTls>>,
    #[serde(default)]
    routes: Vec<Spanned<RawRoute>>,
}

/// `[tls]`: the listener speaks TLS (and, with `client_ca`, requires client certificates).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert: Spanned<String>,
    key: Spanned<String>,
    client_ca: Option<Spanned<String>>,
    handshake_timeout_ms: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    path: Spanned<String>,
    scope: Option<Spanned<String>>,
    secrets: Option<Spanned<Vec<Spanned<String>>>>,
    public_keys: Option<Spanned<Vec<Spanned<String>>>>,
    authorization: Option<Spanned<String>>,
    client_id: Option<Spanned<String>>,
    policy: Option<Spanned<String>>,
    tolerance_secs: Option<Spanned<u64>>,
    event_types: Option<Spanned<Vec<Spanned<String>>>>,
    company_tags: Option<Spanned<Vec<Spanned<String>>>>,
    allow_ips: Option<Spanned<Vec<Spanned<String>>>>,
    rate_limit_per_second: Option<Spanned<u32>>,
    rate_limit_burst: Option<Spanned<u32>>,
    sink: Spanned<RawSink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSink {
    http: Option<Spanned<String>>,
    timeout_ms: Option<Spanned<u64>>,
    on_4xx: Option<Spanned<String>>,
    redis_stream: Option<Spanned<String>>,
    ca: Option<Spanned<String>>,
    maxlen: Option<Spanned<u64>>,
}

// ---------------------------------------------------------------------------------------------
// Compiled types: what the server runs.

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable `key=value` lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The least severe log lines written: `info` (the default) logs one line per answer; `warn`
/// only answers of 400 and above and what went wrong (a sink that did not take an event, a
/// failed commit, Redis trouble).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// `error`.
    Error,
    /// `warn`.
    Warn,
    /// `info`.
    Info,
    /// `debug`.
    Debug,
}

/// The checked configuration.
#[derive(Debug)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Largest body read, in bytes.
    pub max_body_bytes: usize,
    /// Header read deadline.
    pub header_timeout: Duration,
    /// Body read deadline, from the headers' arrival.
    pub body_timeout: Duration,
    /// Exchanges handled at once.
    pub max_concurrent_requests: usize,
    /// Connections held at once.
    pub max_connections: usize,
    /// Drain deadline on SIGTERM.
    pub shutdown_timeout: Duration,
    /// Log format.
    pub log_format: LogFormat,
    /// Least severe log lines written.
    pub log_level: LogLevel,
    /// In-memory acceptance store capacity per route.
    pub memory_capacity: usize,
    /// De-duplication window and lease.
    pub acceptance: AcceptanceConfig,
    /// Limit on unauthenticated requests per source address (template; cloned per server).
    pub unauthenticated: SourceLimiter,
    /// Proxies whose `X-Forwarded-For` is believed (`None`: the header is ignored).
    pub trusted_proxies: Option<SourceAllowlist>,
    /// TLS on the listener (`None`: plain HTTP).
    pub tls: Option<crate::tls::ListenerTls>,
    /// The routes, in file order.
    pub routes: Vec<Route>,
    /// Start-up warnings (printed by `--check` and logged on start).
    pub warnings: Vec<String>,
    /// The shared store, when `redis` is set (else the in-memory store).
    pub redis: Option<RedisSettings>,
}

/// Where the shared store lives: `redis`, `redis_prefix`, `redis_cluster`.
pub struct RedisSettings {
    /// `redis://…` (with `cluster`: any node of the cluster). May hold a password: never
    /// printed.
    pub url: Zeroizing<String>,
    /// Key prefix ([`hookproof::redis::DEFAULT_PREFIX`] by default).
    pub prefix: String,
    /// Redis Cluster mode: `url` is a seed node.
    pub cluster: bool,
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &"[REDACTED]")
            .field("prefix", &self.prefix)
            .field("cluster", &self.cluster)
            .finish()
    }
}

/// Most entries `maxlen` may keep.
pub const MAX_STREAM_MAXLEN: u64 = 1_000_000_000_000;

/// A route's sink.
#[derive(Debug, Clone)]
pub enum SinkConfig {
    /// POST to a backend.
    Http {
        /// `http://` or `https://` URL.
        url: hyper::Uri,
        /// Roots for `https://` (the sink's `ca`, or Mozilla's).
        tls: crate::tls::SinkTls,
        /// Per-delivery timeout (also bounded by the answer budget).
        timeout: Duration,
        /// Backend 4xx handling (the core's choice, [`Backend4xx`]).
        on_4xx: Backend4xx,
    },
    /// `XADD` to the route's stream and commit, in one script (the core's enqueue step).
    RedisStream {
        /// The stream's name: also the route's scope, so the stream key is
        /// `<prefix>stream:{<name>}`.
        name: String,
        /// `XADD MAXLEN ~ max_len` (0: the stream is not trimmed).
        max_len: u64,
    },
}

/// One checked route.
#[derive(Debug)]
pub struct Route {
    /// Position in the file; the route's scope in the acceptance store.
    pub index: usize,
    /// Exact request path.
    pub path: String,
    /// The route's de-duplication scope in Redis (the `{scope}` of its keys): `scope`, or
    /// the stream's name for a `redis_stream` sink, or the path.
    pub scope: String,
    /// The core's request-decision machine, compiled from the route's settings.
    pub consumer: Consumer,
    /// The sender's delivery policy (how it treats each answer).
    pub policy: Policy,
    /// How the route authenticates (told to the sink).
    pub scheme: crate::sink::Scheme,
    /// Rate limit charged after authentication (template; cloned per server).
    pub rate_limit: Option<RateLimiter>,
    /// Where wanted events go.
    pub sink: SinkConfig,
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// One configuration error: the key, where it is, and what is wrong (never a secret's value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted key, e.g. `routes[0].secrets[1]`.
    pub key: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.position {
            write!(f, "line {line}, column {column}: ")?;
        }
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// Every error found in one config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

struct Errors<'s> {
    source: &'s str,
    list: Vec<ConfigError>,
}

impl Errors<'_> {
    fn position(&self, span: &Range<usize>) -> (usize, usize) {
        let start = span.start.min(self.source.len());
        let before = self.source.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map_or(before.chars().count(), |nl| {
            before.get(nl + 1..).map_or(0, |s| s.chars().count())
        }) + 1;
        (line, column)
    }

    fn push(&mut self, key: impl Into<String>, span: &Range<usize>, message: impl Into<String>) {
        let position = Some(self.position(span));
        self.list.push(ConfigError {
            key: key.into(),
            position,
            message: message.into(),
        });
    }
}

fn coded(error: &(impl ErrorCode + fmt::Display)) -> String {
    format!("{error} ({})", error.code())
}

// ---------------------------------------------------------------------------------------------
// Compilation.

impl Config {
    /// Parses and checks a config file's text. Every error found is returned, each with its key
    /// and line.
    pub fn parse(source: &str) -> Result<Config, ConfigErrors> {
        let raw: RawConfig = match toml::from_str(source) {
            Ok(raw) => raw,
            Err(e) => {
                let mut errors = Errors {
                    source,
                    list: Vec::new(),
                };
                let message = e.message().trim_end().to_owned();
                match e.span() {
                    Some(span) => errors.push("", &span, message),
                    None => errors.list.push(ConfigError {
                        key: String::new(),
                        position: None,
                        message,
                    }),
                }
                return Err(ConfigErrors(errors.list));
            }
        };
        let mut errors = Errors {
            source,
            list: Vec::new(),
        };
        let config = compile(raw, &mut errors);
        match config {
            Some(config) if errors.list.is_empty() => Ok(config),
            _ => Err(ConfigErrors(errors.list)),
        }
    }

    /// Reads and checks a config file.
    pub fn load(path: &std::path::Path) -> Result<Config, ConfigErrors> {
        let text = read_bounded(path, 1024 * 1024).map_err(|message| {
            ConfigErrors(vec![ConfigError {
                key: String::new(),
                position: None,
                message: format!("cannot read {}: {message}", path.display()),
            }])
        })?;
        Config::parse(&text)
    }
}

fn read_bounded(path: &std::path::Path, max: u64) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.take(max + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > max {
        return Err(format!("larger than {max} bytes"));
    }
    Ok(text)
}

fn number<T: Copy>(
    value: &Option<Spanned<u64>>,
    key: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    errors: &mut Errors<'_>,
    convert: impl Fn(u64) -> T,
) -> T {
    match value {
        Some(v) if !range.contains(v.get_ref()) => {
            errors.push(
                key,
                &v.span(),
                format!(
                    "must be from {} to {} (got {})",
                    range.start(),
                    range.end(),
                    v.get_ref()
                ),
            );
            convert(default)
        }
        Some(v) => convert(*v.get_ref()),
        None => convert(default),
    }
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

fn compile(raw: RawConfig, errors: &mut Errors<'_>) -> Option<Config> {
    let listen = match raw.listen.get_ref().parse::<SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            errors.push(
                "listen",
                &raw.listen.span(),
                "expected an address and port, e.g. \"127.0.0.1:8080\" or \"[::]:8080\"",
            );
            None
        }
    };
    let mut warnings = Vec::new();
    let redis = compile_redis(&raw, errors);
    if raw.redis.is_none() {
        warnings.push(
            "no `redis` configured: de-duplication uses an in-memory store, for ONE gateway process only (ids are forgotten on restart and not shared between processes)"
                .to_owned(),
        );
    }
    let max_body_bytes = number(
        &raw.max_body_bytes,
        "max_body_bytes",
        DEFAULT_MAX_BODY_BYTES,
        1..=MAX_MAX_BODY_BYTES,
        errors,
        to_usize,
    );
    let ms = Duration::from_millis;
    let header_timeout = number(
        &raw.header_timeout_ms,
        "header_timeout_ms",
        DEFAULT_HEADER_TIMEOUT_MS,
        1..=MAX_BUDGET_MS,
        errors,
        ms,
    );
    let body_timeout = number(
        &raw.body_timeout_ms,
        "body_timeout_ms",
        DEFAULT_BODY_TIMEOUT_MS,
        1..=MAX_BUDGET_MS,
        errors,
        ms,
    );
    let max_concurrent_requests = number(
        &raw.max_concurrent_requests,
        "max_concurrent_requests",
        DEFAULT_MAX_CONCURRENT_REQUESTS,
        1..=100_000,
        errors,
        to_usize,
    );
    let max_connections = number(
        &raw.max_connections,
        "max_connections",
        DEFAULT_MAX_CONNECTIONS,
        1..=1_000_000,
        errors,
        to_usize,
    );
    let shutdown_timeout = number(
        &raw.shutdown_timeout_ms,
        "shutdown_timeout_ms",
        DEFAULT_SHUTDOWN_TIMEOUT_MS,
        0..=600_000,
        errors,
        ms,
    );
    let memory_capacity = number(
        &raw.memory_capacity,
        "memory_capacity",
        DEFAULT_MEMORY_CAPACITY as u64,
        1..=hookproof::store::MAX_MEMORY_CAPACITY as u64,
        errors,
        to_usize,
    );
    let log_format = match raw.log_format.as_ref().map(|f| (f.get_ref().as_str(), f)) {
        None | Some(("text", _)) => LogFormat::Text,
        Some(("json", _)) => LogFormat::Json,
        Some((_, f)) => {
            errors.push("log_format", &f.span(), "expected \"text\" or \"json\"");
            LogFormat::Text
        }
    };
    let log_level = match raw.log_level.as_ref().map(|l| (l.get_ref().as_str(), l)) {
        None | Some(("info", _)) => LogLevel::Info,
        Some(("error", _)) => LogLevel::Error,
        Some(("warn", _)) => LogLevel::Warn,
        Some(("debug", _)) => LogLevel::Debug,
        Some((_, l)) => {
            errors.push(
                "log_level",
                &l.span(),
                "expected \"error\", \"warn\", \"info\" or \"debug\"",
            );
            LogLevel::Info
        }
    };
    let window = raw
        .window_secs
        .as_ref()
        .map_or(DEFAULT_WINDOW_SECS, |v| *v.get_ref());
    let lease = raw
        .lease_secs
        .as_ref()
        .map_or(DEFAULT_LEASE_SECS, |v| *v.get_ref());
    let acceptance = match AcceptanceConfig::new(window, lease) {
        Ok(a) => a,
        Err(e) => {
            let span = raw
                .window_secs
                .as_ref()
                .or(raw.lease_secs.as_ref())
                .map_or(0..0, Spanned::span);
            let key = if raw.window_secs.is_some() {
                "window_secs"
            } else {
                "lease_secs"
            };
            errors.push(key, &span, coded(&e));
            AcceptanceConfig::default()
        }
    };
    if window < 28 * 3600 {
        warnings.push(format!(
            "window_secs = {window} is shorter than Codat's ≈ 28 h retry horizon: a late redelivery may be delivered again"
        ));
    }
    let un_rate = raw
        .unauthenticated_per_second
        .as_ref()
        .map_or(DEFAULT_UNAUTHENTICATED_PER_SECOND, |v| *v.get_ref());
    let un_burst = raw
        .unauthenticated_burst
        .as_ref()
        .map_or(DEFAULT_UNAUTHENTICATED_BURST, |v| *v.get_ref());
    let unauthenticated = match SourceLimiter::new(un_rate, un_burst, DEFAULT_SOURCE_CAPACITY) {
        Ok(l) => Some(l),
        Err(e) => {
            let span = raw
                .unauthenticated_per_second
                .as_ref()
                .or(raw.unauthenticated_burst.as_ref())
                .map_or(0..0, Spanned::span);
            errors.push("unauthenticated_per_second", &span, coded(&e));
            None
        }
    };
    let trusted_proxies = raw.trusted_proxies.as_ref().and_then(|list_value| {
        let entries = list_value.get_ref();
        match SourceAllowlist::new(entries.iter().map(|t| t.get_ref())) {
            Ok(a) => Some(a),
            Err(e) => {
                let (key, span) = match e.index().and_then(|i| entries.get(i).map(|t| (i, t))) {
                    Some((i, t)) => (format!("trusted_proxies[{i}]"), t.span()),
                    None => ("trusted_proxies".to_owned(), list_value.span()),
                };
                errors.push(key, &span, coded(&e));
                None
            }
        }
    });
    let tls = raw
        .tls
        .as_ref()
        .and_then(|t| compile_tls(t.get_ref(), errors));
    let budget = number(
        &raw.budget_ms,
        "budget_ms",
        DEFAULT_BUDGET_MS,
        1..=MAX_BUDGET_MS,
        errors,
        Duration::from_millis,
    );
    let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let limits = Limits {
        lease_ms: acceptance.lease_secs().saturating_mul(1000),
        max_body_bytes: max_body_bytes as u64,
        body_timeout_ms: millis(body_timeout),
        budget_ms: millis(budget),
        redis: raw.redis.is_some(),
        prefix: redis.as_ref().map_or_else(
            || hookproof::redis::DEFAULT_PREFIX.to_owned(),
            |r| r.prefix.clone(),
        ),
    };
    if raw.routes.is_empty() {
        errors.list.push(ConfigError {
            key: "routes".into(),
            position: None,
            message: "no [[routes]]: the gateway needs at least one route".into(),
        });
    }
    if raw.routes.len() > MAX_ROUTES {
        errors.list.push(ConfigError {
            key: "routes".into(),
            position: None,
            message: format!("at most {MAX_ROUTES} routes"),
        });
    }
    let mut routes = Vec::new();
    for (index, route) in raw.routes.into_iter().enumerate() {
        let span = route.span();
        let path_span = route.get_ref().path.span();
        let scope_span = route
            .get_ref()
            .scope
            .as_ref()
            .or(route.get_ref().sink.get_ref().redis_stream.as_ref())
            .map_or(path_span.clone(), Spanned::span);
        if let Some(route) = compile_route(index, route.into_inner(), span, &limits, errors) {
            if routes.iter().any(|r: &Route| r.path == route.path) {
                errors.push(
                    format!("routes[{index}].path"),
                    &path_span,
                    format!("path {:?} is used by an earlier route", route.path),
                );
            } else if limits.redis && routes.iter().any(|r: &Route| r.scope == route.scope) {
                errors.push(
                    format!("routes[{index}].scope"),
                    &scope_span,
                    format!(
                        "scope {:?} is used by an earlier route: two routes sharing a scope share one de-duplication, and the second would drop its copy of every event as a duplicate",
                        route.scope
                    ),
                );
            }
            routes.push(route);
        }
    }
    Some(Config {
        listen: listen?,
        max_body_bytes,
        header_timeout,
        body_timeout,
        max_concurrent_requests,
        max_connections,
        shutdown_timeout,
        log_format,
        log_level,
        memory_capacity,
        acceptance,
        unauthenticated: unauthenticated?,
        trusted_proxies,
        tls,
        routes,
        warnings,
        redis,
    })
}

/// `redis`, `redis_prefix`, `redis_cluster`. The URL may come from `env:NAME` or `file:PATH`
/// (it may hold a password) and is never printed.
fn compile_redis(raw: &RawConfig, errors: &mut Errors<'_>) -> Option<RedisSettings> {
    let Some(url) = &raw.redis else {
        for (key, span) in [
            ("redis_prefix", raw.redis_prefix.as_ref().map(Spanned::span)),
            (
                "redis_cluster",
                raw.redis_cluster.as_ref().map(Spanned::span),
            ),
        ] {
            if let Some(span) = span {
                errors.push(key, &span, "needs `redis = \"redis://…\"`");
            }
        }
        return None;
    };
    let text = match resolve(url.get_ref()) {
        Ok(mut t) if t.len() == 1 => t.pop(),
        Ok(_) => {
            errors.push("redis", &url.span(), "expected one redis:// URL");
            None
        }
        Err(message) => {
            errors.push("redis", &url.span(), message);
            None
        }
    };
    let url_ok = text.as_ref().is_some_and(|t| {
        t.starts_with("redis://")
            && redis::IntoConnectionInfo::into_connection_info(t.as_str()).is_ok()
    });
    if text.is_some() && !url_ok {
        // The value is not repeated: it may hold a password.
        errors.push(
            "redis",
            &url.span(),
            "expected a redis:// URL, e.g. \"redis://127.0.0.1:6379\" or \"redis://:password@host:6379/0\" (rediss:// is not supported)",
        );
    }
    let prefix = match &raw.redis_prefix {
        None => hookproof::redis::DEFAULT_PREFIX.to_owned(),
        Some(p) => {
            if let Err(e) = hookproof::redis::Layout::new(p.get_ref(), "scope") {
                errors.push("redis_prefix", &p.span(), coded(&e));
            }
            p.get_ref().clone()
        }
    };
    let cluster = raw.redis_cluster.as_ref().is_some_and(|c| *c.get_ref());
    Some(RedisSettings {
        url: text.filter(|_| url_ok)?,
        prefix,
        cluster,
    })
}

/// `[tls]`: every file read and checked now, so `--check` reports each problem with its key.
fn compile_tls(raw: &RawTls, errors: &mut Errors<'_>) -> Option<crate::tls::ListenerTls> {
    use crate::tls::TlsField;
    let timeout = number(
        &raw.handshake_timeout_ms,
        "tls.handshake_timeout_ms",
        crate::tls::DEFAULT_HANDSHAKE_TIMEOUT_MS,
        1..=60_000,
        errors,
        Duration::from_millis,
    );
    let mut empty = false;
    for (key, value) in [
        ("tls.cert", Some(&raw.cert)),
        ("tls.key", Some(&raw.key)),
        ("tls.client_ca", raw.client_ca.as_ref()),
    ] {
        if let Some(v) = value
            && v.get_ref().is_empty()
        {
            errors.push(key, &v.span(), "expected the path of a PEM file");
            empty = true;
        }
    }
    if empty {
        return None;
    }
    match crate::tls::listener(
        raw.cert.get_ref(),
        raw.key.get_ref(),
        raw.client_ca.as_ref().map(|c| c.get_ref().as_str()),
        timeout,
    ) {
        Ok(tls) => Some(tls),
        Err(list) => {
            for e in list {
                let (key, span) = match (e.field, &raw.client_ca) {
                    (TlsField::Cert, _) => ("tls.cert", raw.cert.span()),
                    (TlsField::Key, _) => ("tls.key", raw.key.span()),
                    (TlsField::Ca, Some(ca)) => ("tls.client_ca", ca.span()),
                    (TlsField::Ca, None) => ("tls", 0..0),
                };
                errors.push(key, &span, e.message);
            }
            None
        }
    }
}

/// Resolves a secret setting: `env:NAME`, `file:PATH`, or the text itself. Several lines (a
/// file or variable holding a rotation list) give several values; blank lines are skipped.
fn resolve(text: &str) -> Result<Vec<Zeroizing<String>>, String> {
    let value = if let Some(name) = text.strip_prefix("env:") {
        Zeroizing::new(
            std::env::var(name)
                .map_err(|_| format!("environment variable {name} is not set (or not UTF-8)"))?,
        )
    } else if let Some(path) = text.strip_prefix("file:") {
        Zeroizing::new(
            read_bounded(std::path::Path::new(path), MAX_SECRET_FILE_BYTES)
                .map_err(|e| format!("cannot read secret file {path}: {e}"))?,
        )
    } else {
        return Ok(vec![Zeroizing::new(text.to_owned())]);
    };
    let values: Vec<Zeroizing<String>> = value
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| Zeroizing::new(l.to_owned()))
        .collect();
    if values.is_empty() {
        return Err(format!("{text} is empty"));
    }
    Ok(values)
}

fn list(value: &Option<Spanned<Vec<Spanned<String>>>>) -> (&[Spanned<String>], Range<usize>) {
    match value {
        Some(v) => (v.get_ref().as_slice(), v.span()),
        None => (&[], 0..0),
    }
}

fn keys(
    prefix: &str,
    field: &str,
    value: &Option<Spanned<Vec<Spanned<String>>>>,
    kinds: &[KeyKind],
    errors: &mut Errors<'_>,
) -> Vec<(Key, Zeroizing<String>)> {
    let (entries, _) = list(value);
    let mut keys = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let key = format!("{prefix}.{field}[{i}]");
        let texts = match resolve(entry.get_ref()) {
            Ok(t) => t,
            Err(message) => {
                errors.push(&key, &entry.span(), message);
                continue;
            }
        };
        for text in texts {
            match Key::parse(&text) {
                Ok(k) if kinds.contains(&k.kind()) => keys.push((k, text)),
                Ok(k) => errors.push(
                    &key,
                    &entry.span(),
                    format!(
                        "a {} key does not belong in `{field}` ({})",
                        k.kind().name(),
                        if field == "secrets" {
                            "whsec_ secrets here; whpk_ public keys go in `public_keys`"
                        } else {
                            "whpk_ public keys here; whsec_ secrets go in `secrets`"
                        }
                    ),
                ),
                Err(e) => errors.push(&key, &entry.span(), coded(&e)),
            }
        }
    }
    keys
}

/// The config-wide numbers every route's machine is compiled with.
struct Limits {
    lease_ms: u64,
    max_body_bytes: u64,
    body_timeout_ms: u64,
    budget_ms: u64,
    /// Whether `redis` is set (the scopes are keys then).
    redis: bool,
    /// The Redis key prefix.
    prefix: String,
}

fn compile_route(
    index: usize,
    raw: RawRoute,
    span: Range<usize>,
    limits: &Limits,
    errors: &mut Errors<'_>,
) -> Option<Route> {
    let prefix = format!("routes[{index}]");
    let before = errors.list.len();
    let path = raw.path.get_ref().clone();
    if !path.starts_with('/')
        || path.len() > 1024
        || !path.bytes().all(|b| b.is_ascii_graphic())
        || path.contains('?')
        || ["/healthz", "/readyz", "/metrics"].contains(&path.as_str())
    {
        errors.push(
            format!("{prefix}.path"),
            &raw.path.span(),
            "expected an absolute path such as \"/codat\" (no query, no spaces; /healthz, /readyz and /metrics are the gateway's own)",
        );
    }
    let key_errors = errors.list.len();
    let mut all_keys = keys(&prefix, "secrets", &raw.secrets, &[KeyKind::Secret], errors);
    all_keys.extend(keys(
        &prefix,
        "public_keys",
        &raw.public_keys,
        &[KeyKind::PublicKey],
        errors,
    ));
    if let Some(t) = &raw.tolerance_secs
        && *t.get_ref() > 86_400
    {
        errors.push(
            format!("{prefix}.tolerance_secs"),
            &t.span(),
            "must be from 0 to 86400 seconds",
        );
    }
    let key_fields = raw.secrets.is_some() || raw.public_keys.is_some();
    // Every key parsed: the core decides whether the set is usable (none, too many).
    if key_fields
        && errors.list.len() == key_errors
        && let Err(e) = Verifier::with_keys(all_keys.iter().map(|(k, _)| k))
    {
        let (field, span) = if raw.secrets.is_some() {
            ("secrets", list(&raw.secrets).1)
        } else {
            ("public_keys", list(&raw.public_keys).1)
        };
        errors.push(format!("{prefix}.{field}"), &span, coded(&e));
    }
    let authorization = raw.authorization.as_ref().and_then(|a| {
        let key = format!("{prefix}.authorization");
        let text = match resolve(a.get_ref()) {
            Ok(mut t) if t.len() == 1 => t.pop()?,
            Ok(_) => {
                errors.push(
                    &key,
                    &a.span(),
                    "expected one `Basic …` or `Bearer …` value",
                );
                return None;
            }
            Err(message) => {
                errors.push(&key, &a.span(), message);
                return None;
            }
        };
        match authorization_setting(&text) {
            Ok(c) => Some(c),
            Err(message) => {
                errors.push(&key, &a.span(), message);
                None
            }
        }
    });
    if !key_fields && raw.authorization.is_none() {
        errors.push(
            &prefix,
            &span,
            "a route needs credentials: `secrets`, `public_keys` or `authorization` (an open route is never allowed)",
        );
    }
    let client_id = raw.client_id.as_ref().and_then(|c| {
        if c.get_ref().is_empty() {
            errors.push(
                format!("{prefix}.client_id"),
                &c.span(),
                "must not be empty",
            );
            None
        } else {
            Some(c.get_ref().clone())
        }
    });
    let policy = match &raw.policy {
        None => Policy::Current,
        Some(p) => Policy::parse(p.get_ref()).unwrap_or_else(|| {
            errors.push(
                format!("{prefix}.policy"),
                &p.span(),
                "expected \"current\" (Svix-based webhooks) or \"legacy\" (legacy rule webhooks)",
            );
            Policy::Current
        }),
    };
    for (field, value) in [
        ("event_types", &raw.event_types),
        ("company_tags", &raw.company_tags),
    ] {
        for (i, entry) in list(value).0.iter().enumerate() {
            if entry.get_ref().contains(',') || entry.get_ref().trim() != entry.get_ref() {
                errors.push(
                    format!("{prefix}.{field}[{i}]"),
                    &entry.span(),
                    "one entry per string: no comma, no surrounding spaces",
                );
            }
        }
    }
    let (types, types_span) = list(&raw.event_types);
    // Each list is checked here, by the core's own parser, for an error with its key and
    // line; the machine compiles it again from the settings below.
    if let Err(e) = EventTypeFilter::new(types.iter().map(|t| t.get_ref())) {
        let (key, span) = match e.index().and_then(|i| types.get(i).map(|t| (i, t))) {
            Some((i, t)) => (format!("{prefix}.event_types[{i}]"), t.span()),
            None => (format!("{prefix}.event_types"), types_span.clone()),
        };
        errors.push(key, &span, coded(&e));
    }
    let (tags, tags_span) = list(&raw.company_tags);
    if let Err(e) = TagFilter::new(tags.iter().map(|t| t.get_ref())) {
        let (key, span) = match e.index().and_then(|i| tags.get(i).map(|t| (i, t))) {
            Some((i, t)) => (format!("{prefix}.company_tags[{i}]"), t.span()),
            None => (format!("{prefix}.company_tags"), tags_span.clone()),
        };
        errors.push(key, &span, coded(&e));
    }
    if let Some(list_value) = &raw.allow_ips {
        let ips = list_value.get_ref();
        if let Err(e) = SourceAllowlist::new(ips.iter().map(|t| t.get_ref())) {
            let (key, span) = match e.index().and_then(|i| ips.get(i).map(|t| (i, t))) {
                Some((i, t)) => (format!("{prefix}.allow_ips[{i}]"), t.span()),
                None => (format!("{prefix}.allow_ips"), list_value.span()),
            };
            errors.push(key, &span, coded(&e));
        }
    }
    let rate_limit = match (&raw.rate_limit_per_second, &raw.rate_limit_burst) {
        (None, None) => None,
        (None, Some(b)) => {
            errors.push(
                format!("{prefix}.rate_limit_burst"),
                &b.span(),
                "needs rate_limit_per_second",
            );
            None
        }
        (Some(r), b) => {
            let burst = b.as_ref().map_or(*r.get_ref(), |b| *b.get_ref());
            match RateLimiter::new(*r.get_ref(), burst) {
                Ok(l) => Some(l),
                Err(e) => {
                    errors.push(
                        format!("{prefix}.rate_limit_per_second"),
                        &r.span(),
                        coded(&e),
                    );
                    None
                }
            }
        }
    };
    let sink = compile_sink(&prefix, &raw.sink, limits, errors);
    let scope = match (&raw.scope, &raw.sink.get_ref().redis_stream) {
        (Some(s), Some(_)) => {
            errors.push(
                format!("{prefix}.scope"),
                &s.span(),
                "a redis_stream route's scope is its stream's name: remove `scope`",
            );
            None
        }
        (Some(s), None) => Some((s.get_ref().clone(), s.span(), "scope")),
        (None, Some(s)) => Some((s.get_ref().clone(), s.span(), "sink.redis_stream")),
        (None, None) => Some((path.clone(), raw.path.span(), "path")),
    };
    let scope = scope.map(|(scope, span, field)| {
        // The scope is the hash tag of the route's keys: the core's layout checks it.
        if (limits.redis || field == "scope")
            && let Err(e) = hookproof::redis::Layout::new(&limits.prefix, &scope)
        {
            let hint = if field == "path" {
                " (the path is the route's default scope: give the route a `scope` without braces)"
            } else {
                ""
            };
            errors.push(
                format!("{prefix}.{field}"),
                &span,
                format!("{}{hint}", coded(&e)),
            );
        }
        scope
    });
    if errors.list.len() != before {
        return None;
    }
    let sink = sink?;
    let scope = scope?;
    // Every setting checked above with its key and line; the core's machine compiles them.
    let settings = ConsumerSettings {
        keys: all_keys
            .iter()
            .map(|(_, text)| String::from(text.as_str()))
            .collect(),
        authorization,
        policy,
        tolerance_seconds: raw.tolerance_secs.as_ref().map(|t| *t.get_ref()),
        client_id,
        sources: raw.allow_ips.as_ref().map(|ips| {
            ips.get_ref()
                .iter()
                .map(|ip| ip.get_ref().clone())
                .collect()
        }),
        event_types: joined(&raw.event_types),
        company_tags: joined(&raw.company_tags),
        max_body_bytes: limits.max_body_bytes,
        body_timeout_ms: limits.body_timeout_ms,
        budget_ms: limits.budget_ms,
        retry_after_seconds: DEFAULT_RETRY_AFTER_SECS,
        rate_limited: rate_limit.is_some(),
        source_limited: true,
        backend_4xx: match &sink {
            SinkConfig::Http { on_4xx, .. } => *on_4xx,
            SinkConfig::RedisStream { .. } => Backend4xx::Retry,
        },
    };
    let consumer = match Consumer::new(&settings) {
        Ok(c) => c,
        Err(e) => {
            errors.push(&prefix, &span, coded(&e));
            return None;
        }
    };
    let scheme = match (key_fields, settings.authorization.is_some()) {
        (true, true) => crate::sink::Scheme::StandardWebhooksAndAuthorization,
        (false, true) => crate::sink::Scheme::Authorization,
        _ => crate::sink::Scheme::StandardWebhooks,
    };
    Some(Route {
        index,
        path,
        scope,
        consumer,
        policy,
        scheme,
        rate_limit,
        sink,
    })
}

/// A list setting as the core's comma-separated form (entries with a comma were refused).
fn joined(value: &Option<Spanned<Vec<Spanned<String>>>>) -> String {
    list(value)
        .0
        .iter()
        .map(|v| v.get_ref().as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Bearer <token>` or `Basic <base64 of user:password>`: the header value the sender sends,
/// checked by the core.
fn authorization_setting(text: &str) -> Result<AuthorizationSetting, String> {
    use base64::Engine;
    let text = text.trim();
    let (scheme, value) = text
        .split_once(' ')
        .ok_or("expected `Bearer <token>` or `Basic <base64 of user:password>`")?;
    let value = value.trim();
    let invalid = |e: hookproof::AuthorizationError| coded(&e);
    if scheme.eq_ignore_ascii_case("bearer") {
        Credentials::bearer(value).map_err(invalid)?;
        Ok(AuthorizationSetting::Bearer(value.to_owned()))
    } else if scheme.eq_ignore_ascii_case("basic") {
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let decoded = Zeroizing::new(
            engine
                .decode(value)
                .map_err(|_| "Basic credentials must be base64 of user:password")?,
        );
        let joined = std::str::from_utf8(&decoded)
            .map_err(|_| "Basic credentials must be base64 of UTF-8 user:password")?;
        let (user, password) = joined
            .split_once(':')
            .ok_or("Basic credentials must be base64 of user:password")?;
        Credentials::basic(user, password).map_err(invalid)?;
        Ok(AuthorizationSetting::Basic {
            username: user.to_owned(),
            password: password.to_owned(),
        })
    } else {
        Err("expected the scheme `Bearer` or `Basic`".into())
    }
}

fn compile_sink(
    prefix: &str,
    raw: &Spanned<RawSink>,
    limits: &Limits,
    errors: &mut Errors<'_>,
) -> Option<SinkConfig> {
    let lease_ms = limits.lease_ms;
    let key = format!("{prefix}.sink");
    let sink = raw.get_ref();
    match (&sink.http, &sink.redis_stream) {
        (Some(_), Some(_)) | (None, None) => {
            errors.push(
                &key,
                &raw.span(),
                "give exactly one of `http = \"http://…\"` or `redis_stream = \"name\"`",
            );
            None
        }
        (None, Some(stream)) => {
            let before = errors.list.len();
            if !limits.redis {
                errors.push(
                    format!("{key}.redis_stream"),
                    &stream.span(),
                    "the redis_stream sink needs `redis = \"redis://…\"` at the top level",
                );
            }
            for (field, span) in [
                ("timeout_ms", sink.timeout_ms.as_ref().map(Spanned::span)),
                ("on_4xx", sink.on_4xx.as_ref().map(Spanned::span)),
            ] {
                if let Some(span) = span {
                    errors.push(
                        format!("{key}.{field}"),
                        &span,
                        "only for the http sink (a redis_stream delivery is bounded by the answer budget)",
                    );
                }
            }
            let max_len = number(
                &sink.maxlen,
                &format!("{key}.maxlen"),
                0,
                1..=MAX_STREAM_MAXLEN,
                errors,
                |v| v,
            );
            (errors.list.len() == before).then(|| SinkConfig::RedisStream {
                name: stream.get_ref().clone(),
                max_len,
            })
        }
        (Some(url), None) => {
            if let Some(m) = &sink.maxlen {
                errors.push(
                    format!("{key}.maxlen"),
                    &m.span(),
                    "only for the redis_stream sink",
                );
            }
            let uri = match url.get_ref().parse::<hyper::Uri>() {
                Ok(u)
                    if matches!(u.scheme_str(), Some("http" | "https"))
                        && u.authority().is_some()
                        && u.authority().is_some_and(|a| !a.as_str().contains('@')) =>
                {
                    Some(u)
                }
                _ => {
                    errors.push(
                        format!("{key}.http"),
                        &url.span(),
                        "expected an http:// or https:// URL with a host, e.g. \"http://127.0.0.1:8000/webhooks\" (no user:password@)",
                    );
                    None
                }
            };
            let https = uri
                .as_ref()
                .is_some_and(|u| u.scheme_str() == Some("https"));
            let tls = match &sink.ca {
                Some(ca) if uri.is_some() && !https => {
                    errors.push(
                        format!("{key}.ca"),
                        &ca.span(),
                        "`ca` is for https:// backends only",
                    );
                    None
                }
                Some(ca) if ca.get_ref().is_empty() => {
                    errors.push(
                        format!("{key}.ca"),
                        &ca.span(),
                        "expected the path of a PEM file of CA certificates",
                    );
                    None
                }
                Some(ca) => crate::tls::sink(Some(ca.get_ref()))
                    .map_err(|e| errors.push(format!("{key}.ca"), &ca.span(), e.message))
                    .ok(),
                None => crate::tls::sink(None)
                    .map_err(|e| errors.push(format!("{key}.http"), &url.span(), e.message))
                    .ok(),
            };
            // A delivery may outlast the answer to the sender (it is then answered 503 and
            // the lease settled by the delivery's result), never the lease itself.
            let timeout = number(
                &sink.timeout_ms,
                &format!("{key}.timeout_ms"),
                DEFAULT_SINK_TIMEOUT_MS.min(lease_ms.saturating_sub(1000).max(1)),
                1..=lease_ms.saturating_sub(1000).max(1),
                errors,
                Duration::from_millis,
            );
            let on_4xx = match sink.on_4xx.as_ref().map(|v| (v.get_ref().as_str(), v)) {
                None | Some(("retry", _)) => Backend4xx::Retry,
                Some(("reject", _)) => Backend4xx::Reject,
                Some(("acknowledge", _)) => Backend4xx::Acknowledge,
                Some((_, v)) => {
                    errors.push(
                        format!("{key}.on_4xx"),
                        &v.span(),
                        "expected \"retry\" (default: abort, answer 503 so the sender retries), \"reject\" (abort, answer the backend's status: the legacy service drops it) or \"acknowledge\" (commit, answer 202: the event is lost)",
                    );
                    Backend4xx::Retry
                }
            };
            Some(SinkConfig::Http {
                url: uri?,
                tls: tls?,
                timeout,
                on_4xx,
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn errors(text: &str) -> Vec<String> {
        match Config::parse(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn secrets_from_a_file_are_a_rotation_list_and_never_printed() {
        let dir =
            std::env::temp_dir().join(format!("hookproof-gateway-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("secrets");
        std::fs::write(
            &file,
            format!("\n{SECRET}\nwhsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IHNlY3JldCEh\n\n"),
        )
        .unwrap();
        let config = Config::parse(&format!(
            "listen = \"127.0.0.1:1\"\n[[routes]]\npath = \"/a\"\nsecrets = [\"file:{}\"]\nauthorization = \"Bearer tok-abc\"\nsink = {{ http = \"http://127.0.0.1:9/\" }}\n",
            file.display()
        ))
        .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("MfKQ9r8G"), "{debug}");
        assert!(!debug.contains("tok-abc"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
        assert_eq!(
            config.routes[0].scheme,
            crate::sink::Scheme::StandardWebhooksAndAuthorization
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_error_names_its_key_and_line() {
        let text = "listen = \"127.0.0.1:1\"\nmax_body_bytes = 0\n[[routes]]\npath = \"/a\"\nsecrets = [\"env:HOOKPROOF_GATEWAY_TEST_UNSET_VAR\"]\nevent_types = [\"read.completed,connection.*\"]\nsink = { http = \"http://example.invalid/\", ca = \"/nonexistent\" }\n[[routes]]\npath = \"/a\"\nauthorization = \"Basic bm9wYXNzd29yZA==\"\nsink = { http = \"http://127.0.0.1:9/\", on_4xx = \"drop\" }\n[[routes]]\npath = \"/open\"\nsink = { http = \"http://127.0.0.1:9/\" }\n";
        let errors = errors(text);
        let expect = [
            "line 2, column 18: max_body_bytes: must be from 1 to 1048576 (got 0)",
            "line 5, column 12: routes[0].secrets[0]: environment variable HOOKPROOF_GATEWAY_TEST_UNSET_VAR is not set",
            "line 6, column 16: routes[0].event_types[0]: one entry per string",
            "line 7, column 49: routes[0].sink.ca: `ca` is for https:// backends only",
            "line 10, column 17: routes[1].authorization: Basic credentials must be base64 of user:password",
            "line 11, column 49: routes[1].sink.on_4xx: expected \"retry\"",
            "line 12, column 1: routes[2]: a route needs credentials",
        ];
        for e in expect {
            assert!(
                errors.iter().any(|got| got.starts_with(e)),
                "missing {e:?} in {errors:#?}"
            );
        }
    }

    #[test]
    fn log_level_is_one_of_four_names() {
        let route = format!(
            "[[routes]]\npath = \"/a\"\nsecrets = [\"{SECRET}\"]\nsink = {{ http = \"http://127.0.0.1:9/\" }}\n"
        );
        let config = Config::parse(&format!(
            "listen = \"127.0.0.1:1\"\nlog_level = \"warn\"\n{route}"
        ));
        assert_eq!(config.map(|c| c.log_level).ok(), Some(LogLevel::Warn));
        let errors = errors(&format!(
            "listen = \"127.0.0.1:1\"\nlog_level = \"loud\"\n{route}"
        ));
        assert!(
            errors.iter().any(|e| e.starts_with(
                "line 2, column 13: log_level: expected \"error\", \"warn\", \"info\" or \"debug\""
            )),
            "{errors:#?}"
        );
    }

    #[test]
    fn two_routes_on_one_path_are_refused() {
        let route = format!(
            "[[routes]]\npath = \"/a\"\nsecrets = [\"{SECRET}\"]\nsink = {{ http = \"http://127.0.0.1:9/\" }}\n"
        );
        let errors = errors(&format!("listen = \"127.0.0.1:1\"\n{route}{route}"));
        assert!(
            errors.iter().any(|e| e.starts_with(
                "line 7, column 8: routes[1].path: path \"/a\" is used by an earlier route"
            )),
            "{errors:#?}"
        );
    }

    #[test]
    fn redis_settings_scopes_and_streams_are_checked_with_their_lines() {
        // A stream sink without `redis`, and `redis_prefix` without `redis`.
        let e1 = errors(&format!(
            "listen = \"127.0.0.1:1\"\nredis_prefix = \"x:\"\n[[routes]]\npath = \"/a\"\nsecrets = [\"{SECRET}\"]\nsink = {{ redis_stream = \"events\" }}\n"
        ));
        assert!(
            e1.iter()
                .any(|e| e.starts_with("line 2, column 16: redis_prefix: needs `redis")),
            "{e1:#?}"
        );
        assert!(
            e1.iter().any(|e| e.starts_with(
                "line 6, column 25: routes[0].sink.redis_stream: the redis_stream sink needs `redis"
            )),
            "{e1:#?}"
        );
        // Braces in a scope, a path used as the scope, a prefix; a shared scope; a bad URL
        // (never repeated: it may hold a password).
        let e2 = errors(&format!(
            "listen = \"127.0.0.1:1\"\nredis = \"http://user:hunter2@x\"\nredis_prefix = \"a{{b\"\n[[routes]]\npath = \"/a\"\nscope = \"s{{1}}\"\nsecrets = [\"{SECRET}\"]\nsink = {{ http = \"http://127.0.0.1:9/\" }}\n[[routes]]\npath = \"/b{{c}}\"\nsecrets = [\"{SECRET}\"]\nsink = {{ http = \"http://127.0.0.1:9/\" }}\n"
        ));
        assert!(
            e2.iter()
                .any(|e| e.starts_with("line 2, column 9: redis: expected a redis:// URL")),
            "{e2:#?}"
        );
        assert!(e2.iter().all(|e| !e.contains("hunter2")), "{e2:#?}");
        assert!(
            e2.iter()
                .any(|e| e.starts_with("line 3, column 16: redis_prefix: prefix must be")),
            "{e2:#?}"
        );
        assert!(
            e2.iter().any(|e| e
                .starts_with("line 6, column 9: routes[0].scope: scope must name the endpoint")),
            "{e2:#?}"
        );
        assert!(
            e2.iter().any(
                |e| e.starts_with("line 10, column 8: routes[1].path: scope must name")
                    && e.contains("give the route a `scope`")
            ),
            "{e2:#?}"
        );
        let e3 = errors(&format!(
            "listen = \"127.0.0.1:1\"\nredis = \"redis://127.0.0.1:6379\"\n[[routes]]\npath = \"/a\"\nsecrets = [\"{SECRET}\"]\nsink = {{ redis_stream = \"events\", maxlen = 0 }}\n[[routes]]\npath = \"/b\"\nscope = \"events\"\nsecrets = [\"{SECRET}\"]\nsink = {{ http = \"http://127.0.0.1:9/\", maxlen = 5 }}\n"
        ));
        assert!(
            e3.iter()
                .any(|e| e.starts_with("line 6, column 44: routes[0].sink.maxlen: must be from 1")),
            "{e3:#?}"
        );
        assert!(
            e3.iter().any(|e| e.starts_with(
                "line 11, column 49: routes[1].sink.maxlen: only for the redis_stream sink"
            )),
            "{e3:#?}"
        );
        let e4 = errors(&format!(
            "listen = \"127.0.0.1:1\"\nredis = \"redis://127.0.0.1:6379\"\n[[routes]]\npath = \"/a\"\nsecrets = [\"{SECRET}\"]\nsink = {{ redis_stream = \"events\" }}\n[[routes]]\npath = \"/b\"\nscope = \"events\"\nsecrets = [\"{SECRET}\"]\nsink = {{ http = \"http://127.0.0.1:9/\" }}\n"
        ));
        assert!(
            e4.iter().any(|e| e.starts_with(
                "line 9, column 9: routes[1].scope: scope \"events\" is used by an earlier route"
            )),
            "{e4:#?}"
        );
        // Accepted: the scope defaults to the path, a stream's to its name.
        let config = Config::parse(&format!(
            "listen = \"127.0.0.1:1\"\nredis = \"redis://127.0.0.1:6379\"\nredis_prefix = \"gw:\"\n[[routes]]\npath = \"/a\"\nsecrets = [\"{SECRET}\"]\nsink = {{ redis_stream = \"events\", maxlen = 1000 }}\n[[routes]]\npath = \"/b\"\nsecrets = [\"{SECRET}\"]\nsink = {{ http = \"http://127.0.0.1:9/\" }}\n"
        ))
        .unwrap();
        assert_eq!(config.routes[0].scope, "events");
        assert_eq!(config.routes[1].scope, "/b");
        assert!(
            config.warnings.iter().all(|w| !w.contains("in-memory")),
            "{:?}",
            config.warnings
        );
        assert_eq!(
            config.redis.as_ref().map(|r| r.prefix.as_str()),
            Some("gw:")
        );
        assert!(!format!("{config:?}").contains("127.0.0.1:6379"));
    }
}
