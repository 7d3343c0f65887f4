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
 * Resolves to the counts: `statuses` (per status or error code), `acknowledged` (ids that got a
 * 2xx), `unacknowledged` (deliveries that never did), `fiveHundreds` and `retriedToAccept`
 * (5xx answers, and how many of those deliveries then got a 2xx), `accepted` (202s).
 */
export async function deliver({ urls, events, redeliveryRate = 0.2, concurrency = 64, spread = 128, retryMs = 100, maxAttempts = 200, prefix = "msg", start = 0, clock = () => Date.now() / 1000, seed = 1 }) {
  let s = seed;
  const rand = (n) => {
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
      await sleep(retryMs + rand(retryMs));
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

/** POSTs `total` bytes with chunked encoding (no Content-Length) in 64 KiB chunks. */
export function postChunked(url, total, headers = {}) {
  return new Promise((resolve) => {
    let sent = 0;
    const req = http.request(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" }, agent: false }, (res) => {
      const at = sent;
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, sentBeforeAnswer: at, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", (e) => resolve({ error: e.code ?? String(e), sent }));
    const chunk = Buffer.alloc(64 * 1024, "y");
    const write = () => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
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
