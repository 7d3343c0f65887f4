//! The Redis store: the core's two-phase acceptance on Redis, shared by every gateway process
//! (and every Node consumer using `hookproof/redis`) on one Redis or Redis Cluster.
//!
//! Everything Redis runs is the core's ([`hookproof::redis`]): the one copy of the acceptance
//! and GCRA scripts, the key layout (`<prefix>acceptance:{<scope>}:<key>`,
//! `<prefix>stream:{<scope>}`), the arguments and the parsing of the replies. This file only
//! sends them (`EVALSHA`, loading the script again after `NOSCRIPT`, through redis-rs'
//! [`redis::Script`]) and maps client errors to [`AcceptanceError::StoreUnavailable`].
//!
//! Bounds: every call is bounded by the caller's wait (the machine's `wait_ms`) and by the
//! client's own response timeout; at most [`RedisConnection::new`]'s `in_flight` commands wait
//! on Redis at once (more fail at once, answered 503), so a paused or dead Redis never builds
//! an unbounded queue. One Redis: a connection manager that reconnects by itself (backoff up to
//! [`MAX_RECONNECT_DELAY`]). Cluster: the async cluster client, connected on first use and
//! again after a failed first connection.

use std::sync::Arc;
use std::time::Duration;

use hookproof::acceptance::{self, Abort, Answer, Begin, Commit, Op};
use hookproof::redis::{
    ACCEPTANCE_SCRIPT, Layout, RATE_LIMIT_SCRIPT, Reply, acceptance_args, parse_acceptance_reply,
    parse_rate_limit_reply, rate_limit_args,
};
use hookproof::{AcceptanceConfig, AcceptanceError, RateDecision, RateLimiter};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Script, Value};
use tokio::sync::{OnceCell, Semaphore};

use super::Accept;

/// Time to open a connection to Redis.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for one reply from Redis, whatever the caller allows.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// `/readyz`: Redis must answer `PING` within this.
pub const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// Longest pause between two reconnection attempts.
pub const MAX_RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// Why a Redis call failed (never carries the URL: it may hold a password).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallError {
    /// Too many commands already wait on Redis.
    Busy,
    /// No answer within the bound.
    Timeout,
    /// The client failed (connection refused or broken, a Redis error reply).
    Client,
    /// The script answered something the core does not know.
    UnexpectedReply,
}

enum Conn {
    Single(ConnectionManager),
    Cluster(Box<Cluster>),
}

struct Cluster {
    client: ClusterClient,
    conn: OnceCell<ClusterConnection>,
}

struct Inner {
    conn: Conn,
    acceptance: Script,
    rate_limit: Script,
    in_flight: Semaphore,
}

/// A maintained connection to one Redis or one Redis Cluster, shared by the store, the
/// global limiters and the stream sinks. Cheap to clone.
#[derive(Clone)]
pub struct RedisConnection {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never printed.
        f.write_str("RedisConnection { url: [REDACTED] }")
    }
}

