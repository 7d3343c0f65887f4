// A Codat webhook consumer for Cloudflare Workers (workerd), built on hookproof.
//
// It verifies the raw body (Svix / Standard Webhooks signature and, if configured, the legacy
// Authorization header), filters by client, event type and company tags, sheds load with
// 429 + Retry-After (a global rate limiter in a Durable Object), and hands accepted events to
// a Queue with two-phase acceptance in a Durable Object shared by every isolate and instance:
// begin (the id is now in flight) → send → commit, or abort when the send fails. It never
// acknowledges an event that was not queued, answers well inside Codat's 15 s deadline, reads
// bodies as a stream with a byte cap and a deadline, and drains what it does not read so an
// early answer never resets the connection. Every status is chosen for what Codat does with
// it; see README.md beside this file.
import { EventTypeFilter, SourceRateLimiter, TagFilter, Webhook, checkAuthorization, checkClientId, parseEvent } from "hookproof/codat";
import { durableObjectAcceptance, durableObjectRateLimiter } from "hookproof/durable-object";

// The Durable Object class the STATE binding points at (wrangler.toml).
export { HookproofState } from "hookproof/durable-object";

/** Largest body read (Codat's events are small references; Standard Webhooks asks < 20 KB). */
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/** A body must arrive within this many ms (Codat gives up after 15 s). */
const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/** Every answer goes out within this many ms of the request (Codat's deadline is 15 s). */
const DEFAULT_ANSWER_WITHIN_MS = 12_000;
/** After an early answer, at most this much more of the body is read and discarded. */
const DRAIN_LIMIT_BYTES = 128 * 1024 * 1024;
/** Retry-After for failures of our own (queue or store unavailable). */
const RETRY_AFTER_SECONDS = 5;
/** Requests that fail authentication, per source address and isolate: at most this many a second… */
const DEFAULT_UNAUTHENTICATED_PER_SECOND = 10;
/** …and this many at once. */
const DEFAULT_UNAUTHENTICATED_BURST = 20;

/**
 * Configuration from bindings (strings; all optional but WEBHOOK_SECRETS or a legacy credential,
 * and STATE):
 * - WEBHOOK_SECRETS: one or more `whsec_…` signing secrets, separated by spaces or commas
 * - EVENT_TYPES: accepted event types, e.g. `read.completed, connection.*` (default: all)
 * - COMPANY_TAGS: company-tag filter, e.g. `region:us, service:t2k` (default: all companies)
 * - CODAT_CLIENT_ID: only accept `X-Codat-ClientId` equal to this
 * - LEGACY_BEARER_TOKEN, or LEGACY_BASIC_USER + LEGACY_BASIC_PASSWORD (both, or neither: one
 *   alone is a configuration error): required `Authorization`
 * - RATE_LIMIT_PER_SECOND (+ RATE_LIMIT_BURST): shed load above this rate, across all instances
 *   (charged only once a request authenticated)
 * - UNAUTHENTICATED_PER_SECOND (+ UNAUTHENTICATED_BURST): requests that fail authentication,
 *   per source address (CF-Connecting-IP), in each isolate's memory (default 10/s, bursts of 20)
 * - DEDUPE_SCOPE: the endpoint the ids belong to (default: the request's path): Svix gives a
 *   message the same id on every endpoint it fans out to, so endpoints de-duplicate apart
 * - MAX_BODY_BYTES: refuse larger bodies (default 262144)
 * - BODY_TIMEOUT_MS: answer 408 when the body has not arrived by then (default 10000)
 * - ANSWER_WITHIN_MS: answer every request within this many ms (default 12000; a send still
 *   pending then is answered 503 and settled in the background)
 * - TOLERANCE_SECONDS: signature timestamp tolerance (default 300)
 * - DEDUPE_WINDOW_SECONDS: how long an accepted id is a duplicate (default 108000 = 30 h,
 *   Codat's retries span ≈ 28 h); LEASE_SECONDS: how long a delivery holds an id (default 60)
 * - STATE: the Durable Object namespace (class HookproofState) for acceptance and the limiter
 * - EVENTS: the Queue accepted events go to
 */
