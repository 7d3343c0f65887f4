//! The HTTP sink: POSTs the body byte for byte to the backend, with the original `webhook-*`
//! (and `svix-*`) headers — `webhook-id` is the backend's idempotency key — and headers saying
//! what the gateway verified. A pooled hyper-util client; every call bounded by a deadline.
//! `https://` backends are reached over rustls (ring), their certificate checked against the
//! sink's roots (its `ca`, or Mozilla's) and the URL's host name.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::{Deliver, Event, SinkResult};

/// `hookproof-verified`: how the request was authenticated (`standard-webhooks`,
/// `authorization`, `standard-webhooks+authorization`).
pub const VERIFIED_HEADER: &str = "hookproof-verified";
/// `hookproof-event-type`: the event type the gateway read from the body.
pub const EVENT_TYPE_HEADER: &str = "hookproof-event-type";
/// `hookproof-webhook-id`: the de-duplication id (the `webhook-id`, or for legacy rule
/// webhooks the body's `id` / `AlertId`).
pub const WEBHOOK_ID_HEADER: &str = "hookproof-webhook-id";
/// `hookproof-route`: the route's path.
pub const ROUTE_HEADER: &str = "hookproof-route";
/// Most bytes of a backend's answer read (and discarded) so its connection can be reused.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A pooled HTTP/1.1 client for one backend URL.
#[derive(Debug, Clone)]
pub struct HttpSink {
    url: Uri,
    timeout: Duration,
    client: Client<HttpsConnector<HttpConnector>, Full<bytes::Bytes>>,
}

impl HttpSink {
    /// A sink POSTing to `url`, each call bounded by `timeout`; `tls` for `https://` URLs.
    pub fn new(url: Uri, timeout: Duration, tls: &crate::tls::SinkTls) -> HttpSink {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        // The scheme is checked by the TLS layer: https:// gets TLS, http:// stays plain.
        connector.enforce_http(false);
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config((*tls.client).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(256)
            .build(connector);
        HttpSink {
            url,
            timeout,
            client,
        }
    }
}

fn is_forwarded(name: &HeaderName) -> bool {
    let n = name.as_str();
    n.starts_with("webhook-") || n.starts_with("svix-") || n == "x-codat-clientid"
}

impl Deliver for HttpSink {
    async fn deliver(&self, event: Event<'_>, deadline: Instant) -> SinkResult {
        let deadline = deadline.min(Instant::now() + self.timeout);
        let mut request = Request::new(Full::new(event.body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.url.clone();
        let headers = request.headers_mut();
        for (name, value) in event.headers {
            if is_forwarded(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        headers.insert(
            CONTENT_TYPE,
            event
                .headers
                .get(CONTENT_TYPE)
                .cloned()
                .unwrap_or(HeaderValue::from_static("application/json")),
        );
        headers.insert(USER_AGENT, HeaderValue::from_static("hookproof-gateway"));
        headers.insert(
            HeaderName::from_static(VERIFIED_HEADER),
            HeaderValue::from_static(event.scheme.name()),
        );
        for (name, value) in [
            (EVENT_TYPE_HEADER, event.event_type),
            (WEBHOOK_ID_HEADER, event.id.unwrap_or("")),
            (ROUTE_HEADER, event.route),
        ] {
            // Values come from a verified body; one that is not a valid header value is left out.
            if let Ok(v) = HeaderValue::from_str(value)
                && !value.is_empty()
            {
                headers.insert(HeaderName::from_static(name), v);
            }
        }
        let call = async {
            let Ok(response) = self.client.request(request).await else {
                return SinkResult::Unreachable;
            };
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            // Read (and drop) a bounded answer so the pooled connection stays reusable.
            let _ = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await;
            SinkResult::Backend {
                status,
                retry_after,
            }
        };
        match tokio::time::timeout_at(deadline.into(), call).await {
            Ok(result) => result,
            Err(_) => SinkResult::Timeout,
        }
    }
}
