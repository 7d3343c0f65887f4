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
    if (e.mac === j) e.mac = { hex: key };
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
    const lists = paths(best).filter((p) => Array.isArray(get(best, p)) && !["secrets", "body", "data", "key"].includes(p[0]));
    for (const path of lists.sort((x, y) => x.length - y.length)) await shrinkAt(path, (v) => v, (items) => items, "list");
    // Bodies: unwrap, halve procedural fills, spell small ones out, then bytes or characters.
    for (const field of ["body", "data", "key"]) {
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
    for (const path of paths(best).filter((p) => typeof get(best, p) === "string" && !["body", "data", "key"].includes(p[0]))) {
      await shrinkAt(path, (v) => [...v], (items) => items.join(""));
    }
    if (steps === before) break;
  }
  return { ...found, steps, tries };
}

/** The minimal case, ready to paste: as a tests/vectors/generate.mjs signature case where it
 *  is one, else as the differential case itself (node tests/differential/run.mjs --hosts … reads
 *  neither; paste it into a vector file by hand with the expected answer from the peers). */
export function vectorOf(concrete, native, other, hostName) {
  const comment = `differential: native says "${native}", ${hostName} says "${other}"`;
  if (concrete.k === "verify") {
    const bytes = expand(concrete.body);
    const text = utf8(bytes);
    const vector = {
      comment,
      secrets: concrete.secrets,
      ...(concrete.tol !== null ? { tolerance: concrete.tol } : {}),
      ...(concrete.max !== null ? { maxPayload: concrete.max } : {}),
      headers: concrete.headers,
      ...(text !== undefined ? { body: text } : { bodyHex: Buffer.from(bytes).toString("hex") }),
      now: concrete.now,
      result: "?",
    };
    return `    vector (tests/vectors/signature.json shape; set result/error from the peers):\n    ${JSON.stringify(vector)}`;
  }
  const spelled = { ...concrete };
  for (const f of ["body", "data", "key"]) {
    if (spelled[f] !== undefined && typeof spelled[f] !== "string") {
      const bytes = expand(spelled[f]);
      spelled[f] = utf8(bytes) ?? { hex: Buffer.from(bytes).toString("hex") };
    }
  }
  return `    case: ${JSON.stringify({ comment, ...spelled })}`;
}
