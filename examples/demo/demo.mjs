// `make demo`: the example Codat consumer (examples/cloudflare-worker) under workerd on
// 127.0.0.1, driven by `hookproof send` the way Codat would drive it. Prints each delivery's
// timeline and a summary, checks every outcome, and stops everything it started.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { bundleWorker, root } from "../../tests/edge/bundle.mjs";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CLI = process.env.HOOKPROOF_BIN ?? join(root, "target/debug/hookproof");
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

const sink = `
  const seen = [];
  export default {
    async queue(batch) { for (const m of batch.messages) { seen.push(m.body); m.ack(); } },
    fetch() { return Response.json(seen); },
  };`;

async function consumer(scriptPath, bindings) {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "consumer",
        modules: true,
        scriptPath,
        modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
        compatibilityDate: "2026-04-01",
        bindings,
        queueProducers: { EVENTS: "codat-events" },
        // Two-phase acceptance and the rate limiter, shared by every isolate: a Durable Object.
        durableObjects: { STATE: { className: "HookproofState", useSQLite: true } },
      },
      { name: "sink", modules: true, script: sink, compatibilityDate: "2026-04-01", queueConsumers: { "codat-events": { maxBatchSize: 1, maxBatchTimeout: 0 } } },
    ],
  });
  const url = await mf.ready;
  /** The queue's messages once `count` have arrived (polled; at most 10 s), and nothing more 300 ms later. */
  const queued = async (count) => {
    const seen = async () => (await (await mf.getWorker("sink")).fetch("http://sink/")).json();
    for (let i = 0; i < 200 && (await seen()).length < count; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    return seen();
  };
  return { mf, url: new URL("/codat", url).href, queued };
}

/** Runs `hookproof send`, printing its output; resolves to its exit code and output. */
function send(args, { echo = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ["send", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (echo) process.stdout.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const results = [];
function outcome(name, ok, detail) {
  results.push({ name, ok, detail });
}

const running = [];
try {
  console.log(bold("Building the example worker against the packed hookproof tarball…"));
  const scriptPath = await bundleWorker(join(root, "examples/cloudflare-worker/src/index.js"), join(root, "target/demo/worker"));
  const main = await consumer(scriptPath, {
    WEBHOOK_SECRETS: SECRET,
    EVENT_TYPES: "read.completed, connection.*, company.created",
    COMPANY_TAGS: "region:us",
  });
  running.push(main.mf);
  const busy = await consumer(scriptPath, {
    WEBHOOK_SECRETS: SECRET,
    RATE_LIMIT_PER_SECOND: "1",
    RATE_LIMIT_BURST: "1",
  });
  running.push(busy.mf);
  console.log(`workerd is serving the consumer at ${main.url} (filters: read.completed, connection.*, company.created; region:us)`);
  console.log(`and a rate-limited one (1/s, bursts of 1) at ${busy.url}\n`);

  const base = ["--secret", SECRET];

  console.log(bold("1. A valid event: delivered and queued"));
  let r = await send([main.url, ...base, "--event-type", "read.completed", "--company-tags", "region:us,service:t2k", "--id", "msg_demo_valid"]);
  outcome("valid event delivered", r.code === 0 && /→ delivered/.test(r.out), "202 accepted");

  console.log(bold("\n   …and Codat redelivers it: acknowledged as a duplicate, not queued twice"));
  r = await send([main.url, ...base, "--event-type", "read.completed", "--company-tags", "region:us", "--id", "msg_demo_valid"]);
  outcome("redelivery de-duplicated", r.code === 0 && /"duplicate"/.test(r.out), "200 duplicate");

  console.log(bold("\n2. A tampered body: rejected with 401 — what each Codat service does with that"));
  r = await send([main.url, ...base, "--tamper", "--policy", "legacy", "--label", "tampered body, legacy service"]);
  outcome("tampered body, legacy: dropped at once", r.code === 1 && /#1 .*401.*dropped \(unrecoverable\)/.test(r.out), "401, not retried");
  r = await send([main.url, ...base, "--tamper", "--policy", "current", "--time-scale", "0.00002", "--label", "tampered body, current service (28 h compressed)"]);
  outcome("tampered body, current: retried 8 times, then dropped", r.code === 1 && /#8 .*401.*dropped \(retries_exhausted\)/.test(r.out), "401 ×8 over ≈28 h");

  console.log(bold("\n3. An event for a company outside the tag filter: acknowledged, not queued"));
  r = await send([main.url, ...base, "--event-type", "connection.connected", "--company-tags", "region:uk"]);
  outcome("filtered company acknowledged", r.code === 0 && /"ignored"/.test(r.out), "200 ignored");

  console.log(bold("\n4. A burst of 3 against 1/s (bursts of 1): the others get 429 + Retry-After, wait, and are delivered"));
  const burst = await Promise.all(
    [1, 2, 3].map((i) => send([busy.url, ...base, "--policy", "legacy", "--event-type", "read.completed", "--label", `burst message ${i}`], { echo: false })),
  );
  for (const b of burst) process.stdout.write(b.out);
  const limited = burst.filter((b) => /429.*retry in \d+s \(Retry-After\)/.test(b.out));
  outcome("burst: 429 + Retry-After, then delivered", burst.every((b) => b.code === 0) && limited.length >= 1, `${limited.length} rate-limited, all delivered`);

  const mainQueue = await main.queued(1);
  const busyQueue = await busy.queued(3);
  outcome("queue holds exactly the accepted events", mainQueue.length === 1 && busyQueue.length === 3, `${mainQueue.length} + ${busyQueue.length} queued`);

  console.log(bold("\nSummary"));
  for (const { name, ok, detail } of results) console.log(`  ${ok ? "✔" : "✘"} ${name.padEnd(56)} ${detail}`);
  console.log(`  queued on the consumer: ${mainQueue.map((m) => `${m.eventType} (${m.id})`).join(", ")}`);
  console.log(`  queued on the rate-limited consumer: ${busyQueue.length} × read.completed`);
  if (results.some((x) => !x.ok)) process.exitCode = 1;
} finally {
  await Promise.all(running.map((mf) => mf.dispose()));
  console.log("\nstopped workerd; demo finished.");
}
