// `hookproof/redis`: two-phase acceptance and a GCRA rate limiter in Redis, shared by every
// process of a Node service, with Redis Streams as the queue: the enqueue (XADD) and the
// commit are one atomic script, so an event is never acknowledged without being queued and
// never queued twice.
//
// No Redis client is bundled. Pass one function that sends a command and resolves to its reply
// (integers as numbers, bulk strings as strings, arrays as arrays; an error reply rejects):
//
//   ioredis:     const command = (args) => redis.call(...args);
//   node-redis:  const command = (args) => client.sendCommand(args.map(String));
//
// The scripts mirror the core's state machine (src/acceptance.rs), and the test suite runs
// tests/vectors/acceptance.json and the rate-limit vectors through them on a real redis-server.
import { ACCEPTANCE_DEFAULTS, HookproofError, RateLimiter, acceptanceKey, acceptanceTransition } from "hookproof/codat";

/** Extra time Redis keeps a dead entry before expiring it, in ms (dead entries read as absent). */
const EXPIRY_SLACK_MS = 60_000;

// The state machine on one key. Value "<state>:<deadline>", state 1 in flight, 2 done.
// ARGV: op, token, now, window, lease, slack ms, then (op "add") XADD field/value pairs.
// Replies {code, value}: 0 new (token), 1 in flight (retry after), 2 done, 3 committed,
// 4 late, 5 released, 6 not held; op "add" adds the stream entry id as a third element.
const ACCEPT = `
local v = redis.call('GET', KEYS[1])
local state, deadline = 0, 0
if v then
  local sep = string.find(v, ':', 1, true)
  if sep then
    state = tonumber(string.sub(v, 1, sep - 1)) or 0
    deadline = tonumber(string.sub(v, sep + 1)) or 0
  end
end
local op, token, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local window, lease, slack = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local live = state ~= 0 and now < deadline
local function put(s, d)
  local ttl = math.max(1, (d - now) * 1000 + slack)
  redis.call('SET', KEYS[1], s .. ':' .. string.format('%.0f', d), 'PX', string.format('%.0f', ttl))
end
if op == 'begin' then
  if not live then
    put(1, now + lease)
    return {0, now + lease}
  end
  if state == 1 then return {1, math.max(1, deadline - now)} end
  return {2, 0}
end
if op == 'abort' then
  if live and state == 1 and deadline == token then
    redis.call('DEL', KEYS[1])
    return {5, 0}
  end
  return {6, 0}
end
local ours = live and state == 1 and deadline == token
local added = false
if op == 'add' then
  if live and state == 2 then return {2, 0} end
  if live and state == 1 and not ours then return {1, math.max(1, deadline - now)} end
  added = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 7))
end
local untilT = now + window
if live and state == 2 then untilT = math.max(deadline, untilT) end
put(2, untilT)
if ours then return {3, 0, added} end
return {4, 0, added}
`;

// GCRA, exactly as src/rate_limit.rs, in (milliseconds, nanoseconds) pairs so every value
// stays exact in Lua's doubles. Value "<ms>:<ns>" is the theoretical arrival time.
// ARGV: now ms, interval ns, tolerance ns, slack ms. Reply 0 (allow) or Retry-After seconds.
const GCRA = `
local M = 1000000
local now, interval, tol, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t_ms, t_ns = 0, 0
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, ':', 1, true)
  if sep then
    t_ms = tonumber(string.sub(v, 1, sep - 1)) or 0
    t_ns = tonumber(string.sub(v, sep + 1)) or 0
  end
end
if t_ms < now then t_ms, t_ns = now, 0 end
local tol_ms = math.floor(tol / M)
local e_ms, e_ns = t_ms - tol_ms, t_ns - (tol - tol_ms * M)
if e_ns < 0 then e_ns, e_ms = e_ns + M, e_ms - 1 end
if e_ms < 0 then e_ms, e_ns = 0, 0 end
if now < e_ms or (now == e_ms and e_ns > 0) then
  local wait = (e_ms - now) * M + e_ns
  return math.max(1, math.floor((wait + 999999999) / 1000000000))
end
local i_ms = math.floor(interval / M)
t_ms, t_ns = t_ms + i_ms, t_ns + (interval - i_ms * M)
if t_ns >= M then t_ns, t_ms = t_ns - M, t_ms + 1 end
redis.call('SET', KEYS[1], string.format('%.0f', t_ms) .. ':' .. string.format('%.0f', t_ns), 'PX', string.format('%.0f', math.max(1, t_ms - now + slack)))
return 0
`;

const ANSWERS = ["new", "in_flight", "done", "committed", "late", "released", "not_held"];

