// Vercel Edge: `?module` imports a .wasm file as a compiled WebAssembly.Module.
import wasm from "./hookproof_bg.wasm?module";
import { initSync } from "../../pkg/hookproof.js";
import { attach } from "../memory.js";

attach(initSync({ module: wasm }));
export * from "../api.js";
