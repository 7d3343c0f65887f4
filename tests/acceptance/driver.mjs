// Drives a Codat consumer the way Codat's current service would, on 127.0.0.1: signed 1 KiB
// events, redeliveries of the same id with a fresh signature interleaved with the rest, many
// at once over keep-alive connections, and every failed attempt (5xx, 429, 408, a connection
// error) retried until it is acknowledged. Counts what each answer was, for the tests to set
// against what reached the queue.
import assert from "node:assert/strict";
import http from "node:http";
import { Webhook as SvixWebhook } from "svix";

export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const svix = new SvixWebhook(SECRET);

/** A 1 KiB Codat `read.completed` event (current envelope), its id from `n`. */
export function codatEvent(n, { tags = { region: "us" } } = {}) {
  const id = `743ec94a-8aa4-44bb-8bd4-${String(n).padStart(12, "0")}`;
  const base = {
    id,
    eventType: "read.completed",
    generatedDate: "2026-04-01T12:00:00.000Z",
    payload: { referenceCompany: { id: "0498e921-9b53-4396-a412-4f2f5983b0a2", name: "Toft stores", tags }, dataType: "invoices", datasetId: id, pad: "" },
  };
  const bare = JSON.stringify(base).length;
  base.payload.pad = "x".repeat(Math.max(0, 1024 - bare));
  return JSON.stringify(base);
}

/** Headers as Svix sends them, signed afresh at `at` (Unix seconds) by the real svix package. */
export function signed(body, id, at = Date.now() / 1000) {
  const ts = Math.floor(at);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": svix.sign(id, new Date(ts * 1000), body),
  };
}

/** One POST over `agent`: `{ status, headers, json }` or `{ error }` (a connection error code). */
export function post(url, body, headers, agent) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = { text };
        }
        resolve({ status: res.statusCode, headers: res.headers, json });
      });
      res.on("error", (e) => resolve({ error: e.code ?? String(e) }));
    });
    req.setTimeout(15_000, () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (e) => resolve({ error: e.code ?? String(e) }));
    req.end(body);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A counting semaphore. */
