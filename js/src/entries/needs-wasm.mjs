// Nitro (and Nuxt, SolidStart, Analog… on Nitro) resolves the `workerd` condition for its
// worker presets, then bundles with Rollup, which reads only JavaScript: hookproof's workerd
// build imports its WebAssembly as a module, and Rollup takes that only through Nitro's wasm
// plugin (unwasm), on with `experimental.wasm`. Without it Nitro resolves this file (the
// `wintercg` condition, which only Nitro adds), whose one import fails the build naming the
// line to add. With it, the `unwasm` condition picks the build that imports `.wasm?module`.
import "hookproof needs Nitro's wasm support: add `experimental: { wasm: true }` to nitro.config, or `nitro: { experimental: { wasm: true } }` to nuxt.config";
