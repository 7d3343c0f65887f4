// Browsers and bundlers: fetch and compile once at import (top-level await); every call after
// that is synchronous.
import init from "../../pkg/hookproof.js";
import { attach } from "../memory.js";

attach(await init({ module_or_path: new URL("./hookproof_bg.wasm", import.meta.url) }));
export * from "../api.js";
