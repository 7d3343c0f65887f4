//! `hookproof gateway` with TLS, mutual TLS and https:// backends, end to end: certificates
//! are made here with rcgen (three unrelated CAs, files in a temp dir), requests are sent with
//! `hookproof send` (`--cacert`, `--client-cert`, `--client-key`), and the backends are small
//! servers in this file (plain HTTP, or rustls), all on 127.0.0.1, stopped on drop.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::Value;
use support::{AcceptLoop, BIN, Gateway, Proc, SECRET, read_request_body, wait_until};

fn temp_dir(name: &str) -> PathBuf {
    support::temp_dir("hookproof-gateway-tls", name, true)
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// A certificate authority made here.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    Ca {
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

/// A certificate issued by `ca` for `names` (server) or as a client certificate, written to
/// `dir/stem.crt` and `dir/stem.key` (PKCS#8 PEM).
fn issue(ca: &Ca, names: &[&str], client: bool, dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, stem);
    params.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    let (crt, pem) = (
        dir.join(format!("{stem}.crt")),
        dir.join(format!("{stem}.key")),
    );
    std::fs::write(&crt, cert.pem()).unwrap();
    std::fs::write(&pem, key.serialize_pem()).unwrap();
    (crt, pem)
}

fn write_ca(ca: &Ca, dir: &Path, stem: &str) -> PathBuf {
    let path = dir.join(format!("{stem}.pem"));
    std::fs::write(&path, &ca.pem).unwrap();
    path
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

// ---------------------------------------------------------------------------------------------
// Backends: plain HTTP or rustls, answering every request `200`, recording each body.

struct Backend {
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
    _accept: AcceptLoop,
}

impl Backend {
    fn start(tls: Option<Arc<rustls::ServerConfig>>) -> Backend {
        let received = Arc::new(Mutex::new(Vec::new()));
        let got = received.clone();
        let accept = AcceptLoop::start(move |tcp, _| {
            tcp.set_nonblocking(false).ok();
            tcp.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let (got, tls) = (got.clone(), tls.clone());
            std::thread::spawn(move || match tls {
                None => serve(tcp, &got),
                Some(config) => {
                    if let Ok(conn) = rustls::ServerConnection::new(config) {
                        serve(rustls::StreamOwned::new(conn, tcp), &got);
                    }
                }
            });
            None
        });
        Backend {
            port: accept.port(),
            received,
            _accept: accept,
        }
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

/// Reads requests (headers, Content-Length body) and answers each `200`, until the peer
/// closes (or a TLS handshake fails).
fn serve(stream: impl Read + Write, received: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream);
    while let Some(body) = read_request_body(&mut reader, true) {
        received
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(&body).into_owned());
        let stream = reader.get_mut();
        if stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
    }
}

fn tls_server_config(cert: &Path, key: &Path) -> Arc<rustls::ServerConfig> {
    let chain = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// The gateway and `hookproof send`

/// `GET path` over TLS (trusting `ca`, presenting `client` if given): the status, or the
/// error of the handshake or the exchange.
fn https_get(
    port: u16,
    path: &str,
    ca: &Path,
    client: Option<(&Path, &Path)>,
) -> Result<u16, String> {
    https_get_text(port, path, ca, client).map(|(status, _)| status)
}

/// As `https_get`, with the whole answer's text.
fn https_get_text(
    port: u16,
    path: &str,
    ca: &Path,
    client: Option<(&Path, &Path)>,
) -> Result<(u16, String), String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                CertificateDer::pem_file_iter(cert)
                    .unwrap()
                    .collect::<Result<Vec<_>, _>>()
                    .unwrap(),
                PrivateKeyDer::from_pem_file(key).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    let conn =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("127.0.0.1").unwrap())
            .unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n").as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    let mut text = String::new();
    // The gateway closes after `connection: close`; a missing close_notify is not an error here.
    let read = tls.read_to_string(&mut text);
    if text.is_empty() {
        read.map_err(|e| e.to_string())?;
    }
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line: {text:?}"))?;
    Ok((status, text))
}

