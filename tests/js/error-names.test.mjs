// Error classes keep their names through the packed tarball, on every built entry: `String(err)`,
// `err.stack`, `console.log(err)` (util.inspect) and the constructor say
// `WebhookVerificationError` / `HookproofError`, never a minified name (`p [WebhookVerificationError]`).
// Each entry runs in its own Node process, resolved by Node from the installed ESM or CommonJS
// project under the host's export condition; the workerd and edge-light entries import their
// `.wasm` as a compiled `WebAssembly.Module`, which a loader hook (hooks below) provides as those
// runtimes do. With `--enable-source-maps` the stack's frames map back to the package's sources.
// The rejected message is a vector of tests/vectors/signature.json (its expected code from there).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { packaging, projects } from "./install.mjs";
import { loadVectors } from "./load.mjs";

// Codat's documented example (tcId 1) with one vector that rejects it: a tampered body.
const doc = loadVectors()["signature.json"];
const valid = doc.tests.find((t) => t.tcId === 1);
const tampered = doc.tests.find(
  (t) => t.op === "verify" && t.result === "invalid" && t.error === "no_matching_signature" && t.secrets[0] === valid.secrets[0] && t.body !== undefined && t.body !== valid.body && JSON.stringify(t.headers) === JSON.stringify(valid.headers),
);
assert.ok(tampered, "signature.json has tcId 1 with a tampered body");

