//! Two-phase acceptance for JS (`js/src/acceptance.js`): the in-memory guard and the pure
//! transition a Durable Object runs. Operations arrive by name (`"begin"`, `"commit"`,
//! `"abort"`); answers and entries cross as the plain objects of `tests/vectors/acceptance.json`
//! (`{ answer: "new", token }`, `{ state: "in_flight", deadline }`), in both directions.

use hookproof::acceptance::{self, Abort, Answer, Begin, Commit, Enqueue, Entry, Op};
use hookproof::store::MemoryStore;
use hookproof::{AcceptanceConfig, AcceptanceGuard};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{JsResult, fail, to_js, usage};

/// An answer as JS sees it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnswerJs {
    /// `new`, `in_flight`, `done`, `committed`, `late`, `released` or `not_held`.
    answer: &'static str,
    /// The lease token (`new`).
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<f64>,
    /// Seconds left on the other delivery's lease (`in_flight`).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<f64>,
}

impl From<Answer> for AnswerJs {
    fn from(a: Answer) -> AnswerJs {
        let (answer, token, retry_after) = match a {
            Answer::Begin(Begin::New { token }) => ("new", Some(token as f64), None),
            Answer::Begin(Begin::InFlight { retry_after }) => {
                ("in_flight", None, Some(retry_after as f64))
            }
            Answer::Begin(Begin::Done) => ("done", None, None),
            Answer::Commit(Commit::Committed) => ("committed", None, None),
            Answer::Commit(Commit::Late) => ("late", None, None),
            Answer::Abort(Abort::Released) => ("released", None, None),
            Answer::Abort(Abort::NotHeld) => ("not_held", None, None),
            Answer::Enqueue(Enqueue::Committed) => ("committed", None, None),
            Answer::Enqueue(Enqueue::Late) => ("late", None, None),
            Answer::Enqueue(Enqueue::Done) => ("done", None, None),
            Answer::Enqueue(Enqueue::InFlight { retry_after }) => {
                ("in_flight", None, Some(retry_after as f64))
            }
        };
        AnswerJs {
            answer,
            token,
            retry_after,
        }
    }
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum State {
    InFlight,
    Done,
}

/// A stored entry for JS (deadlines saturate at the ends of `i64`, so they leave as numbers).
#[derive(Serialize)]
struct EntryOut {
    state: State,
    deadline: f64,
}

/// A stored entry from JS: `null`/`undefined`, or `{ state: "in_flight" | "done", deadline }`
/// with the deadline a safe integer of Unix seconds. Read member by member: serde's
/// deserializer would bring float formatting for its messages (≈ 20 KB of module).
fn entry_from_js(value: &JsValue) -> JsResult<Option<Entry>> {
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    let bad = || {
        usage(
            "invalid_argument",
            "entry must be null or { state: \"in_flight\" | \"done\", deadline: integer Unix seconds }",
        )
    };
    let member =
        |name: &str| js_sys::Reflect::get(value, &JsValue::from_str(name)).map_err(|_| bad());
    let deadline = member("deadline")?;
    if !js_sys::Number::is_safe_integer(&deadline) {
        return Err(bad());
    }
    let deadline = deadline.as_f64().ok_or_else(bad)? as i64;
    match member("state")?.as_string().as_deref() {
        Some("in_flight") => Ok(Some(Entry::InFlight {
            lease_until: deadline,
        })),
        Some("done") => Ok(Some(Entry::Done { until: deadline })),
        _ => Err(bad()),
    }
}

#[derive(Serialize)]
struct TransitionJs {
    entry: Option<EntryOut>,
    answer: AnswerJs,
}

fn op(name: &str, token: f64) -> JsResult<Op> {
    // Float-to-int `as` saturates (NaN → 0): no trap on any input.
    let token = token as i64;
    match name {
        "begin" => Ok(Op::Begin),
        "commit" => Ok(Op::Commit { token }),
        "abort" => Ok(Op::Abort { token }),
        "enqueue" => Ok(Op::Enqueue { token }),
        _ => Err(usage(
            "invalid_argument",
            "op must be begin, commit, abort or enqueue",
        )),
    }
}

fn config(window: f64, lease: f64) -> JsResult<AcceptanceConfig> {
    AcceptanceConfig::new(window as u64, lease as u64).map_err(fail)
}

/// Two-phase acceptance over a bounded in-memory store.
#[wasm_bindgen(js_name = AcceptanceGuard)]
pub struct Acceptance {
    inner: AcceptanceGuard,
}

#[wasm_bindgen(js_class = AcceptanceGuard)]
impl Acceptance {
    /// Window and lease in seconds, capacity in ids.
    #[wasm_bindgen(constructor)]
    pub fn new(window: f64, lease: f64, capacity: f64) -> JsResult<Acceptance> {
        let store = MemoryStore::new(capacity as usize).map_err(fail)?;
        Ok(Acceptance {
            inner: AcceptanceGuard::new(config(window, lease)?, store),
        })
    }

    /// Applies `op` (`token` for commit and abort) at `now`; the answer object.
    pub fn apply(&mut self, id: &str, op_name: &str, token: f64, now: f64) -> JsResult<JsValue> {
        let answer = self
            .inner
            .apply(id, op(op_name, token)?, now as i64)
            .map_err(fail)?;
        to_js(&AnswerJs::from(answer))
    }

    /// Entries held.
    pub fn size(&self) -> u32 {
        u32::try_from(self.inner.store().len()).unwrap_or(u32::MAX)
    }
}

/// The store key of a webhook id.
#[wasm_bindgen]
pub fn acceptance_key(id: &str) -> JsResult<String> {
    acceptance::key(id)
        .map(|k| k.as_str().to_owned())
        .map_err(fail)
}

/// The pure transition on one stored entry (`null` or `{ state, deadline }`): `{ entry,
/// answer }` after applying `op` at `now`.
#[wasm_bindgen]
pub fn acceptance_transition(
    window: f64,
    lease: f64,
    entry: JsValue,
    op_name: &str,
    token: f64,
    now: f64,
) -> JsResult<JsValue> {
    let config = config(window, lease)?;
    let entry = entry_from_js(&entry)?;
    let t = acceptance::transition(&config, entry, op(op_name, token)?, now as i64);
    to_js(&TransitionJs {
        entry: t.entry.map(|e| EntryOut {
            state: match e {
                Entry::InFlight { .. } => State::InFlight,
                Entry::Done { .. } => State::Done,
            },
            deadline: e.deadline() as f64,
        }),
        answer: t.answer.into(),
    })
}

/// The Redis key of a webhook id in `scope` under `prefix` (`hookproof::redis::Layout`).
#[wasm_bindgen]
pub fn redis_acceptance_key(prefix: &str, scope: &str, id: &str) -> JsResult<String> {
    let layout = hookproof::redis::Layout::new(prefix, scope).map_err(fail)?;
    Ok(layout.acceptance_key(&acceptance::key(id).map_err(fail)?))
}

/// The Redis stream of `scope` under `prefix` (`hookproof::redis::Layout`).
#[wasm_bindgen]
pub fn redis_stream_key(prefix: &str, scope: &str) -> JsResult<String> {
    hookproof::redis::Layout::new(prefix, scope)
        .map(|l| l.stream_key())
        .map_err(fail)
}
