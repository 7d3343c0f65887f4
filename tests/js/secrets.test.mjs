// Secret texts, differentially: generated secret strings (whitespace of every kind and position,
// newlines, padding present, absent or wrong, the whsec_ prefix present, absent, doubled or
// misspelt, the standard and URL-safe alphabets, keys of 0 to 1100 bytes) given to svix 2.5.0,
// standardwebhooks 1.1.1 and the packed hookproof package. For each, a message is signed with
// the key bytes meant (node:crypto), then each side builds a verifier from the text: it refuses
// it, or it signs a probe message (which pins the key bytes it decoded) and verifies the signed
// message. hookproof must answer as the peers do (README "Secrets as svix reads them"); the only
// deliberate difference is the 1,024-byte bound on keys (README "Limits"). Where both kinds of
// key are taken (hookproof/v1a), text without a prefix is refused with ambiguous_key instead.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as svix from "svix";
import { importInstalled, loadMain } from "./load.mjs";
import { chance, int, pick, seed } from "./random.mjs";

const require = createRequire(import.meta.url);
const standardwebhooks = require("standardwebhooks");
// The peers' own base64 decoder (both decode secrets with @stablelib/base64).
const stablelib = createRequire(require.resolve("standardwebhooks"))("@stablelib/base64");
const mainEsm = await loadMain("esm");
const mainCjs = loadMain("cjs");
const v1a = await importInstalled();

