// Builds js/dist from the wrapper (src/), the three wasm-bindgen modules (pkg/, written by
// `make js`: `webhook` = the lean signature module, `webhook-v1a` = the same with ed25519 keys,
// `codat` = the rest of the core) and one small entry per host (src/entries/*).
//
//   dist/{index,v1a,codat}.{cjs,mjs} Node, Bun, Deno, bundlers: wasm bytes embedded, compiled
//                                  on first use; one copy per process serves every entry and
//                                  both formats (a registry, below)
//   dist/shared.mjs                errors, inputs, loading, Webhook: shared by the entries of
//                                  the ESM-only hosts below
//   dist/{workerd,edge-light}/*    import the .wasm as a compiled module (dist/*.wasm)
//   dist/browser/*                 embedded bytes, instantiated at import (top-level await)
//   dist/**/*.map                  source maps of every minified file (`node --enable-source-maps`,
//                                  bundlers, devtools map stack frames back to js/src); the
//                                  embedded wasm bytes are left out of their `sourcesContent`
//
// Either way a class or an installed module is one object whichever entry loaded it: the
// ESM-only hosts share one file, the Node entries one registered copy.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, deflateRawSync } from "node:zlib";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

const MODULES = { webhook: "hookproof_webhook_wasm", "webhook-v1a": "hookproof_webhook_wasm", codat: "hookproof_codat_wasm" };
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
  // The Redis scripts (src/redis/*.lua, the core's one copy) are inlined as text.
  loader: { ".lua": "text" },
  minify: true,
  legalComments: "none",
  // Minified names and positions are mapped back through these (linked: a `.map` beside each
  // file, read only by tools that ask for it; the loaded code grows by its one-line comment).
  sourcemap: "linked",
  target: "es2022",
  external: ["*.wasm", "*.wasm?module"],
  logLevel: "warning",
};

// Node, Bun, Deno and bundlers get each entry twice, as CommonJS (`require`) and as a plain ES
// module (`import`: an ES module over the CommonJS file made Node lex that file, embedded bytes
// included, on every cold start). One copy per process still serves both: each file registers
// what it exports under a global symbol (per version) the first time, and every later copy, in
// either format, exports what is registered, so classes, errors and installed modules are the
// same objects whichever entry and format loaded first.
const VERSION = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).version;
const universal = join(src, "entries/universal");

/** Adds `text` to the built file at `path`, before its closing `sourceMappingURL` comment. */
function beforeMapComment(path, text) {
  const code = readFileSync(path, "utf8");
  const at = code.lastIndexOf("//# sourceMappingURL=");
  writeFileSync(path, at < 0 ? code + text : code.slice(0, at) + text + code.slice(at));
}

/** The names a module exports, from an ES module build of it. */
async function exportsOf(entry, plugins = []) {
  const r = await build({ ...common, entryPoints: [entry], write: false, outdir: dist, format: "esm", platform: "neutral", metafile: true, plugins });
  return Object.values(r.metafile.outputs).find((o) => o.entryPoint !== undefined).exports.sort();
}

/** Module text that registers `path`'s exports under `name` once per process, then exports them. */
function registered(path, name, names) {
  return [
    `import * as own from ${JSON.stringify(path)};`,
    `const key = Symbol.for(${JSON.stringify(`hookproof@${VERSION}/${name}`)});`,
    "if (!Object.hasOwn(globalThis, key)) Object.defineProperty(globalThis, key, { value: own });",
    `export const { ${names.join(", ")} } = globalThis[key];`,
  ].join("\n");
}

const internal = join(src, "internal.js");
const internalPaths = new Set(INTERNAL.map((f) => join(src, f)));
const internalNames = await exportsOf(internal);
/**
 * Each Node entry carries the internals inline (one file to load), reached through the registry:
 * imports of them from outside resolve to a module that exports the registered copy.
 * `index` is where imports of the universal index go (the built index, left external).
 */
function viaRegistry(index) {
  return {
    name: "hookproof-registry",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind === "entry-point") return undefined;
        const path = resolve(args.resolveDir, args.path);
        if (index !== undefined && path === join(universal, "index.js")) return { path: index, external: true };
        if (internalPaths.has(path) && !internalPaths.has(args.importer)) return { path: "internal", namespace: "hookproof-registry" };
        return undefined;
      });
      b.onResolve({ filter: /^hookproof:own-internal$/ }, () => ({ path: internal }));
      b.onLoad({ filter: /.*/, namespace: "hookproof-registry" }, () => ({
        contents: registered("hookproof:own-internal", "internal", internalNames),
        resolveDir: here,
      }));
    },
  };
}

