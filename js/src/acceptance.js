// Two-phase acceptance (the core's `acceptance` and `store` modules): an in-memory guard, the
// store key of an id, and the pure transition that shared stores (the Durable Object in
// durable-object.js) apply atomically. No rule lives here: answers come from the core.
import { codat } from "./codat-glue.js";
import { HookproofError } from "./errors.js";
import { wholeOption } from "./input.js";

/** Defaults of the core: a 30 h window (Codat's ≈ 28 h of retries), a 60 s lease. */
export const ACCEPTANCE_DEFAULTS = Object.freeze({ windowSeconds: 30 * 3600, leaseSeconds: 60, capacity: 120_000 });

/** The status for a duplicate of an id in flight (with `Retry-After`): both Codat services retry it. */
export const IN_FLIGHT_STATUS = 503;

const BEGIN = 0;
const COMMIT = 1;
const ABORT = 2;
const ENQUEUE = 3;
const ANSWERS = ["new", "in_flight", "done", "committed", "late", "released", "not_held"];
const OPS = { begin: BEGIN, commit: COMMIT, abort: ABORT, enqueue: ENQUEUE };
const STATES = [null, "in_flight", "done"];

function coreCall(fn) {
  try {
    return fn();
  } catch (e) {
    if (typeof e !== "string") throw e;
    const bar = e.indexOf("|");
    throw new HookproofError(e.slice(0, bar), e.slice(bar + 1));
  }
}

function seconds(value, what, fallback) {
  if (value === undefined) return fallback();
  if (value instanceof Date) value = value.getTime() / 1000;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new HookproofError("invalid_argument", `${what} must be a Date or Unix seconds`);
  }
  return Math.floor(value);
}

/** `now` as whole Unix seconds (default: the clock). */
function acceptanceNow(now) {
  return seconds(now, "now", () => Math.floor(Date.now() / 1000));
}

function integer(value, what) {
  if (!Number.isSafeInteger(value)) throw new HookproofError("invalid_argument", `${what} must be an integer`);
  return value;
}

/** Decodes the core's `[code, value]` answer into the vectors' shape. */
function decodeAnswer(code, value) {
  const answer = ANSWERS[code];
  if (answer === "new") return { answer, token: value };
  if (answer === "in_flight") return { answer, retryAfter: value };
  return { answer };
}

/**
 * The key an id is stored under: the id itself when 1–128 bytes of `[A-Za-z0-9_.-]`, else
 * `sha256:` + hex digest. Throws `invalid_id` for an empty or over-64-KiB id.
 */
export function acceptanceKey(id) {
  return coreCall(() => codat().acceptance_key(String(id)));
}

/**
 * The state machine as a pure function on one stored entry (`null`, or `{ state: "in_flight" |
 * "done", deadline }`): `{ entry, answer }` after `op` ("begin", "commit", "abort", "enqueue"; `token` for
 * the others) at `now`. A store applies it atomically per key.
 */
export function acceptanceTransition(entry, op, { token = 0, now, windowSeconds = ACCEPTANCE_DEFAULTS.windowSeconds, leaseSeconds = ACCEPTANCE_DEFAULTS.leaseSeconds } = {}) {
  const kind = OPS[op];
  if (kind === undefined) throw new HookproofError("invalid_argument", "op must be begin, commit, abort or enqueue");
  const state = entry == null ? 0 : entry.state === "in_flight" ? 1 : 2;
  const deadline = entry == null ? 0 : integer(entry.deadline, "entry.deadline");
  const [s, d, code, value] = coreCall(() =>
    codat().acceptance_transition(wholeOption(windowSeconds), wholeOption(leaseSeconds), state, deadline, kind, integer(token, "token"), acceptanceNow(now)),
  );
  return { entry: s === 0 ? null : { state: STATES[s], deadline: d }, answer: decodeAnswer(code, value) };
}

/**
 * Two-phase acceptance over a bounded in-memory store, for one process or isolate (it is not
 * shared and forgets on restart: use the Durable Object or Redis store where that matters).
 *
 *   const r = guard.begin(id);            // { answer: "new", token } | { answer: "in_flight", retryAfter } | { answer: "done" }
 *   … queue the event …
 *   guard.commit(id, r.token);            // { answer: "committed" | "late" }
 *   guard.abort(id, r.token);             // if queueing failed: { answer: "released" | "not_held" }
 *
 * A full store throws `store_full` (answer 503) rather than forget a live id.
 */
export class AcceptanceGuard {
  #inner;

  constructor({ windowSeconds = ACCEPTANCE_DEFAULTS.windowSeconds, leaseSeconds = ACCEPTANCE_DEFAULTS.leaseSeconds, capacity = ACCEPTANCE_DEFAULTS.capacity } = {}) {
    this.#inner = coreCall(() => new (codat().Acceptance)(wholeOption(windowSeconds), wholeOption(leaseSeconds), wholeOption(capacity)));
  }

  #apply(id, kind, token, now) {
    const [code, value] = coreCall(() => this.#inner.apply(String(id), kind, token, acceptanceNow(now)));
    return decodeAnswer(code, value);
  }

  begin(id, now) {
    return this.#apply(id, BEGIN, 0, now);
  }

  commit(id, token, now) {
    return this.#apply(id, COMMIT, integer(token, "token"), now);
  }

  abort(id, token, now) {
    return this.#apply(id, ABORT, integer(token, "token"), now);
  }

  /**
   * Commit and the queue write as one step: `{ answer: "committed" | "late" }` means write the
   * event now (the id is done), `{ answer: "done" }` or `{ answer: "in_flight", retryAfter }`
   * write nothing. Only sound when the write cannot fail after this answer (an in-process queue).
   */
  enqueue(id, token, now) {
    return this.#apply(id, ENQUEUE, integer(token, "token"), now);
  }

  /** Entries held (dead ones are dropped on the next operation). */
  get size() {
    return this.#inner.size();
  }
}

/**
 * The core's Redis key layout for one endpoint (`scope`) under `prefix` (default
 * "hookproof:"): `stream` is `<prefix>stream:{<scope>}`, `acceptanceKey(id)` is
 * `<prefix>acceptance:{<scope>}:<key of id>`; both carry the hash tag `{<scope>}`, so every key
 * a script touches is in one Redis Cluster slot. Throws `invalid_scope` (empty, over 256 bytes,
 * or a brace) and `invalid_prefix` (over 256 bytes, or a brace).
 */
export function redisKeyLayout(scope, prefix = "hookproof:") {
  if (typeof scope !== "string") throw new HookproofError("invalid_scope", "scope must name the endpoint whose ids these are: Svix reuses a message id on every endpoint");
  if (typeof prefix !== "string") throw new HookproofError("invalid_prefix", "prefix must be a string");
  const stream = coreCall(() => codat().redis_stream_key(String(prefix), String(scope)));
  return { stream, acceptanceKey: (id) => coreCall(() => codat().redis_acceptance_key(String(prefix), String(scope), String(id))) };
}
