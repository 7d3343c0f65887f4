//! The consumer's decision for one webhook request, as an I/O-free state machine.
//!
//! A host (node:http, a Worker, axum, the gateway) is only the shell: it performs the I/O a
//! [`Step`] asks for and feeds the result back, passing the time in (Unix milliseconds). Every
//! rule lives here: the order of checks, the status table, the answer body, `Retry-After`, the
//! answer budget, the legacy de-duplication id and what a backend's answer means.
//!
//! ```text
//! exchange(head) ─▶ ReadBody ─▶ [CheckSource] ─▶ [CheckRate] ─▶ Begin ─▶ Deliver ─▶ [Commit | Abort] ─▶ Answer
//!                      │        (auth failed)     (authenticated)  │          │
//!                      └──────────── any step may end in an Answer ┴──────────┘
//! ```
//!
//! **Order of checks** (authenticate first, then spend anything shared): method (405) → size
//! (413, from `Content-Length` or while reading) → body deadline (408) → authenticate: the
//! legacy `Authorization` and/or the signature (401; a failure is charged to the per-source
//! limiter alone, [`Step::CheckSource`], 429 when that refuses) → source address allowlist (403,
//! charged the same way) → `X-Codat-ClientId` (a mismatch is verified but unwanted: 200
//! `ignored`) → the global limiter ([`Step::CheckRate`], 429; an unavailable limiter fails
//! open: it protects the consumer, it does not decide correctness) → parse the event (400) →
//! event-type and company-tag filters (200 `ignored`, not delivered) → [`Step::Begin`] on the
//! acceptance store → [`Step::Deliver`] → commit (202) or abort (503).
//!
//! **Status table.** Every answer is chosen for what both of Codat's services do with it
//! ([`classify`]; the [`Answer::sender`] field says which): 2xx only once the event is
//! delivered (or is a duplicate of a delivered one, or verified but unwanted); 503 with
//! `Retry-After` for anything the sender must retry (store down, id in flight, delivery failed
//! or timed out) — both services retry a 503, while the legacy one drops a 409 or a 500.
//!
//! **Budget.** Codat waits [`DEADLINE_SECS`] for an answer. Every step states how long the
//! shell may wait for its result (`wait_ms`), so the answer goes out within
//! [`ConsumerSettings::budget_ms`] of the request (default [`DEFAULT_BUDGET_MS`]); a step the
//! shell gave up on is fed as [`Exchange::timeout`].
//!
//! **A backend's 4xx** ([`Backend4xx`]). The default, [`Backend4xx::Retry`], aborts and answers
//! 503 + `Retry-After`: both policies retry it, so the event stays with the sender (on the
//! current service it is retried for ≈ 28 h and then listed as failed, replayable from Codat's
//! portal), never acknowledged and lost. Passing the 4xx through ([`Backend4xx::Reject`]) would
//! make the legacy service drop the event at once ([`classify`] says `failed` for 400–499 but
//! 408, 420, 429 and 460), and acknowledging it ([`Backend4xx::Acknowledge`]) loses it silently
//! on both; choose those only for a backend whose 4xx means "never send this again".

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::ErrorCode;
use crate::acceptance::{self, AcceptanceError, Begin};
use crate::authorization::{AUTHORIZATION, AuthorizationError, Credentials, check_authorization};
use crate::classify::{Attempt, Classification, DEADLINE_SECS, Policy, classify};
use crate::event::{Event, parse_event};
use crate::filter::{CODAT_CLIENT_ID, EventTypeError, EventTypeFilter, check_client_id};
use crate::rate_limit::RateDecision;
use crate::retry_after::parse_retry_after;
use crate::signature::{HeaderSource, SecretError, Tolerance, Verifier};
use crate::source::{SourceAllowlist, SourceError};
use crate::tags::{TagError, TagFilter};

/// Default largest body read, in bytes (Codat's events are small references; Standard Webhooks
/// asks for less than 20 KB).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 256 * 1024;
/// Default time a body may take to arrive, in milliseconds.
pub const DEFAULT_BODY_TIMEOUT_MS: u64 = 10_000;
/// Default answer budget, in milliseconds: 3 s inside Codat's [`DEADLINE_SECS`] (15 s).
pub const DEFAULT_BUDGET_MS: u64 = 12_000;
/// Longest answer budget accepted: Codat's deadline.
pub const MAX_BUDGET_MS: u64 = DEADLINE_SECS * 1000;
/// Default `Retry-After` for the consumer's own failures (store, queue or backend unavailable).
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 5;
/// Longest `Retry-After` the consumer sets for its own failures: 1 h.
pub const MAX_RETRY_AFTER_SECS: u64 = 3600;
/// Milliseconds of the budget kept back from a delivery for the commit or abort after it.
pub const SETTLE_RESERVE_MS: u64 = 1000;
/// Largest body bound accepted: the core's event bound ([`crate::event::MAX_EVENT_LEN`]).
pub const MAX_BODY_BYTES: u64 = crate::event::MAX_EVENT_LEN as u64;

