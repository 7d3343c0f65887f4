//! `make bench`'s load generator: `C` keep-alive HTTP/1.1 connections (hyper's client), each
//! sending its share of `N` POSTs one after another (closed loop), every request with a body of
//! `BYTES` and its own `webhook-id`, freshly signed. All `N` requests (plus the warm-up's) are
//! signed before the timed window, so signing is not measured.
//!
//! `bench-load URL SECRET N C BYTES ID_PREFIX` — warms up with `C * 20` requests, then prints
//! one JSON line: `{"requests","seconds","rps","p50_us","p99_us","non_2xx","errors"}`.
//! Latency is from the first byte written to the whole answer read, per request.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A Codat event of exactly `bytes` bytes (padded inside the payload).
fn body(bytes: usize) -> Bytes {
    let head = r#"{"id":"5e2d5c1f-1111-4a4a-9c9c-0123456789ab","eventType":"read.completed","generatedDate":"2026-12-06T10:00:00Z","payload":{"referenceCompany":{"id":"8a210b68","tags":{"region":"us"}},"pad":""#;
    let tail = r#""}}"#;
    let pad = bytes.saturating_sub(head.len() + tail.len());
    let mut text = String::with_capacity(bytes);
    text.push_str(head);
    text.extend(std::iter::repeat_n('x', pad));
    text.push_str(tail);
    Bytes::from(text)
}

type Signed = Request<Full<Bytes>>;

fn sign_all(
    uri: &Uri,
    verifier: &hookproof::Verifier,
    prefix: &str,
    count: usize,
    body: &Bytes,
) -> Result<Vec<Signed>, Box<dyn std::error::Error>> {
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    let host = HeaderValue::from_str(uri.authority().map_or("127.0.0.1", |a| a.as_str()))?;
    let json = HeaderValue::from_static("application/json");
    let timestamp = HeaderValue::from_str(&now.to_string())?;
    (0..count)
        .map(|i| {
            let id = format!("{prefix}_{i}");
            let signature = verifier.try_sign(&id, now, body)?;
            let mut request = Request::new(Full::new(body.clone()));
            *request.method_mut() = Method::POST;
            *request.uri_mut() = uri.path_and_query().map_or("/", |p| p.as_str()).parse()?;
            let h = request.headers_mut();
            h.insert(HOST, host.clone());
            h.insert(CONTENT_TYPE, json.clone());
            h.insert("webhook-id", HeaderValue::from_str(&id)?);
            h.insert("webhook-timestamp", timestamp.clone());
            h.insert("webhook-signature", HeaderValue::from_str(&signature)?);
            Ok(request)
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    non_2xx: u64,
    errors: u64,
}

/// Sends `requests` one after another on one keep-alive connection (reconnecting if the
/// server closed it).
async fn connection(addr: String, requests: Vec<Signed>) -> Tally {
    let mut tally = Tally {
        latencies_us: Vec::with_capacity(requests.len()),
        ..Tally::default()
    };
    let mut sender = None;
    for request in requests {
        if sender.is_none() {
            let Ok(stream) = TcpStream::connect(&addr).await else {
                tally.errors += 1;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let Ok((s, conn)) = http1::handshake(TokioIo::new(stream)).await else {
                tally.errors += 1;
                continue;
            };
            tokio::spawn(conn);
            sender = Some(s);
        }
        let Some(s) = sender.as_mut() else { continue };
        let started = Instant::now();
        let ok = match s.send_request(request).await {
            Ok(response) => {
                let status = response.status();
                let read = response.into_body().collect().await.is_ok();
                if !status.is_success() {
                    tally.non_2xx += 1;
                }
                read
            }
            Err(_) => false,
        };
        if ok {
            let us = started.elapsed().as_micros();
            tally
                .latencies_us
                .push(u32::try_from(us).unwrap_or(u32::MAX));
        } else {
            tally.errors += 1;
            sender = None;
        }
    }
    tally
}

async fn run(addr: &str, requests: Vec<Signed>, c: usize) -> (Tally, Duration) {
    let mut shares: Vec<Vec<Signed>> = (0..c).map(|_| Vec::new()).collect();
    for (i, r) in requests.into_iter().enumerate() {
        if let Some(share) = shares.get_mut(i % c) {
            share.push(r);
        }
    }
    let started = Instant::now();
    let tasks: Vec<_> = shares
        .into_iter()
        .map(|share| tokio::spawn(connection(addr.to_owned(), share)))
        .collect();
    let mut total = Tally::default();
    for task in tasks {
        if let Ok(t) = task.await {
            total.latencies_us.extend(t.latencies_us);
            total.non_2xx += t.non_2xx;
            total.errors += t.errors;
        } else {
            total.errors += 1;
        }
    }
    (total, started.elapsed())
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    // Nearest rank.
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, sorted.len()) - 1)
        .copied()
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, secret, n, c, bytes, prefix] = args.as_slice() else {
        return Err("usage: bench-load URL SECRET N C BYTES ID_PREFIX".into());
    };
    let uri: Uri = url.parse()?;
    let addr = uri.authority().ok_or("URL without host:port")?.to_string();
    let (n, c, bytes): (usize, usize, usize) = (n.parse()?, c.parse()?, bytes.parse()?);
    let c = c.max(1);
    let verifier =
        hookproof::Verifier::from_texts([secret.as_str()]).map_err(|e| format!("secret: {e}"))?;
    let body = body(bytes);
    let warm = sign_all(&uri, &verifier, &format!("{prefix}_warm"), c * 20, &body)?;
    let timed = sign_all(&uri, &verifier, prefix, n, &body)?;
    let _ = run(&addr, warm, c).await;
    let (mut tally, elapsed) = run(&addr, timed, c).await;
    tally.latencies_us.sort_unstable();
    let seconds = elapsed.as_secs_f64();
    println!(
        r#"{{"requests":{},"seconds":{seconds:.4},"rps":{:.1},"p50_us":{},"p99_us":{},"non_2xx":{},"errors":{}}}"#,
        tally.latencies_us.len(),
        tally.latencies_us.len() as f64 / seconds,
        percentile(&tally.latencies_us, 0.50),
        percentile(&tally.latencies_us, 0.99),
        tally.non_2xx,
        tally.errors,
    );
    Ok(())
}
