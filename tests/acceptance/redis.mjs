// A real redis-server (Debian's package) on 127.0.0.1, started on a free port and stopped by
// the tests, and the Node example consumer as child processes pointed at it.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { projects } from "../js/install.mjs";
import { root } from "../edge/bundle.mjs";

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${text}`)), 30_000);
    const onData = (d) => {
      text += d;
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        resolve(m);
      }
    };
    child.stdout.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}): ${text}`));
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${what} could not start: ${e.message}`));
    });
  });
}

/**
 * Starts redis-server with no persistence on a free port; `stop()` ends it. redis-server cannot
 * be given port 0, so a port is picked free and, if another process takes it before redis
 * binds it (redis exits), picked again.
 */
export async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), "hookproof-redis-"));
  let port;
  let child;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "yes"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await waitForLine(child, /Ready to accept connections/, "redis-server");
      break;
    } catch (e) {
      if (child.exitCode === null) child.kill("SIGKILL");
      if (attempt === 3) throw e;
    }
  }
  const client = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 1 });
  return {
    port,
    client,
    command: (args) => client.call(...args),
    async stop() {
      client.disconnect();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${out}`));
    });
  });
}

/**
 * A local Redis Cluster of three masters (no replicas) on free 127.0.0.1 ports, each with its
 * cluster bus on another free port, joined with `redis-cli --cluster create`; `stop()` ends
 * every server and removes their files. `client` is ioredis's cluster client (it follows
 * MOVED and routes each command by its keys' slot); `command` is the function
 * `hookproof/redis` takes.
 */
