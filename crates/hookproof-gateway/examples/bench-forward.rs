//! `make bench`'s forward-only proxy: the gateway's own stack — the same hyper 1 server
//! settings, the same bounded body read into one buffer, the same HTTP sink
//! ([`hookproof_gateway::sink::http::HttpSink`]) — with no verification, filtering,
//! de-duplication or rate limiting. What the gateway costs over this row is its decisions.
//!
//! `bench-forward PORT BACKEND_URL` — prints `listening` once bound, serves until killed.
//! Answers 202 when the backend answered 2xx, 503 otherwise.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};

use hookproof_gateway::server::MAX_HEAD_BYTES;
use hookproof_gateway::sink::http::HttpSink;
use hookproof_gateway::sink::{Deliver, Event, Scheme};

/// The gateway's defaults (`max_body_bytes`, `body_timeout_ms`, the sink's `timeout_ms`).
const MAX_BODY: usize = 256 * 1024;
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
const SINK_TIMEOUT: Duration = Duration::from_secs(10);

fn status(code: StatusCode) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    Ok(response)
}

async fn forward(
    sink: Arc<HttpSink>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let deadline = Instant::now() + BODY_TIMEOUT;
    let (parts, mut body) = request.into_parts();
    // As the gateway reads it: a body in one frame is hyper's own bytes; several are gathered.
    let mut first: Option<Bytes> = None;
    let mut buffer = BytesMut::new();
    loop {
        match tokio::time::timeout_at(deadline.into(), body.frame()).await {
            Ok(None) => break,
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    let held = first.as_ref().map_or(0, Bytes::len) + buffer.len();
                    if held + data.len() > MAX_BODY {
                        return status(StatusCode::PAYLOAD_TOO_LARGE);
                    }
                    match first.take() {
                        None if buffer.is_empty() => first = Some(data),
                        earlier => {
                            if let Some(earlier) = earlier {
                                buffer.extend_from_slice(&earlier);
                            }
                            buffer.extend_from_slice(&data);
                        }
                    }
                }
            }
            _ => return status(StatusCode::REQUEST_TIMEOUT),
        }
    }
    let body = match first {
        Some(only) if buffer.is_empty() => only,
        _ => buffer.freeze(),
    };
    let id = parts
        .headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok());
    let event = Event {
        id,
        event_type: "",
        scheme: Scheme::StandardWebhooks,
        route: parts.uri.path(),
        headers: &parts.headers,
        body,
        token: None,
        company_id: None,
        now: 0,
    };
    let result = sink.deliver(event, Instant::now() + SINK_TIMEOUT).await;
    status(if result.accepted() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench-forward PORT BACKEND_URL";
    let port: u16 = args.next().ok_or(usage)?.parse()?;
    let backend: hyper::Uri = args.next().ok_or(usage)?.parse()?;
    let tls = hookproof_gateway::tls::sink(None)?;
    let sink = Arc::new(HttpSink::new(backend, SINK_TIMEOUT, &tls));
    let listener = hookproof_gateway::server::listen(([127, 0, 0, 1], port).into())?;
    println!("listening");
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(5))
        .keep_alive(true)
        .max_buf_size(MAX_HEAD_BYTES);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let sink = sink.clone();
        let service = service_fn(move |req| forward(sink.clone(), req));
        let conn = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}
