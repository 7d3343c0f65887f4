// The gateway under faults, on 127.0.0.1, every process started and stopped by the test:
// GATEWAY_EVENTS signed 1 KiB Codat events (default 20,000) + 20 % redeliveries (same id, fresh
// signature by the real svix package, interleaved), 64 at once, split at random between two
// `hookproof gateway` processes sharing one redis-server, in front of a real Python backend
// (tests/gateway/backend.py: the example app behind fault hooks). Faults during the run, one
// phase each: backend 5xx at random; a slow backend (past the sink's timeout: delivered after
// the gateway gave up), then slow-then-failing; the backend down (stopped and restarted);
// Redis paused (SIGSTOP) for a few seconds; one gateway stopped with SIGTERM mid-run and
// restarted. Every non-2xx and connection error is retried as Svix would (after a short delay,
// honouring Retry-After scaled down). At the end: zero events acknowledged but not delivered,
// zero delivered twice except after a delivery the gateway timed out (or a commit it could not
// make): those are counted. Then the same with the `redis_stream` sink (the deliveries read
// back from the stream with XRANGE; Redis paused, a gateway restarted), and with the HTTP sink
// on a local 3-master Redis Cluster (the route's master paused). Prints the counts per phase.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { deliver } from "../acceptance/driver.mjs";
import { startRedis, startRedisCluster } from "../acceptance/redis.mjs";
import { pauseProcess, perPhase, reconcileDeliveries, startBackend, startGateway } from "./gateway.mjs";

const EVENTS = Number(process.env.GATEWAY_EVENTS ?? 20_000);
/** The stream sink and the Cluster runs: an eighth as many by default (GATEWAY_STREAM_EVENTS,
 * GATEWAY_CLUSTER_EVENTS), within `make test`'s time; `make soak` runs each with as many. */
const STREAM_EVENTS = Number(process.env.GATEWAY_STREAM_EVENTS ?? Math.round(EVENTS / 8));
const CLUSTER_EVENTS = Number(process.env.GATEWAY_CLUSTER_EVENTS ?? Math.round(EVENTS / 8));
/** Svix's Retry-After, scaled down: 5 s waits 250 ms. */
const RETRY_AFTER_SCALE = 0.05;
/** The sink's timeout: the slow phase answers around it. */
const SINK_TIMEOUT_MS = 1000;
/**
 * Redis paused longer than two of the gateway's waits for a Redis reply (5 s each): the
 * exchanges in flight at the pause give up at 5 s (a begin: 503 store_unavailable; a commit
 * after a delivery: 202, "commit failed" logged), and the sender's next attempts, sent within
 * the pause, wait on their begin and are answered 503 store_unavailable at 10 s. With 6 s, the
 * 503 showed only when a begin happened to be in flight at the pause's first instant (0–6 per
 * run: one run in several had none). Shorter than the gateways' 15 s lease.
 */
const REDIS_PAUSE_MS = 11_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const report = (what, figures) => console.log(`gateway ${what}: ${JSON.stringify(figures)}`);

let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "hookproof-gateway-faults-"));
});
after(() => {
  if (!process.env.GATEWAY_FAULTS_KEEP) rmSync(dir, { recursive: true, force: true });
});
/** Starts something with a `stop()`, stopped at the end of test `t` whatever happens. */
async function started(t, thing) {
  const it = await thing;
  t.after(() => it.stop());
  return it;
}

/** A config: one route, its sink `sink` (TOML inline table), the shared Redis if `redis`. */
function gatewayConfig({ redis, cluster = false, sink }) {
  return [
    `listen = "127.0.0.1:{port}"`,
    redis ? `redis = "${redis}"` : "",
    cluster ? "redis_cluster = true" : "",
    // A lease longer than a Redis pause (a commit sent before the pause lands after it,
    // before any redelivery can take the id over) and short enough that an id whose commit
    // never landed is redelivered within the run (default: 60 s).
    "lease_secs = 15",
    `log_format = "json"`,
    "",
    "[[routes]]",
    `path = "/codat"`,
    `secrets = ["env:FAULT_TEST_SECRET"]`,
    `sink = ${sink}`,
    "",
  ].join("\n");
}