export function configure(env) {
  const list = (value) => (value ?? "").split(/[\s,]+/).filter(Boolean);
  // A number setting: unset (or empty) is the default; anything but a whole number is an error
  // naming the variable, never NaN passed on (which could switch a bound off).
  const number = (name, fallback) => {
    const value = env[name];
    if (value === undefined || value === "") return fallback;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not ${JSON.stringify(value)}`);
    return n;
  };
  const secrets = list(env.WEBHOOK_SECRETS);
  let authorization;
  if (env.LEGACY_BEARER_TOKEN) authorization = { bearer: env.LEGACY_BEARER_TOKEN };
  else if (env.LEGACY_BASIC_USER || env.LEGACY_BASIC_PASSWORD) {
    // Both or neither: a user without a password would let anyone in with an empty one.
    if (!env.LEGACY_BASIC_USER) throw new Error("LEGACY_BASIC_PASSWORD is set but LEGACY_BASIC_USER is not: set both, or neither");
    if (!env.LEGACY_BASIC_PASSWORD) throw new Error("LEGACY_BASIC_USER is set but LEGACY_BASIC_PASSWORD is not: set both, or neither");
    authorization = { basic: { username: env.LEGACY_BASIC_USER, password: env.LEGACY_BASIC_PASSWORD } };
  }
  if (secrets.length === 0 && !authorization) {
    throw new Error("configure WEBHOOK_SECRETS and/or a legacy Authorization credential");
  }
  if (!env.STATE) throw new Error("bind STATE to the HookproofState Durable Object (acceptance must be shared by every instance)");
  const perSecond = number("RATE_LIMIT_PER_SECOND", 0);
  const windowSeconds = number("DEDUPE_WINDOW_SECONDS", undefined);
  const leaseSeconds = number("LEASE_SECONDS", undefined);
  // A bad window or lease is refused now (the core checks them), not on the first delivery.
  durableObjectAcceptance(env.STATE, { scope: "configuration", windowSeconds, leaseSeconds });
  return {
    webhook: secrets.length ? new Webhook(secrets, { toleranceInSeconds: number("TOLERANCE_SECONDS", 300) }) : undefined,
    authorization,
    clientId: env.CODAT_CLIENT_ID || undefined,
    eventTypes: new EventTypeFilter(env.EVENT_TYPES ?? ""),
    tags: new TagFilter(env.COMPANY_TAGS ?? ""),
    limiter: perSecond > 0 ? durableObjectRateLimiter(env.STATE, { perSecond, burst: number("RATE_LIMIT_BURST", perSecond) }) : undefined,
    unauthenticated: new SourceRateLimiter({
      perSecond: number("UNAUTHENTICATED_PER_SECOND", DEFAULT_UNAUTHENTICATED_PER_SECOND),
      burst: number("UNAUTHENTICATED_BURST", DEFAULT_UNAUTHENTICATED_BURST),
    }),
    /** Two-phase acceptance for the endpoint at `path` (its scope, unless DEDUPE_SCOPE is set). */
    acceptance: (path) => durableObjectAcceptance(env.STATE, { scope: env.DEDUPE_SCOPE || path, windowSeconds, leaseSeconds }),
    maxBodyBytes: number("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
    bodyTimeoutMs: number("BODY_TIMEOUT_MS", DEFAULT_BODY_TIMEOUT_MS),
    answerWithinMs: number("ANSWER_WITHIN_MS", DEFAULT_ANSWER_WITHIN_MS),
    /** The clock, Unix seconds (tests inject one). */
    now: () => Date.now() / 1000,
  };
}

const json = (body) => JSON.stringify(body);
const headersOf = (headers) => ({ "content-type": "application/json", ...headers });
const answer = (status, body, headers = {}) => new Response(json(body), { status, headers: headersOf(headers) });

const TIMEOUT = Symbol("timeout");

/** `promise`, or TIMEOUT after `ms` (the promise keeps running). */
function within(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The request body as a byte reader. Reads go into buffers we own (BYOB), so reading a body to
 * its cap allocates the cap once, and draining reuses one 64 KiB buffer: memory stays bounded
 * however much a sender pushes. (A stream that is not a byte stream falls back to chunks.)
 */
function bodyReader(request) {
  if (!request.body) return undefined;
  try {
    const reader = request.body.getReader({ mode: "byob" });
    return { byob: true, read: (view) => reader.read(view), cancel: () => reader.cancel() };
  } catch {
    const reader = request.body.getReader();
    return { byob: false, read: () => reader.read(), cancel: () => reader.cancel() };
  }
}

/**
 * An answer sent before the body was read. The answer has a fixed length (workerd's
 * FixedLengthStream sends a Content-Length), so the sender has the whole status and JSON as
 * soon as it is written; the response only ends once the rest of the body is read and
 * discarded. Answering and closing with unread data on the socket makes TCP reset the
 * connection, and a reset can reach the sender before it reads the answer (workerd: 994 of
 * 2,000 early 429s reset without the drain, 0 with it). A sender that goes past the drain's
 * deadline or byte limit is cut off: the response ends cleanly (closed, never aborted) and the
 * connection closes; the sender already has the whole answer.
 */
function answerEarly(status, body, headers, reader, ctx) {
  if (!reader) return answer(status, body, headers);
  const bytes = new TextEncoder().encode(json(body));
  const { readable, writable } = typeof FixedLengthStream === "function" ? new FixedLengthStream(bytes.byteLength) : new TransformStream();
  const writer = writable.getWriter();
  const drain = async () => {
    let scratch = new Uint8Array(64 * 1024);
    let drained = 0;
    // One timer for the whole drain (not one per chunk): a sender that stalls is cut off.
    const timer = setTimeout(() => reader.cancel().catch(() => {}), DEFAULT_BODY_TIMEOUT_MS);
    try {
      for (;;) {
        const chunk = await reader.read(scratch);
        // BYOB hands our buffer back (under a new ArrayBuffer) with every read.
        if (reader.byob && chunk.value) scratch = new Uint8Array(chunk.value.buffer);
        if (chunk.done) return;
        drained += chunk.value.byteLength;
        if (drained > DRAIN_LIMIT_BYTES) return void (await reader.cancel());
      }
    } finally {
      clearTimeout(timer);
    }
  };
  // Whatever ends the drain (the body's end, the cut, a read that fails once the request is
  // cancelled), the answer is written whole and the response closed: nothing is left to throw.
  ctx?.waitUntil(
    Promise.all([writer.write(bytes), drain().catch(() => reader.cancel().catch(() => {}))])
      .then(() => writer.close())
      .catch(() => {}),
  );
  return new Response(readable, { status, headers: headersOf(headers) });
}

/**
 * Reads the body: `{ bytes }`, `{ tooLarge }` as soon as more than `max` bytes arrived (or were
 * declared), or `{ timedOut }` when it has not arrived within `timeoutMs`. Holds at most
 * `max + 1` bytes.
 */
async function readBody(reader, declared, max, timeoutMs) {
  if (!reader) return { bytes: new Uint8Array(0) };
  if (declared !== null && Number(declared) > max) return { tooLarge: true };
  let buffer = new Uint8Array(Math.min(max, Number(declared) || max) + 1);
  let size = 0;
  // One timer for the whole body (not one per chunk): it cancels the read when it fires.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  try {
    for (;;) {
      if (size === buffer.byteLength) {
        if (size > max) return { tooLarge: true };
        // A body longer than its Content-Length said: grow to the cap (a broken sender).
        const bigger = new Uint8Array(max + 1);
        bigger.set(buffer);
        buffer = bigger;
      }
      const chunk = await reader.read(buffer.subarray(size));
      if (timedOut) return { timedOut: true };
      // BYOB: the bytes landed in our buffer, handed back under a new ArrayBuffer.
      if (reader.byob && chunk.value) buffer = new Uint8Array(chunk.value.buffer);
      if (chunk.done) break;
      if (!reader.byob) {
        if (size + chunk.value.byteLength > max) return { tooLarge: true };
        buffer.set(chunk.value, size);
      }
      size += chunk.value.byteLength;
      if (size > max) return { tooLarge: true };
    }
  } catch (e) {
    if (timedOut) return { timedOut: true };
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return { bytes: buffer.subarray(0, size) };
}

export async function handle(request, env, config, ctx) {
  const started = Date.now();
  const left = () => started + config.answerWithinMs - Date.now();
  const reader = bodyReader(request);
  if (request.method !== "POST") return answerEarly(405, { status: "method_not_allowed" }, { allow: "POST" }, reader, ctx);

  const read = await readBody(reader, request.headers.get("content-length"), config.maxBodyBytes, Math.min(config.bodyTimeoutMs, left()));
  if (read.timedOut) {
    // The sender stalled (the read is cancelled): nothing more can be drained. Both services
    // retry a 408.
    return answer(408, { status: "body_timeout" }, { connection: "close" });
  }
  if (read.tooLarge) return answerEarly(413, { status: "too_large" }, {}, reader, ctx);
  const body = read.bytes;

  // Authenticate first, then spend anything shared. A request that fails is charged to its
  // source address alone (in this isolate's memory), so a flood without credentials never
  // spends the global budget that signed deliveries need.
  const refused = (code) => {
    const own = config.unauthenticated.check(request.headers.get("cf-connecting-ip"), config.now());
    if (!own.allowed) return answer(429, { status: "rate_limited" }, { "retry-after": String(own.retryAfter) });
    return answer(401, { status: "unauthorized", code });
  };
  if (config.authorization) {
    const auth = checkAuthorization(request.headers.get("authorization"), config.authorization);
    if (!auth.ok) return refused(auth.code);
  }
  let id;
  if (config.webhook) {
    const verified = config.webhook.safeVerify(body, request.headers, { now: config.now() });
    if (!verified.ok) return refused(verified.code);
    id = verified.id;
  }

  // Shed load: 429 + Retry-After, which the legacy service honours; the current one retries on
  // its own schedule. If the limiter cannot be reached, fail open: it protects us, it does not
  // decide correctness.
  if (config.limiter) {
    const rate = await within(config.limiter.check(config.now()), left()).then((r) => (r === TIMEOUT ? { allowed: true } : r), () => ({ allowed: true }));
    if (!rate.allowed) return answer(429, { status: "rate_limited" }, { "retry-after": String(rate.retryAfter) });
  }

  if (config.clientId) {
    const client = checkClientId(config.clientId, request.headers.get("x-codat-clientid"));
    if (!client.ok) return answer(200, { status: "ignored", reason: client.code });
  }

  let event;
  try {
    event = parseEvent(body);
  } catch (e) {
    return answer(400, { status: "bad_event", code: e.code ?? "invalid_event" });
  }
  id ??= event.id ?? event.alertId ?? undefined;
  // The core's event shape: `company` (id, tag pairs) on current events, `ruleType` and
  // `companyId` on legacy ones.
  const eventType = event.kind === "current" ? event.eventType : event.ruleType;
  const companyId = event.kind === "current" ? (event.company?.id ?? null) : event.companyId;

  if (!config.eventTypes.matches(eventType)) return answer(200, { status: "ignored", reason: "event_type" });
  if (!config.tags.matches(event.company?.tags)) return answer(200, { status: "ignored", reason: "company_tags" });
  if (id === undefined) {
    // Nothing to de-duplicate by (a legacy body without AlertId): queue it, at least once.
    const sent = await within(Promise.resolve().then(() => env.EVENTS.send({ id: null, eventType, companyId, body: new TextDecoder().decode(body) })), left()).catch(() => TIMEOUT);
    if (sent === TIMEOUT) return answer(503, { status: "queue_unavailable" }, { "retry-after": String(RETRY_AFTER_SECONDS) });
    return answer(202, { status: "accepted", id: null, eventType });
  }

  const unavailable = (what) => answer(503, { status: what }, { "retry-after": String(RETRY_AFTER_SECONDS) });

  // Phase one: the id is ours (in flight, with a lease), another delivery holds it, or done.
  const acceptance = config.acceptance(new URL(request.url).pathname);
  const begun = await within(acceptance.begin(id, config.now()), left()).catch(() => TIMEOUT);
  if (begun === TIMEOUT) return unavailable("store_unavailable");
  if (begun.answer === "done") return answer(200, { status: "duplicate", id });
  if (begun.answer === "in_flight") {
    // Not 2xx (it is not queued yet), not 409 (the legacy service drops that): both retry a 503.
    return answer(503, { status: "in_flight", id }, { "retry-after": String(begun.retryAfter) });
  }
  const { token } = begun;

  // The message carries the webhook-id, so the queue's consumer can drop the rare duplicate.
  const message = { id, eventType, companyId, body: new TextDecoder().decode(body) };
  const settle = (sent) =>
    sent
      .then(
        () => acceptance.commit(id, token, config.now()),
        () => acceptance.abort(id, token, config.now()),
      )
      .catch(() => {}); // an unreachable store: the lease runs out and the sender retries
  const sending = Promise.resolve().then(() => env.EVENTS.send(message));
  const sent = await within(sending, left() - 1000).then(
    (r) => (r === TIMEOUT ? TIMEOUT : "sent"),
    () => "failed",
  );
  if (sent === TIMEOUT) {
    // Still sending: keep the lease and settle in the background. Until then a redelivery is
    // answered 503 (in flight); afterwards it is a duplicate (sent) or accepted (failed).
    ctx?.waitUntil(settle(sending));
    return answer(503, { status: "queue_slow", id }, { "retry-after": String(RETRY_AFTER_SECONDS) });
  }
  if (sent === "failed") {
    // Free the id so the redelivery is accepted: both Codat services retry a 503.
    await within(settle(sending), left());
    return unavailable("queue_unavailable");
  }
  // Phase two: queued. If the commit cannot finish in time, it finishes in the background; the
  // event is queued either way, so the answer is 202.
  const committed = settle(sending);
  if ((await within(committed, left())) === TIMEOUT) ctx?.waitUntil(committed);
  return answer(202, { status: "accepted", id, eventType });
}

let config;

export default {
  async fetch(request, env, ctx) {
    config ??= configure(env);
    return handle(request, env, config, ctx);
  },
};