// Each entry's names, the same in both formats (`export * from "./index.js"` stays an import of
// the built index, whose names esbuild does not list, so they are added).
const entryNames = {};
for (const entry of ENTRIES) {
  const own = await exportsOf(join(universal, `${entry}.js`), [viaRegistry(entry === "index" ? undefined : "./index.mjs")]);
  entryNames[entry] = [...new Set([...own, ...(entryNames.index ?? [])])].sort();
}
for (const [format, ext] of [["cjs", "cjs"], ["esm", "mjs"]]) {
  for (const entry of ENTRIES) {
    const plugins = [viaRegistry(entry === "index" ? undefined : `./index.${ext}`)];
    const path = join(universal, `${entry}.js`);
    const names = entryNames[entry];
    const stdin = { contents: registered(path, entry, names), resolveDir: here, sourcefile: `${entry}.js` };
    await build({ ...common, stdin, outfile: join(dist, `${entry}.${ext}`), format, platform: "neutral", plugins });
    // Node's CommonJS lexer finds named exports in this annotation (esbuild drops its own when
    // minifying), so `import { Webhook } from ".../index.cjs"` works too.
    if (format === "cjs") beforeMapComment(join(dist, `${entry}.cjs`), `0&&(module.exports={${names.join(",")}});\n`);
  }
}

// workerd, Vercel/Next edge, browsers: ESM only, so the shared internals are one plain module
// (dist/shared.mjs), which their bundlers can tree-shake.
await build({ ...common, entryPoints: [internal], outfile: join(dist, "shared.mjs"), format: "esm", platform: "neutral" });

// workerd, Vercel/Next edge, browsers: ESM per host.
for (const host of ["workerd", "edge-light", "browser"]) {
  const dir = join(src, "entries", host);
  for (const entry of ENTRIES) {
    const map = new Map([...INTERNAL.map((f) => [join(src, f), "../shared.mjs"]), [join(dir, "index.js"), "./index.mjs"]]);
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

// Nitro's worker presets without its wasm plugin: a build that fails naming the one line to add
// (the `workerd` → `wintercg` condition in package.json), copied as it is.
copyFileSync(join(src, "entries/needs-wasm.mjs"), join(dist, "workerd/needs-wasm.mjs"));

// The shared stores: they import the package itself (`hookproof/codat`, resolved by the
// user's runtime or bundler with its own conditions), so they share its instance.
const selfReference = ["hookproof", "hookproof/*", "cloudflare:workers"];
await build({ ...common, external: [...common.external, ...selfReference], entryPoints: [join(src, "entries/durable-object.js")], outfile: join(dist, "durable-object.mjs"), format: "esm", platform: "neutral" });
for (const [format, ext] of [["esm", "mjs"], ["cjs", "cjs"]]) {
  await build({ ...common, external: [...common.external, ...selfReference], entryPoints: [join(src, "entries/redis.js")], outfile: join(dist, `redis.${ext}`), format, platform: "node" });
}
const redisNames = Object.keys(await import(join(dist, "redis.mjs"))).sort();
beforeMapComment(join(dist, "redis.cjs"), `0&&(module.exports={${redisNames.join(",")}});\n`);

// The embedded wasm bytes (pkg/*/{brotli,deflate}.js, one base64 string each) would double the
// maps' size as `sourcesContent`; they are left out (a stack frame never points into them).
for (const entry of readdirSync(dist, { recursive: true })) {
  if (!entry.endsWith(".map")) continue;
  const map = JSON.parse(readFileSync(join(dist, entry), "utf8"));
  map.sourcesContent = map.sourcesContent?.map((text, i) => (/pkg\/[^/]+\/(brotli|deflate)\.js$/.test(map.sources[i]) ? null : text));
  writeFileSync(join(dist, entry), JSON.stringify(map));
}

// Declarations: the same text for import and require.
for (const name of ["index", "v1a", "codat", "redis"]) {
  const text = readFileSync(join(here, `${name}.d.ts`), "utf8");
  writeFileSync(join(here, `${name}.d.cts`), text.replace(/from "\.\/(\w+)\.js"/g, 'from "./$1.cjs"'));
}
console.log(`js/dist: ${ENTRIES.length} entries × 4 hosts, internal modules and ${Object.keys(MODULES).length} wasm modules`);