function limiter(n) {
  let active = 0;
  const waiting = [];
  return async (fn) => {
    if (active >= n) await new Promise((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Delivers `events` events (ids `${prefix}_${i}`) plus `redeliveryRate` × events redeliveries
 * of random ones, each placed a random 0–`spread` positions after its original, with at most
 * `concurrency` requests in flight across `urls` (each attempt picks one at random). A failed
 * attempt is retried after `retryMs` until a 2xx, at most `maxAttempts` times.
 *
 * `exactRandom` draws the URLs, redelivered ids and delays from a sound generator (see below).
 * With `retryAfterScale` > 0 a retry waits at least the answer's `Retry-After` times that
 * scale (as Svix honours it, scaled down). `onAnswer({ id, attempt, status, error, answer,
 * retryAfter, at })` is called after every attempt (`status` or `error`, `answer` the JSON
 * body's `status`, `at` Unix ms).
 *
 * Resolves to the counts: `statuses` (per status or error code), `acknowledged` (ids that got a
 * 2xx), `unacknowledged` (deliveries that never did), `fiveHundreds` and `retriedToAccept`
 * (5xx answers, and how many of those deliveries then got a 2xx), `accepted` (202s).
 */
export async function deliver({ urls, events, redeliveryRate = 0.2, concurrency = 64, spread = 128, retryMs = 100, maxAttempts = 200, prefix = "msg", start = 0, clock = () => Date.now() / 1000, seed = 1, exactRandom = false, retryAfterScale = 0, onAnswer }) {
  // `exactRandom`: the LCG in exact 32-bit arithmetic, drawing from its high bits. Without it,
  // the historical sequence, computed in doubles: the product loses its low bits and the draws
  // collapse (rand(2) is 0 for 99.6 % of 30,000 draws, so nearly every attempt goes to the
  // first URL, and redeliveries pick only ids that are multiples of 8).
  let s = seed;
  const rand = exactRandom
    ? (n) => {
        s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
        return Math.floor((s / 2147483648) * n);
      }
    : (n) => {
        s = (s * 1103515245 + 12345) % 2147483648;
        return s % n;
      };
  const schedule = [];
  for (let i = 0; i < events; i++) schedule.push({ i, slot: i * 1000 });
  const redeliveries = Math.round(events * redeliveryRate);
  for (let r = 0; r < redeliveries; r++) {
    const i = rand(events);
    schedule.push({ i, slot: (i + rand(spread + 1)) * 1000 + 1 + rand(999) });
  }
  schedule.sort((a, b) => a.slot - b.slot);

  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const gate = limiter(concurrency);
  const counts = { deliveries: schedule.length, statuses: {}, reasons: {}, acknowledged: new Set(), unacknowledged: 0, fiveHundreds: 0, retriedToAccept: 0, accepted: 0, attempts: 0 };
  const bodies = new Map();
  const bodyOf = (i) => {
    let b = bodies.get(i);
    if (!b) bodies.set(i, (b = codatEvent(start + i)));
    return b;
  };

  const job = async ({ i }, firstDone) => {
    const id = `${prefix}_${start + i}`;
    const body = bodyOf(i);
    let sawFiveHundred = false;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const url = urls[rand(urls.length)];
      const r = await gate(() => post(url, body, signed(body, id, clock()), agent));
      counts.attempts++;
      if (attempt === 1) firstDone();
      const key = r.error ?? r.status;
      counts.statuses[key] = (counts.statuses[key] ?? 0) + 1;
      const retryAfter = Number(r.headers?.["retry-after"] ?? NaN);
      onAnswer?.({ id, attempt, status: r.status, error: r.error, answer: r.json?.status, retryAfter, at: Date.now() });
      if (r.status >= 200 && r.status < 300) {
        counts.acknowledged.add(id);
        if (r.status === 202) counts.accepted++;
        if (sawFiveHundred) counts.retriedToAccept++;
        return;
      }
      if (r.status >= 300) {
        const reason = `${r.status} ${r.json?.status ?? ""}`.trim();
        counts.reasons[reason] = (counts.reasons[reason] ?? 0) + 1;
      }
      if (r.status >= 500) {
        counts.fiveHundreds++;
        sawFiveHundred = true;
      }
      const honoured = retryAfterScale > 0 && retryAfter >= 0 ? retryAfter * 1000 * retryAfterScale : 0;
      await sleep(Math.max(retryMs + rand(retryMs), honoured));
    }
    counts.unacknowledged++;
  };

  // Launch in schedule order, a job only once fewer than `concurrency` first attempts are open.
  const running = [];
  let open = 0;
  const waiters = [];
  for (const d of schedule) {
    while (open >= concurrency) await new Promise((r) => waiters.push(r));
    open++;
    running.push(
      job(d, () => {
        open--;
        waiters.shift()?.();
      }),
    );
  }
  await Promise.all(running);
  agent.destroy();
  return counts;
}

/** Compares acknowledged ids with the queue's per-id counts. */
export function reconcile(counts, queued) {
  let ackedNotQueued = 0;
  for (const id of counts.acknowledged) if (!queued.get(id)) ackedNotQueued++;
  let queuedTwice = 0;
  for (const n of queued.values()) if (n > 1) queuedTwice++;
  return { ackedNotQueued, queuedTwice, queuedIds: queued.size };
}

/** What a load run must show: every delivery ends acknowledged, and each of the `events`
 * acknowledged ids reached the queue exactly once (`r` from `reconcile`). */
export function assertNoLostEvents(counts, r, events) {
  assert.equal(counts.unacknowledged, 0, "every delivery ends acknowledged");
  assert.equal(counts.acknowledged.size, events);
  assert.equal(r.ackedNotQueued, 0, "acknowledged but not queued");
  assert.equal(r.queuedTwice, 0, "queued twice");
  assert.equal(r.queuedIds, events);
}

/** Peak resident set (VmHWM) and current (VmRSS) of a process, in bytes. */
export async function memoryOf(pid) {
  const { readFileSync } = await import("node:fs");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb("VmHWM"), rss: kb("VmRSS") };
}

/** Resets a process's peak RSS to its current RSS (Linux: write 5 to clear_refs). */
export async function resetPeak(pid) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/**
 * POSTs `total` bytes with chunked encoding (no Content-Length) in 64 KiB chunks, at most
 * `bytesPerSecond` if given, over a raw connection, and — as a hostile or careless sender
 * would — keeps sending the whole body whatever the answer (an HTTP client library stops at an
 * early answer, which would leave the consumer nothing to drain). Resolves once the answer is
 * complete: `{ status, body, sentBeforeAnswer, closed }`, where `closed` resolves to the bytes
 * sent by the time the connection closed (after the whole body, or when the consumer stopped
 * draining and cut it off); or `{ error, sent }` when the connection ended before an answer.
 */
export async function postChunked(url, total, { bytesPerSecond } = {}) {
  const { connect } = await import("node:net");
  const u = new URL(url);
  return new Promise((resolve) => {
    let sent = 0;
    let stopped = false;
    let answered = false;
    let closedWith;
    const closed = new Promise((r) => (closedWith = r));
    const socket = connect(Number(u.port), u.hostname);
    let received = Buffer.alloc(0);
    const answer = () => {
      const head = received.indexOf("\r\n\r\n");
      if (head < 0) return undefined;
      const lines = received.subarray(0, head).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1]);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      let rest = received.subarray(head + 4);
      if (headers["content-length"] !== undefined) {
        const n = Number(headers["content-length"]);
        return rest.length >= n ? { status, body: rest.subarray(0, n).toString() } : undefined;
      }
      if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
        const parts = [];
        for (;;) {
          const eol = rest.indexOf("\r\n");
          if (eol < 0) return undefined;
          const size = parseInt(rest.subarray(0, eol).toString(), 16);
          if (rest.length < eol + 2 + size + 2) return undefined;
          if (size === 0) return { status, body: Buffer.concat(parts).toString() };
          parts.push(rest.subarray(eol + 2, eol + 2 + size));
          rest = rest.subarray(eol + 2 + size + 2);
        }
      }
      return undefined;
    };
    socket.on("data", (d) => {
      if (answered) return;
      received = Buffer.concat([received, d]);
      const a = answer();
      if (a) {
        answered = true;
        resolve({ ...a, sentBeforeAnswer: sent, closed });
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      stopped = true;
      closedWith(sent);
      if (!answered) resolve({ error: "closed before an answer", sent });
    });
    const chunk = Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(64 * 1024, "y"), Buffer.from("\r\n")]);
    const started = Date.now();
    const write = () => {
      while (sent < total && !stopped) {
        if (bytesPerSecond && sent > ((Date.now() - started) / 1000) * bytesPerSecond) return void setTimeout(write, 10);
        const n = Math.min(64 * 1024, total - sent);
        sent += n;
        const piece = n === 64 * 1024 ? chunk : Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), Buffer.alloc(n, "y"), Buffer.from("\r\n")]);
        if (!socket.write(piece)) return void socket.once("drain", write);
      }
      // The whole body, then the end of the request: half-close, so the consumer closes the
      // connection once it has answered and drained.
      if (!stopped) socket.end("0\r\n\r\n");
    };
    socket.on("connect", () => {
      socket.write(`POST ${u.pathname} HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
      write();
    });
  });
}

export const MIB = 1024 * 1024;
/**
 * Oversized chunked bodies for the memory tests (the consumers' cap is 256 KiB): all under the
 * consumers' 128 MiB drain limit, so every one is drained to its end rather than cut.
 */
export const OVERSIZED_BODIES = [4 * MIB, 64 * MIB, 120 * MIB];
/** Rounds per memory test (MEMORY_SAMPLES=50 for the measurement behind the bound). */
export const MEMORY_SAMPLES = Number(process.env.MEMORY_SAMPLES ?? 5);
/**
 * How much more the median peak RSS growth for a 120 MiB body may be than for a 4 MiB one: a
 * consumer that held the body (or any fixed share of it) would exceed the 4 MiB case by up to
 * 116 MiB, one that streams it by what its allocator and garbage collector happen to keep.
 * `node bench/memory-bound.mjs 50` measured the latter in 50 runs of this statistic on this
 * 2-core machine while a full `make test` and builds ran beside it: worst 2,596 KiB (Node
 * example; median 0 KiB) and 3,796 KiB (workerd; median 512 KiB). The bound is ≈ 4× the worst,
 * and still a seventh of what holding the body would cost.
 */
export const MEMORY_EXCESS_BOUND_KIB = 16 * 1024;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The property "memory does not grow with the body", for a consumer that must answer 413 to
 * bodies over its cap: peak RSS growth of process `pid` (peak reset before each request) while
 * chunked bodies of each of `sizes` bytes go to `url`, `samples` rounds of every size in turn
 * (interleaved, so each size sees the same machine). Resolves to per-size growths in KiB, the
 * median of each, the excess of the largest size's median over the smallest's (`excessKiB`),
 * and what the senders had sent before the answer came (KiB).
 *
 * Why the excess of medians: a single peak measures the allocator and the garbage collector
 * as much as the body (one 64 MiB body grew RSS anywhere from −88 KiB to 5.7 MiB on a loaded
 * machine); a body held in memory would add its whole size to the largest case's every sample.
 */
export async function growthBySize(pid, url, sizes, samples) {
  const growths = new Map(sizes.map((s) => [s, []]));
  const sentBefore = new Map(sizes.map((s) => [s, []]));
  for (let k = 0; k < samples; k++) {
    for (const size of sizes) {
      await resetPeak(pid);
      const before = await memoryOf(pid);
      const r = await postChunked(url, size);
      // The consumer has answered; measure once it has drained the body and closed.
      await r.closed;
      const afterward = await memoryOf(pid);
      assert.equal(r.status, 413, `${size} bytes: ${JSON.stringify(r)}`);
      assert.equal(r.body, JSON.stringify({ status: "too_large" }), "the whole answer");
      growths.get(size).push(Math.round((afterward.peak - before.rss) / 1024));
      sentBefore.get(size).push(Math.round(r.sentBeforeAnswer / 1024));
    }
  }
  const mib = (s) => `${s / 1024 / 1024} MiB`;
  const medians = Object.fromEntries(sizes.map((s) => [mib(s), median(growths.get(s))]));
  const largest = Math.max(...sizes);
  const smallest = Math.min(...sizes);
  return {
    peakGrowthKiB: Object.fromEntries(sizes.map((s) => [mib(s), growths.get(s)])),
    medianKiB: medians,
    excessKiB: median(growths.get(largest)) - median(growths.get(smallest)),
    sentBeforeAnswerKiB: Object.fromEntries(sizes.map((s) => [mib(s), Math.max(...sentBefore.get(s))])),
  };
}

/**
 * Sends headers and the first bytes of a declared body, then stalls: resolves to the status
 * line's code and how long the answer took, or `{ error }` after `deadlineMs` (Codat's 15 s).
 */
export async function postStalled(url, deadlineMs = 15_000) {
  const { connect } = await import("node:net");
  const u = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(u.port), u.hostname);
    let text = "";
    const done = (r) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ error: "no answer within the deadline" }), deadlineMs);
    socket.on("connect", () => {
      socket.write(`POST ${u.pathname} HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"eventType":`);
    });
    socket.on("data", (d) => {
      text += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) done({ status: Number(m[1]), ms: Date.now() - started });
    });
    socket.on("error", (e) => done({ error: e.code }));
  });
}

/**
 * A burst of `total` signed events at `concurrency` over keep-alive connections: counts per
 * status and connection errors.
 */
export async function burst(urls, total, { concurrency = 16, prefix = "burst" } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const gate = limiter(concurrency);
  const counts = { statuses: {}, errors: 0 };
  await Promise.all(
    Array.from({ length: total }, (_, i) =>
      gate(async () => {
        const body = codatEvent(9_000_000 + i);
        const id = `${prefix}_${i}`;
        const r = await post(urls[i % urls.length], body, signed(body, id), agent);
        if (r.error) counts.errors++;
        const key = r.error ?? r.status;
        counts.statuses[key] = (counts.statuses[key] ?? 0) + 1;
      }),
    ),
  );
  agent.destroy();
  return counts;
}

/**
 * Floods `url` with empty POSTs (no credentials) from `workers` loops, one request every
 * `everyMs` each, while `deliveries` signed events go out `gapMs` apart (each attempted once):
 * resolves to the flood's statuses and each genuine delivery's status.
 */
export async function floodWhileDelivering(url, { workers = 4, everyMs = 20, deliveries = 8, gapMs = 400, prefix = "genuine" } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers + 2 });
  const flood = {};
  let flooding = true;
  const loops = Array.from({ length: workers }, async () => {
    while (flooding) {
      const r = await post(url, "", {}, agent);
      const key = r.error ?? r.status;
      flood[key] = (flood[key] ?? 0) + 1;
      await sleep(everyMs);
    }
  });
  // Let the flood run a moment before the first genuine delivery.
  await sleep(500);
  const genuine = [];
  for (let i = 0; i < deliveries; i++) {
    const body = codatEvent(8_000_000 + i);
    const r = await post(url, body, signed(body, `${prefix}_${i}`), agent);
    genuine.push(r.error ?? r.status);
    await sleep(gapMs);
  }
  flooding = false;
  await Promise.all(loops);
  agent.destroy();
  return { flood, genuine };
}
