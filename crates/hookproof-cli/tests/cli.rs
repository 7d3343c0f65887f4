//! The `hookproof` binary: `verify` and `sign` against the vector suite and the svix test
//! vector, and `send` against a scripted HTTP server on 127.0.0.1 under both policies. Every
//! server thread is stopped and every child process reaped, also when an assertion fails.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::{AcceptLoop, BIN, SECRET, now as unix_now, read_request_body, root};

fn temp_dir(name: &str) -> PathBuf {
    support::temp_dir("hookproof-cli", name, false)
}

/// Runs the binary with a hard time limit; the child is killed if it overruns.
fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "hookproof {args:?} ran over 60 s: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

// ---------------------------------------------------------------------------------------------
// verify and sign

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn verify_and_sign_agree_with_the_vector_suite() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/vectors/signature.json")).unwrap(),
    )
    .unwrap();
    let dir = temp_dir("vectors");
    let mut checked = 0;
    let mut failures = Vec::new();
    for t in doc["tests"].as_array().unwrap() {
        if t["op"] == "options" {
            continue; // --tolerance is an unsigned integer on the command line
        }
        // The command line takes both kinds of key (whsec_, whpk_): unprefixed text is refused.
        let mut t = t.clone();
        if let Some(k) = t.get("kindsStated").cloned() {
            t["result"] = k["result"].clone();
            t["error"] = k["error"].clone();
        }
        let t = &t;
        let secrets: Vec<&str> = t["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if secrets.len() != t["secrets"].as_array().unwrap().len() || secrets.is_empty() {
            continue; // raw-byte secrets have no text form on the command line
        }
        if secrets
            .iter()
            .any(|s| s.starts_with('-') || s.contains('\n'))
        {
            continue;
        }
        let body = match (&t["body"], &t["bodyHex"]) {
            (Value::String(s), _) => s.as_bytes().to_vec(),
            (_, Value::String(h)) => hex(h),
            _ => continue,
        };
        let body_path = dir.join(format!("{}.body", t["tcId"]));
        std::fs::write(&body_path, &body).unwrap();
        let mut args: Vec<String> = Vec::new();
        let sub = t["op"].as_str().unwrap();
        args.push(sub.into());
        for s in &secrets {
            args.push(format!("--secret={s}"));
        }
        if sub == "sign" {
            if secrets.len() != 1 {
                continue;
            }
            args.extend([
                format!("--id={}", t["id"].as_str().unwrap()),
                format!("--timestamp={}", t["timestamp"]),
            ]);
            args.push(format!("@{}", body_path.display()));
            let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
            let want = format!("webhook-signature: {}", t["expected"].as_str().unwrap());
            if !stdout(&out).lines().any(|l| l == want) {
                failures.push(format!("tcId {}: {}", t["tcId"], stdout(&out)));
            }
            checked += 1;
            continue;
        }
        let headers: String = t["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}: {}\n", p[0].as_str().unwrap(), p[1].as_str().unwrap()))
            .collect();
        if headers.contains('\t')
            || t["headers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p[1].as_str().unwrap().trim() != p[1].as_str().unwrap())
        {
            continue; // a headers file trims values, as HTTP does
        }
        let headers_path = dir.join(format!("{}.headers", t["tcId"]));
        std::fs::write(&headers_path, headers).unwrap();
        args.push(format!("--headers={}", headers_path.display()));
        args.push(format!("--now={}", t["now"]));
        match &t["tolerance"] {
            Value::Null => {}
            Value::String(_) => args.push("--ignore-timestamp".into()),
            n => args.push(format!("--tolerance={n}")),
        }
        if t.get("maxPayload").is_some() {
            continue;
        }
        args.push(format!("@{}", body_path.display()));
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
        let (want_code, want_text) = if t["result"] == "valid" {
            (0, "valid:".to_owned())
        } else if t["error"] == "invalid_secret"
            || t["error"] == "too_many_secrets"
            || t["error"] == "ambiguous_key"
        {
            (2, t["error"].as_str().unwrap().to_owned())
        } else {
            (1, format!("invalid: {}:", t["error"].as_str().unwrap()))
        };
        let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        if out.status.code() != Some(want_code) || !text.contains(&want_text) {
            failures.push(format!(
                "tcId {} ({}): exit {:?}: {text}",
                t["tcId"],
                t["comment"],
                out.status.code()
            ));
        }
        checked += 1;
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 80, "only {checked} vectors");
}

