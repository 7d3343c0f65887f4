// Consumer throughput and latency: each example consumer (verify, filter, two-phase acceptance
// in a shared store, queue) against a baseline that only queues the body, on the same runtime,
// the same queue and the same machine, in interleaved rounds. Signed 1 KiB Codat events, unique
// ids, `CONCURRENCY` requests in flight over keep-alive connections.
import http from "node:http";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { codatEvent, post, signed } from "../tests/acceptance/driver.mjs";
import { freePort, startConsumer, startRedis } from "../tests/acceptance/redis.mjs";
import { build, storageDir } from "../tests/acceptance/workerd.mjs";
import { root } from "../tests/edge/bundle.mjs";

const REQUESTS = 2000;
const CONCURRENCY = 32;
const ROUNDS = 3;
const modulesRules = [{ type: "CompiledWasm", include: ["**/*.wasm"] }];

let sequence = 0;
/** `REQUESTS` posts at `CONCURRENCY`: requests per second and latency percentiles (ms). */
async function load(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const n = sequence++;
        next++;
        const body = codatEvent(n);
        const headers = signed(body, `msg_bench_${n}`);
        const t0 = performance.now();
        const r = await post(url, body, headers, agent);
        latencies.push(performance.now() - t0);
        if (r.status !== 202) failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  if (failed) throw new Error(`${failed} of ${REQUESTS} requests were not accepted`);
  return { rps: REQUESTS / seconds, p50: at(0.5), p99: at(0.99) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Interleaved rounds of `a` and `b`; medians and the median of the per-round ratios. */
async function compare(a, b) {
  await load(a);
  await load(b);
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push({ a: await load(a), b: await load(b) });
  const pick = (side, k) => median(rounds.map((r) => r[side][k]));
  return {
    consumer: { rps: pick("a", "rps"), p50: pick("a", "p50"), p99: pick("a", "p99") },
    baseline: { rps: pick("b", "rps"), p50: pick("b", "p50"), p99: pick("b", "p99") },
    throughputRatio: median(rounds.map((r) => r.a.rps / r.b.rps)),
    p99Ratio: median(rounds.map((r) => r.a.p99 / r.b.p99)),
  };
}

/** The example worker (Durable Object acceptance + Queue) against a worker that only queues. */
export async function workerdConsumer() {
  const b = await build();
  const storage = storageDir();
  const common = { modules: true, modulesRules, compatibilityDate: "2026-04-01" };
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    durableObjectsPersist: storage.path,
    workers: [
      {
        name: "consumer",
        scriptPath: b.consumer,
        ...common,
        bindings: { WEBHOOK_SECRETS: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
        serviceBindings: { EVENTS: { name: "queue", entrypoint: "FaultyQueue" } },
        durableObjects: { STATE: { className: "HookproofState", useSQLite: true } },
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
      {
        name: "baseline",
        scriptPath: b.baseline,
        ...common,
        serviceBindings: { EVENTS: { name: "queue", entrypoint: "FaultyQueue" } },
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
      { name: "queue", scriptPath: b.queue, ...common, queueProducers: { QUEUE: "bench-events" }, queueConsumers: { "bench-events": { maxBatchSize: 100, maxBatchTimeout: 0 } } },
    ],
  });
  try {
    await mf.ready;
    return await compare((await mf.unsafeGetDirectURL("consumer")).href, (await mf.unsafeGetDirectURL("baseline")).href);
  } finally {
    await mf.dispose();
    storage.remove();
  }
}

/** The Node example (Redis acceptance + XADD in one script) against a server that only XADDs. */
export async function nodeConsumer() {
  const redis = await startRedis();
  const consumer = await startConsumer({ redisPort: redis.port });
  const port = await freePort();
  const baseline = spawn(process.execPath, [join(root, "bench/baseline-node.mjs")], {
    env: { ...process.env, REDIS_PORT: String(redis.port), PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise((resolve, reject) => {
      baseline.stdout.on("data", (d) => /listening/.test(d) && resolve());
      baseline.on("exit", reject);
    });
    return await compare(consumer.url, `http://127.0.0.1:${port}/`);
  } finally {
    baseline.kill("SIGTERM");
    await consumer.stop();
    await redis.stop();
  }
}

export const SETTINGS = { REQUESTS, CONCURRENCY, ROUNDS };
