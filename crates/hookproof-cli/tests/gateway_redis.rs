//! `hookproof gateway` on Redis, as users run it: real `redis-server` processes (Debian's
//! package; `make setup-redis`) and gateway processes on 127.0.0.1, started and stopped by each
//! test (children are killed and reaped on drop, also when an assertion fails). The backend
//! of the HTTP sink is a few lines of std in this file that records every delivery; the
//! stream sink is read by `examples/gateway-python/stream_consumer.py` (redis-py).
//!
//! What is checked: two gateway processes on one Redis deliver an id once; two routes each
//! deliver their copy of the same id; Redis stopped or paused (SIGSTOP) → 503 + Retry-After
//! within a bound and `/readyz` 503, then delivered once Redis is back; the per-route limit is
//! one budget shared by both processes; the stream sink adds each id once, with the fields
//! the docs name; and on a 3-master Redis Cluster, routes spread over the masters deliver
//! once each, with no CROSSSLOT.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{
    BIN, Gateway, Proc, Response, SECRET, free_port, get, now, python, readyz, root, wait_until,
};

/// `POST path` on a fresh connection, and its response.
fn send(port: u16, path: &str, headers: &[(&str, String)], body: &[u8]) -> Response {
    support::send(port, "POST", path, headers, body)
}

/// The `webhook-*` headers for `body`, signed with `SECRET` now by `hookproof sign`.
fn signed(id: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    support::signed(SECRET, id, now(), body)
}

fn event(n: usize) -> Vec<u8> {
    format!(
        r#"{{"id":"evt-{n}","eventType":"read.completed","generatedDate":"2026-12-06T10:00:00Z","payload":{{"referenceCompany":{{"id":"company-{n}","tags":{{}}}}}}}}"#
    )
    .into_bytes()
}

fn scratch() -> PathBuf {
    support::scratch("hookproof-gateway-redis")
}

/// `redis-server` on `port` (no persistence), once it answers PING.
fn start_redis(port: u16, extra: &[&str]) -> Proc {
    let dir = scratch().join(format!("redis-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args([
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ])
        .arg("--dir")
        .arg(&dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("redis-server (Debian's redis-server package; `make setup-redis`)");
    let proc = Proc::pausable(child);
    wait_until("redis-server", Duration::from_secs(10), || {
        redis_cli(port, &["PING"]).trim() == "PONG"
    });
    proc
}

fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether Redis holds the script of `file` (its SHA-1 by `sha1sum`, not by the gateway).
fn script_loaded(port: u16, file: &str) -> bool {
    let out = Command::new("sha1sum")
        .arg(root().join(file))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let sha = text.split_whitespace().next().unwrap();
    redis_cli(port, &["SCRIPT", "EXISTS", sha]).trim() == "1"
}

/// A backend recording `(hookproof-route, hookproof-webhook-id)` of every delivery and
/// answering 200 (keep-alive, as the gateway's pooled client expects).
struct Backend {
    port: u16,
    received: Arc<Mutex<Vec<(String, String)>>>,
}

impl Backend {
    fn start() -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let log = log.clone();
                std::thread::spawn(move || serve_backend(stream, &log));
            }
        });
        Backend { port, received }
    }

    fn counts(&self) -> BTreeMap<(String, String), usize> {
        let mut counts = BTreeMap::new();
        for entry in self.received.lock().unwrap().iter() {
            *counts.entry(entry.clone()).or_insert(0) += 1;
        }
        counts
    }
}

fn serve_backend(stream: TcpStream, log: &Mutex<Vec<(String, String)>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let (mut len, mut route, mut id) = (0usize, String::new(), String::new());
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap();
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => len = v.trim().parse().unwrap(),
                "hookproof-route" => route = v.trim().to_owned(),
                "hookproof-webhook-id" => id = v.trim().to_owned(),
                _ => {}
            }
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        log.lock().unwrap().push((route, id));
        let _ = writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    }
}

