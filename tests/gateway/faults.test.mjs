// The gateway under faults: GATEWAY_EVENTS signed 1 KiB Codat events (default 20,000) + 20 %
// redeliveries (same id, fresh signature by the real svix package, interleaved), 64 at once,
// split at random between two `hookproof gateway` processes sharing one redis-server, in front
// of a real Python backend (tests/gateway/backend.py), all on 127.0.0.1 and stopped by the test.
// Faults during the run, one phase each: backend 5xx at random; a slow backend (past the sink's
// timeout: delivered after the gateway gave up), then slow-then-failing; the backend down
// (stopped and restarted); Redis paused (SIGSTOP) for a few seconds; one gateway stopped with
// SIGTERM mid-run and restarted. Every non-2xx and connection error is retried as Svix would
// (after a short delay, honouring Retry-After scaled down). At the end: zero events
// acknowledged but not delivered, zero delivered twice except after a delivery the gateway
// timed out (or a commit it could not make): those are counted. Prints the counts per phase.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { deliver } from "../acceptance/driver.mjs";
import { startRedis } from "../acceptance/redis.mjs";
import { pauseProcess, perPhase, reconcileDeliveries, startBackend, startGateway } from "./gateway.mjs";

const EVENTS = Number(process.env.GATEWAY_EVENTS ?? 20_000);
/** Svix's Retry-After, scaled down: 5 s waits 250 ms. */
const RETRY_AFTER_SCALE = 0.05;
/** The sink's timeout: the slow phase answers around it. */
const SINK_TIMEOUT_MS = 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const report = (what, figures) => console.log(`gateway ${what}: ${JSON.stringify(figures)}`);

let dir;
const stops = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), "hookproof-gateway-faults-"));
});
after(async () => {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
});
/** Starts something with a `stop()`, stopped after the tests whatever happens. */
async function started(thing) {
  const t = await thing;
  stops.push(() => t.stop());
  return t;
}

/** A config: one route, its sink `sink` (TOML inline table), the shared Redis if `redis`. */
function gatewayConfig({ redis, sink }) {
  return [
    `listen = "127.0.0.1:{port}"`,
    redis ? `redis = "${redis}"` : "",
    // Short leases, so an id whose commit failed is retried within the run (the lease is
    // what keeps a second delivery out while the first is in flight: ≥ the sink's timeout + 1 s).
    "lease_secs = 5",
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
 * Runs `deliver` over `gateways` while `faults(phase, at)` runs its phases: `at(f)` resolves
 * once a fraction `f` of the first sends went out; `phase(name)` starts a phase (ending the
 * one before). Resolves to the counts, every answer, the phases and the seconds.
 */
async function run({ gateways, faults, prefix }) {
  const answers = [];
  const total = Math.round(EVENTS * 1.2);
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
    events: EVENTS,
    prefix,
    retryAfterScale: RETRY_AFTER_SCALE,
    maxAttempts: 400,
    onAnswer(a) {
      if (a.attempt === 1) firstSends++;
      answers.push(a);
    },
  });
  const faulting = faults({ phase, at });
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

test(`HTTP sink: ${EVENTS} events + 20 % redeliveries, 64 concurrent, two gateways on one Redis, backend 5xx / slow / down, Redis paused, a gateway restarted: none acknowledged undelivered, no unexplained duplicate`, async () => {
  const redis = await started(startRedis());
  const redisPid = Number((await redis.client.info("server")).match(/process_id:(\d+)/)[1]);
  const backend = await started(startBackend({ dir }));
  const config = gatewayConfig({ redis: process.env.DEV_MEMORY ? undefined : `redis://127.0.0.1:${redis.port}`, sink: `{ http = "${backend.url}", timeout_ms = ${SINK_TIMEOUT_MS} }` });
  const a = await started(startGateway({ dir, name: "http-a", config }));
  const b = process.env.DEV_MEMORY ? a : await started(startGateway({ dir, name: "http-b", config }));

  const r = await run({
    gateways: [a, b],
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
      phase("Redis paused 3 s (SIGSTOP, SIGCONT)");
      await pauseProcess(redisPid, 3000);
      phase("calm");
      await at(0.65);
      phase("gateway A stopped (SIGTERM) and restarted");
      await a.restart();
      phase("calm");
    },
  });
  const deliveries = backend.deliveries();
  const rec = reconcileDeliveries({ counts: r.counts, answers: r.answers, deliveries, uncommitted: uncommitted([...new Set([a, b])]) });
  report("HTTP sink phases", perPhase({ phases: r.phases, answers: r.answers, deliveries }));
  report("HTTP sink totals", {
    events: EVENTS,
    deliveries: r.counts.deliveries,
    attempts: r.counts.attempts,
    statuses: r.counts.statuses,
    answers: r.counts.reasons,
    acknowledged: r.counts.acknowledged.size,
    ...rec,
    seconds: r.seconds,
  });
  assert.equal(r.counts.unacknowledged, 0, "every delivery ends acknowledged");
  assert.equal(r.counts.acknowledged.size, EVENTS);
  assert.equal(rec.ackedNotDelivered, 0, "acknowledged but not delivered");
  assert.equal(rec.unexplained, 0, `delivered twice without a timeout or failed commit before: ${rec.unexplainedIds}`);
  assert.equal(rec.deliveredIds, EVENTS);
  const phaseNames = r.phases.map((p) => p.name);
  assert.ok(phaseNames.includes("gateway A stopped (SIGTERM) and restarted"), "every fault ran");
});
