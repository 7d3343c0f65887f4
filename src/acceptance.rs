//! Two-phase acceptance: never acknowledge a webhook that was not queued, never queue one twice.
//!
//! A consumer that marks an id as seen *before* its event is queued (check-and-mark) answers a
//! redelivery that arrives meanwhile with `2xx duplicate`; if the enqueue then fails, nothing is
//! queued and the sender believes it delivered. Acceptance splits the mark in two:
//!
//! ```text
//!            begin (new: lease token T)        commit(T): queued
//!  absent ────────────────────────────▶ in flight ─────────────────────▶ done (for the window)
//!    ▲                                   │   │    enqueue(T): queue it     │
//!    │                                   │   │    and done, one step       │
//!    └────── abort(T): enqueue failed ───┘   └─ lease expires ─▶ absent    └─ window ends ─▶ absent
//! ```
//!
//! Per id (a [`key`] derived from the `webhook-id`), at time `now` (Unix seconds, a parameter):
//!
//! - **`begin`** on an absent (or expired) id puts it *in flight* until `now + lease` and answers
//!   [`Begin::New`] with a token, the lease deadline. On an id in flight it answers
//!   [`Begin::InFlight`] with the seconds left on the lease (≥ 1): answer the sender
//!   [`IN_FLIGHT_STATUS`] (503) with that `Retry-After`, which both of Codat's services retry —
//!   never a 2xx (the event is not queued yet) and never 409 (the legacy service drops it). On
//!   a done id it answers [`Begin::Done`]: a genuine duplicate, acknowledge it with a 2xx.
//! - **`commit(token)`** after the event was queued makes the id *done* until `now + window`.
//!   It answers [`Commit::Committed`] when the caller's lease was still live, and
//!   [`Commit::Late`] otherwise (the lease had expired, another delivery took it over, or the id
//!   was already done): the id is done either way, because the event *is* queued, but a second
//!   copy may be queued too, which the queue's consumer drops by `webhook-id`.
//! - **`abort(token)`** after the enqueue failed frees the id, so the redelivery the sender
//!   makes (it retries the 503 it is answered) is accepted. It answers [`Abort::Released`], or
//!   [`Abort::NotHeld`] and changes nothing when the caller's lease is no longer the live one.
//! - **`enqueue(token)`** is `commit` for a store that writes the queue in the same atomic step
//!   as the entry (the Redis script's `XADD`, a transaction that spans both): it decides whether
//!   the event is written at all. When the caller's lease is live it answers
//!   [`Enqueue::Committed`]; when no live entry exists (the lease expired and nobody took it
//!   over) [`Enqueue::Late`]; both mean *write the event* and leave the id done until
//!   `now + window`. On an id already done it answers [`Enqueue::Done`] and on an id another
//!   delivery holds [`Enqueue::InFlight`] (seconds left, ≥ 1): both mean *write nothing*, and
//!   the entry is unchanged — so, unlike a late `commit`, a taken-over delivery never queues a
//!   second copy. [`Enqueue::queues`] says which.
//!
//! **Expiry.** An entry with deadline `d` is live while `now < d`; a dead entry is the same as
//! no entry. Stores may forget an entry once some caller's `now` has reached its deadline, and
//! never earlier (a bounded store refuses new ids when full instead: [`AcceptanceError::StoreFull`]).
//!
//! **Tokens.** A lease's token is its deadline. A live lease is never replaced: a new one is only
//! granted once the previous one is dead (`now ≥ old deadline`), so its token `now + lease` is
//! strictly greater, and a delivery whose lease was taken over can neither commit as the new
//! holder nor abort the new holder's lease (as long as instances' clocks agree within a
//! lease). After an abort or a commit the old token may be issued again; its holder is done.
//!
//! **Window.** The window must cover the sender's retry horizon, not the signature tolerance:
//! Svix signs every retry afresh, so a legitimate redelivery verifies up to ≈ 28 h after the
//! first attempt on Codat's current service (attempts after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h
//! and 10 h: 27 h 35 min 5 s, plus 15 s deadlines). [`DEFAULT_WINDOW_SECS`] is 30 h. A manual
//! resend from Codat's portal after the window is accepted again.
//!
//! [`transition`] is the whole state machine as one pure function over one entry; every store
//! (this crate's [`MemoryStore`](crate::store::MemoryStore), a Durable Object, a Redis script)
//! applies it atomically per key, and `tests/vectors/acceptance.json` checks each one.