#[test]
fn the_svix_test_vector_through_flags_and_stdin() {
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    let out = run(
        &[
            "verify",
            "--secret",
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "--id",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            "--timestamp",
            "1649367553",
            "--signature",
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
            "--now",
            "1649367553",
            "-",
        ],
        Some(body),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = run(
        &[
            "sign",
            "--secret",
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "--id",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            "--timestamp",
            "1649367553",
        ],
        Some(body),
    );
    assert!(
        stdout(&out).contains("webhook-signature: v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=")
    );
    let out = run(
        &[
            "verify",
            "--secret",
            SECRET,
            "--id",
            "m",
            "--timestamp",
            "1",
            "--signature",
            "v1,",
            "--now",
            "1",
            "-",
        ],
        Some(b"x"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("no_matching_signature")
            && stdout(&out).contains("hint: verify the raw body")
    );
}

/// Codat's "Verify webhook" CLI tab (docs/using-the-api/webhooks/create-consumer.md), with the
/// binary renamed: `svix verify --secret … --msg-id … --timestamp … --signature … '<payload>'`.
/// As `svix verify`, the 2021 timestamp's age is not held against it.
#[test]
fn codat_documented_svix_verify_line() {
    let line = [
        "verify",
        "--secret",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "--msg-id",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "--timestamp",
        "1614265330",
        "--signature",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        r#"{"test": 2432232314}"#,
    ];
    let out = run(&line, None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("valid: id msg_p5jXN8AQM9LWM0D4loKWxJek"));
    // One changed byte of the payload fails, with the code and a hint.
    let mut tampered = line;
    tampered[9] = r#"{"test": 2432232315}"#;
    let out = run(&tampered, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("invalid: no_matching_signature"));
    // With --now the window applies again (the message is from 2021).
    let mut args = line.to_vec();
    args.extend(["--now", "1700000000"]);
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("timestamp_too_old"));
    // The payload from a file (@FILE) or from standard input (-).
    let dir = temp_dir("svix-line");
    let path = dir.join("body.json");
    std::fs::write(&path, br#"{"test": 2432232314}"#).unwrap();
    let mut args = line.to_vec();
    let at = format!("@{}", path.display());
    args[9] = &at;
    assert_eq!(run(&args, None).status.code(), Some(0));
    args[9] = "-";
    assert_eq!(
        run(&args, Some(br#"{"test": 2432232314}"#)).status.code(),
        Some(0)
    );
    std::fs::remove_dir_all(&dir).ok();
    // `sign --msg-id … --format signature` prints what `svix sign` prints.
    let out = run(
        &[
            "sign",
            "--secret",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "--msg-id",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "--timestamp",
            "1614265330",
            "--format",
            "signature",
            r#"{"test": 2432232314}"#,
        ],
        None,
    );
    assert_eq!(
        stdout(&out).trim(),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
}

/// The v1a vectors with text keys through `verify` and `sign`.
#[test]
fn v1a_vectors_through_the_cli() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/vectors/v1a.json")).unwrap(),
    )
    .unwrap();
    let dir = temp_dir("v1a");
    let (mut checked, mut failures) = (0, Vec::new());
    for t in doc["tests"].as_array().unwrap() {
        let op = t["op"].as_str().unwrap();
        if op != "verify" && op != "sign" {
            continue;
        }
        let keys: Vec<&str> = t["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if keys.len() != t["keys"].as_array().unwrap().len()
            || keys
                .iter()
                .any(|k| k.starts_with(['-', ' ']) || k.contains('\n'))
        {
            continue;
        }
        let body = match (&t["body"], &t["bodyHex"]) {
            (Value::String(s), _) => s.as_bytes().to_vec(),
            (_, Value::String(h)) => hex(h),
            _ => continue,
        };
        let body_path = dir.join(format!("{}.body", t["tcId"]));
        std::fs::write(&body_path, &body).unwrap();
        let mut args: Vec<String> = vec![op.into()];
        args.extend(keys.iter().map(|k| format!("--secret={k}")));
        let want_ok = t["result"] == "valid";
        if op == "sign" {
            // The CLI signs with every key; the vectors sign with the first that can.
            if keys.len() != 1 {
                continue;
            }
            args.extend([
                format!("--id={}", t["id"].as_str().unwrap()),
                format!("--timestamp={}", t["timestamp"]),
                "--format=signature".into(),
                format!("@{}", body_path.display()),
            ]);
            let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
            let ok = if want_ok {
                stdout(&out).trim() == t["expected"].as_str().unwrap()
            } else {
                out.status.code() == Some(2)
                    && String::from_utf8_lossy(&out.stderr).contains(t["error"].as_str().unwrap())
            };
            if !ok {
                failures.push(format!("tcId {}: {}", t["tcId"], stdout(&out)));
            }
            checked += 1;
            continue;
        }
        let header = |name: &str| {
            t["headers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p[0].as_str().unwrap().ends_with(name))
                .map(|p| p[1].as_str().unwrap().to_owned())
        };
        let (Some(id), Some(ts), Some(sig)) =
            (header("-id"), header("-timestamp"), header("-signature"))
        else {
            continue;
        };
        args.extend([
            format!("--id={id}"),
            format!("--timestamp={ts}"),
            format!("--signature={sig}"),
            format!("--now={}", t["now"]),
        ]);
        if t["tolerance"] == "ignore" {
            args.push("--ignore-timestamp".into());
        }
        args.push(format!("@{}", body_path.display()));
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
        let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        let ok = if want_ok {
            out.status.code() == Some(0)
        } else {
            text.contains(t["error"].as_str().unwrap()) && out.status.code() != Some(0)
        };
        if !ok {
            failures.push(format!("tcId {} ({}): {text}", t["tcId"], t["comment"]));
        }
        checked += 1;
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 60, "only {checked} vectors");
}

#[test]
fn sign_with_a_secret_and_a_v1a_key_sends_both() {
    let out = run(
        &[
            "sign",
            "--secret",
            SECRET,
            "--secret",
            "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
            "--id",
            "msg_1",
            "--timestamp",
            "1700000000",
            "--format",
            "signature",
            "{}",
        ],
        None,
    );
    let header = stdout(&out).trim().to_owned();
    let entries: Vec<&str> = header.split(' ').collect();
    assert!(
        entries[0].starts_with("v1,") && entries[1].starts_with("v1a,"),
        "{header}"
    );
    for key in [SECRET, "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="] {
        let v = hookproof::Verifier::from_texts([key]).unwrap();
        assert!(
            v.verify_parts("msg_1", "1700000000", &header, b"{}", 1_700_000_000)
                .is_ok()
        );
    }
    let out = run(
        &[
            "sign",
            "--secret",
            "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            "{}",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_signing_key"));
}

#[test]
fn events_lists_the_catalog() {
    let out = run(&["events"], None);
    assert!(out.status.success());
    for t in [
        "company.created",
        "read.completed",
        "client.rateLimit.reached",
        "DataConnectionStatusChanged",
    ] {
        assert!(stdout(&out).contains(t), "{t}");
    }
}

// ---------------------------------------------------------------------------------------------
// send, against a scripted server

#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

fn reply(status: u16) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        delay: Duration::ZERO,
    }
}

#[derive(Debug, Clone)]
struct Request {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// An HTTP/1.1 server on 127.0.0.1 answering each request with the next scripted reply (the
/// last one repeats). Stopped on drop.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    _accept: AcceptLoop,
}

impl Server {
    fn start(script: Vec<Reply>) -> Server {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let r = requests.clone();
        let mut served = 0;
        let accept = AcceptLoop::start(move |stream, s| {
            // Each request on its own thread, so a slow reply never delays the next.
            let step = script[served.min(script.len() - 1)].clone();
            served += 1;
            let (r, s) = (r.clone(), s.clone());
            Some(std::thread::spawn(move || serve(stream, &step, &r, &s)))
        });
        Server {
            url: format!("http://{}/hooks", accept.addr),
            requests,
            _accept: accept,
        }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, step: &Reply, requests: &Mutex<Vec<Request>>, stop: &AtomicBool) {
    let Some(mut stream) = record_request(stream, requests) else {
        return;
    };
    let started = Instant::now();
    while started.elapsed() < step.delay && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut response = format!(
        "HTTP/1.1 {} Scripted\r\nconnection: close\r\ncontent-length: 2\r\n",
        step.status
    );
    for (k, v) in &step.headers {
        response.push_str(&format!("{k}: {v}\r\n"));
    }
    response.push_str("\r\nok");
    stream.write_all(response.as_bytes()).ok();
}

/// Reads one request (blocking, reads time out after 5 s) into `requests`; the stream to
/// answer on, or `None` if not even the request line could be read.
fn record_request(stream: TcpStream, requests: &Mutex<Vec<Request>>) -> Option<TcpStream> {
    stream.set_nonblocking(false).ok();
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return None;
    }
    let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok();
    requests.lock().unwrap().push(Request {
        path,
        headers,
        body,
    });
    Some(reader.into_inner())
}

/// `hookproof send --json` against `server`; returns the parsed timeline.
fn send(server: &Server, policy: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "send",
        &server.url,
        "--secret",
        SECRET,
        "--policy",
        policy,
        "--time-scale",
        "0.00001",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = run(&args, None);
    let text = stdout(&out);
    let json: Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)));
    let delivered = json["verdict"]["result"] == "delivered";
    assert_eq!(out.status.code(), Some(if delivered { 0 } else { 1 }));
    json
}

