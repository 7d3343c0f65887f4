// A Codat webhook consumer for Node (plain node:http) on Redis, built on hookproof.
//
// verify → begin (the id is in flight, with a lease) → XADD + commit in one atomic Redis
// script → answer. The event goes to a Redis Stream; an id already queued is acknowledged as a
// duplicate, one still in flight is answered 503 + Retry-After (both Codat services retry
// it), and nothing is acknowledged before it is in the stream. Bodies are read with a byte cap
// (413 as soon as it is passed) and a deadline (408), and whatever is not read is drained so
// an early answer never resets the connection. See README.md beside this file.
import { EventTypeFilter, SourceRateLimiter, TagFilter, Webhook, parseEvent } from "hookproof/codat";
import { redisAcceptance, redisRateLimiter } from "hookproof/redis";

/** Largest body read (Codat's events are small references; Standard Webhooks asks < 20 KB). */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/** A body must arrive within this many ms (Codat gives up after 15 s). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/** After an early answer, at most this much more of the body is read and discarded. */
const DRAIN_LIMIT_BYTES = 128 * 1024 * 1024;
/** Retry-After for failures of our own (Redis unavailable). */
const RETRY_AFTER_SECONDS = 5;
/** Requests that fail authentication, per source address: at most this many a second… */
export const DEFAULT_UNAUTHENTICATED_PER_SECOND = 10;
/** …and this many at once. */
export const DEFAULT_UNAUTHENTICATED_BURST = 20;

/**
 * `command(args)` sends one Redis command (see hookproof/redis). Options: `secrets` (whsec_…,
 * one or more), `stream` (default "codat-events": events go to the Redis stream
 * `<prefix>stream:{<dedupeScope>}`), `dedupeScope` (default: the stream; Svix reuses a
 * message id on every endpoint, so consumers on one Redis de-duplicate apart),
 * `eventTypes`, `companyTags`, `ratePerSecond` + `rateBurst` (the global limit, charged only
 * after a request authenticated), `unauthenticatedPerSecond` + `unauthenticatedBurst` (per
 * source address, in memory, charged only when authentication failed), `maxBodyBytes`,
 * `bodyTimeoutMs`, `windowSeconds`, `leaseSeconds`, `toleranceSeconds`, and `now()` (Unix
 * seconds; tests inject a clock). Returns a `(request, response)` handler for
 * `http.createServer`.
 */
