//! Prometheus metrics in the text exposition format (version 0.0.4), written by hand: a fixed
//! set of counters per route and outcome, and one sink-latency histogram per route. Every
//! series is an atomic; nothing allocates on the request path.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How an exchange ended: the `outcome` label of `hookproof_gateway_requests_total`, named
/// after the `status` of the core's answer body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered to the sink and committed (202).
    Accepted,
    /// Already delivered within the window: acknowledged, not delivered again.
    Duplicate,
    /// Verified but not wanted (event type, company tags, client id): acknowledged, not delivered.
    Ignored,
    /// Another delivery of the id is in flight: 503 + Retry-After.
    InFlight,
    /// Authentication failed.
    Unauthorized,
    /// Source address not allowed.
    Forbidden,
    /// Rate limited (after authentication, or unauthenticated per source).
    RateLimited,
    /// Authenticated but not a Codat event.
    BadEvent,
    /// Body over `max_body_bytes`.
    TooLarge,
    /// Body not received in time.
    BodyTimeout,
    /// Sink failed (5xx, 429, connection error, or a 4xx under `on_4xx = "retry"`): released, 503 + Retry-After.
    BackendUnavailable,
    /// Sink refused (4xx under `on_4xx = "reject"`): released, the backend's status.
    BackendRejected,
    /// Sink did not answer in time: released, 503 + Retry-After.
    DeliveryTimeout,
    /// Sink still working when the budget was spent: 503 + Retry-After, the lease settled later.
    DeliveryPending,
    /// The acceptance store could not answer.
    StoreUnavailable,
    /// Too many exchanges at once (the gateway's own answer).
    Overloaded,
    /// Not a POST.
    MethodNotAllowed,
    /// An answer of the core's not listed here (a newer core).
    Other,
}

impl Outcome {
    /// Every outcome, in label order.
    pub const ALL: [Outcome; 18] = [
        Outcome::Accepted,
        Outcome::Duplicate,
        Outcome::Ignored,
        Outcome::InFlight,
        Outcome::Unauthorized,
        Outcome::Forbidden,
        Outcome::RateLimited,
        Outcome::BadEvent,
        Outcome::TooLarge,
        Outcome::BodyTimeout,
        Outcome::BackendUnavailable,
        Outcome::BackendRejected,
        Outcome::DeliveryTimeout,
        Outcome::DeliveryPending,
        Outcome::StoreUnavailable,
        Outcome::Overloaded,
        Outcome::MethodNotAllowed,
        Outcome::Other,
    ];

    /// The label value.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::InFlight => "in_flight",
            Outcome::Unauthorized => "unauthorized",
            Outcome::Forbidden => "forbidden",
            Outcome::RateLimited => "rate_limited",
            Outcome::BadEvent => "bad_event",
            Outcome::TooLarge => "too_large",
            Outcome::BodyTimeout => "body_timeout",
            Outcome::BackendUnavailable => "backend_unavailable",
            Outcome::BackendRejected => "backend_rejected",
            Outcome::DeliveryTimeout => "delivery_timeout",
            Outcome::DeliveryPending => "delivery_pending",
            Outcome::StoreUnavailable => "store_unavailable",
            Outcome::Overloaded => "overloaded",
            Outcome::MethodNotAllowed => "method_not_allowed",
            Outcome::Other => "other",
        }
    }

    /// The outcome whose label is `name` ([`Outcome::Other`] for any other).
    pub fn from_name(name: &str) -> Outcome {
        Outcome::ALL
            .iter()
            .copied()
            .find(|o| o.name() == name)
            .unwrap_or(Outcome::Other)
    }

    fn index(self) -> usize {
        Outcome::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }
}

/// Upper bounds of the sink latency histogram, in seconds.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Reads one counter of a route.
type Series = fn(&RouteMetrics) -> &AtomicU64;

#[derive(Debug, Default)]
struct RouteMetrics {
    outcomes: [AtomicU64; Outcome::ALL.len()],
    deliveries: AtomicU64,
    aborts: AtomicU64,
    late_commits: AtomicU64,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_micros: AtomicU64,
}

/// Every series of one gateway.
#[derive(Debug)]
pub struct Metrics {
    paths: Vec<String>,
    routes: Vec<RouteMetrics>,
    /// Requests to no route.
    not_found: AtomicU64,
    /// TLS handshakes refused (by rustls: no or an untrusted client certificate, bad
    /// protocol), and not finished within `handshake_timeout_ms`.
    tls_refused: AtomicU64,
    tls_timed_out: AtomicU64,
}

impl Metrics {
    /// Series for routes with these paths.
    pub fn new(paths: Vec<String>) -> Metrics {
        let routes = paths.iter().map(|_| RouteMetrics::default()).collect();
        Metrics {
            paths,
            routes,
            not_found: AtomicU64::new(0),
            tls_refused: AtomicU64::new(0),
            tls_timed_out: AtomicU64::new(0),
        }
    }

