//! The store two-phase acceptance runs over, and its bounded in-memory implementation.
//!
//! [`AcceptanceStore`] is what [`Acceptance`] needs from any store: read one id's entry, and
//! replace it only if it is still what was read (compare-and-swap, where `None` is "absent").
//! Entries carry their own deadline, so a store with native expiry (Redis `PX`, a Durable
//! Object alarm) may use it to forget dead entries, and one without reads past it.
//!
//! Async stores (a Durable Object, Redis) cannot implement a synchronous trait; they apply
//! [`transition`] atomically on their side instead (the Durable Object runs this crate's code,
//! the Redis script, `src/redis/acceptance.lua`, mirrors it), and the vectors in `tests/vectors/acceptance.json` hold every
//! implementation to the same answers.

use alloc::collections::{BTreeMap, BTreeSet};

use crate::acceptance::{
    Abort, AcceptanceConfig, AcceptanceError, Answer, Begin, Commit, Enqueue, Entry, Key, Op, key,
    transition,
};

/// Most ids a [`MemoryStore`] may be asked to hold.
pub const MAX_MEMORY_CAPACITY: usize = 1_000_000;
/// Default capacity of a [`MemoryStore`]: enough for about one new id a second over the
/// default 30 h window.
pub const DEFAULT_MEMORY_CAPACITY: usize = 120_000;
/// Compare-and-swap attempts before [`AcceptanceError::Contended`].
pub const MAX_SWAP_ATTEMPTS: usize = 8;

/// Storage for acceptance entries, one per [`Key`]. `now` is passed so a store can forget dead
/// entries (never live ones).
pub trait AcceptanceStore {
    /// The entry stored for `key` (possibly dead), or `None`.
    fn get(&mut self, key: &Key, now: i64) -> Result<Option<Entry>, AcceptanceError>;

    /// Replaces `key`'s entry with `new` (`None`: deletes it) if it is still `current`;
    /// returns whether it did. A bounded store answers [`AcceptanceError::StoreFull`] rather
    /// than forget a live entry.
    fn compare_and_swap(
        &mut self,
        key: &Key,
        current: Option<Entry>,
        new: Option<Entry>,
        now: i64,
    ) -> Result<bool, AcceptanceError>;
}

/// Two-phase acceptance over a store: `begin`, then `commit` or `abort` (see
/// [`crate::acceptance`]).
#[derive(Debug, Clone)]
pub struct Acceptance<S> {
    config: AcceptanceConfig,
    store: S,
}

impl<S: AcceptanceStore> Acceptance<S> {
    /// Acceptance with `config` over `store`.
    pub fn new(config: AcceptanceConfig, store: S) -> Acceptance<S> {
        Acceptance { config, store }
    }

    /// The configuration.
    pub fn config(&self) -> &AcceptanceConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Starts accepting a delivery of `id` at `now` (Unix seconds).
    pub fn begin(&mut self, id: &str, now: i64) -> Result<Begin, AcceptanceError> {
        match self.apply(id, Op::Begin, now)? {
            Answer::Begin(b) => Ok(b),
            _ => Err(AcceptanceError::StoreUnavailable),
        }
    }

    /// Marks `id` done after its event was queued by the delivery holding `token`.
    pub fn commit(&mut self, id: &str, token: i64, now: i64) -> Result<Commit, AcceptanceError> {
        match self.apply(id, Op::Commit { token }, now)? {
            Answer::Commit(c) => Ok(c),
            _ => Err(AcceptanceError::StoreUnavailable),
        }
    }

    /// Frees `id` after the delivery holding `token` failed to queue its event.
    pub fn abort(&mut self, id: &str, token: i64, now: i64) -> Result<Abort, AcceptanceError> {
        match self.apply(id, Op::Abort { token }, now)? {
            Answer::Abort(a) => Ok(a),
            _ => Err(AcceptanceError::StoreUnavailable),
        }
    }

