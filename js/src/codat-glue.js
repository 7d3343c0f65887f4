// The `codat` wasm module's glue, installed by each entry point of `hookproof/codat`; every
// function of the Codat toolkit reaches the module through `codat()`.
let glue;
let ready;

/** Called by entry points: `instantiate()` runs on first use. */
export default function installCodat(moduleGlue, instantiate) {
  glue = moduleGlue;
  ready = instantiate;
}

/** The module's glue, instantiated. */
export function codat() {
  ready();
  return glue;
}
