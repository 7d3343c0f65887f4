// Two-phase acceptance on Redis: the Redis store against the vectors (on a real redis-server
// started on 127.0.0.1 and stopped by the test), and the Node example consumer under load and
// faults, as two processes sharing Redis, through a restart, 28 h later, with oversized,
// stalled and rate-limited requests. Prints the counts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { projects } from "../js/install.mjs";
import { root } from "../edge/bundle.mjs";
import { assertNoLostEvents, burst, codatEvent, deliver, floodWhileDelivering, growthBySize, MEMORY_EXCESS_BOUND_KIB, MEMORY_SAMPLES, MIB, OVERSIZED_BODIES, post, postChunked, postStalled, reconcile, signed } from "./driver.mjs";
import { runRedisVectors, startConsumer, startRedis, streamCounts } from "./redis.mjs";

const EVENTS = Number(process.env.ACCEPTANCE_EVENTS ?? 20_000);
const require = createRequire(join(projects.esm, "package.json"));
const hookproof = require("hookproof/codat");
const { redisAcceptance, redisRateLimiter } = require("hookproof/redis");
const vectors = (name) => JSON.parse(readFileSync(join(root, "tests/vectors", name), "utf8"));

let redis;
const consumers = new Set();
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await Promise.all([...consumers].map((c) => c.stop()));
  await redis?.stop();
});
async function consumer(options = {}) {
  const c = await startConsumer({ redisPort: redis.port, ...options });
  consumers.add(c);
  return c;
}
async function stop(c) {
  consumers.delete(c);
  await c.stop();
}
const report = (what, figures) => console.log(`redis ${what}: ${JSON.stringify(figures)}`);

test("acceptance.json and the rate-limit vectors through the Redis scripts (real redis-server)", async () => {
  const { acceptance: r, rate } = await runRedisVectors({
    hookproof,
    redis: { redisAcceptance, redisRateLimiter },
    command: redis.command,
    keys: (pattern) => redis.client.keys(pattern),
    get: (key) => redis.client.get(key),
    set: (key, value) => redis.client.set(key, value),
    vectors,
  });
  report("vectors", { acceptance: r.total, skippedMemoryOnly: r.skipped, rateLimit: rate.total });
  assert.deepEqual(r.failures, []);
  assert.deepEqual(rate.failures, []);
  assert.ok(r.total >= 120);
});

test("the shipped hookproof/redis runs exactly the core's script files", async () => {
  const loaded = [];
  const spy = async (args) => {
    if (args[0] === "SCRIPT") loaded.push(args[2]);
    return redis.command(args);
  };
  await redisAcceptance(spy, { scope: "script-text" }).begin("msg_script", 0);
  await redisRateLimiter(spy, { key: "script-text-rate", perSecond: 1 }).check(0);
  const files = ["acceptance.lua", "rate_limit.lua"].map((f) => readFileSync(join(root, "src/redis", f), "utf8"));
  assert.deepEqual(loaded, files);
  // Nothing else in the repository carries a copy: the npm sources import the files.
  assert.ok(!readFileSync(join(root, "js/src/redis.js"), "utf8").includes("redis.call('XADD'"));
});

