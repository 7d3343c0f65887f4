// Shrinking a disagreement to a minimal case: greedy delta debugging over the abstract case
// (list elements, characters of strings, bytes of bodies, secrets with the signatures they
// make), keeping each step only while the two hosts still disagree. Signatures are recomputed
// for every candidate (gen.mjs `materialize`), so a case that needs a valid signature keeps one.
import { expand, utf8 } from "./lib.mjs";
import { materialize } from "./gen.mjs";

const BUDGET = 4000;
/** Fields that name things rather than carry input: never shrunk character by character. */
const NAMES = new Set(["k", "policy", "via", "as", "kind", "sigAround", "sep"]);

const clone = (v) => JSON.parse(JSON.stringify(v));

function get(obj, path) {
  return path.reduce((o, p) => o[p], obj);
}

function set(obj, path, value) {
  const copy = clone(obj);
  if (path.length === 0) return value;
  get(copy, path.slice(0, -1))[path[path.length - 1]] = value;
  return copy;
}

/** Paths of every array and string in the case, deepest first. */
function paths(v, path = [], out = []) {
  if (Array.isArray(v)) {
    v.forEach((x, i) => paths(x, [...path, i], out));
    out.push(path);
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) if (!NAMES.has(k) && !["keys", "fill", "signedBody"].includes(k)) paths(x, [...path, k], out);
  } else if (typeof v === "string" && path.length > 0) {
    // A header's slot name ("id", "ts", "sig") is structure, not input.
    if (!(path[0] === "layout" && path.length === 3 && path[2] === 1)) out.push(path);
  }
  return out;
}

/**
 * Delta debugging over one sequence: removes chunks (halves, quarters, … single items) while
 * `keeps(shorter)` holds; at most O(n log n) tries.
 */
async function ddmin(seq, keeps) {
  for (let size = Math.max(1, seq.length >> 1); ; size >>= 1) {
    for (let at = 0; at < seq.length; ) {
      const shorter = [...seq.slice(0, at), ...seq.slice(at + size)];
      if (await keeps(shorter)) seq = shorter;
      else at += size;
    }
    if (size <= 1) return seq;
  }
}

/** Removes secret j of a verify case; signatures it made are kept, made with its key spelled out. */
function dropSecret(c, j) {
  const copy = clone(c);
  copy.secrets.splice(j, 1);
  const [key] = copy.keys.splice(j, 1);
  for (const e of copy.entries) {
    if (e.mac === j) e.mac = key.startsWith("ed:") ? { seed: key.slice(3) } : { hex: key };
    else if (typeof e.mac === "number" && e.mac > j) e.mac -= 1;
  }
  return copy;
}

/** Simpler forms of a body spec, most drastic first. */
function unwrapped(spec) {
  if (!spec || typeof spec !== "object") return [];
  if (spec.cat) return spec.cat;
  if (spec.slice) return [spec.slice[0]];
  if (spec.xor) return [spec.xor[0]];
  return [];
}

/**
 * Shrinks `c` (an entry of the run: `abstract`, `index`) while `a` and `b` still answer
 * differently (neither calling it a bad case).
 */