/**
 * Runs `deliver` over `gateways` (`events` events, ids `<prefix>_<n>`) while `faults({ phase,
 * at })` runs its phases: `at(f)` resolves once a fraction `f` of the first sends went out;
 * `phase(name)` starts a phase (ending the one before). Resolves to the counts, every answer,
 * the phases and the seconds.
 */
async function run({ gateways, events, faults, prefix }) {
  const answers = [];
  const total = Math.round(events * 1.2);
  let firstSends = 0;
  let done = false;
  const phases = [];
  const phase = (name) => {
    const now = Date.now();
    if (phases.length) phases.at(-1).to = now;
    phases.push({ name, from: now, to: Infinity });
  };
  const at = async (fraction) => {
    while (!done && firstSends < fraction * total) await sleep(20);
  };
  const started = Date.now();
  phase("calm");
  const driving = deliver({
    urls: gateways.map((g) => g.url),
    events,
    prefix,
    exactRandom: true,
    retryAfterScale: RETRY_AFTER_SCALE,
    maxAttempts: 400,
    onAnswer(a) {
      if (a.attempt === 1) firstSends++;
      answers.push(a);
    },
  });
  const faulting = faults({ phase, at });
  // Awaited once the deliveries are done; a fault that failed fails the test then.
  faulting.catch(() => {});
  const counts = await driving;
  done = true;
  await faulting;
  phases.at(-1).to = Date.now();
  return { counts, answers, phases, seconds: (Date.now() - started) / 1000 };
}

/** Ids the gateways logged as delivered but not committed (or committed late). */
function uncommitted(gateways) {
  const ids = [];
  for (const g of gateways) {
    for (const line of g.lines()) {
      const m = line.fields?.message ?? "";
      if (m.startsWith("delivered but the commit failed") || m.startsWith("late commit")) ids.push(line.fields.id);
    }
  }
  return ids;
}

/** Answers logged by each gateway: the split between them. */
function answeredBy(gateways) {
  return gateways.map((g) => g.lines().filter((l) => l.fields?.message === "answered").length);
}

/** Every entry of `stream`: `{ id, at }` (the webhook-id field, the entry id's milliseconds). */
async function streamDeliveries(client, stream) {
  const out = [];
  let start = "-";
  for (;;) {
    const entries = await client.xrange(stream, start, "+", "COUNT", 5000);
    for (const [entryId, fields] of entries) {
      const i = fields.indexOf("webhook-id");
      out.push({ id: fields[i + 1], at: Number(entryId.split("-")[0]) });
    }
    if (entries.length < 5000) break;
    start = `(${entries.at(-1)[0]}`;
  }
  return out;
}

/** The pid of the redis-server `client` talks to. */
async function redisPid(client) {
  return Number((await client.info("server")).match(/process_id:(\d+)/)[1]);
}

/**
 * Reports and checks a run: every delivery acknowledged; every acknowledged id delivered; no
 * id delivered twice unless an earlier delivery of it timed out at the gateway or its commit
 * failed (both counted); the traffic split between the gateways; every fault phase ran.
 */
