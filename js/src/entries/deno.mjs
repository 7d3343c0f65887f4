// Deno: read the .wasm beside this bundle synchronously (needs read access to the package).
import { initSync } from "../../pkg/hookproof.js";
import { attach } from "../memory.js";

attach(initSync({ module: Deno.readFileSync(new URL("./hookproof_bg.wasm", import.meta.url)) }));
export * from "../api.js";
