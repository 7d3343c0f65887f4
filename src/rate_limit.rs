//! A consumer-side rate limiter (GCRA, the generic cell rate algorithm): "at most N messages
//! per second, with bursts of B", answering allow or "retry after S seconds", so a consumer can
//! shed load with `429` + `Retry-After` (which Codat's legacy service honours).
//!
//! Time is a parameter, in Unix **milliseconds** (a per-second rate needs sub-second time).

use alloc::collections::BTreeMap;
use core::fmt;

use crate::error::ErrorCode;
use crate::source::parse_addr;

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
    /// The rate or burst is 0 or above [`MAX_RATE_PER_SECOND`] / [`MAX_BURST`], or a
    /// [`SourceLimiter`]'s capacity is 0 or above [`MAX_SOURCE_CAPACITY`].
    InvalidRate,
}

impl ErrorCode for RateLimitError {
    fn code(&self) -> &'static str {
        "invalid_rate"
    }

    fn message(&self) -> &'static str {
        "rate, burst and capacity must be between 1 and 1000000"
    }
}

impl fmt::Display for RateLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
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
        let (decision, tat) = gcra(self.tat, self.interval, self.tolerance, now_ms);
        self.tat = tat;
        decision
    }

    /// The GCRA's emission interval and tolerance (`interval × (burst − 1)`), in nanoseconds:
    /// what a shared store's copy of the algorithm needs (`src/redis/rate_limit.lua`).
    pub fn gcra_params(&self) -> (u128, u128) {
        (self.interval, self.tolerance)
    }
}

/// One GCRA step from theoretical arrival time `tat`: the decision and the new `tat`.
fn gcra(tat: u128, interval: u128, tolerance: u128, now_ms: u64) -> (RateDecision, u128) {
    let now = u128::from(now_ms) * NANOS_PER_MILLI;
    let tat = tat.max(now);
    let earliest = tat.saturating_sub(tolerance);
    if now < earliest {
        let wait = earliest - now;
        let secs = wait.div_ceil(NANOS_PER_SEC).max(1);
        (
            RateDecision::RetryAfter(u64::try_from(secs).unwrap_or(u64::MAX)),
            tat,
        )
    } else {
        (RateDecision::Allow, tat + interval)
    }
}

/// Most sources a [`SourceLimiter`] may be asked to track.
pub const MAX_SOURCE_CAPACITY: usize = 1_000_000;
/// Default number of sources a [`SourceLimiter`] tracks.
pub const DEFAULT_SOURCE_CAPACITY: usize = 10_000;

/// One GCRA per source address, in memory, for requests that failed authentication: a
/// consumer charges it only after a request's credentials were refused, so unauthenticated
/// traffic is limited on its own and never spends the budget of signed deliveries (which a
/// [`RateLimiter`] charges only after authentication).
///
/// Sources are keyed by address: an IPv4 address (IPv4-mapped IPv6 alike) on its own, an IPv6
/// address by its /64 (one subscriber's usual allocation, so rotating addresses inside it does
/// not escape the limit). Anything that is not an address (a missing or malformed header) shares
/// one key. At most `capacity` sources are tracked; when a new one arrives at capacity, sources
/// whose limit has fully recovered are forgotten first (the same as never seen), then the one
/// closest to recovery (it may then get at most one burst early).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLimiter {
    interval: u128,
    tolerance: u128,
    capacity: usize,
    /// Theoretical arrival time per source key (`None`: not an address).
    tats: BTreeMap<Option<u128>, u128>,
}

impl SourceLimiter {
    /// At most `per_second` refused requests per second on average and `burst` at once from
    /// each source, for at most `capacity` sources (1 to [`MAX_SOURCE_CAPACITY`]).
    pub fn new(
        per_second: u32,
        burst: u32,
        capacity: usize,
    ) -> Result<SourceLimiter, RateLimitError> {
        let template = RateLimiter::new(per_second, burst)?;
        if capacity == 0 || capacity > MAX_SOURCE_CAPACITY {
            return Err(RateLimitError::InvalidRate);
        }
        Ok(SourceLimiter {
            interval: template.interval,
            tolerance: template.tolerance,
            capacity,
            tats: BTreeMap::new(),
        })
    }

