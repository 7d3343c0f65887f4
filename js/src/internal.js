// The modules every entry point shares (one copy per format, so classes and installed wasm
// modules are the same object whichever entry loaded them first).
export * from "./errors.js";
export * from "./input.js";
export * from "./load.js";
export * from "./webhook.js";