const CASES = Number(process.env.HOOKPROOF_SECRET_CASES ?? 6000);
function bytes(n) {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = int(256);
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const WHITESPACE = [" ", "\t", "\n", "\r", "\r\n", "\n\n", "  ", "\v", "\f", "\u00a0", "\u2028", "\ufeff", "\u3000"];
const OTHER = ["=", "==", "-", "_", ".", ",", "é", "\u{1F680}", "\0", '"', "'", B64[0], B64[63]];

/** A key length: mostly Svix's 24 bytes and the spec's 24–64, all of 0..1100 in reach. */
const keyLength = () =>
  pick([() => 24, () => 32, () => 24 + int(41), () => int(24), () => 64 + int(1037), () => 1020 + int(10)])();

/** One generated case: `{ text, meant }`, `meant` the key bytes the text was made from. */
function generate() {
  const meant = bytes(keyLength());
  let body = meant.toString("base64");
  // The base64 itself: padding, alphabet, length.
  const shape = pick(["as is", "as is", "unpadded", "one = less", "extra =", "url-safe", "drop last", "add char", "= inside", "alphabet char"]);
  if (shape === "unpadded") body = body.replace(/=+$/, "");
  if (shape === "one = less") body = body.replace(/=$/, "");
  if (shape === "extra =") body += pick(["=", "==", "==="]);
  if (shape === "url-safe") body = body.replaceAll("+", "-").replaceAll("/", "_");
  if (shape === "drop last") body = body.slice(0, -1 - int(2));
  if (shape === "add char") body += pick([...B64]);
  if (shape === "= inside" && body.length > 2) {
    const at = int(body.length);
    body = body.slice(0, at) + "=" + body.slice(at);
  }
  if (shape === "alphabet char" && body.length > 0) {
    const at = int(body.length);
    body = body.slice(0, at) + pick([...B64]) + body.slice(at + 1);
  }
  // The prefix.
  const prefix = pick(["whsec_", "whsec_", "whsec_", "", "", "whsec_whsec_", "Whsec_", "whsec", "WHSEC_", "whsec_ "]);
  let text = prefix + body;
  // Whitespace or a stray character, before, inside or after.
  const extras = chance(0.6) ? 1 + int(2) : 0;
  for (let i = 0; i < extras; i++) {
    const piece = chance(0.75) ? pick(WHITESPACE) : pick(OTHER);
    const where = pick(["end", "end", "end", "start", "inside", "after prefix"]);
    if (where === "end") text += piece;
    else if (where === "start") text = piece + text;
    else if (where === "after prefix") text = text.startsWith("whsec_") ? `whsec_${piece}${text.slice(6)}` : piece + text;
    else {
      const at = int(text.length + 1);
      text = text.slice(0, at) + piece + text.slice(at);
    }
  }
  return { text, meant };
}

const FIXED = [
  "", "whsec_", "whsec_\n", "\n", " ", "whsec_QQ", "whsec_QQ=", "whsec_QQ==", "whsec_QR==", "whsec_QUJD",
  "whsec_QUJDR", "whsec_QUJD\n", "whsec_QUJD\r\n", " whsec_QUJD", "whsec_QUJD é", "whsec_====",
  "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
  "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\r\n", " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
].map((text) => ({ text, meant: Buffer.alloc(0) }));

const ID = "msg_secret_differential";
const TS = 1_700_000_000;
const BODY = '{"type":"probe"}';
const PROBE = ["msg_probe", new Date(1_600_000_000 * 1000), "probe body"];

function signWith(key) {
  return `v1,${createHmac("sha256", key).update(`${ID}.${TS}.${BODY}`).digest("base64")}`;
}

/** What one side makes of a secret text: `refused:<code>`, or the key's probe signature and
 *  whether the message signed with the meant bytes verifies. */
function outcome(make, text, signature) {
  let wh;
  try {
    wh = make(text);
  } catch (e) {
    return `refused:${typeof e.code === "string" ? e.code : "invalid_secret"}`;
  }
  const probe = wh.sign(...PROBE);
  const headers = { "webhook-id": ID, "webhook-timestamp": String(TS), "webhook-signature": signature };
  const real = Date.now;
  Date.now = () => TS * 1000;
  let verdict;
  try {
    wh.verify(BODY, headers);
    verdict = "valid";
  } catch (e) {
    verdict = typeof e.code === "string" ? e.code : "no_matching_signature";
  } finally {
    Date.now = real;
  }
  return `${probe} ${verdict}`;
}

test("secret texts: hookproof reads every one as svix and standardwebhooks do", () => {
  const counts = { cases: 0, agree: 0, accepted: 0, refused: 0, overBound: 0, ambiguous: 0 };
  const cases = [...FIXED];
  for (let i = 0; i < CASES; i++) cases.push(generate());
  for (const { text, meant } of cases) {
    counts.cases++;
    const signature = signWith(meant.length ? meant : Buffer.from("x"));
    const s = outcome((t) => new svix.Webhook(t), text, signature);
    const w = outcome((t) => new standardwebhooks.Webhook(t), text, signature);
    const where = `secret ${JSON.stringify(text.length > 80 ? `${text.slice(0, 40)}…${text.slice(-30)}` : text)} (seed ${seed})`;
    assert.equal(w, s, `the peers disagree on ${where}`);
    const ours = outcome((t) => new mainEsm.Webhook(t), text, signature);
    assert.equal(outcome((t) => new mainCjs.Webhook(t), text, signature), ours, `CJS and ESM differ on ${where}`);
    // The peers refuse any text they cannot decode or that decodes to no bytes; hookproof says
    // invalid_secret, and refuses keys over 1,024 bytes too (the deliberate difference).
    let peerKeyLength;
    if (!s.startsWith("refused:")) {
      const body = text.startsWith("whsec_") ? text.slice(6) : text;
      peerKeyLength = stablelib.decode(body).length;
    }
    if (peerKeyLength > 1024) {
      assert.equal(ours, "refused:invalid_secret", `a key over 1,024 bytes taken: ${where}`);
      counts.overBound++;
    } else {
      assert.equal(ours, s.startsWith("refused:") ? "refused:invalid_secret" : s, `hookproof differs from the peers on ${where}`);
      counts.agree++;
      if (s.startsWith("refused:")) counts.refused++;
      else counts.accepted++;
    }
    // Where a key's kind must be stated, text without a prefix is ambiguous_key; with
    // whsec_ the same reading holds.
    const stated = outcome((t) => new v1a.Webhook(t), text, signature);
    if (text !== "" && !/^wh(sec|pk|sk)_/.test(text)) {
      assert.equal(stated, "refused:ambiguous_key", `hookproof/v1a took an unprefixed ${where}`);
      counts.ambiguous++;
    } else if (text.startsWith("whsec_") || text === "") {
      assert.equal(stated, ours, `hookproof/v1a differs from the main Webhook on ${where}`);
    }
  }
  console.log(
    `secret texts: ${counts.cases} cases, ${counts.agree} agreements with svix and standardwebhooks ` +
      `(${counts.accepted} taken with the peers' key bytes, ${counts.refused} refused by all three), ` +
      `${counts.overBound} deliberate differences (keys over 1,024 bytes, refused); ` +
      `hookproof/v1a: ${counts.ambiguous} unprefixed texts ambiguous_key (seed ${seed})`,
  );
  assert.equal(counts.agree + counts.overBound, counts.cases);
  assert.ok(counts.accepted > CASES / 10 && counts.refused > CASES / 10, "the generator reaches both answers");
});

