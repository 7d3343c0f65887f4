// Host: the npm package inside Vercel's edge-runtime sandbox (its `edge-light` entries, each
// `.wasm?module` import a WebAssembly.Module compiled inside the sandbox's realm, as on
// Vercel), bundled from the packed tarball's throwaway project. Each batch crosses into the
// sandbox as one string.
import { readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { EdgeRuntime } from "edge-runtime";
import { build } from "esbuild";
import { projects } from "../../js/install.mjs";
import { serve } from "./serve.mjs";

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
runtime.evaluate("globalThis.__hookproofWasmModules = {};");
for (const [name, file] of modules) {
  runtime.context.__hookproofWasmBytes = new Uint8Array(readFileSync(file));
  runtime.evaluate(`globalThis.__hookproofWasmModules[${JSON.stringify(name)}] = new WebAssembly.Module(globalThis.__hookproofWasmBytes);`);
}
runtime.evaluate(bundled.outputFiles[0].text);
if (runtime.evaluate("typeof process !== 'undefined' || typeof require !== 'undefined'")) throw new Error("Node globals inside the sandbox");
serve((lines) => {
  runtime.context.__batch = lines.join("\n");
  const text = runtime.evaluate("__hookproofDifferential.run(__batch)");
  return text.length ? text.split("\n") : [];
});
