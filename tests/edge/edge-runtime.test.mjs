// Vercel's Edge Runtime, from the npm `edge-runtime` package: the vector suite inside its
// sandbox, through the package's `edge-light` entry. As on Vercel, `import wasm from
// "./x.wasm?module"` yields a WebAssembly.Module; here it is compiled inside the sandbox so
// it belongs to the sandbox's realm.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import { projects } from "../js/install.mjs";
import { root } from "./bundle.mjs";

// Every `?module` import becomes a WebAssembly.Module compiled inside the sandbox.
const modules = new Map();
const wasmModulePlugin = {
  name: "vercel-wasm-module",
  setup(b) {
    b.onResolve({ filter: /\.wasm\?module$/ }, (args) => {
      const file = resolve(args.resolveDir, args.path.replace(/\?module$/, ""));
      modules.set(basename(file), file);
      return { path: basename(file), namespace: "wasm-module" };
    });
    b.onLoad({ filter: /.*/, namespace: "wasm-module" }, (args) => ({
      contents: `export default globalThis.__hookproofWasmModules[${JSON.stringify(args.path)}];`,
      loader: "js",
    }));
  },
};

async function bundleSuite() {
  const bundled = await build({
    entryPoints: [join(root, "tests/edge/vectors-entry.mjs")],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "__hookproofVectors",
    platform: "neutral",
    conditions: ["edge-light", "worker", "browser"],
    mainFields: ["module", "main"],
    nodePaths: [join(projects.worker, "node_modules")],
    plugins: [wasmModulePlugin],
    logLevel: "warning",
  });
  const code = bundled.outputFiles[0].text;
  assert.match(code, /__hookproofWasmModules/);
  assert.ok(modules.size >= 2, `modules imported: ${[...modules.keys()]}`);
  return code;
}

function runSuite(runtime, code) {
  runtime.evaluate(code);
  const result = JSON.parse(runtime.evaluate("JSON.stringify(__hookproofVectors.run())"));
  assert.deepEqual(result.failures, []);
  assert.ok(result.total >= 400, `only ${result.total}`);
  // The sandbox is a real edge runtime: no Node globals leak in.
  assert.equal(runtime.evaluate("typeof process === 'undefined' && typeof Buffer === 'undefined' && typeof require === 'undefined'"), true);
}

test("the vector suite runs green inside edge-runtime", async () => {
  const code = await bundleSuite();
  const runtime = new EdgeRuntime();
  runtime.evaluate("globalThis.__hookproofWasmModules = {};");
  for (const [name, file] of modules) {
    runtime.context.__hookproofWasmBytes = new Uint8Array(readFileSync(file));
    runtime.evaluate(`globalThis.__hookproofWasmModules[${JSON.stringify(name)}] = new WebAssembly.Module(globalThis.__hookproofWasmBytes);`);
  }
  runSuite(runtime, code);
});

// Next.js's edge sandbox compiles `?module` imports outside the sandbox's realm: the module
// fails `instanceof WebAssembly.Module` inside it (what broke `next build` in 0.1.0). The
// package instantiates what it is given without that check.
test("modules compiled in another realm, as Next.js's edge sandbox hands them over", async () => {
  const code = await bundleSuite();
  const runtime = new EdgeRuntime();
  const foreign = {};
  for (const [name, file] of modules) foreign[name] = new WebAssembly.Module(readFileSync(file));
  runtime.context.__hookproofWasmModules = foreign;
  assert.equal(runtime.evaluate(`Object.values(globalThis.__hookproofWasmModules).every((m) => m instanceof WebAssembly.Module)`), false);
  runSuite(runtime, code);
});
