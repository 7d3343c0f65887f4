// The processes of the gateway fault test, on 127.0.0.1 and free ports, each stopped by the
// test: `hookproof gateway` (target/debug/hookproof, `make cli`) and the Python backend
// (tests/gateway/backend.py: the example app behind fault hooks, `make setup-python`); and
// how their records are read back (the backend's delivery log, the gateway's JSON log).
import { spawn } from "node:child_process";
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { root } from "../edge/bundle.mjs";
import { SECRET } from "../acceptance/driver.mjs";
import { freePort } from "../acceptance/redis.mjs";

export const BIN = join(root, "target/debug/hookproof");
export const PYTHON = join(root, "target/tools/python/bin/python");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** GET `url`: its status, or undefined when nothing answers within 2 s. */
function status(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.setTimeout(2000, () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

/** Resolves once `child` exits (at once if it has). */
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once("exit", r));
}

/** SIGTERM, then SIGKILL after `ms` if still running; resolves once it has exited. */
async function terminate(child, ms = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await done;
  clearTimeout(timer);
}

/**
 * `hookproof gateway --config` with `config` (`{port}` replaced by its port), stderr appended
 * to `<dir>/<name>.log`; resolves once `/readyz` answers 200. `stop()` sends SIGTERM and waits
 * for the drain; `restart()` starts it again on the same port.
 */
export async function startGateway({ dir, name, config, port }) {
  port ??= await freePort();
  const path = join(dir, `${name}.toml`);
  const log = join(dir, `${name}.log`);
  writeFileSync(path, config.replaceAll("{port}", String(port)));
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`make cli\``);
  let child;
  const start = async () => {
    const fd = openSync(log, "a");
    child = spawn(BIN, ["gateway", "--config", path], { env: { ...process.env, FAULT_TEST_SECRET: SECRET }, stdio: ["ignore", "ignore", fd] });
    closeSync(fd);
    const deadline = Date.now() + 30_000;
    while ((await status(`http://127.0.0.1:${port}/readyz`)) !== 200) {
      if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}): ${readFileSync(log, "utf8").slice(-2000)}`);
      if (Date.now() > deadline) {
        await terminate(child);
        throw new Error(`the gateway was not ready in 30 s: ${readFileSync(log, "utf8").slice(-2000)}`);
      }
      await sleep(50);
    }
  };
  await start();
  return {
    port,
    url: `http://127.0.0.1:${port}/codat`,
    log,
    get pid() {
      return child.pid;
    },
    stop: () => terminate(child),
    async restart() {
      await terminate(child);
      await start();
    },
    /** The JSON log lines (warnings and answers) as objects. */
    lines: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l)),
  };
}

/**
 * The Python backend on a free port (kept across restarts), its deliveries appended to
 * `<dir>/<name>.deliveries`. `faults(settings)` sends a fault command; `stop()` is a graceful
 * SIGTERM (deliveries in flight finish), `start()` brings it back.
 */
export async function startBackend({ dir, name = "backend" }) {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`make setup-python\``);
  const port = await freePort();
  const log = join(dir, `${name}.deliveries`);
  writeFileSync(log, "");
  let child;
  const start = async () => {
    for (let attempt = 1; ; attempt++) {
      child = spawn(PYTHON, [join(root, "tests/gateway/backend.py")], { env: { ...process.env, BACKEND_PORT: String(port), BACKEND_LOG: log }, stdio: ["ignore", "pipe", "inherit"] });
      const ready = await new Promise((resolve) => {
        let text = "";
        child.stdout.on("data", (d) => {
          text += d;
          if (text.includes(`listening ${port}`)) resolve(true);
        });
        child.once("exit", () => resolve(false));
        setTimeout(() => resolve(false), 30_000);
      });
      if (ready) return;
      await terminate(child);
      if (attempt === 5) throw new Error("the Python backend did not start");
      await sleep(200);
    }
  };
  await start();
  const control = async (body) => {
    const r = await fetch(`http://127.0.0.1:${port}/_faults`, body ? { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {});
    return r.json();
  };
  return {
    port,
    url: `http://127.0.0.1:${port}/webhooks`,
    faults: control,
    counts: async () => (await control()).counts,
    start,
    stop: () => terminate(child),
    /** Every delivery the backend answered 2xx: `{ id, at }` in order. */
    deliveries: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => {
          const [id, at] = l.split(" ");
          return { id, at: Number(at) };
        }),
  };
}

