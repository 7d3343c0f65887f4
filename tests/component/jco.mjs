// Loads jco's transpile library (`@bytecodealliance/jco-transpile`, the componentize, WIT and
// transpile half of jco), installed by `make setup-jco` from tests/component/tools/package-lock.json.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const pkg = join(root, "target/tools/jco/node_modules/@bytecodealliance/jco-transpile/dist");
export const jco = await import(pathToFileURL(join(pkg, "index.js")).href);
export const wasmTools = await import(pathToFileURL(join(pkg, "wasm-tools.js")).href);

/** jco's generated glue lifts every `string` with `new TextDecoder()`, whose default drops a
 *  leading U+FEFF as a byte-order mark, so a string that begins with one reaches JavaScript one
 *  character short (events.json has the vector). The fix is the decoder the WHATWG spec gives
 *  for text that is not a whole document: `ignoreBOM: true`. */
export const JCO_DECODER = "new TextDecoder()";
export const FIXED_DECODER = 'new TextDecoder("utf-8", { ignoreBOM: true })';

/** Transpiles the component into `dir` (an ES module package) and applies the decoder fix to
 *  the glue; returns how many decoders were fixed (0 once jco fixes it upstream). */
export async function transpile(component, dir, { fixDecoder = true } = {}) {
  const { files } = await jco.transpileBytes(component, { name: "hookproof" });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  let fixed = 0;
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    let contents = bytes;
    if (fixDecoder && name.endsWith(".js")) {
      const text = new TextDecoder().decode(bytes);
      fixed += text.split(JCO_DECODER).length - 1;
      contents = text.replaceAll(JCO_DECODER, FIXED_DECODER);
    }
    writeFileSync(join(dir, name), contents);
  }
  return fixed;
}