test("enqueue: XADD and commit are one step, never a second entry", async () => {
  const store = redisAcceptance(redis.command, { prefix: "add-test:", scope: "add-test-stream" });
  const stream = store.stream;
  assert.equal(stream, "add-test:stream:{add-test-stream}");
  const fields = { webhookId: "msg_add", body: "{}" };
  const a = await store.begin("msg_add", 1000);
  const b = await store.begin("msg_add", 1001);
  assert.deepEqual(b, { answer: "in_flight", retryAfter: 59 });
  // The second delivery cannot add while the first holds the lease.
  assert.deepEqual(await store.enqueue("msg_add", a.token + 1, fields, 1002), { answer: "in_flight", retryAfter: 58 });
  const added = await store.enqueue("msg_add", a.token, fields, 1003);
  assert.equal(added.answer, "committed");
  assert.match(added.streamId, /^\d+-\d+$/);
  // Done: a second add (say, a retry after a lost reply) adds nothing.
  assert.deepEqual(await store.enqueue("msg_add", a.token, fields, 1004), { answer: "done" });
  assert.deepEqual(await store.begin("msg_add", 1005), { answer: "done" });
  // An expired lease nobody took over: added and done, but late.
  const c = await store.begin("msg_late", 2000);
  const late = await store.enqueue("msg_late", c.token, { webhookId: "msg_late" }, 2060);
  assert.equal(late.answer, "late");
  const counts = await streamCounts(redis.client, stream);
  assert.deepEqual([...counts.entries()], [["msg_add", 1], ["msg_late", 1]]);
  // maxLength trims the stream (approximately, as XADD MAXLEN ~ does).
  const trimmed = redisAcceptance(redis.command, { prefix: "trim-test:", scope: "s", maxLength: 10 });
  for (let i = 0; i < 500; i++) await trimmed.enqueue(`msg_trim_${i}`, 0, { webhookId: `msg_trim_${i}` }, 3000);
  assert.ok((await redis.client.xlen(trimmed.stream)) < 500);
  for (const bad of [{}, [], Array.from({ length: 65 }, (_, i) => [`f${i}`, "v"])]) {
    assert.throws(() => store.enqueue("msg_bad", a.token, bad, 1006), (e) => e.code === "invalid_fields");
  }
});

test(`${EVENTS} events + 20 % redeliveries, 64 concurrent, two Node processes, random, lost-reply and slow-then-fail Redis failures: none acknowledged unqueued, none queued twice`, async () => {
  const third = Math.floor(EVENTS / 3);
  const faults = { failRate: 0.02, lostReplyRate: 0.01, slowFrom: Math.floor(third / 2), slowTo: Math.floor(third / 2) + 100, slowMs: 1500 };
  const a = await consumer({ faults });
  const b = await consumer({ faults });
  const started = Date.now();
  const counts = await deliver({ urls: [a.url, b.url], events: EVENTS, prefix: "msg_load" });
  const seconds = (Date.now() - started) / 1000;
  const queued = await streamCounts(redis.client);
  const [sa, sb] = [await a.stats(), await b.stats()];
  const r = reconcile(counts, queued);
  report("load", {
    events: EVENTS,
    deliveries: counts.deliveries,
    attempts: counts.attempts,
    statuses: counts.statuses,
    answers: counts.reasons,
    failedBeforeSending: sa.failed + sb.failed,
    lostReplies: sa.lostReplies + sb.lostReplies,
    slowThenFailed: sa.slowFailed + sb.slowFailed,
    fiveHundreds: counts.fiveHundreds,
    retriedToAccept: counts.retriedToAccept,
    acknowledged: counts.acknowledged.size,
    queued: r.queuedIds,
    ackedNotQueued: r.ackedNotQueued,
    queuedTwice: r.queuedTwice,
    seconds,
  });
  assertNoLostEvents(counts, r, EVENTS);
  assert.ok(sa.failed + sb.failed > 0 && sa.lostReplies + sb.lostReplies > 0 && sa.slowFailed + sb.slowFailed > 0, "the faults happened");
  await stop(a);
  await stop(b);
});

test("two Node processes share one global rate limit: no more than one burst gets through", async () => {
  const env = { RATE_LIMIT_PER_SECOND: "1", RATE_LIMIT_BURST: "40" };
  await redis.client.del("codat:rate-limit");
  const a = await consumer({ env });
  const b = await consumer({ env });
  const started = Date.now();
  const counts = await burst([a.url, b.url], 200, { concurrency: 32, prefix: "global" });
  const elapsed = Math.ceil((Date.now() - started) / 1000);
  const allowed = counts.statuses[202] ?? 0;
  report("global rate limit", { sent: 200, allowed, limited: counts.statuses[429] ?? 0, errors: counts.errors, seconds: elapsed });
  assert.equal(counts.errors, 0);
  assert.ok(allowed >= 40, `only ${allowed} allowed`);
  assert.ok(allowed <= 40 + elapsed + 1, `${allowed} allowed in ${elapsed} s: the limit is not global`);
  await stop(a);
  await stop(b);
});

