// `make demo`, second part: the gateway path. `hookproof gateway` in front of the Flask backend
// of examples/gateway-python (its own gateway.toml, on free 127.0.0.1 ports), driven by
// `hookproof send` the way Codat would: a delivered event, its redelivery, a tampered body and
// an unwanted event type. Prints what happened (and the gateway's /metrics), checks each
// outcome, and stops everything it started.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../tests/acceptance/redis.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CLI = process.env.HOOKPROOF_BIN ?? join(root, "target/debug/hookproof");
const PYTHON = join(root, "target/tools/python/bin/python");
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


/** GET http://127.0.0.1:port/path → { status, body }, or null if nothing answers (2 s at most). */
const fetchText = (port, path) =>
  new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path, timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });

async function until(what, ready, ms = 20_000) {
  for (const started = Date.now(); Date.now() - started < ms; await sleep(100)) if (await ready()) return;
  throw new Error(`${what} not ready within ${ms / 1000} s`);
}

/** Runs `hookproof send`, printing its output; resolves to its exit code and output. */
function send(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ["send", ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, CODAT_WEBHOOK_SECRET: SECRET } });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const results = [];
const outcome = (name, ok, detail) => results.push({ name, ok, detail });
const running = [];
const dir = mkdtempSync(join(os.tmpdir(), "hookproof-demo-gateway-"));
try {
  const backendPort = await freePort();
  const gatewayPort = await freePort();
  // The example's own gateway.toml, moved to this run's free ports.
  const config = readFileSync(join(root, "examples/gateway-python/gateway.toml"), "utf8")
    .replace(/^listen = ".*"$/m, `listen = "127.0.0.1:${gatewayPort}"`)
    .replace("http://127.0.0.1:8000/", `http://127.0.0.1:${backendPort}/`);
  const configPath = join(dir, "gateway.toml");
  writeFileSync(configPath, config);

  const backend = spawn(PYTHON, [join(root, "examples/gateway-python/app.py")], {
    env: { ...process.env, GATEWAY_BACKEND_PORT: String(backendPort) },
    stdio: ["ignore", "ignore", "ignore"],
  });
  running.push(backend);
  const gateway = spawn(CLI, ["gateway", "--config", configPath], {
    env: { ...process.env, CODAT_WEBHOOK_SECRET: SECRET },
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.push(gateway);
  let log = "";
  gateway.stderr.on("data", (d) => (log += d));
  await until("the gateway", async () => (await fetchText(gatewayPort, "/readyz"))?.status === 200);
  await until("the Flask backend", async () => (await fetchText(backendPort, "/"))?.status === 404);
  const url = `http://127.0.0.1:${gatewayPort}/codat`;
  console.log(bold(`\nThe gateway path: hookproof gateway at ${url} → Flask (examples/gateway-python/app.py) at 127.0.0.1:${backendPort}`));
  console.log("(gateway.toml: event types read.completed, connection.*; in-memory store)\n");

  const base = ["--secret-env", "CODAT_WEBHOOK_SECRET"];
  console.log(bold("1. A valid event: verified, delivered to Flask, then acknowledged"));
  let r = await send([url, ...base, "--event-type", "read.completed", "--id", "msg_demo_gateway"]);
  outcome("gateway: valid event delivered", r.code === 0 && /→ delivered/.test(r.out), "202, Flask answered 200");

  console.log(bold("\n   …and Codat redelivers it: acknowledged as a duplicate, not delivered twice"));
  r = await send([url, ...base, "--event-type", "read.completed", "--id", "msg_demo_gateway"]);
  outcome("gateway: redelivery de-duplicated", r.code === 0 && /"duplicate"/.test(r.out), "200 duplicate");

  console.log(bold("\n2. A tampered body: 401, never reaches Flask"));
  r = await send([url, ...base, "--tamper", "--policy", "legacy", "--label", "tampered body"]);
  outcome("gateway: tampered body refused", r.code === 1 && /401/.test(r.out), "401, not delivered");

  console.log(bold("\n3. An event type the route does not want: acknowledged, not delivered"));
  r = await send([url, ...base, "--event-type", "company.created"]);
  outcome("gateway: unwanted type acknowledged", r.code === 0 && /"ignored"/.test(r.out), "200 ignored");

  const metrics = (await fetchText(gatewayPort, "/metrics"))?.body ?? "";
  const lines = metrics.split("\n").filter((l) => /^hookproof_gateway_(requests|deliveries|duplicates|aborts)_total\{/.test(l) && !/ 0$/.test(l));
  console.log(bold("\nThe gateway's /metrics:"));
  for (const l of lines) console.log(`  ${l}`);
  const delivered = /hookproof_gateway_deliveries_total\{route="\/codat"\} (\d+)/.exec(metrics)?.[1];
  outcome("gateway: exactly one delivery", delivered === "1", `${delivered} delivered`);
  outcome("gateway: secret never logged", !log.includes(SECRET), "log checked");

  console.log(bold("\nSummary (gateway path)"));
  for (const { name, ok, detail } of results) console.log(`  ${ok ? "✔" : "✘"} ${name.padEnd(56)} ${detail}`);
  if (results.some((x) => !x.ok)) process.exitCode = 1;
} finally {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await Promise.all(running.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once("close", r)) : null)));
  rmSync(dir, { recursive: true, force: true });
  console.log("\nstopped the gateway and Flask; demo finished.");
}
