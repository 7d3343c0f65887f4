//! A webhook-id replay guard: a bounded set of recently seen ids with expiry, so a worker
//! isolate can drop duplicates within the timestamp window. Time is a parameter (Unix seconds).
//!
//! Record an id only after its message verified. With the default ±300 s tolerance a captured
//! message stays acceptable for at most 600 s after it was first seen, hence the default TTL.
//!
//! This is replay protection within the signature window, **not** de-duplication for a
//! consumer that queues events: marking an id before its event is queued acknowledges a
//! redelivery that arrives while the enqueue is pending, even if the enqueue then fails, and
//! the window is far shorter than the sender's ≈ 28 h of retries. Consumers use
//! [`crate::acceptance`] (begin → enqueue → commit/abort) instead.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use core::fmt;

use crate::ErrorCode;
use crate::signature::MAX_ID_LEN;

/// Default time an id is remembered: twice the default tolerance.
pub const DEFAULT_REPLAY_TTL_SECS: u64 = 600;
/// Largest capacity accepted.
pub const MAX_REPLAY_CAPACITY: usize = 1_000_000;

/// Why a guard could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplayError {
    /// Capacity 0 or above [`MAX_REPLAY_CAPACITY`], or a TTL of 0.
    InvalidCapacity,
}

impl ErrorCode for ReplayError {
    fn code(&self) -> &'static str {
        "invalid_capacity"
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("capacity must be between 1 and 1000000 ids and the TTL at least 1 s")
    }
}

impl core::error::Error for ReplayError {}

/// Whether an id was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Seen {
    /// First time (within the TTL): now recorded.
    New,
    /// Already recorded and not yet expired: a duplicate delivery or a replay.
    Duplicate,
}

/// Remembers up to `capacity` ids for `ttl` seconds each. When full, the oldest id is
/// forgotten first (so a flood of fresh ids can push out an old one: size the capacity for the
/// TTL × the peak message rate).
#[derive(Debug, Clone)]
pub struct ReplayGuard {
    capacity: usize,
    ttl: i64,
    /// id → expiry (Unix seconds).
    ids: BTreeMap<String, i64>,
    /// Ids in the order they were recorded, with their expiry.
    order: VecDeque<(i64, String)>,
}

impl ReplayGuard {
    /// A guard holding at most `capacity` ids for `ttl_secs` seconds each.
    pub fn new(capacity: usize, ttl_secs: u64) -> Result<ReplayGuard, ReplayError> {
        if capacity == 0 || capacity > MAX_REPLAY_CAPACITY || ttl_secs == 0 {
            return Err(ReplayError::InvalidCapacity);
        }
        Ok(ReplayGuard {
            capacity,
            ttl: i64::try_from(ttl_secs).unwrap_or(i64::MAX),
            ids: BTreeMap::new(),
            order: VecDeque::new(),
        })
    }

    /// Ids currently remembered (expired ones are dropped lazily).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Checks `id` at `now` and records it if new. Ids longer than
    /// [`MAX_ID_LEN`] never verify, so they are not stored.
    pub fn check(&mut self, id: &str, now: i64) -> Seen {
        self.expire(now);
        if self.ids.get(id).is_some_and(|&expiry| expiry > now) {
            return Seen::Duplicate;
        }
        if id.len() > MAX_ID_LEN {
            return Seen::New;
        }
        // Make room: forget the oldest records. A record whose id was recorded again later
        // (after expiring) is stale and only leaves the queue; the queue never holds more than
        // twice the capacity.
        while self.ids.len() >= self.capacity || self.order.len() >= 2 * self.capacity {
            match self.order.pop_front() {
                Some((expiry, old)) => self.drop_record(&old, expiry),
                None => break,
            }
        }
        let expiry = now.saturating_add(self.ttl);
        self.ids.insert(String::from(id), expiry);
        self.order.push_back((expiry, String::from(id)));
        Seen::New
    }

    /// Forgets `id`, e.g. when the message it came with could not be processed after all and
    /// a redelivery must be accepted. Returns whether it was remembered.
    pub fn forget(&mut self, id: &str) -> bool {
        self.ids.remove(id).is_some()
    }

    fn expire(&mut self, now: i64) {
        while let Some((expiry, _)) = self.order.front() {
            if *expiry > now {
                break;
            }
            if let Some((expiry, id)) = self.order.pop_front() {
                self.drop_record(&id, expiry);
            }
        }
    }

    /// Forgets `id` if `expiry` is its latest record.
    fn drop_record(&mut self, id: &str, expiry: i64) {
        if self.ids.get(id) == Some(&expiry) {
            self.ids.remove(id);
        }
    }
}