use alloc::string::String;
use core::fmt;

use sha2::{Digest, Sha256};

use crate::classify::{CURRENT_RETRY_INTERVALS, DEADLINE_SECS};
use crate::error::ErrorCode;

/// Default de-duplication window: 30 h, covering Codat's current retry schedule
/// (27 h 35 min 5 s of intervals plus eight 15 s deadlines) with margin for clock skew.
pub const DEFAULT_WINDOW_SECS: u64 = 30 * 3600;
/// Default lease: how long a delivery may hold an id in flight between `begin` and
/// `commit`/`abort`. Longer than any enqueue a consumer waits for (Codat's deadline is 15 s).
pub const DEFAULT_LEASE_SECS: u64 = 60;
/// Longest window accepted: 366 days.
pub const MAX_WINDOW_SECS: u64 = 366 * 86_400;
/// Longest lease accepted: 1 h.
pub const MAX_LEASE_SECS: u64 = 3600;
/// Longest id accepted, in bytes. Longer or unusual ids are stored as a fixed-size digest
/// ([`key`]), so this bounds only the hashing work.
pub const MAX_ACCEPTANCE_ID_LEN: usize = 64 * 1024;
/// Longest id stored verbatim as its own key, in bytes (Svix ids are 31, UUIDs 36).
pub const MAX_VERBATIM_KEY_LEN: usize = 128;
/// Prefix of a digest key: `sha256:` and 64 lowercase hex digits.
pub const DIGEST_KEY_PREFIX: &str = "sha256:";
/// Longest key [`key`] returns, in bytes: a digest key.
pub const MAX_KEY_LEN: usize = 7 + 64;
/// The status for a duplicate of an id in flight, with `Retry-After`: both Codat services retry
/// a 503 (legacy after `Retry-After`, current on its own schedule); a 409 would be dropped by
/// the legacy service and a 2xx would acknowledge an event not yet queued.
pub const IN_FLIGHT_STATUS: u16 = 503;

// The default window covers the current service's whole retry schedule (a compile error if
// the schedule changes length, so this is revisited).
const _: () = {
    let [a, b, c, d, e, f, g] = CURRENT_RETRY_INTERVALS;
    assert!(DEFAULT_WINDOW_SECS > a + b + c + d + e + f + g + 8 * DEADLINE_SECS);
};

/// Why acceptance could not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AcceptanceError {
    /// The id is empty or longer than [`MAX_ACCEPTANCE_ID_LEN`].
    InvalidId,
    /// Window or lease out of range (lease 1 s – 1 h, window from the lease to 366 days), or a
    /// capacity of 0 or above the store's maximum.
    InvalidConfig,
    /// A bounded store holds its maximum of live ids: answer 503 and let the sender retry.
    StoreFull,
    /// The store kept changing under a compare-and-swap: answer 503 and let the sender retry.
    Contended,
    /// The store could not be reached: answer 503 and let the sender retry.
    StoreUnavailable,
}

impl ErrorCode for AcceptanceError {
    fn code(&self) -> &'static str {
        match self {
            AcceptanceError::InvalidId => "invalid_id",
            AcceptanceError::InvalidConfig => "invalid_config",
            AcceptanceError::StoreFull => "store_full",
            AcceptanceError::Contended => "contended",
            AcceptanceError::StoreUnavailable => "store_unavailable",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            AcceptanceError::InvalidId => "the webhook id must be 1 to 65536 bytes",
            AcceptanceError::InvalidConfig => {
                "lease must be 1 to 3600 s, window from the lease to 366 days, capacity within the store's bounds"
            }
            AcceptanceError::StoreFull => "the acceptance store is full of live ids; retry later",
            AcceptanceError::Contended => "the acceptance store kept changing; retry later",
            AcceptanceError::StoreUnavailable => "the acceptance store is unavailable; retry later",
        }
    }
}

impl fmt::Display for AcceptanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for AcceptanceError {}

/// Window and lease, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcceptanceConfig {
    window: i64,
    lease: i64,
}

impl Default for AcceptanceConfig {
    fn default() -> Self {
        AcceptanceConfig {
            window: DEFAULT_WINDOW_SECS as i64,
            lease: DEFAULT_LEASE_SECS as i64,
        }
    }
}

