// Vercel's Edge Runtime, from the npm `edge-runtime` package: the vector suite inside its
// sandbox, through the package's `edge-light` entry. As on Vercel, `import wasm from
// "./x.wasm?module"` yields a WebAssembly.Module; here it is compiled inside the sandbox so
// it belongs to the sandbox's realm.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { EdgeRuntime } from "edge-runtime";
import { bundleEdgeLight, compileInSandbox, root } from "./bundle.mjs";

async function bundleSuite() {
  const { code, modules } = await bundleEdgeLight(join(root, "tests/edge/vectors-entry.mjs"), "__hookproofVectors");
  assert.match(code, /__hookproofWasmModules/);
  assert.ok(modules.size >= 2, `modules imported: ${[...modules.keys()]}`);
  return { code, modules };
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
  const { code, modules } = await bundleSuite();
  const runtime = new EdgeRuntime();
  compileInSandbox(runtime, modules);
  runSuite(runtime, code);
});

// Next.js's edge sandbox compiles `?module` imports outside the sandbox's realm: the module
// fails `instanceof WebAssembly.Module` inside it (what broke `next build` in 0.1.0). The
// package instantiates what it is given without that check.
test("modules compiled in another realm, as Next.js's edge sandbox hands them over", async () => {
  const { code, modules } = await bundleSuite();
  const runtime = new EdgeRuntime();
  const foreign = {};
  for (const [name, file] of modules) foreign[name] = new WebAssembly.Module(readFileSync(file));
  runtime.context.__hookproofWasmModules = foreign;
  assert.equal(runtime.evaluate(`Object.values(globalThis.__hookproofWasmModules).every((m) => m instanceof WebAssembly.Module)`), false);
  runSuite(runtime, code);
});
