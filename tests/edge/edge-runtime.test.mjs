// Vercel's Edge Runtime, from the npm `edge-runtime` package: the vector suite inside its
// sandbox, through the package's `edge-light` entry. As on Vercel, `import wasm from
// "./x.wasm?module"` yields a WebAssembly.Module; here it is compiled inside the sandbox so
// it belongs to the sandbox's realm.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import { projects } from "../js/install.mjs";
import { root } from "./bundle.mjs";

const wasmModulePlugin = {
  name: "vercel-wasm-module",
  setup(b) {
    b.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({ path: args.path, namespace: "wasm-module" }));
    b.onLoad({ filter: /.*/, namespace: "wasm-module" }, () => ({
      contents: "export default globalThis.__hookproofWasmModule;",
      loader: "js",
    }));
  },
};

test("the vector suite runs green inside edge-runtime", async () => {
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
  assert.match(code, /\?module|__hookproofWasmModule/);
  const wasm = readFileSync(join(projects.worker, "node_modules/hookproof/dist/hookproof_bg.wasm"));
  const runtime = new EdgeRuntime();
  runtime.context.__hookproofWasmBytes = new Uint8Array(wasm);
  runtime.evaluate("globalThis.__hookproofWasmModule = new WebAssembly.Module(globalThis.__hookproofWasmBytes);");
  runtime.evaluate(code);
  const result = JSON.parse(runtime.evaluate("JSON.stringify(__hookproofVectors.run())"));
  assert.deepEqual(result.failures, []);
  assert.ok(result.total >= 400, `only ${result.total}`);
  // The sandbox is a real edge runtime: no Node globals leak in.
  assert.equal(runtime.evaluate("typeof process === 'undefined' && typeof Buffer === 'undefined' && typeof require === 'undefined'"), true);
});