/// What a backend's 4xx means (see the module docs for the choice of default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Backend4xx {
    /// Abort and answer 503 + `Retry-After`: both services retry; nothing is lost silently.
    #[default]
    Retry,
    /// Abort and answer the backend's status: the legacy service drops most 4xx.
    Reject,
    /// Commit and answer 202: the event is acknowledged and not delivered.
    Acknowledge,
}

/// The legacy `Authorization` a consumer expects, as settings give it.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AuthorizationSetting {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
}

impl fmt::Debug for AuthorizationSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizationSetting::Bearer(_) => f.write_str("Bearer([REDACTED])"),
            AuthorizationSetting::Basic { .. } => f.write_str("Basic([REDACTED])"),
        }
    }
}

/// A consumer's settings as plain data (from a host's config, environment or JS object),
/// compiled once by [`Consumer::new`]. Every field has a default but the credentials: at
/// least one key or an `authorization` is required.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(default, rename_all = "camelCase", deny_unknown_fields)
)]
pub struct ConsumerSettings {
    /// `whsec_` secrets and/or `whpk_` public keys (several for rotation).
    pub keys: Vec<String>,
    /// The legacy `Authorization` header required (legacy rule webhooks).
    pub authorization: Option<AuthorizationSetting>,
    /// Which Codat service sends: decides how [`Answer::sender`] is classified.
    pub policy: Policy,
    /// Signature timestamp tolerance, seconds (default 300).
    pub tolerance_seconds: Option<u64>,
    /// Only accept this `X-Codat-ClientId` (others are answered 200 `ignored`).
    pub client_id: Option<String>,
    /// Source address allowlist (IPs and CIDRs); `None` accepts any source.
    pub sources: Option<Vec<String>>,
    /// Accepted event types, comma-separated (`read.completed, connection.*`); empty: all.
    pub event_types: String,
    /// Company-tag filter, comma-separated (`region:us, service:t2k`); empty: every company.
    pub company_tags: String,
    /// Largest body, bytes (default [`DEFAULT_MAX_BODY_BYTES`], at most [`MAX_BODY_BYTES`]).
    pub max_body_bytes: u64,
    /// How long the body may take to arrive, ms (default [`DEFAULT_BODY_TIMEOUT_MS`]).
    pub body_timeout_ms: u64,
    /// Every answer within this many ms of the request (default [`DEFAULT_BUDGET_MS`], 1 to
    /// [`MAX_BUDGET_MS`]).
    pub budget_ms: u64,
    /// `Retry-After` for the consumer's own failures, seconds (1 to [`MAX_RETRY_AFTER_SECS`]).
    pub retry_after_seconds: u64,
    /// Whether the shell has a global limiter ([`Step::CheckRate`] is asked once a request
    /// authenticated).
    pub rate_limited: bool,
    /// Whether the shell has a per-source limiter for requests that fail authentication
    /// ([`Step::CheckSource`]).
    pub source_limited: bool,
    /// What a backend's 4xx means.
    pub backend_4xx: Backend4xx,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        ConsumerSettings {
            keys: Vec::new(),
            authorization: None,
            policy: Policy::Current,
            tolerance_seconds: None,
            client_id: None,
            sources: None,
            event_types: String::new(),
            company_tags: String::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_timeout_ms: DEFAULT_BODY_TIMEOUT_MS,
            budget_ms: DEFAULT_BUDGET_MS,
            retry_after_seconds: DEFAULT_RETRY_AFTER_SECS,
            rate_limited: false,
            source_limited: true,
            backend_4xx: Backend4xx::Retry,
        }
    }
}

impl fmt::Debug for ConsumerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsumerSettings")
            .field("keys", &format_args!("[REDACTED; {}]", self.keys.len()))
            .field("authorization", &self.authorization)
            .field("policy", &self.policy)
            .field("client_id", &self.client_id)
            .field("sources", &self.sources)
            .field("event_types", &self.event_types)
            .field("company_tags", &self.company_tags)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("budget_ms", &self.budget_ms)
            .field("backend_4xx", &self.backend_4xx)
            .finish_non_exhaustive()
    }
}

