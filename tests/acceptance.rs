//! Two-phase acceptance: properties of the state machine and a simulation of the protocol a
//! consumer runs (begin → enqueue → commit/abort) under random interleavings and failures.

use std::collections::{BTreeMap, HashMap};

use hookproof::acceptance::{self, Abort, Begin, Commit, Enqueue, Entry, Op, transition};
use hookproof::store::{AcceptanceStore, MemoryStore};
use hookproof::{Acceptance, AcceptanceConfig, AcceptanceError, AcceptanceGuard, ErrorCode};
use proptest::prelude::*;

fn guard(window: u64, lease: u64, capacity: usize) -> AcceptanceGuard {
    AcceptanceGuard::in_memory(AcceptanceConfig::new(window, lease).unwrap(), capacity).unwrap()
}

#[test]
fn times_saturate_at_the_ends_of_i64() {
    let config = AcceptanceConfig::default();
    let t = transition(&config, None, Op::Begin, i64::MAX - 1);
    assert_eq!(
        t.entry,
        Some(Entry::InFlight {
            lease_until: i64::MAX
        })
    );
    let t = transition(
        &config,
        t.entry,
        Op::Commit { token: i64::MAX },
        i64::MAX - 1,
    );
    assert_eq!(t.entry, Some(Entry::Done { until: i64::MAX }));
    let t = transition(&config, None, Op::Begin, i64::MIN);
    assert_eq!(
        t.entry,
        Some(Entry::InFlight {
            lease_until: i64::MIN + 60
        })
    );
    let mut g = guard(100, 10, 4);
    assert_eq!(
        g.begin("a", i64::MIN).unwrap(),
        Begin::New {
            token: i64::MIN + 10
        }
    );
    assert_eq!(
        g.begin("a", i64::MIN + 9).unwrap(),
        Begin::InFlight { retry_after: 1 }
    );
}

#[test]
fn errors_have_codes() {
    assert_eq!(acceptance::key("").unwrap_err().code(), "invalid_id");
    assert_eq!(
        AcceptanceConfig::new(10, 0).unwrap_err().code(),
        "invalid_config"
    );
    assert_eq!(
        MemoryStore::new(0).unwrap_err(),
        AcceptanceError::InvalidConfig
    );
    let mut g = guard(100, 10, 1);
    g.begin("a", 0).unwrap();
    let full = g.begin("b", 0).unwrap_err();
    assert_eq!(full.code(), "store_full");
    assert!(!full.to_string().is_empty());
}

#[test]
fn the_default_window_covers_codats_retry_schedule() {
    let schedule: u64 = hookproof::classify::CURRENT_RETRY_INTERVALS.iter().sum();
    let config = AcceptanceConfig::default();
    assert!(config.window_secs() > schedule + 8 * hookproof::classify::DEADLINE_SECS);
    assert!(config.window_secs() >= 28 * 3600);
    assert_eq!(config.lease_secs(), acceptance::DEFAULT_LEASE_SECS);
}

/// A store whose compare-and-swap fails a set number of times, as a store shared with other
/// writers would.
struct Flaky {
    inner: MemoryStore,
    failures: usize,
}

impl AcceptanceStore for Flaky {
    fn get(&mut self, key: &acceptance::Key, now: i64) -> Result<Option<Entry>, AcceptanceError> {
        self.inner.get(key, now)
    }

    fn compare_and_swap(
        &mut self,
        key: &acceptance::Key,
        current: Option<Entry>,
        new: Option<Entry>,
        now: i64,
    ) -> Result<bool, AcceptanceError> {
        if self.failures > 0 {
            self.failures -= 1;
            return Ok(false);
        }
        self.inner.compare_and_swap(key, current, new, now)
    }
}

#[test]
fn a_contended_store_is_retried_then_refused() {
    let store = |failures| Flaky {
        inner: MemoryStore::new(10).unwrap(),
        failures,
    };
    let mut a = Acceptance::new(AcceptanceConfig::default(), store(7));
    assert_eq!(a.begin("x", 0).unwrap(), Begin::New { token: 60 });
    let mut a = Acceptance::new(AcceptanceConfig::default(), store(8));
    assert_eq!(a.begin("x", 0).unwrap_err(), AcceptanceError::Contended);
    assert!(a.store().inner.is_empty());
}

