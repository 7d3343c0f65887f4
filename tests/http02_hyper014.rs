//! The `http02` feature in a real `http` 0.2 service: a hyper 0.14 server on 127.0.0.1 hands
//! its `http::HeaderMap` (http 0.2) straight to `Verifier::verify`. Each request carries the
//! headers and body of a vector of `tests/vectors/signature.json`; the server answers with the
//! verified id and timestamp, or the error code (and the header it names), and the test
//! compares that with the vector's `result`, `verified`, `error` and `header`. Expected values
//! come only from the vector file. The server is started and stopped by the test.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hookproof::{ErrorCode, Secret, Verifier, VerifyError};
use hyper014::body::HttpBody as _;
use hyper014::service::{make_service_fn, service_fn};
use hyper014::{Body, Client, Request, Response, Server, StatusCode};
use serde_json::Value;

/// The largest body the test server reads (the vectors' bodies are far smaller).
const MAX_BODY: u64 = 1 << 20;
/// The bound on the whole exchange of every vector, server start and stop included.
const DEADLINE: Duration = Duration::from_secs(60);

/// What the server verifies a vector's request with: its verifier and its `now`.
type Table = HashMap<u64, (Verifier, i64)>;

struct Case {
    tc_id: u64,
    headers: Vec<(http02::HeaderName, http02::HeaderValue)>,
    body: Vec<u8>,
    expected: String,
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The verify vectors with one text secret that parses, the default tolerance and no payload
/// bound (the options other hosts test), and headers that HTTP/1.1 carries unchanged (valid
/// names and values, no whitespace at either end of a value); the rest are counted as skipped.
fn cases() -> (Table, Vec<Case>, usize) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/signature.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (mut table, mut cases, mut skipped) = (Table::new(), Vec::new(), 0);
    for t in file["tests"].as_array().unwrap() {
        if t["op"] != "verify" {
            continue;
        }
        let tc_id = t["tcId"].as_u64().unwrap();
        let secrets = t["secrets"].as_array().unwrap();
        let secret = match secrets.as_slice() {
            [Value::String(s)] if t.get("tolerance").is_none() && t.get("maxPayload").is_none() => {
                Secret::parse(s)
            }
            _ => {
                skipped += 1;
                continue;
            }
        };
        let Ok(secret) = secret else {
            assert_eq!(
                t["error"], "invalid_secret",
                "tcId {tc_id}: the secret is refused"
            );
            skipped += 1;
            continue;
        };
        let headers: Option<Vec<_>> = t["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                let name = http02::HeaderName::from_bytes(pair[0].as_str()?.as_bytes()).ok()?;
                let value = pair[1].as_str()?;
                // HTTP/1.1 drops a field value's leading and trailing whitespace (RFC 9110,
                // section 5.5): such a value cannot cross the wire unchanged.
                if value.trim_matches([' ', '\t']) != value {
                    return None;
                }
                let value = http02::HeaderValue::from_str(value).ok()?;
                Some((name, value))
            })
            .collect();
        let Some(headers) = headers else {
            skipped += 1;
            continue;
        };
        let body = match (t["body"].as_str(), t["bodyHex"].as_str()) {
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, Some(h)) => hex(h),
            _ => Vec::new(),
        };
        let expected = if t["result"] == "valid" {
            match t.get("verified") {
                Some(v) => format!("valid {} {}", v["id"].as_str().unwrap(), v["timestamp"]),
                None => "valid".to_owned(),
            }
        } else {
            match t["header"].as_str() {
                Some(h) => format!("{} {h}", t["error"].as_str().unwrap()),
                None => t["error"].as_str().unwrap().to_owned(),
            }
        };
        let now = t["now"].as_i64().unwrap();
        table.insert(tc_id, (Verifier::new(&secret), now));
        cases.push(Case {
            tc_id,
            headers,
            body,
            expected,
        });
    }
    (table, cases, skipped)
}

