// Host: the npm package inside Vercel's edge-runtime sandbox (its `edge-light` entry, the .wasm
// imported with `?module` as on Vercel, compiled inside the sandbox's realm), bundled from the
// packed tarball's throwaway project. Each batch crosses into the sandbox as one string.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeRuntime } from "edge-runtime";
import { build } from "esbuild";
import { projects } from "../../js/install.mjs";
import { serve } from "./serve.mjs";

const wasmModulePlugin = {
  name: "vercel-wasm-module",
  setup(b) {
    b.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({ path: args.path, namespace: "wasm-module" }));
    b.onLoad({ filter: /.*/, namespace: "wasm-module" }, () => ({ contents: "export default globalThis.__hookproofWasmModule;", loader: "js" }));
  },
};

const bundled = await build({
  entryPoints: [process.argv[2]],
  bundle: true,
  write: false,
  format: "iife",
  globalName: "__hookproofDifferential",
  platform: "neutral",
  conditions: ["edge-light", "worker", "browser"],
  mainFields: ["module", "main"],
  nodePaths: [join(projects.worker, "node_modules")],
  plugins: [wasmModulePlugin],
  logLevel: "warning",
});
const runtime = new EdgeRuntime();
runtime.context.__hookproofWasmBytes = new Uint8Array(readFileSync(join(projects.worker, "node_modules/hookproof/dist/hookproof_bg.wasm")));
runtime.evaluate("globalThis.__hookproofWasmModule = new WebAssembly.Module(globalThis.__hookproofWasmBytes);");
runtime.evaluate(bundled.outputFiles[0].text);
if (runtime.evaluate("typeof process !== 'undefined' || typeof require !== 'undefined'")) throw new Error("Node globals inside the sandbox");
serve((lines) => {
  runtime.context.__batch = lines.join("\n");
  const text = runtime.evaluate("__hookproofDifferential.run(__batch)");
  return text.length ? text.split("\n") : [];
});