export async function shrink(c, a, b) {
  let tries = 0;
  const answer = async (abstract) => {
    if (++tries > BUDGET) return null;
    let concrete;
    try {
      concrete = materialize(abstract, c.index);
    } catch {
      return null;
    }
    const line = JSON.stringify(concrete);
    const [x, y] = await Promise.all([a.run([line]), b.run([line])]);
    if (x[0] === y[0] || x[0].startsWith("badcase") || y[0].startsWith("badcase")) return null;
    return { concrete, native: x[0], other: y[0] };
  };
  let best = clone(c.abstract);
  let found = await answer(best);
  if (!found) return { concrete: c.concrete, native: "(does not reproduce alone)", other: "", steps: 0 };
  let steps = 0;
  const accept = async (candidate) => {
    const r = await answer(candidate);
    if (!r) return false;
    best = candidate;
    found = r;
    steps++;
    return true;
  };
  /** Shrinks the value at `path` as a sequence (`split` → items, `join` → value). */
  const shrinkAt = async (path, split, join, kind) => {
    let value;
    try {
      value = get(best, path);
    } catch {
      return;
    }
    // A path can go stale when an earlier step removed what it pointed into.
    if (kind === "list" ? !Array.isArray(value) : typeof value !== "string") return;
    await ddmin(split(value), (items) => accept(set(best, path, join(items))));
  };

  for (let round = 0; round < 3 && tries < BUDGET; round++) {
    const before = steps;
    if (best.k === "verify" && best.layout) {
      for (let j = best.secrets.length - 1; j >= 0; j--) await accept(dropSecret(best, j));
      for (const simpler of [{ mut: [] }, { sep: " " }, { max: null }, { tol: null }, { sigAround: ["", ""] }, { signedBody: undefined }]) {
        await accept(JSON.parse(JSON.stringify({ ...best, ...simpler })));
      }
      if (/^(0|[1-9]\d{0,15})$/.test(best.ts) && best.now !== Number(best.ts)) await accept({ ...best, now: Number(best.ts) });
    }
    // Lists, shallow ones first (headers, entries, steps, filters …).
    const lists = paths(best).filter((p) => Array.isArray(get(best, p)) && !["secrets", "body", "data", "key", "message", "signature", "publicKey", "signingKey"].includes(p[0]));
    for (const path of lists.sort((x, y) => x.length - y.length)) await shrinkAt(path, (v) => v, (items) => items, "list");
    // Bodies: unwrap, halve procedural fills, spell small ones out, then bytes or characters.
    for (const field of ["body", "data", "key", "message", "signature", "publicKey", "signingKey"]) {
      if (best[field] === undefined) continue;
      for (let again = true; again; ) {
        again = false;
        for (const inner of unwrapped(best[field])) if ((again = await accept({ ...best, [field]: inner }))) break;
      }
      while (best[field]?.fill && best[field].fill[1] > 0) {
        const [seed, len, kind] = best[field].fill;
        if (!(await accept({ ...best, [field]: { fill: [seed, len >> 1, kind] } }))) break;
      }
      const bytes = expand(best[field]);
      if (bytes.length <= 65536 && typeof best[field] === "object" && !best[field].hex) {
        const text = utf8(bytes);
        await accept({ ...best, [field]: text !== undefined ? text : { hex: Buffer.from(bytes).toString("hex") } });
      }
      if (typeof best[field] === "string") await shrinkAt([field], (v) => [...v], (items) => items.join(""));
      else if (best[field]?.hex !== undefined) {
        await shrinkAt([field, "hex"], (v) => v.match(/../g) ?? [], (items) => items.join(""));
      }
    }
    // Every other string, character by character.
    for (const path of paths(best).filter((p) => typeof get(best, p) === "string" && !["body", "data", "key", "message", "signature", "publicKey", "signingKey"].includes(p[0]))) {
      await shrinkAt(path, (v) => [...v], (items) => items.join(""));
    }
    if (steps === before) break;
  }
  return { ...found, steps, tries };
}

/** A body as the vector files give it: `body` (UTF-8 text) or `bodyHex`. */
function bodyField(spec, name = "body") {
  const bytes = expand(spec);
  const text = utf8(bytes);
  return text !== undefined ? { [name]: text } : { [`${name}Hex`]: Buffer.from(bytes).toString("hex") };
}

const pairsObject = (pairs) => Object.fromEntries(pairs);
/** Response headers as the classify vectors give them: an object, unless a name repeats. */
const headersField = (pairs) => (new Set(pairs.map(([k]) => k)).size === pairs.length ? pairsObject(pairs) : pairs);

/**
 * The minimal case, ready to paste into tests/vectors/generate.mjs: in the shape of the vector
 * file for its function, with `?` where the expected answer goes (from the peers or the rule's
 * source, never from a host under test) and both hosts' answers in the comment.
 */
