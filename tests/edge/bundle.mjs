// Bundles a worker the way wrangler does: esbuild, the `workerd` export condition, the
// package resolved from the throwaway project the packed tarball was installed into, and the
// .wasm left as a separate CompiledWasm module beside the bundle.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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
    external: ["*.wasm", "cloudflare:*"],
    logLevel: "warning",
  });
  copyFileSync(join(projects.worker, "node_modules/hookproof/dist/hookproof_bg.wasm"), join(outDir, "hookproof_bg.wasm"));
  return outfile;
}
