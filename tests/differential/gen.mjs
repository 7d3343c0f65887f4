// The seeded generator of the differential test: structured random cases for every exported
// function, reproducible from (seed, index) alone. A generated case is abstract where that
// matters for shrinking: a signature entry names the key and message it signs, and
// `materialize` computes it (node:crypto) over the case as it stands, so a shrunk case stays
// validly signed where the original was. Hosts only ever see materialized (concrete) cases.
import { createHmac, createPrivateKey, createPublicKey, sign as nodeSign } from "node:crypto";
// Where the npm package hands hashing to node:crypto on Node, Bun and Deno.
import { HOST_HMAC_THRESHOLD } from "../../js/src/webhook.js";
import { UTF8_CHARS, expand, utf8, xorshift32 } from "./lib.mjs";

// ---------------------------------------------------------------------------------------------
// Randomness

/** A case's own generator, from the run seed and the case index (splitmix-style mixing). */
export function caseRandom(seed, index) {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return rng(h ^ (h >>> 16));
}

function rng(seed) {
  const next = xorshift32(seed);
  const r = {
    u32: next,
    /** 0 ≤ n < k */
    int: (k) => (k <= 1 ? 0 : Math.floor((next() / 2 ** 32) * k)),
    between: (a, b) => a + r.int(b - a + 1),
    chance: (p) => next() / 2 ** 32 < p,
    pick: (list) => list[r.int(list.length)],
    /** Picks by weight: [[weight, value], …]. */
    weighted(table) {
      const total = table.reduce((n, [w]) => n + w, 0);
      let x = (next() / 2 ** 32) * total;
      for (const [w, v] of table) {
        if ((x -= w) < 0) return v;
      }
      return table[table.length - 1][1];
    },
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
    seed: () => next() >>> 0,
  };
  return r;
}

const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SAFE = 2 ** 53 - 1;
const NOW = 1_700_000_000;

function word(r, n, alphabet = ALNUM) {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
}

/** Text of whole characters drawn from a mix of ASCII and UTF8_CHARS. */
function unicode(r, n) {
  let s = "";
  for (let i = 0; i < n; i++) s += r.chance(0.5) ? ALNUM[r.int(ALNUM.length)] : r.pick(UTF8_CHARS);
  return s;
}

/** Any text: mostly ordinary, sometimes hostile. */
function text(r, max = 40) {
  return r.weighted([
    [5, () => word(r, r.int(max + 1))],
    [3, () => unicode(r, r.int(max + 1))],
    [1, () => word(r, r.int(max + 1), " \t,:;=.-_*/\\\"'")],
    [1, () => ""],
  ])();
}

/** Byte-level mutations of a string (UTF-8), re-read as UTF-8 or, failing that, Latin-1, as
 *  a server hands raw header bytes to JavaScript. */
export function mutateText(s, ops) {
  let b = Array.from(new TextEncoder().encode(s));
  for (const [op, pos, arg] of ops) {
    const at = b.length === 0 ? 0 : pos % (b.length + (op === "insert" ? 1 : 0));
    if (op === "flip" && b.length) b[at] ^= 1 << (arg & 7);
    else if (op === "set" && b.length) b[at] = arg & 0xff;
    else if (op === "insert") b.splice(at, 0, arg & 0xff);
    else if (op === "delete" && b.length) b.splice(at, 1);
    else if (op === "truncate") b = b.slice(0, at);
    else if (op === "dup" && b.length) b.splice(at, 0, ...b.slice(at, at + 1 + (arg % 8)));
  }
  const bytes = Uint8Array.from(b);
  return utf8(bytes) ?? String.fromCharCode(...bytes);
}

function textOps(r) {
  const ops = [];
  const n = r.weighted([[6, 1], [2, 2], [1, 4]]);
  for (let i = 0; i < n; i++) {
    ops.push([r.pick(["flip", "set", "insert", "delete", "truncate", "dup"]), r.int(1 << 16), r.pick([0x00, 0x20, 0x2c, 0x30, 0x3d, 0x80, 0xc3, 0xff, r.int(256)])]);
  }
  return ops;
}

/** Byte-level mutations of a body spec, kept as a spec (cheap for MiB bodies). */
function mutateBody(r, spec, len) {
  const n = r.weighted([[6, 1], [2, 2], [1, 3]]);
  for (let i = 0; i < n; i++) {
    const at = r.int(len + 1);
    spec = r.weighted([
      [4, () => ({ xor: [spec, [[at, 1 << r.int(8)]]] })],
      [2, () => ({ cat: [{ slice: [spec, 0, at] }, { hex: hex(r.bytes(1 + r.int(3))) }, { slice: [spec, at, len] }] })],
      [2, () => ({ cat: [{ slice: [spec, 0, at] }, { slice: [spec, at + 1 + r.int(4), len] }] })],
      [1, () => ({ slice: [spec, 0, at] })],
      [1, () => ({ cat: [spec, r.pick([" ", "\n", "\u0000", { hex: "ff" }, "}"])] })],
    ])();
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Bodies

/** A body length: mostly small; a meaningful share (≈ 17 %) above 16 KiB, most of it up to
 *  64 KiB and a tail up to 1 MiB (so the volume stays near 16 KB a case), and about half above
 *  the length from which the npm package hashes with node:crypto on Node, Bun and Deno instead
 *  of wasm; edges around that length, 1 KiB, 16 KiB and 1 MiB on purpose. */
function bodyLength(r) {
  const logUniform = (lo, hi) => Math.floor(lo * (hi / lo) ** (r.int(1 << 20) / (1 << 20)));
  return r.weighted([
    [25, () => r.int(65)],
    [33, () => 64 + r.int(2048 - 64)],
    // Where the npm package hands hashing to node:crypto, 1 KiB, and an older bound (16 KiB).
    [1, () => HOST_HMAC_THRESHOLD + r.between(-3, 3)],
    [1, () => 1024 + r.between(-3, 3)],
    [18, () => 2048 + r.int(16 * 1024 - 2048)],
    [3, () => 16 * 1024 + r.between(-3, 3)],
    [12, () => logUniform(16 * 1024, 64 * 1024)],
    [2, () => logUniform(64 * 1024, 1024 * 1024)],
    [0.3, () => 1024 * 1024 + r.between(-2, 0)],
    [2, () => 0],
  ])();
}

function jsonString(r, max = 20) {
  return JSON.stringify(text(r, max));
}

/** A JSON value of the shapes Codat bodies hold, some hostile (deep, big numbers, escapes). */
function jsonValue(r, depth = 0) {
  const leaf = () =>
    r.weighted([
      [3, () => jsonString(r)],
      [2, () => String(r.int(1000))],
      [1, () => r.pick(["true", "false", "null", "-0", "1e400", "1.5e-7", "12345678901234567890", "0.1", "-1E+2", "1e21", "123456789e-30"])],
      [1, () => `"\\u00e9\\ud83d\\ude80\\n\\"\\\\\\/\\u0000"`],
    ])();
  if (depth > 3 || r.chance(0.5)) return leaf();
  if (r.chance(0.5)) {
    const items = Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1));
    return `[${items.join(",")}]`;
  }
  const members = Array.from({ length: r.int(5) }, () => `${r.chance(0.8) ? jsonString(r, 8) : '"__proto__"'}:${jsonValue(r, depth + 1)}`);
  return `{${members.join(r.pick([",", ", ", ",\n"]))}}`;
}

const EVENT_TYPES = ["read.completed", "connection.connected", "company.created", "company.updated", "client.rateLimit.reached", "sync.failed", "a", "read.*"];
const RULE_TYPES = ["DataConnectionStatusChanged", "Company Data Synchronized", "New Company Synchronized", ""];

