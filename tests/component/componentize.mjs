// `make component`: wraps the core module built from crates/hookproof-component into a
// component (the WIT is embedded by wit-bindgen), writes dist/hookproof.component.wasm, and
// proves the world imports nothing.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, wasmTools } from "./jco.mjs";

const core = readFileSync(join(root, "target/wasm32-unknown-unknown/release/hookproof_component.wasm"));
const component = await wasmTools.componentNew(core);
const wit = await wasmTools.componentWit(component);
const imports = wit.split("\n").filter((line) => /^\s*import\s/.test(line));
if (imports.length > 0) {
  console.error(`the component imports:\n${imports.join("\n")}`);
  process.exit(1);
}
const EXPORTS = ["signatures", "authorization", "delivery", "routing", "guards", "acceptance", "consumer"];
for (const name of EXPORTS) {
  if (!new RegExp(`export hookproof:webhooks/${name}@0\\.1\\.0;`).test(wit)) {
    console.error(`the component does not export ${name}:\n${wit}`);
    process.exit(1);
  }
}
mkdirSync(join(root, "dist"), { recursive: true });
writeFileSync(join(root, "dist/hookproof.component.wasm"), component);
writeFileSync(join(root, "dist/hookproof.component.wit"), wit);
console.log(`dist/hookproof.component.wasm: ${component.length} bytes, ${EXPORTS.length} exports, 0 imports`);
