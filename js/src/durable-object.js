// `hookproof/durable-object`: two-phase acceptance and a GCRA rate limiter shared by every
// isolate and instance of a Cloudflare Worker, in a Durable Object (SQLite storage).
//
//   // the Worker (wrangler.toml: a durable_objects binding STATE to class HookproofState,
//   // and a migration with new_sqlite_classes = ["HookproofState"])
//   export { HookproofState } from "hookproof/durable-object";
//   const acceptance = durableObjectAcceptance(env.STATE, { scope: "codat" });
//   const limiter = durableObjectRateLimiter(env.STATE, { perSecond: 50 });
//
// Each acceptance operation is one RPC to the object owning the id's key (ids are spread over
// `shards` objects by an FNV-1a hash of the key); inside it the core's transition runs on the
// stored entry with synchronous SQL, so nothing interleaves and the object's storage is
// strongly consistent and survives restarts. The rate limiter is one object per name: a
// global GCRA (its state lives in the object's memory; if the object is evicted it restarts
// empty, which lets at most one extra burst through).
import { DurableObject } from "cloudflare:workers";
import { ACCEPTANCE_DEFAULTS, HookproofError, RateLimiter, acceptanceKey, acceptanceTransition } from "hookproof/codat";

/** How often the object forgets dead entries (by the latest caller clock it has seen). */
const SWEEP_INTERVAL_MS = 3600_000;
/** Longest key the core derives (`sha256:` + 64 hex digits). */
const MAX_KEY_LENGTH = 71;
const MAX_SHARDS = 1024;

/** The Durable Object class: export it from the Worker that owns the namespace. */
export class HookproofState extends DurableObject {
  #sql;
  /** Latest `now` any caller gave (Unix seconds): entries dead by then may be forgotten. */
  #clock;
  #storedClock;
  #alarm = false;
  #limiters = new Map();

  constructor(ctx, env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(
      `CREATE TABLE IF NOT EXISTS hookproof_acceptance (key TEXT PRIMARY KEY, state TEXT NOT NULL, deadline INTEGER NOT NULL) WITHOUT ROWID;
       CREATE INDEX IF NOT EXISTS hookproof_acceptance_deadline ON hookproof_acceptance (deadline);
       CREATE TABLE IF NOT EXISTS hookproof_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;`,
    );
    const row = this.#sql.exec("SELECT value FROM hookproof_meta WHERE name = 'clock'").toArray()[0];
    this.#clock = this.#storedClock = row ? row.value : -Infinity;
  }