function member(r, name, value) {
  return `${JSON.stringify(name)}:${value}`;
}

/** A tag object as Codat sends it, sometimes with odd values or too many tags. */
function tagsJson(r) {
  const n = r.weighted([[6, r.int(4)], [1, 10], [1, 100], [1, 101]]);
  const members = [];
  for (let i = 0; i < n; i++) {
    const key = r.chance(0.7) ? r.pick(["region", "service", "tier", "env", "__proto__", "2", "é"]) + (r.chance(0.3) ? String(i) : "") : text(r, 30);
    const value = r.chance(0.95) ? jsonString(r, 12) : r.pick(["1", "null", "{}", '["x"]']);
    members.push(member(r, key, value));
  }
  return r.chance(0.05) ? r.pick(["null", "[]", '"x"', "1"]) : `{${members.join(",")}}`;
}

function companyJson(r) {
  const members = [];
  if (r.chance(0.9)) members.push(member(r, "id", r.chance(0.9) ? JSON.stringify(`${hex(r.bytes(4))}-9b53-4396-a412-4f2f5983b0a2`) : r.pick(["null", "1", "{}"])));
  if (r.chance(0.7)) members.push(member(r, "name", r.chance(0.9) ? jsonString(r) : "null"));
  if (r.chance(0.8)) members.push(member(r, "tags", tagsJson(r)));
  if (r.chance(0.2)) members.push(member(r, "extra", jsonValue(r)));
  return `{${members.join(",")}}`;
}

/** A Codat event body: current envelope or legacy rule body, sometimes malformed. */
function eventJson(r, pad = 0) {
  const members = [];
  if (r.chance(0.15)) {
    members.push(member(r, "RuleType", r.chance(0.9) ? JSON.stringify(r.pick(RULE_TYPES)) : r.pick(["null", "1", "[]"])));
    for (const f of ["CompanyId", "ClientId", "ClientName", "DataConnectionId", "RuleId", "AlertId", "Message"]) {
      if (r.chance(0.7)) members.push(member(r, f, r.chance(0.92) ? jsonString(r) : r.pick(["null", "2", "{}"])));
    }
    if (r.chance(0.7)) members.push(member(r, "Data", r.chance(0.1) ? "null" : jsonValue(r)));
  } else {
    const type = r.chance(0.9) ? JSON.stringify(r.chance(0.85) ? r.pick(EVENT_TYPES) : text(r, 20)) : r.pick(["null", "1", '""']);
    if (r.chance(0.9)) members.push(member(r, "eventType", type));
    if (r.chance(0.2)) members.push(member(r, "type", JSON.stringify(r.pick(EVENT_TYPES))));
    if (r.chance(0.8)) members.push(member(r, "id", r.chance(0.95) ? JSON.stringify(`743ec94a-8aa4-44bb-8bd4-${hex(r.bytes(6))}`) : "7"));
    if (r.chance(0.7)) members.push(member(r, "generatedDate", r.chance(0.95) ? '"2026-04-01T12:00:00Z"' : "[]"));
    if (r.chance(0.85)) {
      const payload = r.weighted([
        [6, () => `{${[r.chance(0.8) ? member(r, "referenceCompany", r.chance(0.95) ? companyJson(r) : r.pick(["null", "1"])) : null, r.chance(0.5) ? member(r, "dataType", '"invoices"') : null, r.chance(0.3) ? member(r, "x", jsonValue(r)) : null].filter(Boolean).join(",")}}`],
        [2, () => companyJson(r)],
        [1, () => r.pick(["null", "[]", '"p"', "{}"])],
      ])();
      members.push(member(r, "payload", payload));
    }
  }
  if (r.chance(0.1)) members.push(member(r, r.pick(["eventType", "id", "payload"]), jsonValue(r))); // a duplicate key
  const head = `{${members.join(",")}`;
  if (pad <= 0) return { cat: [head, "}"] };
  // A large event: a long string member (the pad itself is cheap to describe).
  return { cat: [head, members.length ? "," : "", '"pad":"', { fill: [r.seed(), pad, "text"] }, '"}'] };
}

/** A body spec of about `len` bytes. */
function body(r, len) {
  const kind = r.weighted([[5, "event"], [2, "text"], [1, "utf8"], [2, "bytes"]]);
  if (kind === "event") return eventJson(r, Math.max(0, len - 200));
  if (kind === "text") return r.chance(0.5) ? { fill: [r.seed(), len, "ascii"] } : len <= 64 ? text(r, len) : { fill: [r.seed(), len, "text"] };
  if (kind === "utf8") return { fill: [r.seed(), len, "utf8"] };
  return { fill: [r.seed(), len, "bytes"] };
}

/** The JS form a body travels in: a string only when it is UTF-8. */
function bodyForm(r, bytes) {
  const forms = [[4, "bytes"], [2, "arraybuffer"], [2, "view"]];
  if (utf8(bytes) !== undefined) forms.push([4, "string"]);
  return r.weighted(forms);
}

// ---------------------------------------------------------------------------------------------
// ed25519 (v1a), by node:crypto

const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const edPrivate = (seed) => createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from(seed)]), format: "der", type: "pkcs8" });
/** The 32-byte public key of a 32-byte seed. */
export const edPublic = (seed) => createPublicKey(edPrivate(seed)).export({ format: "der", type: "spki" }).subarray(-32);
/** The 64-byte ed25519 signature of `message` under `seed`. */
export const edSign = (seed, message) => nodeSign(null, Buffer.from(message), edPrivate(seed));
/** The group order L: S + L is the same signature with a non-canonical S. */
const ED_L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** The identity point, of small order: refused as a public key. */
const SMALL_ORDER = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]);