/// `(status, classification, action, after)` per attempt entry.
fn timeline(json: &Value) -> Vec<(Value, String, String, Option<f64>)> {
    json["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let action = a["decision"]["action"]
                .as_str()
                .unwrap_or("follow_redirect")
                .to_owned();
            (
                a["status"].clone(),
                a["classification"].as_str().unwrap().to_owned(),
                action,
                a["decision"]["after"].as_f64(),
            )
        })
        .collect()
}

fn t(
    status: impl Into<Value>,
    class: &str,
    action: &str,
    after: Option<f64>,
) -> (Value, String, String, Option<f64>) {
    (status.into(), class.to_owned(), action.to_owned(), after)
}

#[test]
fn send_200_is_delivered_and_signed() {
    let server = Server::start(vec![reply(200)]);
    for policy in ["legacy", "current"] {
        let json = send(
            &server,
            policy,
            &[
                "--event-type",
                "connection.connected",
                "--company-tags",
                "region:us,service:t2k",
            ],
        );
        assert_eq!(
            timeline(&json),
            vec![t(200, "delivered", "delivered", None)]
        );
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let r = &requests[0];
    let header = |n: &str| {
        r.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ts: i64 = header("webhook-timestamp").parse().unwrap();
    assert!((now - ts).abs() < 60);
    let verifier = hookproof::Verifier::from_texts([SECRET]).unwrap();
    verifier
        .verify_parts(
            &header("webhook-id"),
            &header("webhook-timestamp"),
            &header("webhook-signature"),
            &r.body,
            now,
        )
        .unwrap();
    let event = hookproof::parse_event(&r.body).unwrap();
    assert_eq!(event.event_type(), "connection.connected");
    let tags: Vec<_> = event.company_tags().collect();
    assert_eq!(tags, vec![("region", "us"), ("service", "t2k")]);
    assert_eq!(header("content-type"), "application/json");
}

#[test]
fn send_301_is_followed_by_legacy_and_retried_by_current() {
    let moved = Reply {
        status: 301,
        headers: vec![("location", "/moved".into())],
        delay: Duration::ZERO,
    };
    let server = Server::start(vec![moved.clone(), reply(200)]);
    let json = send(&server, "legacy", &[]);
    assert_eq!(
        timeline(&json),
        vec![
            t(301, "redirect", "follow_redirect", None),
            t(200, "delivered", "delivered", None)
        ]
    );
    assert_eq!(server.requests()[1].path, "/moved");
    assert_eq!(
        json["attempts"][1]["attempt"], 1,
        "a followed redirect is part of the same attempt"
    );

    let server = Server::start(vec![moved, reply(200)]);
    let json = send(&server, "current", &[]);
    assert_eq!(
        timeline(&json),
        vec![
            t(301, "retry", "retry", Some(5.0)),
            t(200, "delivered", "delivered", None)
        ]
    );
    assert_eq!(server.requests()[1].path, "/hooks");
}

#[test]
fn send_400_is_dropped_by_legacy_and_retried_eight_times_by_current() {
    let server = Server::start(vec![reply(400)]);
    let json = send(&server, "legacy", &[]);
    assert_eq!(timeline(&json), vec![t(400, "failed", "give_up", None)]);
    assert_eq!(json["verdict"]["reason"], "unrecoverable");

    let server = Server::start(vec![reply(400)]);
    let json = send(&server, "current", &[]);
    let afters: Vec<Option<f64>> = timeline(&json).iter().map(|e| e.3).collect();
    assert_eq!(
        afters,
        vec![
            Some(5.0),
            Some(300.0),
            Some(1800.0),
            Some(7200.0),
            Some(18000.0),
            Some(36000.0),
            Some(36000.0),
            None
        ]
    );
    assert_eq!(
        json["verdict"],
        serde_json::json!({"result": "dropped", "reason": "retries_exhausted", "attempts": 8})
    );
    assert_eq!(server.requests().len(), 8);
}

#[test]
fn send_503_then_200_is_retried_on_each_schedule() {
    let server = Server::start(vec![reply(503), reply(200)]);
    let json = send(&server, "legacy", &[]);
    assert_eq!(
        timeline(&json),
        vec![
            t(503, "retry", "retry", Some(15.0)),
            t(200, "delivered", "delivered", None)
        ]
    );
    let server = Server::start(vec![reply(503), reply(503), reply(503), reply(503)]);
    let json = send(&server, "legacy", &[]);
    let afters: Vec<Option<f64>> = timeline(&json).iter().map(|e| e.3).collect();
    assert_eq!(afters, vec![Some(15.0), Some(30.0), Some(60.0), None]);
    assert_eq!(json["verdict"]["reason"], "retries_exhausted");
    let server = Server::start(vec![reply(503), reply(200)]);
    let json = send(&server, "current", &[]);
    assert_eq!(
        timeline(&json),
        vec![
            t(503, "retry", "retry", Some(5.0)),
            t(200, "delivered", "delivered", None)
        ]
    );
}

#[test]
fn send_429_honours_retry_after_seconds_and_http_date_under_legacy_only() {
    let busy = Reply {
        status: 429,
        headers: vec![("retry-after", "1".into())],
        delay: Duration::ZERO,
    };
    // At --time-scale 1 the wait is the consumer's, in real time…
    let server = Server::start(vec![busy.clone(), reply(200)]);
    let started = Instant::now();
    let out = run(
        &[
            "send",
            &server.url,
            "--secret",
            SECRET,
            "--policy",
            "legacy",
            "--time-scale",
            "1",
            "--json",
        ],
        None,
    );
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After is waited for in real time"
    );
    let json: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        timeline(&json),
        vec![
            t(429, "retry", "retry", Some(1.0)),
            t(200, "delivered", "delivered", None)
        ]
    );
    assert_eq!(json["attempts"][0]["decision"]["retryAfterHonoured"], true);

    // …and, like every wait, compressed by --time-scale (the timeline keeps Codat's clock):
    // ten minutes at 0.00001 is 6 ms, far below the 10 minutes it would take uncompressed.
    let ten_minutes = Reply {
        status: 429,
        headers: vec![("retry-after", "600".into())],
        delay: Duration::ZERO,
    };
    let server = Server::start(vec![ten_minutes, reply(200)]);
    let started = Instant::now();
    let json = send(&server, "legacy", &[]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "Retry-After follows --time-scale"
    );
    assert_eq!(
        timeline(&json),
        vec![
            t(429, "retry", "retry", Some(600.0)),
            t(200, "delivered", "delivered", None)
        ]
    );

    let server = Server::start(vec![busy, reply(200)]);
    let json = send(&server, "current", &[]);
    assert_eq!(
        timeline(&json),
        vec![
            t(429, "retry", "retry", Some(5.0)),
            t(200, "delivered", "delivered", None)
        ]
    );
    assert_eq!(json["attempts"][0]["decision"]["retryAfterHonoured"], false);

    // Two minutes ahead, so the seconds the CLI takes to start on a busy machine cannot move
    // the wait it computes out of the window below (a date 2 s ahead could).
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 120;
    let date = hookproof::HttpDate::new(at).unwrap().to_string();
    let server = Server::start(vec![
        Reply {
            status: 429,
            headers: vec![("retry-after", date)],
            delay: Duration::ZERO,
        },
        reply(200),
    ]);
    let json = send(&server, "legacy", &[]);
    let after = timeline(&json)[0].3.unwrap();
    assert!(
        (60.0..=120.0).contains(&after),
        "HTTP-date Retry-After gave {after}"
    );
    assert_eq!(json["verdict"]["result"], "delivered");
}