/// Why settings were refused, or a result was fed that the exchange did not ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConsumerError {
    /// Neither a key nor an `authorization`: a consumer never runs without credentials.
    NoCredentials,
    /// A key was refused.
    Key(SecretError),
    /// The `authorization` credentials were refused.
    Authorization(AuthorizationError),
    /// The source allowlist was refused.
    Sources(SourceError),
    /// The event-type filter was refused.
    EventTypes(EventTypeError),
    /// The company-tag filter was refused.
    CompanyTags(TagError),
    /// A number out of range (body bound, timeouts, budget, `Retry-After`).
    InvalidSetting,
    /// A result the exchange did not ask for (a shell bug); the exchange is unchanged.
    UnexpectedResult,
}

impl ErrorCode for ConsumerError {
    fn code(&self) -> &'static str {
        match self {
            ConsumerError::NoCredentials => "no_credentials",
            ConsumerError::Key(e) => e.code(),
            ConsumerError::Authorization(e) => e.code(),
            ConsumerError::Sources(e) => e.code(),
            ConsumerError::EventTypes(e) => e.code(),
            ConsumerError::CompanyTags(e) => e.code(),
            ConsumerError::InvalidSetting => "invalid_setting",
            ConsumerError::UnexpectedResult => "unexpected_result",
        }
    }
}

impl fmt::Display for ConsumerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsumerError::NoCredentials => {
                f.write_str("configure keys and/or a legacy authorization credential")
            }
            ConsumerError::Key(e) => write!(f, "keys: {e}"),
            ConsumerError::Authorization(e) => write!(f, "authorization: {e}"),
            ConsumerError::Sources(e) => write!(f, "sources: {e}"),
            ConsumerError::EventTypes(e) => write!(f, "eventTypes: {e}"),
            ConsumerError::CompanyTags(e) => write!(f, "companyTags: {e}"),
            ConsumerError::InvalidSetting => f.write_str(
                "maxBodyBytes must be 1 to 1048576, bodyTimeoutMs and budgetMs 1 to 15000, retryAfterSeconds 1 to 3600",
            ),
            ConsumerError::UnexpectedResult => {
                f.write_str("a result was fed that the exchange did not ask for")
            }
        }
    }
}

impl core::error::Error for ConsumerError {}

/// The compiled consumer: checked settings, shared by every exchange.
#[derive(Debug, Clone)]
pub struct Consumer {
    verifier: Option<Verifier>,
    credentials: Option<Credentials>,
    policy: Policy,
    client_id: Option<String>,
    sources: Option<SourceAllowlist>,
    event_types: EventTypeFilter,
    tags: TagFilter,
    max_body_bytes: u64,
    body_timeout_ms: u64,
    budget_ms: u64,
    retry_after: u64,
    rate_limited: bool,
    source_limited: bool,
    backend_4xx: Backend4xx,
}

/// The facts of a request known before its body: method, peer address, `Content-Length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The address the request came from (what the allowlist checks), if known.
    pub source: Option<&'a str>,
    /// The declared `Content-Length`, if any.
    pub content_length: Option<u64>,
}

/// What the exchange asks the shell to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        tag = "step",
        rename_all = "snake_case",
        rename_all_fields = "camelCase"
    )
)]
pub enum Step {
    /// Read the body, at most `max_bytes` (answer [`Exchange::too_large`] as soon as more
    /// arrives), within `wait_ms` ([`Exchange::timeout`]); then [`Exchange::body`].
    ReadBody {
        /// The byte cap.
        max_bytes: u64,
        /// How long the shell may wait, ms.
        wait_ms: u64,
    },
    /// Authentication failed: charge the per-source limiter once, feed [`Exchange::rate`].
    CheckSource,
    /// Authenticated: charge the global limiter once, feed [`Exchange::rate`].
    CheckRate {
        /// How long the shell may wait, ms.
        wait_ms: u64,
    },
    /// Acceptance `begin` for the id `id` (store key `key`); feed [`Exchange::begun`].
    Begin {
        /// The de-duplication id (what a store API such as `hookproof/redis` takes).
        id: String,
        /// The store key ([`acceptance::key`] of the id).
        key: String,
        /// How long the shell may wait, ms.
        wait_ms: u64,
    },
    /// Deliver the event (the body as read); feed [`Exchange::delivered`].
    Deliver {
        /// The de-duplication id (the `webhook-id`, or a legacy body's `id ?? AlertId`);
        /// `None` when there is none (delivered at least once).
        id: Option<String>,
        /// The acceptance token, when the id was begun (for a shell that commits atomically
        /// with the delivery).
        token: Option<i64>,
        /// `eventType` (current) or `RuleType` (legacy).
        event_type: String,
        /// The company id, if the event names one.
        company_id: Option<String>,
        /// How long the shell may wait, ms.
        wait_ms: u64,
    },
    /// Acceptance `commit` with `token`; feed [`Exchange::settled`].
    Commit {
        /// The de-duplication id.
        id: String,
        /// The store key.
        key: String,
        /// The lease token.
        token: i64,
        /// How long the shell may wait, ms.
        wait_ms: u64,
    },
    /// Acceptance `abort` with `token`; feed [`Exchange::settled`].
    Abort {
        /// The de-duplication id.
        id: String,
        /// The store key.
        key: String,
        /// The lease token.
        token: i64,
        /// How long the shell may wait, ms.
        wait_ms: u64,
    },
    /// Send this answer; the exchange is over.
    Answer(Answer),
}

