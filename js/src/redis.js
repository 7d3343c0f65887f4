// `hookproof/redis`: two-phase acceptance and a GCRA rate limiter in Redis, shared by every
// process of a service, with a Redis Stream as the queue: the enqueue step (XADD) and the
// commit are one atomic script, so an event is never acknowledged without being queued and
// never queued twice.
//
// No Redis client is bundled. Pass one function that sends a command and resolves to its reply
// (integers as numbers, bulk strings as strings, arrays as arrays; an error reply rejects):
//
//   ioredis:     const command = (args) => redis.call(...args);
//   node-redis:  const command = (args) => client.sendCommand(args.map(String));
//
// The scripts are the core's (src/redis/*.lua, inlined here at build, the same text the Rust
// `hookproof::redis` module runs), as is the key layout: a fleet mixing Node consumers and
// hookproof gateways on one Redis shares one de-duplication. On Redis Cluster, give a client
// that follows MOVED: every key one script touches is in one hash slot.
import { ACCEPTANCE_DEFAULTS, HookproofError, RateLimiter, acceptanceTransition, redisKeyLayout } from "hookproof/codat";
import ACCEPTANCE_SCRIPT from "../../src/redis/acceptance.lua";
import RATE_LIMIT_SCRIPT from "../../src/redis/rate_limit.lua";

/** Extra time Redis keeps a dead entry before expiring it, in ms (dead entries read as absent). */
const EXPIRY_SLACK_MS = 60_000;
/** Most field/value pairs one stream entry may carry (as the core's `MAX_STREAM_FIELDS`). */
const MAX_STREAM_FIELDS = 64;

const ANSWERS = {
  begin: ["new", "in_flight", "done"],
  commit: ["committed", "late"],
  abort: ["released", "not_held"],
  enqueue: ["committed", "late", "done", "in_flight"],
};

/**
 * Runs a script by its SHA (`SCRIPT LOAD` once); a node that does not have it (a restart, a
 * flush, or another Redis Cluster master than the one the load reached) answers NOSCRIPT, and
 * the call is repeated as EVAL, which caches the script on that node.
 */
function script(command, source) {
  let sha;
  return async (keys, args) => {
    const rest = [String(keys.length), ...keys, ...args.map(String)];
    sha ??= await command(["SCRIPT", "LOAD", source]);
    try {
      return await command(["EVALSHA", sha, ...rest]);
    } catch (e) {
      if (!/NOSCRIPT/.test(String(e?.message ?? e))) throw e;
    }
    return command(["EVAL", source, ...rest]);
  };
}

function nowSeconds(now) {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  if (typeof now !== "number" || !Number.isFinite(now)) throw new HookproofError("invalid_argument", "now must be a Date or Unix seconds");
  return Math.floor(now);
}

function token(value) {
  if (!Number.isSafeInteger(value)) throw new HookproofError("invalid_argument", "token must be the integer begin returned");
  return value;
}

const unexpected = () => new HookproofError("unexpected_reply", "unexpected reply from the Redis script");

/** The script's `[answer, value, streamId?]` as the core's answer for `op` (names, checked). */
function decode(op, reply) {
  if (!Array.isArray(reply)) throw unexpected();
  const [answer, value, streamId] = reply;
  if (!ANSWERS[op].includes(answer)) throw unexpected();
  const written = op === "enqueue" && (answer === "committed" || answer === "late");
  if (written !== (typeof streamId === "string")) throw unexpected();
  if (answer === "new") return { answer, token: Number(value) };
  if (answer === "in_flight") {
    const retryAfter = Number(value);
    if (!(retryAfter >= 1)) throw unexpected();
    return { answer, retryAfter };
  }
  return written ? { answer, streamId } : { answer };
}

