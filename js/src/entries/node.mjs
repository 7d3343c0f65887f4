// Node (import): compile the wasm synchronously from the file beside this bundle.
import { readFileSync } from "node:fs";
import { initSync } from "../../pkg/hookproof.js";
import { attach } from "../memory.js";

attach(initSync({ module: readFileSync(new URL("./hookproof_bg.wasm", import.meta.url)) }));
export * from "../api.js";