impl AcceptanceConfig {
    /// Done ids are remembered `window_secs` after their commit; a `begin` holds an id in
    /// flight for `lease_secs`. Lease 1 – 3600 s; window from the lease to 366 days.
    pub fn new(window_secs: u64, lease_secs: u64) -> Result<AcceptanceConfig, AcceptanceError> {
        if lease_secs == 0
            || lease_secs > MAX_LEASE_SECS
            || window_secs < lease_secs
            || window_secs > MAX_WINDOW_SECS
        {
            return Err(AcceptanceError::InvalidConfig);
        }
        // Both bounds are far below i64::MAX.
        Ok(AcceptanceConfig {
            window: i64::try_from(window_secs).map_err(|_| AcceptanceError::InvalidConfig)?,
            lease: i64::try_from(lease_secs).map_err(|_| AcceptanceError::InvalidConfig)?,
        })
    }

    /// The window, in seconds.
    pub fn window_secs(&self) -> u64 {
        self.window.unsigned_abs()
    }

    /// The lease, in seconds.
    pub fn lease_secs(&self) -> u64 {
        self.lease.unsigned_abs()
    }
}

/// The key an id is stored under: the id itself when it is 1 – 128 bytes of
/// `[A-Za-z0-9_.-]`, otherwise `sha256:` and the lowercase hex SHA-256 of its bytes (a colon
/// never appears in a verbatim key, so the two forms never collide). At most
/// [`MAX_KEY_LEN`] bytes, safe in any store's key space.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(String);

impl Key {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Derives the store key of a webhook id (see [`Key`]).
pub fn key(id: &str) -> Result<Key, AcceptanceError> {
    if id.is_empty() || id.len() > MAX_ACCEPTANCE_ID_LEN {
        return Err(AcceptanceError::InvalidId);
    }
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
    if id.len() <= MAX_VERBATIM_KEY_LEN && id.bytes().all(plain) {
        return Ok(Key(String::from(id)));
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(MAX_KEY_LEN);
    text.push_str(DIGEST_KEY_PREFIX);
    for byte in Sha256::digest(id.as_bytes()) {
        for nibble in [byte >> 4, byte & 0x0f] {
            text.push(char::from(
                HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    Ok(Key(text))
}

/// One id's stored state. Dead entries (`now ≥ deadline`) mean the same as no entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entry {
    /// A delivery holds the id until `lease_until` (its token).
    InFlight {
        /// Lease deadline, Unix seconds.
        lease_until: i64,
    },
    /// The id's event is queued; duplicates are acknowledged until `until`.
    Done {
        /// End of the window, Unix seconds.
        until: i64,
    },
}

impl Entry {
    /// When the entry dies, Unix seconds.
    pub fn deadline(&self) -> i64 {
        match *self {
            Entry::InFlight { lease_until } => lease_until,
            Entry::Done { until } => until,
        }
    }

    /// Whether the entry is live at `now`: `now < deadline`.
    pub fn is_live(&self, now: i64) -> bool {
        now < self.deadline()
    }
}

/// An operation on one id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Start accepting a delivery.
    Begin,
    /// The delivery holding lease `token` queued its event.
    Commit {
        /// The token [`Begin::New`] gave.
        token: i64,
    },
    /// The delivery holding lease `token` could not queue its event.
    Abort {
        /// The token [`Begin::New`] gave.
        token: i64,
    },
    /// The delivery holding lease `token` asks to queue its event and commit in one atomic
    /// step (see the module docs).
    Enqueue {
        /// The token [`Begin::New`] gave.
        token: i64,
    },
}

/// What `begin` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Begin {
    /// The caller now holds the id in flight: queue the event, then commit (or abort) with
    /// `token`.
    New {
        /// The lease token: its deadline, Unix seconds.
        token: i64,
    },
    /// Another delivery holds it: answer [`IN_FLIGHT_STATUS`] with `Retry-After: retry_after`.
    InFlight {
        /// Seconds left on that lease, ≥ 1.
        retry_after: u64,
    },
    /// Already queued within the window: acknowledge the duplicate with a 2xx.
    Done,
}

/// What `commit` did: the id is done either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Commit {
    /// The caller's lease was live.
    Committed,
    /// The caller's lease was dead, taken over, or the id already done: another copy of the
    /// event may be queued.
    Late,
}

/// What `abort` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Abort {
    /// The caller's lease was live and is released: a redelivery will be accepted.
    Released,
    /// The caller's lease is not the live entry; nothing changed.
    NotHeld,
}

/// What `enqueue` decided: whether the store writes the event in the same atomic step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Enqueue {
    /// Write the event: the caller's lease was live; the id is now done.
    Committed,
    /// Write the event: no live entry held the id (the caller's lease expired and nobody took
    /// it over); the id is now done.
    Late,
    /// Write nothing: the id is already done within the window; acknowledge the duplicate.
    Done,
    /// Write nothing: another delivery holds the id; answer [`IN_FLIGHT_STATUS`] with
    /// `Retry-After: retry_after`.
    InFlight {
        /// Seconds left on that lease, ≥ 1.
        retry_after: u64,
    },
}

