//! Two-phase acceptance for JS (`js/src/acceptance.js`): the in-memory guard and the pure
//! transition a Durable Object runs. Answers cross as small number arrays, errors as the usual
//! `code|message` strings.

use hookproof::acceptance::{self, Abort, Answer, Begin, Commit, Enqueue, Entry, Op};
use hookproof::store::MemoryStore;
use hookproof::{AcceptanceConfig, AcceptanceGuard};
use wasm_bindgen::prelude::*;

use crate::fail;

/// Answer codes shared with `js/src/acceptance.js`.
const NEW: f64 = 0.0;
const IN_FLIGHT: f64 = 1.0;
const DONE: f64 = 2.0;
const COMMITTED: f64 = 3.0;
const LATE: f64 = 4.0;
const RELEASED: f64 = 5.0;
const NOT_HELD: f64 = 6.0;

/// Entry states: 0 none, 1 in flight, 2 done.
const STATE_NONE: u8 = 0;
const STATE_IN_FLIGHT: u8 = 1;

fn op(kind: u8, token: f64) -> Op {
    // Float-to-int `as` saturates (NaN → 0): no trap on any input.
    match kind {
        0 => Op::Begin,
        1 => Op::Commit {
            token: token as i64,
        },
        3 => Op::Enqueue {
            token: token as i64,
        },
        _ => Op::Abort {
            token: token as i64,
        },
    }
}

/// `[code, value]`: value is the token (new) or the Retry-After seconds (in flight).
fn answer(a: Answer) -> [f64; 2] {
    match a {
        Answer::Begin(Begin::New { token }) => [NEW, token as f64],
        Answer::Begin(Begin::InFlight { retry_after }) => [IN_FLIGHT, retry_after as f64],
        Answer::Begin(Begin::Done) => [DONE, 0.0],
        Answer::Commit(Commit::Committed) => [COMMITTED, 0.0],
        Answer::Commit(Commit::Late) => [LATE, 0.0],
        Answer::Abort(Abort::Released) => [RELEASED, 0.0],
        Answer::Abort(Abort::NotHeld) => [NOT_HELD, 0.0],
        Answer::Enqueue(Enqueue::Committed) => [COMMITTED, 0.0],
        Answer::Enqueue(Enqueue::Late) => [LATE, 0.0],
        Answer::Enqueue(Enqueue::Done) => [DONE, 0.0],
        Answer::Enqueue(Enqueue::InFlight { retry_after }) => [IN_FLIGHT, retry_after as f64],
    }
}

fn config(window: f64, lease: f64) -> Result<AcceptanceConfig, String> {
    AcceptanceConfig::new(window as u64, lease as u64).map_err(fail)
}

/// Two-phase acceptance over a bounded in-memory store.
#[wasm_bindgen]
pub struct Acceptance {
    inner: AcceptanceGuard,
}

#[wasm_bindgen]
impl Acceptance {
    /// Window and lease in seconds, capacity in ids.
    #[wasm_bindgen(constructor)]
    pub fn new(window: f64, lease: f64, capacity: f64) -> Result<Acceptance, String> {
        let store = MemoryStore::new(capacity as usize).map_err(fail)?;
        Ok(Acceptance {
            inner: AcceptanceGuard::new(config(window, lease)?, store),
        })
    }

    /// `op` 0 begin, 1 commit, 2 abort, 3 enqueue; `[code, value]` (see the answer codes).
    pub fn apply(&mut self, id: &str, kind: u8, token: f64, now: f64) -> Result<Vec<f64>, String> {
        self.inner
            .apply(id, op(kind, token), now as i64)
            .map(|a| answer(a).to_vec())
            .map_err(fail)
    }

    /// Entries held.
    pub fn size(&self) -> u32 {
        u32::try_from(self.inner.store().len()).unwrap_or(u32::MAX)
    }
}

/// The store key of a webhook id.
#[wasm_bindgen]
pub fn acceptance_key(id: &str) -> Result<String, String> {
    acceptance::key(id)
        .map(|k| k.as_str().to_owned())
        .map_err(fail)
}

/// The pure transition on one entry (`state` 0 none, 1 in flight, 2 done, with its
/// `deadline`): `[state, deadline, code, value]` after applying `op` at `now`.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn acceptance_transition(
    window: f64,
    lease: f64,
    state: u8,
    deadline: f64,
    kind: u8,
    token: f64,
    now: f64,
) -> Result<Vec<f64>, String> {
    let config = config(window, lease)?;
    let entry = match state {
        STATE_NONE => None,
        STATE_IN_FLIGHT => Some(Entry::InFlight {
            lease_until: deadline as i64,
        }),
        _ => Some(Entry::Done {
            until: deadline as i64,
        }),
    };
    let t = acceptance::transition(&config, entry, op(kind, token), now as i64);
    let (state, deadline) = match t.entry {
        None => (0.0, 0.0),
        Some(Entry::InFlight { lease_until }) => (1.0, lease_until as f64),
        Some(Entry::Done { until }) => (2.0, until as f64),
    };
    let [code, value] = answer(t.answer);
    Ok(vec![state, deadline, code, value])
}

/// The Redis key of a webhook id in `scope` under `prefix` (`hookproof::redis::Layout`).
#[wasm_bindgen]
pub fn redis_acceptance_key(prefix: &str, scope: &str, id: &str) -> Result<String, String> {
    let layout = hookproof::redis::Layout::new(prefix, scope).map_err(fail)?;
    Ok(layout.acceptance_key(&acceptance::key(id).map_err(fail)?))
}

/// The Redis stream of `scope` under `prefix` (`hookproof::redis::Layout`).
#[wasm_bindgen]
pub fn redis_stream_key(prefix: &str, scope: &str) -> Result<String, String> {
    hookproof::redis::Layout::new(prefix, scope)
        .map(|l| l.stream_key())
        .map_err(fail)
}
