// The instance's linear memory, attached by each entry point after instantiation.
let memory;

export function attach(exports) {
  memory = exports.memory;
}

/** Bytes of WebAssembly linear memory in use by this instance (it only grows). */
export function wasmMemoryBytes() {
  return memory ? memory.buffer.byteLength : 0;
}
