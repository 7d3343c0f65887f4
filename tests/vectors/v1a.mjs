// v1a.json: Standard Webhooks asymmetric (ed25519) signatures, for tests/vectors/generate.mjs.
//
// Expected values come from outside hookproof: every signature is made and every verdict
// rechecked with node:crypto (OpenSSL's ed25519); RFC 8032 §7.1 and Wycheproof's ed25519 set are
// read from tests/vectors/sources/ and rechecked with node:crypto too; the open Standard Webhooks
// JS pull request's own known answer is reproduced. Which points have small order, and which
// encodings are canonical, is decided by the RFC 8032 §5.1.3 decoding written out below in
// BigInt (a check of the inputs, nothing more: it never signs or verifies).
import { createHmac, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// ---------------------------------------------------------------------------------------------
// node:crypto ed25519

const PKCS8_SEED = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI = Buffer.from("302a300506032b6570032100", "hex");
const privateKey = (seedHex) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_SEED, Buffer.from(seedHex, "hex")]), format: "der", type: "pkcs8" });
/** The 32-byte public key of a seed, from node:crypto. */
const publicOf = (seedHex) =>
  createPublicKey(privateKey(seedHex)).export({ format: "der", type: "spki" }).subarray(SPKI.length).toString("hex");
const nodeSign = (seedHex, message) => sign(null, message, privateKey(seedHex));
/** node:crypto's verdict; a key OpenSSL cannot even load counts as "invalid". */
function nodeVerify(publicHex, message, signature) {
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI, Buffer.from(publicHex, "hex")]), format: "der", type: "spki" });
    return verify(null, message, key, signature) ? "valid" : "invalid";
  } catch {
    return "invalid";
  }
}
const b64 = (hex) => Buffer.from(hex, "hex").toString("base64");

// ---------------------------------------------------------------------------------------------
// RFC 8032 §5.1.3 point decoding and §5.1.4 addition, to classify hand-made public keys.

