// `make bench-gateway` (part of `make bench`): `hookproof gateway` against nginx, a
// forward-only proxy of the gateway's own stack, and a direct request, all in front of the same
// native backend, side by side in interleaved rounds of one run. Writes its section of
// bench/RESULTS.md (between the `gateway` markers, appended if absent) and prints it.
//
// Everything listens on 127.0.0.1 (free ports), in a temporary directory, and is stopped at the
// end. Release-optimized builds (the `bench-host` profile): `make bench-gateway` builds them.
//
// BENCH_GATEWAY_ROUNDS (default 5) rounds; each round sends BENCH_GATEWAY_REQUESTS (default
// 20,000) signed 1 KiB events to each row, C = 64 keep-alive connections, after a warm-up of
// 1,280, in a rotating order.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../tests/acceptance/redis.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "target/bench-host");
const ROUNDS = Number(process.env.BENCH_GATEWAY_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_GATEWAY_REQUESTS ?? 20000);
const C = 64;
const BYTES = 1024;
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const out = [];
const log = (line = "") => {
  out.push(line);
  console.log(line);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


const children = [];
const stopAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
};
process.on("exit", stopAll);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(1));

const start = (cmd, args, options = {}) => {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"], ...options });
  children.push(child);
  return child;
};

/** Resolves once `port` accepts a TCP connection (at most 20 s). */
async function listening(port, what) {
  const { connect } = await import("node:net");
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within 20 s`);
}

/** Peak resident set (VmHWM) of a process, KiB. */
const peakKib = (pid) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
};
/** CPU time (user + system) of processes, in clock ticks. */
const cpuTicks = (pids) =>
  pids.reduce((sum, pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return sum + Number(fields[11]) + Number(fields[12]);
  }, 0);
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const childPids = (pid) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);

const dir = mkdtempSync(join(os.tmpdir(), "hookproof-bench-gateway-"));
try {
  await main();
} finally {
  stopAll();
  await sleep(200);
  rmSync(dir, { recursive: true, force: true });
}

async function main() {
  for (const b of ["hookproof", "examples/bench-backend", "examples/bench-forward", "examples/bench-load"]) {
    if (!existsSync(join(bin, b))) throw new Error(`${join(bin, b)} is missing: run \`make bench-gateway\` (it builds them)`);
  }
  const nginx = spawnSync("nginx", ["-v"], { encoding: "utf8" });
  if (nginx.error) throw new Error("nginx is missing: run `make setup-nginx` (Debian's nginx package)");
  const nginxVersion = nginx.stderr.trim().replace(/^nginx version: /, "");

  // The backend.
  const backendPort = await freePort();
  start(join(bin, "examples/bench-backend"), [String(backendPort)]);
  await listening(backendPort, "the backend");
  const backendUrl = `http://127.0.0.1:${backendPort}/webhooks`;

  // nginx: a plain reverse proxy with keep-alive to the same backend, its own prefix and config.
  const nginxPort = await freePort();
  mkdirSync(join(dir, "nginx/logs"), { recursive: true });
  writeFileSync(
    join(dir, "nginx/nginx.conf"),
    `worker_processes auto;
pid ${dir}/nginx/nginx.pid;
error_log ${dir}/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${dir}/nginx/logs/access.log;
  client_body_temp_path ${dir}/nginx/body;
  proxy_temp_path ${dir}/nginx/proxy;
  fastcgi_temp_path ${dir}/nginx/fastcgi;
  uwsgi_temp_path ${dir}/nginx/uwsgi;
  scgi_temp_path ${dir}/nginx/scgi;
  keepalive_requests 1000000;
  client_body_buffer_size 256k;
  client_max_body_size 256k;
  upstream backend {
    server 127.0.0.1:${backendPort};
    keepalive 256;
  }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://backend/webhooks;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const nginxMaster = start("nginx", ["-p", join(dir, "nginx"), "-c", join(dir, "nginx/nginx.conf"), "-g", "daemon off;"]);
  await listening(nginxPort, "nginx");

  // The forward-only proxy of the gateway's stack.
  const forwardPort = await freePort();
  const forward = start(join(bin, "examples/bench-forward"), [String(forwardPort), backendUrl]);
  await listening(forwardPort, "the forward-only proxy");

  // The gateway: in-memory store, and Redis store when this build has one.
  // Every request of the run is a new id: the in-memory store must hold them all (its default
  // capacity, 120,000, is less than 5 rounds of 20,000 plus warm-ups would need with room).
  const ids = ROUNDS * (REQUESTS + C * 20) + 1000;
  if (ids > 1_000_000) throw new Error(`${ids} ids exceed the in-memory store's largest memory_capacity (1,000,000): fewer rounds or requests`);
  const gatewayConfig = (port, redis) =>
    `listen = "127.0.0.1:${port}"\n${redis ? `redis = "${redis}"\n` : `memory_capacity = ${ids}\n`}\n[[routes]]\npath = "/codat"\nsecrets = ["env:BENCH_SECRET"]\nevent_types = ["read.completed"]\nsink = { http = "${backendUrl}" }\n`;
  const startGateway = async (name, redis, binary = join(bin, "hookproof")) => {
    const port = await freePort();
    const file = join(dir, `${name}.toml`);
    writeFileSync(file, gatewayConfig(port, redis));
    const env = { ...process.env, BENCH_SECRET: SECRET };
    const check = spawnSync(binary, ["gateway", "--check", "--config", file], { env, encoding: "utf8" });
    if (check.status !== 0) return { port, missing: check.stderr.trim().split("\n")[0].replace(`${file}: `, "") };
    // Logs as in production (one line per request), to a file.
    const { openSync } = await import("node:fs");
    const logFd = openSync(join(dir, `${name}.log`), "w");
    const child = start(binary, ["gateway", "--config", file], { env, stdio: ["ignore", "ignore", logFd] });
    await listening(port, name);
    return { port, child };
  };
  const memory = await startGateway("gateway-memory");
  // The static binary users install (`make dist`: musl, its own allocator), when it was built.
  const distBin = process.env.BENCH_GATEWAY_DIST_BIN ?? join(root, "dist/hookproof");
  const dist = existsSync(distBin) ? await startGateway("gateway-dist", undefined, distBin) : { missing: `no ${distBin} (make dist)` };
  let redisRow = { missing: "no redis-server (make setup-redis)" };
  if (spawnSync("redis-server", ["--version"]).status === 0) {
    const redisPort = await freePort();
    start("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    await listening(redisPort, "redis-server");
    redisRow = await startGateway("gateway-redis", `redis://127.0.0.1:${redisPort}`);
  }

  const rows = [
    { name: "direct to the backend", url: backendUrl },
    { name: `nginx ${nginxVersion.replace("nginx/", "")} reverse proxy (keep-alive upstream)`, url: `http://127.0.0.1:${nginxPort}/codat`, pids: () => childPids(nginxMaster.pid), nginx: true },
    { name: "forward-only proxy (gateway's hyper server + HTTP sink, no verification)", url: `http://127.0.0.1:${forwardPort}/codat`, pids: () => [forward.pid] },
    { name: "gateway, in-memory store", url: `http://127.0.0.1:${memory.port}/codat`, pids: () => [memory.child.pid], gateway: "memory" },
    dist.missing
      ? { name: "gateway, in-memory store, static musl binary (dist/hookproof)", missing: dist.missing }
      : { name: "gateway, in-memory store, static musl binary (dist/hookproof)", url: `http://127.0.0.1:${dist.port}/codat`, pids: () => [dist.child.pid], gateway: "dist" },
    redisRow.missing
      ? { name: "gateway, Redis store", missing: redisRow.missing }
      : { name: "gateway, Redis store", url: `http://127.0.0.1:${redisRow.port}/codat`, pids: () => [redisRow.child.pid], gateway: "redis" },
  ];
  for (const r of rows) r.runs = [];

  for (let round = 0; round < ROUNDS; round++) {
    const order = rows.filter((r) => !r.missing);
    for (let k = 0; k < order.length; k++) {
      const r = order[(k + round) % order.length];
      const pids = r.pids ? r.pids() : [];
      const before = cpuTicks(pids);
      const text = execFileSync(join(bin, "examples/bench-load"), [r.url, SECRET, String(REQUESTS), String(C), String(BYTES), `r${round}_${rows.indexOf(r)}`], {
        encoding: "utf8",
      });
      const result = JSON.parse(text.trim().split("\n").pop());
      if (result.errors || result.non_2xx) throw new Error(`${r.name}: ${result.errors} errors, ${result.non_2xx} non-2xx answers in round ${round}`);
      // CPU per request of the proxy (the warm-up's requests included, as its CPU is).
      result.cpu_us = pids.length ? ((cpuTicks(pids) - before) * 1e6) / CLK_TCK / (REQUESTS + C * 20) : null;
      r.runs.push(result);
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }
  for (const r of rows) if (r.pids) r.peakKib = r.pids().reduce((sum, pid) => sum + peakKib(pid), 0);

  const direct = rows[0];
  const nginxRow = rows[1];
  const perRound = (r, f) => r.runs.map((run, i) => f(run, direct.runs[i], nginxRow.runs[i]));
  const ms = (us) => `${(us / 1000).toFixed(2)} ms`;
  const plusMs = (us) => `${us >= 0 ? "+" : "−"}${(Math.abs(us) / 1000).toFixed(2)} ms`;

  log("<!-- gateway: written by bench/gateway.mjs -->");
  log("## Gateway: `hookproof gateway` against nginx, a forward-only proxy and a direct request");
  log();
  log(
    `Run ${new Date().toISOString()} by \`make bench-gateway\` (part of \`make bench\`). ${os.cpus().length} cores (${os.cpus()[0].model.trim()}), shared by the load generator, the proxy and the backend, all on 127.0.0.1. ` +
      `Each round sends ${REQUESTS.toLocaleString("en")} signed ${BYTES} B Codat events (\`read.completed\`, each its own \`webhook-id\`, all signed before the timed window) to each row over ${C} keep-alive connections, closed loop, after a warm-up of ${C * 20}; ` +
      `${ROUNDS} interleaved rounds in a rotating order; medians of the rounds. Backend: a native hyper server answering 200 (\`examples/bench-backend.rs\`); load: \`examples/bench-load.rs\` (hyper client). ` +
      `Latency is per request, first byte written to whole answer read; *added* is the row's minus the direct row's of the same round. *Proxy CPU per request* is the proxy's user + system time (/proc, nginx: its workers) over the round's requests: the figure this shared machine disturbs least. The gateway and nginx each log one line per request to a file; nginx runs \`worker_processes auto\`, the gateway tokio's default (one worker per core).`,
  );
  log();
  log("| row | req/s | p50 | p99 | p50 added | p99 added | vs nginx req/s | proxy CPU per request | peak RSS |");
  log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    if (r.missing) {
      log(`| ${r.name} | not built | | | | | | | |`);
      continue;
    }
    const rps = median(r.runs.map((x) => x.rps));
    const p50 = median(r.runs.map((x) => x.p50_us));
    const p99 = median(r.runs.map((x) => x.p99_us));
    const added50 = median(perRound(r, (x, d) => x.p50_us - d.p50_us));
    const added99 = median(perRound(r, (x, d) => x.p99_us - d.p99_us));
    const vsNginx = median(perRound(r, (x, _d, n) => x.rps / n.rps));
    const cpu = r.pids ? `${median(r.runs.map((x) => x.cpu_us)).toFixed(0)} µs` : "—";
    r.summary = { rps, p99, added99, vsNginx };
    const rss = r.peakKib ? `${(r.peakKib / 1024).toFixed(1)} MiB${r.nginx ? " (workers)" : ""}` : "—";
    log(
      `| ${r.name} | ${Math.round(rps).toLocaleString("en")} | ${ms(p50)} | ${ms(p99)} | ${r === direct ? "—" : plusMs(added50)} | ${r === direct ? "—" : plusMs(added99)} | ${r === direct ? "—" : `${vsNginx.toFixed(2)}×`} | ${cpu} | ${rss} |`,
    );
  }
  log();
  log("Goals (issue 24, not tests): the full gateway ≥ 0.8× nginx's req/s, and ≤ 1 ms p99 added over a direct request.");
  log();
  for (const r of rows.filter((x) => x.gateway && x.summary)) {
    const { vsNginx, added99 } = r.summary;
    log(
      `- ${r.name}: ${vsNginx.toFixed(2)}× nginx (${vsNginx >= 0.8 ? "met" : "NOT met"}); p99 added ${plusMs(added99)} (${added99 <= 1000 ? "met" : "NOT met"}).`,
    );
  }
  for (const r of rows.filter((x) => x.gateway === undefined && x.missing)) log(`- ${r.name}: not built (${r.missing}).`);
  log();
  log(
    "The Redis row's CPU is the gateway's alone (redis-server, on the same 127.0.0.1 and the same 2 cores, runs two scripts per event: `begin` and `commit`). " +
      "Where the gateway's CPU over the forward-only proxy goes, and what was changed and tried: docs/gateway.md, section Benchmark.",
  );
  log("<!-- /gateway -->");

  const results = join(root, "bench/RESULTS.md");
  const section = `${out.join("\n")}\n`;
  const previous = existsSync(results) ? readFileSync(results, "utf8") : "";
  const marked = /<!-- gateway: written by bench\/gateway\.mjs -->[\s\S]*?<!-- \/gateway -->\n?/;
  writeFileSync(results, marked.test(previous) ? previous.replace(marked, section) : `${previous.trimEnd()}\n\n${section}`);
  console.error("wrote the gateway section of bench/RESULTS.md");
}