/** Pauses redis-server `pid` (SIGSTOP) for `ms`, then resumes it (SIGCONT). */
export async function pauseProcess(pid, ms) {
  process.kill(pid, "SIGSTOP");
  try {
    await sleep(ms);
  } finally {
    process.kill(pid, "SIGCONT");
  }
}

/**
 * What a run came to, from the sender's answers (`answers`: what `deliver`'s `onAnswer` saw),
 * the deliveries the backend (or the stream) holds (`deliveries`: `{ id, at }`), and the ids
 * the gateways logged as delivered but not committed (`uncommitted`). A duplicate delivery is
 * explained when its id had, before it, a delivery the gateway timed out (`delivery_timeout`:
 * the backend may still have taken it) or a commit that failed; `unexplained` counts the rest.
 */
export function reconcileDeliveries({ counts, answers, deliveries, uncommitted }) {
  const delivered = new Map();
  for (const { id } of deliveries) delivered.set(id, (delivered.get(id) ?? 0) + 1);
  const timeouts = new Map();
  for (const a of answers) if (a.answer === "delivery_timeout") timeouts.set(a.id, (timeouts.get(a.id) ?? 0) + 1);
  const notCommitted = new Map();
  for (const id of uncommitted) notCommitted.set(id, (notCommitted.get(id) ?? 0) + 1);
  let ackedNotDelivered = 0;
  for (const id of counts.acknowledged) if (!delivered.get(id)) ackedNotDelivered++;
  let duplicates = 0;
  let afterTimeout = 0;
  let afterFailedCommit = 0;
  let unexplained = 0;
  const unexplainedIds = [];
  for (const [id, n] of delivered) {
    if (n < 2) continue;
    const extra = n - 1;
    duplicates += extra;
    const t = Math.min(extra, timeouts.get(id) ?? 0);
    const c = Math.min(extra - t, notCommitted.get(id) ?? 0);
    afterTimeout += t;
    afterFailedCommit += c;
    if (extra - t - c > 0) {
      unexplained += extra - t - c;
      unexplainedIds.push(id);
    }
  }
  return { deliveredIds: delivered.size, backendDeliveries: deliveries.length, commitFailedLogged: uncommitted.length, ackedNotDelivered, duplicates, afterTimeout, afterFailedCommit, unexplained, unexplainedIds: unexplainedIds.slice(0, 10) };
}

/**
 * Per fault phase (`phases`: `{ name, from, to }`, Unix ms): the attempts in it (first sends,
 * retries), their answers (acknowledged, 503s and of those delivery timeouts, connection
 * errors), the deliveries the backend took in it and how many were repeats, and its length.
 */
export function perPhase({ phases, answers, deliveries }) {
  const seen = new Set();
  const repeat = deliveries.map(({ id }) => {
    const r = seen.has(id);
    seen.add(id);
    return r;
  });
  return phases.map(({ name, from, to }) => {
    const row = { phase: name, sent: 0, retries: 0, acknowledged: 0, "503s": 0, timeouts: 0, errors: 0, other: 0, delivered: 0, duplicates: 0, seconds: Math.round((to - from) / 100) / 10 };
    for (const a of answers) {
      if (a.at < from || a.at >= to) continue;
      if (a.attempt === 1) row.sent++;
      else row.retries++;
      if (a.error) row.errors++;
      else if (a.status >= 200 && a.status < 300) row.acknowledged++;
      else if (a.status === 503) row["503s"]++;
      else row.other++;
      if (a.answer === "delivery_timeout") row.timeouts++;
    }
    deliveries.forEach(({ at }, i) => {
      if (at < from || at >= to) return;
      row.delivered++;
      if (repeat[i]) row.duplicates++;
    });
    return row;
  }).filter((row) => row.sent + row.retries + row.delivered > 0);
}
