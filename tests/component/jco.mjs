// Loads jco's transpile library (`@bytecodealliance/jco-transpile`, the componentize, WIT and
// transpile half of jco), installed by `make setup-jco` beside the lockfile.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const pkg = join(root, "target/tools/jco/node_modules/@bytecodealliance/jco-transpile/dist");
export const jco = await import(pathToFileURL(join(pkg, "index.js")).href);
export const wasmTools = await import(pathToFileURL(join(pkg, "wasm-tools.js")).href);