/** Runs a script by its SHA (loading it once, and again after a Redis restart or flush). */
function script(command, source) {
  let sha;
  return async (keys, args) => {
    const argv = ["EVALSHA", undefined, String(keys.length), ...keys, ...args.map(String)];
    for (let attempt = 0; attempt < 2; attempt++) {
      sha ??= await command(["SCRIPT", "LOAD", source]);
      argv[1] = sha;
      try {
        return await command(argv);
      } catch (e) {
        if (!/NOSCRIPT/.test(String(e?.message ?? e))) throw e;
        sha = undefined;
      }
    }
    throw new HookproofError("store_unavailable", "Redis kept losing the script");
  };
}

/** A de-duplication scope: a non-empty string naming the endpoint (no default: see callers). */
function requireScope(scope) {
  if (typeof scope !== "string" || scope.length === 0) {
    throw new HookproofError("invalid_argument", "scope must name the endpoint whose ids these are (e.g. the stream): Svix reuses a message id on every endpoint");
  }
  if (/[{}]/.test(scope)) throw new HookproofError("invalid_argument", "scope must not contain { or } (it is the keys' Redis Cluster hash tag)");
  return scope;
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

function decode(reply) {
  const [code, value, added] = reply;
  const answer = ANSWERS[code];
  if (answer === undefined) throw new HookproofError("store_unavailable", "unexpected reply from Redis");
  const out = answer === "new" ? { answer, token: value } : answer === "in_flight" ? { answer, retryAfter: value } : { answer };
  if (typeof added === "string") out.streamId = added;
  return out;
}

/**
 * Two-phase acceptance in Redis: `begin(id, now?)`, `commit(id, token, now?)`,
 * `abort(id, token, now?)` answer as the core does, and
 * `commitAndAdd(id, token, stream, fields, now?)` adds `fields` (an object or [name, value]
 * pairs) to the stream and commits in one atomic script:
 *
 * - `{ answer: "committed", streamId }`: added, the caller's lease was live;
 * - `{ answer: "late", streamId }`: added and done, though the caller's lease had expired
 *   (nobody else held the id);
 * - `{ answer: "done" }`: not added, the id is already queued (acknowledge the duplicate);
 * - `{ answer: "in_flight", retryAfter }`: not added, another delivery holds the id (503).
 *
 * `scope` (required) names the endpoint the ids belong to — the stream the consumer adds to is
 * the natural one: Svix gives a message the same id on every endpoint it fans out to, so two
 * consumers sharing one Redis must not share keys, or the second would answer its copy as a
 * duplicate and never queue it. Keys are `prefix` + `{scope}` + `:` + the core's key of the id
 * (at most 71 bytes): the braces are a Redis Cluster hash tag, so every key of a scope lives in
 * the hash slot of a key named `scope` — the stream's own slot when the scope is the stream, as
 * `commitAndAdd` needs on a cluster (XADD and commit are one script, and a script's keys must
 * share a slot). Each key expires in Redis 60 s after its deadline; until then the stored
 * deadline decides.
 */
export function redisAcceptance(command, { scope, prefix = "hookproof:acceptance:", windowSeconds = ACCEPTANCE_DEFAULTS.windowSeconds, leaseSeconds = ACCEPTANCE_DEFAULTS.leaseSeconds } = {}) {
  if (typeof command !== "function") throw new HookproofError("invalid_argument", "command must be a function sending one Redis command");
  requireScope(scope);
  // The core refuses a bad window or lease here, once, with `invalid_config`.
  acceptanceTransition(null, "begin", { now: 0, windowSeconds, leaseSeconds });
  const run = script(command, ACCEPT);
  const call = async (id, op, tok, now, stream, fields = []) => {
    const keys = [`${prefix}{${scope}}:${acceptanceKey(id)}`];
    if (stream !== undefined) keys.push(String(stream));
    return decode(await run(keys, [op, tok, nowSeconds(now), windowSeconds, leaseSeconds, EXPIRY_SLACK_MS, ...fields]));
  };
  return {
    begin: (id, now) => call(id, "begin", 0, now),
    commit: (id, tok, now) => call(id, "commit", token(tok), now),
    abort: (id, tok, now) => call(id, "abort", token(tok), now),
    commitAndAdd(id, tok, stream, fields, now) {
      const pairs = (Array.isArray(fields) ? fields : Object.entries(fields ?? {})).flat().map(String);
      if (pairs.length === 0 || pairs.length % 2 !== 0) throw new HookproofError("invalid_argument", "fields must be name/value pairs");
      return call(id, "add", token(tok), now, stream, pairs);
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
  const run = script(command, GCRA);
  return {
    async check(now) {
      const ms = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : Math.round(now * 1000);
      const wait = Number(await run([key], [ms, interval, tolerance, EXPIRY_SLACK_MS]));
      return wait === 0 ? { allowed: true } : { allowed: false, retryAfter: wait };
    },
  };
}