    /// Decides whether the delivery holding `token` queues its event, and marks `id` done if
    /// so ([`Enqueue::queues`]). Only sound when the caller's queue write cannot fail between
    /// this answer and the write (an in-process queue in the same critical section); a store
    /// with a fallible queue writes both in one atomic step instead (the Redis script).
    pub fn enqueue(&mut self, id: &str, token: i64, now: i64) -> Result<Enqueue, AcceptanceError> {
        match self.apply(id, Op::Enqueue { token }, now)? {
            Answer::Enqueue(e) => Ok(e),
            _ => Err(AcceptanceError::StoreUnavailable),
        }
    }

    /// Applies `op` to `id` through the store's compare-and-swap.
    pub fn apply(&mut self, id: &str, op: Op, now: i64) -> Result<Answer, AcceptanceError> {
        let key = key(id)?;
        for _ in 0..MAX_SWAP_ATTEMPTS {
            let current = self.store.get(&key, now)?;
            let next = transition(&self.config, current, op, now);
            if next.entry == current
                || self
                    .store
                    .compare_and_swap(&key, current, next.entry, now)?
            {
                return Ok(next.answer);
            }
        }
        Err(AcceptanceError::Contended)
    }
}

/// A bounded in-memory [`AcceptanceStore`] for one process: at most `capacity` entries, dead
/// ones forgotten first (in deadline order), and [`AcceptanceError::StoreFull`] for a new id
/// when every entry is live — a live entry is never evicted, so a full store costs
/// availability (503, retried), never a duplicate. Size it for peak new ids per second ×
/// window. It is not shared between processes or isolates, and forgets everything on restart:
/// use a shared, durable store (a Durable Object, Redis) when either matters.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    capacity: usize,
    entries: BTreeMap<Key, Entry>,
    /// `(deadline, key)` of every entry, oldest deadline first.
    by_deadline: BTreeSet<(i64, Key)>,
}

impl MemoryStore {
    /// A store for at most `capacity` ids (1 – [`MAX_MEMORY_CAPACITY`]).
    pub fn new(capacity: usize) -> Result<MemoryStore, AcceptanceError> {
        if capacity == 0 || capacity > MAX_MEMORY_CAPACITY {
            return Err(AcceptanceError::InvalidConfig);
        }
        Ok(MemoryStore {
            capacity,
            entries: BTreeMap::new(),
            by_deadline: BTreeSet::new(),
        })
    }

    /// Entries held (dead ones are forgotten on the next operation).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Forgets every entry dead at `now`.
    fn purge(&mut self, now: i64) {
        while let Some((deadline, _)) = self.by_deadline.first() {
            if *deadline > now {
                break;
            }
            if let Some((_, key)) = self.by_deadline.pop_first() {
                self.entries.remove(&key);
            }
        }
    }
}

impl AcceptanceStore for MemoryStore {
    fn get(&mut self, key: &Key, now: i64) -> Result<Option<Entry>, AcceptanceError> {
        self.purge(now);
        Ok(self.entries.get(key).copied())
    }

    fn compare_and_swap(
        &mut self,
        key: &Key,
        current: Option<Entry>,
        new: Option<Entry>,
        now: i64,
    ) -> Result<bool, AcceptanceError> {
        self.purge(now);
        let stored = self.entries.get(key).copied();
        if stored != current {
            return Ok(false);
        }
        if stored.is_none() && new.is_some() && self.entries.len() >= self.capacity {
            return Err(AcceptanceError::StoreFull);
        }
        if let Some(old) = stored {
            self.by_deadline.remove(&(old.deadline(), key.clone()));
        }
        match new {
            Some(entry) => {
                self.by_deadline.insert((entry.deadline(), key.clone()));
                self.entries.insert(key.clone(), entry);
            }
            None => {
                self.entries.remove(key);
            }
        }
        Ok(true)
    }
}

/// Two-phase acceptance over a [`MemoryStore`]: the guard every host exposes.
pub type AcceptanceGuard = Acceptance<MemoryStore>;

impl Acceptance<MemoryStore> {
    /// A guard with `config` over a fresh [`MemoryStore`] of `capacity` ids.
    pub fn in_memory(
        config: AcceptanceConfig,
        capacity: usize,
    ) -> Result<AcceptanceGuard, AcceptanceError> {
        Ok(Acceptance::new(config, MemoryStore::new(capacity)?))
    }
}