/// The final answer: status, JSON body, headers, and what the sender will make of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body (`application/json`): `{"status": …}` and, per answer, `code`, `reason`,
    /// `id`, `eventType`.
    pub body: String,
    /// The `Retry-After` header, seconds.
    pub retry_after: Option<u64>,
    /// `Allow: POST` (405 only).
    pub allow: Option<&'static str>,
    /// `Connection: close` (the body was not read to its end and cannot be drained).
    pub close: bool,
    /// How the sender treats this answer under the consumer's policy ([`classify`]).
    pub sender: Classification,
}

impl Answer {
    /// The response headers to send: `content-type`, and `retry-after`, `allow`,
    /// `connection` where set.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut out = alloc::vec![("content-type", String::from("application/json"))];
        if let Some(s) = self.retry_after {
            out.push(("retry-after", s.to_string()));
        }
        if let Some(a) = self.allow {
            out.push(("allow", String::from(a)));
        }
        if self.close {
            out.push(("connection", String::from("close")));
        }
        out
    }
}

/// What a delivery ([`Step::Deliver`]) came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered<'a> {
    /// The sink took the event; commit next.
    Accepted,
    /// The sink took the event and committed the id in the same atomic step.
    Committed,
    /// The atomic deliver-and-commit found the id already done: a duplicate.
    Duplicate,
    /// The atomic deliver-and-commit found the id held by another delivery.
    InFlight {
        /// Seconds left on that lease.
        retry_after: u64,
    },
    /// The backend answered this status (with this `Retry-After`, if any).
    Backend {
        /// The backend's HTTP status.
        status: u16,
        /// The backend's `Retry-After` header.
        retry_after: Option<&'a str>,
    },
    /// The sink could not be reached or refused the event (connection error, queue error).
    Unreachable,
    /// The step's wait ran out but the delivery goes on (a queue send that cannot be
    /// cancelled): the exchange answers 503 now and keeps the lease; feed the delivery's real
    /// result when it comes, then settle as asked. The answer after that repeats the one
    /// already sent, which the shell does not send again.
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    ReadBody,
    Source(Answer),
    Rate(Option<Answer>),
    Begin,
    Deliver,
    Settle(Answer),
    /// Answered (503) while the delivery goes on: waiting for its real result.
    Detached(Answer),
    Over,
}

/// One request's decision. Created by [`Consumer::exchange`]; fed each result the last
/// [`Step`] asked for. Holds no reference to the consumer: every feed takes it again.
#[derive(Debug, Clone)]
pub struct Exchange {
    stage: Stage,
    deadline_ms: u64,
    source: Option<String>,
    id: Option<String>,
    key: Option<String>,
    token: Option<i64>,
    event_type: String,
    company_id: Option<String>,
}

/// The body of an answer, rendered as JSON.
struct Body<'a> {
    status: &'a str,
    fields: [(&'a str, Option<&'a str>); 4],
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = u32::from(c) as usize;
                out.push_str("\\u00");
                for d in [n >> 4, n & 0xf] {
                    out.push(char::from(HEX.get(d).copied().unwrap_or(b'0')));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Body<'_> {
    fn render(&self) -> String {
        let mut out = String::from("{\"status\":");
        push_json_string(&mut out, self.status);
        for (name, value) in self.fields.iter() {
            if let Some(v) = value {
                out.push(',');
                push_json_string(&mut out, name);
                out.push(':');
                push_json_string(&mut out, v);
            }
        }
        out.push('}');
        out
    }
}

