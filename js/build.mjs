// Bundles one self-contained file per host entry (src/entries/*) around the shared wrapper
// (src/api.js) and the wasm-bindgen glue (pkg/, written by `make js`), then copies the .wasm.
// Run by `make js`; the result, dist/, is what `npm pack` ships.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

const common = {
  bundle: true,
  minify: true,
  legalComments: "none",
  target: "es2022",
  external: ["*.wasm", "*.wasm?module", "node:*", "hookproof", "cloudflare:workers"],
  logLevel: "warning",
};
const entries = [
  ["node.mjs", "node.mjs", "esm", "node"],
  ["node.cjs.mjs", "node.cjs", "cjs", "node"],
  ["workerd.mjs", "workerd.mjs", "esm", "neutral"],
  ["edge-light.mjs", "edge-light.mjs", "esm", "neutral"],
  ["deno.mjs", "deno.mjs", "esm", "neutral"],
  ["browser.mjs", "browser.mjs", "esm", "browser"],
  ["durable-object.mjs", "durable-object.mjs", "esm", "neutral"],
  ["redis.mjs", "redis.mjs", "esm", "node"],
  ["redis.mjs", "redis.cjs", "cjs", "node"],
];
for (const [source, out, format, platform] of entries) {
  await build({
    ...common,
    entryPoints: [join(here, "src/entries", source)],
    outfile: join(dist, out),
    format,
    platform,
    // The glue's async loader (unused by the CommonJS entry) mentions import.meta.
    logOverride: { "empty-import-meta": "silent" },
  });
}
copyFileSync(join(here, "pkg/hookproof_bg.wasm"), join(dist, "hookproof_bg.wasm"));
copyFileSync(join(here, "index.d.ts"), join(here, "index.d.cts"));
copyFileSync(join(here, "redis.d.ts"), join(here, "redis.d.cts"));
console.log(`js/dist: ${entries.length} entries and hookproof_bg.wasm`);