    /// Decides for one request from `source` (an IP address, no port) at `now_ms` (Unix
    /// milliseconds) and, when allowed, counts it.
    pub fn check(&mut self, source: &str, now_ms: u64) -> RateDecision {
        let key = parse_addr(source).map(|addr| {
            if addr >> 32 == 0xffff {
                addr
            } else {
                addr & !u128::from(u64::MAX)
            }
        });
        let tat = match self.tats.get(&key) {
            Some(&tat) => tat,
            None => {
                self.make_room(now_ms);
                0
            }
        };
        let (decision, tat) = gcra(tat, self.interval, self.tolerance, now_ms);
        self.tats.insert(key, tat);
        decision
    }

    /// Sources tracked now.
    pub fn len(&self) -> usize {
        self.tats.len()
    }

    /// Whether no source is tracked.
    pub fn is_empty(&self) -> bool {
        self.tats.is_empty()
    }

    /// Below capacity by one: recovered sources first (lossless), then the nearest to recovery.
    fn make_room(&mut self, now_ms: u64) {
        if self.tats.len() < self.capacity {
            return;
        }
        let now = u128::from(now_ms) * NANOS_PER_MILLI;
        self.tats.retain(|_, tat| *tat > now);
        while self.tats.len() >= self.capacity {
            let nearest = self
                .tats
                .iter()
                .min_by_key(|(_, tat)| **tat)
                .map(|(k, _)| *k);
            match nearest {
                Some(k) => self.tats.remove(&k),
                None => break,
            };
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn each_source_has_its_own_budget() {
        let mut l = SourceLimiter::new(1, 2, 100).unwrap();
        assert_eq!(l.check("203.0.113.7", 0), RateDecision::Allow);
        assert_eq!(l.check("203.0.113.7", 0), RateDecision::Allow);
        assert_eq!(l.check("203.0.113.7", 0), RateDecision::RetryAfter(1));
        // Another address, the same address mapped into IPv6, and one in another /64.
        assert_eq!(l.check("203.0.113.8", 0), RateDecision::Allow);
        assert_eq!(
            l.check("::ffff:203.0.113.7", 0),
            RateDecision::RetryAfter(1)
        );
        assert_eq!(l.check("2001:db8:0:1::1", 0), RateDecision::Allow);
        assert_eq!(l.check("2001:db8:0:1::2", 0), RateDecision::Allow);
        assert_eq!(
            l.check("2001:db8:0:1:ffff::9", 0),
            RateDecision::RetryAfter(1)
        );
        assert_eq!(l.check("2001:db8:0:2::1", 0), RateDecision::Allow);
        // Whatever is not an address shares one key.
        assert_eq!(l.check("", 0), RateDecision::Allow);
        assert_eq!(l.check("unknown", 0), RateDecision::Allow);
        assert_eq!(l.check("1.2.3.4:80", 0), RateDecision::RetryAfter(1));
        assert_eq!(l.check("203.0.113.7", 1000), RateDecision::Allow);
    }

    #[test]
    fn at_capacity_recovered_sources_go_first_then_the_nearest_to_recovery() {
        let mut l = SourceLimiter::new(1, 1, 2).unwrap();
        assert_eq!(l.check("10.0.0.1", 0), RateDecision::Allow); // recovers at 1000
        assert_eq!(l.check("10.0.0.2", 500), RateDecision::Allow); // recovers at 1500
        // At 1200 the first has recovered: forgetting it loses nothing.
        assert_eq!(l.check("10.0.0.3", 1200), RateDecision::Allow);
        assert_eq!(l.len(), 2);
        assert_eq!(l.check("10.0.0.2", 1200), RateDecision::RetryAfter(1));
        // None recovered at 1300: the nearest to recovery (10.0.0.2, at 1500) goes.
        assert_eq!(l.check("10.0.0.4", 1300), RateDecision::Allow);
        assert_eq!(l.len(), 2);
        assert_eq!(l.check("10.0.0.3", 1300), RateDecision::RetryAfter(1));
        assert_eq!(l.check("10.0.0.2", 1300), RateDecision::Allow);
    }

    #[test]
    fn capacity_is_bounded() {
        assert_eq!(
            SourceLimiter::new(1, 1, 0),
            Err(RateLimitError::InvalidRate)
        );
        assert_eq!(
            SourceLimiter::new(1, 1, MAX_SOURCE_CAPACITY + 1),
            Err(RateLimitError::InvalidRate)
        );
        assert_eq!(
            SourceLimiter::new(0, 1, 10),
            Err(RateLimitError::InvalidRate)
        );
    }
}
