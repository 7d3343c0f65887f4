// One cold start, in a fresh process (bench/run.mjs spawns it): where the time goes.
//   node bench/cold.mjs package <project dir>   import + construct + first verify, by phase
//   node bench/cold.mjs phases  <js dir>        the same steps by hand on the build's pieces:
//                                               read, decompress, compile, instantiate, keys
// Prints one JSON line of milliseconds.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const t = () => performance.now();
const [mode, dir] = [process.argv[2], resolve(process.argv[3])];
const S = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const body = JSON.stringify({ data: "x".repeat(1000) });
const ts = Math.floor(Date.now() / 1000);
const id = "msg_cold";

if (mode === "package") {
  const entry = createRequire(join(dir, "package.json")).resolve("hookproof").replace(/\.cjs$/, ".mjs");
  const t0 = t();
  const { Webhook } = await import(pathToFileURL(entry).href);
  const t1 = t();
  const wh = new Webhook(S);
  const t2 = t();
  const headers = { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": wh.sign(id, ts, body) };
  const t3 = t();
  wh.verifySignature(body, headers);
  const t4 = t();
  wh.verifySignature(body, headers);
  const t5 = t();
  console.log(JSON.stringify({ import: t1 - t0, construct: t2 - t1, firstVerify: t4 - t3, secondVerify: t5 - t4, total: t1 - t0 + (t2 - t1) + (t4 - t3) }));
} else {
  const pkg = join(dir, "pkg/webhook");
  const t0 = t();
  const glue = await import(pathToFileURL(join(pkg, "hookproof_webhook_wasm_bg.js")).href);
  const { default: text } = await import(pathToFileURL(join(pkg, "brotli.js")).href);
  const t1 = t();
  const compressed = Buffer.from(text, "base64");
  const t2 = t();
  const zlib = process.getBuiltinModule("node:zlib");
  const bytes = zlib.brotliDecompressSync(compressed);
  const t3 = t();
  const module = new WebAssembly.Module(bytes);
  const t4 = t();
  const instance = new WebAssembly.Instance(module, { "./hookproof_webhook_wasm_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
  const t5 = t();
  const keys = new glue.Keys();
  keys.add_text(S);
  const verifier = new glue.WebhookVerifier(keys, 300, -1);
  const t6 = t();
  const sig = verifier.sign_str(id, ts, body);
  const pairs = new TextEncoder().encode(`webhook-id\n${id}\nwebhook-timestamp\n${ts}\nwebhook-signature\n${sig}`);
  const t7 = t();
  if (verifier.verify_str(pairs, body, ts) !== undefined) throw new Error("did not verify");
  const t8 = t();
  console.log(JSON.stringify({ loadGlueAndBytes: t1 - t0, base64: t2 - t1, brotli: t3 - t2, compile: t4 - t3, instantiate: t5 - t4, keySchedule: t6 - t5, firstVerify: t8 - t7, wasmBytes: bytes.length }));
}
