// Builds js/dist from the wrapper (src/), the three wasm-bindgen modules (pkg/, written by
// `make js`: `webhook` = the lean signature module, `webhook-v1a` = the same with ed25519 keys,
// `codat` = the rest of the core) and one small entry per host (src/entries/*).
//
//   dist/internal.{cjs,mjs}        errors, inputs, loading, Webhook: shared by every entry
//   dist/{index,v1a,codat}.cjs     Node, Bun, Deno, bundlers: wasm bytes embedded, compiled
//   dist/{index,v1a,codat}.mjs       on first use; the .mjs re-export the .cjs (one instance)
//   dist/{workerd,edge-light}/*    import the .wasm as a compiled module (dist/*.wasm)
//   dist/browser/*                 embedded bytes, instantiated at import (top-level await)
//
// Shared modules stay separate files (never copied into two bundles), so a class or an
// installed module is one object whichever entry loaded it.
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, deflateRawSync } from "node:zlib";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

const MODULES = { webhook: "hookproof_webhook_wasm", "webhook-v1a": "hookproof_webhook_wasm", codat: "hookproof_wasm" };
const ENTRIES = ["index", "v1a", "codat"];
// The modules of src/internal.js: whichever entry imports one gets the shared copy.
const INTERNAL = ["internal.js", "errors.js", "input.js", "load.js", "webhook.js"];

// The wasm bytes, compressed, as base64 modules for the entries that embed them: brotli for
// Node, Bun and Deno (decompressed natively by node:zlib, so the embedded copy costs no more to
// ship than the .wasm file gzipped would), deflate-raw for browsers (DecompressionStream).
for (const [dir, name] of Object.entries(MODULES)) {
  const wasm = readFileSync(join(here, "pkg", dir, `${name}_bg.wasm`));
  const brotli = brotliCompressSync(wasm, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: wasm.length },
  });
  const deflate = deflateRawSync(wasm, { level: 9 });
  writeFileSync(join(here, "pkg", dir, "brotli.js"), `export default ${JSON.stringify(brotli.toString("base64"))};\n`);
  writeFileSync(join(here, "pkg", dir, "deflate.js"), `export default ${JSON.stringify(deflate.toString("base64"))};\n`);
  copyFileSync(join(here, "pkg", dir, `${name}_bg.wasm`), join(dist, `${dir}.wasm`));
}

/** Imports of `sources` (absolute paths) become imports of `target`, left external. */
function shared(map) {
  return {
    name: "hookproof-shared",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind === "entry-point") return undefined;
        const target = map.get(resolve(args.resolveDir, args.path));
        return target === undefined ? undefined : { path: target, external: true };
      });
    },
  };
}

const common = {
  bundle: true,
  minify: true,
  legalComments: "none",
  target: "es2022",
  external: ["*.wasm", "*.wasm?module"],
  logLevel: "warning",
};

// Shared modules.
await build({ ...common, entryPoints: [join(src, "internal.js")], outfile: join(dist, "internal.cjs"), format: "cjs", platform: "neutral" });
await build({ ...common, entryPoints: [join(src, "internal.js")], outfile: join(dist, "internal.mjs"), format: "esm", platform: "neutral" });

// Node, Bun, Deno, bundlers: CommonJS, with ESM wrappers over it.
const universal = join(src, "entries/universal");
for (const entry of ENTRIES) {
  const map = new Map([...INTERNAL.map((f) => [join(src, f), "./internal.cjs"]), [join(universal, "index.js"), "./index.cjs"]]);
  await build({
    ...common,
    entryPoints: [join(universal, `${entry}.js`)],
    outfile: join(dist, `${entry}.cjs`),
    format: "cjs",
    platform: "neutral",
    plugins: [shared(map)],
  });
}
const require = createRequire(import.meta.url);
for (const entry of ENTRIES) {
  const names = Object.keys(require(join(dist, `${entry}.cjs`))).sort();
  // Node's CommonJS lexer finds named exports in this annotation (esbuild drops its own when
  // minifying), so `import { Webhook } from ".../index.cjs"` works too.
  appendFileSync(join(dist, `${entry}.cjs`), `0&&(module.exports={${names.join(",")}});\n`);
  writeFileSync(
    join(dist, `${entry}.mjs`),
    `import m from "./${entry}.cjs";\nexport const { ${names.join(", ")} } = m;\n`,
  );
}

// workerd, Vercel/Next edge, browsers: ESM per host.
for (const host of ["workerd", "edge-light", "browser"]) {
  const dir = join(src, "entries", host);
  for (const entry of ENTRIES) {
    const map = new Map([...INTERNAL.map((f) => [join(src, f), "../internal.mjs"]), [join(dir, "index.js"), "./index.mjs"]]);
    await build({
      ...common,
      entryPoints: [join(dir, `${entry}.js`)],
      outfile: join(dist, host, `${entry}.mjs`),
      format: "esm",
      platform: "neutral",
      plugins: [shared(map)],
    });
  }
}

// The shared stores: they import the package itself (`hookproof/codat`, resolved by the
// user's runtime or bundler with its own conditions), so they share its instance.
const selfReference = ["hookproof", "hookproof/*", "cloudflare:workers"];
await build({ ...common, external: [...common.external, ...selfReference], entryPoints: [join(src, "entries/durable-object.js")], outfile: join(dist, "durable-object.mjs"), format: "esm", platform: "neutral" });
for (const [format, ext] of [["esm", "mjs"], ["cjs", "cjs"]]) {
  await build({ ...common, external: [...common.external, ...selfReference], entryPoints: [join(src, "entries/redis.js")], outfile: join(dist, `redis.${ext}`), format, platform: "node" });
}
const redisNames = Object.keys(await import(join(dist, "redis.mjs"))).sort();
appendFileSync(join(dist, "redis.cjs"), `0&&(module.exports={${redisNames.join(",")}});\n`);

// Declarations: the same text for import and require.
for (const name of ["index", "v1a", "codat", "redis"]) {
  const text = readFileSync(join(here, `${name}.d.ts`), "utf8");
  writeFileSync(join(here, `${name}.d.cts`), text.replace(/from "\.\/(\w+)\.js"/g, 'from "./$1.cjs"'));
}
console.log(`js/dist: ${ENTRIES.length} entries × 4 hosts, internal modules and ${Object.keys(MODULES).length} wasm modules`);