const P = 2n ** 255n - 19n;
const D = (-121665n * inv(121666n)) % P;
const SQRT_M1 = pow(2n, (P - 1n) / 4n);
function pow(b, e) {
  let r = 1n;
  b %= P;
  for (; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
}
function inv(x) {
  return pow(((x % P) + P) % P, P - 2n);
}
const mod = (x) => ((x % P) + P) % P;
/** `{ x, y, canonical }`, or null when no point has this encoding. */
function decode(hex) {
  const bytes = Buffer.from(hex, "hex");
  const sign = bytes[31] >> 7;
  bytes[31] &= 0x7f;
  const yRaw = BigInt(`0x${Buffer.from(bytes).reverse().toString("hex")}`);
  const y = yRaw % P;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  if (mod(v * x * x) !== u) {
    if (mod(v * x * x) !== mod(-u)) return null;
    x = mod(x * SQRT_M1);
  }
  if (x === 0n && sign === 1) return { x, y, canonical: false };
  if (Number(x & 1n) !== sign) x = mod(-x);
  return { x, y, canonical: yRaw < P };
}
function add([x1, y1], [x2, y2]) {
  const t = mod(D * x1 * x2 * y1 * y2);
  return [mod((x1 * y2 + x2 * y1) * inv(1n + t)), mod((y1 * y2 + x1 * x2) * inv(1n - t))];
}
/** Whether [8]P is the identity: a point of the torsion subgroup. */
function smallOrder(point) {
  let q = [point.x, point.y];
  for (let i = 0; i < 3; i++) q = add(q, q);
  return q[0] === 0n && q[1] === 1n;
}

// ---------------------------------------------------------------------------------------------
// Keys and messages

const CODAT_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const rfc = JSON.parse(readFileSync(join(import.meta.dirname, "sources/rfc8032_ed25519.json"), "utf8"));
const wycheproof = JSON.parse(readFileSync(join(import.meta.dirname, "sources/wycheproof_ed25519.json"), "utf8"));
for (const t of rfc.tests) {
  const s = nodeSign(t.secretKey, Buffer.from(t.message, "hex")).toString("hex");
  if (publicOf(t.secretKey) !== t.publicKey || s !== t.signature) throw new Error(`node:crypto disagrees with RFC 8032 ${t.name}`);
}
const [RFC1, RFC2, RFC3] = rfc.tests;
// The open standard-webhooks JS pull request's fixture: seed 0x01 × 32.
const PR_SEED = "01".repeat(32);
const PR_EXPECTED = "v1a,Ykcu7AtGZGmZxFEH1Gaa2Nd7feY/CTuruoL4fqgnKwfbHU4DhemoVHZdvGfIvKvn4BIgwktLGGPGIr/i9nK7AA==";

const whpk = (seedHex) => `whpk_${b64(publicOf(seedHex))}`;
const whsk = (seedHex) => `whsk_${b64(seedHex)}`;
const whskPair = (seedHex) => `whsk_${b64(seedHex + publicOf(seedHex))}`;
const content = (id, ts, body) => Buffer.concat([Buffer.from(`${id}.${ts}.`), Buffer.from(body)]);
/** `v1a,` + base64 ed25519 signature of `id.ts.body`, by node:crypto. */
const v1a = (seedHex, id = ID, ts = TS, body = BODY) => `v1a,${nodeSign(seedHex, content(id, ts, body)).toString("base64")}`;
/** The v1 signature, by node:crypto's HMAC (generate.mjs passes its signer in). */
let hmacSign;

if (v1a(PR_SEED) !== PR_EXPECTED) throw new Error("the standard-webhooks JS pull request's v1a known answer does not reproduce");

const H = (sig, id = ID, ts = TS) => [
  ["webhook-id", id],
  ["webhook-timestamp", String(ts)],
  ["webhook-signature", sig],
];

// Hand-made public keys, classified by the decoding above.
const TORSION = [
  ["0100000000000000000000000000000000000000000000000000000000000000", "the identity (order 1)"],
  ["ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "y = -1 (order 2)"],
  ["0000000000000000000000000000000000000000000000000000000000000000", "y = 0 (order 4)"],
  ["0000000000000000000000000000000000000000000000000000000000000080", "y = 0, x negative (order 4)"],
  ["c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "a point of order 8"],
  ["c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "a point of order 8, x negative"],
  ["26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "another point of order 8"],
  ["26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", "another point of order 8, x negative"],
];
for (const [hex, what] of TORSION) {
  const p = decode(hex);
  if (!p || !p.canonical || !smallOrder(p)) throw new Error(`not a canonical small-order point: ${what}`);
}
/** Non-canonical encodings: y ≥ p. The first y' = y - p that is on the curve with large order. */
const nonCanonical = (() => {
  for (let k = 2n; k < 19n; k++) {
    const y = P + k;
    const hex = Buffer.from(y.toString(16).padStart(64, "0"), "hex").reverse().toString("hex");
    const p = decode(hex);
    if (p && !smallOrder(p)) return { hex, what: `y = p + ${k}, a large-order point encoded with y ≥ p` };
  }
  throw new Error("no non-canonical large-order encoding found");
})();
const notOnCurve = (() => {
  for (let k = 2n; ; k++) {
    const hex = Buffer.from(k.toString(16).padStart(64, "0"), "hex").reverse().toString("hex");
    if (!decode(hex)) return { hex, what: `y = ${k}, not the y of any curve point` };
  }
})();
const negativeZero = "0100000000000000000000000000000000000000000000000000000000000080";
if (decode(negativeZero).canonical) throw new Error("negative zero");

// ---------------------------------------------------------------------------------------------
// Cases

export function v1aVectors(hmac) {
  hmacSign = hmac;
  const cases = [];
  const push = (t) => {
    if (t.result === undefined) throw new Error(`no result: ${t.comment}`);
    cases.push(t);
  };
  const verifyCase = (comment, fields) => push({ op: "verify", comment, keys: [whpk(RFC1.secretKey)], now: TS, body: BODY, ...fields });
  const signCase = (comment, fields) => push({ op: "sign", comment, id: ID, timestamp: TS, body: BODY, result: "valid", ...fields });

  // Webhook messages signed by node:crypto.
  const sig1 = v1a(RFC1.secretKey);
  const hmacSig = hmacSign(CODAT_SECRET, ID, TS, Buffer.from(BODY));
  verifyCase("Codat's example message signed with RFC 8032 TEST 1's key, verified with its whpk_", {
    headers: H(sig1),
    result: "valid",
  });
  for (const t of [RFC2, RFC3]) {
    verifyCase(`signed with RFC 8032 ${t.name}'s key`, { keys: [whpk(t.secretKey)], headers: H(v1a(t.secretKey)), result: "valid" });
  }
  verifyCase("the standard-webhooks JS pull request's known answer (seed 0x01 × 32)", {
    keys: [whpk(PR_SEED)],
    headers: H(PR_EXPECTED),
    result: "valid",
  });
  verifyCase("under svix-* header names", {
    headers: H(sig1).map(([k, v]) => [k.replace("webhook", "svix"), v]),
    result: "valid",
  });
  verifyCase("signed by another key", { headers: H(v1a(RFC2.secretKey)), result: "invalid", error: "no_matching_signature" });
  verifyCase("body changed by one character", { headers: H(sig1), body: '{"test": 2432232315}', result: "invalid", error: "no_matching_signature" });
  verifyCase("id changed", { headers: H(sig1, `${ID}x`), result: "invalid", error: "no_matching_signature" });
  verifyCase("timestamp changed by one second", { headers: H(sig1, ID, TS + 1), now: TS + 1, result: "invalid", error: "no_matching_signature" });
  verifyCase("timestamp too old: the window applies to v1a too", { headers: H(sig1), now: TS + 301, result: "invalid", error: "timestamp_too_old" });
  verifyCase("timestamp check off", { headers: H(sig1), now: TS + 86400 * 365, tolerance: "ignore", result: "valid" });
  {
    const bytes = [0xff, 0xfe, 0x00, 0x80, 0x7b, 0x22, 0xc3, 0x28, 0x00, 0x0a];
    const sig = v1a(RFC1.secretKey, "msg_binary", 1700000002, Buffer.from(bytes));
    verifyCase("non-UTF-8 body with NUL bytes", {
      now: 1700000002,
      headers: H(sig, "msg_binary", 1700000002),
      body: undefined,
      bodyHex: Buffer.from(bytes).toString("hex"),
      result: "valid",
    });
  }
  {
    const big = JSON.stringify({ data: "x".repeat(64 * 1024) });
    verifyCase("64 KiB body", { headers: H(v1a(RFC1.secretKey, ID, TS, big)), body: big, result: "valid" });
  }
  verifyCase("empty body", { headers: H(v1a(RFC1.secretKey, ID, TS, "")), body: "", result: "valid" });

  // Mixed headers and rotation across kinds.
  const mixed = `${hmacSig} ${sig1}`;
  verifyCase("v1 and v1a entries: a public key matches the v1a entry", { headers: H(mixed), result: "valid" });
  verifyCase("v1 and v1a entries: a secret matches the v1 entry", { keys: [CODAT_SECRET], headers: H(mixed), result: "valid" });
  verifyCase("v1a entry first, then v1: a secret still matches", { keys: [CODAT_SECRET], headers: H(`${sig1} ${hmacSig}`), result: "valid" });
  verifyCase("a v1a signature alone under a secret is skipped", { keys: [CODAT_SECRET], headers: H(sig1), result: "invalid", error: "no_matching_signature" });
  verifyCase("a v1 signature alone under a public key is skipped", { headers: H(hmacSig), result: "invalid", error: "no_matching_signature" });
  verifyCase("rotation across kinds: [whsec_, whpk_], only the v1a entry", { keys: [CODAT_SECRET, whpk(RFC1.secretKey)], headers: H(sig1), result: "valid" });
  verifyCase("rotation across kinds: [whpk_, whsec_], only the v1 entry", { keys: [whpk(RFC1.secretKey), CODAT_SECRET], headers: H(hmacSig), result: "valid" });
  verifyCase("rotation of public keys: the new key signed", {
    keys: [whpk(RFC2.secretKey), whpk(RFC1.secretKey)],
    headers: H(sig1),
    result: "valid",
  });
  verifyCase("rotation: signed by neither configured public key", {
    keys: [whpk(RFC2.secretKey), whpk(RFC3.secretKey)],
    headers: H(sig1),
    result: "invalid",
    error: "no_matching_signature",
  });
  verifyCase("sender-side rotation: two v1a entries, the verifier knows the second key", {
    keys: [whpk(RFC2.secretKey)],
    headers: H(`${sig1} ${v1a(RFC2.secretKey)}`),
    result: "valid",
  });
  verifyCase("a v1a entry's signature moved under v1 is not an HMAC", { headers: H(`v1,${sig1.slice(4)}`), result: "invalid", error: "no_matching_signature" });
  verifyCase("unknown versions around the good entry are skipped", { headers: H(`v2,xyz ${sig1} v1b,abc`), result: "valid" });
  verifyCase("whsk_ seed (32 bytes) in a verifier verifies with its public key", { keys: [whsk(RFC1.secretKey)], headers: H(sig1), result: "valid" });
  verifyCase("whsk_ seed ‖ public key (64 bytes) in a verifier", { keys: [whskPair(RFC1.secretKey)], headers: H(sig1), result: "valid" });
  verifyCase("raw public key bytes", { keys: [{ publicKeyHex: RFC1.publicKey }], headers: H(sig1), result: "valid" });
  verifyCase("raw signing key bytes (seed)", { keys: [{ signingKeyHex: RFC1.secretKey }], headers: H(sig1), result: "valid" });
  {
    const many = Array.from({ length: 15 }, (_, i) => whpk(Buffer.alloc(32, i + 2).toString("hex")));
    verifyCase("16 keys of both kinds (the limit), the match last", {
      keys: [CODAT_SECRET, ...many.slice(0, 14), whpk(RFC1.secretKey)],
      headers: H(sig1),
      result: "valid",
    });
    verifyCase("17 keys", { keys: [CODAT_SECRET, ...many, whpk(RFC1.secretKey)], headers: H(sig1), result: "invalid", error: "too_many_secrets" });
  }

  // Bounded work: at most 4 v1a entries for a verifier with public keys.
  const junk = (i) => `v1a,${Buffer.alloc(64, i + 1).toString("base64")}`;
  const v1aList = (n) => [...Array.from({ length: n - 1 }, (_, i) => junk(i)), sig1].join(" ");
  verifyCase("4 v1a entries, the good one last (the limit)", { headers: H(v1aList(4)), result: "valid" });
  verifyCase("5 v1a entries", { headers: H(v1aList(5)), result: "invalid", error: "too_many_signatures" });
  verifyCase("5 v1a entries and a good v1 entry: an HMAC-only verifier does not examine v1a", {
    keys: [CODAT_SECRET],
    headers: H(`${v1aList(5)} ${hmacSig}`),
    result: "valid",
  });
  verifyCase("5 v1a entries and a good v1 entry: a verifier with a public key refuses the header", {
    keys: [CODAT_SECRET, whpk(RFC1.secretKey)],
    headers: H(`${v1aList(5)} ${hmacSig}`),
    result: "invalid",
    error: "too_many_signatures",
  });

  // Malformed signature entries: never match.
  const sigB64 = sig1.slice(4);
  const sigBytes = Buffer.from(sigB64, "base64");
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const sPlusL = (() => {
    const s = BigInt(`0x${Buffer.from(sigBytes.subarray(32)).reverse().toString("hex")}`) + L;
    return Buffer.concat([sigBytes.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, "0"), "hex").reverse()]);
  })();
  if (nodeVerify(RFC1.publicKey, content(ID, TS, BODY), sPlusL) !== "invalid") throw new Error("node accepts S + L");
  for (const [entry, comment] of [
    ["v1a,", "empty v1a value"],
    [`v1a,${sigB64.replace(/=+$/, "")}`, "unpadded base64"],
    [`v1a,${sigB64}=`, "extra padding"],
    [`v1a,${sigBytes.subarray(0, 63).toString("base64")}`, "63 bytes"],
    [`v1a,${Buffer.concat([sigBytes, Buffer.from([0])]).toString("base64")}`, "65 bytes"],
    [`v1a,${sigBytes.subarray(0, 32).toString("base64")}`, "R alone (32 bytes)"],
    [`v1a,${sPlusL.toString("base64")}`, "non-canonical S (S + L, the same scalar mod L)"],
    [`v1a,${Buffer.alloc(64).toString("base64")}`, "64 zero bytes"],
    [`V1A,${sigB64}`, "versions are case-sensitive"],
    [`v1a ${sigB64}`, "a space instead of the comma"],
    [`v1a,${sigB64},v1a,${sigB64}`, "comma-joined entries"],
    [`v1a,${sigB64.slice(0, 86)}!=`, "a character outside the alphabet"],
    [`v1a,${sigB64.slice(0, 85)}B==`, "stray bits in the last base64 character"],
  ]) {
    verifyCase(`signature entry: ${comment}`, { headers: H(entry), result: "invalid", error: "no_matching_signature" });
  }
  {
    // The URL-safe alphabet: an id whose signature has a `+` or `/` to change.
    let i = 0;
    while (!/[+/]/.test(v1a(RFC1.secretKey, `msg_urlsafe_${i}`))) i++;
    const id = `msg_urlsafe_${i}`;
    const urlSafe = v1a(RFC1.secretKey, id).replace(/\+/g, "-").replace(/\//g, "_");
    verifyCase("signature entry: URL-safe alphabet", { headers: H(urlSafe, id), result: "invalid", error: "no_matching_signature" });
    verifyCase("signature entry: the same signature in the standard alphabet", { headers: H(v1a(RFC1.secretKey, id), id), result: "valid" });
  }
  {
    // Small-order R: R = the identity with S = 0 satisfies the cofactored equation for any key
    // and message only if A has small order; with a proper key it must simply fail.
    const forged = Buffer.concat([Buffer.from(TORSION[0][0], "hex"), Buffer.alloc(32)]);
    verifyCase("signature entry: R the identity, S = 0", { headers: H(`v1a,${forged.toString("base64")}`), result: "invalid", error: "no_matching_signature" });
  }

  // Malformed keys: typed errors, never a verifier.
  const keyCase = (key, comment, error) =>
    verifyCase(`key: ${comment}`, { keys: [key], headers: H(sig1), result: "invalid", error });
  keyCase("whpk_", "whpk_ prefix only", "invalid_key");
  keyCase("whsk_", "whsk_ prefix only", "invalid_key");
  keyCase(`whpk_${b64(RFC1.publicKey).replace(/=+$/, "")}`, "public key without its base64 padding", "invalid_key");
  keyCase(`whpk_${b64(RFC1.publicKey).replace(/\//g, "_")}`, "public key in the URL-safe alphabet", "invalid_key");
  keyCase(`whpk_!${b64(RFC1.publicKey).slice(1)}`, "public key not base64", "invalid_key");
  keyCase(`whpk_${b64(RFC1.publicKey.slice(0, 62))}`, "public key of 31 bytes", "invalid_key");
  keyCase(`whpk_${b64(`${RFC1.publicKey}00`)}`, "public key of 33 bytes", "invalid_key");
  keyCase(`whpk_${b64(RFC1.secretKey + RFC1.publicKey)}`, "64 bytes under whpk_", "invalid_key");
  keyCase(` whpk_${b64(RFC1.publicKey)}`, "a leading space (then it has no prefix: no kind stated)", "ambiguous_key");
  keyCase(`whpk_${b64(RFC1.publicKey)}\n`, "a trailing newline", "invalid_key");
  keyCase(`WHPK_${b64(RFC1.publicKey)}`, "prefixes are case-sensitive (WHPK_ is no prefix: no kind stated)", "ambiguous_key");
  // Key confusion: a public key without its whpk_ (bare base64), or its bytes as a raw HMAC
  // secret, would let anyone holding the public key forge v1 signatures. Text must state its
  // kind; raw bytes are a secret only where the API says so ({hex}: svix's format "raw").
  keyCase(b64(RFC1.publicKey), "a public key as bare base64, without whpk_", "ambiguous_key");
  keyCase(b64(RFC1.secretKey), "a signing key as bare base64, without whsk_", "ambiguous_key");
  keyCase(CODAT_SECRET.slice(6), "an HMAC secret as bare base64, without whsec_", "ambiguous_key");
  keyCase("", "empty text", "invalid_secret");
  {
    // The forgery the rule prevents: an HMAC over the public key's bytes, which anyone can make.
    const forged = `v1,${createHmac("sha256", Buffer.from(RFC1.publicKey, "hex")).update(content(ID, TS, BODY)).digest("base64")}`;
    verifyCase("a v1 signature made with the public key's bytes as HMAC key, verifier given the public key as bare base64", {
      keys: [b64(RFC1.publicKey)],
      headers: H(forged),
      result: "invalid",
      error: "ambiguous_key",
    });
    verifyCase("the same forgery against the public key with its whpk_", { keys: [whpk(RFC1.secretKey)], headers: H(forged), result: "invalid", error: "no_matching_signature" });
  }
  {
    // The last base64 character of a 32-byte key carries 2 unused bits.
    const text = b64(RFC1.publicKey);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = text[42];
    const bumped = alphabet[alphabet.indexOf(last) + 1];
    keyCase(`whpk_${text.slice(0, 42)}${bumped}=`, "stray bits in the last base64 character", "invalid_key");
  }
  for (const [hex, what] of TORSION) {
    keyCase(`whpk_${b64(hex)}`, `small-order public key: ${what}`, "invalid_key");
  }
  keyCase({ publicKeyHex: TORSION[4][0] }, "small-order public key as raw bytes", "invalid_key");
  keyCase(`whpk_${b64(nonCanonical.hex)}`, `non-canonical encoding: ${nonCanonical.what}`, "invalid_key");
  keyCase(`whpk_${b64(notOnCurve.hex)}`, `not a point: ${notOnCurve.what}`, "invalid_key");
  keyCase(`whpk_${b64(negativeZero)}`, "x = 0 with the sign bit set (negative zero)", "invalid_key");
  keyCase(`whsk_${b64(RFC1.secretKey.slice(0, 62))}`, "signing key of 31 bytes", "invalid_key");
  keyCase(`whsk_${b64(`${RFC1.secretKey}00`)}`, "signing key of 33 bytes", "invalid_key");
  keyCase(`whsk_${b64(RFC1.secretKey + RFC2.publicKey)}`, "64-byte signing key whose public half belongs to another seed", "invalid_key");
  keyCase({ signingKeyHex: RFC1.secretKey + RFC2.publicKey }, "raw 64-byte signing key, halves disagree", "invalid_key");
  keyCase({ signingKeyHex: "" }, "empty raw signing key", "invalid_key");
  keyCase({ publicKeyHex: "" }, "empty raw public key", "invalid_key");

  // Signing, compared with node:crypto.
  signCase("whsk_ seed signs v1a (node:crypto)", { keys: [whsk(RFC1.secretKey)], expected: sig1 });
  signCase("whsk_ seed ‖ public key signs the same", { keys: [whskPair(RFC1.secretKey)], expected: sig1 });
  signCase("the standard-webhooks JS pull request's known answer", { keys: [whsk(PR_SEED)], expected: PR_EXPECTED });
  signCase("raw signing key bytes", { keys: [{ signingKeyHex: RFC2.secretKey }], expected: v1a(RFC2.secretKey) });
  signCase("a public key cannot sign", { keys: [whpk(RFC1.secretKey)], result: "invalid", error: "no_signing_key" });
  signCase("the first key that can sign signs: [whpk_, whsk_]", { keys: [whpk(RFC2.secretKey), whsk(RFC1.secretKey)], expected: sig1 });
  signCase("the first key that can sign signs: [whpk_, whsec_]", { keys: [whpk(RFC2.secretKey), CODAT_SECRET], expected: hmacSig });
  signCase("the first key that can sign signs: [whsec_, whsk_]", { keys: [CODAT_SECRET, whsk(RFC1.secretKey)], expected: hmacSig });
  {
    const bytes = [0xff, 0x00, 0xfe, 0x80];
    signCase("non-UTF-8 body, byte-exact", {
      keys: [whsk(RFC3.secretKey)],
      id: "msg_bytes",
      timestamp: 1700000000,
      body: undefined,
      bodyHex: Buffer.from(bytes).toString("hex"),
      expected: v1a(RFC3.secretKey, "msg_bytes", 1700000000, Buffer.from(bytes)),
    });
  }

  // The primitive: RFC 8032 known answers and Wycheproof, through every host.
  for (const t of rfc.tests) {
    push({ op: "ed25519_sign", comment: `RFC 8032 ${t.name}`, signingKeyHex: t.secretKey, msgHex: t.message, expected: t.signature, result: "valid" });
    push({ op: "ed25519_sign", comment: `RFC 8032 ${t.name}, seed ‖ public key`, signingKeyHex: t.secretKey + t.publicKey, msgHex: t.message, expected: t.signature, result: "valid" });
    push({ op: "ed25519_verify", comment: `RFC 8032 ${t.name}`, publicKeyHex: t.publicKey, msgHex: t.message, sigHex: t.signature, result: "valid" });
  }
  push({ op: "ed25519_sign", comment: "seed ‖ public key of another seed", signingKeyHex: RFC1.secretKey + RFC2.publicKey, msgHex: "", result: "invalid", error: "invalid_key" });
  push({ op: "ed25519_sign", comment: "a 31-byte seed", signingKeyHex: RFC1.secretKey.slice(0, 62), msgHex: "", result: "invalid", error: "invalid_key" });
  for (const t of wycheproof.tests) {
    const got = nodeVerify(t.publicKey, Buffer.from(t.msg, "hex"), Buffer.from(t.sig, "hex"));
    if (got !== t.result) throw new Error(`node:crypto disagrees with Wycheproof ed25519 tcId ${t.tcId}`);
    push({
      op: "ed25519_verify",
      comment: `Wycheproof ed25519 tcId ${t.tcId} [${t.flags.join(", ")}]: ${t.comment}`,
      publicKeyHex: t.publicKey,
      msgHex: t.msg,
      sigHex: t.sig,
      result: t.result,
    });
  }
  // Strictness beyond RFC 8032's verification equation: small-order keys are refused.
  {
    const [A] = TORSION[0];
    const forged = Buffer.concat([Buffer.from(A, "hex"), Buffer.alloc(32)]).toString("hex");
    push({
      op: "ed25519_verify",
      comment: "the identity as public key, R the identity and S = 0: verifies any message cofactorless; refused as a weak key",
      publicKeyHex: A,
      msgHex: Buffer.from("any message").toString("hex"),
      sigHex: forged,
      result: "invalid",
      error: "invalid_key",
      peers: { nodeCrypto: nodeVerify(A, Buffer.from("any message"), Buffer.from(forged, "hex")) },
    });
    push({
      op: "ed25519_verify",
      comment: `non-canonical public key encoding (${nonCanonical.what})`,
      publicKeyHex: nonCanonical.hex,
      msgHex: "",
      sigHex: "00".repeat(64),
      result: "invalid",
      error: "invalid_key",
    });
    push({
      op: "ed25519_verify",
      comment: "a 63-byte signature is invalid, not an error",
      publicKeyHex: RFC1.publicKey,
      msgHex: "",
      sigHex: RFC1.signature.slice(0, 126),
      result: "invalid",
    });
  }
  return cases;
}

export const v1aDescription =
  "Standard Webhooks v1a (ed25519). op verify/sign: `keys` are whsec_/whpk_/whsk_ strings (text without one of these prefixes states no kind: `ambiguous_key`), {hex} raw HMAC secrets (JS: with { format: \"raw\" }), {publicKeyHex} raw 32-byte public keys or {signingKeyHex} raw 32- or 64-byte signing keys; otherwise as signature.json (`headers`, `body`/`bodyHex`, `now`, `tolerance`); sign `expected` or `error`. op ed25519_verify: the primitive over `publicKeyHex`, `msgHex`, `sigHex` (RFC 8032 §7.1, Wycheproof, hand-made), `result` or `error` for a refused key. op ed25519_sign: `signingKeyHex` (seed, or seed ‖ public key), `msgHex` → `expected` hex. Signatures by node:crypto; `peers.nodeCrypto` records OpenSSL's verdict where ours is stricter.";
