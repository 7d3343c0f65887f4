//! The suite's signature vectors (`tests/vectors/signature.json`) through the gateway: each
//! `verify` case becomes a route with the case's secrets, and its request is sent over a real
//! socket on 127.0.0.1 at the case's `now` (the gateway's clock is injected). The gateway must
//! give the core's verdicts: a valid case passes authentication, an invalid one is answered
//! 401 with the vector's error code, and a secret the core refuses fails the config with that
//! code. The gateway reads keys as an API taking every kind of key does, so `kindsStated`
//! gives the verdict where the vector has one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use hookproof_gateway::Config;
use hookproof_gateway::server::{Clock, Gateway, serve};
use serde_json::Value;

struct Case {
    id: u64,
    now: i64,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    result: String,
    error: Option<String>,
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn secret_text(secret: &Value) -> String {
    match secret {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            let raw = hex(o["hex"].as_str().unwrap());
            format!(
                "whsec_{}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            )
        }
        other => panic!("secret {other}"),
    }
}

/// A TOML route with `secrets` (each a TOML basic string: JSON's escapes are TOML's).
fn route(path: &str, secrets: &[String], tolerance: Option<u64>) -> String {
    let list: Vec<String> = secrets
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
    let mut text = format!(
        "[[routes]]\npath = \"{path}\"\nsecrets = [{}]\nsink = {{ http = \"http://127.0.0.1:9/\", timeout_ms = 200 }}\n",
        list.join(", ")
    );
    if let Some(t) = tolerance {
        text.push_str(&format!("tolerance_secs = {t}\n"));
    }
    text
}

const HEAD: &str = "listen = \"127.0.0.1:0\"\nunauthenticated_per_second = 1000000\nunauthenticated_burst = 1000000\n\n";

/// Whether HTTP/1.1 carries `value` as it is: visible ASCII, spaces and tabs inside, none at
/// either end (RFC 9110 §5.5: a field value's surrounding whitespace is not part of it).
fn sendable(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        && value.trim_matches([' ', '\t']) == value
}

#[test]
fn signature_vectors_through_the_gateway() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/signature.json");
    let suite: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut routes = String::new();
    let mut cases = Vec::new();
    let (mut config_refusals, mut skipped) = (0, Vec::new());
    for t in suite["tests"].as_array().unwrap() {
        if t["op"] != "verify" {
            continue;
        }
        let id = t["tcId"].as_u64().unwrap();
        let expected = t.get("kindsStated").unwrap_or(t);
        let result = expected["result"].as_str().unwrap().to_owned();
        let error = expected["error"].as_str().map(str::to_owned);
        // Options the gateway's config states differently: no `ignore` window, no fractional
        // or out-of-range tolerance, and max_body_bytes instead of a payload bound.
        let tolerance = match t.get("tolerance") {
            None => None,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|s| s <= 86_400) => n.as_u64(),
            Some(_) => {
                skipped.push(id);
                continue;
            }
        };
        if t.get("maxPayload").is_some() {
            skipped.push(id);
            continue;
        }
        let now = t["now"].as_i64().unwrap_or(-1);
        let headers: Vec<(String, String)> = t["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().to_owned(),
                    h[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        // A clock before 1970 or past u64 milliseconds, or a header HTTP/1.1 cannot carry.
        if !(0..=i64::MAX / 1000).contains(&now)
            || !headers
                .iter()
                .all(|(k, v)| sendable(k) && sendable(v) && !k.is_empty())
        {
            skipped.push(id);
            continue;
        }
        let secrets: Vec<String> = t["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(secret_text)
            .collect();
        let path = format!("/v{id}");
        let one = route(&path, &secrets, tolerance);
        if let Err(errors) = Config::parse(&format!("{HEAD}{one}")) {
            // The core refused a secret: the config names the code (never the secret).
            let text = errors.to_string();
            let code = error.clone().unwrap_or_default();
            assert_eq!(result, "invalid", "tcId {id}: config refused: {text}");
            assert!(
                text.contains(&format!("({code})")),
                "tcId {id}: expected {code}, config says {text}"
            );
            config_refusals += 1;
            continue;
        }
        routes.push_str(&one);
        cases.push(Case {
            id,
            now,
            headers,
            body: match (t.get("body"), t.get("bodyHex")) {
                (Some(b), _) => b.as_str().unwrap().as_bytes().to_vec(),
                (_, Some(h)) => hex(h.as_str().unwrap()),
                _ => Vec::new(),
            },
            result,
            error,
        });
    }
    let config = Config::parse(&format!("{HEAD}{routes}")).unwrap();
    let clock = Arc::new(AtomicU64::new(0));
    let gateway = {
        let clock = clock.clone();
        Gateway::new(config)
            .unwrap()
            .with_clock(Clock(Arc::new(move || clock.load(Ordering::SeqCst))))
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            serve(Arc::new(gateway), listener, async {
                let _ = stopped.await;
            })
            .await;
        });
    });

    // In time order: the per-source limit on refused requests (set far above the suite's size)
    // never lets a clock that went backwards pass, as it must not.
    cases.sort_by_key(|c| c.now);
    let mut checked = 0;
    for case in &cases {
        clock.store(case.now as u64 * 1000, Ordering::SeqCst);
        let mut request = format!("POST /v{} HTTP/1.1\r\nhost: 127.0.0.1\r\n", case.id);
        for (k, v) in &case.headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str(&format!("content-length: {}\r\n\r\n", case.body.len()));
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(&case.body).unwrap();
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).unwrap();
        let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim_end().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let answer: Value = serde_json::from_slice(&body).unwrap();
        if case.result == "valid" {
            assert_ne!(
                answer["status"], "unauthorized",
                "tcId {}: valid, but the gateway answered {status} {answer}",
                case.id
            );
        } else {
            assert_eq!(
                (status, answer["code"].as_str()),
                (401, case.error.as_deref()),
                "tcId {}: {answer}",
                case.id
            );
        }
        checked += 1;
    }
    let _ = stop.send(());
    server.join().unwrap();
    println!(
        "signature vectors through the gateway: {checked} requests, {config_refusals} refused at config, skipped {skipped:?}"
    );
    assert!(checked > 100, "only {checked} cases ran");
}