#[test]
fn send_a_response_slower_than_the_deadline_is_a_timeout() {
    let slow = Reply {
        status: 200,
        headers: Vec::new(),
        delay: Duration::from_secs(3),
    };
    let server = Server::start(vec![slow.clone(), reply(200)]);
    let json = send(&server, "legacy", &["--deadline", "1"]);
    assert_eq!(
        timeline(&json),
        vec![
            t("timeout", "retry", "retry", Some(15.0)),
            t(200, "delivered", "delivered", None)
        ]
    );
    let server = Server::start(vec![slow, reply(200)]);
    let json = send(&server, "current", &["--deadline", "1"]);
    assert_eq!(
        timeline(&json),
        vec![
            t("timeout", "retry", "retry", Some(5.0)),
            t(200, "delivered", "delivered", None)
        ]
    );
}

#[test]
fn send_webhook_delivery_abort_message_stops_the_current_policy() {
    let abort = Reply {
        status: 500,
        headers: vec![("webhook-delivery", "abort-message".into())],
        delay: Duration::ZERO,
    };
    let server = Server::start(vec![abort]);
    let json = send(&server, "current", &[]);
    assert_eq!(timeline(&json), vec![t(500, "failed", "give_up", None)]);
    assert_eq!(json["verdict"]["reason"], "aborted");
}

#[test]
fn send_to_a_closed_port_is_a_connection_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let out = run(
        &[
            "send",
            &url,
            "--secret",
            SECRET,
            "--policy",
            "legacy",
            "--time-scale",
            "0",
            "--json",
        ],
        None,
    );
    let json: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let statuses: Vec<&Value> = json["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, vec!["connection_error"; 4]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn send_legacy_body_with_authorization_and_client_id() {
    let server = Server::start(vec![reply(200)]);
    let out = run(
        &[
            "send",
            &server.url,
            "--legacy-body",
            "--event-type",
            "Data sync completed",
            "--authorization",
            "Bearer tok_1",
            "--client-id",
            "bae71d36-ff47-420a-b4a6-f8c9ddf41140",
            "--header",
            "X-Extra: yes",
            "--policy",
            "legacy",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("✔ delivered after 1 attempt(s)"));
    let r = &server.requests()[0];
    let header = |n: &str| {
        r.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("authorization"), Some("Bearer tok_1"));
    assert_eq!(
        header("x-codat-clientid"),
        Some("bae71d36-ff47-420a-b4a6-f8c9ddf41140")
    );
    assert_eq!(header("x-extra"), Some("yes"));
    assert_eq!(
        header("webhook-signature"),
        None,
        "legacy webhooks without --secret carry no signature"
    );
    match hookproof::parse_event(&r.body).unwrap() {
        hookproof::Event::Legacy {
            rule_type,
            client_id,
            ..
        } => {
            assert_eq!(rule_type, "Data sync completed");
            assert_eq!(
                client_id.as_deref(),
                Some("bae71d36-ff47-420a-b4a6-f8c9ddf41140")
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// send to https://, against a local TLS server with a CA made here

/// A CA and a server certificate for 127.0.0.1 that it issued, valid from `from` to `until`.
struct Pki {
    ca_pem: String,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: Vec<u8>,
}

fn pki(name: &str, from: (i32, u8, u8), until: (i32, u8, u8)) -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, name);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    leaf.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
    leaf.not_after = rcgen::date_time_ymd(until.0, until.1, until.2);
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        chain: vec![cert.der().clone()],
        key: key.serialize_der(),
    }
}

/// An HTTPS server on 127.0.0.1 answering every request `200 ok`; counts completed
/// handshakes. Stopped on drop.
struct TlsServer {
    url: String,
    served: Arc<Mutex<usize>>,
    _accept: AcceptLoop,
}

impl TlsServer {
    fn start(pki: &Pki) -> TlsServer {
        TlsServer::start_with(
            pki,
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok".into(),
        )
    }

    /// As `start`, answering every request with `response` instead.
    fn start_with(pki: &Pki, response: String) -> TlsServer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                pki.chain.clone(),
                rustls::pki_types::PrivateKeyDer::Pkcs8(pki.key.clone().into()),
            )
            .unwrap();
        let config = Arc::new(config);
        let served = Arc::new(Mutex::new(0));
        let count = served.clone();
        let accept = AcceptLoop::start(move |tcp, _| {
            serve_tls(tcp, config.clone(), &count, response.as_bytes());
            None
        });
        TlsServer {
            url: format!("https://{}/hooks", accept.addr),
            served,
            _accept: accept,
        }
    }
}