    fn route(&self, route: usize) -> Option<&RouteMetrics> {
        self.routes.get(route)
    }

    /// Counts one exchange on `route` ending in `outcome`.
    pub fn request(&self, route: usize, outcome: Outcome) {
        if let Some(r) = self.route(route)
            && let Some(c) = r.outcomes.get(outcome.index())
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one request to no route.
    pub fn not_found(&self) {
        self.not_found.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one TLS handshake that failed: refused, or (`timed_out`) not finished in time.
    pub fn tls_handshake_failed(&self, timed_out: bool) {
        let counter = if timed_out {
            &self.tls_timed_out
        } else {
            &self.tls_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records one sink call on `route`: its latency and whether it delivered.
    pub fn sink(&self, route: usize, latency: Duration, delivered: bool) {
        let Some(r) = self.route(route) else { return };
        if delivered {
            r.deliveries.fetch_add(1, Ordering::Relaxed);
        }
        let secs = latency.as_secs_f64();
        for (bucket, bound) in r.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            if secs <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        r.latency_count.fetch_add(1, Ordering::Relaxed);
        r.latency_micros.fetch_add(
            u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Counts one released lease (abort) on `route`.
    pub fn abort(&self, route: usize) {
        if let Some(r) = self.route(route) {
            r.aborts.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one late commit on `route` (the lease had expired: a second copy may exist).
    pub fn late_commit(&self, route: usize) {
        if let Some(r) = self.route(route) {
            r.late_commits.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP hookproof_gateway_requests_total Webhook requests by route and outcome.\n# TYPE hookproof_gateway_requests_total counter"
        );
        for (path, r) in self.paths.iter().zip(&self.routes) {
            for (outcome, c) in Outcome::ALL.iter().zip(&r.outcomes) {
                let _ = writeln!(
                    out,
                    "hookproof_gateway_requests_total{{route=\"{}\",outcome=\"{}\"}} {}",
                    escape(path),
                    outcome.name(),
                    load(c)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP hookproof_gateway_not_found_total Requests to no configured route.\n# TYPE hookproof_gateway_not_found_total counter\nhookproof_gateway_not_found_total {}",
            load(&self.not_found)
        );
        let _ = writeln!(
            out,
            "# HELP hookproof_gateway_tls_handshake_failures_total TLS handshakes that failed: refused (e.g. no or an untrusted client certificate) or timed out.\n# TYPE hookproof_gateway_tls_handshake_failures_total counter\nhookproof_gateway_tls_handshake_failures_total{{reason=\"refused\"}} {}\nhookproof_gateway_tls_handshake_failures_total{{reason=\"timeout\"}} {}",
            load(&self.tls_refused),
            load(&self.tls_timed_out)
        );
        let simple: [(&str, &str, Series); 4] = [
            ("deliveries_total", "Events the sink accepted.", |r| {
                &r.deliveries
            }),
            (
                "duplicates_total",
                "Redeliveries acknowledged without delivering again.",
                |r| {
                    r.outcomes
                        .get(Outcome::Duplicate.index())
                        .unwrap_or(&r.deliveries)
                },
            ),
            (
                "aborts_total",
                "Leases released after a failed delivery (the sender retries).",
                |r| &r.aborts,
            ),
            (
                "late_commits_total",
                "Commits after the lease had expired (another copy may have been delivered).",
                |r| &r.late_commits,
            ),
        ];
        for (name, help, get) in simple {
            let _ = writeln!(
                out,
                "# HELP hookproof_gateway_{name} {help}\n# TYPE hookproof_gateway_{name} counter"
            );
            for (path, r) in self.paths.iter().zip(&self.routes) {
                let _ = writeln!(
                    out,
                    "hookproof_gateway_{name}{{route=\"{}\"}} {}",
                    escape(path),
                    load(get(r))
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP hookproof_gateway_sink_latency_seconds Time from handing an event to the sink to its answer.\n# TYPE hookproof_gateway_sink_latency_seconds histogram"
        );
        for (path, r) in self.paths.iter().zip(&self.routes) {
            let path = escape(path);
            for (bound, c) in LATENCY_BUCKETS.iter().zip(&r.latency_buckets) {
                let _ = writeln!(
                    out,
                    "hookproof_gateway_sink_latency_seconds_bucket{{route=\"{path}\",le=\"{bound}\"}} {}",
                    load(c)
                );
            }
            let count = load(&r.latency_count);
            let _ = writeln!(
                out,
                "hookproof_gateway_sink_latency_seconds_bucket{{route=\"{path}\",le=\"+Inf\"}} {count}\nhookproof_gateway_sink_latency_seconds_sum{{route=\"{path}\"}} {}\nhookproof_gateway_sink_latency_seconds_count{{route=\"{path}\"}} {count}",
                load(&r.latency_micros) as f64 / 1e6
            );
        }
        out
    }
}

/// Escapes a label value (`\`, `"` and newlines).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