export function vectorOf(c, native, other, hostName) {
  const comment = `differential: native says "${native}", ${hostName} says "${other}"`;
  const outcome = (o) => (typeof o === "number" ? { status: o } : o);
  const shapes = {
    verify: () => ["signature.json", { comment, secrets: c.secrets, ...(c.tol !== null ? { tolerance: c.tol } : {}), ...(c.max !== null ? { maxPayload: c.max } : {}), headers: c.headers, ...bodyField(c.body), now: c.now, result: "?" }],
    sign: () => ["signature.json", { op: "sign", comment, secrets: c.secrets, id: c.id, timestamp: c.ts, ...bodyField(c.body), expected: "?" }],
    ed25519Verify: () => ["v1a.json", { comment, publicKeyHex: Buffer.from(expand(c.publicKey)).toString("hex"), msgHex: Buffer.from(expand(c.message)).toString("hex"), sigHex: Buffer.from(expand(c.signature)).toString("hex"), result: "?" }],
    ed25519Sign: () => ["v1a.json", { comment, signingKeyHex: Buffer.from(expand(c.signingKey)).toString("hex"), msgHex: Buffer.from(expand(c.message)).toString("hex"), sigHex: "?" }],
    hmac: () => ["hmac.json", { comment, keyHex: Buffer.from(expand(c.key)).toString("hex"), msgHex: Buffer.from(expand(c.data)).toString("hex"), tagHex: "?", result: "?" }],
    classify: () => ["classify.json", { comment, policy: c.policy, outcome: outcome(c.outcome), headers: headersField(c.headers), attempt: 1, now: 0, expected: "?" }],
    next: () => ["classify.json", { comment, policy: c.policy, outcome: outcome(c.outcome), headers: headersField(c.headers), attempt: c.attempt, now: c.now, expected: "?" }],
    retryAfter: () => ["retry_after.json", { comment, kind: "retry_after", value: c.value, now: c.now, expected: "?" }],
    httpDate: () => ["retry_after.json", { comment, kind: "http_date", value: c.value, now: c.now, expected: "?" }],
    formatDate: () => ["retry_after.json", { comment, kind: "format", unix: c.unix, expected: "?" }],
    tags: () => ["tags.json", { comment, ...(typeof c.filter === "string" ? { filterList: c.filter } : { filter: c.filter }), company: pairsObject(c.company), matches: "?" }],
    tagsEvent: () => ["tags.json (with an event body)", { comment, ...(typeof c.filter === "string" ? { filterList: c.filter } : { filter: c.filter }), ...bodyField(c.body), matches: "?" }],
    eventTypes: () => ["filters.json", { comment, kind: "event_type", patterns: typeof c.patterns === "string" ? { list: c.patterns } : c.patterns, eventType: c.type, matches: "?" }],
    event: () => ["events.json", { comment, ...bodyField(c.body), result: "?" }],
    auth: () => ["authorization.json", { comment, expected: c.expected, header: c.header, result: "?" }],
    clientId: () => ["filters.json", { comment, kind: "client_id", expected: c.expected, header: c.header, result: "?" }],
    source: () => ["filters.json", { comment, kind: "source", allowlist: c.allowlist, address: c.address, allowed: "?" }],
    rate: () => ["guards.json", { comment, kind: "rate_limit", perSecond: c.perSecond, burst: c.burst, steps: c.steps.map((ms) => [ms, "?"]) }],
    sourceRate: () => ["guards.json", { comment, kind: "source_limit", perSecond: c.perSecond, burst: c.burst, capacity: c.capacity, steps: c.steps.map(([s, ms]) => [s, ms, "?"]) }],
    consumer: () => ["consumer.json", { comment, settings: c.settings, request: c.request, feeds: c.feeds, expected: "?" }],
    replay: () => ["guards.json", { comment, kind: "replay", capacity: c.capacity, ttl: c.ttl, steps: c.steps.map(([id, now]) => (now === undefined ? [id, 0, "forget"] : [id, now, "?"])) }],
  };
  const shape = shapes[c.k];
  if (!shape) return `    case: ${JSON.stringify({ comment, ...c })}`;
  const [file, vector] = shape();
  return `    vector for tests/vectors/${file} (fill in each "?" from the peers or the rule's source):\n    ${JSON.stringify(vector)}`;
}
