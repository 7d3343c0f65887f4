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
export async function streamCounts(client, stream = "codat-events") {
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
