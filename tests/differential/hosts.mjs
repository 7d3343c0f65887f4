// Starting, feeding and stopping the hosts of the differential test. Every host answers a
// batch of case lines with one line each. Processes are spawned here and always stopped by
// `stopAll` (also on failure); Miniflare listens on 127.0.0.1 only.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { projects } from "../js/install.mjs";
import { exportedSubpaths } from "./api.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "../..");
const out = join(root, "target/differential");
/** Where cargo put the Rust hosts: target/debug (make test) or target/<profile> (--profile). */
let profileDir = "debug";
export function useProfile(profile) {
  profileDir = profile === "dev" || profile === undefined ? "debug" : profile;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Child processes of `pid` whose command name is `name`. */
function childrenNamed(pid, name) {
  try {
    return readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, "utf8");
          return stat.includes(`(${name})`) && Number(stat.split(") ")[1].split(" ")[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

/** A host process speaking the stdio protocol (hosts/serve.mjs, common.rs). */
class StdioHost {
  constructor(name, command, args, options = {}) {
    this.name = name;
    this.child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], ...options });
    this.stderr = "";
    this.child.stderr.on("data", (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.pending = [];
    this.answers = [];
    this.dead = null;
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    lines.on("line", (line) => {
      if (line !== ".") {
        this.answers.push(line);
        return;
      }
      const done = this.pending.shift();
      const answers = this.answers;
      this.answers = [];
      done?.resolve(answers);
    });
    this.child.on("exit", (code, signal) => {
      this.dead = `${this.name} exited (${code ?? signal}): ${this.stderr}`;
      for (const p of this.pending.splice(0)) p.reject(new Error(this.dead));
    });
    this.child.stdin.on("error", () => {});
  }

  cpu() {
    return cpuSeconds(this.child.pid);
  }

  run(lines) {
    if (this.dead) return Promise.reject(new Error(this.dead));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(lines.length ? `${lines.join("\n")}\n.\n` : ".\n");
    });
  }

  async stop() {
    if (this.dead) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** The npm package inside workerd (Miniflare): each batch is one POST to the worker. */
class WorkerdHost {
  constructor(mf, url) {
    this.name = "workerd";
    this.mf = mf;
    this.url = url;
  }

  async run(lines) {
    let res;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetch(this.url, { method: "POST", body: lines.join("\n") });
        break;
      } catch (e) {
        // A kept-alive connection the server closed meanwhile: the batch is pure computation,
        // so it is sent again (a crashed workerd fails every time).
        if (attempt === 3) throw new Error(`workerd: ${e.message} (${e.cause?.message ?? e.cause ?? "no cause"})`);
      }
    }
    const text = await res.text();
    if (res.status !== 200) throw new Error(`workerd answered ${res.status}: ${text.slice(0, 500)}`);
    return text.length ? text.split("\n") : [];
  }

  cpu() {
    return childrenNamed(process.pid, "workerd").reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  async stop() {
    await this.mf.dispose();
  }
}

/** The modules every JS host loads: "hookproof" and each subpath the installed package exports,
 *  as `{ main, subpaths: { "./codat": …, … } }`. */
function apiModule(kind) {
  const pkg = JSON.parse(readFileSync(join(projects.esm, "node_modules/hookproof/package.json"), "utf8"));
  const subpaths = exportedSubpaths(pkg);
  const spec = (p) => JSON.stringify(`hookproof/${p.slice(2)}`);
  if (kind === "cjs") {
    return `module.exports = { main: require("hookproof"), subpaths: { ${subpaths.map((p) => `${JSON.stringify(p)}: require(${spec(p)})`).join(", ")} } };\n`;
  }
  return [
    'import * as main from "hookproof";',
    ...subpaths.map((p, i) => `import * as s${i} from ${spec(p)};`),
    "export { main };",
    `export const subpaths = { ${subpaths.map((p, i) => `${JSON.stringify(p)}: s${i}`).join(", ")} };`,
    "",
  ].join("\n");
}

/** Writes the API loaders into the throwaway projects (every JS host and the peers use them). */
export function writeApiModules() {
  writeFileSync(join(projects.cjs, "differential-api.cjs"), apiModule("cjs"));
  writeFileSync(join(projects.esm, "differential-api.mjs"), apiModule("esm"));
  writeFileSync(join(projects.worker, "differential-api.mjs"), apiModule("esm"));
}

export const HOSTS = ["native", "node-cjs", "node-esm", "workerd", "deno", "edge-runtime", "wasmtime", "jco"];

const starters = {
  native: () => new StdioHost("native", join(root, `target/${profileDir}/examples/differential-native`), []),
  wasmtime: () => new StdioHost("wasmtime", join(root, `target/${profileDir}/examples/differential-wasmtime`), []),
  "node-cjs": () => {
    return new StdioHost("node-cjs", process.execPath, [join(here, "hosts/node.mjs"), "cjs"]);
  },
  "node-esm": () => {
    return new StdioHost("node-esm", process.execPath, [join(here, "hosts/node.mjs"), "esm"]);
  },
  deno: () => {
    // Run inside the throwaway project, so Deno resolves "hookproof" from its node_modules.
    const dir = projects.worker;
    for (const f of ["lib.mjs", "api.mjs", "npm-cases.mjs"]) cpSync(join(here, f), join(dir, f));
    cpSync(join(here, "hosts/deno.mjs"), join(dir, "differential-deno.mjs"));
    const deno = join(root, "target/tools/deno/node_modules/.bin/deno");
    return new StdioHost("deno", deno, ["run", "--no-prompt", "--allow-read=.", "differential-deno.mjs"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", DENO_DIR: join(root, "target/tools/deno-cache") },
    });
  },
  "edge-runtime": () => {
    const entry = join(out, "edge-runtime-entry.mjs");
    writeFileSync(
      entry,
      `${apiModule("esm").replace("export { main };", "")}
import { mergeApi } from ${JSON.stringify(join(here, "api.mjs"))};
import { runBatch } from ${JSON.stringify(join(here, "hosts/batch.mjs"))};
const api = mergeApi(main, subpaths);
export function run(text) { return runBatch(api, text); }
`,
    );
    return new StdioHost("edge-runtime", process.execPath, [join(here, "hosts/edge-runtime.mjs"), entry]);
  },
  jco: () => new StdioHost("jco", process.execPath, [join(here, "hosts/jco.mjs"), join(out, "jco")]),
  workerd: async () => {
    const { bundleWorker } = await import("../edge/bundle.mjs");
    const { Miniflare } = await import("miniflare");
    const entry = join(out, "workerd-entry.mjs");
    writeFileSync(
      entry,
      `${apiModule("esm").replace("export { main };", "")}
import { mergeApi } from ${JSON.stringify(join(here, "api.mjs"))};
import { runBatch } from ${JSON.stringify(join(here, "hosts/batch.mjs"))};
const api = mergeApi(main, subpaths);
export default { async fetch(request) { return new Response(runBatch(api, await request.text())); } };
`,
    );
    const scriptPath = await bundleWorker(entry, join(out, "workerd"));
    const mf = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      scriptPath,
      modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: "2026-04-01",
    });
    const url = await mf.ready;
    if (url.hostname !== "127.0.0.1") throw new Error(`workerd listens on ${url.hostname}`);
    return new WorkerdHost(mf, url);
  },
};

