// A Codat webhook consumer for Node (plain node:http) on Redis, built on hookproof.
//
// Every decision — the order of checks, statuses, answer bodies, Retry-After, the answer
// budget — is hookproof's `Consumer` (the core's sans-IO machine). This file is its I/O shell:
// it reads the body the machine asks for (with a byte cap and a deadline, draining what it
// does not read so an early answer never resets the connection), charges the limiters, runs
// the Redis acceptance (begin → XADD + commit in one atomic script, or abort) and writes the
// answer. Nothing is acknowledged before it is in the stream. See README.md beside this file.
import { Consumer, SourceRateLimiter } from "hookproof/codat";
import { redisAcceptance, redisRateLimiter } from "hookproof/redis";

/** After an early answer, at most this much more of the body is read and discarded. */
const DRAIN_LIMIT_BYTES = 128 * 1024 * 1024;
/** …and for at most this long. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * `command(args)` sends one Redis command (see hookproof/redis). Options: `secrets` (whsec_…,
 * one or more), `stream` (default "codat-events"), `dedupeScope` (default: the stream; Svix
 * reuses a message id on every endpoint, so consumers on one Redis de-duplicate apart),
 * `eventTypes`, `companyTags`, `ratePerSecond` + `rateBurst` (the global limit, charged only
 * after a request authenticated), `unauthenticatedPerSecond` + `unauthenticatedBurst` (per
 * source address, in memory, charged only when authentication failed; default 10/s, bursts of
 * 20), `maxBodyBytes`, `bodyTimeoutMs`, `windowSeconds`, `leaseSeconds`, `toleranceSeconds`,
 * and `now()` (Unix seconds; tests inject a clock). Returns a `(request, response)` handler
 * for `http.createServer`.
 */
export function createConsumer(command, options) {
  const { stream = "codat-events", ratePerSecond = 0, prefix = "codat:", now = () => Date.now() / 1000 } = options;
  const consumer = new Consumer({
    keys: options.secrets,
    eventTypes: options.eventTypes ?? "",
    companyTags: options.companyTags ?? "",
    toleranceSeconds: options.toleranceSeconds,
    maxBodyBytes: options.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
    rateLimited: ratePerSecond > 0,
  });
  const acceptance = redisAcceptance(command, { prefix: `${prefix}acceptance:`, scope: options.dedupeScope ?? stream, windowSeconds: options.windowSeconds, leaseSeconds: options.leaseSeconds });
  const limiter = ratePerSecond > 0 ? redisRateLimiter(command, { key: `${prefix}rate-limit`, perSecond: ratePerSecond, burst: options.rateBurst ?? ratePerSecond }) : undefined;
  const unauthenticated = new SourceRateLimiter({ perSecond: options.unauthenticatedPerSecond ?? 10, burst: options.unauthenticatedBurst ?? 20 });
  const decision = (r) => (r.allowed ? "allow" : r.retryAfter);

  return async function handle(req, res) {
    const exchange = consumer.exchange({ method: req.method, source: req.socket.remoteAddress, contentLength: req.headers["content-length"], now: now() });
    let bytes;
    let unread = true;
    for (let step = exchange.step; ; ) {
      const feed = (result) => (step = exchange.feed({ ...result, now: now() }));
      switch (step.step) {
        case "read_body": {
          const read = await readBody(req, step.maxBytes, step.waitMs);
          if (read.timedOut) feed({ feed: "timeout" });
          else if (read.tooLarge) feed({ feed: "too_large" });
          else {
            unread = false;
            bytes = read.bytes;
            feed({ feed: "body", headers: req.headers, body: bytes });
          }
          break;
        }
        case "check_source":
          feed({ feed: "rate", decision: decision(unauthenticated.check(req.socket.remoteAddress, now())) });
          break;
        case "check_rate":
          feed({ feed: "rate", decision: await within(limiter.check(now()), step.waitMs).then(decision, () => null) });
          break;
        case "begin":
          feed({ feed: "begun", answer: await within(acceptance.begin(step.id, now()), step.waitMs).catch(() => ({ error: "store_unavailable" })) });
          break;
        case "deliver": {
          // XADD and commit in one script: queued and marked done together, or neither.
          const fields = { webhookId: step.id, eventType: step.eventType, companyId: step.companyId ?? "", body: Buffer.from(bytes).toString("utf8") };
          const added = await within(acceptance.commitAndAdd(step.id, step.token, stream, fields, now()), step.waitMs).catch(() => undefined);
          const result = added === undefined ? "unreachable" : added.answer === "done" ? "duplicate" : added.answer === "in_flight" ? { inFlight: added.retryAfter } : "committed";
          feed({ feed: "delivered", result });
          break;
        }
        case "commit":
        case "abort":
          // Unknown whether a failed script ran: if it did, the id is done and an abort changes
          // nothing; if not, the lease is released (or runs out) and the sender retries.
          await within(acceptance[step.step](step.id, step.token, now()), step.waitMs).catch(() => {});
          feed({ feed: "settled" });
          break;
        case "answer":
          return answer(req, res, step, unread);
      }
    }
  };
}

/** `promise`, rejected after `ms`. */
function within(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Writes the machine's answer. An answer before the body was read goes out whole at once, but
 * the response only ends once the rest of the body is read and discarded: closing with unread
 * data on the socket makes TCP reset the connection, and the sender would see a connection
 * error, not the status. A stalled body (`close`) cannot be drained: the connection closes.
 */
function answer(req, res, a, unread) {
  const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(a.body) };
  if (a.retryAfter !== null) headers["retry-after"] = String(a.retryAfter);
  if (a.allow !== null) headers.allow = a.allow;
  if (a.close) headers.connection = "close";
  res.writeHead(a.status, headers);
  if (a.close) {
    res.on("finish", () => req.socket.destroy());
    return res.end(a.body);
  }
  if (!unread) return res.end(a.body);
  res.write(a.body);
  drain(req, () => res.end());
}

/**
 * Reads the body: `{ bytes }`, `{ tooLarge }` as soon as more than `max` bytes arrived, or
 * `{ timedOut }`. Holds at most `max` bytes plus one chunk.
 */
function readBody(req, max, timeoutMs) {
  return new Promise((resolve) => {
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

/** Reads and discards the rest of the body, then calls `done`; a sender that keeps going past
 * DRAIN_LIMIT_BYTES or DRAIN_TIMEOUT_MS is cut off. */
function drain(req, done) {
  let drained = 0;
  const timer = setTimeout(() => req.socket.destroy(), DRAIN_TIMEOUT_MS);
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
