// Bundles a worker the way wrangler does: esbuild, the `workerd` export condition, the
// package resolved from the throwaway project the packed tarball was installed into, and the
// .wasm files left as separate CompiledWasm modules beside the bundle (wrangler's module
// collection does the same: resolve, copy, import by the new name).
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { projects } from "../js/install.mjs";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Writes `<outDir>/worker.mjs` (+ the package's .wasm) and returns its path. */
export async function bundleWorker(entry, outDir, { conditions = ["workerd", "worker", "browser"], format = "esm", extraNodePaths = [] } = {}) {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, format === "iife" ? "worker.js" : "worker.mjs");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format,
    platform: "neutral",
    conditions,
    mainFields: ["module", "main"],
    nodePaths: [join(projects.worker, "node_modules"), ...extraNodePaths],
    external: ["cloudflare:*"],
    plugins: [compiledWasm(outDir)],
    logLevel: "warning",
  });
  return outfile;
}

/** `import x from "…/name.wasm"` → the file copied to `outDir`, imported as `./name.wasm`. */
export function compiledWasm(outDir) {
  return {
    name: "compiled-wasm",
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (args) => {
        const file = resolve(args.resolveDir, args.path);
        copyFileSync(file, join(outDir, basename(file)));
        return { path: `./${basename(file)}`, external: true };
      });
    },
  };
}

/** Bundles `entry` for Vercel's edge runtime (the `edge-light` condition) as an IIFE exposing
 * `globalName`. As on Vercel, `import wasm from "./x.wasm?module"` yields a WebAssembly.Module:
 * each such import reads `globalThis.__hookproofWasmModules[<file name>]`, which the caller
 * fills (see `compileInSandbox`). Returns the code and the .wasm files by name. */
export async function bundleEdgeLight(entry, globalName) {
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
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "iife",
    globalName,
    platform: "neutral",
    conditions: ["edge-light", "worker", "browser"],
    mainFields: ["module", "main"],
    nodePaths: [join(projects.worker, "node_modules")],
    plugins: [wasmModulePlugin],
    logLevel: "warning",
  });
  return { code: bundled.outputFiles[0].text, modules };
}

/** Compiles each .wasm inside an edge-runtime sandbox's own realm, as Vercel does. */
export function compileInSandbox(runtime, modules) {
  runtime.evaluate("globalThis.__hookproofWasmModules = {};");
  for (const [name, file] of modules) {
    runtime.context.__hookproofWasmBytes = new Uint8Array(readFileSync(file));
    runtime.evaluate(`globalThis.__hookproofWasmModules[${JSON.stringify(name)}] = new WebAssembly.Module(globalThis.__hookproofWasmBytes);`);
  }
}