function check(name, { r, deliveries, gateways, events, faultsSeen }) {
  const rec = reconcileDeliveries({ counts: r.counts, answers: r.answers, deliveries, uncommitted: uncommitted(gateways) });
  const split = answeredBy(gateways);
  report(`${name} phases`, perPhase({ phases: r.phases, answers: r.answers, deliveries }));
  report(`${name} totals`, {
    events,
    deliveries: r.counts.deliveries,
    attempts: r.counts.attempts,
    statuses: r.counts.statuses,
    answers: r.counts.reasons,
    acknowledged: r.counts.acknowledged.size,
    answeredPerGateway: split,
    ...rec,
    seconds: r.seconds,
  });
  assert.equal(r.counts.unacknowledged, 0, "every delivery ends acknowledged");
  assert.equal(r.counts.acknowledged.size, events);
  assert.equal(rec.ackedNotDelivered, 0, "acknowledged but not delivered");
  assert.equal(rec.unexplained, 0, `delivered twice without a timeout or failed commit before: ${rec.unexplainedIds}`);
  assert.equal(rec.deliveredIds, events);
  for (const n of split) assert.ok(n > (r.counts.attempts / split.length) * 0.3, `the split between the gateways: ${split}`);
  for (const [what, seen] of Object.entries(faultsSeen(r.counts.reasons, r.counts.statuses))) assert.ok(seen, `the fault happened: ${what}`);
  return rec;
}

test(`HTTP sink: ${EVENTS} events + 20 % redeliveries, 64 concurrent, two gateways on one Redis, backend 5xx / slow / down, Redis paused, a gateway restarted: none acknowledged undelivered, no unexplained duplicate`, async (t) => {
  const redis = await started(t, startRedis());
  const pid = await redisPid(redis.client);
  const backend = await started(t, startBackend({ dir }));
  const config = gatewayConfig({ redis: `redis://127.0.0.1:${redis.port}`, sink: `{ http = "${backend.url}", timeout_ms = ${SINK_TIMEOUT_MS} }` });
  const a = await started(t, startGateway({ dir, name: "http-a", config }));
  const b = await started(t, startGateway({ dir, name: "http-b", config }));
  const r = await run({
    gateways: [a, b],
    events: EVENTS,
    prefix: "msg_http",
    async faults({ phase, at }) {
      await at(0.08);
      phase("backend 5xx at random (p = 0.1)");
      await backend.faults({ error_rate: 0.1 });
      await at(0.2);
      await backend.faults({ error_rate: 0 });
      phase("backend slow (0.5–1.6 × the sink's timeout), answering 2xx");
      await backend.faults({ slow_ms: [SINK_TIMEOUT_MS / 2, SINK_TIMEOUT_MS * 1.6], slow_status: 200 });
      await sleep(2500);
      phase("backend slow then failing (0.3–1.2 s, then 503)");
      await backend.faults({ slow_ms: [300, 1200], slow_status: 503 });
      await sleep(2000);
      await backend.faults({ slow_ms: null, slow_status: 200 });
      phase("calm");
      await at(0.35);
      phase("backend down 3 s (stopped, restarted)");
      await backend.stop();
      await sleep(3000);
      await backend.start();
      phase("calm");
      await at(0.5);
      phase(`Redis paused ${REDIS_PAUSE_MS / 1000} s (SIGSTOP, SIGCONT)`);
      await pauseProcess(pid, REDIS_PAUSE_MS);
      phase("calm");
      await at(0.65);
      phase("gateway A stopped (SIGTERM, drained) and restarted");
      await a.restart();
      phase("calm");
    },
  });
  check("HTTP sink", {
    r,
    deliveries: backend.deliveries(),
    gateways: [a, b],
    events: EVENTS,
    faultsSeen: (reasons) => ({
      "backend 5xx": (reasons["503 backend_unavailable"] ?? 0) > 0,
      "delivery timeouts": (reasons["503 delivery_timeout"] ?? 0) > 0,
      "Redis paused": (reasons["503 store_unavailable"] ?? 0) > 0,
    }),
  });
});