impl Consumer {
    /// Compiles settings, checking every one.
    pub fn new(settings: &ConsumerSettings) -> Result<Consumer, ConsumerError> {
        let verifier = if settings.keys.is_empty() {
            None
        } else {
            let v = Verifier::from_texts(settings.keys.iter().map(String::as_str))
                .map_err(ConsumerError::Key)?;
            let v = match settings.tolerance_seconds {
                Some(s) => v.tolerance(Tolerance::Seconds(s)),
                None => v,
            };
            Some(v)
        };
        let credentials = match &settings.authorization {
            None => None,
            Some(AuthorizationSetting::Bearer(token)) => Some(Credentials::bearer(token)),
            Some(AuthorizationSetting::Basic { username, password }) => {
                Some(Credentials::basic(username, password))
            }
        }
        .transpose()
        .map_err(ConsumerError::Authorization)?;
        if verifier.is_none() && credentials.is_none() {
            return Err(ConsumerError::NoCredentials);
        }
        let sources = settings
            .sources
            .as_ref()
            .map(SourceAllowlist::new)
            .transpose()
            .map_err(ConsumerError::Sources)?;
        let event_types = EventTypeFilter::parse_list(&settings.event_types)
            .map_err(ConsumerError::EventTypes)?;
        let tags =
            TagFilter::parse_list(&settings.company_tags).map_err(ConsumerError::CompanyTags)?;
        let in_range = |v: u64, max: u64| (1..=max).contains(&v);
        if !in_range(settings.max_body_bytes, MAX_BODY_BYTES)
            || !in_range(settings.body_timeout_ms, MAX_BUDGET_MS)
            || !in_range(settings.budget_ms, MAX_BUDGET_MS)
            || !in_range(settings.retry_after_seconds, MAX_RETRY_AFTER_SECS)
        {
            return Err(ConsumerError::InvalidSetting);
        }
        Ok(Consumer {
            verifier: verifier.map(|v| {
                v.max_payload(usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX))
            }),
            credentials,
            policy: settings.policy,
            client_id: settings.client_id.clone().filter(|c| !c.is_empty()),
            sources,
            event_types,
            tags,
            max_body_bytes: settings.max_body_bytes,
            body_timeout_ms: settings.body_timeout_ms,
            budget_ms: settings.budget_ms,
            retry_after: settings.retry_after_seconds,
            rate_limited: settings.rate_limited,
            source_limited: settings.source_limited,
            backend_4xx: settings.backend_4xx,
        })
    }

    /// The policy answers are classified under.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Starts the decision for one request at `now_ms` (Unix milliseconds).
    pub fn exchange(&self, now_ms: u64, head: &Head<'_>) -> (Exchange, Step) {
        let mut exchange = Exchange {
            stage: Stage::ReadBody,
            deadline_ms: now_ms.saturating_add(self.budget_ms),
            source: head.source.map(String::from),
            id: None,
            key: None,
            token: None,
            event_type: String::new(),
            company_id: None,
        };
        let step = if !head.method.eq_ignore_ascii_case("POST") {
            exchange.answer(self, 405, "method_not_allowed", [None; 4], None)
        } else if head.content_length.is_some_and(|n| n > self.max_body_bytes) {
            exchange.answer(self, 413, "too_large", [None; 4], None)
        } else {
            Step::ReadBody {
                max_bytes: self.max_body_bytes,
                wait_ms: self.body_timeout_ms.min(exchange.left(now_ms)),
            }
        };
        (exchange, step)
    }

    fn answer(&self, status: u16, body: &Body<'_>, retry_after: Option<u64>) -> Answer {
        let retry_text = retry_after.map(|s| s.to_string());
        let attempt = Attempt {
            retry_after: retry_text.as_deref(),
            ..Attempt::status(status)
        };
        Answer {
            status,
            body: body.render(),
            retry_after,
            allow: (status == 405).then_some("POST"),
            close: status == 408,
            sender: classify(self.policy, &attempt),
        }
    }
}

/// Field names of answer bodies, in their order: `code`, `reason`, `id`, `eventType`.
const FIELDS: [&str; 4] = ["code", "reason", "id", "eventType"];

impl Exchange {
    fn left(&self, now_ms: u64) -> u64 {
        self.deadline_ms.saturating_sub(now_ms)
    }

    fn answer(
        &mut self,
        c: &Consumer,
        status: u16,
        what: &str,
        values: [Option<&str>; 4],
        retry_after: Option<u64>,
    ) -> Step {
        let [a, b, d, e] = FIELDS;
        let [va, vb, vd, ve] = values;
        let body = Body {
            status: what,
            fields: [(a, va), (b, vb), (d, vd), (e, ve)],
        };
        self.stage = Stage::Over;
        Step::Answer(c.answer(status, &body, retry_after))
    }

    fn expect(&self, stage: fn(&Stage) -> bool) -> Result<(), ConsumerError> {
        if stage(&self.stage) {
            Ok(())
        } else {
            Err(ConsumerError::UnexpectedResult)
        }
    }

