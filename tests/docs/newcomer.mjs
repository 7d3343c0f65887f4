// `make newcomer`: a newcomer follows only README.md — its Install line and its quick start —
// once per audience, each in an empty temp directory, against the artifacts in dist/ (`make
// dist`), and gets one verified Codat event:
// - npm: `npm install` of the dist/ tarball into a fresh project, the Node server of the quick
//   start, a Codat event signed by `svix` → 204 (a tampered one → 401);
// - Rust: a fresh `cargo new` project depending on the packaged crate (dist/*.crate unpacked
//   where the README's path points), the quick start as main.rs, `cargo run`;
// - CLI: the dist/ binary installed as the README says (into a temp HOME), the quick start's
//   sign / verify / send against a receiver on 127.0.0.1 that verifies with `svix`;
// - component: dist/hookproof.component.wasm with PyPI's `wasmtime` CLI (`make setup-python`),
//   the quick start's lines printing what the README shows.
// Prints how long each audience took from its empty directory.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { blocks, freePort, runShell, signedRequest, SECRET } from "./snippets.mjs";
import { spawn } from "node:child_process";
import { once } from "node:events";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const readmeBlocks = blocks("README.md");

/** The first block of `lang` under the README heading `title`. */
function quickStart(title, lang) {
  const lines = readme.split("\n");
  const start = lines.findIndex((l) => l === `## ${title}`);
  if (start < 0) throw new Error(`README.md has no section "## ${title}"`);
  const next = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  const block = readmeBlocks.find((b) => b.line > start && (next < 0 || b.line < next) && b.lang === lang && !b.untested);
  if (!block) throw new Error(`README.md "## ${title}" has no tested ${lang} block`);
  return block;
}

/** The README's Install table cell matching `pattern` (inside backticks). */
function installLine(pattern) {
  const install = readme.slice(readme.indexOf("## Install"), readme.indexOf("\n## ", readme.indexOf("## Install") + 1));
  const m = new RegExp("`(" + pattern + ")`").exec(install);
  if (!m) throw new Error(`README.md's Install section has no \`${pattern}\``);
  return m[1];
}

const sh = (command, cwd, env = {}) => execFileSync("bash", ["-euo", "pipefail", "-c", command], { cwd, env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

async function npmAudience(dir) {
  symlinkSync(root, join(dir, "hookproof")); // the clone, beside the project, as the README's path assumes
  const app = join(dir, "app");
  mkdirSync(app);
  sh("npm init -y >/dev/null", app);
  sh(installLine("npm install \\.\\./hookproof/dist/[^`]+\\.tgz") + " --no-audit --no-fund --loglevel=error", app);
  const block = quickStart("Quick start: npm (Node)", "js");
  const file = /^\/\/ (\S+\.mjs)/.exec(block.text)?.[1] ?? "server.mjs";
  writeFileSync(join(app, file), block.text);
  const port = await freePort();
  const server = spawn(process.execPath, [file], { cwd: app, env: { ...process.env, CODAT_WEBHOOK_SECRET: SECRET, PORT: String(port) }, stdio: "inherit" });
  try {
    const req = signedRequest();
    let answer = null;
    for (let i = 0; i < 100 && answer === null; i++) {
      answer = await fetch(`http://127.0.0.1:${port}/codat`, { method: "POST", headers: req.headers, body: req.body }).catch(() => null);
      if (answer === null) await new Promise((r) => setTimeout(r, 100));
    }
    const tampered = await fetch(`http://127.0.0.1:${port}/codat`, { method: "POST", headers: req.headers, body: req.tampered });
    if (answer?.status !== 204 || tampered.status !== 401) throw new Error(`the quick start's server answered ${answer?.status} / ${tampered.status}`);
    return `${file}: svix-signed event 204, tampered 401`;
  } finally {
    server.kill("SIGTERM");
    await once(server, "exit");
  }
}

function rustAudience(dir, version) {
  // The README's dependency line points at the clone; here it points at the packaged crate.
  const line = installLine('hookproof = \\{ path = "[^"]+" \\}');
  sh(`tar -xzf ${join(root, `dist/hookproof-${version}.crate`)} && mv hookproof-${version} hookproof`, dir);
  sh("cargo new --quiet --name app app", dir);
  const app = join(dir, "app");
  const manifest = readFileSync(join(app, "Cargo.toml"), "utf8").replace("[dependencies]", `[dependencies]\n${line}`);
  writeFileSync(join(app, "Cargo.toml"), manifest);
  writeFileSync(join(app, "src/main.rs"), quickStart("Quick start: Rust", "rust").text);
  // Compiled dependencies are kept between runs (target/newcomer), not the project's state.
  const out = sh("cargo run --quiet", app, { CARGO_TARGET_DIR: join(root, "target/newcomer") });
  if (!/^verified msg_p5jXN8AQM9LWM0D4loKWxJek$/m.test(out)) throw new Error(`cargo run printed: ${out}`);
  return `cargo new + ${line}: ${out.trim()}`;
}

async function cliAudience(dir) {
  symlinkSync(root, join(dir, "hookproof"));
  const home = join(dir, "home");
  const work = join(dir, "work");
  mkdirSync(join(home, ".local/bin"), { recursive: true });
  mkdirSync(work);
  sh(installLine("install -m 755 [^`]+"), work, { HOME: home });
  return runShell(quickStart("Quick start: the CLI", "sh"), join(home, ".local/bin"), work);
}

function componentAudience(dir) {
  const wasm = installLine("dist/hookproof\\.component\\.wasm");
  mkdirSync(join(dir, "dist"));
  copyFileSync(join(root, wasm), join(dir, wasm));
  const block = quickStart("Quick start: the WebAssembly component", "sh");
  const lines = block.text.split("\n");
  const PATH = `${join(root, "target/tools/python/bin")}:${process.env.PATH}`;
  let verified = "";
  lines.forEach((line, i) => {
    if (!line.startsWith("wasmtime ")) return;
    const out = sh(line, dir, { PATH }).trim();
    const expected = lines[i + 1].replace(/^# /, "");
    if (out !== expected) throw new Error(`${line}\nprinted ${out}, the README shows ${expected}`);
    if (out.startsWith("ok(")) verified = out;
  });
  if (!verified) throw new Error("no line of the quick start verified an event");
  return `wasmtime run --invoke: ${verified}`;
}

const version = (await import("../release/versions.mjs")).workspaceVersion();
const audiences = [
  ["npm", npmAudience],
  ["Rust", (d) => rustAudience(d, version)],
  ["CLI", cliAudience],
  ["component", componentAudience],
];
let failed = 0;
const rows = [];
for (const [name, run] of audiences) {
  const dir = mkdtempSync(join(tmpdir(), `hookproof-newcomer-${name.toLowerCase()}-`));
  const started = performance.now();
  try {
    const what = await run(dir);
    rows.push(`ok   ${name.padEnd(10)} ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  ${what}`);
  } catch (error) {
    failed++;
    rows.push(`FAIL ${name.padEnd(10)} ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  ${error.stderr ?? ""}${error.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const r of rows) console.log(r);
console.log(`newcomer: ${audiences.length - failed} of ${audiences.length} audiences got a verified Codat event from README.md alone`);
if (failed > 0) process.exit(1);