fn http_ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    if s.write_all(b"GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("HTTP/1.1 200")
}

/// `hookproof gateway --config` on a free port (`{port}` in `config`), once `ready` says so;
/// its log goes to `dir/gateway.log`.
fn start_gateway(dir: &Path, config: &str, ready: impl Fn(u16) -> bool) -> (Proc, u16, PathBuf) {
    let log = dir.join("gateway.log");
    let (proc, port) = Gateway {
        path: &dir.join("gateway.toml"),
        log: &log,
        secret_env: "GATEWAY_TLS_TEST_SECRET",
        env: &[],
    }
    .start(config, ready);
    (proc, port, log)
}

/// `hookproof send URL` once (signed with SECRET, `--json`): the exit code and the timeline.
fn send(url: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let out: Output = Command::new(BIN)
        .args(["send", url, "--secret-env", "GATEWAY_TLS_TEST_SECRET"])
        .args(["--max-attempts", "1", "--deadline", "10", "--json"])
        .args(extra)
        .env("GATEWAY_TLS_TEST_SECRET", SECRET)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}

/// The value of one series in a /metrics answer.
fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in {text}"))
}

fn route(sink: &str) -> String {
    format!(
        "[[routes]]\npath = \"/codat\"\nsecrets = [\"env:GATEWAY_TLS_TEST_SECRET\"]\nsink = {sink}\n"
    )
}

// ---------------------------------------------------------------------------------------------

