// The fuzz corpora (fuzz/corpus/<target>/*, committed seeds and whatever local fuzzing added)
// decoded into differential cases for the function each target fuzzes, in the target's own
// input format (fuzz/fuzz_targets/*.rs: fields separated by newlines).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHmac } from "node:crypto";
import { edPublic, edSign } from "./gen.mjs";
import { utf8 } from "./lib.mjs";

const KEY_BYTES = Buffer.from("hookproof fuzzing key, 32 bytes!");
const KEY = { hex: KEY_BYTES.toString("hex") };
// The keys target's ed25519 seed and the entries its `@1` / `@a` placeholders stand for.
const SEED = Buffer.from("hookproof fuzzing seed, 32 byte!");
const FUZZ_MESSAGE = "msg_fuzz.1700000000.{}";
const V1 = `v1,${createHmac("sha256", KEY_BYTES).update(FUZZ_MESSAGE).digest("base64")}`;
const V1A = `v1a,${edSign(SEED, Buffer.from(FUZZ_MESSAGE)).toString("base64")}`;
const SAFE = 2 ** 53 - 1;

/** Splits at the first n-1 newlines (missing parts are empty), as common.rs `split`. */
function split(bytes, n) {
  const parts = [];
  let start = 0;
  for (let i = 0; i < n - 1; i++) {
    const at = bytes.indexOf(0x0a, start);
    if (at < 0) {
      parts.push(bytes.subarray(start));
      start = bytes.length;
      while (parts.length < n) parts.push(new Uint8Array(0));
      return parts;
    }
    parts.push(bytes.subarray(start, at));
    start = at + 1;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

const bodySpec = (bytes) => (utf8(bytes) !== undefined ? utf8(bytes) : { hex: Buffer.from(bytes).toString("hex") });
const texts = (parts) => parts.map((p) => utf8(p));

const DECODERS = {
  headers(data) {
    const [id, ts, sig] = texts(split(data, 4));
    if (id === undefined || ts === undefined || sig === undefined) return [];
    const body = bodySpec(split(data, 4)[3]);
    const verify = {
      k: "verify", secrets: [KEY], tol: "ignore", max: null, now: 0, via: "pairs", as: "bytes", body,
      headers: [["webhook-id", id], ["webhook-timestamp", ts], ["svix-signature", sig]],
    };
    const cases = [verify];
    const t = Number(ts);
    if (/^(0|[1-9]\d*)$/.test(ts) && t <= SAFE) cases.push({ k: "sign", secrets: [KEY], id, ts: t, body, as: "bytes" });
    return cases;
  },
  signature_list(data) {
    const sig = utf8(data);
    if (!sig) return [];
    return [{
      k: "verify", secrets: [KEY], tol: null, max: null, now: 1_700_000_000, via: "pairs", as: "string", body: "{}",
      headers: [["webhook-id", "msg_fuzz"], ["webhook-timestamp", "1700000000"], ["webhook-signature", sig]],
    }];
  },
  secret(data) {
    const text = utf8(data);
    if (text === undefined) return [];
    return [{ k: "sign", secrets: [text], id: "m", ts: 1, body: { hex: Buffer.from(data).toString("hex") }, as: "bytes" }];
  },
  retry_after(data) {
    if (data.length < 8) return [];
    const value = utf8(data.subarray(8));
    if (value === undefined) return [];
    // The target reads `now` as any i64; the JS hosts carry only safe integers.
    const raw = Buffer.from(data.subarray(0, 8)).readBigInt64LE();
    const now = Number(raw < -BigInt(SAFE) ? -BigInt(SAFE) : raw > BigInt(SAFE) ? BigInt(SAFE) : raw);
    return [{ k: "retryAfter", value, now }, { k: "httpDate", value, now }];
  },
  authorization(data) {
    const [header, user, password] = texts(split(data, 3));
    if (header === undefined || user === undefined || password === undefined) return [];
    return [
      { k: "auth", header, expected: { basic: { username: user, password } } },
      { k: "auth", header, expected: { bearer: password } },
    ];
  },
  tags(data) {
    const [list, company] = texts(split(data, 2));
    if (list === undefined || company === undefined) return [];
    const pairs = company.split(",").filter((t) => t.includes(":")).map((t) => [t.slice(0, t.indexOf(":")), t.slice(t.indexOf(":") + 1)]);
    return [{ k: "tags", filter: list, company: pairs }];
  },
  event(data) {
    const body = bodySpec(data);
    return [{ k: "event", body, as: "bytes" }, { k: "tagsEvent", filter: "region:us, service:t2k", body, as: "bytes" }];
  },
  sources(data) {
    const [entries, address] = texts(split(data, 2));
    if (entries === undefined || address === undefined) return [];
    return [{ k: "source", allowlist: entries.split(","), address }, { k: "source", allowlist: null, address }];
  },
  keys(data) {
    const [text, template] = texts(split(data, 2));
    const cases = [];
    if (text !== undefined) cases.push({ k: "sign", secrets: [text], id: "msg_fuzz", ts: 1700000000, body: "{}", as: "string" });
    const sig = template?.replaceAll("@1", V1).replaceAll("@a", V1A);
    if (sig) {
      cases.push({
        k: "verify", secrets: [KEY, { publicKey: { hex: edPublic(SEED).toString("hex") } }], tol: null, max: null, now: 1_700_000_000, via: "pairs", as: "string", body: "{}",
        headers: [["webhook-id", "msg_fuzz"], ["webhook-timestamp", "1700000000"], ["webhook-signature", sig]],
      });
    }
    return cases;
  },
  event_types(data) {
    const [list, type] = texts(split(data, 2));
    if (list === undefined || type === undefined) return [];
    return [{ k: "eventTypes", patterns: list, type }];
  },
};

/** Every corpus file as cases: `[{ target, file, case }]`, in a stable order. */
export function corpusCases(root) {
  const dir = join(root, "fuzz/corpus");
  const out = [];
  for (const target of readdirSync(dir).sort()) {
    const decode = DECODERS[target];
    if (!decode) throw new Error(`fuzz target ${target} has no decoder in tests/differential/corpus.mjs`);
    for (const file of readdirSync(join(dir, target)).sort()) {
      const data = new Uint8Array(readFileSync(join(dir, target, file)));
      decode(data).forEach((c, k) => out.push({ origin: `fuzz/corpus/${target}/${file}#${k}`, case: c }));
    }
  }
  return out;
}