fn serve_tls(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    served: &Mutex<usize>,
    response: &[u8],
) {
    tcp.set_nonblocking(false).ok();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut reader = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    // A client that refuses the certificate ends the handshake here.
    if read_request_body(&mut reader, false).is_none() {
        return;
    }
    *served.lock().unwrap() += 1;
    let mut stream = reader.into_inner();
    stream.write_all(response).ok();
    stream.conn.send_close_notify();
    stream.flush().ok();
}

fn send_tls(url: &str, policy: &str, cacert: Option<&Path>) -> Value {
    let mut args = vec![
        "send".to_owned(),
        url.to_owned(),
        "--secret".into(),
        SECRET.into(),
        "--policy".into(),
        policy.into(),
        "--time-scale".into(),
        "0.00001".into(),
        "--json".into(),
    ];
    if let Some(p) = cacert {
        args.push(format!("--cacert={}", p.display()));
    }
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    let text = stdout(&out);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)))
}

/// Every attempt a connection error naming `reason`, retried by the policy until it gives up.
fn assert_tls_failure(json: &Value, policy: &str, reason: &str) {
    let attempts = json["attempts"].as_array().unwrap();
    let want = if policy == "legacy" { 4 } else { 8 };
    assert_eq!(attempts.len(), want, "{json}");
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a["status"], "connection_error", "{a}");
        assert_eq!(a["classification"], "retry", "{a}");
        let error = a["error"].as_str().unwrap();
        assert!(error.contains(reason), "{error}");
        let action = if i + 1 < want { "retry" } else { "give_up" };
        assert_eq!(a["decision"]["action"], action, "{a}");
    }
    assert_eq!(json["verdict"]["reason"], "retries_exhausted");
}

#[test]
fn send_over_https_trusted_untrusted_expired() {
    let dir = temp_dir("tls");
    let good = pki("hookproof test CA", (2020, 1, 1), (2100, 1, 1));
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &good.ca_pem).unwrap();
    let server = TlsServer::start(&good);
    for policy in ["legacy", "current"] {
        // Trusted through --cacert: delivered on the first attempt.
        let json = send_tls(&server.url, policy, Some(&ca));
        assert_eq!(
            timeline(&json),
            vec![t(200, "delivered", "delivered", None)]
        );
        // The same server without --cacert: its CA is not among Mozilla's roots.
        let json = send_tls(&server.url, policy, None);
        assert_tls_failure(&json, policy, "UnknownIssuer");
    }
    assert_eq!(*server.served.lock().unwrap(), 2);
    drop(server);

    // Trusted CA, expired certificate.
    let expired = pki("hookproof expired CA", (2020, 1, 1), (2021, 1, 1));
    let ca = dir.join("expired-ca.pem");
    std::fs::write(&ca, &expired.ca_pem).unwrap();
    let server = TlsServer::start(&expired);
    for policy in ["legacy", "current"] {
        let json = send_tls(&server.url, policy, Some(&ca));
        assert_tls_failure(&json, policy, "certificate expired");
    }
    assert_eq!(*server.served.lock().unwrap(), 0);

    // Another CA's file trusts neither.
    let other = pki("hookproof other CA", (2020, 1, 1), (2100, 1, 1));
    let other_ca = dir.join("other-ca.pem");
    std::fs::write(&other_ca, &other.ca_pem).unwrap();
    let server = TlsServer::start(&good);
    let json = send_tls(&server.url, "current", Some(&other_ca));
    assert_tls_failure(&json, "current", "UnknownIssuer");
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------
// fail closed: redirects, secrets off the command line, escaped output, bounded waits and runs,
// one meaning for @FILE and -, headers files in every form

/// An HTTP server on 127.0.0.1 answering each request with the next raw response (the last one
/// repeats), written as given: any status line, headers and body bytes. Stopped on drop.
struct RawServer {
    url: String,
    origin: String,
    requests: Arc<Mutex<Vec<Request>>>,
    _accept: AcceptLoop,
}