/** Transpiles the component with jco once per run (the jco host imports the result). */
async function transpileComponent() {
  const { transpile } = await import("../component/jco.mjs");
  await transpile(readFileSync(join(root, "dist/hookproof.component.wasm")), join(out, "jco"));
}

/** What each host needs on disk, with the command that makes it. */
export function missing(names) {
  const needs = {
    native: [`target/${profileDir}/examples/differential-native`, "cargo build --example differential-native"],
    wasmtime: [`target/${profileDir}/examples/differential-wasmtime`, "cargo build -p hookproof-wasmtime-host --example differential-wasmtime"],
    jco: ["dist/hookproof.component.wasm", "make component"],
    deno: ["target/tools/deno/node_modules/.bin/deno", "make setup-deno"],
  };
  const js = ["node-cjs", "node-esm", "workerd", "deno", "edge-runtime"];
  const gaps = [];
  for (const n of names) {
    if (needs[n] && !existsSync(join(root, needs[n][0]))) gaps.push(`${n}: ${needs[n][0]} (${needs[n][1]})`);
    if (js.includes(n) && !existsSync(join(projects.esm, "node_modules/hookproof/package.json"))) {
      gaps.push(`${n}: the installed tarball (make js && node tests/js/install.mjs)`);
    }
  }
  return [...new Set(gaps)];
}

/** Starts the named hosts; on any failure stops those already started. */
export async function startAll(names) {
  mkdirSync(out, { recursive: true });
  if (names.some((n) => n !== "native" && n !== "wasmtime" && n !== "jco")) writeApiModules();
  if (names.includes("jco")) await transpileComponent();
  const started = [];
  try {
    const t0 = performance.now();
    for (const name of names) started.push(await starters[name]());
    // A first empty batch proves each host is up (and loads its wasm) before timing starts.
    await Promise.all(
      started.map(async (h) => {
        await h.run([]);
        h.readyMs = performance.now() - t0;
      }),
    );
  } catch (e) {
    await stopAll(started);
    throw e;
  }
  return started;
}

export async function stopAll(hosts) {
  await Promise.allSettled(hosts.map((h) => h.stop()));
}
