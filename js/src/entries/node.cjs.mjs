// Node (require): the same, located with __dirname; bundled to CommonJS.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "../../pkg/hookproof.js";
import { attach } from "../memory.js";

attach(initSync({ module: readFileSync(join(__dirname, "hookproof_bg.wasm")) }));
export * from "../api.js";