/// `hookproof gateway --config` with `config` (`{port}` replaced), once `/readyz` answers 200.
fn start_gateway(name: &str, config: &str) -> (Proc, u16) {
    let path = scratch().join(name);
    let log = path.with_extension("log");
    let (proc, port) = Gateway {
        path: &path,
        log: &log,
        secret_env: "GATEWAY_TEST_SECRET",
        env: &[],
    }
    .start(config, readyz);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !text.contains("in-memory store"),
        "with `redis` the gateway must not warn about the in-memory store: {text}"
    );
    (proc, port)
}

fn http_config(redis_port: u16, backend: u16, extra_route: &str) -> String {
    format!(
        r#"
listen = "127.0.0.1:{{port}}"
redis = "redis://127.0.0.1:{redis_port}"
budget_ms = 4000

[[routes]]
path = "/a"
secrets = ["env:GATEWAY_TEST_SECRET"]
sink = {{ http = "http://127.0.0.1:{backend}/webhooks", timeout_ms = 2000 }}
{extra_route}
[[routes]]
path = "/b"
secrets = ["env:GATEWAY_TEST_SECRET"]
sink = {{ http = "http://127.0.0.1:{backend}/webhooks", timeout_ms = 2000 }}
"#
    )
}

#[test]
fn two_gateways_on_one_redis_deliver_each_id_once_per_route() {
    let redis_port = free_port();
    let _redis = start_redis(redis_port, &[]);
    let backend = Backend::start();
    let config = http_config(redis_port, backend.port, "");
    let (_g1, p1) = start_gateway("two-1.toml", &config);
    let (_g2, p2) = start_gateway("two-2.toml", &config);

    // 12 ids, each sent to both gateways on both routes, all at once, then once more each
    // (a redelivery with a fresh signature).
    let ids: Vec<String> = (0..12).map(|i| format!("msg_two_{i}")).collect();
    let mut jobs = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        for port in [p1, p2] {
            for route in ["/a", "/b"] {
                jobs.push((port, route, id.clone(), n));
            }
        }
    }
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = jobs
        .clone()
        .into_iter()
        .map(|(port, route, id, n)| {
            let statuses = statuses.clone();
            std::thread::spawn(move || {
                let body = event(n);
                let r = send(port, route, &signed(&id, &body), &body);
                statuses.lock().unwrap().push((r.status, r.body));
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // A copy that raced a delivery in flight gets 409 + Retry-After; a sender retries it.
    for (port, route, id, n) in jobs {
        let body = event(n);
        let r = send(port, route, &signed(&id, &body), &body);
        assert_eq!(r.status, 200, "{route} {id}: {}", r.body);
        assert!(r.body.contains("duplicate"), "{}", r.body);
    }
    let counts = backend.counts();
    for id in &ids {
        for route in ["/a", "/b"] {
            assert_eq!(
                counts.get(&(route.to_owned(), id.clone())),
                Some(&1),
                "{route} {id}: {counts:?}"
            );
        }
    }
    assert_eq!(counts.len(), 24, "{counts:?}");
    // The script Redis ran is exactly the core's file.
    assert!(script_loaded(redis_port, "src/redis/acceptance.lua"));
    // The keys are the core's layout: <prefix>acceptance:{<route path>}:<key>.
    let keys = redis_cli(
        redis_port,
        &["--scan", "--pattern", "hookproof:acceptance:{/a}:*"],
    );
    assert_eq!(keys.lines().count(), 12, "{keys}");
    let statuses = statuses.lock().unwrap();
    let accepted = statuses.iter().filter(|(s, _)| *s == 202).count();
    assert_eq!(accepted, 24, "{statuses:?}");
    let mut by_status = BTreeMap::new();
    for (status, _) in statuses.iter() {
        *by_status.entry(*status).or_insert(0) += 1;
    }
    eprintln!(
        "two gateways: {} requests at once, 24 delivered (12 ids x 2 routes), answers by status {by_status:?}; 48 redeliveries all duplicates",
        statuses.len(),
    );
}

#[test]
fn redis_down_or_paused_is_503_with_retry_after_and_delivered_once_back() {
    let redis_port = free_port();
    let redis = start_redis(redis_port, &[]);
    let backend = Backend::start();
    let (_gateway, port) = start_gateway("down.toml", &http_config(redis_port, backend.port, ""));

    // Paused (SIGSTOP): answered 503 + Retry-After within the budget, never a hang or a 2xx.
    redis.signal("-STOP");
    let body = event(1);
    let started = Instant::now();
    let r = send(port, "/a", &signed("msg_paused", &body), &body);
    let paused_ms = started.elapsed().as_millis();
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.header("retry-after").is_some());
    assert!(paused_ms < 5_000, "answered after {paused_ms} ms");
    let ready = get(port, "/readyz").unwrap();
    assert_eq!(ready.status, 503);
    // 24 at once while paused: each answered 503 + Retry-After within the budget, none
    // delivered (the calls waiting on Redis are capped and each is bounded).
    let started = Instant::now();
    let threads: Vec<_> = (0..24)
        .map(|n| {
            std::thread::spawn(move || {
                let body = event(100 + n);
                let r = send(
                    port,
                    "/a",
                    &signed(&format!("msg_paused_{n}"), &body),
                    &body,
                );
                (r.status, r.header("retry-after").is_some())
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), (503, true));
    }
    let burst_ms = started.elapsed().as_millis();
    assert!(burst_ms < 8_000, "answered after {burst_ms} ms");
    redis.signal("-CONT");
    wait_until("readyz after SIGCONT", Duration::from_secs(10), || {
        get(port, "/readyz").is_ok_and(|r| r.status == 200)
    });
    let r = send(port, "/a", &signed("msg_paused", &body), &body);
    assert_eq!(r.status, 202, "{}", r.body);

    // Stopped: 503 + Retry-After at once, /readyz 503.
    drop(redis);
    let body = event(2);
    let started = Instant::now();
    let r = send(port, "/a", &signed("msg_down", &body), &body);
    let down_ms = started.elapsed().as_millis();
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.header("retry-after").is_some());
    assert!(down_ms < 5_000, "answered after {down_ms} ms");
    assert_eq!(get(port, "/readyz").unwrap().status, 503);

    // Back on the same port: ready again, the retry delivered, its redelivery a duplicate.
    let _redis = start_redis(redis_port, &[]);
    wait_until("readyz after restart", Duration::from_secs(15), || {
        get(port, "/readyz").is_ok_and(|r| r.status == 200)
    });
    let r = send(port, "/a", &signed("msg_down", &body), &body);
    assert_eq!(r.status, 202, "{}", r.body);
    let r = send(port, "/a", &signed("msg_down", &body), &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let counts = backend.counts();
    assert_eq!(counts.get(&("/a".into(), "msg_paused".into())), Some(&1));
    assert_eq!(counts.get(&("/a".into(), "msg_down".into())), Some(&1));
    assert_eq!(counts.len(), 2, "{counts:?}");
    eprintln!(
        "redis paused: 503 in {paused_ms} ms, 24 at once all 503 within {burst_ms} ms; redis stopped: 503 in {down_ms} ms; both delivered once after"
    );
}

#[test]
fn the_route_limit_is_one_budget_for_every_gateway() {
    let redis_port = free_port();
    let _redis = start_redis(redis_port, &[]);
    let backend = Backend::start();
    let config = format!(
        r#"
listen = "127.0.0.1:{{port}}"
redis = "redis://127.0.0.1:{redis_port}"

[[routes]]
path = "/limited"
secrets = ["env:GATEWAY_TEST_SECRET"]
rate_limit_per_second = 1
rate_limit_burst = 2
sink = {{ http = "http://127.0.0.1:{}/webhooks" }}
"#,
        backend.port
    );
    let (_g1, p1) = start_gateway("limit-1.toml", &config);
    let (_g2, p2) = start_gateway("limit-2.toml", &config);
    // Signed beforehand, sent back to back: 6 events over two processes against a burst of 2
    // at 1/s. Per process it would let 4 or more through; shared, 2 (3 if a second passed).
    let requests: Vec<_> = (0..6)
        .map(|n| {
            let body = event(n);
            (signed(&format!("msg_limit_{n}"), &body), body)
        })
        .collect();
    // Requests that fail authentication first: answered 401 and not charged to the route's
    // budget (only to their source's own, per-process limit).
    let mut forged = requests[0].0.clone();
    for (name, value) in forged.iter_mut() {
        if *name == "webhook-signature" {
            *value = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned();
        }
    }
    for port in [p1, p2, p1, p2] {
        assert_eq!(send(port, "/limited", &forged, &requests[0].1).status, 401);
    }
    let started = Instant::now();
    let mut results = Vec::new();
    for (n, (headers, body)) in requests.iter().enumerate() {
        let port = if n % 2 == 0 { p1 } else { p2 };
        results.push(send(port, "/limited", headers, body));
    }
    let elapsed = started.elapsed();
    let accepted = results.iter().filter(|r| r.status == 202).count();
    let limited: Vec<_> = results.iter().filter(|r| r.status == 429).collect();
    assert!(elapsed < Duration::from_secs(1), "sent in {elapsed:?}");
    assert_eq!(
        accepted,
        2,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(limited.len(), 4);
    assert!(limited.iter().all(|r| r.header("retry-after").is_some()));
    let keys = redis_cli(
        redis_port,
        &["--scan", "--pattern", "hookproof:rate-limit:*"],
    );
    assert_eq!(keys.trim(), "hookproof:rate-limit:{/limited}");
    assert!(script_loaded(redis_port, "src/redis/rate_limit.lua"));
    eprintln!(
        "shared limit: 4 forged requests 401 (not charged), then 6 signed over 2 gateways in {elapsed:?}: 2 accepted, 4 answered 429 + Retry-After"
    );
}

#[test]
fn the_stream_sink_adds_each_id_once_and_python_reads_it_with_xreadgroup() {
    let python = python("redis-py from examples/gateway-python/requirements.txt");
    // The example's config passes --check and says where events go.
    let out = Command::new(BIN)
        .args(["gateway", "--check", "--config"])
        .arg(root().join("examples/gateway-python/gateway-stream.toml"))
        .env("CODAT_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("/codat -> redis stream hookproof:stream:{codat-events}, MAXLEN ~ 1000000"),
        "{text}"
    );
    assert!(
        text.contains("store: redis (prefix \"hookproof:\")"),
        "{text}"
    );
    let redis_port = free_port();
    let _redis = start_redis(redis_port, &[]);
    let config = format!(
        r#"
listen = "127.0.0.1:{{port}}"
redis = "redis://127.0.0.1:{redis_port}"

[[routes]]
path = "/codat"
secrets = ["env:GATEWAY_TEST_SECRET"]
sink = {{ redis_stream = "codat-events", maxlen = 1000 }}
"#
    );
    let (_gateway, port) = start_gateway("stream.toml", &config);
    let bodies: Vec<Vec<u8>> = (0..3).map(event).collect();
    for (n, body) in bodies.iter().enumerate() {
        let id = format!("msg_stream_{n}");
        let r = send(port, "/codat", &signed(&id, body), body);
        assert_eq!(r.status, 202, "{}", r.body);
        // A redelivery: acknowledged as a duplicate, not added again.
        let r = send(port, "/codat", &signed(&id, body), body);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("duplicate"), "{}", r.body);
    }
    let stream = "hookproof:stream:{codat-events}";
    assert_eq!(redis_cli(redis_port, &["XLEN", stream]).trim(), "3");
    let out = Command::new(&python)
        .arg(root().join("examples/gateway-python/stream_consumer.py"))
        .args(["--redis", &format!("redis://127.0.0.1:{redis_port}")])
        .args([
            "--stream",
            stream,
            "--count",
            "3",
            "--timeout",
            "10",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 3);
    for (n, entry) in entries.iter().enumerate() {
        assert_eq!(entry["webhook-id"], format!("msg_stream_{n}"));
        assert_eq!(entry["event-type"], "read.completed");
        assert_eq!(entry["company-id"], format!("company-{n}"));
        assert_eq!(entry["route"], "/codat");
        assert_eq!(entry["verified"], "standard-webhooks");
        assert_eq!(entry["body"].as_str().unwrap().as_bytes(), &bodies[n][..]);
    }
    // Every entry acknowledged by the consumer group.
    let pending = redis_cli(redis_port, &["XPENDING", stream, "backend"]);
    assert_eq!(
        pending.lines().next().map(str::trim),
        Some("0"),
        "{pending}"
    );
    eprintln!(
        "stream sink: 3 events + 3 redeliveries -> XLEN 3; the Python XREADGROUP consumer read and acknowledged 3"
    );
}

/// A local 3-master Redis Cluster (no replicas), once every node says `cluster_state:ok`.
fn start_cluster() -> (Vec<Proc>, Vec<u16>) {
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let procs: Vec<Proc> = ports
        .iter()
        .map(|port| {
            let conf = scratch().join(format!("nodes-{port}.conf"));
            let _ = std::fs::remove_file(&conf);
            let conf = conf.to_string_lossy().into_owned();
            start_redis(
                *port,
                &["--cluster-enabled", "yes", "--cluster-config-file", &conf],
            )
        })
        .collect();
    let nodes: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let out = Command::new("redis-cli")
        .arg("--cluster")
        .arg("create")
        .args(&nodes)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for port in &ports {
        wait_until("cluster_state:ok", Duration::from_secs(20), || {
            redis_cli(*port, &["CLUSTER", "INFO"]).contains("cluster_state:ok")
        });
    }
    (procs, ports)
}

#[test]
fn on_a_redis_cluster_routes_spread_over_the_masters_and_deliver_once() {
    let (_cluster, ports) = start_cluster();
    let backend = Backend::start();
    let mut config = format!(
        "listen = \"127.0.0.1:{{port}}\"\nredis = \"redis://127.0.0.1:{}\"\nredis_cluster = true\n",
        ports[0]
    );
    let routes: Vec<String> = (0..9).map(|i| format!("/codat-{i}")).collect();
    for path in &routes {
        config.push_str(&format!(
            "[[routes]]\npath = \"{path}\"\nsecrets = [\"env:GATEWAY_TEST_SECRET\"]\nrate_limit_per_second = 100\nsink = {{ http = \"http://127.0.0.1:{}/webhooks\" }}\n",
            backend.port
        ));
    }
    config.push_str(
        "[[routes]]\npath = \"/stream\"\nsecrets = [\"env:GATEWAY_TEST_SECRET\"]\nsink = { redis_stream = \"cluster-events\", maxlen = 100 }\n",
    );
    let (_g1, p1) = start_gateway("cluster-1.toml", &config);
    let (_g2, p2) = start_gateway("cluster-2.toml", &config);
    let mut answers = BTreeMap::new();
    for (n, path) in routes.iter().chain([&"/stream".to_owned()]).enumerate() {
        for k in 0..3 {
            let id = format!("msg_cluster_{k}");
            let body = event(n);
            let first = send(p1, path, &signed(&id, &body), &body);
            let again = send(p2, path, &signed(&id, &body), &body);
            *answers.entry((first.status, again.status)).or_insert(0) += 1;
            assert_eq!(
                (first.status, again.status),
                (202, 200),
                "{path} {id}: {} / {}",
                first.body,
                again.body
            );
        }
    }
    let counts = backend.counts();
    assert_eq!(counts.len(), 27, "{counts:?}");
    assert!(counts.values().all(|&c| c == 1), "{counts:?}");
    // The routes' keys are on every master, each route's on one; no CROSSSLOT anywhere.
    let mut per_master = Vec::new();
    for port in &ports {
        let keys = redis_cli(*port, &["--scan", "--pattern", "hookproof:*"]);
        per_master.push(keys.lines().count());
        let errors = redis_cli(*port, &["INFO", "errorstats"]);
        assert!(!errors.contains("CROSSSLOT"), "{port}: {errors}");
    }
    assert!(per_master.iter().all(|&n| n > 0), "{per_master:?}");
    let stream = "hookproof:stream:{cluster-events}";
    let xlen: usize = ports
        .iter()
        .map(|p| {
            redis_cli(*p, &["XLEN", stream])
                .trim()
                .parse::<usize>()
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(xlen, 3);
    eprintln!(
        "cluster: 10 routes x 3 ids, each sent to both gateways: {answers:?} (202 then duplicate 200); keys per master {per_master:?}; stream entries {xlen}; 0 CROSSSLOT"
    );
}
