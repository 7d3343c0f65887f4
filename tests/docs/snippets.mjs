// `make docs-check`: every fenced code block of README.md and docs/*.md is tested, or marked
// untested (info string `… untested`) and listed:
// - JavaScript: type-checked together with `tsc --strict` (checkJs) and @types/node against the
//   packed npm package, then each run in its own Node process against a Codat event signed by
//   the `svix` package (an independent implementation): a fetch handler (`export default
//   { fetch }`, a default function, `Deno.serve`) must answer the signed request 2xx and the
//   tampered one 401; a `node:http` server is started and driven over 127.0.0.1 (signed 204,
//   tampered 401, 2 MiB 413); an exported `accept(id, body)` runs against a redis-server on
//   127.0.0.1 (202, then 200 for the redelivery); a fragment must run without throwing, with
//   `secret`, `body` and `headers` set from the signed request (docs/npm-and-edge.md says so).
// - Shell blocks: run with bash -euo pipefail in an empty directory, the CLI on PATH
//   (HOOKPROOF_BIN_DIR, default target/debug), `CODAT_WEBHOOK_SECRET` set, and a receiver on
//   127.0.0.1 in place of 127.0.0.1:8787 that verifies with `svix` and counts deliveries.
//   Blocks of `wasmtime run --invoke` lines are run by tests/component/wasmtime-cli.test.mjs.
//   A `sh repo` block is a walk-through from a clone: run from the repository root, in its own
//   process group (what it starts in the background is stopped with it), with
//   `CODAT_WEBHOOK_SECRET` set; every `hookproof send` in it must end `✔ delivered`.
// - Rust: doctests — the page must be the crate's doc (docs/crate.md) or included by src/lib.rs's
//   `readme_snippets`; a `rust,ignore` block must be a verbatim copy of a file that is built.
// - `text` blocks are output, shown as printed.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Webhook as SvixWebhook } from "svix";
import { pages } from "./links.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** Every fenced block: page, line (1-based, of the opening fence), info string, text. */
export function blocks(page) {
  const lines = readFileSync(join(root, page), "utf8").split("\n");
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(```+|~~~+)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(open[1]) && l.trim() === open[1]);
    if (end < 0) throw new Error(`${page}:${i + 1}: unclosed code block`);
    const info = open[2].trim();
    found.push({ page, line: i + 1, info, lang: info.split(/[\s,]/)[0], untested: /\buntested\b/.test(info), text: lines.slice(i + 1, end).join("\n") + "\n" });
    i = end;
  }
  return found;
}

/** A Codat event signed now by svix, and the same with its body tampered with. */
export function signedRequest(secret = SECRET) {
  const id = `msg_docs${Date.now()}`;
  const body = JSON.stringify({ id: "e1", eventType: "read.completed", payload: { referenceCompany: { id: "c1", tags: { region: "us" } } } });
  const now = new Date();
  const signature = new SvixWebhook(secret).sign(id, now, body);
  const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": signature };
  return { secret, id, body, tampered: body.replace("read.completed", "read.completes"), headers };
}

export async function freePort() {
  const server = netServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  return port;
}

/** A consumer that verifies with svix (not hookproof): 204 genuine, 401 otherwise. */
export async function receiver(secret = SECRET) {
  const wh = new SvixWebhook(secret);
  const counts = { valid: 0, invalid: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try {
        wh.verify(Buffer.concat(chunks).toString("utf8"), req.headers);
        counts.valid++;
        res.writeHead(204).end();
      } catch {
        counts.invalid++;
        res.writeHead(401).end();
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { address: `127.0.0.1:${server.address().port}`, counts, close: () => server.close() };
}

const DRIVER = `
import { pathToFileURL } from "node:url";
const req = JSON.parse(process.env.SNIPPET_REQUEST);
Object.assign(globalThis, { secret: req.secret, body: req.body, headers: req.headers });
let served = null;
globalThis.Deno = { env: { get: (name) => process.env[name] }, serve: (handler) => { served = handler; } };
const mod = await import(pathToFileURL(process.argv[2]).href);
const env = { WEBHOOK_SECRET: req.secret, CODAT_WEBHOOK_SECRET: req.secret, EVENTS: { send: async () => {} } };
const handler = served ?? (typeof mod.default?.fetch === "function" ? (r) => mod.default.fetch(r, env) : typeof mod.default === "function" ? mod.default : null);
const request = (body) => new Request("http://127.0.0.1/codat", { method: "POST", headers: req.headers, body });
const out = [];
if (handler) {
  const good = await handler(request(req.body));
  const bad = await handler(request(req.tampered));
  if (good.status < 200 || good.status > 299) throw new Error("the signed request was answered " + good.status);
  if (bad.status !== 401) throw new Error("the tampered request was answered " + bad.status);
  out.push("handler: signed " + good.status + ", tampered " + bad.status);
}
if (typeof mod.accept === "function") {
  const first = await mod.accept(req.id, req.body);
  const again = await mod.accept(req.id, req.body);
  if (first !== 202 || again !== 200) throw new Error("accept answered " + first + " then " + again);
  out.push("accept: " + first + ", redelivery " + again);
}
console.log(out.join("; ") || "ran");
process.exit(0);
`;

/** Type-checks and runs the JavaScript blocks in a project with the packed package installed. */
async function testJs(jsBlocks, results) {
  const dir = mkdtempSync(join(tmpdir(), "hookproof-snippets-"));
  try {
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: join(root, "js"), stdio: ["ignore", "ignore", "inherit"] });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "snippets", private: true, type: "module", dependencies: { hookproof: `file:./${tarball}` } }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
    symlinkSync(join(root, "node_modules/ioredis"), join(dir, "node_modules/ioredis"));
    writeFileSync(
      join(dir, "globals.d.ts"),
      [
        "// What docs/npm-and-edge.md's fragments take from the request (the driver sets them).",
        "declare const secret: string;",
        "declare const body: string;",
        "declare const headers: Record<string, string>;",
        "declare const Deno: { env: { get(name: string): string | undefined }; serve(handler: (request: Request) => Response | Promise<Response>): unknown };",
        "",
      ].join("\n"),
    );
    const files = jsBlocks.map((b, i) => ({ block: b, file: `b${i}.mjs` }));
    for (const { block, file } of files) writeFileSync(join(dir, file), block.text);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, allowJs: true, checkJs: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2023"], types: ["node"], typeRoots: [join(root, "node_modules/@types")], skipLibCheck: false },
        files: ["globals.d.ts", ...files.map((f) => f.file)],
      }),
    );
    let tscOut = "";
    try {
      execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" });
    } catch (error) {
      tscOut = String(error.stdout);
    }
    writeFileSync(join(dir, "driver.mjs"), DRIVER);
    for (const { block, file } of files) {
      const where = `${block.page}:${block.line}`;
      const errors = tscOut.split("\n").filter((l) => l.startsWith(`${file}(`));
      if (errors.length > 0) {
        results.push({ where, ok: false, what: `tsc --strict: ${errors.map((e) => e.replace(file, where)).join("\n  ")}` });
        continue;
      }
      try {
        const what = /\bcreateServer\(/.test(block.text) ? await runServer(dir, file) : await runModule(dir, file, /\bredisAcceptance\b/.test(block.text));
        results.push({ where, ok: true, what: `js: tsc --strict, ran: ${what}` });
      } catch (error) {
        results.push({ where, ok: false, what: `js: ${error.message}` });
      }
    }
    if (tscOut && !files.some(({ file }) => tscOut.includes(`${file}(`))) results.push({ where: "tsc", ok: false, what: tscOut });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function child(command, args, options) {
  const p = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  p.stdout.on("data", (d) => (output += d));
  p.stderr.on("data", (d) => (output += d));
  const exited = once(p, "exit").then(([code]) => code);
  return { process: p, exited, output: () => output };
}

async function runModule(dir, file, needsRedis) {
  const req = signedRequest();
  const env = { ...process.env, SNIPPET_REQUEST: JSON.stringify(req), WEBHOOK_SECRET: req.secret, CODAT_WEBHOOK_SECRET: req.secret };
  let redis = null;
  if (needsRedis) {
    const port = await freePort();
    redis = child("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {});
    env.REDIS_URL = `redis://127.0.0.1:${port}`;
    await waitForPort(port, () => redis.output());
  }
  try {
    const run = child(process.execPath, ["driver.mjs", file], { cwd: dir, env });
    const timer = setTimeout(() => run.process.kill("SIGKILL"), 30_000);
    const code = await run.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`exit ${code}: ${run.output().trim()}`);
    return run.output().trim();
  } finally {
    if (redis) {
      redis.process.kill("SIGTERM");
      await redis.exited;
    }
  }
}

async function waitForPort(port, output) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((done) => {
      import("node:net").then(({ connect }) => {
        const s = connect(port, "127.0.0.1");
        s.on("connect", () => (s.destroy(), done(true)));
        s.on("error", () => done(false));
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after 10 s: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runServer(dir, file) {
  const req = signedRequest();
  const port = await freePort();
  const server = child(process.execPath, [file], { cwd: dir, env: { ...process.env, PORT: String(port), CODAT_WEBHOOK_SECRET: req.secret } });
  try {
    await waitForPort(port, server.output);
    const post = (body) => fetch(`http://127.0.0.1:${port}/codat`, { method: "POST", headers: req.headers, body });
    const good = await post(req.body);
    const bad = await post(req.tampered);
    const big = await post("x".repeat(2 << 20)).catch((e) => ({ status: `error ${e.cause?.code ?? e.message}` }));
    const text = await bad.text();
    if (good.status !== 204 || bad.status !== 401 || text !== "no_matching_signature" || big.status !== 413) {
      throw new Error(`server answered signed ${good.status}, tampered ${bad.status} ${text}, 2 MiB ${big.status}`);
    }
    return `server on 127.0.0.1: signed 204, tampered 401 ${text}, 2 MiB 413`;
  } finally {
    server.process.kill("SIGTERM");
    await server.exited;
  }
}

/** Runs a shell block in an empty directory with the CLI on PATH and a receiver for `send`. */
export async function runShell(block, binDir, cwd) {
  const rx = await receiver();
  try {
    const script = block.text.replaceAll("127.0.0.1:8787", rx.address);
    const run = child("bash", ["-euo", "pipefail", "-c", script], {
      cwd,
      env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, CODAT_WEBHOOK_SECRET: SECRET },
    });
    const timer = setTimeout(() => run.process.kill("SIGKILL"), 120_000);
    const code = await run.exited;
    clearTimeout(timer);
    const output = run.output();
    if (code !== 0) throw new Error(`exit ${code}:\n${output}`);
    const sends = (block.text.match(/^\s*hookproof send http:\/\//gm) ?? []).length;
    if (rx.counts.valid < sends || rx.counts.invalid > 0) throw new Error(`the receiver (svix) counted ${rx.counts.valid} valid and ${rx.counts.invalid} invalid deliveries for ${sends} send(s):\n${output}`);
    const verifies = (output.match(/^valid: id /gm) ?? []).length;
    return `sh: exit 0, ${verifies} valid verify, ${rx.counts.valid} delivery verified by svix`;
  } finally {
    rx.close();
  }
}

/** SIGTERM to a process group, then waits (at most 10 s, then SIGKILL) until it is gone. */
async function stopGroup(pgid) {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pgid, "SIGTERM");
  const deadline = Date.now() + 10_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) process.kill(-pgid, "SIGKILL");
}

/** Runs a `sh repo` block from the repository root; stops everything it started. */
export async function runRepoShell(block) {
  const run = spawn("bash", ["-euo", "pipefail", "-c", block.text], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CODAT_WEBHOOK_SECRET: SECRET },
  });
  let output = "";
  run.stdout.on("data", (d) => (output += d));
  run.stderr.on("data", (d) => (output += d));
  const exited = once(run, "exit").then(([code]) => code);
  const timer = setTimeout(() => run.kill("SIGKILL"), 120_000);
  const code = await exited;
  clearTimeout(timer);
  await stopGroup(run.pid); // the block's background processes
  if (code !== 0) throw new Error(`exit ${code}:\n${output}`);
  const sends = (block.text.match(/^\s*(?:\S*\/)?hookproof send /gm) ?? []).length;
  const delivered = (output.match(/✔ delivered/g) ?? []).length;
  if (sends === 0 || delivered !== sends) throw new Error(`${delivered} of ${sends} send(s) ended "✔ delivered":\n${output}`);
  return `sh (repository root): exit 0, ${delivered} of ${sends} send(s) delivered`;
}

function rustCovered(block) {
  if (/\bignore\b/.test(block.info)) {
    const candidates = ["tests/wasmtime-host/examples", "examples/axum/src"].flatMap((d) =>
      existsSync(join(root, d)) ? readdirSync(join(root, d)).map((f) => join(d, f)) : [],
    );
    const same = candidates.find((f) => readFileSync(join(root, f), "utf8") === block.text);
    if (same) return `rust: a copy of ${same}, built and run by make test`;
    throw new Error("a rust,ignore block must be a verbatim copy of a file that is built (tests/wasmtime-host/examples, examples/axum/src)");
  }
  if (block.page === "docs/crate.md") return "rust: doctest (the crate's documentation)";
  const lib = readFileSync(join(root, "src/lib.rs"), "utf8");
  const included = lib.includes(`include_str!("../${block.page}")`);
  if (included) return "rust: doctest (src/lib.rs readme_snippets)";
  throw new Error(`${block.page} is not included by src/lib.rs's readme_snippets: its Rust blocks are not compiled`);
}

function wasmtimeCovered(block) {
  const lines = block.text.split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  if (lines.length === 0 || !lines.every((l) => l.startsWith("wasmtime run --invoke "))) return null;
  const test = readFileSync(join(root, "tests/component/wasmtime-cli.test.mjs"), "utf8");
  if (!test.includes(`"${block.page}"`)) throw new Error(`tests/component/wasmtime-cli.test.mjs does not read ${block.page}`);
  return "sh: wasmtime lines, run by tests/component/wasmtime-cli.test.mjs (make test-component)";
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const all = pages().flatMap(blocks);
  const results = [];
  const untested = [];
  const js = [];
  const binDir = resolve(process.env.HOOKPROOF_BIN_DIR ?? join(root, "target/debug"));
  for (const block of all) {
    const where = `${block.page}:${block.line}`;
    if (block.untested) {
      untested.push(`${where} (${block.info})`);
      continue;
    }
    try {
      if (["js", "javascript", "ts", "typescript"].includes(block.lang)) js.push(block);
      else if (block.lang === "rust") results.push({ where, ok: true, what: rustCovered(block) });
      else if (["sh", "bash", "shell"].includes(block.lang)) {
        const covered = wasmtimeCovered(block);
        if (covered) results.push({ where, ok: true, what: covered });
        else if (/\brepo\b/.test(block.info)) results.push({ where, ok: true, what: await runRepoShell(block) });
        else {
          const cwd = mkdtempSync(join(tmpdir(), "hookproof-sh-"));
          try {
            results.push({ where, ok: true, what: await runShell(block, binDir, cwd) });
          } finally {
            rmSync(cwd, { recursive: true, force: true });
          }
        }
      } else if (block.lang === "text") results.push({ where, ok: true, what: "text: output, not code" });
      else results.push({ where, ok: false, what: `a \`${block.info || "(no language)"}\` block: give it a language this test runs, or mark it untested` });
    } catch (error) {
      results.push({ where, ok: false, what: error.message });
    }
  }
  await testJs(js, results);
  results.sort((a, b) => a.where.localeCompare(b.where, "en", { numeric: true }));
  for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.where}: ${r.what}`);
  for (const u of untested) console.log(`untested ${u}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`snippets: ${all.length} blocks in ${pages().length} pages: ${results.length - failed} tested, ${failed} failed, ${untested.length} marked untested`);
  if (failed > 0) process.exit(1);
}