/**
 * Two-phase acceptance in Redis for one endpoint: `begin(id, now?)`, `commit(id, token, now?)`,
 * `abort(id, token, now?)` answer as the core does, and `enqueue(id, token, fields, now?)` is
 * the core's enqueue step: it adds `fields` (an object or [name, value] pairs, 1 to 64) to the
 * endpoint's stream and commits, in one atomic script:
 *
 * - `{ answer: "committed", streamId }`: added, the caller's lease was live;
 * - `{ answer: "late", streamId }`: added and done, though the caller's lease had expired
 *   (nobody else held the id);
 * - `{ answer: "done" }`: not added, the id is already queued (acknowledge the duplicate);
 * - `{ answer: "in_flight", retryAfter }`: not added, another delivery holds the id (503).
 *
 * `scope` (required) names the endpoint: Svix gives a message the same id on every endpoint it
 * fans out to, so two consumers sharing one Redis must not share keys, or the second would
 * answer its copy as a duplicate and never queue it. The keys are the core's layout
 * (`redisKeyLayout`): the stream is `stream` = `<prefix>stream:{<scope>}` (read it with
 * XREADGROUP), each id `<prefix>acceptance:{<scope>}:<key>`; the braces are a Redis Cluster
 * hash tag, so all of one endpoint's keys share a slot (one master: a cluster spreads
 * endpoints, not one endpoint's events). `maxLength` (optional) trims the stream with
 * `XADD MAXLEN ~`. Each key expires in Redis 60 s after its deadline; until then the stored
 * deadline decides.
 */
export function redisAcceptance(command, { scope, prefix = "hookproof:", maxLength = 0, windowSeconds = ACCEPTANCE_DEFAULTS.windowSeconds, leaseSeconds = ACCEPTANCE_DEFAULTS.leaseSeconds } = {}) {
  if (typeof command !== "function") throw new HookproofError("invalid_argument", "command must be a function sending one Redis command");
  const layout = redisKeyLayout(scope, prefix);
  if (!Number.isSafeInteger(maxLength) || maxLength < 0) throw new HookproofError("invalid_argument", "maxLength must be a whole number (0: no trimming)");
  // The core refuses a bad window or lease here, once, with `invalid_config`.
  acceptanceTransition(null, "begin", { now: 0, windowSeconds, leaseSeconds });
  const run = script(command, ACCEPTANCE_SCRIPT);
  const call = async (id, op, tok, now, extra = []) => {
    const keys = [layout.acceptanceKey(id)];
    if (op === "enqueue") keys.push(layout.stream);
    return decode(op, await run(keys, [op, tok, nowSeconds(now), windowSeconds, leaseSeconds, EXPIRY_SLACK_MS, ...extra]));
  };
  return {
    /** The endpoint's stream key. */
    stream: layout.stream,
    begin: (id, now) => call(id, "begin", 0, now),
    commit: (id, tok, now) => call(id, "commit", token(tok), now),
    abort: (id, tok, now) => call(id, "abort", token(tok), now),
    enqueue(id, tok, fields, now) {
      const pairs = Array.isArray(fields) ? fields : Object.entries(fields ?? {});
      if (pairs.length === 0 || pairs.length > MAX_STREAM_FIELDS || !pairs.every((p) => Array.isArray(p) && p.length === 2)) {
        throw new HookproofError("invalid_fields", "a stream entry needs 1 to 64 field/value pairs");
      }
      return call(id, "enqueue", token(tok), now, [maxLength, ...pairs.flat().map(String)]);
    },
  };
}

/**
 * A global GCRA rate limiter in Redis (one key): `check(now?)` → a promise of
 * `{ allowed: true }` or `{ allowed: false, retryAfter }` (whole seconds, for a 429).
 */
export function redisRateLimiter(command, { key = "hookproof:rate-limit", perSecond, burst = perSecond } = {}) {
  if (typeof command !== "function") throw new HookproofError("invalid_argument", "command must be a function sending one Redis command");
  new RateLimiter({ perSecond, burst }); // refuses a bad rate with `invalid_rate`
  const interval = Math.floor(1e9 / perSecond);
  const tolerance = interval * (burst - 1);
  const run = script(command, RATE_LIMIT_SCRIPT);
  return {
    async check(now) {
      const ms = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : Math.round(now * 1000);
      const reply = await run([key], [ms, interval, tolerance, EXPIRY_SLACK_MS]);
      if (!Array.isArray(reply)) throw unexpected();
      const [answer, value] = reply;
      if (answer === "allow") return { allowed: true };
      if (answer === "retry_after" && Number(value) >= 1) return { allowed: false, retryAfter: Number(value) };
      throw unexpected();
    },
  };
}
