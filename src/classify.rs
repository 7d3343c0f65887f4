//! What the sender does with each response: delivered, redirected, retried (when), or dropped.
//!
//! Codat documents two delivery services, so there are two [`Policy`]s:
//!
//! - [`Policy::Legacy`], Codat's legacy rule webhooks: 2xx delivered; 3xx redirect (followed,
//!   not cached); 408, 420, 429, 460, 502, 503, 504, 522, 524, a timeout (15 s) or a connection
//!   error are transient and retried; every other status (1xx, 400, 500, 501, …) fails for good.
//!   At most 3 retries; Codat publishes only "three times over a 2 minute period, rising to at
//!   most 60 s", so the default intervals are 15 s, 30 s and 60 s (105 s in all). A
//!   `Retry-After` response header replaces that retry's interval, as Codat's docs say,
//!   uncapped (their own example asks for 120 s).
//! - [`Policy::Current`], Codat's Svix-based service: only 2xx is delivered; any other status,
//!   a 3xx, a timeout (15 s) or a connection error is a failed attempt, retried 5 s, 5 min,
//!   30 min, 2 h, 5 h, 10 h and 10 h after the previous one (8 attempts in all, ≈ 28 h).
//!   `Retry-After` is not read (Codat: the new service "makes Retry-After unnecessary").
//!   A `webhook-delivery: abort-message` response header stops retrying that message;
//!   `webhook-delivery: disable` disables the endpoint. An endpoint failing for 5 days is
//!   disabled ([`endpoint_disabled`]).

use core::fmt;

use crate::retry_after::parse_retry_after;

/// Codat's response deadline, in seconds: a consumer must answer within 15 s.
pub const DEADLINE_SECS: u64 = 15;
/// The statuses Codat's legacy service retries (Codat legacy docs, "Expected response codes").
pub const LEGACY_RETRY_STATUSES: [u16; 9] = [408, 420, 429, 460, 502, 503, 504, 522, 524];
/// The legacy service's retry intervals, in seconds; see the module docs for their source.
pub const LEGACY_RETRY_INTERVALS: [u64; 3] = [15, 30, 60];
/// Delays before attempts 2 to 8 on the current service, in seconds (Codat troubleshooting
/// docs: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
pub const CURRENT_RETRY_INTERVALS: [u64; 7] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
/// Seconds of continuous failure after which the current service disables an endpoint.
pub const ENDPOINT_DISABLE_AFTER_SECS: i64 = 5 * 86_400;
/// `webhook-delivery`, the Svix delivery-control response header.
pub const WEBHOOK_DELIVERY: &str = "webhook-delivery";

/// Which of Codat's delivery services to model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Policy {
    /// Legacy rule webhooks.
    Legacy,
    /// The current, Svix-based webhook service.
    Current,
}

impl Policy {
    /// Parses `"legacy"` or `"current"`.
    pub fn parse(name: &str) -> Option<Policy> {
        match name {
            "legacy" => Some(Policy::Legacy),
            "current" => Some(Policy::Current),
            _ => None,
        }
    }

    /// `"legacy"` or `"current"`.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Legacy => "legacy",
            Policy::Current => "current",
        }
    }
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Outcome {
    /// The consumer answered with this status code.
    Status(u16),
    /// No response within [`DEADLINE_SECS`].
    Timeout,
    /// The connection failed (refused, reset, TLS, DNS).
    ConnectionError,
}

/// One attempt's response as the sender sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Attempt<'a> {
    /// How the attempt ended; `None` is treated as a connection error.
    pub outcome: Option<Outcome>,
    /// The `Retry-After` response header, if any.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub retry_after: Option<&'a str>,
    /// The `webhook-delivery` response header, if any.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub webhook_delivery: Option<&'a str>,
}

impl<'a> Attempt<'a> {
    /// An attempt answered with `status` and no relevant headers.
    pub fn status(status: u16) -> Attempt<'a> {
        Attempt {
            outcome: Some(Outcome::Status(status)),
            ..Attempt::default()
        }
    }

    /// An attempt that timed out.
    pub fn timeout() -> Attempt<'a> {
        Attempt {
            outcome: Some(Outcome::Timeout),
            ..Attempt::default()
        }
    }

    fn outcome(&self) -> Outcome {
        self.outcome.unwrap_or(Outcome::ConnectionError)
    }
}

/// What one response means to the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Classification {
    /// Received: the message is done.
    Delivered,
    /// Legacy only: the sender follows the redirect (and does not cache it).
    Redirect,
    /// A failed attempt that the sender retries.
    Retry,
    /// A failure the sender does not retry.
    Failed,
}

impl Classification {
    /// `"delivered"`, `"redirect"`, `"retry"` or `"failed"`.
    pub fn name(self) -> &'static str {
        match self {
            Classification::Delivered => "delivered",
            Classification::Redirect => "redirect",
            Classification::Retry => "retry",
            Classification::Failed => "failed",
        }
    }
}