#[test]
fn gateway_requires_a_client_certificate_from_client_ca() {
    let dir = temp_dir("mtls");
    let (server_ca, client_ca, other_ca) = (ca("server CA"), ca("client CA"), ca("other CA"));
    let (cert, key) = issue(
        &server_ca,
        &["127.0.0.1", "localhost"],
        false,
        &dir,
        "gateway",
    );
    let (client_cert, client_key) = issue(&client_ca, &[], true, &dir, "codat");
    let (stranger_cert, stranger_key) = issue(&other_ca, &[], true, &dir, "stranger");
    let trust = write_ca(&server_ca, &dir, "server-ca");
    let clients = write_ca(&client_ca, &dir, "client-ca");
    let backend = Backend::start(None);
    let config = format!(
        "listen = \"127.0.0.1:{{port}}\"\n[tls]\ncert = \"{}\"\nkey = \"{}\"\nclient_ca = \"{}\"\n{}",
        cert.display(),
        key.display(),
        clients.display(),
        route(&format!(
            "{{ http = \"http://127.0.0.1:{}/hook\" }}",
            backend.port
        )),
    );
    let (_gateway, port, log) = start_gateway(&dir, &config, |port| {
        https_get(port, "/readyz", &trust, Some((&client_cert, &client_key))) == Ok(200)
    });
    let url = format!("https://127.0.0.1:{port}/codat");
    let cacert = format!("--cacert={}", trust.display());

    // The right client certificate: delivered.
    let (code, json) = send(
        &url,
        &[
            &cacert,
            &format!("--client-cert={}", client_cert.display()),
            &format!("--client-key={}", client_key.display()),
        ],
    );
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["verdict"]["result"], "delivered", "{json}");
    assert_eq!(json["attempts"][0]["status"], 202, "{json}");
    assert_eq!(backend.received().len(), 1);

    // No client certificate, or one from another CA: the handshake is refused, a connection
    // error to the sender, nothing delivered.
    let (code, json) = send(&url, &[&cacert]);
    assert_eq!(code, Some(1), "{json}");
    assert_eq!(json["attempts"][0]["status"], "connection_error", "{json}");
    let error = json["attempts"][0]["error"].as_str().unwrap().to_owned();
    // The gateway's alert reaches the sender (not a reset that would hide it).
    assert!(
        error.contains("CertificateRequired"),
        "no client certificate: {error}"
    );
    let (code, json) = send(
        &url,
        &[
            &cacert,
            &format!("--client-cert={}", stranger_cert.display()),
            &format!("--client-key={}", stranger_key.display()),
        ],
    );
    assert_eq!(code, Some(1), "{json}");
    assert_eq!(json["attempts"][0]["status"], "connection_error", "{json}");
    let error = json["attempts"][0]["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("UnknownCA"),
        "another CA's client certificate: {error}"
    );
    // The same over a second client: refused in the handshake, not at the HTTP layer.
    assert!(https_get(port, "/healthz", &trust, None).is_err());
    assert!(
        https_get(
            port,
            "/healthz",
            &trust,
            Some((&stranger_cert, &stranger_key))
        )
        .is_err()
    );
    assert_eq!(backend.received().len(), 1);

    // Unusable client certificate files: a usage error (exit 2) naming the flag, no key text.
    for (cert, key, want) in [
        (&client_cert, &client_cert, "--client-key"),
        (&client_key, &client_key, "--client-cert"),
    ] {
        let out = Command::new(BIN)
            .args(["send", &url, "--secret", SECRET, &cacert])
            .arg(format!("--client-cert={}", cert.display()))
            .arg(format!("--client-key={}", key.display()))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{want} ")), "{err}");
        let key_text = std::fs::read_to_string(&client_key).unwrap();
        assert!(!err.contains(key_text.lines().nth(1).unwrap()), "{err}");
    }
    let out = Command::new(BIN)
        .args(["send", &url, "--secret", SECRET])
        .arg(format!("--client-cert={}", client_cert.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(backend.received().len(), 1);

    // Plain HTTP on the TLS port is not served.
    assert!(!http_ready(port));
    let (_, metrics) =
        https_get_text(port, "/metrics", &trust, Some((&client_cert, &client_key))).unwrap();
    let refused = metric(
        &metrics,
        "hookproof_gateway_tls_handshake_failures_total{reason=\"refused\"}",
    );
    assert!(refused >= 4, "{metrics}");

    // The key never reaches the log.
    let log = std::fs::read_to_string(&log).unwrap();
    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_line = key_text.lines().nth(1).unwrap();
    assert!(!log.contains(key_line), "{log}");
    assert!(log.contains("TLS handshake failed"), "{log}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn gateway_tls_closes_a_stalled_handshake_and_counts_it_as_a_connection() {
    let dir = temp_dir("stall");
    let server_ca = ca("server CA");
    let (cert, key) = issue(&server_ca, &["127.0.0.1"], false, &dir, "gateway");
    let trust = write_ca(&server_ca, &dir, "server-ca");
    let backend = Backend::start(None);
    let config = format!(
        "listen = \"127.0.0.1:{{port}}\"\nmax_connections = 1\n[tls]\ncert = \"{}\"\nkey = \"{}\"\nhandshake_timeout_ms = 1000\n{}",
        cert.display(),
        key.display(),
        route(&format!(
            "{{ http = \"http://127.0.0.1:{}/hook\" }}",
            backend.port
        )),
    );
    let (_gateway, port, _log) = start_gateway(&dir, &config, |port| {
        https_get(port, "/readyz", &trust, None) == Ok(200)
    });
    let url = format!("https://127.0.0.1:{port}/codat");
    let cacert = format!("--cacert={}", trust.display());

    // Without client_ca, no client certificate is needed. (With one slot, the readiness
    // probe's connection may hold it for a moment after closing: the sender's connection is
    // then closed on accept, before TLS, and tried again.)
    let mut last = Value::Null;
    let delivered = (0..10).any(|_| {
        let (code, json) = send(&url, &[&cacert]);
        last = json;
        if code != Some(0) {
            assert_eq!(last["attempts"][0]["status"], "connection_error", "{last}");
            std::thread::sleep(Duration::from_millis(100));
        }
        code == Some(0)
    });
    assert!(delivered, "{last}");
    assert_eq!(backend.received().len(), 1);

    // A connection that never starts its handshake holds the one slot, then is closed at the
    // handshake deadline.
    // (The previous client's connection may still hold the slot for a moment after it closed:
    // a connection closed on accept is tried again.)
    let (mut stalled, opened) = (0..20)
        .find_map(|_| {
            let stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let opened = Instant::now();
            std::thread::sleep(Duration::from_millis(200));
            stalled.set_nonblocking(true).unwrap();
            let open = matches!(stalled.peek(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
            stalled.set_nonblocking(false).unwrap();
            open.then_some((stalled, opened))
        })
        .expect("no connection slot within 4 s");
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert!(
        https_get(port, "/healthz", &trust, None).is_err(),
        "a second connection was served while the slot was held"
    );
    let mut buf = [0u8; 16];
    let read = stalled.read(&mut buf);
    let held = opened.elapsed();
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "the stalled connection got {read:?}"
    );
    assert!(
        held >= Duration::from_millis(800) && held < Duration::from_secs(5),
        "closed after {held:?}"
    );
    // The slot is free again.
    wait_until("the freed slot", Duration::from_secs(5), || {
        https_get(port, "/healthz", &trust, None) == Ok(200)
    });
    // (Again the previous connection may hold the one slot for a moment after closing.)
    let mut metrics = String::new();
    wait_until("/metrics", Duration::from_secs(5), || {
        https_get_text(port, "/metrics", &trust, None).is_ok_and(|(_, text)| {
            metrics = text;
            true
        })
    });
    let timed_out = metric(
        &metrics,
        "hookproof_gateway_tls_handshake_failures_total{reason=\"timeout\"}",
    );
    assert_eq!(timed_out, 1, "{metrics}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn gateway_delivers_to_an_https_backend_and_refuses_an_untrusted_one() {
    let dir = temp_dir("sink");
    let (backend_ca, other_ca) = (ca("backend CA"), ca("other CA"));
    let (cert, key) = issue(&backend_ca, &["localhost"], false, &dir, "backend");
    let trust = write_ca(&backend_ca, &dir, "backend-ca");
    let other = write_ca(&other_ca, &dir, "other-ca");
    let backend = Backend::start(Some(tls_server_config(&cert, &key)));
    let p = backend.port;
    let config = format!(
        r#"listen = "127.0.0.1:{{port}}"

[[routes]]
path = "/good"
secrets = ["env:GATEWAY_TLS_TEST_SECRET"]
sink = {{ http = "https://localhost:{p}/hook", ca = "{trust}", timeout_ms = 3000 }}

[[routes]]
path = "/wrong-ca"
secrets = ["env:GATEWAY_TLS_TEST_SECRET"]
sink = {{ http = "https://localhost:{p}/hook", ca = "{other}", timeout_ms = 3000 }}

[[routes]]
path = "/wrong-name"
secrets = ["env:GATEWAY_TLS_TEST_SECRET"]
sink = {{ http = "https://127.0.0.1:{p}/hook", ca = "{trust}", timeout_ms = 3000 }}

[[routes]]
path = "/public-roots"
secrets = ["env:GATEWAY_TLS_TEST_SECRET"]
sink = {{ http = "https://localhost:{p}/hook", timeout_ms = 3000 }}
"#,
        trust = trust.display(),
        other = other.display(),
    );
    let (_gateway, port, _log) = start_gateway(&dir, &config, http_ready);
    let base = format!("http://127.0.0.1:{port}");

    let (code, json) = send(&format!("{base}/good"), &["--id", "msg_tls_1"]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["attempts"][0]["status"], 202, "{json}");
    let got = backend.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("\"eventType\""), "{}", got[0]);

    // A backend whose certificate the sink does not trust (another CA, Mozilla's roots) or
    // that is not for the URL's host: 503 + Retry-After, not acknowledged, not delivered.
    for path in ["/wrong-ca", "/wrong-name", "/public-roots"] {
        for _ in 0..2 {
            let (code, json) = send(&format!("{base}{path}"), &["--id", "msg_tls_2"]);
            assert_eq!(code, Some(1), "{path}: {json}");
            assert_eq!(json["attempts"][0]["status"], 503, "{path}: {json}");
            assert!(
                json["attempts"][0]["retryAfter"].is_string(),
                "{path}: {json}"
            );
        }
    }
    assert_eq!(backend.received().len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// `hookproof gateway --check`: the exit code and standard error.
fn check(dir: &Path, config: &str) -> (Option<i32>, String, String) {
    let path = dir.join("check.toml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(BIN)
        .args(["gateway", "--check", "--config"])
        .arg(&path)
        .env("GATEWAY_TLS_TEST_SECRET", SECRET)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn gateway_check_explains_tls_errors_with_key_and_line() {
    let dir = temp_dir("check");
    let server_ca = ca("server CA");
    let (cert, key) = issue(&server_ca, &["127.0.0.1"], false, &dir, "gateway");
    let (_, other_key) = issue(&server_ca, &["127.0.0.1"], false, &dir, "other");
    let ca_file = write_ca(&server_ca, &dir, "ca");
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.join("missing.pem");
    let sink = route("{ http = \"http://127.0.0.1:9/\" }");
    let tls = |cert: &Path, key: &Path, extra: &str| {
        format!(
            "listen = \"127.0.0.1:1\"\n[tls]\ncert = \"{}\"\nkey = \"{}\"\n{extra}{sink}",
            cert.display(),
            key.display()
        )
    };

    // Valid: summarised.
    let (code, out, err) = check(
        &dir,
        &tls(
            &cert,
            &key,
            &format!("client_ca = \"{}\"\n", ca_file.display()),
        ),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("client certificates required"), "{out}");

    let cases = [
        (
            tls(&missing, &key, ""),
            format!(
                "line 3, column 8: tls.cert: cannot read {}",
                missing.display()
            ),
        ),
        (
            tls(&key, &key, ""),
            "line 3, column 8: tls.cert: no certificate".to_owned(),
        ),
        (
            tls(&cert, &cert, ""),
            "line 4, column 7: tls.key: no readable private key".to_owned(),
        ),
        (
            tls(&cert, &other_key, ""),
            format!(
                "line 4, column 7: tls.key: the key in {} does not match the certificate in {}",
                other_key.display(),
                cert.display()
            ),
        ),
        (
            tls(
                &cert,
                &key,
                &format!("client_ca = \"{}\"\n", empty.display()),
            ),
            "line 5, column 13: tls.client_ca: no certificate".to_owned(),
        ),
        (
            tls(&cert, &key, "handshake_timeout_ms = 0\n"),
            "line 5, column 24: tls.handshake_timeout_ms: must be from 1 to 60000".to_owned(),
        ),
        (
            tls(&cert, &key, "client_cert = \"x\"\n"),
            "unknown field `client_cert`".to_owned(),
        ),
        (
            format!(
                "listen = \"127.0.0.1:1\"\n{}",
                route(&format!(
                    "{{ http = \"https://localhost:9/\", ca = \"{}\" }}",
                    missing.display()
                ))
            ),
            format!(
                "line 5, column 46: routes[0].sink.ca: cannot read {}",
                missing.display()
            ),
        ),
        (
            format!(
                "listen = \"127.0.0.1:1\"\n{}",
                route(&format!(
                    "{{ http = \"https://localhost:9/\", ca = \"{}\" }}",
                    key.display()
                ))
            ),
            "line 5, column 46: routes[0].sink.ca: no certificate".to_owned(),
        ),
    ];
    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_line = key_text.lines().nth(1).unwrap().to_owned();
    for (config, want) in cases {
        let (code, _, err) = check(&dir, &config);
        assert_eq!(code, Some(1), "{config}\n{err}");
        assert!(
            err.contains(&want),
            "want {want:?} in:\n{err}\nfor:\n{config}"
        );
        assert!(!err.contains(&key_line), "key material in: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
