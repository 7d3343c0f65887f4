// Cross-checks with the real peers, svix 2.5.0 and standardwebhooks 1.1.1 (pinned dev
// dependencies), and node:crypto: thousands of random messages signed by each side and
// verified by the other. Verdicts must agree except where README documents a difference.
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as svix from "svix";
import { importInstalled } from "./load.mjs";
import { int, pick, rand, seed } from "./random.mjs";

const standardwebhooks = createRequire(import.meta.url)("standardwebhooks");
const api = await importInstalled();

function bytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = int(256);
  return out;
}
const ALPHABETS = ["abcXYZ019_-", "é東京🚀\u0000\n\"\\", "\u00e9\u0301\ud83d\ude80\u2028"];
function text(n) {
  let s = "";
  const alphabet = pick(ALPHABETS);
  const chars = [...alphabet];
  while (s.length < n) s += chars[int(chars.length)];
  return s;
}
/** Mostly small bodies, some up to 64 KiB. */
const size = () => (rand() < 0.8 ? int(2048) : int(64 * 1024));
const secretText = () => `whsec_${Buffer.from(bytes(24 + int(41))).toString("base64")}`;
const msgId = () => `msg_${text(1 + int(30)).replace(/[^A-Za-z0-9_]/g, "x")}`;
const NOW = 1_700_000_000;

function verdict(fn) {
  try {
    fn();
    return "valid";
  } catch {
    return "invalid";
  }
}

function atNow(fn) {
  const real = Date.now;
  Date.now = () => NOW * 1000;
  try {
    return fn();
  } finally {
    Date.now = real;
  }
}

test(`peer-signed messages verify, and hookproof-signed ones verify with the peers (seed ${seed})`, () => {
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const secret = secretText();
    const id = msgId();
    const ts = NOW - 300 + int(601);
    const json = JSON.stringify({ n: i, s: text(size()) });
    const hp = new api.Webhook(secret);
    const date = new Date(ts * 1000);
    const headers = (sig) => ({ "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sig });
    const bySvix = new svix.Webhook(secret).sign(id, date, json);
    const bySw = new standardwebhooks.Webhook(secret).sign(id, date, json);
    const byUs = hp.sign(id, ts, json);
    assert.equal(byUs, bySvix, `seed ${seed} #${i}`);
    assert.equal(byUs, bySw, `seed ${seed} #${i}`);
    assert.doesNotThrow(() => hp.verifySignature(json, headers(bySvix), { now: NOW }));
    assert.doesNotThrow(() => hp.verifySignature(Buffer.from(json), headers(bySw), { now: NOW }));
    atNow(() => {
      assert.equal(verdict(() => new svix.Webhook(secret).verify(json, headers(byUs))), "valid");
      assert.equal(verdict(() => new standardwebhooks.Webhook(secret).verify(json, headers(byUs))), "valid");
    });
  }
});

test(`non-UTF-8 bodies sign byte-exactly, as node:crypto computes (seed ${seed})`, () => {
  for (let i = 0; i < 1000; i++) {
    const key = bytes(1 + int(100));
    const body = bytes(size());
    const id = msgId();
    const ts = NOW + int(1000);
    const mac = createHmac("sha256", key).update(`${id}.${ts}.`).update(body).digest("base64");
    const hp = new api.Webhook(key, { format: "raw" });
    assert.equal(hp.sign(id, ts, body), `v1,${mac}`, `seed ${seed} #${i}`);
    const headers = { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": `v1,${mac}` };
    assert.doesNotThrow(() => hp.verifySignature(body, headers, { now: ts }));
    body[int(body.length || 1)] ^= 1 << int(8);
    if (body.length) assert.throws(() => hp.verifySignature(body, headers, { now: ts }), { code: "no_matching_signature" });
  }
});

test(`verdicts agree with svix on random tampering and clock skew (seed ${seed})`, () => {
  const secret = secretText();
  const other = secretText();
  const hp = new api.Webhook(secret);
  const sx = new svix.Webhook(secret);
  let agreed = 0;
  for (let i = 0; i < 3000; i++) {
    const id = msgId();
    const ts = NOW - 400 + int(801);
    let body = text(int(512));
    const sigs = [new svix.Webhook(pick([secret, other])).sign(id, new Date(ts * 1000), body)];
    if (rand() < 0.3) sigs.unshift(`v1,${randomBytes(32).toString("base64")}`);
    if (rand() < 0.2) sigs.push(`v2,${randomBytes(32).toString("base64")}`);
    if (rand() < 0.2) body = `${body} `;
    const headers = { [pick(["svix", "webhook"]) + "-id"]: id, "webhook-timestamp": String(ts), "webhook-signature": sigs.join(" ") };
    const ours = verdict(() => hp.verifySignature(body, headers, { now: NOW }));
    const theirs = atNow(() => verdict(() => sx.verify(body, headers)));
    assert.equal(ours, theirs, `seed ${seed} #${i}: ${JSON.stringify({ headers, body })}`);
    agreed++;
  }
  assert.equal(agreed, 3000);
});

test("the documented differences are exactly where svix and hookproof disagree", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const body = '{"test": 2432232314}';
  const sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  const hp = new api.Webhook(secret);
  for (const ts of ["1614265330abc", "+1614265330", " 1614265330", "01614265330"]) {
    const headers = { "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": ts, "webhook-signature": sig };
    const theirs = (() => {
      const real = Date.now;
      Date.now = () => 1614265330 * 1000;
      try {
        return verdict(() => new svix.Webhook(secret).verify(body, headers));
      } finally {
        Date.now = real;
      }
    })();
    assert.equal(theirs, "valid", ts);
    assert.throws(() => hp.verifySignature(body, headers, { now: 1614265330 }), { code: "invalid_timestamp" }, ts);
  }
});
