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

/**
 * The key an id is stored under: the id itself when 1–128 bytes of `[A-Za-z0-9_.-]`, else
 * `sha256:` + hex digest. Throws `invalid_id` for an empty or over-64-KiB id.
 */
export function acceptanceKey(id) {
  return codat().acceptance_key(String(id));
}

/**
 * The state machine as a pure function on one stored entry (`null`, or `{ state: "in_flight" |
 * "done", deadline }`): `{ entry, answer }` after `op` ("begin", "commit", "abort", "enqueue"; `token` for
 * the others) at `now`. A store applies it atomically per key.
 */
export function acceptanceTransition(entry, op, { token = 0, now, windowSeconds = ACCEPTANCE_DEFAULTS.windowSeconds, leaseSeconds = ACCEPTANCE_DEFAULTS.leaseSeconds } = {}) {
  return codat().acceptance_transition(wholeOption(windowSeconds), wholeOption(leaseSeconds), entry ?? null, String(op), integer(token, "token"), acceptanceNow(now));
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
    this.#inner = new (codat().AcceptanceGuard)(wholeOption(windowSeconds), wholeOption(leaseSeconds), wholeOption(capacity));
  }

  begin(id, now) {
    return this.#inner.apply(String(id), "begin", 0, acceptanceNow(now));
  }

  commit(id, token, now) {
    return this.#inner.apply(String(id), "commit", integer(token, "token"), acceptanceNow(now));
  }

  abort(id, token, now) {
    return this.#inner.apply(String(id), "abort", integer(token, "token"), acceptanceNow(now));
  }

  /**
   * Commit and the queue write as one step: `{ answer: "committed" | "late" }` means write the
   * event now (the id is done), `{ answer: "done" }` or `{ answer: "in_flight", retryAfter }`
   * write nothing. Only sound when the write cannot fail after this answer (an in-process queue).
   */
  enqueue(id, token, now) {
    return this.#inner.apply(String(id), "enqueue", integer(token, "token"), acceptanceNow(now));
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
  const stream = codat().redis_stream_key(String(prefix), String(scope));
  return { stream, acceptanceKey: (id) => codat().redis_acceptance_key(String(prefix), String(scope), String(id)) };
}
