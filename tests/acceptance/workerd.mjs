// The example worker under workerd (Miniflare) as production runs it: two consumer scripts in
// separate isolates, both bound to ONE Durable Object namespace whose class lives in a third
// script, sending to one Queue (behind a fault-injecting proxy that also consumes and counts
// it). Each consumer has its own socket on 127.0.0.1.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { bundleWorker, root } from "../edge/bundle.mjs";

export const COMPATIBILITY_DATE = "2026-04-01";
const modulesRules = [{ type: "CompiledWasm", include: ["**/*.wasm"] }];
const out = join(root, "target/acceptance/workerd");

/**
 * A directory for Durable Object storage, on tmpfs when the machine has one: the storage is
 * real SQLite and survives a restart of workerd, without every write waiting on an fsync of a
 * disk shared with builds (3–8 ms each here, which would measure the disk, not the worker).
 * workerd only takes a path below the working directory, so it is reached through a symlink.
 * `remove()` deletes both.
 */
export function storageDir() {
  mkdirSync(out, { recursive: true });
  const link = join(out, `storage-${process.pid}-${Math.random().toString(36).slice(2)}`);
  if (existsSync("/dev/shm")) {
    const real = mkdtempSync("/dev/shm/hookproof-do-");
    symlinkSync(real, link);
    return { path: link, remove: () => (rmSync(real, { recursive: true, force: true }), rmSync(link, { force: true })) };
  }
  mkdirSync(link);
  return { path: link, remove: () => rmSync(link, { recursive: true, force: true }) };
}

let bundles;
/** Bundles the consumer (the example + a test clock), the state script, the queue, and the DO vector runner. */
export async function build() {
  bundles ??= {
    consumer: await bundleWorker(join(root, "tests/acceptance/worker-entry.mjs"), join(out, "consumer")),
    state: await bundleWorker(join(root, "tests/acceptance/state-entry.mjs"), join(out, "state")),
    queue: await bundleWorker(join(root, "tests/acceptance/queue-entry.mjs"), join(out, "queue")),
    vectors: await bundleWorker(join(root, "tests/acceptance/do-vectors-entry.mjs"), join(out, "vectors")),
    baseline: await bundleWorker(join(root, "bench/baseline-worker.mjs"), join(out, "baseline")),
  };
  return bundles;
}

const worker = (name, scriptPath, extra = {}) => ({ name, modules: true, scriptPath, modulesRules, compatibilityDate: COMPATIBILITY_DATE, ...extra });

/**
 * Starts consumers `names` (default two) with `bindings`, the state script and the queue.
 * `persist`: a directory for Durable Object storage (survives a restart with the same one).
 */
export async function startWorkerd({ bindings = {}, names = ["consumer-a", "consumer-b"], persist, stateClass = "HookproofState" } = {}) {
  const b = await build();
  const own = persist ? undefined : storageDir();
  persist ??= own.path;
  const STATE = { className: stateClass, scriptName: "state", useSQLite: true };
  // workerd's own output (uncaught exceptions land here), kept for the tests and passed on.
  const logs = [];
  const keep = (stream, to) =>
    stream.on("data", (d) => {
      logs.push(...String(d).split("\n").filter(Boolean));
      to.write(d);
    });
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio: (stdout, stderr) => {
      keep(stdout, process.stdout);
      keep(stderr, process.stderr);
    },
    durableObjectsPersist: persist,
    workers: [
      ...names.map((name) =>
        worker(name, b.consumer, {
          bindings: { WEBHOOK_SECRETS: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ...bindings },
          serviceBindings: { EVENTS: { name: "queue", entrypoint: "FaultyQueue" } },
          durableObjects: { STATE },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        }),
      ),
      worker("state", b.state, { durableObjects: { STATE: { className: stateClass, useSQLite: true } } }),
      worker("queue", b.queue, {
        queueProducers: { QUEUE: "codat-events" },
        queueConsumers: { "codat-events": { maxBatchSize: 100, maxBatchTimeout: 0 } },
      }),
    ],
  });
  try {
    await mf.ready;
    const urls = [];
    for (const name of names) urls.push((await mf.unsafeGetDirectURL(name)).href);
    const queue = await mf.getWorker("queue");
    const api = {
      mf,
      async dispose() {
        await mf.dispose();
        own?.remove();
      },
      urls,
      /** The lines workerd has printed so far. */
      logs: () => [...logs],
      pid: workerdPid(new URL(urls[0]).port),
      async stats(ids = false) {
        return (await queue.fetch(`http://queue/stats${ids ? "?ids=1" : ""}`)).json();
      },
      async faults(f) {
        await queue.fetch("http://queue/faults", { method: "POST", body: JSON.stringify(f) });
      },
      async clock(offsetSeconds, name = names[0]) {
        await (await mf.getWorker(name)).fetch("http://consumer/__test/clock", { method: "POST", body: String(offsetSeconds) });
      },
      /** Per-id counts of what reached the queue, once `count` distinct ids arrived and nothing more came for 500 ms (or 60 s passed). */
      async queued(count) {
        let last = -1;
        for (let i = 0; i < 600; i++) {
          const s = await api.stats();
          if (s.received === last && s.distinct >= count) break;
          last = s.received;
          await new Promise((r) => setTimeout(r, 500));
        }
        return new Map(Object.entries((await api.stats(true)).ids));
      },
    };
    return api;
  } catch (e) {
    await mf.dispose();
    own?.remove();
    throw e;
  }
}

/** The workerd process listening on `port` (Miniflare starts one per instance). */
function workerdPid(port) {
  const hex = Number(port).toString(16).toUpperCase().padStart(4, "0");
  const inode = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex}`) && f[3] === "0A")?.[9];
  if (!inode) return undefined;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSafe(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(pid);
      }
    } catch {}
  }
  return undefined;
}

function readlinkSafe(path) {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}

/** Runs acceptance.json and the rate-limit vectors inside workerd against the Durable Object. */
export async function doVectors() {
  const b = await build();
  const storage = storageDir();
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    durableObjectsPersist: storage.path,
    workers: [worker("vectors", b.vectors, { durableObjects: { STATE: { className: "TestState", useSQLite: true } } })],
  });
  try {
    const url = await mf.ready;
    return await (await fetch(url)).json();
  } finally {
    await mf.dispose();
    storage.remove();
  }
}
