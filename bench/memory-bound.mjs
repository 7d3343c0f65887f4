// The measurement behind MEMORY_EXCESS_BOUND_KIB (tests/acceptance/driver.mjs): RUNS runs of the
// memory tests' statistic — the median over MEMORY_SAMPLES rounds of peak RSS growth for the
// largest oversized body minus the smallest — on both consumers (the Node example on Redis,
// the worker under workerd), each after the tests' warm-up. Prints every run's excess (KiB),
// then the worst and the median per consumer. Not part of `make test`:
//   node bench/memory-bound.mjs [RUNS=50] [node|workerd]
import { codatEvent, growthBySize, MEMORY_SAMPLES, MIB, OVERSIZED_BODIES, post, postChunked, signed } from "../tests/acceptance/driver.mjs";
import { startConsumer, startRedis } from "../tests/acceptance/redis.mjs";
import { startWorkerd } from "../tests/acceptance/workerd.mjs";

const RUNS = Number(process.argv[2] ?? 50);
const only = process.argv[3];

async function measure(label, pid, url) {
  for (let i = 0; i < 4; i++) await (await postChunked(url, 64 * MIB)).closed;
  const excess = [];
  const started = Date.now();
  for (let run = 0; run < RUNS; run++) {
    const m = await growthBySize(pid, url, OVERSIZED_BODIES, MEMORY_SAMPLES);
    excess.push(m.excessKiB);
    console.log(`${label} run ${run + 1}: excess ${m.excessKiB} KiB, medians ${JSON.stringify(m.medianKiB)}`);
  }
  const sorted = [...excess].sort((a, b) => a - b);
  const summary = { runs: RUNS, worstKiB: sorted.at(-1), medianKiB: sorted[Math.floor(RUNS / 2)], bestKiB: sorted[0], seconds: Math.round((Date.now() - started) / 1000) };
  console.log(`${label}: ${JSON.stringify(summary)}`);
  return summary;
}

if (only !== "workerd") {
  const redis = await startRedis();
  const node = await startConsumer({ redisPort: redis.port });
  try {
    await measure("node", node.pid, node.url);
  } finally {
    await node.stop();
    await redis.stop();
  }
}
if (only !== "node") {
  const w = await startWorkerd({ names: ["consumer-a"] });
  try {
    for (let i = 0; i < 20; i++) {
      const body = codatEvent(200_000 + i);
      await post(w.urls[0], body, signed(body, `msg_warm_${i}`));
    }
    await measure("workerd", w.pid, w.urls[0]);
  } finally {
    await w.dispose();
  }
}