/// The service: the vector named by the path, the request's own `HeaderMap`, its body.
async fn handle(table: Arc<Table>, request: Request<Body>) -> Result<Response<Body>, Infallible> {
    let answer = |status: StatusCode, text: String| {
        let mut response = Response::new(Body::from(text));
        *response.status_mut() = status;
        Ok(response)
    };
    let Some((verifier, now)) = request
        .uri()
        .path()
        .trim_start_matches('/')
        .parse::<u64>()
        .ok()
        .and_then(|tc| table.get(&tc))
    else {
        return answer(StatusCode::NOT_FOUND, String::new());
    };
    let (parts, body) = request.into_parts();
    if body.size_hint().upper().is_none_or(|n| n > MAX_BODY) {
        return answer(StatusCode::PAYLOAD_TOO_LARGE, String::new());
    }
    let Ok(body) = hyper014::body::to_bytes(body).await else {
        return answer(StatusCode::BAD_REQUEST, String::new());
    };
    // hyper 0.14's map is http 0.2's: this line is the feature's point.
    let headers: &http02::HeaderMap = &parts.headers;
    match verifier.verify(headers, &body, *now) {
        Ok(v) => answer(StatusCode::OK, format!("{} {}", v.id, v.timestamp)),
        Err(e @ (VerifyError::MissingHeader(h) | VerifyError::HeaderTooLarge(h))) => answer(
            StatusCode::UNAUTHORIZED,
            format!("{} {}", e.code(), h.name()),
        ),
        Err(e) => answer(StatusCode::UNAUTHORIZED, e.code().to_owned()),
    }
}

async fn exchange(
    client: &Client<hyper014::client::HttpConnector>,
    addr: SocketAddr,
    case: &Case,
) -> String {
    let mut request = Request::post(format!("http://{addr}/{}", case.tc_id))
        .body(Body::from(case.body.clone()))
        .unwrap();
    for (name, value) in &case.headers {
        request.headers_mut().append(name.clone(), value.clone());
    }
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let text = hyper014::body::to_bytes(response.into_body())
        .await
        .unwrap();
    let text = String::from_utf8(text.to_vec()).unwrap();
    match status {
        StatusCode::OK => {
            if text.is_empty() {
                "valid".to_owned()
            } else {
                format!("valid {text}")
            }
        }
        StatusCode::UNAUTHORIZED => text,
        other => panic!("tcId {}: status {other}", case.tc_id),
    }
}

#[tokio::test]
async fn signature_vectors_through_a_hyper_014_server() {
    let (table, cases, skipped) = cases();
    let table = Arc::new(table);
    let make = make_service_fn(move |_| {
        let table = Arc::clone(&table);
        async move { Ok::<_, Infallible>(service_fn(move |r| handle(Arc::clone(&table), r))) }
    });
    let server = Server::try_bind(&SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap()
        .serve(make);
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server.with_graceful_shutdown(async {
        stopped.await.ok();
    }));

    let run = async {
        let client = Client::new();
        let mut ran = Vec::new();
        for case in &cases {
            let got = exchange(&client, addr, case).await;
            // Of a valid vector without `verified`, only the verdict is compared.
            let got = if case.expected == "valid" && got.starts_with("valid ") {
                "valid".to_owned()
            } else {
                got
            };
            assert_eq!(got, case.expected, "tcId {}", case.tc_id);
            ran.push(case.tc_id);
        }
        ran
    };
    let ran = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("the vectors within the deadline");
    stop.send(()).unwrap();
    tokio::time::timeout(DEADLINE, server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();

    // Codat's documented example (tcId 1) is among them, and most of the file runs.
    assert!(ran.contains(&1), "tcId 1 ran");
    assert!(
        ran.len() >= 60,
        "{} vectors ran, {skipped} skipped",
        ran.len()
    );
    eprintln!(
        "{} signature vectors through hyper 0.14, {skipped} skipped",
        ran.len()
    );
}