impl RedisConnection {
    /// A connection to `url` (`redis://…`; with `cluster`, any node of the cluster), opened
    /// lazily (a Redis that is down at start-up only makes `/readyz` answer 503), with at most
    /// `in_flight` commands waiting on it. Must be called within a tokio runtime.
    pub fn new(url: &str, cluster: bool, in_flight: usize) -> Result<RedisConnection, String> {
        let in_flight = in_flight.max(1);
        let conn = if cluster {
            let client = ClusterClient::builder([url])
                .connection_timeout(CONNECT_TIMEOUT)
                .response_timeout(RESPONSE_TIMEOUT)
                .retries(2)
                .connection_concurrency_limit(in_flight)
                .build()
                .map_err(|e| format!("redis: invalid cluster settings ({:?})", e.kind()))?;
            Conn::Cluster(Box::new(Cluster {
                client,
                conn: OnceCell::new(),
            }))
        } else {
            let client = redis::Client::open(url)
                .map_err(|e| format!("redis: invalid URL ({:?})", e.kind()))?;
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(CONNECT_TIMEOUT))
                .set_response_timeout(Some(RESPONSE_TIMEOUT))
                .set_max_delay(MAX_RECONNECT_DELAY)
                .set_number_of_retries(3)
                .set_concurrency_limit(in_flight);
            let manager = ConnectionManager::new_lazy_with_config(client, config)
                .map_err(|e| format!("redis: cannot set up the client ({:?})", e.kind()))?;
            Conn::Single(manager)
        };
        Ok(RedisConnection {
            inner: Arc::new(Inner {
                conn,
                acceptance: Script::new(ACCEPTANCE_SCRIPT),
                rate_limit: Script::new(RATE_LIMIT_SCRIPT),
                in_flight: Semaphore::new(in_flight),
            }),
        })
    }

    async fn cluster(
        client: &ClusterClient,
        conn: &OnceCell<ClusterConnection>,
    ) -> Result<ClusterConnection, CallError> {
        conn.get_or_try_init(|| client.get_async_connection())
            .await
            .cloned()
            .map_err(|_| CallError::Client)
    }

    /// Runs `script` with `keys` and `args`, bounded by `wait` and the in-flight cap.
    async fn eval(
        &self,
        script: &Script,
        keys: &[String],
        args: &[String],
        wait: Duration,
    ) -> Result<Value, CallError> {
        let Ok(_permit) = self.inner.in_flight.try_acquire() else {
            return Err(CallError::Busy);
        };
        let call = async {
            let mut invocation = script.prepare_invoke();
            for key in keys {
                invocation.key(key);
            }
            for arg in args {
                invocation.arg(arg);
            }
            match &self.inner.conn {
                Conn::Single(manager) => {
                    let mut manager = manager.clone();
                    invocation.invoke_async::<Value>(&mut manager).await
                }
                Conn::Cluster(c) => {
                    let mut conn = match Self::cluster(&c.client, &c.conn).await {
                        Ok(c) => c,
                        Err(e) => return Ok(Err(e)),
                    };
                    invocation.invoke_async::<Value>(&mut conn).await
                }
            }
            .map(Ok)
        };
        match tokio::time::timeout(wait, call).await {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) => Err(CallError::Client),
            Err(_) => Err(CallError::Timeout),
        }
    }

    /// Whether Redis answers `PING` within [`PING_TIMEOUT`].
    pub async fn ping(&self) -> bool {
        let Ok(_permit) = self.inner.in_flight.try_acquire() else {
            return false;
        };
        let call = async {
            let mut cmd = redis::cmd("PING");
            let cmd = &mut cmd;
            match &self.inner.conn {
                Conn::Single(manager) => {
                    let mut manager = manager.clone();
                    cmd.query_async::<String>(&mut manager).await.is_ok()
                }
                Conn::Cluster(c) => match Self::cluster(&c.client, &c.conn).await {
                    Ok(mut conn) => cmd.query_async::<String>(&mut conn).await.is_ok(),
                    Err(_) => false,
                },
            }
        };
        tokio::time::timeout(PING_TIMEOUT, call)
            .await
            .unwrap_or(false)
    }

    /// Runs the core's acceptance script for `op` on the id's key (and, for
    /// [`Op::Enqueue`], the layout's stream with `enqueue`'s `MAXLEN` and fields).
    #[allow(clippy::too_many_arguments)] // the core's acceptance_args, plus where and how long
    pub async fn acceptance(
        &self,
        layout: &Layout,
        config: &AcceptanceConfig,
        id: &str,
        op: Op,
        now: i64,
        enqueue: Option<(u64, &[(&str, &str)])>,
        wait: Duration,
    ) -> Result<Answer, CallError> {
        let key = acceptance::key(id).map_err(|_| CallError::UnexpectedReply)?;
        let mut keys = vec![layout.acceptance_key(&key)];
        if let Op::Enqueue { .. } = op {
            keys.push(layout.stream_key());
        }
        let args =
            acceptance_args(config, op, now, enqueue).map_err(|_| CallError::UnexpectedReply)?;
        let reply = self
            .eval(&self.inner.acceptance, &keys, &args, wait)
            .await?;
        let Value::Array(items) = reply else {
            return Err(CallError::UnexpectedReply);
        };
        let answer = items.first().and_then(text);
        let value = match items.get(1) {
            Some(Value::Int(i)) => *i,
            _ => return Err(CallError::UnexpectedReply),
        };
        let stream_id = items.get(2).and_then(text);
        let answer = answer.ok_or(CallError::UnexpectedReply)?;
        parse_acceptance_reply(
            op,
            Reply {
                answer: &answer,
                value,
                stream_id: stream_id.as_deref(),
            },
        )
        .map_err(|_| CallError::UnexpectedReply)
    }

    /// Charges the core's GCRA on `key` at `now_ms` (Unix ms).
    pub async fn rate_limit(
        &self,
        key: &str,
        limiter: &RateLimiter,
        now_ms: u64,
        wait: Duration,
    ) -> Result<RateDecision, CallError> {
        let args = rate_limit_args(limiter, now_ms);
        let reply = self
            .eval(&self.inner.rate_limit, &[key.to_owned()], &args, wait)
            .await?;
        let Value::Array(items) = reply else {
            return Err(CallError::UnexpectedReply);
        };
        let answer = items
            .first()
            .and_then(text)
            .ok_or(CallError::UnexpectedReply)?;
        let value = match items.get(1) {
            Some(Value::Int(i)) => *i,
            _ => 0,
        };
        parse_rate_limit_reply(&answer, value).map_err(|_| CallError::UnexpectedReply)
    }

    /// `XADD <stream> [MAXLEN ~ max_len] * fields…`, for an event without a de-duplication
    /// id (nothing to commit).
    pub async fn xadd(
        &self,
        stream: &str,
        max_len: u64,
        fields: &[(&str, &str)],
        wait: Duration,
    ) -> Result<(), CallError> {
        let Ok(_permit) = self.inner.in_flight.try_acquire() else {
            return Err(CallError::Busy);
        };
        let mut cmd = redis::cmd("XADD");
        cmd.arg(stream);
        if max_len > 0 {
            cmd.arg("MAXLEN").arg("~").arg(max_len);
        }
        cmd.arg("*");
        for (field, value) in fields {
            cmd.arg(*field).arg(*value);
        }
        let call = async {
            match &self.inner.conn {
                Conn::Single(manager) => {
                    let mut manager = manager.clone();
                    cmd.query_async::<Value>(&mut manager)
                        .await
                        .map_err(|_| CallError::Client)
                }
                Conn::Cluster(c) => {
                    let mut conn = Self::cluster(&c.client, &c.conn).await?;
                    cmd.query_async::<Value>(&mut conn)
                        .await
                        .map_err(|_| CallError::Client)
                }
            }
        };
        match tokio::time::timeout(wait, call).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(CallError::Timeout),
        }
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// Acceptance on Redis: one [`Layout`] per route (its scope: the route's `scope`, by default
/// its path), the config's window and lease.
#[derive(Debug)]
pub struct RedisAcceptance {
    connection: RedisConnection,
    layouts: Vec<Layout>,
    config: AcceptanceConfig,
}