test("a restart keeps accepted ids (Redis kept), and a redelivery 28 h later is still a duplicate", async () => {
  let c = await consumer();
  const ids = Array.from({ length: 20 }, (_, i) => `msg_restart_${i}`);
  for (const [i, id] of ids.entries()) {
    const body = codatEvent(100_000 + i);
    const r = await post(c.url, body, signed(body, id));
    assert.equal(r.status, 202, JSON.stringify(r.json));
  }
  await stop(c);
  c = await consumer();
  let duplicates = 0;
  for (const [i, id] of ids.entries()) {
    const body = codatEvent(100_000 + i);
    const r = await post(c.url, body, signed(body, id));
    if (r.status === 200 && r.json.status === "duplicate") duplicates++;
  }
  const later = 28 * 3600;
  await c.clock(later);
  let lateDuplicates = 0;
  for (const [i, id] of ids.entries()) {
    const body = codatEvent(100_000 + i);
    const r = await post(c.url, body, signed(body, id, Date.now() / 1000 + later));
    if (r.status === 200 && r.json.status === "duplicate") lateDuplicates++;
  }
  await c.clock(30 * 3600 + 60);
  const body = codatEvent(100_000);
  const fresh = await post(c.url, body, signed(body, ids[0], Date.now() / 1000 + 30 * 3600 + 60));
  const queued = await streamCounts(redis.client);
  report("restart and 28 h", { accepted: ids.length, duplicatesAfterRestart: duplicates, duplicatesAfter28h: lateDuplicates, afterWindow: fresh.status, streamEntriesForTheseIds: ids.map((id) => queued.get(id) ?? 0).reduce((x, y) => x + y, 0) });
  assert.equal(duplicates, ids.length);
  assert.equal(lateDuplicates, ids.length);
  assert.equal(fresh.status, 202);
  // Once per id, plus the one resend after the window.
  assert.equal(queued.get(ids[0]), 2);
  for (const id of ids.slice(1)) assert.equal(queued.get(id), 1);
  await stop(c);
});

test("chunked bodies over the cap are answered 413, in memory that does not grow with the body, without a reset", async () => {
  const c = await consumer();
  // Warm-up: the runtime's one-time growth (heap spaces, allocator arenas) is behind us.
  for (let i = 0; i < 4; i++) await (await postChunked(c.url, 64 * MIB)).closed;
  const m = await growthBySize(c.pid, c.url, OVERSIZED_BODIES, MEMORY_SAMPLES);
  report("oversized bodies (cap 256 KiB)", m);
  assert.ok(m.excessKiB <= MEMORY_EXCESS_BOUND_KIB, `a ${OVERSIZED_BODIES.at(-1) / MIB} MiB body grew peak RSS ${m.excessKiB} KiB more than a 4 MiB one (median of ${MEMORY_SAMPLES}; bound ${MEMORY_EXCESS_BOUND_KIB} KiB)`);
  await stop(c);
});

test("a slow sender of an oversized body has the whole 413 at once, and is cut off at the drain's deadline", async () => {
  const c = await consumer();
  const started = Date.now();
  // ≈ 4 MiB/s for 64 MiB outlasts the consumer's 10 s drain: the answer comes long before.
  const r = await postChunked(c.url, 64 * MIB, { bytesPerSecond: 4 * MIB });
  const answeredMs = Date.now() - started;
  assert.equal(r.status, 413, JSON.stringify(r));
  assert.equal(r.body, JSON.stringify({ status: "too_large" }), "the whole answer");
  const sentAtClose = await r.closed;
  const figures = { answeredMs, sentBeforeAnswerKiB: Math.round(r.sentBeforeAnswer / 1024), sentAtCloseKiB: Math.round(sentAtClose / 1024), closedAfterMs: Date.now() - started };
  report("slow oversized sender", figures);
  assert.ok(figures.sentBeforeAnswerKiB < 32 * 1024, "answered as soon as the cap was passed");
  assert.ok(figures.sentAtCloseKiB < 64 * 1024, "the slow sender was cut off by the drain's deadline");
  await stop(c);
});