test(`stream sink: ${STREAM_EVENTS} events + 20 % redeliveries, two gateways XADD to one Redis stream, Redis paused, a gateway restarted: every acknowledged id in the stream once`, async (t) => {
  const redis = await started(t, startRedis());
  const pid = await redisPid(redis.client);
  const config = gatewayConfig({ redis: `redis://127.0.0.1:${redis.port}`, sink: `{ redis_stream = "codat-events" }` });
  const a = await started(t, startGateway({ dir, name: "stream-a", config }));
  const b = await started(t, startGateway({ dir, name: "stream-b", config }));
  const r = await run({
    gateways: [a, b],
    events: STREAM_EVENTS,
    prefix: "msg_stream",
    async faults({ phase, at }) {
      await at(0.2);
      phase(`Redis paused ${REDIS_PAUSE_MS / 1000} s (SIGSTOP, SIGCONT)`);
      await pauseProcess(pid, REDIS_PAUSE_MS);
      phase("calm");
      await at(0.45);
      phase("gateway B stopped (SIGTERM, drained) and restarted");
      await b.restart();
      phase("calm");
      await at(0.7);
      phase("Redis paused 2 s (SIGSTOP, SIGCONT): within the client's wait");
      await pauseProcess(pid, 2000);
      phase("calm");
    },
  });
  check("stream sink", {
    r,
    deliveries: await streamDeliveries(redis.client, "hookproof:stream:{codat-events}"),
    gateways: [a, b],
    events: STREAM_EVENTS,
    faultsSeen: (reasons, statuses) => ({
      "Redis paused": (reasons["503 store_unavailable"] ?? 0) + (reasons["503 backend_unavailable"] ?? 0) > 0,
      "gateway restarted": (statuses.ECONNREFUSED ?? 0) + (statuses.ECONNRESET ?? 0) > 0,
    }),
  });
});

test(`Redis Cluster (3 masters): ${CLUSTER_EVENTS} events + 20 % redeliveries through two gateways and the HTTP sink, the route's master paused, backend 5xx, a gateway restarted`, async (t) => {
  const cluster = await started(t, startRedisCluster());
  const backend = await started(t, startBackend({ dir, name: "cluster-backend" }));
  const config = gatewayConfig({ redis: `redis://127.0.0.1:${cluster.ports[0]}`, cluster: true, sink: `{ http = "${backend.url}", timeout_ms = ${SINK_TIMEOUT_MS} }` });
  const a = await started(t, startGateway({ dir, name: "cluster-a", config }));
  const b = await started(t, startGateway({ dir, name: "cluster-b", config }));
  // The route's keys share one slot (its hash tag, the route's path): the master serving it.
  const slot = await cluster.client.cluster("KEYSLOT", "{/codat}");
  const masters = cluster.client.nodes("master");
  let routeMaster;
  for (const node of masters) {
    const ranges = (await node.cluster("SLOTS")).filter((s) => s[2][1] === node.options.port);
    if (ranges.some(([lo, hi]) => slot >= lo && slot <= hi)) routeMaster = node;
  }
  const pid = await redisPid(routeMaster);
  const r = await run({
    gateways: [a, b],
    events: CLUSTER_EVENTS,
    prefix: "msg_cluster",
    async faults({ phase, at }) {
      await at(0.15);
      phase("backend 5xx at random (p = 0.1)");
      await backend.faults({ error_rate: 0.1 });
      await at(0.3);
      await backend.faults({ error_rate: 0 });
      phase(`the route's master paused ${REDIS_PAUSE_MS / 1000} s (SIGSTOP, SIGCONT)`);
      await pauseProcess(pid, REDIS_PAUSE_MS);
      phase("calm");
      await at(0.6);
      phase("gateway A stopped (SIGTERM, drained) and restarted");
      await a.restart();
      phase("calm");
    },
  });
  const keys = await cluster.keys("hookproof:acceptance:*");
  report("Redis Cluster keys", { slot, routeMaster: routeMaster.options.port, acceptanceKeys: keys.length });
  check("Redis Cluster", {
    r,
    deliveries: backend.deliveries(),
    gateways: [a, b],
    events: CLUSTER_EVENTS,
    faultsSeen: (reasons) => ({
      "backend 5xx": (reasons["503 backend_unavailable"] ?? 0) > 0,
      "master paused": (reasons["503 store_unavailable"] ?? 0) > 0,
    }),
  });
});