    /// An answer for the consumer's own failure: 503 + its `Retry-After`.
    fn unavailable(&mut self, c: &Consumer, what: &str) -> Step {
        let id = self.id.clone();
        self.answer(
            c,
            503,
            what,
            [None, None, id.as_deref(), None],
            Some(c.retry_after),
        )
    }

    /// The body exceeded [`Step::ReadBody`]'s cap: 413.
    pub fn too_large(&mut self, c: &Consumer) -> Result<Step, ConsumerError> {
        self.expect(|s| matches!(s, Stage::ReadBody))?;
        Ok(self.answer(c, 413, "too_large", [None; 4], None))
    }

    /// The last step's `wait_ms` ran out before its result. Body: 408 (the connection closes).
    /// Limiter: fail open. Store: 503. Delivery: abort, then 503 (a delivery that cannot be
    /// cancelled is fed as [`Delivered::Pending`] instead). Commit: the event was delivered,
    /// 202. Abort: the pending 503. A detached delivery: the lease is left to run out.
    pub fn timeout(&mut self, c: &Consumer, now_ms: u64) -> Result<Step, ConsumerError> {
        match &self.stage {
            Stage::ReadBody => Ok(self.answer(c, 408, "body_timeout", [None; 4], None)),
            Stage::Source(_) | Stage::Rate(_) => self.rate(c, None, now_ms),
            Stage::Begin => self.begun(c, Err(AcceptanceError::StoreUnavailable), now_ms),
            Stage::Deliver => Ok(self.abort(c, "delivery_timeout", now_ms)),
            Stage::Settle(_) => self.settled(),
            // The shell stopped waiting for a delivery already answered: its outcome is
            // unknown, so the lease is left to run out.
            Stage::Detached(answer) => {
                let answer = Step::Answer(answer.clone());
                self.stage = Stage::Over;
                Ok(answer)
            }
            Stage::Over => Err(ConsumerError::UnexpectedResult),
        }
    }

    /// The body, read whole, with the request's headers.
    pub fn body<H: HeaderSource + ?Sized>(
        &mut self,
        c: &Consumer,
        headers: &H,
        body: &[u8],
        now_ms: u64,
    ) -> Result<Step, ConsumerError> {
        self.expect(|s| matches!(s, Stage::ReadBody))?;
        if u64::try_from(body.len()).map_or(true, |n| n > c.max_body_bytes) {
            return self.too_large(c);
        }
        let now = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
        if let Some(credentials) = &c.credentials
            && let Err(e) = check_authorization(headers.header(AUTHORIZATION), credentials)
        {
            return Ok(self.refused(c, 401, "unauthorized", e.code()));
        }
        if let Some(verifier) = &c.verifier {
            match verifier.verify(headers, body, now) {
                Ok(v) => self.id = Some(String::from(v.id)),
                Err(e) => return Ok(self.refused(c, 401, "unauthorized", e.code())),
            }
        }
        if let Some(allowlist) = &c.sources {
            let allowed = self
                .source
                .as_deref()
                .is_some_and(|s| allowlist.is_allowed(s).unwrap_or(false));
            if !allowed {
                return Ok(self.refused(c, 403, "forbidden", "source_not_allowed"));
            }
        }
        if let Some(expected) = &c.client_id
            && let Err(e) = check_client_id(expected, headers.header(CODAT_CLIENT_ID))
        {
            return Ok(self.answer(c, 200, "ignored", [None, Some(e.code()), None, None], None));
        }
        // Parsed now, decided after the global limiter: a request is charged before its event
        // is judged (the body is not kept).
        let unwanted = self.event(c, body);
        if c.rate_limited {
            self.stage = Stage::Rate(unwanted);
            return Ok(Step::CheckRate {
                wait_ms: self.left(now_ms),
            });
        }
        Ok(self.wanted(c, unwanted, now_ms))
    }

    /// Parses the event and keeps its facts; the answer when it is not to be delivered.
    fn event(&mut self, c: &Consumer, body: &[u8]) -> Option<Answer> {
        let plain = |status, what, values: [Option<&str>; 4]| {
            let [a, b, d, e] = FIELDS;
            let [va, vb, vd, ve] = values;
            let body = Body {
                status: what,
                fields: [(a, va), (b, vb), (d, vd), (e, ve)],
            };
            c.answer(status, &body, None)
        };
        let event = match parse_event(body) {
            Ok(event) => event,
            Err(e) => return Some(plain(400, "bad_event", [Some(e.code()), None, None, None])),
        };
        if !c.event_types.matches(event.event_type()) {
            return Some(plain(
                200,
                "ignored",
                [None, Some("event_type"), None, None],
            ));
        }
        if !c.tags.matches(event.company_tags()) {
            return Some(plain(
                200,
                "ignored",
                [None, Some("company_tags"), None, None],
            ));
        }
        self.event_type = String::from(event.event_type());
        self.company_id = event.company_id().map(String::from);
        if self.id.is_none() {
            // Legacy rule webhooks carry no webhook-id: the body's own id, else its AlertId.
            self.id = match event {
                Event::Current { id, .. } => id,
                Event::Legacy { alert_id, .. } => alert_id,
            }
            .filter(|id| !id.is_empty());
        }
        None
    }

