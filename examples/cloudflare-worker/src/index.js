// A Codat webhook consumer for Cloudflare Workers (workerd), built on hookproof.
//
// Every decision — verification (Svix / Standard Webhooks signature and, if configured, the
// legacy Authorization header), client, event-type and company-tag filters, the order of
// checks, statuses, answer bodies, Retry-After and the answer budget — is hookproof's
// `Consumer` (the core's sans-IO machine). This worker is its I/O shell: it reads the body as a
// stream with the byte cap and deadline the machine gives, charges the limiters (a global one
// in a Durable Object, a per-source one in memory), runs two-phase acceptance in a Durable
// Object shared by every isolate and instance (begin → send to the Queue → commit, or abort),
// and writes the answer, draining what it did not read so an early answer never resets the
// connection. See README.md beside this file.
import { Consumer, SourceRateLimiter } from "hookproof/codat";
import { durableObjectAcceptance, durableObjectRateLimiter } from "hookproof/durable-object";

// The Durable Object class the STATE binding points at (wrangler.toml).
export { HookproofState } from "hookproof/durable-object";

/** After an early answer, at most this much more of the body is read and discarded… */
const DRAIN_LIMIT_BYTES = 128 * 1024 * 1024;
/** …for at most this long. */
const DRAIN_TIMEOUT_MS = 10_000;

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
 * - MAX_BODY_BYTES, BODY_TIMEOUT_MS, ANSWER_WITHIN_MS, TOLERANCE_SECONDS: the consumer's bounds
 *   (defaults: hookproof's — 256 KiB, 10 s, 12 s, 300 s); a send still pending at the answer
 *   budget is answered 503 and settled in the background by its real result
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
  let authorization;
  if (env.LEGACY_BEARER_TOKEN) authorization = { bearer: env.LEGACY_BEARER_TOKEN };
  // A user without a password (or the reverse) is refused by the core: never an open door.
  else if (env.LEGACY_BASIC_USER || env.LEGACY_BASIC_PASSWORD) authorization = { basic: { username: env.LEGACY_BASIC_USER ?? "", password: env.LEGACY_BASIC_PASSWORD ?? "" } };
  const keys = list(env.WEBHOOK_SECRETS);
  const perSecond = number("RATE_LIMIT_PER_SECOND", 0);
  const consumer = new Consumer({
    keys,
    authorization,
    policy: keys.length === 0 ? "legacy" : "current",
    clientId: env.CODAT_CLIENT_ID || undefined,
    eventTypes: env.EVENT_TYPES ?? "",
    companyTags: env.COMPANY_TAGS ?? "",
    toleranceSeconds: number("TOLERANCE_SECONDS", undefined),
    maxBodyBytes: number("MAX_BODY_BYTES", undefined),
    bodyTimeoutMs: number("BODY_TIMEOUT_MS", undefined),
    budgetMs: number("ANSWER_WITHIN_MS", undefined),
    rateLimited: perSecond > 0,
  });
  if (!env.STATE) throw new Error("bind STATE to the HookproofState Durable Object (acceptance must be shared by every instance)");
  const windowSeconds = number("DEDUPE_WINDOW_SECONDS", undefined);
  const leaseSeconds = number("LEASE_SECONDS", undefined);
  // A bad window or lease is refused now (the core checks them), not on the first delivery.
  durableObjectAcceptance(env.STATE, { scope: "configuration", windowSeconds, leaseSeconds });
  return {
    consumer,
    limiter: perSecond > 0 ? durableObjectRateLimiter(env.STATE, { perSecond, burst: number("RATE_LIMIT_BURST", perSecond) }) : undefined,
    unauthenticated: new SourceRateLimiter({ perSecond: number("UNAUTHENTICATED_PER_SECOND", 10), burst: number("UNAUTHENTICATED_BURST", 20) }),
    /** Two-phase acceptance for the endpoint at `path` (its scope, unless DEDUPE_SCOPE is set). */
    acceptance: (path) => durableObjectAcceptance(env.STATE, { scope: env.DEDUPE_SCOPE || path, windowSeconds, leaseSeconds }),
    /** The clock, Unix seconds (tests inject one). */
    now: () => Date.now() / 1000,
  };
}

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
function answerEarly(status, text, headers, reader, ctx) {
  const bytes = new TextEncoder().encode(text);
  const { readable, writable } = typeof FixedLengthStream === "function" ? new FixedLengthStream(bytes.byteLength) : new TransformStream();
  const writer = writable.getWriter();
  const drain = async () => {
    let scratch = new Uint8Array(64 * 1024);
    let drained = 0;
    // One timer for the whole drain (not one per chunk): a sender that stalls is cut off.
    const timer = setTimeout(() => reader.cancel().catch(() => {}), DRAIN_TIMEOUT_MS);
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
  return new Response(readable, { status, headers });
}

/**
 * Reads the body: `{ bytes }`, `{ tooLarge }` as soon as more than `max` bytes arrived (or were
 * declared), or `{ timedOut }` when it has not arrived within `timeoutMs`. Holds at most
 * `max + 1` bytes.
 */
async function readBody(reader, declared, max, timeoutMs) {
  if (!reader) return { bytes: new Uint8Array(0) };
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

const decision = (r) => (r === TIMEOUT ? null : r.allowed ? "allow" : r.retryAfter);

/** Writes the machine's answer; one sent before the body was read drains it (answerEarly). */
function respond(a, reader, ctx) {
  const headers = { "content-type": "application/json" };
  if (a.retryAfter !== null) headers["retry-after"] = String(a.retryAfter);
  if (a.allow !== null) headers.allow = a.allow;
  if (a.close) headers.connection = "close";
  if (reader && !a.close) return answerEarly(a.status, a.body, headers, reader, ctx);
  return new Response(a.body, { status: a.status, headers });
}

/** A send answered while still pending: its real result settles the lease, in the background. */
async function settleLater(exchange, sending, acceptance, config) {
  try {
    const result = await sending.then(() => "accepted", () => "unreachable");
    const step = exchange.feed({ feed: "delivered", result, now: config.now() });
    if (step.step === "commit" || step.step === "abort") {
      await acceptance[step.step](step.id, step.token, config.now());
      exchange.feed({ feed: "settled", now: config.now() });
    }
  } catch {
    // An unreachable store: the lease runs out and the sender retries.
  }
}

export async function handle(request, env, config, ctx) {
  const reader = bodyReader(request);
  const source = request.headers.get("cf-connecting-ip");
  const exchange = config.consumer.exchange({ method: request.method, source, contentLength: request.headers.get("content-length"), now: config.now() });
  let body;
  let unread = true;
  let acceptance;
  for (let step = exchange.step; ; ) {
    const feed = (result) => (step = exchange.feed({ ...result, now: config.now() }));
    switch (step.step) {
      case "read_body": {
        const read = await readBody(reader, request.headers.get("content-length"), step.maxBytes, step.waitMs);
        if (read.timedOut) feed({ feed: "timeout" });
        else if (read.tooLarge) feed({ feed: "too_large" });
        else {
          unread = false;
          body = read.bytes;
          feed({ feed: "body", headers: request.headers, body });
        }
        break;
      }
      case "check_source":
        feed({ feed: "rate", decision: decision(config.unauthenticated.check(source, config.now())) });
        break;
      case "check_rate":
        feed({ feed: "rate", decision: await within(config.limiter.check(config.now()), step.waitMs).then(decision, () => null) });
        break;
      case "begin": {
        acceptance ??= config.acceptance(new URL(request.url).pathname);
        const begun = await within(acceptance.begin(step.id, config.now()), step.waitMs).catch(() => TIMEOUT);
        feed({ feed: "begun", answer: begun === TIMEOUT ? { error: "store_unavailable" } : begun });
        break;
      }
      case "deliver": {
        // The message carries the webhook-id, so the queue's consumer can drop the rare duplicate.
        const message = { id: step.id, eventType: step.eventType, companyId: step.companyId, body: new TextDecoder().decode(body) };
        const sending = Promise.resolve().then(() => env.EVENTS.send(message));
        const sent = await within(sending, step.waitMs).then((r) => (r === TIMEOUT ? "pending" : "accepted"), () => "unreachable");
        feed({ feed: "delivered", result: sent });
        if (sent === "pending") ctx?.waitUntil(settleLater(exchange, sending, acceptance, config));
        break;
      }
      case "commit":
      case "abort": {
        // If the store is slow, the settle finishes in the background; the answer stands.
        const settling = acceptance[step.step](step.id, step.token, config.now()).catch(() => {});
        if ((await within(settling, step.waitMs)) === TIMEOUT) ctx?.waitUntil(settling);
        feed({ feed: "settled" });
        break;
      }
      case "answer":
        return respond(step, unread ? reader : undefined, ctx);
    }
  }
}

let config;

export default {
  async fetch(request, env, ctx) {
    config ??= configure(env);
    return handle(request, env, config, ctx);
  },
};