const dir = join(packaging, "error-names");
mkdirSync(dir, { recursive: true });
// workerd and Vercel Edge import a .wasm file (`?module` on Vercel) as a WebAssembly.Module.
const hooks = join(dir, "wasm-module-hooks.mjs");
writeFileSync(
  hooks,
  `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(${JSON.stringify(`
export async function resolve(specifier, context, next) {
  if (/\\.wasm(\\?module)?$/.test(specifier)) {
    const url = new URL(specifier.replace(/\\?module$/, ""), context.parentURL).href;
    return { url: "wasm-module:" + url, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith("wasm-module:")) {
    const file = url.slice("wasm-module:".length);
    const source = "import { readFileSync } from 'node:fs'; export default new WebAssembly.Module(readFileSync(new URL(" + JSON.stringify(file) + ")));";
    return { format: "module", source, shortCircuit: true };
  }
  return next(url, context);
}`)}));
`,
);

/** The script each entry runs: it prints what a developer sees of a thrown and a constructed error. */
function script(load) {
  return `${load}
const { Webhook, WebhookVerificationError, HookproofError } = hookproof;
const util = require_util();
const headers = Object.fromEntries(${JSON.stringify(tampered.headers)});
let thrown;
try { new Webhook(${JSON.stringify(tampered.secrets[0])}).verify(${JSON.stringify(tampered.body)}, headers, { now: ${tampered.now} }); }
catch (e) { thrown = e; }
const made = new HookproofError("invalid_argument", "made by hand");
const show = (e) => ({ name: e.name, constructor: e.constructor.name, code: e.code, string: String(e), stack: e.stack, inspect: util.inspect(e), instance: e instanceof HookproofError && e instanceof Error });
console.log(JSON.stringify({ resolved: resolved(), classes: [WebhookVerificationError.name, HookproofError.name], thrown: thrown && show(thrown), made: show(made) }));
`;
}

const esm = (specifier) =>
  script(
    `import * as hookproof from ${JSON.stringify(specifier)};\nimport * as utilModule from "node:util";\nconst require_util = () => utilModule;\nconst resolved = () => import.meta.resolve(${JSON.stringify(specifier)});`,
  );
const cjs = (specifier) =>
  script(
    `const hookproof = require(${JSON.stringify(specifier)});\nconst require_util = () => require("node:util");\nconst resolved = () => require.resolve(${JSON.stringify(specifier)});`,
  );

const ENTRIES = [
  // [label, project, file, node arguments]
  ["node import hookproof", "esm", "a.mjs", esm("hookproof"), []],
  ["node import hookproof/codat", "esm", "b.mjs", esm("hookproof/codat"), []],
  ["node import hookproof/v1a", "esm", "c.mjs", esm("hookproof/v1a"), []],
  ["node require hookproof", "cjs", "a.cjs", cjs("hookproof"), []],
  ["node require hookproof/codat", "cjs", "b.cjs", cjs("hookproof/codat"), []],
  ["node require hookproof/v1a", "cjs", "c.cjs", cjs("hookproof/v1a"), []],
  ["workerd hookproof", "esm", "a.mjs", esm("hookproof"), ["-C", "workerd", "--import", hooks]],
  ["workerd hookproof/codat", "esm", "b.mjs", esm("hookproof/codat"), ["-C", "workerd", "--import", hooks]],
  ["workerd hookproof/v1a", "esm", "c.mjs", esm("hookproof/v1a"), ["-C", "workerd", "--import", hooks]],
  ["edge-light hookproof", "esm", "a.mjs", esm("hookproof"), ["-C", "edge-light", "--import", hooks]],
  ["edge-light hookproof/codat", "esm", "b.mjs", esm("hookproof/codat"), ["-C", "edge-light", "--import", hooks]],
  ["edge-light hookproof/v1a", "esm", "c.mjs", esm("hookproof/v1a"), ["-C", "edge-light", "--import", hooks]],
  ["browser hookproof", "esm", "a.mjs", esm("hookproof"), ["-C", "browser"]],
  ["browser hookproof/codat", "esm", "b.mjs", esm("hookproof/codat"), ["-C", "browser"]],
  ["browser hookproof/v1a", "esm", "c.mjs", esm("hookproof/v1a"), ["-C", "browser"]],
];

function run(project, file, text, args) {
  const path = join(projects[project], `error-names-${file}`);
  writeFileSync(path, text);
  const r = spawnSync(process.execPath, ["--enable-source-maps", "--no-warnings", ...args, path], { cwd: projects[project], encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, `${path}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}

for (const [label, project, file, text, args] of ENTRIES) {
  test(`error names: ${label}`, () => {
    const out = run(project, file, text, args);
    // The host's own build was loaded (node: dist/<entry>.{mjs,cjs}; others: dist/<host>/).
    const host = label.split(" ")[0];
    const entry = label.split(" ").at(-1) === "hookproof" ? "index" : label.split("/").at(-1);
    const want = host === "node" ? `/hookproof/dist/${entry}.${project === "cjs" ? "cjs" : "mjs"}` : `/hookproof/dist/${host}/${entry}.mjs`;
    assert.ok(out.resolved.endsWith(want), `${out.resolved} is not …${want}`);
    assert.deepEqual(out.classes, ["WebhookVerificationError", "HookproofError"]);
    for (const [which, name, code] of [
      ["thrown", "WebhookVerificationError", tampered.error],
      ["made", "HookproofError", "invalid_argument"],
    ]) {
      const e = out[which];
      assert.ok(e, `${which}: nothing thrown`);
      assert.equal(e.code, code);
      assert.equal(e.name, name);
      assert.equal(e.constructor, name);
      assert.ok(e.instance);
      assert.match(e.string, new RegExp(`^${name}: `));
      assert.match(e.stack, new RegExp(`^${name}: `));
      // util.inspect prints `<constructor> [<name>]` when the two differ (a minified class).
      assert.match(e.inspect, new RegExp(`^${name}: `), e.inspect.split("\n")[0]);
      assert.doesNotMatch(e.inspect.split("\n")[0], /\[/);
      assert.match(e.inspect, /code: '/);
    }
    // The frames of the rejection map back to the package's sources (its shipped source maps).
    assert.match(out.thrown.stack, /\n\s+at .*\/hookproof\/src\/\w+\.js:\d+:\d+/, out.thrown.stack);
  });
}
