// hookproof against a hand-written node:crypto verifier inside one runtime — Node, Bun or Deno
// (`<runtime> bench/runtime.mjs <project dir>`): the same body sizes, both paths of the
// package (wasm below its threshold, node:crypto above), interleaved rounds. Prints one JSON
// line: per size and form, the medians (ns) and the median paired ratio (> 1: hookproof faster).
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const project = resolve(process.argv[2]);
const { Webhook } = createRequire(join(project, "package.json"))("hookproof");

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const KEY = Buffer.from(SECRET.slice(6), "base64");
const SIZES = (process.env.BENCH_SIZES ?? "256,1024,16384,262144,1048576").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 20);

/** The in-runtime native ceiling: node:crypto, minimal header handling. */
function byHand(body, h) {
  const mac = createHmac("sha256", KEY).update(`${h["webhook-id"]}.${h["webhook-timestamp"]}.`).update(body).digest();
  let ok = false;
  for (const entry of h["webhook-signature"].split(" ")) {
    const [v, b64] = entry.split(",");
    if (v !== "v1" || !b64) continue;
    const given = Buffer.from(b64, "base64");
    if (given.length === mac.length && timingSafeEqual(given, mac)) ok = true;
  }
  if (!ok) throw new Error("no match");
  if (Math.abs(Date.now() / 1000 - Number(h["webhook-timestamp"])) > 300) throw new Error("old");
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => performance.now() * 1e6;

function batch(fn, n) {
  const t0 = now();
  for (let i = 0; i < n; i++) fn();
  return (now() - t0) / n;
}

function calibrate(fn) {
  let n = 1;
  for (;;) {
    const per = batch(fn, n);
    if (per * n > (BATCH_MS * 1e6) / 4 || n > 1e6) return Math.max(1, Math.round((BATCH_MS * 1e6) / per));
    n *= 4;
  }
}

const wh = new Webhook(SECRET);
const results = [];
for (const size of SIZES) {
  for (const form of ["string", "bytes"]) {
    const text = `{"data":"${"x".repeat(size - 11)}"}`;
    const body = form === "string" ? text : new TextEncoder().encode(text);
    const ts = Math.floor(Date.now() / 1000);
    const sig = wh.sign("msg_bench", ts, text);
    const headers = { "webhook-id": "msg_bench", "webhook-timestamp": String(ts), "webhook-signature": sig };
    const ours = () => wh.verifySignature(body, headers);
    const hand = () => byHand(body, headers);
    ours();
    hand();
    const n = { ours: calibrate(ours), hand: calibrate(hand) };
    const a = [];
    const b = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2) {
        a.push(batch(ours, n.ours));
        b.push(batch(hand, n.hand));
      } else {
        b.push(batch(hand, n.hand));
        a.push(batch(ours, n.ours));
      }
    }
    results.push({ size, form, hookproofNs: median(a), byHandNs: median(b), ratio: median(b.map((t, i) => t / a[i])) });
  }
}
const runtime = globalThis.Deno ? `Deno ${Deno.version.deno}` : globalThis.Bun ? `Bun ${Bun.version}` : `Node ${process.version}`;
console.log(JSON.stringify({ runtime, results }));
