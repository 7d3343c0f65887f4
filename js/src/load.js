// Instantiates a wasm-bindgen module (built with `--target bundler`) from whatever the host
// gives: a compiled WebAssembly.Module (workerd, Vercel/Next edge: imported as a module, maybe
// from another realm, so never checked with `instanceof`) or the module's bytes, which the
// package embeds compressed (see js/build.mjs).
import { HookproofError } from "./errors.js";

/** The bytes of base64 text embedded in the package (no `Buffer` needed). */
export function decodeBase64(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const B = globalThis.Buffer;
  if (typeof B === "function" && typeof B.from === "function") {
    const b = B.from(text, "base64");
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** The wasm bytes from their embedded form: base64 of brotli, decompressed by node:zlib. */
export function unpack(text) {
  const zlib = globalThis.process?.getBuiltinModule?.("node:zlib");
  if (typeof zlib?.brotliDecompressSync !== "function") {
    throw new HookproofError(
      "unsupported_runtime",
      "this build of hookproof needs process.getBuiltinModule (Node >= 20.16, Bun, Deno); browsers, workerd and edge runtimes load their own builds through the package's export conditions",
    );
  }
  const out = zlib.brotliDecompressSync(decodeBase64(text));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The async form for browsers: base64 of deflate-raw, through DecompressionStream. */
export async function unpackAsync(text) {
  const stream = new Blob([decodeBase64(text)]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * `glue` is the namespace of the module's `_bg.js` (its import object and exported wrappers);
 * `module` a WebAssembly.Module or its bytes. Returns the instance's exports.
 */
export function instantiate(glue, module, name) {
  const compiled = ArrayBuffer.isView(module) || module instanceof ArrayBuffer ? new WebAssembly.Module(module) : module;
  const instance = new WebAssembly.Instance(compiled, { [`./${name}_bg.js`]: glue });
  return start(glue, instance.exports);
}

/** The async form, for browsers (which refuse to compile large modules synchronously). */
export async function instantiateAsync(glue, bytes, name) {
  const { instance } = await WebAssembly.instantiate(bytes, { [`./${name}_bg.js`]: glue });
  return start(glue, instance.exports);
}

function start(glue, exports) {
  glue.__wbg_set_wasm(exports);
  if (typeof exports.__wbindgen_start === "function") exports.__wbindgen_start();
  return exports;
}

/** A value computed on first use. */
export function lazy(make) {
  let value;
  return () => (value ??= make());
}
