// Bundles a worker the way wrangler does: esbuild, the `workerd` export condition, the
// package resolved from the throwaway project the packed tarball was installed into, and the
// .wasm files left as separate CompiledWasm modules beside the bundle (wrangler's module
// collection does the same: resolve, copy, import by the new name).
import { copyFileSync, mkdirSync } from "node:fs";
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