function nonCanonicalS(sig) {
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString("hex")}`) + ED_L;
  if (s >= 2n ** 256n) return sig;
  const le = Buffer.from(s.toString(16).padStart(64, "0"), "hex").reverse();
  return Buffer.concat([sig.subarray(0, 32), le]);
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** A key for a verifier: `{ text, key }`, `text` as the case carries it, `key` what signs for it
 *  (HMAC key bytes as hex, or `ed:` + the ed25519 seed). */
function secretOf(r) {
  if (r.chance(0.08)) return edKeyOf(r);
  const key = r.bytes(r.weighted([[6, 24 + r.int(41)], [1, 1 + r.int(23)], [1, 65 + r.int(960)]]));
  const form = r.weighted([
    [70, "whsec"],
    [8, "bare"],
    [8, "raw"],
    [14, "odd"],
  ]);
  if (form === "whsec") return { text: `whsec_${b64(key)}`, key: hex(key) };
  if (form === "bare") return { text: b64(key), key: hex(key) };
  if (form === "raw") return { text: { hex: hex(key) }, key: hex(key) };
  const e = b64(key);
  // Not complete base64, or not base64 at all: each host must refuse the same way.
  const odd = r.pick([
    `whsec_${e.replace(/=+$/, "")}`,
    `whsec_${e}\n`,
    ` whsec_${e}`,
    `whsec_${e.slice(0, 8)} ${e.slice(8)}`,
    `whsec_${e.replaceAll("+", "-").replaceAll("/", "_")}`,
    "whsec_",
    "",
    "whsec_QQ",
    "whsec_QR==",
    "whsec_QQ=",
    "whsec_====",
    `whsec_${e}${e}`,
    `whsec_${"A".repeat(4096)}`,
    `whsec_${"A".repeat(4088)}`,
    `whsec_${b64(r.bytes(1025))}`,
    `whsec_${b64(r.bytes(1024))}`,
    `Whsec_${e}`,
    `whsec_whsec_${e}`,
    `whsec_${e.slice(0, -1)}é`,
    { hex: "" },
    { hex: hex(r.bytes(1025)) },
    { hex: hex(r.bytes(1024)) },
  ]);
  let decoded;
  if (typeof odd === "string") {
    const t = odd.startsWith("whsec_") ? odd.slice(6) : odd;
    decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(t) && t.length % 4 === 0 ? Buffer.from(t, "base64") : key;
  } else {
    decoded = Buffer.from(odd.hex, "hex");
  }
  return { text: odd, key: hex(decoded) };
}

/** An ed25519 (v1a) key in one of its forms, sometimes malformed or weak. */
function edKeyOf(r) {
  const seed = r.bytes(32);
  const pub = edPublic(seed);
  const key = `ed:${hex(seed)}`;
  const form = r.weighted([[4, "whpk"], [3, "whsk"], [1, "whsk64"], [2, "publicKey"], [1, "signingKey"], [2, "odd"]]);
  if (form === "whpk") return { text: `whpk_${b64(pub)}`, key };
  if (form === "whsk") return { text: `whsk_${b64(seed)}`, key };
  if (form === "whsk64") return { text: `whsk_${b64(Buffer.concat([seed, pub]))}`, key };
  if (form === "publicKey") return { text: { publicKey: { hex: hex(pub) } }, key };
  if (form === "signingKey") return { text: { signingKey: { hex: hex(r.chance(0.5) ? seed : Buffer.concat([seed, pub])) } }, key };
  const text = r.pick([
    `whpk_${b64(pub).replace(/=$/, "")}`,
    `whpk_${b64(pub.subarray(0, 31))}`,
    `whpk_${b64(Buffer.concat([pub, Buffer.from([0])]))}`,
    `whsk_${b64(Buffer.concat([seed, edPublic(r.bytes(32))]))}`,
    `whpk_${b64(SMALL_ORDER)}`,
    `whpk_${b64(Buffer.alloc(32, 0xff))}`,
    `whpk_${b64(r.bytes(32))}`,
    `whpk_${b64(pub).replace(/.=$/, (m) => `${String.fromCharCode(m.charCodeAt(0) ^ 1)}=`)}`,
    "whpk_",
    "whsk_",
    `WHPK_${b64(pub)}`,
    `whpk_ ${b64(pub)}`,
    { publicKey: { hex: hex(SMALL_ORDER) } },
    { publicKey: { hex: "" } },
    { signingKey: { hex: hex(seed.subarray(0, 31)) } },
    { signingKey: { hex: hex(Buffer.concat([seed, edPublic(r.bytes(32))])) } },
  ]);
  return { text, key };
}

/** Whether a key as a case carries it is an ed25519 (v1a) key: the peers know none. */
export function isEdKey(s) {
  if (typeof s === "string") return /^whpk_|^whsk_/.test(s);
  return s.publicKey !== undefined || s.signingKey !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Header names

const KELVIN = "\u212a"; // lower-cases to "k" in JavaScript, but is no ASCII letter

function nameVariant(r, name) {
  return r.weighted([
    [10, () => name],
    [2, () => name.toUpperCase()],
    [2, () => name.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase())],
    [2, () => [...name].map((c) => (r.chance(0.5) ? c.toUpperCase() : c)).join("")],
    [1, () => name.replace("k", KELVIN)],
    [1, () => r.pick([`${name} `, ` ${name}`, `${name}x`, name.replace("-", "_"), name.slice(0, -1)])],
  ])();
}

// ---------------------------------------------------------------------------------------------
// verify / sign

function timestampText(r, ts) {
  return r.weighted([
    [80, () => String(ts)],
    [1, () => `+${ts}`],
    [1, () => `0${ts}`],
    [1, () => ` ${ts}`],
    [1, () => `${ts} `],
    [1, () => `${ts}abc`],
    [1, () => `${ts}.0`],
    [1, () => `-${ts}`],
    [1, () => "1e9"],
    [1, () => String(ts).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))],
    [1, () => r.pick(["9223372036854775807", "9223372036854775808", "99999999999999999999", "0", "00", "-0", "18446744073709551616", "1614265330", "8640000000000", "8640000000001"])],
    [1, () => ""],
    [1, () => `0x${ts.toString(16)}`],
    [1, () => `${ts}\u0000`],
  ])();
}

function idText(r) {
  return r.weighted([
    [70, () => `msg_${word(r, 27)}`],
    [8, () => unicode(r, 1 + r.int(40))],
    [4, () => text(r, 60)],
    [3, () => "x".repeat(r.pick([255, 256, 257, 500, 8191, 8192, 8193, 20000]))],
    [2, () => "m".repeat(100 + r.int(9000))],
    [2, () => ""],
    [1, () => "msg with spaces,and.dots"],
    [1, () => "msg\u0000nul"],
  ])();
}

function secretCount(r) {
  return r.weighted([[60, 1], [20, 2], [8, 3 + r.int(4)], [4, 7 + r.int(9)], [3, 16], [2, 17], [1, 0], [1, 18 + r.int(10)]]);
}

/** A `v1` entry that never matches, in the many shapes a sender or attacker can send. */
function junkEntry(r, mac) {
  const good = b64(mac);
  return r.weighted([
    [4, () => `v1,${b64(r.bytes(32))}`],
    [1, () => "v1,"],
    [1, () => `v1,${good.slice(0, 43)}`],
    [1, () => `v1,${good.replace(/=$/, "")}`],
    [1, () => `v1,${good}=`],
    [1, () => `v1,${good.replaceAll("+", "-").replaceAll("/", "_")}`],
    [1, () => `v1,${good},x`],
    [1, () => `v1,${b64(r.bytes(32))},v1,${good}`],
    [1, () => `v2,${good}`],
    [1, () => `V1,${good}`],
    [1, () => `v1a,${b64(r.bytes(64))}`],
    [1, () => good],
    [1, () => `v1;${good}`],
    [1, () => `v1, ${good}`],
    [1, () => `v1,${b64(r.bytes(31))}`],
    [1, () => `v1,${b64(r.bytes(33))}`],
    [2, () => `v1a,${b64(r.bytes(64))}`],
    [1, () => `v1a,${b64(r.bytes(r.pick([0, 63, 65])))}`],
    [1, () => `v1a,${good}`],
    [1, () => text(r, 20)],
  ])();
}

function layoutOf(r, slots) {
  // slots: the three header roles; names svix-* or webhook-*, in any case, in any order,
  // sometimes twice, sometimes missing, sometimes empty, with unrelated headers around.
  const layout = [];
  for (const role of ["id", "timestamp", "signature"]) {
    const present = r.chance(0.97);
    if (!present) continue;
    const family = r.weighted([[6, "webhook"], [3, "svix"], [1, "both"]]);
    const slot = slots[role];
    if (family === "both") {
      const first = r.pick(["svix", "webhook"]);
      const second = first === "svix" ? "webhook" : "svix";
      layout.push([nameVariant(r, `${first}-${role}`), r.chance(0.7) ? slot : { lit: r.chance(0.5) ? "" : text(r, 10) }]);
      layout.push([nameVariant(r, `${second}-${role}`), r.chance(0.7) ? slot : { lit: r.chance(0.5) ? "" : text(r, 10) }]);
    } else {
      layout.push([nameVariant(r, `${family}-${role}`), r.chance(0.97) ? slot : { lit: "" }]);
    }
    if (r.chance(0.06)) {
      // The same name again (another case or the exact same), with another value.
      const base = layout[layout.length - 1][0];
      const again = r.chance(0.5) ? base : nameVariant(r, base.toLowerCase());
      const value = r.chance(0.5) ? { lit: r.chance(0.3) ? "" : text(r, 12) } : slot;
      if (r.chance(0.5)) layout.push([again, value]);
      else layout.splice(layout.length - 1, 0, [again, value]);
    }
  }
  const extras = r.weighted([[6, 0], [3, 1 + r.int(3)], [1, 5 + r.int(10)]]);
  for (let i = 0; i < extras; i++) {
    const pos = r.int(layout.length + 1);
    const name = r.pick(["content-type", "user-agent", "webhook-idx", "svix-ids", "x-codat-clientid", "webhook-id-", "id", "timestamp", "svix-signature2", "accept"]);
    layout.splice(pos, 0, [nameVariant(r, name), { lit: text(r, 16) }]);
  }
  if (r.chance(0.1)) {
    // Shuffle.
    for (let i = layout.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [layout[i], layout[j]] = [layout[j], layout[i]];
    }
  }
  return layout;
}

function verifyCase(r) {
  const secrets = Array.from({ length: secretCount(r) }, () => secretOf(r));
  const tsNum = r.weighted([[8, NOW + r.between(-1000, 1000)], [1, r.int(2 ** 31)], [1, r.pick([0, 1, 1614265330, 2 ** 32, 8.64e12, SAFE, 4102444800])]]);
  const ts = timestampText(r, tsNum);
  const tol = r.weighted([[70, null], [10, r.pick([0, 1, 60, 300, 301, 3600])], [5, "ignore"], [2, r.pick([SAFE, 2 ** 32])]]);
  const tolSecs = tol === null ? 300 : tol === "ignore" ? 300 : tol;
  const now = Math.min(SAFE, Math.max(-SAFE, r.weighted([
    [50, tsNum],
    [15, tsNum + r.between(-tolSecs, tolSecs)],
    [6, tsNum + tolSecs],
    [6, tsNum - tolSecs],
    [5, tsNum + tolSecs + 1],
    [5, tsNum - tolSecs - 1],
    [5, tsNum + r.between(-100000, 100000)],
    [2, r.pick([0, -1, SAFE, -SAFE, NOW])],
  ])));
  const len = bodyLength(r);
  const bodySpec = body(r, len);
  const id = idText(r);
  // Signature entries: usually one good one, with rotation, junk and other keys around it.
  const entries = [];
  const n = r.weighted([[60, 1], [20, 2 + r.int(3)], [8, 5 + r.int(20)], [3, 60 + r.int(8)], [2, 100 + r.int(200)], [3, 0]]);
  const goodAt = r.chance(0.85) ? r.int(Math.max(n, 1)) : -1;
  for (let i = 0; i < n; i++) {
    if (i === goodAt && secrets.length > 0) {
      const over = {};
      if (r.chance(0.04)) over.ts = String(tsNum); // signed over the canonical form of an odd timestamp
      if (r.chance(0.03)) over.id = id.toUpperCase();
      entries.push({ mac: r.int(secrets.length), ...(Object.keys(over).length ? { over } : {}) });
    } else {
      entries.push(r.weighted([
        [5, () => ({ junk: r.seed() })],
        [2, () => ({ mac: { hex: hex(r.bytes(32)) } })],
        [1, () => ({ mac: { seed: hex(r.bytes(32)) } })],
        [1, () => ({ mac: r.int(Math.max(secrets.length, 1)), over: { body: "{}" } })],
      ])());
    }
  }
  const sep = r.weighted([[30, " "], [1, "  "], [1, "\t"], [1, ", "], [1, ","]]);
  const c = {
    k: "verify",
    secrets: secrets.map((s) => s.text),
    keys: secrets.map((s) => s.key),
    tol,
    max: r.weighted([[90, null], [5, len], [3, Math.max(0, len - 1)], [2, r.int(1 << 20)]]),
    now,
    id,
    ts,
    body: bodySpec,
    entries,
    sep,
    sigAround: r.chance(0.05) ? [r.pick(["", " ", "  "]), r.pick(["", " "])] : ["", ""],
    layout: layoutOf(r, { id: "id", timestamp: "ts", signature: "sig" }),
    mut: [],
  };
  if (r.chance(0.2)) {
    // Byte-level mutations. Tampered: the signatures stay those of the original message.
    // Re-signed: the signatures are made over the mutated message (odd content, valid MAC).
    const slot = r.weighted([[3, "sig"], [2, "ts"], [2, "id"], [3, "body"]]);
    const resigned = slot !== "sig" && r.chance(0.4);
    if (slot === "body") {
      if (!resigned) c.signedBody = c.body;
      c.body = mutateBody(r, c.body, len);
    } else if (resigned) {
      c[slot] = mutateText(c[slot], textOps(r));
    } else {
      c.mut.push([slot, textOps(r)]);
    }
  }
  return c;
}

function signCase(r) {
  const secrets = Array.from({ length: r.weighted([[8, 1], [1, 2], [1, 17]]) }, () => secretOf(r));
  const len = bodyLength(r);
  return {
    k: "sign",
    secrets: secrets.map((s) => s.text),
    id: idText(r),
    ts: r.weighted([[8, NOW + r.int(1000)], [1, r.between(-SAFE, SAFE)], [1, r.pick([0, -1, SAFE, -SAFE, 8.64e12, 8.64e12 + 1])]]),
    body: body(r, len),
  };
}

/** Signs `id.ts.body` (node:crypto) under a key given as bytes. */
function mac(key, id, ts, bodyBytes) {
  return createHmac("sha256", key).update(`${id}.${ts}.`).update(bodyBytes).digest();
}

// ---------------------------------------------------------------------------------------------
// Delivery

const STATUSES = [100, 101, 199, 200, 201, 202, 204, 226, 299, 300, 301, 302, 304, 307, 308, 399, 400, 401, 403, 404, 408, 409, 410, 413, 418, 420, 422, 429, 451, 460, 499, 500, 501, 502, 503, 504, 505, 520, 521, 522, 523, 524, 599, 600, 999, 0, 1, 65535];

function outcomeOf(r) {
  return r.weighted([[85, () => (r.chance(0.8) ? r.pick(STATUSES) : r.int(65536))], [8, () => "timeout"], [7, () => "connection_error"]])();
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad2 = (n) => String(n).padStart(2, "0");

/** An HTTP-date in one of the three forms, from a random instant, sometimes broken. */
function httpDateText(r, now) {
  const t = r.weighted([
    [6, () => now + r.between(-100000, 100000)],
    [2, () => r.between(-62135596800, 253402300799)],
    [1, () => r.pick([-62135596800, 253402300799, 0, 951782400, 4107542400, 253402300800])],
  ])();
  const d = new Date(t * 1000);
  const y = d.getUTCFullYear();
  const parts = { wd: d.getUTCDay(), dd: d.getUTCDate(), mon: MONTHS[d.getUTCMonth()], y, hh: d.getUTCHours(), mm: d.getUTCMinutes(), ss: d.getUTCSeconds() };
  const time = `${pad2(parts.hh)}:${pad2(parts.mm)}:${r.chance(0.03) ? "60" : pad2(parts.ss)}`;
  let s = r.weighted([
    [6, () => `${DAYS[parts.wd]}, ${pad2(parts.dd)} ${parts.mon} ${String(y).padStart(4, "0")} ${time} GMT`],
    [2, () => `${LONG_DAYS[parts.wd]}, ${pad2(parts.dd)}-${parts.mon}-${pad2(((y % 100) + 100) % 100)} ${time} GMT`],
    [2, () => `${DAYS[parts.wd]} ${parts.mon} ${String(parts.dd).padStart(2, " ")} ${time} ${String(y).padStart(4, "0")}`],
  ])();
  if (r.chance(0.1)) s = r.pick([s.replace("GMT", "UTC"), s.toLowerCase(), ` ${s} `, s.replace(/\d\d/, "31"), s.replace(/\d\d/, "29"), s.replace(", ", ","), `${s}\t`, s.replace("Feb", "Fex")]);
  return s;
}

function retryAfterText(r, now) {
  return r.weighted([
    [4, () => String(r.int(200))],
    [2, () => String(r.pick([0, 1, 15, 120, 2 ** 32, SAFE, 2 ** 53, 2 ** 63, 2 ** 64 - 1]))],
    [1, () => r.pick(["18446744073709551615", "18446744073709551616", "9".repeat(20), "9".repeat(64), "9".repeat(65), "-1", "+5", "1.5", " 30 ", "\t30", "30s", "", "  "])],
    [4, () => httpDateText(r, now)],
    [1, () => text(r, 30)],
  ])();
}

function nowOf(r) {
  return r.weighted([[8, NOW + r.between(-1e6, 1e6)], [1, r.between(-SAFE, SAFE)], [1, r.pick([0, -1, SAFE, -SAFE, 253402300799, -62135596800])]]);
}

function responseCase(r, kind) {
  const policy = r.pick(["legacy", "current"]);
  // The response's headers as pairs: Retry-After and webhook-delivery in any case, sometimes
  // twice (the first match is the one read), among unrelated ones.
  const headers = [];
  const add = (name, value) => headers.splice(r.int(headers.length + 1), 0, [name, value]);
  if (r.chance(0.5)) add(r.chance(0.7) ? "retry-after" : nameVariant(r, "retry-after"), retryAfterText(r, NOW));
  if (r.chance(0.3)) add(r.chance(0.7) ? "webhook-delivery" : nameVariant(r, "webhook-delivery"), r.pick(["abort-message", "disable", "ABORT-MESSAGE", " disable\t", "abort", "", "Disable ", text(r, 10)]));
  if (headers.length && r.chance(0.1)) add(nameVariant(r, headers[0][0].toLowerCase()), r.pick(["abort-message", "disable", "5", "", text(r, 8)]));
  if (r.chance(0.2)) add(r.pick(["content-type", "retry-after-ms", "x-webhook-delivery"]), text(r, 10));
  const c = { k: kind, policy, outcome: outcomeOf(r), headers, via: r.pick(["object", "pairs", "map", "headers"]) };
  if (kind === "next") {
    c.attempt = r.weighted([[8, r.int(10)], [1, r.pick([0, 2 ** 32 - 1, 2 ** 31])], [1, r.int(2 ** 32)]]);
    c.now = nowOf(r);
    if (r.chance(0.5)) c.now = r.pick([NOW, SAFE - r.int(100)]);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Routing and guards

function tagText(r) {
  return r.weighted([
    [6, () => `${r.pick(["region", "service", "tier", "é", "k"])}:${r.pick(["us", "uk", "t2k", "", "a:b", "é"])}`],
    [2, () => `${text(r, 30)}:${text(r, 110)}`],
    [1, () => `${"k".repeat(r.pick([26, 27, 28]))}:${"v".repeat(r.pick([99, 100, 101]))}`],
    [1, () => `${"é".repeat(27)}:${"🚀".repeat(100)}`],
    [1, () => text(r, 20)],
    [1, () => r.pick([":", ":v", "k:", "k::", " k:v ", ""])],
  ])();
}

function listOf(r, item, { max = 12 } = {}) {
  const n = r.weighted([[8, r.int(max)], [1, max + r.int(5)], [1, 0]]);
  const list = Array.from({ length: n }, item);
  if (r.chance(0.4)) return list.join(r.pick([",", ", ", " , ", ",,"]));
  return list;
}

function tagsCase(r) {
  const filter = listOf(r, () => tagText(r), { max: 11 });
  const company = Array.from({ length: r.int(6) }, () => {
    const t = tagText(r);
    const i = t.indexOf(":");
    return i >= 0 && r.chance(0.9) ? [t.slice(0, i), t.slice(i + 1)] : [text(r, 8), text(r, 8)];
  });
  return { k: "tags", filter, company };
}

function eventTypePattern(r) {
  return r.weighted([
    [6, () => r.pick(EVENT_TYPES)],
    [3, () => r.pick(["read.*", "connection.*", "*", "company.*", "client.rateLimit.*", "DataConnectionStatusChanged"])],
    [2, () => r.pick([".*", "*.*", "read*", "re*ad.x", "a.*.b", "", " ", "x".repeat(128), "x".repeat(129), "read.\u0000", "read.é*", "**"])],
    [1, () => text(r, 20)],
  ])();
}

function addressText(r) {
  return r.weighted([
    [3, () => r.pick(["4.159.114.108", "20.117.190.191", "20.77.82.168", "51.142.76.22", "::ffff:4.159.114.108", "::ffff:20.77.82.168"])],
    [3, () => `${r.int(256)}.${r.int(256)}.${r.int(256)}.${r.int(256)}`],
    [2, () => Array.from({ length: 8 }, () => r.int(65536).toString(16)).join(":")],
    [1, () => r.pick(["::", "::1", "fe80::1%eth0", "[::1]", "1.2.3.4:80", "01.2.3.4", "1.2.3", "256.1.1.1", "1.2.3.4 ", "", "x".repeat(65), "::ffff:1.2.3.4", "64:ff9b::1.2.3.4", "1::2::3"])],
    [1, () => text(r, 20)],
  ])();
}

function sourceEntry(r) {
  const a = addressText(r);
  return r.weighted([
    [3, () => a],
    [3, () => `${a}/${r.int(130)}`],
    [1, () => r.pick(["0.0.0.0/0", "::/0", "10.0.0.0/8", "1.2.3.4/33", "::/129", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/0032", "1.2.3.4/ 8", "/8"])],
  ])();
}

function authCase(r) {
  const user = r.weighted([[6, "codat"], [1, text(r, 10)], [1, "a:b"], [1, ""]]);
  const pass = r.weighted([[6, "pa55word"], [2, text(r, 20)], [1, ""]]);
  const token = r.weighted([[6, "tok_2f9c1e0b7a4d"], [2, text(r, 20)], [1, ""], [1, "a b"]]);
  const expected = r.chance(0.5) ? { basic: { username: user, password: pass } } : { bearer: token };
  const scheme = r.pick(["Basic", "basic", "BASIC", "Bearer", "bearer", "Token", "", "Basic\t"]);
  const creds = r.weighted([
    [4, () => b64(new TextEncoder().encode(`${user}:${pass}`))],
    [2, () => b64(new TextEncoder().encode(`${user}:${pass}`)).replace(/=+$/, "")],
    [3, () => token],
    [1, () => b64(r.bytes(r.int(40)))],
    [1, () => text(r, 30)],
    [1, () => "x".repeat(r.pick([4089, 4090, 5000]))],
  ])();
  const header = r.weighted([
    [8, () => `${scheme}${r.pick([" ", "  ", "\t", ""])}${creds}`],
    [1, () => r.pick([` ${scheme} ${creds} `, `${scheme} ${creds} extra`, scheme, ""])],
    [1, () => null],
  ])();
  return { k: "auth", header, expected };
}

function rateCase(r) {
  const perSecond = r.weighted([[8, r.pick([1, 2, 5, 10, 100, 1000])], [1, r.pick([0, 1_000_000, 1_000_001, 2 ** 32 - 1, 3])], [1, 1 + r.int(50)]]);
  const burst = r.weighted([[8, r.pick([1, 2, 5, 10])], [1, r.pick([0, 1_000_000, 1_000_001, 2 ** 32 - 1])], [1, 1 + r.int(50)]]);
  let t = r.weighted([[8, NOW * 1000 + r.int(1e6)], [1, 0], [1, r.pick([8.64e15 - 10000, 1])]]);
  const steps = Array.from({ length: r.int(40) }, () => {
    t = Math.min(8.64e15, Math.max(0, t + r.weighted([[6, r.int(300)], [2, r.int(5000)], [1, -r.int(3000)], [1, 0]])));
    return t;
  });
  return { k: "rate", perSecond, burst, steps };
}

/** One request's decision (src/consumer.rs): settings, a request, a signed (or spoiled) body and a
 * random sequence of fed results, in order or not. */
function consumerCase(r) {
  const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const CLIENT = "bae71d36-ff47-420a-b4a6-f8c9ddf41140";
  const settings = {};
  if (r.chance(0.85)) settings.keys = r.chance(0.95) ? [SECRET] : [r.pick(["whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])];
  if (r.chance(0.25)) settings.authorization = r.chance(0.6) ? { bearer: r.pick(["tok_a", "tok_a", "", "a b"]) } : { basic: { username: r.pick(["codat", "codat", "", "a:b"]), password: r.pick(["pw", "pw", ""]) } };
  if (r.chance(0.4)) settings.policy = r.pick(["current", "legacy"]);
  if (r.chance(0.2)) settings.toleranceSeconds = r.pick([0, 10, 300]);
  if (r.chance(0.2)) settings.clientId = CLIENT;
  if (r.chance(0.2)) settings.sources = r.pick([["203.0.113.0/24"], ["4.159.114.108", "20.117.190.191"], ["not an address"]]);
  if (r.chance(0.3)) settings.eventTypes = r.pick(["read.*", "connection.connected, company.*", "read.*.x", ""]);
  if (r.chance(0.3)) settings.companyTags = r.pick(["region:us", "region:uk", "region", ""]);
  for (const [name, values] of [["maxBodyBytes", [0, 16, 1024, 1 << 20, (1 << 20) + 1]], ["bodyTimeoutMs", [0, 1, 5000, 15_000, 15_001]], ["budgetMs", [0, 1, 3000, 15_000, 15_001]], ["retryAfterSeconds", [0, 1, 30, 3600, 3601]]]) {
    if (r.chance(0.12)) settings[name] = r.pick(values);
  }
  if (r.chance(0.4)) settings.rateLimited = true;
  if (r.chance(0.2)) settings.sourceLimited = false;
  if (r.chance(0.3)) settings.backend4xx = r.pick(["retry", "reject", "acknowledge"]);
  const start = 1_700_000_000_000 + r.int(1_000_000);
  const request = {
    method: r.weighted([[10, "POST"], [1, "GET"], [1, "post"], [1, ""]]),
    source: r.pick([null, "203.0.113.7", "4.159.114.108", "junk"]),
    contentLength: r.weighted([[6, null], [2, 300], [1, 2_000_000], [1, 0]]),
    now: start,
  };
  const company = r.pick([{ id: "c1", tags: { region: "us" } }, { id: "c2", tags: { region: "uk" } }, null]);
  const body = r.weighted([
    [6, () => JSON.stringify({ id: r.pick(["e1", "743ec94a-8aa4-44bb-8bd4-e1855ee0e74b", undefined]), eventType: r.pick(["read.completed", "connection.connected", "company.created"]), payload: company ? { referenceCompany: company } : {} })],
    [2, () => JSON.stringify({ RuleType: "DataConnectionStatusChanged", CompanyId: "c3", ClientId: CLIENT, ...(r.chance(0.6) ? { AlertId: r.pick(["a9367074-b5c3-42c4-9be4-be129f43577e", "alert 1"]) } : {}) })],
    [1, () => r.pick(["not json", "[1]", "", `{"eventType":"x","pad":"${"y".repeat(2000)}"}`])],
  ])();
  const id = r.pick(["msg_1", "msg_2", "msg é", "x".repeat(200)]);
  const ts = Math.floor(start / 1000) + r.pick([0, 0, -10, -400, 400]);
  const sig = r.chance(0.8) ? `v1,${mac(Buffer.from(SECRET.slice(6), "base64"), id, ts, Buffer.from(body, "utf8")).toString("base64")}` : "v1,AAAA";
  const headers = [];
  if (r.chance(0.9)) headers.push(["webhook-id", id], ["webhook-timestamp", String(ts)], ["webhook-signature", sig]);
  if (r.chance(0.3)) headers.push(["authorization", r.pick(["Bearer tok_a", "Bearer nope", `Basic ${Buffer.from("codat:pw").toString("base64")}`, ""])]);
  if (r.chance(0.3)) headers.push(["X-Codat-ClientId", r.pick([CLIENT, CLIENT.toUpperCase(), "other", ""])]);
  let now = start;
  const feeds = [];
  const count = r.int(8);
  for (let i = 0; i < count; i++) {
    now += r.pick([0, 1, 100, 2000, 9000]);
    const kind = i === 0 && r.chance(0.8) ? "body" : r.pick(["body", "rate", "rate", "begun", "begun", "delivered", "delivered", "delivered", "settled", "settled", "timeout", "too_large"]);
    if (kind === "body") feeds.push({ feed: "body", headers, body, now });
    else if (kind === "rate") feeds.push({ feed: "rate", decision: r.pick(["allow", "allow", null, 1, 30]), now });
    else if (kind === "begun") feeds.push({ feed: "begun", answer: r.pick([{ answer: "new", token: Math.floor(now / 1000) + 60 }, { answer: "new", token: Math.floor(now / 1000) + 60 }, { answer: "in_flight", retryAfter: 1 + r.int(60) }, { answer: "done" }, { error: "store_unavailable" }, { error: "store_full" }]), now });
    else if (kind === "delivered") feeds.push({ feed: "delivered", result: r.pick(["accepted", "accepted", "committed", "duplicate", "unreachable", "pending", { inFlight: 1 + r.int(60) }, { backend: r.pick([200, 204, 400, 409, 422, 429, 500, 503]), ...(r.chance(0.5) ? { retryAfter: r.pick(["30", "0", "172800", "junk", new Date(now + 90_000).toUTCString()]) } : {}) }]), now });
    else feeds.push({ feed: kind, now });
  }
  return { k: "consumer", settings, request, feeds };
}

/** Per-source limiting: the rate case's shape, each step from one of a few sources. */
function sourceRateCase(r) {
  const { perSecond, burst, steps } = rateCase(r);
  const capacity = r.weighted([[6, 1 + r.int(4)], [2, r.pick([10, 10_000])], [1, r.pick([0, 1_000_000, 1_000_001, 2 ** 32 - 1])]]);
  const sources = Array.from({ length: 1 + r.int(5) }, () =>
    r.weighted([
      [4, () => `203.0.113.${r.int(256)}`],
      [2, () => `2001:db8:0:${r.int(3)}::${r.int(65536).toString(16)}`],
      [1, () => `::ffff:203.0.113.${r.int(4)}`],
      [1, () => r.pick(["", "unknown", "203.0.113.1:443", "[::1]", "::1", "1.2.3", "x".repeat(65)])],
    ])(),
  );
  return { k: "sourceRate", perSecond, burst, capacity, steps: steps.map((ms) => [r.pick(sources), ms]) };
}

function replayCase(r) {
  const ids = Array.from({ length: 1 + r.int(6) }, () => (r.chance(0.9) ? `msg_${word(r, 4)}` : r.pick(["", "x".repeat(8192), "x".repeat(8193), "é"])));
  let now = r.weighted([[8, NOW], [1, -SAFE], [1, SAFE - 1e6]]);
  const steps = Array.from({ length: r.int(40) }, () => {
    const id = r.pick(ids);
    if (r.chance(0.1)) return [id];
    now = Math.min(SAFE, Math.max(-SAFE, now + r.weighted([[6, r.int(120)], [2, r.int(2000)], [1, -r.int(500)], [1, 0]])));
    return [id, now];
  });
  return {
    k: "replay",
    capacity: r.weighted([[8, 1 + r.int(5)], [1, r.pick([0, 1_000_000, 1_000_001, 2 ** 32 - 1])], [1, 10_000]]),
    ttl: r.weighted([[8, r.pick([1, 60, 600])], [1, r.pick([0, SAFE, 2 ** 32])], [1, r.int(1000)]]),
    steps,
  };
}

// ---------------------------------------------------------------------------------------------
// Two-phase acceptance

const DAY = 86_400;

function acceptanceIdOf(r) {
  return r.weighted([
    [8, () => `msg_${word(r, 3)}`],
    [2, () => r.pick(["743ec94a-8aa4-44bb-8bd4-e1855ee0e74b", "a.b-c_D", "msg:1", "msg/1", "é", "msg 1", "\u0000", "", "sha256:abc"])],
    [1, () => ({ repeat: r.pick(["a", "é", "ab"]), times: r.pick([127, 128, 129, 200, 32768, 65535, 65536, 65537]) })],
    [1, () => unicode(r, 1 + r.int(20))],
  ])();
}

function acceptanceConfigOf(r) {
  const lease = r.weighted([[8, r.pick([1, 15, 60, 600, 3600])], [1, r.pick([0, 3601, 2 ** 32])], [1, 1 + r.int(3600)]]);
  const window = r.weighted([[8, r.pick([30 * 3600, 600, 3600, DAY, lease, lease + 1])], [1, r.pick([0, lease - 1, 366 * DAY, 366 * DAY + 1])], [1, r.int(400 * DAY)]]);
  return { window: Math.max(0, window), lease: Math.max(0, lease) };
}

/** `now` kept where every token (now + lease) and deadline (now + window) is a safe integer. */
const acceptanceNow = (r) => r.weighted([[8, NOW + r.between(-1e5, 1e5)], [1, r.pick([0, -1, 1])], [1, r.between(-(2 ** 50), 2 ** 50)]]);

function acceptCase(r) {
  const ids = Array.from({ length: 1 + r.int(4) }, () => acceptanceIdOf(r));
  let now = acceptanceNow(r);
  const steps = [];
  for (let i = r.int(30); i > 0; i--) {
    now += r.weighted([[5, r.int(30)], [2, r.int(4000)], [1, r.int(40 * 3600)], [1, -r.int(100)], [1, 0]]);
    const op = r.weighted([[5, "begin"], [3, "commit"], [2, "abort"], [2, "enqueue"]]);
    const step = { op, id: r.pick(ids), now };
    if (op !== "begin") {
      const begins = steps.map((s, k) => (s.op === "begin" ? k : -1)).filter((k) => k >= 0);
      step.token = begins.length && r.chance(0.8) ? { from: r.pick(begins) } : r.weighted([[3, now + r.int(100)], [1, 0], [1, -1]]);
    }
    steps.push(step);
  }
  return { k: "accept", ...acceptanceConfigOf(r), capacity: r.weighted([[8, r.pick([1, 2, 3, 120_000])], [1, r.pick([0, 1_000_000, 1_000_001, 2 ** 32 - 1])], [1, 1 + r.int(10)]]), steps };
}

function acceptTransitionCase(r) {
  const config = acceptanceConfigOf(r);
  const now = acceptanceNow(r);
  const deadline = now + r.weighted([[6, r.between(-5, 5)], [2, r.between(-config.lease, config.lease)], [1, r.between(-config.window, config.window)]]);
  const entry = r.weighted([[3, null], [4, { state: "in_flight", deadline }], [3, { state: "done", deadline }]]);
  const op = r.weighted([[4, "begin"], [3, "commit"], [3, "abort"], [3, "enqueue"]]);
  const c = { k: "acceptTransition", ...config, entry, op, now };
  if (op !== "begin") c.token = entry && r.chance(0.6) ? entry.deadline : r.weighted([[2, deadline + r.between(-2, 2)], [1, 0]]);
  return c;
}

// ---------------------------------------------------------------------------------------------
// ed25519 primitives

function ed25519Case(r) {
  const seed = r.bytes(32);
  const pub = edPublic(seed);
  const message = r.chance(0.85) ? { hex: hex(r.bytes(r.int(300))) } : { fill: [r.seed(), bodyLength(r), "bytes"] };
  if (r.chance(0.4)) {
    const signingKey = r.weighted([
      [5, () => seed],
      [2, () => Buffer.concat([seed, pub])],
      [1, () => Buffer.concat([seed, edPublic(r.bytes(32))])],
      [1, () => r.bytes(r.pick([0, 31, 33, 63, 65]))],
    ])();
    return { k: "ed25519Sign", signingKey: { hex: hex(signingKey) }, message };
  }
  let sig = edSign(seed, expand(message));
  let publicKey = pub;
  let msg = message;
  r.weighted([
    [5, () => {}],
    [2, () => (sig = Buffer.from(sig).map((b, i) => (i === r.int(64) ? b ^ (1 << r.int(8)) : b)))],
    [1, () => (msg = { xor: [message, [[r.int(1 << 20), 1 << r.int(8)]]] })],
    [1, () => (sig = nonCanonicalS(sig))],
    [1, () => (sig = sig.subarray(0, r.pick([0, 32, 63])))],
    [1, () => (sig = Buffer.concat([sig, Buffer.from([0])]))],
    [1, () => (publicKey = r.pick([SMALL_ORDER, Buffer.alloc(32, 0xff), Buffer.alloc(32), r.bytes(32), pub.subarray(0, 31), edPublic(r.bytes(32))]))],
  ])();
  return { k: "ed25519Verify", publicKey: { hex: hex(publicKey) }, message: msg, signature: { hex: hex(sig) } };
}

// ---------------------------------------------------------------------------------------------
// The mix

const KINDS = [
  [40, "verify"],
  [5, "sign"],
  [3, "hmac"],
  [5, "classify"],
  [7, "next"],
  [5, "retryAfter"],
  [4, "httpDate"],
  [2, "formatDate"],
  [4, "tags"],
  [2, "tagsEvent"],
  [4, "eventTypes"],
  [8, "event"],
  [3, "auth"],
  [1.5, "clientId"],
  [3, "source"],
  [1.5, "rate"],
  [1.5, "sourceRate"],
  [1.5, "replay"],
  [2, "accept"],
  [1.5, "acceptTransition"],
  [1, "acceptKey"],
  [1, "redisKeys"],
  [2, "ed25519"],
  [3, "consumer"],
];

/** The abstract case number `index` of the run with `seed`. */
export function generate(seed, index) {
  const r = caseRandom(seed, index);
  const kind = r.weighted(KINDS);
  switch (kind) {
    case "verify":
      return verifyCase(r);
    case "sign":
      return signCase(r);
    case "hmac": {
      const data = body(r, bodyLength(r));
      return { k: "hmac", key: r.chance(0.9) ? { hex: hex(r.bytes(r.weighted([[4, 32], [2, r.int(64)], [1, 64 + r.int(200)], [1, 0]]))) } : text(r, 80), data };
    }
    case "classify":
    case "next":
      return responseCase(r, kind);
    case "retryAfter":
    case "httpDate": {
      const now = nowOf(r);
      return { k: kind, value: kind === "httpDate" && r.chance(0.8) ? httpDateText(r, now) : retryAfterText(r, now), now };
    }
    case "formatDate":
      return { k: "formatDate", unix: r.weighted([[6, r.between(-62135596800, 253402300799)], [2, r.pick([-62135596800, -62135596801, 253402300799, 253402300800, 0, -1])], [1, r.between(-SAFE, SAFE)]]) };
    case "tags":
      return tagsCase(r);
    case "tagsEvent": {
      const len = r.chance(0.8) ? r.int(2000) : bodyLength(r);
      return { k: "tagsEvent", filter: listOf(r, () => tagText(r), { max: 11 }), body: r.chance(0.9) ? eventJson(r, Math.max(0, len - 300)) : body(r, len) };
    }
    case "eventTypes":
      return { k: "eventTypes", patterns: listOf(r, () => eventTypePattern(r), { max: 66 }), type: r.chance(0.8) ? eventTypePattern(r).replace("*", "x") : text(r, 20) };
    case "event": {
      const len = r.chance(0.8) ? r.int(2000) : bodyLength(r);
      let spec = r.weighted([
        [8, () => eventJson(r, Math.max(0, len - 300))],
        [1, () => body(r, len)],
        [1, () => r.pick(["[".repeat(127) + "]".repeat(127), "[".repeat(128) + "]".repeat(128), `{"eventType":"x","p":${"[".repeat(126)}${"]".repeat(126)}}`, `{"eventType":"x","p":${"[".repeat(127)}${"]".repeat(127)}}`, { cat: ['{"eventType":"x","pad":"', { fill: [r.seed(), 1024 * 1024 - 26 + r.int(4), "text"] }, '"}'] }])],
      ])();
      if (r.chance(0.15)) spec = mutateBody(r, spec, expand(spec).length);
      return { k: "event", body: spec };
    }
    case "auth":
      return authCase(r);
    case "clientId": {
      const expected = r.chance(0.8) ? "bae71d36-ff47-420a-b4a6-f8c9ddf41140" : text(r, 20);
      const header = r.weighted([[4, () => expected], [2, () => expected.toUpperCase()], [1, () => ` ${expected}\t`], [1, () => null], [1, () => ""], [1, () => text(r, 36)], [1, () => expected.replace("a", "\u212a")]])();
      return { k: "clientId", expected, header };
    }
    case "source":
      return { k: "source", allowlist: r.chance(0.3) ? null : Array.from({ length: r.weighted([[8, r.int(6)], [1, 256], [1, 257]]) }, () => sourceEntry(r)), address: addressText(r) };
    case "rate":
      return rateCase(r);
    case "sourceRate":
      return sourceRateCase(r);
    case "replay":
      return replayCase(r);
    case "accept":
      return acceptCase(r);
    case "acceptTransition":
      return acceptTransitionCase(r);
    case "acceptKey":
      return { k: "acceptKey", id: acceptanceIdOf(r) };
    case "redisKeys":
      return {
        k: "redisKeys",
        prefix: r.weighted([[6, "hookproof:"], [2, ""], [1, "a{b}:"], [1, "p".repeat(r.pick([256, 257]))]]),
        scope: r.weighted([[6, `endpoint-${word(r, 2)}`], [1, ""], [1, "a{b}"], [1, "}"], [1, "s".repeat(r.pick([256, 257]))]]),
        id: acceptanceIdOf(r),
      };
    case "consumer":
      return consumerCase(r);
    case "ed25519":
      return ed25519Case(r);
    default:
      throw new Error(kind);
  }
}

// ---------------------------------------------------------------------------------------------
// Materializing: abstract case → the concrete case every host reads

/** The `vN,…` entry a key makes: `v1` (HMAC-SHA256) for a secret, `v1a` (ed25519) for a seed. */
function entryFor(key, id, ts, body) {
  if (key.startsWith("ed:")) {
    const message = Buffer.concat([Buffer.from(`${id}.${ts}.`), Buffer.from(body)]);
    return `v1a,${b64(edSign(Buffer.from(key.slice(3), "hex"), message))}`;
  }
  const bytes = Buffer.from(key, "hex");
  return bytes.length === 0 ? "v1," : `v1,${b64(mac(bytes, id, ts, body))}`;
}

/** The three header values of a verify case, as sent. */
function messageParts(c, bodyBytes) {
  // A key: an index into the case's keys, or one spelled out (`{ hex }` secret, `{ seed }`).
  const keyOf = (ref) => (typeof ref === "number" ? (c.keys[ref] ?? "") : ref.seed !== undefined ? `ed:${ref.seed}` : ref.hex);
  // A tampered body: the signatures are those of the body before its mutation.
  const originalBody = c.signedBody !== undefined ? expand(c.signedBody) : bodyBytes;
  // Junk entries are near misses of the first secret's signature.
  const first = c.keys.find((k) => !k.startsWith("ed:"));
  const good = mac(first ? Buffer.from(first, "hex") : Buffer.alloc(32), c.id, c.ts, originalBody);
  const entries = c.entries.map((e) => {
    if (e.junk !== undefined) return junkEntry(rng(e.junk), good);
    const over = e.over ?? {};
    const signedBody = over.body !== undefined ? expand(over.body) : originalBody;
    return entryFor(keyOf(e.mac), over.id ?? c.id, over.ts ?? c.ts, signedBody);
  });
  const parts = { id: c.id, ts: c.ts, sig: `${c.sigAround[0]}${entries.join(c.sep)}${c.sigAround[1]}` };
  for (const [slot, ops] of c.mut) parts[slot] = mutateText(parts[slot], ops);
  return parts;
}

/** The JS forms (`via`) that carry these header pairs unchanged. */
function viaOptions(pairs) {
  const exact = new Set(pairs.map(([k]) => k)).size === pairs.length;
  const lower = new Set(pairs.map(([k]) => k.toLowerCase())).size === pairs.length;
  const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const value = /^([\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?)?$/;
  const options = ["pairs"];
  if (exact) options.push("object", "map");
  if (lower && pairs.every(([k, v]) => token.test(k) && value.test(v))) options.push("headers");
  return options;
}

export function materialize(c, index = 0) {
  if (c.k === "verify" && c.layout === undefined) return c; // already concrete (the corpora)
  if (c.k === "verify") {
    const bodyBytes = expand(c.body);
    const parts = messageParts(c, bodyBytes);
    const headers = c.layout.map(([name, slot]) => [name, typeof slot === "string" ? parts[slot] : slot.lit]);
    const r = caseRandom(0x5eed, index);
    const via = c.via && viaOptions(headers).includes(c.via) ? c.via : r.weighted(viaOptions(headers).map((v) => [v === "pairs" ? 5 : 2, v]));
    const as = c.as ?? bodyForm(r, bodyBytes);
    return { k: "verify", secrets: c.secrets, tol: c.tol, max: c.max, headers, body: c.body, now: c.now, via, as: as === "string" && utf8(bodyBytes) === undefined ? "bytes" : as };
  }
  if (c.k === "sign" || c.k === "hmac" || c.k === "event" || c.k === "tagsEvent") {
    const r = caseRandom(0x5eed, index);
    const bytes = expand(c.k === "hmac" ? c.data : c.body);
    const keyOk = c.k !== "hmac" || utf8(expand(c.key)) !== undefined;
    let as = c.as ?? bodyForm(r, bytes);
    if (as === "string" && (utf8(bytes) === undefined || !keyOk)) as = "bytes";
    return { ...c, as };
  }
  if (c.k === "classify" || c.k === "next") return { ...c, via: viaOptions(c.headers).includes(c.via) ? c.via : "pairs" };
  return c;
}