export function createConsumer(command, options) {
  const {
    secrets,
    stream = "codat-events",
    dedupeScope = stream,
    eventTypes = "",
    companyTags = "",
    ratePerSecond = 0,
    rateBurst = ratePerSecond,
    unauthenticatedPerSecond = DEFAULT_UNAUTHENTICATED_PER_SECOND,
    unauthenticatedBurst = DEFAULT_UNAUTHENTICATED_BURST,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS,
    windowSeconds,
    leaseSeconds,
    toleranceSeconds = 300,
    prefix = "codat:",
    now = () => Date.now() / 1000,
  } = options;
  const webhook = new Webhook(secrets, { toleranceInSeconds: toleranceSeconds });
  const types = new EventTypeFilter(eventTypes);
  const tags = new TagFilter(companyTags);
  const acceptance = redisAcceptance(command, { prefix, scope: dedupeScope, windowSeconds, leaseSeconds });
  const limiter = ratePerSecond > 0 ? redisRateLimiter(command, { key: `${prefix}rate-limit`, perSecond: ratePerSecond, burst: rateBurst }) : undefined;
  const unauthenticated = new SourceRateLimiter({ perSecond: unauthenticatedPerSecond, burst: unauthenticatedBurst });

  return async function handle(req, res) {
    const answer = (status, body, headers = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    // An answer before the body was read: the whole response goes out at once (the sender has
    // it), but it only ends once the rest of the body is read and discarded. Node closes the
    // connection of a response that ends before its request, and closing with unread data on
    // the socket makes TCP reset it: the sender would see a connection error, not the status.
    const answerEarly = (status, body, headers = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
      res.write(text);
      drain(req, () => res.end());
    };
    if (req.method !== "POST") return answerEarly(405, { status: "method_not_allowed" }, { allow: "POST" });
    const read = await readBody(req, maxBodyBytes, bodyTimeoutMs);
    if (read.timedOut) {
      // The sender stalled: nothing more can be drained. Both Codat services retry a 408.
      answer(408, { status: "body_timeout" }, { connection: "close" });
      res.on("finish", () => req.socket.destroy());
      return;
    }
    if (read.tooLarge) return answerEarly(413, { status: "too_large" });

    // Authenticate first, then spend anything shared. A request that fails is charged to its
    // source address alone (in memory), so a flood without credentials never spends the
    // global budget that signed deliveries need.
    const verified = webhook.safeVerify(read.bytes, req.headers, { now: now() });
    if (!verified.ok) {
      const own = unauthenticated.check(req.socket.remoteAddress, now());
      if (!own.allowed) return answer(429, { status: "rate_limited" }, { "retry-after": String(own.retryAfter) });
      return answer(401, { status: "unauthorized", code: verified.code });
    }
    const id = verified.id;
    // The global limiter; if Redis cannot answer, fail open: the limiter protects us, it does
    // not decide correctness.
    const rate = limiter ? await limiter.check(now()).catch(() => ({ allowed: true })) : undefined;
    if (rate && !rate.allowed) return answer(429, { status: "rate_limited" }, { "retry-after": String(rate.retryAfter) });

    let event;
    try {
      event = parseEvent(read.bytes);
    } catch (e) {
      return answer(400, { status: "bad_event", code: e.code ?? "invalid_event" });
    }
    // The core's event shape: `company` (id, tag pairs) on current events, `ruleType` and
    // `companyId` on legacy ones.
    const eventType = event.kind === "current" ? event.eventType : event.ruleType;
    const companyId = event.kind === "current" ? (event.company?.id ?? null) : event.companyId;
    if (!types.matches(eventType)) return answer(200, { status: "ignored", reason: "event_type" });
    if (!tags.matches(event.company?.tags)) return answer(200, { status: "ignored", reason: "company_tags" });

    const unavailable = () => answer(503, { status: "store_unavailable" }, { "retry-after": String(RETRY_AFTER_SECONDS) });
    let begun;
    try {
      begun = await acceptance.begin(id, now());
    } catch {
      return unavailable();
    }
    if (begun.answer === "done") return answer(200, { status: "duplicate", id });
    if (begun.answer === "in_flight") {
      // Not 2xx (it is not queued yet), not 409 (the legacy service drops that).
      return answer(503, { status: "in_flight", id }, { "retry-after": String(begun.retryAfter) });
    }

    // XADD and commit in one script: queued and marked done together, or neither.
    const fields = { webhookId: id, eventType, companyId: companyId ?? "", body: Buffer.from(read.bytes).toString("utf8") };
    let added;
    try {
      added = await acceptance.enqueue(id, begun.token, fields, now());
    } catch {
      // Unknown whether the script ran: release our lease if it did not (if it did, the id is
      // done and this changes nothing), and let the sender retry.
      await acceptance.abort(id, begun.token, now()).catch(() => {});
      return unavailable();
    }
    if (added.answer === "done") return answer(200, { status: "duplicate", id });
    if (added.answer === "in_flight") return answer(503, { status: "in_flight", id }, { "retry-after": String(added.retryAfter) });
    return answer(202, { status: "accepted", id, eventType });
  };
}

/**
 * Reads the body: `{ bytes }`, `{ tooLarge }` as soon as more than `max` bytes arrived (or were
 * declared), or `{ timedOut }`. Holds at most `max` bytes plus one chunk.
 */
function readBody(req, max, timeoutMs) {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > max) return resolve({ tooLarge: true });
    const chunks = [];
    let size = 0;
    const finish = (result) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      resolve(result);
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > max) return finish({ tooLarge: true });
      chunks.push(chunk);
    };
    const onEnd = () => finish({ bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) });
    const onError = () => finish({ timedOut: true });
    const timer = setTimeout(() => {
      req.pause();
      finish({ timedOut: true });
    }, timeoutMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/**
 * Reads and discards the rest of the body, then calls `done`; a sender that keeps going past
 * DRAIN_LIMIT_BYTES or the deadline is cut off.
 */
function drain(req, done) {
  let drained = 0;
  const timer = setTimeout(() => req.socket.destroy(), DEFAULT_BODY_TIMEOUT_MS);
  req.on("data", (chunk) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) req.socket.destroy();
  });
  req.on("end", () => {
    clearTimeout(timer);
    done();
  });
  req.on("close", () => clearTimeout(timer));
  req.resume();
}