/// Why the sender gives up on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum GiveUpReason {
    /// Legacy: a status that is never retried (1xx, 400, 500, …).
    Unrecoverable,
    /// Every retry the policy allows has been used.
    RetriesExhausted,
    /// Current: the consumer answered `webhook-delivery: abort-message`.
    Aborted,
    /// Current: the consumer answered `webhook-delivery: disable`; the endpoint is disabled.
    EndpointDisabled,
}

impl GiveUpReason {
    /// `"unrecoverable"`, `"retries_exhausted"`, `"aborted"` or `"endpoint_disabled"`.
    pub fn name(self) -> &'static str {
        match self {
            GiveUpReason::Unrecoverable => "unrecoverable",
            GiveUpReason::RetriesExhausted => "retries_exhausted",
            GiveUpReason::Aborted => "aborted",
            GiveUpReason::EndpointDisabled => "endpoint_disabled",
        }
    }
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GiveUpReason::Unrecoverable => "status is not retried",
            GiveUpReason::RetriesExhausted => "all retries used",
            GiveUpReason::Aborted => "consumer asked to abort the message",
            GiveUpReason::EndpointDisabled => "consumer asked to disable the endpoint",
        })
    }
}

/// What the sender does next with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Decision {
    /// Done: delivered.
    Delivered,
    /// Legacy: follow the redirect now, as part of the same attempt.
    FollowRedirect,
    /// Try again at this Unix time.
    RetryAt(i64),
    /// Stop, for this reason.
    GiveUp(GiveUpReason),
}

fn delivery_control(attempt: &Attempt<'_>) -> Option<GiveUpReason> {
    let value = attempt.webhook_delivery?.trim_matches([' ', '\t']);
    if value.eq_ignore_ascii_case("abort-message") {
        Some(GiveUpReason::Aborted)
    } else if value.eq_ignore_ascii_case("disable") {
        Some(GiveUpReason::EndpointDisabled)
    } else {
        None
    }
}

/// Classifies one attempt's response under `policy`.
pub fn classify(policy: Policy, attempt: &Attempt<'_>) -> Classification {
    let outcome = attempt.outcome();
    match policy {
        Policy::Legacy => match outcome {
            Outcome::Status(200..=299) => Classification::Delivered,
            Outcome::Status(300..=399) => Classification::Redirect,
            Outcome::Status(s) if LEGACY_RETRY_STATUSES.contains(&s) => Classification::Retry,
            Outcome::Status(_) => Classification::Failed,
            Outcome::Timeout | Outcome::ConnectionError => Classification::Retry,
        },
        Policy::Current => match outcome {
            Outcome::Status(200..=299) => Classification::Delivered,
            _ if delivery_control(attempt).is_some() => Classification::Failed,
            _ => Classification::Retry,
        },
    }
}

/// Decides what happens after attempt number `attempt_number` (1 for the first delivery,
/// 2 for the first retry, …) ended with `attempt` at Unix time `now`.
///
/// Legacy: at most [`LEGACY_RETRY_INTERVALS`]`.len()` retries, each after its interval or the
/// `Retry-After` delay. Current: at most 8 attempts, [`CURRENT_RETRY_INTERVALS`] apart;
/// `webhook-delivery` stops it early. A retry time that would overflow gives up.
pub fn next_attempt(
    policy: Policy,
    attempt_number: u32,
    attempt: &Attempt<'_>,
    now: i64,
) -> Decision {
    let index = usize::try_from(attempt_number.saturating_sub(1)).unwrap_or(usize::MAX);
    match classify(policy, attempt) {
        Classification::Delivered => Decision::Delivered,
        Classification::Redirect => Decision::FollowRedirect,
        Classification::Failed => Decision::GiveUp(
            delivery_control(attempt)
                .filter(|_| policy == Policy::Current)
                .unwrap_or(GiveUpReason::Unrecoverable),
        ),
        Classification::Retry => {
            let delay = match policy {
                Policy::Legacy => LEGACY_RETRY_INTERVALS.get(index).map(|&interval| {
                    attempt
                        .retry_after
                        .and_then(|v| parse_retry_after(v, now))
                        // A delay that cannot be scheduled is ignored like a malformed one.
                        .filter(|&d| i64::try_from(d).is_ok_and(|d| now.checked_add(d).is_some()))
                        .unwrap_or(interval)
                }),
                Policy::Current => CURRENT_RETRY_INTERVALS.get(index).copied(),
            };
            match delay
                .and_then(|d| i64::try_from(d).ok())
                .and_then(|d| now.checked_add(d))
            {
                Some(at) => Decision::RetryAt(at),
                None => Decision::GiveUp(GiveUpReason::RetriesExhausted),
            }
        }
    }
}

/// Current service: whether an endpoint failing continuously since `failing_since` is
/// disabled at `now` (after 5 days).
pub fn endpoint_disabled(failing_since: i64, now: i64) -> bool {
    now.saturating_sub(failing_since) >= ENDPOINT_DISABLE_AFTER_SECS
}
