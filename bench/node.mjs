// Node micro-benchmarks, one process: hookproof against svix, standardwebhooks, a hand-written
// node:crypto verifier (the in-Node native ceiling) and WebCrypto, implementations interleaved
// in rounds; medians of the rounds and median paired ratios. Run by bench/run.mjs.
import { createHmac, timingSafeEqual, webcrypto } from "node:crypto";
import { createRequire } from "node:module";
import * as svix from "svix";
import { importInstalled } from "../tests/js/load.mjs";

const require = createRequire(import.meta.url);
const standardwebhooks = require("standardwebhooks");
const hp = await importInstalled();

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 25);
export const SIZES = [256, 1024, 16 * 1024, 256 * 1024, 1024 * 1024];
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const KEY = Buffer.from(SECRET.slice(6), "base64");

function message(size) {
  const body = `{"data":"${"x".repeat(size - 11)}"}`;
  const id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  const ts = Math.floor(Date.now() / 1000);
  const sig = new svix.Webhook(SECRET).sign(id, new Date(ts * 1000), body);
  const headers = { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sig };
  return { body, bytes: new Uint8Array(Buffer.from(body)), buffer: Buffer.from(body), headers, id, ts, sig };
}

/** node:crypto done by hand: the in-Node ceiling (no header parsing beyond the minimum). */
function nodeVerify(body, h, parse) {
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
  return parse ? JSON.parse(typeof body === "string" ? body : body.toString()) : undefined;
}

const webKey = await webcrypto.subtle.importKey("raw", KEY, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
const encoder = new TextEncoder();
async function webVerify(body, h) {
  const sig = Buffer.from(h["webhook-signature"].split(",")[1], "base64");
  const prefix = encoder.encode(`${h["webhook-id"]}.${h["webhook-timestamp"]}.`);
  const data = new Uint8Array(prefix.length + body.length);
  data.set(prefix);
  data.set(typeof body === "string" ? encoder.encode(body) : body, prefix.length);
  if (!(await webcrypto.subtle.verify("HMAC", webKey, sig, data))) throw new Error("no match");
}

const hookproof = new hp.Webhook(SECRET);
const svixWh = new svix.Webhook(SECRET);
const swWh = new standardwebhooks.Webhook(SECRET);

/** name → (message, form) → a function doing one verification. */
export const IMPLEMENTATIONS = {
  "hookproof verifySignature": (m, form) => (form === "string" ? () => hookproof.verifySignature(m.body, m.headers) : () => hookproof.verifySignature(m.bytes, m.headers)),
  "hookproof verify (parses JSON)": (m, form) => (form === "string" ? () => hookproof.verify(m.body, m.headers) : () => hookproof.verify(m.bytes, m.headers)),
  "svix 2.5.0 verify": (m, form) => (form === "string" ? () => svixWh.verify(m.body, m.headers) : () => svixWh.verify(m.buffer, m.headers)),
  "standardwebhooks 1.1.1 verify (parses JSON)": (m, form) => (form === "string" ? () => swWh.verify(m.body, m.headers) : () => swWh.verify(m.buffer, m.headers)),
  "node:crypto by hand": (m, form) => (form === "string" ? () => nodeVerify(m.body, m.headers, false) : () => nodeVerify(m.buffer, m.headers, false)),
  "node:crypto by hand + JSON.parse": (m, form) => (form === "string" ? () => nodeVerify(m.body, m.headers, true) : () => nodeVerify(m.buffer, m.headers, true)),
  "WebCrypto (async)": (m, form) => (form === "string" ? () => webVerify(m.body, m.headers) : () => webVerify(m.bytes, m.headers)),
};

/** Each accepts a valid message and rejects a tampered one, in both forms. */
export async function correctnessGuard() {
  const m = message(1024);
  const tampered = { ...m, body: m.body.replace("x", "y"), bytes: new Uint8Array(Buffer.from(m.body.replace("x", "y"))), buffer: Buffer.from(m.body.replace("x", "y")) };
  for (const [name, make] of Object.entries(IMPLEMENTATIONS)) {
    for (const form of ["string", "bytes"]) {
      await make(m, form)();
      let rejected = false;
      try {
        await make(tampered, form)();
      } catch {
        rejected = true;
      }
      if (!rejected) throw new Error(`${name} (${form}) accepted a tampered body`);
    }
  }
}

async function timeBatch(fn, iterations, isAsync) {
  const start = process.hrtime.bigint();
  if (isAsync) for (let i = 0; i < iterations; i++) await fn();
  else for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** ns/op per implementation (median of rounds) and the per-round times, for one size and form. */
export async function measure(size, form) {
  const m = message(size);
  const fns = Object.fromEntries(Object.entries(IMPLEMENTATIONS).map(([n, make]) => [n, make(m, form)]));
  const names = Object.keys(fns);
  const iterations = {};
  for (const n of names) {
    const isAsync = n.startsWith("WebCrypto");
    let k = 1;
    for (;;) {
      const per = await timeBatch(fns[n], k, isAsync);
      if (per * k > BATCH_MS * 1e6 / 4 || k > 1e6) {
        iterations[n] = Math.max(1, Math.round((BATCH_MS * 1e6) / per));
        break;
      }
      k *= 4;
    }
  }
  const rounds = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) rounds[n].push(await timeBatch(fns[n], iterations[n], n.startsWith("WebCrypto")));
  }
  return { medians: Object.fromEntries(names.map((n) => [n, median(rounds[n])])), rounds };
}

/** Median over rounds of `a / b` (how many times faster b is than a). */
export function pairedRatio(rounds, a, b) {
  return median(rounds[a].map((t, i) => t / rounds[b][i]));
}

export function memoryAfterVerifies(n = 1_000_000) {
  const m = message(1024);
  const before = hp.wasmMemoryBytes();
  for (let i = 0; i < n; i++) hookproof.verifySignature(i % 2 ? m.body : m.bytes, m.headers);
  return { before, after: hp.wasmMemoryBytes(), n };
}
