//! A consumer-side rate limiter (GCRA, the generic cell rate algorithm): "at most N messages
//! per second, with bursts of B", answering allow or "retry after S seconds", so a consumer can
//! shed load with `429` + `Retry-After` (which Codat's legacy service honours).
//!
//! Time is a parameter, in Unix **milliseconds** (a per-second rate needs sub-second time).

use core::fmt;

use crate::ErrorCode;

/// Highest rate accepted, in messages per second.
pub const MAX_RATE_PER_SECOND: u32 = 1_000_000;
/// Largest burst accepted, in messages.
pub const MAX_BURST: u32 = 1_000_000;

const NANOS_PER_MILLI: u128 = 1_000_000;
const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Why a limiter could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateLimitError {
    /// The rate or burst is 0 or above [`MAX_RATE_PER_SECOND`] / [`MAX_BURST`].
    InvalidRate,
}

impl ErrorCode for RateLimitError {
    fn code(&self) -> &'static str {
        "invalid_rate"
    }
}

impl fmt::Display for RateLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rate and burst must be between 1 and 1000000")
    }
}

impl core::error::Error for RateLimitError {}

/// The limiter's answer for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum RateDecision {
    /// Take the message.
    Allow,
    /// Refuse it; the sender may try again after this many whole seconds (≥ 1), the value for
    /// a `Retry-After` header.
    RetryAfter(u64),
}

/// GCRA state: one theoretical arrival time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimiter {
    /// Nanoseconds between messages at the sustained rate.
    interval: u128,
    /// How far ahead of `now` the arrival time may run: `interval × (burst − 1)`.
    tolerance: u128,
    /// Theoretical arrival time of the next message, Unix nanoseconds.
    tat: u128,
}

impl RateLimiter {
    /// At most `per_second` messages per second on average, and at most `burst` at once.
    pub fn new(per_second: u32, burst: u32) -> Result<RateLimiter, RateLimitError> {
        if per_second == 0 || per_second > MAX_RATE_PER_SECOND || burst == 0 || burst > MAX_BURST {
            return Err(RateLimitError::InvalidRate);
        }
        let interval = NANOS_PER_SEC / u128::from(per_second);
        Ok(RateLimiter {
            interval,
            tolerance: interval * u128::from(burst - 1),
            tat: 0,
        })
    }

    /// Decides for one message arriving at `now_ms` (Unix milliseconds) and, when allowed,
    /// counts it. A clock that goes backwards never allows more than the burst.
    pub fn check(&mut self, now_ms: u64) -> RateDecision {
        let now = u128::from(now_ms) * NANOS_PER_MILLI;
        let tat = self.tat.max(now);
        let earliest = tat.saturating_sub(self.tolerance);
        if now < earliest {
            let wait = earliest - now;
            let secs = wait.div_ceil(NANOS_PER_SEC).max(1);
            RateDecision::RetryAfter(u64::try_from(secs).unwrap_or(u64::MAX))
        } else {
            self.tat = tat + self.interval;
            RateDecision::Allow
        }
    }
}
