// JS check: the runtime exports of every entry equal what its declarations (index.d.ts,
// codat.d.ts, v1a.d.ts) declare, and every host's build of an entry exports the same names.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const js = join(root, "js");
const require = createRequire(import.meta.url);

function declared(file, seen = new Set()) {
  const dts = readFileSync(join(js, file), "utf8");
  const names = new Set([...dts.matchAll(/^export (?:declare )?(?:class|function|const) (\w+)/gm)].map((m) => m[1]));
  for (const [, from] of dts.matchAll(/^export \* from "\.\/(\w+)\.js";/gm)) {
    if (!seen.has(from)) for (const n of declared(`${from}.d.ts`, seen.add(from))) names.add(n);
  }
  return names;
}

let failed = false;
for (const entry of ["index", "codat", "v1a"]) {
  const want = declared(`${entry}.d.ts`);
  const runtime = new Set(Object.keys(require(join(js, "dist", `${entry}.cjs`))));
  const esm = new Set(Object.keys(await import(join(js, "dist", `${entry}.mjs`))));
  const missing = [...runtime].filter((n) => !want.has(n));
  const extra = [...want].filter((n) => !runtime.has(n));
  if (missing.length || extra.length) {
    console.error(`${entry}.d.ts out of sync: undeclared ${JSON.stringify(missing)}, not exported ${JSON.stringify(extra)}`);
    failed = true;
  }
  if ([...runtime].sort().join() !== [...esm].sort().join()) {
    console.error(`dist/${entry}.mjs and dist/${entry}.cjs export different names`);
    failed = true;
  }
  // The other hosts' builds of this entry export the same names (checked in their text: they
  // import .wasm modules or await at the top level, so they are not loaded here).
  for (const host of ["workerd", "edge-light", "browser"]) {
    const text = readFileSync(join(js, "dist", host, `${entry}.mjs`), "utf8");
    const exported = new Set();
    for (const [, list] of text.matchAll(/export\s*\{([^}]*)\}/g)) {
      for (const item of list.split(",")) {
        const name = item.trim().split(/\s+as\s+/).pop();
        if (name) exported.add(name);
      }
    }
    const stars = [...text.matchAll(/export\s*\*\s*from\s*"\.\/(\w+)\.mjs"/g)].map((m) => m[1]);
    for (const from of stars) {
      const other = readFileSync(join(js, "dist", host, `${from}.mjs`), "utf8");
      for (const [, list] of other.matchAll(/export\s*\{([^}]*)\}/g)) {
        for (const item of list.split(",")) exported.add(item.trim().split(/\s+as\s+/).pop());
      }
    }
    const absent = [...runtime].filter((n) => !exported.has(n));
    if (absent.length) {
      console.error(`dist/${host}/${entry}.mjs does not export ${JSON.stringify(absent)}`);
      failed = true;
    }
  }
  console.log(`${entry}: ${runtime.size} exports, declared and identical on every host`);
}
if (failed) process.exit(1);
