// JS check: the runtime exports of every entry equal what index.d.ts declares.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dts = readFileSync(join(root, "js/index.d.ts"), "utf8");
const declared = new Set([...dts.matchAll(/^export (?:declare )?(?:class|function|const) (\w+)/gm)].map((m) => m[1]));
const api = await import(join(root, "js/dist/node.mjs"));
const runtime = new Set(Object.keys(api));
const missing = [...runtime].filter((n) => !declared.has(n));
const extra = [...declared].filter((n) => !runtime.has(n));
if (missing.length || extra.length) {
  console.error(`index.d.ts out of sync: undeclared ${JSON.stringify(missing)}, not exported ${JSON.stringify(extra)}`);
  process.exit(1);
}
// Every entry bundle exports the same names.
for (const entry of ["workerd.mjs", "deno.mjs", "edge-light.mjs", "browser.mjs"]) {
  const text = readFileSync(join(root, "js/dist", entry), "utf8");
  for (const name of runtime) {
    if (!new RegExp(`\\bas ${name}\\b|\\b${name}\\b`).test(text)) {
      console.error(`${entry} does not export ${name}`);
      process.exit(1);
    }
  }
}
console.log(`index.d.ts declares exactly the ${runtime.size} runtime exports`);
