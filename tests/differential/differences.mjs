// The documented differences between hookproof and the peers (svix 2.5.0, standardwebhooks
// 1.1.1), one class each, as machine-checked explanations (peers.mjs applies them):
//
// - A *reading* class says how a peer reads some part of the input differently (a lenient
//   secret decoder, another header lookup, …). Its `applies` predicate finds that part in the
//   input and `read` rewrites the input the way the peer reads it. After every applicable
//   reading, hookproof must answer exactly what the peer answered.
// - A *refusal* class is a bound or strictness of hookproof's with no counterpart in the peer:
//   its predicate holds when hookproof's answer is that refusal and the input is indeed over
//   that bound (the peer has no such check and goes on).
//
// A difference is explained when the readings bring the answers together, or a refusal
// accounts for what is left; anything else fails the run. docs/limits-and-differences.md's table "Deliberate
// differences from svix and standardwebhooks" lists exactly these classes by id (checkReadme).
import { createHash } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// The peers' own base64 decoder (both use @stablelib/base64).
const stablelib = createRequire(require.resolve("standardwebhooks"))("@stablelib/base64");

/** An answer in hookproof's vocabulary: "valid", a signature, or an error code. */
export function peerAnswer(fn) {
  try {
    return fn();
  } catch (e) {
    if (e && typeof e.code === "string") return e.code;
    const m = String(e && e.message);
    if (m === "Missing required headers") return "missing_header";
    if (m === "Invalid Signature Headers") return "invalid_timestamp";
    if (m === "Message timestamp too old") return "timestamp_too_old";
    if (m === "Message timestamp too new") return "timestamp_too_new";
    if (m === "No matching signature found") return "no_matching_signature";
    if (/^Base64Coder|^Secret can't be empty|^Expected secret/.test(m)) return "invalid_secret";
    return `error: ${m}`;
  }
}

// ---------------------------------------------------------------------------------------------
// How each side picks the three headers from a plain object

const ROLES = ["id", "timestamp", "signature"];
const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

/** svix: keys lower-cased with toLowerCase (a later key overwrites), `svix-*` ?? `webhook-*`. */
function svixPicks(object) {
  const h = {};
  for (const k of Object.keys(object)) h[k.toLowerCase()] = object[k];
  return ROLES.map((r) => h[`svix-${r}`] ?? h[`webhook-${r}`] ?? "");
}

/** standardwebhooks: the same lower-casing, `webhook-*` only. */
function standardPicks(object) {
  const h = {};
  for (const k of Object.keys(object)) h[k.toLowerCase()] = object[k];
  return ROLES.map((r) => h[`webhook-${r}`] ?? "");
}

/** hookproof (core rule, README): ASCII case-insensitive, the first matching key wins,
 *  `svix-*` before `webhook-*`. */
export function hookproofPicks(object) {
  const keys = Object.keys(object);
  const find = (name) => {
    const k = keys.find((key) => asciiLower(key) === name);
    return k === undefined ? undefined : object[k];
  };
  return ROLES.map((r) => find(`svix-${r}`) ?? find(`webhook-${r}`) ?? "");
}

const picks = (peer, object) => (peer === "svix" ? svixPicks(object) : standardPicks(object));

/** The peer's picks as the only three headers hookproof sees. */
function pickedObject(values) {
  const o = {};
  ROLES.forEach((r, i) => {
    if (values[i] !== "") o[`webhook-${r}`] = values[i];
  });
  return o;
}

// ---------------------------------------------------------------------------------------------
// Secrets as the peers decode them

const body64 = (s) => (s.startsWith("whsec_") ? s.slice(6) : s);

/** The key bytes a peer decodes from a text secret, or undefined where it refuses it. hookproof
 *  reads every secret text the same way (Secret::parse), within its bounds. */
function peerKey(secret) {
  if (typeof secret !== "string") return secret;
  try {
    const key = stablelib.decode(body64(secret));
    return key.length ? key : undefined;
  } catch {
    return undefined;
  }
}

const SAFE_DATE = 8.64e12; // the largest Unix second a JS Date holds
const CANONICAL = /^(0|[1-9][0-9]*)$/;
const I64_MAX = 9223372036854775807n;

// ---------------------------------------------------------------------------------------------
// The classes

export const CLASSES = [
  {
    id: "header-repeated-in-case",
    title: "header names repeated in different case",
    example: '`{"Webhook-Id": "msg_a", "webhook-id": "msg_b", …}` signed for `msg_a`',
    svix: "reads the last (`msg_b`): no match",
    standardwebhooks: "the same",
    hookproof: "reads the first (`msg_a`): valid",
    reason: "one rule on every host (pairs, objects, Maps): of several matching names the first wins",
    reading: true,
    applies: (x, peer) =>
      x.kind === "verify" && repeatedName(x.object) && !(peer === "standardwebhooks" && hasSvixHeader(x.object)) && String(picks(peer, x.object)) !== String(hookproofPicks(x.object)),
    read: (x, peer) => ({ ...x, object: pickedObject(picks(peer, x.object)) }),
  },
  {
    id: "header-name-not-ascii",
    title: "header names that match only by Unicode case mapping",
    example: "`webhooK-id` whose `K` is U+212A KELVIN SIGN",
    svix: "`toLowerCase()` turns it into `webhook-id`: reads it",
    standardwebhooks: "the same",
    hookproof: "not a signature header: missing_header",
    reason: "header names are ASCII tokens (RFC 9110) and match ASCII-case-insensitively",
    reading: true,
    applies: (x, peer) => x.kind === "verify" && notAsciiName(x.object) && String(picks(peer, x.object)) !== String(hookproofPicks(x.object)),
    read: (x, peer) => ({ ...x, object: pickedObject(picks(peer, x.object)) }),
  },
  {
    id: "svix-headers-ignored",
    title: "`svix-*` headers",
    example: '`{"svix-id", "svix-timestamp", "svix-signature"}` (Svix\'s own names)',
    svix: "reads them",
    standardwebhooks: "ignores them: missing_header",
    hookproof: "reads them, `svix-*` before `webhook-*`, as svix does",
    reason: "Codat sends through Svix, whose libraries read its own names first",
    reading: true,
    applies: (x, peer) => x.kind === "verify" && peer === "standardwebhooks" && hasSvixHeader(x.object) && String(standardPicks(x.object)) !== String(hookproofPicks(x.object)),
    read: (x, peer) => ({ ...x, object: pickedObject(picks(peer, x.object)) }),
  },
  {
    id: "secret-over-1024-bytes",
    title: "keys longer than 1024 bytes",
    example: "`whsec_` + base64 of 1025 bytes",
    svix: "uses it",
    standardwebhooks: "uses it",
    hookproof: "invalid_secret",
    reason: "bounded work; HMAC hashes keys over 64 bytes anyway, so no real key is longer",
    reading: true,
    applies: (x) => x.secrets.some((s) => (peerKey(s)?.length ?? 0) > 1024),
    // HMAC-SHA256 uses SHA-256(key) for a key longer than its 64-byte block: the same MACs.
    read: (x) => ({ ...x, secrets: x.secrets.map((s) => ((peerKey(s)?.length ?? 0) > 1024 ? new Uint8Array(createHash("sha256").update(peerKey(s)).digest()) : s)) }),
  },
  {
    id: "body-not-utf8",
    title: "bodies that are not UTF-8",
    example: "the bytes `ff fe 7b 7d`, signed as bytes",
    svix: "verifies `Buffer.toString()` (U+FFFD for each bad sequence): no match",
    standardwebhooks: "the same",
    hookproof: "verifies the bytes: valid",
    reason: "the signature is over the raw body, whatever its bytes",
    reading: true,
    applies: (x) => typeof x.body !== "string" && !isUtf8(x.body),
    read: (x) => ({ ...x, body: Buffer.from(x.body.toString(), "utf8") }),
  },
  {
    id: "signature-entry-extra-fields",
    title: "signature entries with more than one comma",
    example: "`v1,<valid>,x` or `v1,<valid>,v1,<other>`",
    svix: "reads the first two fields: valid",
    standardwebhooks: "the same",
    hookproof: "no_matching_signature",
    reason: "an entry is exactly `v1,<base64 of 32 bytes>`; the spec separates entries with spaces",
    reading: true,
    applies: (x) => signatureOf(x).split(" ").some((e) => e.split(",").length > 2),
    read: (x) => withSignature(x, signatureOf(x).split(" ").map((e) => e.split(",").slice(0, 2).join(",")).join(" ")),
  },
  {
    id: "timestamp-not-canonical",
    title: "timestamps that are not a canonical decimal",
    example: "`+1614265330`, `01614265330`, ` 1614265330`, `1614265330abc`, `1614265330.0`, `-5`, `1e9`, `0x6553f100`",
    svix: "`parseInt`s them (and signs the re-formatted number): valid, too old or too new",
    standardwebhooks: "the same",
    hookproof: "invalid_timestamp",
    reason: "the signed text must be exactly the number every sender formats",
    refusal: "invalid_timestamp",
    test: (x) => !CANONICAL.test(tsOf(x)) && !Number.isNaN(parseInt(tsOf(x), 10)),
  },
  {
    id: "timestamp-over-i64",
    title: "timestamps beyond 2^63 − 1",
    example: "`9223372036854775808`, `99999999999999999999`",
    svix: "timestamp_too_new (a float)",
    standardwebhooks: "the same",
    hookproof: "invalid_timestamp",
    reason: "bounded parsing: no Unix time is that large",
    refusal: "invalid_timestamp",
    test: (x) => CANONICAL.test(tsOf(x)) && BigInt(tsOf(x)) > I64_MAX,
  },
  {
    id: "timestamp-beyond-js-date",
    title: "timestamps beyond what a JS `Date` holds (8.64 × 10¹² s)",
    example: "`8640000000001`: signing at it, or verifying a signature over it with the timestamp check off",
    svix: "signs `NaN` in place of the number: another signature, no match",
    standardwebhooks: "the same",
    hookproof: "signs and verifies the number as sent",
    reason: "the signed text is the header as sent",
    refusal: null,
    test: (x, ours, theirs) => {
      const t = x.kind === "sign" ? x.ts : Number(tsOf(x));
      if (!(Math.abs(t) > SAFE_DATE)) return false;
      return x.kind === "sign" ? theirs !== ours : theirs === "no_matching_signature";
    },
  },
  {
    id: "now-in-milliseconds",
    title: "a `now` beyond ±10¹¹ s (milliseconds where Unix seconds are expected)",
    example: "`now` = `Date.now()`, e.g. `1700000000000`",
    svix: "compares it with the timestamp as seconds: timestamp_too_old (valid for a timestamp as large)",
    standardwebhooks: "the same",
    hookproof: "invalid_now",
    reason: "10¹¹ s is the year 5138, and a millisecond clock has been past it since 1973: the error says what is wrong",
    refusal: "invalid_now",
    test: (x) => x.kind === "verify" && Math.abs(Number(x.now)) > 1e11,
  },
  {
    id: "id-over-8kib",
    title: "`webhook-id` longer than 8 KiB",
    example: "an id of 8193 bytes",
    svix: "valid",
    standardwebhooks: "valid",
    hookproof: "header_too_large",
    reason: "bounded work; svix ids are 31 bytes and nginx refuses longer header lines",
    refusal: "header_too_large",
    test: (x) => utf8Length(idOf(x)) > 8192,
  },
  {
    id: "signature-header-over-8kib",
    title: "`webhook-signature` longer than 8 KiB",
    example: "180 entries, the valid one last",
    svix: "tries every entry: valid",
    standardwebhooks: "the same",
    hookproof: "header_too_large",
    reason: "bounded work per request",
    refusal: "header_too_large",
    test: (x) => utf8Length(signatureOf(x)) > 8192,
  },
  {
    id: "signatures-over-64",
    title: "more than 64 signature entries",
    example: "65 entries under 8 KiB",
    svix: "tries every entry: valid",
    standardwebhooks: "the same",
    hookproof: "too_many_signatures",
    reason: "bounded work per request; Svix sends one entry per active secret",
    refusal: "too_many_signatures",
    test: (x) => signatureOf(x).split(" ").filter((e) => e !== "").length > 64,
  },
  {
    id: "secrets-over-16",
    title: "more than 16 secrets",
    example: "17 `whsec_` secrets",
    svix: "no rotation: a `Webhook` per secret, any may match: valid",
    standardwebhooks: "the same",
    hookproof: "too_many_secrets",
    reason: "rotation needs two; a bound keeps the work per request bounded",
    refusal: "too_many_secrets",
    test: (x) => x.secrets.length > 16,
  },
];

export const README_SECTION = "## Deliberate differences from svix and standardwebhooks";

/** The README table, written from CLASSES (`node tests/differential/differences.mjs`). */
export function readmeTable() {
  const cell = (t) => t.replaceAll("|", "\\|");
  const rows = CLASSES.map((c) => `| \`${c.id}\`: ${cell(c.title)} | ${cell(c.example)} | ${cell(c.svix)} | ${cell(c.standardwebhooks)} | ${cell(c.hookproof)} | ${cell(c.reason)} |`);
  return ["| Input class | Example | svix 2.5.0 | standardwebhooks 1.1.1 | hookproof | Why |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Input accessors (x: { kind, secrets, object?, body, now?, id?, ts? })

/** Two keys that name the same signature header, ignoring case. */
function repeatedName(object) {
  const seen = new Set();
  for (const k of Object.keys(object)) {
    const l = k.toLowerCase();
    if (!/^(svix|webhook)-(id|timestamp|signature)$/.test(l)) continue;
    if (seen.has(l)) return true;
    seen.add(l);
  }
  return false;
}

/** A key that is not ASCII but lower-cases (in JavaScript) to a signature header's name. */
function notAsciiName(object) {
  return Object.keys(object).some((k) => /[^\x00-\x7f]/.test(k) && /^(svix|webhook)-(id|timestamp|signature)$/.test(k.toLowerCase()));
}

function hasSvixHeader(object) {
  return Object.keys(object).some((k) => /^svix-(id|timestamp|signature)$/.test(k.toLowerCase()));
}

function isUtf8(bytes) {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const utf8Length = (s) => Buffer.byteLength(s, "utf8");
const idOf = (x) => (x.kind === "sign" ? x.id : hookproofPicks(x.object)[0]);
const tsOf = (x) => (x.kind === "sign" ? String(x.ts) : hookproofPicks(x.object)[1]);
const signatureOf = (x) => (x.kind === "sign" ? "" : hookproofPicks(x.object)[2]);

function withSignature(x, sig) {
  const [id, ts] = hookproofPicks(x.object);
  return { ...x, object: pickedObject([id, ts, sig]) };
}

/**
 * Explains why hookproof answered `ours` where the peer answered `theirs` on input `x`: the
 * smallest set of classes found that accounts for it (readings applied in table order, then at
 * most one refusal), or null. `answer(x)` is hookproof's answer for an input.
 */
export function explain(x, peer, ours, theirs, answer) {
  const readings = CLASSES.filter((c) => c.reading);
  const attempt = (allowed) => {
    const used = [];
    let current = x;
    for (const cls of readings) {
      if (!allowed.has(cls.id) || !cls.applies(current, peer)) continue;
      current = cls.read(current, peer);
      used.push(cls.id);
    }
    const now = used.length ? answer(current) : ours;
    if (now === theirs) return used;
    const refusal = CLASSES.find((c) => !c.reading && (c.refusal === null || c.refusal === now) && c.test(current, now, theirs));
    return refusal ? [...used, refusal.id] : null;
  };
  let ids = attempt(new Set(readings.map((c) => c.id)));
  if (!ids) return null;
  // Drop each reading the explanation does not need.
  for (const id of [...ids]) {
    if (!readings.some((c) => c.id === id)) continue;
    const fewer = attempt(new Set(ids.filter((i) => i !== id)));
    if (fewer) ids = fewer;
  }
  return ids;
}

/** Where README.md's table differs from readmeTable(): a list of problems (empty when equal). */
export function checkReadme(readme) {
  const at = readme.indexOf(README_SECTION);
  if (at < 0) return [`no section "${README_SECTION}"`];
  const section = readme.slice(at + README_SECTION.length).split(/\n#{2,3} /)[0];
  const table = section
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .join("\n");
  if (table === readmeTable()) return [];
  const ids = [...table.matchAll(/^\| `([a-z0-9-]+)`/gm)].map((m) => m[1]);
  const known = CLASSES.map((c) => c.id);
  const problems = [
    ...ids.filter((id) => !known.includes(id)).map((id) => `README lists \`${id}\`, which no class defines`),
    ...known.filter((id) => !ids.includes(id)).map((id) => `class \`${id}\` is not in the README table`),
  ];
  if (problems.length === 0) problems.push("the rows differ from the classes' texts");
  return [...problems, "rewrite the table with: node tests/differential/differences.mjs"];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(readmeTable());