  /**
   * Applies one operation ("begin", "commit", "abort", "enqueue") to `key` at `now` and answers
   * as the core does: `{ answer: "new", token }`, `{ answer: "in_flight", retryAfter }`, … A row
   * is the core's entry as it is (`{ state: "in_flight" | "done", deadline }`), read and written
   * unchanged.
   */
  accept(key, op, token, now, windowSeconds, leaseSeconds) {
    if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new HookproofError("invalid_id", "not an acceptance key");
    }
    const row = this.#sql.exec("SELECT state, deadline FROM hookproof_acceptance WHERE key = ?", key).toArray()[0] ?? null;
    const next = acceptanceTransition(row, op, { token, now, windowSeconds, leaseSeconds });
    if (next.entry === null) {
      if (row) this.#sql.exec("DELETE FROM hookproof_acceptance WHERE key = ?", key);
    } else if (!row || next.entry.state !== row.state || next.entry.deadline !== row.deadline) {
      this.#sql.exec("INSERT OR REPLACE INTO hookproof_acceptance (key, state, deadline) VALUES (?, ?, ?)", key, next.entry.state, next.entry.deadline);
    }
    this.#tick(now);
    return next.answer;
  }

  /** The GCRA for `perSecond`/`burst` at `nowMs`: `{ allowed: true }` or `{ allowed: false, retryAfter }`. */
  rateLimit(nowMs, perSecond, burst) {
    const name = `${perSecond}/${burst}`;
    let limiter = this.#limiters.get(name);
    if (!limiter) {
      if (this.#limiters.size >= 64) this.#limiters.clear();
      this.#limiters.set(name, (limiter = new RateLimiter({ perSecond, burst })));
    }
    return limiter.check(new Date(nowMs));
  }

  /** Entries held, live or not yet swept (for tests and monitoring). */
  size() {
    return this.#sql.exec("SELECT COUNT(*) AS n FROM hookproof_acceptance").one().n;
  }

  async alarm() {
    this.#alarm = false;
    if (Number.isFinite(this.#clock)) this.#sql.exec("DELETE FROM hookproof_acceptance WHERE deadline <= ?", this.#clock);
    if (this.size() > 0) this.#arm();
  }

  #tick(now) {
    if (now > this.#clock) this.#clock = now;
    // Persist the clock now and then, so a restarted object can still sweep.
    if (this.#clock >= this.#storedClock + 60) {
      this.#sql.exec("INSERT OR REPLACE INTO hookproof_meta (name, value) VALUES ('clock', ?)", this.#clock);
      this.#storedClock = this.#clock;
    }
    this.#arm();
  }

  #arm() {
    if (this.#alarm) return;
    this.#alarm = true;
    const storage = this.ctx.storage;
    storage
      .getAlarm()
      .then((at) => (at === null ? storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS) : undefined))
      .catch(() => {
        this.#alarm = false;
      });
  }
}

/** FNV-1a (32-bit) over the key's UTF-16 code units: which shard owns it. */
function shardOf(key, shards) {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

function nowSeconds(now) {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  if (typeof now !== "number" || !Number.isFinite(now)) throw new HookproofError("invalid_argument", "now must be a Date or Unix seconds");
  return Math.floor(now);
}

/**
 * Two-phase acceptance over a Durable Object namespace bound to {@link HookproofState}:
 * `begin(id, now?)`, `commit(id, token, now?)`, `abort(id, token, now?)`, each a promise of the
 * core's answer. `scope` (required) names the endpoint the ids belong to, and so the objects
 * that hold them: Svix gives a message the same id on every endpoint it fans out to, so two
 * endpoints sharing a namespace must not share objects.
 */
export function durableObjectAcceptance(namespace, { scope, shards = 16, windowSeconds = ACCEPTANCE_DEFAULTS.windowSeconds, leaseSeconds = ACCEPTANCE_DEFAULTS.leaseSeconds } = {}) {
  if (!namespace || typeof namespace.idFromName !== "function") {
    throw new HookproofError("invalid_argument", "namespace must be a Durable Object namespace binding");
  }
  if (typeof scope !== "string" || scope.length === 0) {
    throw new HookproofError("invalid_argument", "scope must name the endpoint whose ids these are: Svix reuses a message id on every endpoint");
  }
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw new HookproofError("invalid_config", `shards must be 1 to ${MAX_SHARDS}`);
  }
  // The core refuses a bad window or lease here, once, with `invalid_config`.
  acceptanceTransition(null, "begin", { now: 0, windowSeconds, leaseSeconds });
  const call = (id, op, token, now) => {
    const key = acceptanceKey(id);
    const stub = namespace.get(namespace.idFromName(`${scope}:${shardOf(key, shards)}`));
    return stub.accept(key, op, token, nowSeconds(now), windowSeconds, leaseSeconds);
  };
  return {
    begin: (id, now) => call(id, "begin", 0, now),
    commit: (id, token, now) => call(id, "commit", token, now),
    abort: (id, token, now) => call(id, "abort", token, now),
    // The core's enqueue step (commit, deciding whether the event is written): only sound
    // when the write cannot fail after the answer.
    enqueue: (id, token, now) => call(id, "enqueue", token, now),
  };
}

/**
 * A global GCRA rate limiter in one Durable Object: `check(now?)` → a promise of
 * `{ allowed: true }` or `{ allowed: false, retryAfter }` (whole seconds, for a 429).
 */
export function durableObjectRateLimiter(namespace, { name = "hookproof-rate-limit", perSecond, burst = perSecond } = {}) {
  new RateLimiter({ perSecond, burst }); // refuses a bad rate with `invalid_rate`
  return {
    check(now) {
      const ms = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : Math.round(now * 1000);
      return namespace.get(namespace.idFromName(name)).rateLimit(ms, perSecond, burst);
    },
  };
}