impl RedisAcceptance {
    /// The store for routes with these layouts (by route index).
    pub fn new(
        connection: RedisConnection,
        layouts: Vec<Layout>,
        config: AcceptanceConfig,
    ) -> RedisAcceptance {
        RedisAcceptance {
            connection,
            layouts,
            config,
        }
    }

    async fn run(
        &self,
        route: usize,
        id: &str,
        op: Op,
        now: i64,
    ) -> Result<Answer, AcceptanceError> {
        if acceptance::key(id).is_err() {
            return Err(AcceptanceError::InvalidId);
        }
        let layout = self
            .layouts
            .get(route)
            .ok_or(AcceptanceError::StoreUnavailable)?;
        // The caller bounds the call by the step's wait; RESPONSE_TIMEOUT is the outer bound.
        self.connection
            .acceptance(layout, &self.config, id, op, now, None, RESPONSE_TIMEOUT)
            .await
            .map_err(|_| AcceptanceError::StoreUnavailable)
    }
}

impl Accept for RedisAcceptance {
    async fn begin(&self, route: usize, id: &str, now: i64) -> Result<Begin, AcceptanceError> {
        match self.run(route, id, Op::Begin, now).await? {
            Answer::Begin(b) => Ok(b),
            _ => Err(AcceptanceError::StoreUnavailable),
        }
    }

    async fn commit(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> Result<Commit, AcceptanceError> {
        match self.run(route, id, Op::Commit { token }, now).await? {
            Answer::Commit(c) => Ok(c),
            _ => Err(AcceptanceError::StoreUnavailable),
        }
    }

    async fn abort(
        &self,
        route: usize,
        id: &str,
        token: i64,
        now: i64,
    ) -> Result<Abort, AcceptanceError> {
        match self.run(route, id, Op::Abort { token }, now).await? {
            Answer::Abort(a) => Ok(a),
            _ => Err(AcceptanceError::StoreUnavailable),
        }
    }

    async fn ready(&self) -> bool {
        self.connection.ping().await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test]
    async fn a_redis_that_is_not_there_is_not_ready_and_fails_within_its_bounds() {
        let port = closed_port();
        let url = format!("redis://:hunter2@127.0.0.1:{port}");
        for cluster in [false, true] {
            let connection = RedisConnection::new(&url, cluster, 4).unwrap();
            assert!(!format!("{connection:?}").contains("hunter2"));
            let started = std::time::Instant::now();
            assert!(!connection.ping().await);
            let layout = Layout::new("hookproof:", "/codat").unwrap();
            let store = RedisAcceptance::new(connection, vec![layout], AcceptanceConfig::default());
            assert_eq!(
                store.begin(0, "msg_1", 1_000).await,
                Err(AcceptanceError::StoreUnavailable)
            );
            assert!(!store.ready().await);
            assert!(
                started.elapsed() < CONNECT_TIMEOUT + RESPONSE_TIMEOUT + PING_TIMEOUT * 2,
                "{:?}",
                started.elapsed()
            );
            // An id the core refuses is refused before any I/O.
            assert_eq!(
                store.begin(0, "", 1_000).await,
                Err(AcceptanceError::InvalidId)
            );
        }
        assert!(RedisConnection::new("http://127.0.0.1:1", false, 4).is_err());
    }

    #[tokio::test]
    async fn the_in_flight_cap_refuses_at_once() {
        let connection =
            RedisConnection::new(&format!("redis://127.0.0.1:{}", closed_port()), false, 1)
                .unwrap();
        let _held = connection.inner.in_flight.try_acquire().unwrap();
        let started = std::time::Instant::now();
        let script = Script::new("return 1");
        assert_eq!(
            connection
                .eval(&script, &[], &[], Duration::from_secs(5))
                .await,
            Err(CallError::Busy)
        );
        assert!(!connection.ping().await);
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
