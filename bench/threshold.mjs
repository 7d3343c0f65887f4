// Where node:crypto starts to beat the wasm SHA-256: the lean module's two paths side by side
// (`verify`: hashing in wasm; `prepare` + node:crypto's HMAC + `finish`: what the package does
// from HOST_HMAC_THRESHOLD on), interleaved rounds. Run by bench/run.mjs; prints one JSON line.
import { createHmac, createSecretKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const pkg = resolve(process.argv[2] ?? "js/pkg/webhook");
const glue = await import(pathToFileURL(join(pkg, "hookproof_webhook_wasm_bg.js")).href);
const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(pkg, "hookproof_webhook_wasm_bg.wasm"))), { "./hookproof_webhook_wasm_bg.js": glue });
glue.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start?.();
const keys = new glue.Keys();
keys.add_text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
const verifier = new glue.WebhookVerifier(keys, 300, -1);
const keyBytes = new Uint8Array(1024);
const key = createSecretKey(keyBytes.subarray(0, keys.key_bytes(0, keyBytes)));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const size of [512, 768, 1024, 1280, 1536, 1792, 2048, 4096]) {
  const body = new Uint8Array(size).fill(120);
  const ts = 1700000000;
  const sig = `v1,${createHmac("sha256", key).update(`msg_p5jXN8AQM9LWM0D4loKWxJek.${ts}.`).update(body).digest("base64")}`;
  const pairs = new TextEncoder().encode(`webhook-id\nmsg_p5jXN8AQM9LWM0D4loKWxJek\nwebhook-timestamp\n${ts}\nwebhook-signature\n${sig}`);
  const wasm = () => verifier.verify(pairs, body, ts);
  const host = () => {
    const signed = verifier.prepare(pairs, size, ts);
    return verifier.finish(createHmac("sha256", key).update(signed.slice(1)).update(body).digest(), ts);
  };
  if (wasm() !== undefined || host() !== undefined) throw new Error(`size ${size}: did not verify`);
  const n = Math.max(200, Math.floor(2e6 / (size + 300)));
  const a = [];
  const b = [];
  for (let r = 0; r < 21; r++) {
    let t0 = performance.now();
    for (let i = 0; i < n; i++) wasm();
    a.push(((performance.now() - t0) / n) * 1e6);
    t0 = performance.now();
    for (let i = 0; i < n; i++) host();
    b.push(((performance.now() - t0) / n) * 1e6);
  }
  rows.push({ size, wasmNs: median(a), hostNs: median(b), ratio: median(b.map((t, i) => t / a[i])) });
}
console.log(JSON.stringify(rows));