    fn wanted(&mut self, c: &Consumer, unwanted: Option<Answer>, now_ms: u64) -> Step {
        match unwanted {
            Some(answer) => {
                self.stage = Stage::Over;
                Step::Answer(answer)
            }
            None => self.begin(c, now_ms),
        }
    }

    fn refused(&mut self, c: &Consumer, status: u16, what: &str, code: &str) -> Step {
        let body = Body {
            status: what,
            fields: [
                ("code", Some(code)),
                ("reason", None),
                ("id", None),
                ("eventType", None),
            ],
        };
        let answer = c.answer(status, &body, None);
        if c.source_limited {
            self.stage = Stage::Source(answer);
            Step::CheckSource
        } else {
            self.stage = Stage::Over;
            Step::Answer(answer)
        }
    }

    fn begin(&mut self, c: &Consumer, now_ms: u64) -> Step {
        let key = self.id.as_deref().map(acceptance::key);
        match key {
            Some(Ok(key)) => {
                let key = String::from(key.as_str());
                self.key = Some(key.clone());
                self.stage = Stage::Begin;
                Step::Begin {
                    id: self.id.clone().unwrap_or_default(),
                    key,
                    wait_ms: self.left(now_ms),
                }
            }
            Some(Err(_)) => self.answer(
                c,
                400,
                "bad_event",
                [Some("invalid_id"), None, None, None],
                None,
            ),
            None => self.deliver(now_ms),
        }
    }

    fn deliver(&mut self, now_ms: u64) -> Step {
        self.stage = Stage::Deliver;
        Step::Deliver {
            id: self.id.clone(),
            token: self.token,
            event_type: self.event_type.clone(),
            company_id: self.company_id.clone(),
            wait_ms: self.left(now_ms).saturating_sub(SETTLE_RESERVE_MS),
        }
    }