impl Enqueue {
    /// Whether the store writes the event ([`Enqueue::Committed`] or [`Enqueue::Late`]).
    pub fn queues(&self) -> bool {
        matches!(self, Enqueue::Committed | Enqueue::Late)
    }
}

/// The answer to one [`Op`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Answer to [`Op::Begin`].
    Begin(Begin),
    /// Answer to [`Op::Commit`].
    Commit(Commit),
    /// Answer to [`Op::Abort`].
    Abort(Abort),
    /// Answer to [`Op::Enqueue`].
    Enqueue(Enqueue),
}

/// One step of the state machine: the entry to store (`None`: delete) and the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    /// The id's entry after the operation.
    pub entry: Option<Entry>,
    /// The operation's answer.
    pub answer: Answer,
}

/// The state machine as a pure function: applies `op` at `now` to one id's stored `entry`.
///
/// A store stays correct as long as it applies this atomically per key (read, transition,
/// write, with no other operation on that key in between). Times saturate at the ends of
/// `i64`.
pub fn transition(config: &AcceptanceConfig, entry: Option<Entry>, op: Op, now: i64) -> Transition {
    let live = entry.filter(|e| e.is_live(now));
    let (entry, answer) = match op {
        Op::Begin => match live {
            None => {
                let token = now.saturating_add(config.lease);
                (
                    Some(Entry::InFlight { lease_until: token }),
                    Answer::Begin(Begin::New { token }),
                )
            }
            Some(Entry::InFlight { lease_until }) => (
                entry,
                Answer::Begin(Begin::InFlight {
                    retry_after: lease_until.abs_diff(now).max(1),
                }),
            ),
            Some(Entry::Done { .. }) => (entry, Answer::Begin(Begin::Done)),
        },
        Op::Commit { token } => {
            let until = now.saturating_add(config.window);
            match live {
                Some(Entry::InFlight { lease_until }) if lease_until == token => (
                    Some(Entry::Done { until }),
                    Answer::Commit(Commit::Committed),
                ),
                Some(Entry::Done { until: old }) => (
                    Some(Entry::Done {
                        until: old.max(until),
                    }),
                    Answer::Commit(Commit::Late),
                ),
                _ => (Some(Entry::Done { until }), Answer::Commit(Commit::Late)),
            }
        }
        Op::Abort { token } => match live {
            Some(Entry::InFlight { lease_until }) if lease_until == token => {
                (None, Answer::Abort(Abort::Released))
            }
            _ => (entry, Answer::Abort(Abort::NotHeld)),
        },
        Op::Enqueue { token } => match live {
            Some(Entry::InFlight { lease_until }) if lease_until == token => (
                Some(Entry::Done {
                    until: now.saturating_add(config.window),
                }),
                Answer::Enqueue(Enqueue::Committed),
            ),
            Some(Entry::InFlight { lease_until }) => (
                entry,
                Answer::Enqueue(Enqueue::InFlight {
                    retry_after: lease_until.abs_diff(now).max(1),
                }),
            ),
            Some(Entry::Done { .. }) => (entry, Answer::Enqueue(Enqueue::Done)),
            None => (
                Some(Entry::Done {
                    until: now.saturating_add(config.window),
                }),
                Answer::Enqueue(Enqueue::Late),
            ),
        },
    };
    Transition { entry, answer }
}