export async function startRedisCluster() {
  const dir = mkdtempSync(join(tmpdir(), "hookproof-redis-cluster-"));
  const servers = [];
  let client;
  const stop = async () => {
    client?.disconnect();
    await Promise.all(
      servers.map(async ({ child }) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          await exited;
        }
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const bus = await freePort();
        const child = spawn("redis-server", ["--port", String(port), "--cluster-port", String(bus), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", join(dir, `nodes-${i}.conf`), "--save", "", "--appendonly", "no", "--dir", dir, "--dbfilename", `dump-${i}.rdb`, "--protected-mode", "yes"], { stdio: ["ignore", "pipe", "inherit"] });
        try {
          await waitForLine(child, /Ready to accept connections/, "redis-server (cluster)");
          servers.push({ port, child });
          break;
        } catch (e) {
          if (child.exitCode === null) child.kill("SIGKILL");
          if (attempt === 3) throw e;
        }
      }
    }
    await run("redis-cli", ["--cluster", "create", ...servers.map((s) => `127.0.0.1:${s.port}`), "--cluster-replicas", "0", "--cluster-yes"]);
    // Every node agrees the cluster is up before the client starts.
    const deadline = Date.now() + 20_000;
    for (const { port } of servers) {
      for (;;) {
        const info = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "CLUSTER", "INFO"]);
        if (/cluster_state:ok/.test(info)) break;
        if (Date.now() > deadline) throw new Error(`cluster not ready on ${port}: ${info}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    client = new Redis.Cluster(servers.map(({ port }) => ({ host: "127.0.0.1", port })), { redisOptions: { maxRetriesPerRequest: 1 }, slotsRefreshTimeout: 5000 });
    await client.cluster("INFO");
    return {
      ports: servers.map((s) => s.port),
      client,
      command: (args) => client.call(...args),
      /** KEYS on every master, combined. */
      keys: async (pattern) => (await Promise.all(client.nodes("master").map((n) => n.keys(pattern)))).flat(),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

let copied;
/** Copies the example and the launcher into the project where the packed tarball is installed. */
function launcher() {
  if (!copied) {
    const dir = join(projects.esm, "node-redis");
    cpSync(join(root, "examples/node-redis/src/consumer.js"), join(dir, "consumer.js"));
    cpSync(join(root, "tests/acceptance/node-launch.mjs"), join(dir, "launch.mjs"));
    copied = join(dir, "launch.mjs");
  }
  return copied;
}

/** Starts one consumer process against `redisPort`; `stop()` ends it. */
export async function startConsumer({ redisPort, env = {}, faults } = {}) {
  const child = spawn(process.execPath, [launcher()], {
    env: { ...process.env, REDIS_PORT: String(redisPort), WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", FAULTS: JSON.stringify(faults ?? {}), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [, port] = await waitForLine(child, /listening (\d+)/, "the consumer");
  const url = `http://127.0.0.1:${port}/`;
  const control = async (path, body) => (await fetch(new URL(path, url), { method: body === undefined ? "GET" : "POST", body })).json();
  return {
    url,
    pid: child.pid,
    faults: (f) => control("/__test/faults", JSON.stringify(f)),
    clock: (seconds) => control("/__test/clock", String(seconds)),
    stats: () => control("/__test/stats"),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** Per-webhook-id counts of the stream's entries. */
export async function streamCounts(client, stream = "codat:stream:{codat-events}") {
  const counts = new Map();
  let start = "-";
  for (;;) {
    const entries = await client.xrange(stream, start, "+", "COUNT", 5000);
    for (const [, fields] of entries) {
      const i = fields.indexOf("webhookId");
      const id = fields[i + 1];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (entries.length < 5000) break;
    start = `(${entries[entries.length - 1][0]}`;
  }
  return counts;
}

/** A store's `enqueue` in the vectors' shape: one field, the stream entry id checked and dropped. */
function vectorStore(store) {
  return {
    begin: store.begin,
    commit: store.commit,
    abort: store.abort,
    async enqueue(id, token, now) {
      const { streamId, ...answer } = await store.enqueue(id, token, { webhookId: id }, now);
      const written = answer.answer === "committed" || answer.answer === "late";
      if (written !== (typeof streamId === "string" && /^\d+-\d+$/.test(streamId))) throw new Error(`stream entry id ${streamId} with ${answer.answer}`);
      return answer;
    },
  };
}

/**
 * acceptance.json and the rate-limit vectors through `hookproof/redis` on any Redis (one
 * server or a cluster): `command` is the client's command function, `keys(pattern)` lists
 * matching keys (on every master), `get`/`set` read and write one key.
 */
export async function runRedisVectors({ hookproof, redis: { redisAcceptance, redisRateLimiter }, command, keys, get, set, vectors }) {
  const { runAcceptanceStore, runRateLimitStore } = await import("../js/acceptance-suite.mjs");
  const r = await runAcceptanceStore(vectors("acceptance.json"), {
    store: ({ windowSeconds, leaseSeconds, name }) => vectorStore(redisAcceptance(command, { scope: name, windowSeconds, leaseSeconds })),
    // The key the script reads and writes is the documented one (prefix, "acceptance:", the
    // scope's hash tag, the core's key of the id): check it in Redis.
    key: async (id) => {
      const prefix = `key-${Math.random().toString(36).slice(2)}:`;
      await redisAcceptance(command, { prefix, scope: "endpoint" }).begin(id, 0);
      const found = await keys(`${prefix}*`);
      if (found.length !== 1 || !found[0].startsWith(`${prefix}acceptance:{endpoint}:`)) throw new Error(`keys ${JSON.stringify(found)}`);
      return found[0].slice(`${prefix}acceptance:{endpoint}:`.length);
    },
    // One entry written as the script stores it, one operation, the entry read back.
    transition: async (t) => {
      const prefix = `transition-${t.tcId}-${Math.random().toString(36).slice(2)}:`;
      const store = vectorStore(redisAcceptance(command, { prefix, scope: "t", windowSeconds: t.window, leaseSeconds: t.lease }));
      const key = `${prefix}acceptance:{t}:${hookproof.acceptanceKey("msg_t")}`;
      if (t.entry) await set(key, `${t.entry.state}:${t.entry.deadline}`);
      const answer = t.op === "begin" ? await store.begin("msg_t", t.now) : await store[t.op]("msg_t", t.token, t.now);
      const raw = await get(key);
      const [state, deadline] = raw === null ? [] : raw.split(":");
      return { entry: raw === null ? null : { state, deadline: Number(deadline) }, answer };
    },
  });
  const rate = await runRateLimitStore(vectors("guards.json"), ({ perSecond, burst, name }) => redisRateLimiter(command, { key: name, perSecond, burst }));
  return { acceptance: r, rate };
}