    /// A limiter's decision (`None`: the limiter could not answer, which fails open).
    pub fn rate(
        &mut self,
        c: &Consumer,
        decision: Option<RateDecision>,
        now_ms: u64,
    ) -> Result<Step, ConsumerError> {
        match core::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Source(answer) => Ok(match decision {
                Some(RateDecision::RetryAfter(s)) => {
                    self.answer(c, 429, "rate_limited", [None; 4], Some(s))
                }
                _ => Step::Answer(answer),
            }),
            Stage::Rate(unwanted) => Ok(match decision {
                Some(RateDecision::RetryAfter(s)) => {
                    self.answer(c, 429, "rate_limited", [None; 4], Some(s))
                }
                _ => self.wanted(c, unwanted, now_ms),
            }),
            other => {
                self.stage = other;
                Err(ConsumerError::UnexpectedResult)
            }
        }
    }

    /// The store's answer to [`Step::Begin`] (an error: the store failed).
    pub fn begun(
        &mut self,
        c: &Consumer,
        begun: Result<Begin, AcceptanceError>,
        now_ms: u64,
    ) -> Result<Step, ConsumerError> {
        self.expect(|s| matches!(s, Stage::Begin))?;
        let id = self.id.clone();
        Ok(match begun {
            Ok(Begin::New { token }) => {
                self.token = Some(token);
                self.deliver(now_ms)
            }
            Ok(Begin::Done) => {
                self.answer(c, 200, "duplicate", [None, None, id.as_deref(), None], None)
            }
            Ok(Begin::InFlight { retry_after }) => self.answer(
                c,
                acceptance::IN_FLIGHT_STATUS,
                "in_flight",
                [None, None, id.as_deref(), None],
                Some(retry_after.max(1)),
            ),
            Err(AcceptanceError::InvalidId) => self.answer(
                c,
                400,
                "bad_event",
                [Some("invalid_id"), None, None, None],
                None,
            ),
            Err(_) => self.unavailable(c, "store_unavailable"),
        })
    }

    fn accepted(&mut self, c: &Consumer) -> Step {
        let id = self.id.clone();
        let event_type = core::mem::take(&mut self.event_type);
        self.answer(
            c,
            202,
            "accepted",
            [None, None, id.as_deref(), Some(&event_type)],
            None,
        )
    }

    /// Settle with `commit` (delivered) and answer `answer` after it.
    fn settle(&mut self, answer: Step, commit: bool, now_ms: u64) -> Step {
        let (Some(id), Some(key), Some(token), Step::Answer(answer)) =
            (self.id.clone(), self.key.clone(), self.token, &answer)
        else {
            return answer;
        };
        self.stage = Stage::Settle(answer.clone());
        let wait_ms = self.left(now_ms).max(SETTLE_RESERVE_MS);
        if commit {
            Step::Commit {
                id,
                key,
                token,
                wait_ms,
            }
        } else {
            Step::Abort {
                id,
                key,
                token,
                wait_ms,
            }
        }
    }

    fn abort(&mut self, c: &Consumer, what: &str, now_ms: u64) -> Step {
        let answer = self.unavailable(c, what);
        self.settle(answer, false, now_ms)
    }

    /// What the delivery came to.
    pub fn delivered(
        &mut self,
        c: &Consumer,
        delivered: Delivered<'_>,
        now_ms: u64,
    ) -> Result<Step, ConsumerError> {
        if let Stage::Detached(answer) = &self.stage {
            // The late result of a delivery already answered 503: settle by what happened.
            let answer = Step::Answer(answer.clone());
            let commit = matches!(
                delivered,
                Delivered::Accepted
                    | Delivered::Backend {
                        status: 200..=299,
                        ..
                    }
            );
            return Ok(match delivered {
                Delivered::Pending => return Err(ConsumerError::UnexpectedResult),
                Delivered::Committed | Delivered::Duplicate | Delivered::InFlight { .. } => {
                    self.stage = Stage::Over;
                    answer
                }
                _ => self.settle(answer, commit, now_ms),
            });
        }
        self.expect(|s| matches!(s, Stage::Deliver))?;
        let id = self.id.clone();
        Ok(match delivered {
            Delivered::Accepted => {
                let answer = self.accepted(c);
                self.settle(answer, true, now_ms)
            }
            Delivered::Backend {
                status: 200..=299, ..
            } => {
                let answer = self.accepted(c);
                self.settle(answer, true, now_ms)
            }
            Delivered::Committed => self.accepted(c),
            Delivered::Duplicate => {
                self.answer(c, 200, "duplicate", [None, None, id.as_deref(), None], None)
            }
            Delivered::InFlight { retry_after } => self.answer(
                c,
                acceptance::IN_FLIGHT_STATUS,
                "in_flight",
                [None, None, id.as_deref(), None],
                Some(retry_after.max(1)),
            ),
            Delivered::Backend {
                status,
                retry_after,
            } => {
                let code = status_code_text(status);
                let now = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
                // The backend's own Retry-After on a 429 or 503, bounded like ours.
                let passed = retry_after
                    .filter(|_| status == 429 || status == 503)
                    .and_then(|v| parse_retry_after(v, now))
                    .map(|s| s.clamp(1, MAX_RETRY_AFTER_SECS));
                let wait = Some(passed.unwrap_or(c.retry_after));
                let fields = [Some(code.as_str()), None, id.as_deref(), None];
                let answer = match (status, c.backend_4xx) {
                    (400..=499, Backend4xx::Acknowledge) if status != 429 => {
                        let answer = self.accepted(c);
                        return Ok(self.settle(answer, true, now_ms));
                    }
                    (400..=499, Backend4xx::Reject) if status != 429 => {
                        self.answer(c, status, "backend_rejected", fields, None)
                    }
                    _ => self.answer(c, 503, "backend_unavailable", fields, wait),
                };
                self.settle(answer, false, now_ms)
            }
            Delivered::Unreachable => self.abort(c, "backend_unavailable", now_ms),
            Delivered::Pending => {
                let step = self.unavailable(c, "delivery_pending");
                if let (Step::Answer(answer), Some(_)) = (&step, self.token) {
                    self.stage = Stage::Detached(answer.clone());
                }
                step
            }
        })
    }

    /// The commit or abort finished (or failed: the answer is the same — a failed commit
    /// leaves the lease to run out, a failed abort too).
    pub fn settled(&mut self) -> Result<Step, ConsumerError> {
        match core::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Settle(answer) => Ok(Step::Answer(answer)),
            other => {
                self.stage = other;
                Err(ConsumerError::UnexpectedResult)
            }
        }
    }

    /// The de-duplication id, once known (after the body).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

fn status_code_text(status: u16) -> String {
    let mut s = String::from("backend_");
    s.push_str(&status.to_string());
    s
}