test("a stalled body is answered (408) before Codat's 15 s deadline", async () => {
  const c = await consumer();
  const r = await postStalled(c.url);
  report("stalled body", r);
  assert.equal(r.status, 408, JSON.stringify(r));
  await stop(c);
});

test("a 2,000-event burst over the rate limit gets 429s, never a connection error", async () => {
  await redis.client.del("codat:rate-limit");
  const c = await consumer({ env: { RATE_LIMIT_PER_SECOND: "1", RATE_LIMIT_BURST: "1" } });
  const started = Date.now();
  const counts = await burst([c.url], 2000, { concurrency: 16 });
  const elapsed = Math.ceil((Date.now() - started) / 1000);
  report("burst", { ...counts, seconds: elapsed });
  assert.equal(counts.errors, 0, "connection errors");
  assert.equal((counts.statuses[429] ?? 0) + (counts.statuses[202] ?? 0), 2000);
  // 1/s with a burst of 1: at most one more allowed per second the burst took, however slow
  // the machine (a fixed count of 429s would measure the machine's speed).
  assert.ok((counts.statuses[202] ?? 0) <= 1 + elapsed + 1, `${counts.statuses[202]} allowed in ${elapsed} s`);
  await stop(c);
});

test("a flood without credentials never costs a signed delivery its place (authenticate, then charge the global limit)", async () => {
  await redis.client.del("codat:rate-limit");
  // 5/s for the whole service, and a flood of ≈ 200 unauthenticated requests a second, from
  // the same address as the genuine deliveries: before, the flood kept the limiter empty and
  // genuine events got 429.
  const c = await consumer({ env: { RATE_LIMIT_PER_SECOND: "5", RATE_LIMIT_BURST: "5" } });
  const r = await floodWhileDelivering(c.url);
  report("unauthenticated flood", r);
  assert.deepEqual(r.genuine, r.genuine.map(() => 202), "every genuine delivery accepted at its first attempt");
  assert.ok((r.flood[401] ?? 0) > 0 && (r.flood[429] ?? 0) > 0, "the flood was refused, then limited per source");
  assert.equal(Object.keys(r.flood).filter((k) => k !== "401" && k !== "429").length, 0, JSON.stringify(r.flood));
  await stop(c);
});

test("two endpoints on one Redis (Svix reuses a message id on each): each queues its own copy", async () => {
  const a = await consumer({ env: { STREAM: "endpoint-a" } });
  const b = await consumer({ env: { STREAM: "endpoint-b" } });
  const body = codatEvent(7_000_001);
  const statuses = [];
  for (const c of [a, b, a, b]) statuses.push((await post(c.url, body, signed(body, "msg_fanned_out"))).status);
  const counts = { a: (await streamCounts(redis.client, "codat:stream:{endpoint-a}")).get("msg_fanned_out"), b: (await streamCounts(redis.client, "codat:stream:{endpoint-b}")).get("msg_fanned_out") };
  report("two endpoints", { statuses, queued: counts });
  assert.deepEqual(statuses, [202, 202, 200, 200], "accepted once per endpoint, then duplicates");
  assert.deepEqual(counts, { a: 1, b: 1 });
  await stop(a);
  await stop(b);
});

test("redisAcceptance refuses to run without a scope, or with a brace that would move the hash tag", () => {
  for (const options of [{}, { scope: "" }, { scope: null }, { scope: "a{b}" }, { scope: "s".repeat(257) }]) {
    assert.throws(() => redisAcceptance(redis.command, options), (e) => e.code === "invalid_scope");
  }
  for (const prefix of ["a{b}:", "{"]) {
    assert.throws(() => redisAcceptance(redis.command, { scope: "s", prefix }), (e) => e.code === "invalid_prefix");
  }
});