#[derive(Debug, Clone)]
enum Action {
    /// A delivery of event `id` arrives.
    Arrive(u8),
    /// Pending delivery `n` (mod the number pending) finishes its enqueue: ok or failed.
    Finish(u8, bool),
    /// Time passes.
    Tick(u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0u8..6).prop_map(Action::Arrive),
        4 => (any::<u8>(), prop::bool::weighted(0.7)).prop_map(|(n, ok)| Action::Finish(n, ok)),
        1 => (0u8..30).prop_map(Action::Tick),
    ]
}

proptest! {
    /// The protocol a consumer runs, with deliveries of six events interleaved at random, each
    /// enqueue succeeding or failing at random, and time passing: while no lease expires under
    /// a pending enqueue, no event is acknowledged without being queued, none is queued twice,
    /// and every event the sender keeps retrying ends up acknowledged.
    #[test]
    fn no_event_is_acknowledged_unqueued_or_queued_twice(actions in prop::collection::vec(action(), 1..200)) {
        // Lease longer than the whole run: no lease expires under a pending enqueue.
        let mut g = guard(100_000, 3600, 64);
        let mut now = 0i64;
        let mut pending: Vec<(u8, i64)> = Vec::new();
        let mut queued: HashMap<u8, u32> = HashMap::new();
        let mut acknowledged: BTreeMap<u8, ()> = BTreeMap::new();
        let mut arrived = std::collections::BTreeSet::new();
        for a in actions {
            match a {
                Action::Arrive(id) => {
                    arrived.insert(id);
                    match g.begin(&format!("msg_{id}"), now).unwrap() {
                        Begin::New { token } => pending.push((id, token)),
                        Begin::InFlight { retry_after } => prop_assert!(retry_after >= 1),
                        Begin::Done => { acknowledged.insert(id, ()); }
                    }
                }
                Action::Finish(n, ok) if !pending.is_empty() => {
                    let (id, token) = pending.remove(usize::from(n) % pending.len());
                    if ok {
                        *queued.entry(id).or_default() += 1;
                        prop_assert_eq!(g.commit(&format!("msg_{id}"), token, now).unwrap(), Commit::Committed);
                        acknowledged.insert(id, ());
                    } else {
                        prop_assert_eq!(g.abort(&format!("msg_{id}"), token, now).unwrap(), Abort::Released);
                    }
                }
                Action::Finish(..) => {}
                Action::Tick(s) => now += i64::from(s),
            }
        }
        for id in acknowledged.keys() {
            prop_assert_eq!(queued.get(id).copied(), Some(1), "msg_{} acknowledged", id);
        }
        for (id, n) in &queued {
            prop_assert_eq!(*n, 1, "msg_{} queued {} times", id, n);
        }
        // Finish what is pending successfully, then the sender retries every event that
        // arrived until it is acknowledged: each ends up queued exactly once.
        for (id, token) in pending.drain(..) {
            *queued.entry(id).or_default() += 1;
            g.commit(&format!("msg_{id}"), token, now).unwrap();
        }
        for id in arrived {
            match g.begin(&format!("msg_{id}"), now).unwrap() {
                Begin::New { token } => {
                    *queued.entry(id).or_default() += 1;
                    g.commit(&format!("msg_{id}"), token, now).unwrap();
                }
                Begin::Done => {}
                Begin::InFlight { .. } => prop_assert!(false, "nothing is pending"),
            }
            prop_assert_eq!(queued.get(&id).copied(), Some(1));
        }
    }

    /// The enqueue step (queue write and commit as one atomic step), with leases short enough
    /// to expire under pending deliveries and be taken over: within the window no event is
    /// written twice, none is acknowledged unwritten, and a write is refused exactly while
    /// another delivery holds the id or it is done.
    #[test]
    fn enqueue_never_writes_twice_even_when_leases_expire(actions in prop::collection::vec(action(), 1..200)) {
        let mut g = guard(100_000, 5, 64);
        let mut now = 0i64;
        let mut pending: Vec<(u8, i64)> = Vec::new();
        let mut written: HashMap<u8, u32> = HashMap::new();
        let mut acknowledged = std::collections::BTreeSet::new();
        for a in actions {
            match a {
                Action::Arrive(id) => match g.begin(&format!("msg_{id}"), now).unwrap() {
                    Begin::New { token } => pending.push((id, token)),
                    Begin::InFlight { retry_after } => prop_assert!(retry_after >= 1),
                    Begin::Done => { acknowledged.insert(id); }
                },
                Action::Finish(n, ok) if !pending.is_empty() => {
                    let (id, token) = pending.remove(usize::from(n) % pending.len());
                    if !ok {
                        g.abort(&format!("msg_{id}"), token, now).unwrap();
                        continue;
                    }
                    let e = g.enqueue(&format!("msg_{id}"), token, now).unwrap();
                    match e {
                        Enqueue::Committed => prop_assert!(now < token),
                        Enqueue::Late => prop_assert!(now >= token),
                        Enqueue::InFlight { retry_after } => prop_assert!(retry_after >= 1 && now >= token),
                        Enqueue::Done => {}
                    }
                    if e.queues() {
                        *written.entry(id).or_default() += 1;
                    }
                    if matches!(e, Enqueue::Committed | Enqueue::Late | Enqueue::Done) {
                        acknowledged.insert(id);
                    }
                }
                Action::Finish(..) => {}
                Action::Tick(s) => now += i64::from(s),
            }
        }
        for id in &acknowledged {
            prop_assert_eq!(written.get(id).copied(), Some(1), "msg_{} acknowledged", id);
        }
        for (id, n) in &written {
            prop_assert_eq!(*n, 1, "msg_{} written {} times", id, n);
        }
    }

    /// A lease is only taken over once dead, with a strictly greater token, so a holder whose
    /// lease was taken over can never act on the new one; at most one lease is live at a time.
    /// (After an abort or commit the old token may be issued again: its holder is done.)
    #[test]
    fn tokens_never_repeat(steps in prop::collection::vec((0i64..120, 0u8..3), 1..300)) {
        let mut g = guard(1000, 60, 16);
        let mut now = 0;
        let mut last = i64::MIN;
        let mut live: Option<i64> = None;
        for (dt, what) in steps {
            now += dt;
            match (what, g.begin("a", now).unwrap()) {
                (_, Begin::New { token }) => {
                    prop_assert!(last == i64::MIN || token > last);
                    prop_assert!(live.is_none_or(|l| l <= now), "a second live lease");
                    last = token;
                    live = Some(token);
                }
                (_, Begin::InFlight { retry_after }) => {
                    prop_assert_eq!(Some(now + retry_after as i64), live);
                }
                (_, Begin::Done) => {}
            }
            if what == 1 && live.is_some_and(|l| l > now) {
                g.abort("a", last, now).unwrap();
                live = None;
                last = i64::MIN;
            }
            if what == 2 && live.is_some_and(|l| l > now) {
                g.commit("a", last, now).unwrap();
                live = None;
                last = i64::MIN;
                // Reset so the next lease can be observed after the window.
                now += 1000;
            }
        }
    }

    /// The memory store never holds more than its capacity and never forgets a live entry.
    #[test]
    fn the_memory_store_is_bounded_and_keeps_live_entries(
        steps in prop::collection::vec((0u8..40, 0i64..20), 1..400),
        capacity in 1usize..12,
    ) {
        let mut g = guard(50, 10, capacity);
        let mut now = 0;
        let mut live: HashMap<u8, i64> = HashMap::new();
        for (id, dt) in steps {
            now += dt;
            live.retain(|_, d| *d > now);
            match g.begin(&format!("{id}"), now) {
                Ok(Begin::New { token }) => {
                    prop_assert!(!live.contains_key(&id));
                    if id % 2 == 0 {
                        g.commit(&format!("{id}"), token, now).unwrap();
                        live.insert(id, now + 50);
                    } else {
                        live.insert(id, token);
                    }
                }
                Ok(_) => prop_assert!(live.contains_key(&id)),
                Err(AcceptanceError::StoreFull) => prop_assert!(live.len() >= capacity),
                Err(e) => prop_assert!(false, "{e}"),
            }
            prop_assert!(g.store().len() <= capacity);
        }
    }

    /// Keys are at most 71 bytes, verbatim only for plain short ids, and distinct ids never
    /// share a key (digests aside, which are collision-resistant).
    #[test]
    fn keys_are_bounded_and_injective(a in ".{1,200}", b in ".{1,200}") {
        let ka = acceptance::key(&a).unwrap();
        let kb = acceptance::key(&b).unwrap();
        prop_assert!(ka.as_str().len() <= acceptance::MAX_KEY_LEN);
        prop_assert_eq!(a == b, ka == kb);
        if ka.as_str() == a {
            prop_assert!(!a.contains(':'));
        }
    }
}