impl RawServer {
    fn start(script: Vec<Vec<u8>>) -> RawServer {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let r = requests.clone();
        let mut served = 0;
        let accept = AcceptLoop::start(move |stream, _| {
            let response = &script[served.min(script.len() - 1)];
            served += 1;
            serve_raw(stream, response, &r);
            None
        });
        let origin = format!("http://{}", accept.addr);
        RawServer {
            url: format!("{origin}/hooks"),
            origin,
            requests,
            _accept: accept,
        }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve_raw(stream: TcpStream, response: &[u8], requests: &Mutex<Vec<Request>>) {
    let Some(mut stream) = record_request(stream, requests) else {
        return;
    };
    stream.write_all(response).ok();
}

/// A raw response: `status`, extra header lines, `body`, `connection: close`.
fn raw(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for h in headers {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

fn header_of<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Runs `send` with `args`; returns (exit code, parsed --json output or Null, stdout, stderr).
fn send_args(args: &[&str], stdin: Option<&[u8]>) -> (Option<i32>, Value, String, String) {
    let out = run(args, stdin);
    let text = stdout(&out);
    let json = serde_json::from_str(text.trim()).unwrap_or(Value::Null);
    (
        out.status.code(),
        json,
        text,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn send_redirects_never_carry_credentials_to_another_origin() {
    let other = RawServer::start(vec![raw("200 OK", &[], b"ok")]);
    // Same origin: followed with everything.
    let home = RawServer::start(vec![
        raw("307 Temporary Redirect", &["location: /moved"], b""),
        raw("200 OK", &[], b"ok"),
    ]);
    let common = [
        "--secret",
        SECRET,
        "--policy",
        "legacy",
        "--authorization",
        "Bearer tok_1",
        "--header",
        "X-Api-Key: key_1",
        "--json",
    ];
    let mut args = vec!["send", home.url.as_str()];
    args.extend(common);
    let (code, json, ..) = send_args(&args, None);
    assert_eq!(code, Some(0), "{json}");
    let moved = &home.requests()[1];
    assert_eq!(moved.path, "/moved");
    assert_eq!(header_of(moved, "authorization"), Some("Bearer tok_1"));
    assert_eq!(header_of(moved, "x-api-key"), Some("key_1"));
    assert!(header_of(moved, "webhook-signature").is_some());

    // Another origin (another port): followed, without Authorization, --header or webhook-*.
    let location = format!("location: {}/elsewhere", other.origin);
    let away = RawServer::start(vec![raw("307 Temporary Redirect", &[&location], b"")]);
    let mut args = vec!["send", away.url.as_str()];
    args.extend(common);
    let (code, json, ..) = send_args(&args, None);
    assert_eq!(code, Some(0), "{json}");
    let first = &away.requests()[0];
    assert_eq!(header_of(first, "authorization"), Some("Bearer tok_1"));
    let there = &other.requests()[0];
    assert_eq!(there.path, "/elsewhere");
    for name in [
        "authorization",
        "x-api-key",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    ] {
        assert_eq!(
            header_of(there, name),
            None,
            "{name} sent to another origin"
        );
    }
    assert_eq!(json["attempts"][0]["credentialsWithheld"], true);

    // --location-trusted: sent there too, as curl's flag of that name.
    let mut args = vec!["send", away.url.as_str(), "--location-trusted"];
    args.extend(common);
    let (code, ..) = send_args(&args, None);
    assert_eq!(code, Some(0));
    let there = &other.requests()[1];
    assert_eq!(header_of(there, "authorization"), Some("Bearer tok_1"));
    assert_eq!(header_of(there, "x-api-key"), Some("key_1"));
    assert!(header_of(there, "webhook-signature").is_some());
}

#[test]
fn send_never_follows_https_to_http() {
    let plain = RawServer::start(vec![raw("200 OK", &[], b"ok")]);
    let dir = temp_dir("downgrade");
    let good = pki("hookproof test CA", (2020, 1, 1), (2100, 1, 1));
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &good.ca_pem).unwrap();
    let location = format!("{}/cleartext", plain.origin);
    let server = TlsServer::start_with(
        &good,
        format!(
            "HTTP/1.1 301 Moved\r\nconnection: close\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n"
        ),
    );
    let cacert = format!("--cacert={}", ca.display());
    for trusted in [false, true] {
        let mut args = vec![
            "send",
            server.url.as_str(),
            "--secret",
            SECRET,
            "--authorization",
            "Bearer tok_1",
            "--policy",
            "legacy",
            "--json",
            cacert.as_str(),
        ];
        if trusted {
            args.push("--location-trusted");
        }
        let (code, json, ..) = send_args(&args, None);
        assert_eq!(code, Some(1), "{json}");
        assert_eq!(json["verdict"]["reason"], "insecure_redirect", "{json}");
    }
    assert!(plain.requests().is_empty(), "sent in cleartext");
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

/// Codat's documented svix example (tests/vectors, peers-and-codat.md): this secret, id,
/// timestamp and body sign to this signature.
const DOC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const DOC_TS: &str = "1614265330";
const DOC_BODY: &str = r#"{"test": 2432232314}"#;
const DOC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

#[test]
fn secrets_from_a_file_the_environment_and_standard_input() {
    let dir = temp_dir("secrets");
    let file = dir.join("secret");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    let body = dir.join("body.json");
    std::fs::write(&body, DOC_BODY).unwrap();
    let file_s = file.display().to_string();
    let at_file = format!("@{file_s}");
    let at_body = format!("@{}", body.display());
    let sign = |secret_args: &[&str], stdin: Option<&[u8]>, envs: &[(&str, &str)]| {
        let mut cmd = Command::new(BIN);
        cmd.args(["sign"])
            .args(secret_args)
            .args([
                "--id",
                DOC_ID,
                "--timestamp",
                DOC_TS,
                "--format",
                "signature",
            ])
            .arg(&at_body)
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.unwrap_or_default())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), stdout(&out).trim().to_owned())
    };
    let want = (Some(0), DOC_SIGNATURE.to_owned());
    assert_eq!(sign(&["--secret-file", &file_s], None, &[]), want);
    assert_eq!(sign(&["--secret", &at_file], None, &[]), want);
    let stdin = format!("{SECRET}\n");
    assert_eq!(
        sign(&["--secret-file", "-"], Some(stdin.as_bytes()), &[]),
        want
    );
    assert_eq!(sign(&["--secret", "-"], Some(stdin.as_bytes()), &[]), want);
    assert_eq!(
        sign(
            &["--secret-env", "HOOKPROOF_TEST_SECRET"],
            None,
            &[("HOOKPROOF_TEST_SECRET", SECRET)]
        ),
        want
    );
    // Missing or empty: an error, never an unsigned message.
    let empty = dir.join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let empty_s = empty.display().to_string();
    assert_eq!(sign(&["--secret-file", &empty_s], None, &[]).0, Some(2));
    assert_eq!(
        sign(&["--secret-env", "HOOKPROOF_TEST_UNSET"], None, &[]).0,
        Some(2)
    );
    assert_eq!(sign(&[], None, &[]).0, Some(2));

    // verify reads them the same way.
    let out = run(
        &[
            "verify",
            "--secret-file",
            &file_s,
            "--msg-id",
            DOC_ID,
            "--timestamp",
            DOC_TS,
            "--signature",
            DOC_SIGNATURE,
            &at_body,
        ],
        None,
    );
    assert!(out.status.success(), "{}", stdout(&out));

    // send: the secret and the legacy Authorization credential from a file or the environment.
    let auth = dir.join("auth");
    std::fs::write(&auth, "Bearer tok_file\n").unwrap();
    let server = Server::start(vec![reply(200)]);
    let out = Command::new(BIN)
        .args([
            "send",
            &server.url,
            "--secret-file",
            &file_s,
            "--policy",
            "legacy",
        ])
        .args(["--authorization-file", &auth.display().to_string()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stdout(&out));
    let out = Command::new(BIN)
        .args([
            "send",
            &server.url,
            "--secret-env",
            "HOOKPROOF_TEST_SECRET",
            "--policy",
            "legacy",
        ])
        .args(["--authorization-env", "HOOKPROOF_TEST_AUTH"])
        .env("HOOKPROOF_TEST_SECRET", SECRET)
        .env("HOOKPROOF_TEST_AUTH", "Bearer tok_env")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stdout(&out));
    let requests = server.requests();
    assert_eq!(
        header_of(&requests[0], "authorization"),
        Some("Bearer tok_file")
    );
    assert_eq!(
        header_of(&requests[1], "authorization"),
        Some("Bearer tok_env")
    );
    let verifier = hookproof::Verifier::from_texts([SECRET]).unwrap();
    for r in &requests {
        verifier
            .verify(r.headers.as_slice(), &r.body, unix_now())
            .unwrap();
    }
    // A credential with a line break would forge headers: refused.
    std::fs::write(&auth, "Bearer a\nX-Forged: 1\n").unwrap();
    let (code, ..) = send_args(
        &[
            "send",
            &server.url,
            "--authorization",
            &format!("@{}", auth.display()),
        ],
        None,
    );
    assert_eq!(code, Some(2));
    assert_eq!(server.requests().len(), 2);

    // --help says where secrets should come from, and that --secret is visible.
    for sub in ["verify", "sign", "send"] {
        let help = stdout(&run(&[sub, "--help"], None));
        let file_at = help.find("--secret-file").unwrap();
        let value_at = help.find("--secret <").unwrap();
        assert!(file_at < value_at, "{sub} --help lists --secret first");
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            help.contains("visible to every local user"),
            "{sub}: {help}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn send_escapes_control_characters_from_the_network() {
    // OSC title, bell, clear screen, a C1 CSI (U+009B), a right-to-left override, CR LF.
    let hostile = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}evil\r\n";
    let server = RawServer::start(vec![raw("400 Bad Request", &[], hostile.as_bytes())]);
    let (code, json, text, _) = send_args(
        &[
            "send",
            &server.url,
            "--secret",
            SECRET,
            "--policy",
            "legacy",
        ],
        None,
    );
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(json, Value::Null);
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{text:?}"
    );
    assert!(text.contains(r"\x1b]0;pwned\x07\x1b[2J"), "{text}");
    assert!(text.contains(r"\x9b31m\u{202e}evil\x0d\x0a"), "{text}");
    // A body that is not UTF-8 is shown with replacement characters, escaped all the same.
    let server = RawServer::start(vec![raw("400 Bad Request", &[], b"\xff\x1b[2J")]);
    let (_, _, text, _) = send_args(
        &[
            "send",
            &server.url,
            "--secret",
            SECRET,
            "--policy",
            "legacy",
        ],
        None,
    );
    assert!(text.contains("\u{fffd}\\x1b[2J"), "{text}");
    // JSON output keeps the bytes, escaped by JSON itself.
    let server = RawServer::start(vec![raw("400 Bad Request", &[], b"\x1b[2J")]);
    let (_, json, text, _) = send_args(
        &[
            "send",
            &server.url,
            "--secret",
            SECRET,
            "--policy",
            "legacy",
            "--json",
        ],
        None,
    );
    assert_eq!(json["attempts"][0]["response"], "\u{1b}[2J");
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn send_caps_a_retry_after_wait() {
    // The audit's far-future date: Codat's clock says thousands of years.
    let far = RawServer::start(vec![
        raw(
            "429 Too Many Requests",
            &["retry-after: Fri, 31 Dec 9999 23:59:59 GMT"],
            b"",
        ),
        raw("200 OK", &[], b"ok"),
    ]);
    let started = Instant::now();
    let (code, json, _, stderr) = send_args(
        &[
            "send",
            &far.url,
            "--secret",
            SECRET,
            "--policy",
            "legacy",
            "--max-wait",
            "1s",
            "--json",
        ],
        None,
    );
    let took = started.elapsed();
    assert_eq!(code, Some(0), "{json} {stderr}");
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    let decision = &json["attempts"][0]["decision"];
    assert!(decision["after"].as_f64().unwrap() > 1e9, "{decision}");
    assert_eq!(decision["waited"], 1.0);
    assert!(stderr.contains("Retry-After waits at most 1s"), "{stderr}");

    // The default cap is stated in --help.
    let help = stdout(&run(&["send", "--help"], None));
    assert!(help.contains("[default: 5m]"), "{help}");
    let bad = run(&["send", &far.url, "--max-wait", "soon"], None);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn send_is_bounded_by_default_and_says_so() {
    // In real time, the current policy's first wait is 5 s: --within 2s stops before it.
    let server = Server::start(vec![reply(503)]);
    let started = Instant::now();
    let (code, json, _, stderr) = send_args(
        &[
            "send",
            &server.url,
            "--secret",
            SECRET,
            "--within",
            "2s",
            "--json",
        ],
        None,
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(code, Some(1));
    assert_eq!(
        json["verdict"],
        serde_json::json!({"result": "stopped", "reason": "within", "attempts": 1})
    );
    assert!(stderr.contains("--within none lifts it"), "{stderr}");
    assert_eq!(server.requests().len(), 1);

    // --max-attempts: stops after N, before the policy's 8.
    let server = Server::start(vec![reply(400)]);
    let json = send(&server, "current", &["--max-attempts", "2"]);
    assert_eq!(
        json["verdict"],
        serde_json::json!({"result": "stopped", "reason": "max_attempts", "attempts": 2})
    );
    assert_eq!(server.requests().len(), 2);

    // With no flag at all the bound is named on standard error, with how to lift it.
    let server = Server::start(vec![reply(200)]);
    let (code, _, text, stderr) = send_args(&["send", &server.url, "--secret", SECRET], None);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("10m") && stderr.contains("--within none"),
        "{stderr}"
    );
    assert!(stderr.contains("--time-scale 0.001"), "{stderr}");
}

#[test]
fn at_file_and_dash_mean_the_same_for_every_flag() {
    let dir = temp_dir("at-file");
    let body = dir.join("body.json");
    std::fs::write(&body, DOC_BODY).unwrap();
    let headers = dir.join("headers.txt");
    std::fs::write(
        &headers,
        format!("webhook-id: {DOC_ID}\nwebhook-timestamp: {DOC_TS}\nwebhook-signature: {DOC_SIGNATURE}\n"),
    )
    .unwrap();
    let signature = dir.join("signature");
    std::fs::write(&signature, format!("{DOC_SIGNATURE}\n")).unwrap();
    let extra = dir.join("extra");
    std::fs::write(&extra, "X-Api-Key: key_file\nX-Other: 2\n").unwrap();
    let (at_body, at_headers, at_signature, at_extra) = (
        format!("@{}", body.display()),
        format!("@{}", headers.display()),
        format!("@{}", signature.display()),
        format!("@{}", extra.display()),
    );
    let verify = |args: &[&str], stdin: Option<&[u8]>| {
        let mut all = vec!["verify", "--secret", SECRET, "--ignore-timestamp"];
        all.extend_from_slice(args);
        run(&all, stdin).status.code()
    };
    // --headers: FILE, @FILE or -.
    let headers_s = headers.display().to_string();
    assert_eq!(verify(&["--headers", &headers_s, &at_body], None), Some(0));
    assert_eq!(verify(&["--headers", &at_headers, &at_body], None), Some(0));
    let headers_text = std::fs::read(&headers).unwrap();
    assert_eq!(
        verify(&["--headers", "-", &at_body], Some(&headers_text)),
        Some(0)
    );
    // --signature: the value, @FILE or -.
    let parts = ["--id", DOC_ID, "--timestamp", DOC_TS, "--signature"];
    fn with<'a>(parts: &[&'a str], sig: &'a str, body: &'a str) -> Vec<&'a str> {
        [parts, &[sig, body]].concat()
    }
    assert_eq!(
        verify(&with(&parts, &at_signature, &at_body), None),
        Some(0)
    );
    assert_eq!(
        verify(&with(&parts, "-", &at_body), Some(DOC_SIGNATURE.as_bytes())),
        Some(0)
    );
    // Standard input is read once: two `-` is an error, not an empty value.
    assert_eq!(
        verify(&with(&parts, "-", "-"), Some(DOC_SIGNATURE.as_bytes())),
        Some(2)
    );

    // send: --body FILE / @FILE / -, --header @FILE, --cacert @FILE.
    let server = Server::start(vec![reply(200)]);
    let body_s = body.display().to_string();
    for (value, stdin) in [
        (body_s.as_str(), None),
        (at_body.as_str(), None),
        ("-", Some(DOC_BODY.as_bytes())),
    ] {
        let (code, ..) = send_args(
            &[
                "send",
                &server.url,
                "--secret",
                SECRET,
                "--body",
                value,
                "--header",
                &at_extra,
            ],
            stdin,
        );
        assert_eq!(code, Some(0));
    }
    for r in server.requests() {
        assert_eq!(r.body, DOC_BODY.as_bytes());
        assert_eq!(header_of(&r, "x-api-key"), Some("key_file"));
        assert_eq!(header_of(&r, "x-other"), Some("2"));
    }
    let good = pki("hookproof test CA", (2020, 1, 1), (2100, 1, 1));
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &good.ca_pem).unwrap();
    let tls = TlsServer::start(&good);
    let at_ca = format!("@{}", ca.display());
    let (code, json, ..) = send_args(
        &[
            "send", &tls.url, "--secret", SECRET, "--cacert", &at_ca, "--json",
        ],
        None,
    );
    assert_eq!(code, Some(0), "{json}");
    drop(tls);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn headers_files_in_every_form_and_unreadable_lines_named() {
    let dir = temp_dir("headers-forms");
    let body = dir.join("body.json");
    std::fs::write(&body, DOC_BODY).unwrap();
    let at_body = format!("@{}", body.display());
    let check = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = run(
            &[
                "verify",
                "--secret",
                SECRET,
                "--ignore-timestamp",
                "--headers",
                &path.display().to_string(),
                &at_body,
            ],
            None,
        );
        (
            out.status.code(),
            format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let h = format!(
        "webhook-id: {DOC_ID}\r\nwebhook-timestamp: {DOC_TS}\r\nwebhook-signature: {DOC_SIGNATURE}\r\n"
    );
    // A raw HTTP request capture, body included.
    let capture = format!(
        "POST /codat HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n{h}\r\n{DOC_BODY}"
    );
    let (code, text) = check("capture.http", &capture);
    assert_eq!(code, Some(0), "{text}");
    // curl -v output: request lines, response lines and info lines.
    let curl: String = [
        "*   Trying 127.0.0.1:8787...".to_owned(),
        "* Connected to 127.0.0.1 (127.0.0.1) port 8787".to_owned(),
        "> POST /codat HTTP/1.1".to_owned(),
        "> Host: 127.0.0.1:8787".to_owned(),
        format!("> webhook-id: {DOC_ID}"),
        format!("> webhook-timestamp: {DOC_TS}"),
        format!("> webhook-signature: {DOC_SIGNATURE}"),
        ">".to_owned(),
        "} [20 bytes data]".to_owned(),
        "< HTTP/1.1 202 Accepted".to_owned(),
        "< webhook-id: msg_the_response_not_the_request".to_owned(),
        "<".to_owned(),
        "* Connection #0 to host 127.0.0.1 left intact".to_owned(),
    ]
    .join("\n");
    let (code, text) = check("curl.txt", &curl);
    assert_eq!(code, Some(0), "{text}");
    // A line it cannot read is named, with its number, never skipped.
    let (code, text) = check("bad.txt", &format!("{h}this line is prose, not a header\n"));
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("line 4") && text.contains("this line is prose"),
        "{text}"
    );
    let (code, text) = check("bad-curl.txt", &format!("{curl}\n{{\"ok\":true}}\n"));
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("line 14"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}
