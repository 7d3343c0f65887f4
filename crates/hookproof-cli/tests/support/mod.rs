//! Helpers shared by the integration tests of the `hookproof` binary (`cli.rs`, `gateway.rs`,
//! `gateway_redis.rs`, `gateway_tls.rs`): the binary and the test secret, free ports on
//! 127.0.0.1, child processes killed and reaped on drop, raw HTTP/1.1 exchanges, signing with
//! `hookproof sign`, bounded waits, scratch directories, the gateway started from a config and
//! a stoppable accept loop for small local servers. Each test binary uses a subset.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_hookproof");
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `{temp}/{stem}-{pid}`, created.
pub fn scratch(stem: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{stem}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `{temp}/{stem}-{pid}-{name}`, created (emptied first if `fresh`).
pub fn temp_dir(stem: &str, name: &str, fresh: bool) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{stem}-{}-{name}", std::process::id()));
    if fresh {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Polls `ready` every 50 ms; fails the test if it is not true within `limit`.
pub fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < limit,
            "{what} not ready within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The venv's Python of `make setup-python`; fails the test naming `needs` if it is missing.
pub fn python(needs: &str) -> PathBuf {
    let python = root().join("target/tools/python/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `make setup-python` ({needs})",
        python.display()
    );
    python
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// A child process killed and reaped when dropped; `.0` is the child.
pub struct Proc(pub Child, Resume);

/// Whether a `Proc` is sent SIGCONT before it is killed.
#[derive(Clone, Copy, PartialEq)]
enum Resume {
    No,
    Yes,
}

impl Proc {
    pub fn new(child: Child) -> Proc {
        Proc(child, Resume::No)
    }

    /// A process the test may pause (SIGSTOP): resumed when dropped, to be reaped promptly.
    pub fn pausable(child: Child) -> Proc {
        Proc(child, Resume::Yes)
    }

    /// Sends `signal` (`-STOP`, `-CONT`, `-TERM`, …) with `kill`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {signal}");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.1 == Resume::Yes {
            let _ = Command::new("kill")
                .args(["-CONT", &self.0.id().to_string()])
                .status();
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 on 127.0.0.1

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Reads one response (headers, then a Content-Length body) from `reader`.
pub fn read_response(reader: &mut BufReader<TcpStream>) -> std::io::Result<Response> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A connection to 127.0.0.1:`port` whose reads time out after 20 s.
pub fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// A request with `headers`, a `content-length` and `body`.
pub fn request_bytes(method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// One request on a fresh connection, and its response.
pub fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Response {
    let mut stream = connect(port);
    stream
        .write_all(&request_bytes(method, path, headers, body))
        .unwrap();
    read_response(&mut BufReader::new(stream)).unwrap()
}

/// `GET path` on a fresh connection (reads time out after 5 s).
pub fn get(port: u16, path: &str) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").as_bytes())?;
    read_response(&mut BufReader::new(stream))
}

/// Whether `GET /readyz` answers 200.
pub fn readyz(port: u16) -> bool {
    get(port, "/readyz").is_ok_and(|r| r.status == 200)
}

/// `content-type: application/json` and the three `webhook-*` headers for `body`, signed with
/// `secret` at `timestamp` by `hookproof sign` (the body on standard input, the secret from
/// the environment): the CLI's signer, independent of the gateway's verification path.
pub fn signed(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    let mut child = Command::new(BIN)
        .args([
            "sign",
            "--secret-env",
            "GATEWAY_TEST_SIGNING_SECRET",
            "--id",
            id,
        ])
        .arg(format!("--timestamp={timestamp}"))
        .arg("-")
        .env("GATEWAY_TEST_SIGNING_SECRET", secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut headers = vec![("content-type", "application/json".to_owned())];
    for line in text.lines() {
        let (name, value) = line.split_once(": ").unwrap();
        let name = match name {
            "webhook-id" => "webhook-id",
            "webhook-timestamp" => "webhook-timestamp",
            "webhook-signature" => "webhook-signature",
            other => panic!("hookproof sign printed {other:?}"),
        };
        headers.push((name, value.to_owned()));
    }
    assert_eq!(headers.len(), 4, "{text}");
    headers
}

// ---------------------------------------------------------------------------------------------
// The gateway

/// The gateway to start: `config` (`{port}` replaced by a free port) written to `path`, its
/// stderr to `log`, `secret_env` set to `SECRET` and then `env`.
pub struct Gateway<'a> {
    pub path: &'a Path,
    pub log: &'a Path,
    pub secret_env: &'a str,
    pub env: &'a [(&'a str, &'a str)],
}

impl Gateway<'_> {
    /// `hookproof gateway --config`, once `ready(port)` says so (20 s at most).
    pub fn start(&self, config: &str, ready: impl Fn(u16) -> bool) -> (Proc, u16) {
        let port = free_port();
        std::fs::write(self.path, config.replace("{port}", &port.to_string())).unwrap();
        let child = Command::new(BIN)
            .args(["gateway", "--config"])
            .arg(self.path)
            .env(self.secret_env, SECRET)
            .envs(self.env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.log).unwrap())
            .spawn()
            .unwrap();
        let proc = Proc::new(child);
        wait_until("the gateway", Duration::from_secs(20), || ready(port));
        (proc, port)
    }
}

// ---------------------------------------------------------------------------------------------
// Local servers

/// Reads one request's head (to the first blank line; with `skip_leading_blank_lines`, blank
/// lines before the request line are passed over) and its Content-Length body (0 when the
/// header is missing or unreadable). `None` when the peer closes or a read fails.
pub fn read_request_body(
    reader: &mut impl BufRead,
    skip_leading_blank_lines: bool,
) -> Option<Vec<u8>> {
    let mut length = 0usize;
    let mut first = skip_leading_blank_lines;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line.is_empty() {
            return None;
        }
        if line.trim().is_empty() {
            if first {
                continue;
            }
            break;
        }
        first = false;
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// A thread accepting connections on 127.0.0.1 (a free port) until dropped: each connection
/// goes to `handle`, which serves it inline or returns the thread serving it
/// (joined when the loop stops). `handle` also gets the stop flag, for waits it must cut short.
pub struct AcceptLoop {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl AcceptLoop {
    pub fn start<F>(mut handle: F) -> AcceptLoop
    where
        F: FnMut(TcpStream, &Arc<AtomicBool>) -> Option<JoinHandle<()>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => workers.extend(handle(stream, &s)),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            for w in workers {
                w.join().ok();
            }
        });
        AcceptLoop {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for AcceptLoop {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}
