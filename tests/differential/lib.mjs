// Shared by every JavaScript side of the differential test (the driver and the hosts: Node,
// workerd, Deno, edge-runtime, jco). Pure ECMAScript plus TextEncoder/TextDecoder: no Node,
// Deno or Web-only APIs. tests/differential/common.rs is the Rust twin of everything here; the
// two must agree byte for byte (the native runner is the reference every host is compared to).
//
// Bodies and keys travel as compact specs, expanded by each host:
//   "text"                       its UTF-8 bytes
//   {"hex": "00ff"}              bytes
//   {"fill": [seed, len, kind]}  len pseudo-random bytes (xorshift32 from seed); kind is
//                                "bytes" (0-255), "ascii" (0x20-0x7e), "text" (ascii without
//                                `"` and `\`, safe inside a JSON string) or "utf8" (whole
//                                characters from UTF8_CHARS, padded with `x` to len)
//   {"cat": [spec, …]}           concatenation
//   {"slice": [spec, start, end]} bytes start..end (clamped)
//   {"xor": [spec, [[pos, mask], …]]} each byte at pos % len XORed with mask (no-op when empty)

export const UTF8_CHARS = [
  "a", "Z", "0", " ", "{", "\"", "\\", "/", ":", ",", "\u0000", "\n", "\u007f", "\u00e9", "\u0301",
  "\u00ff", "\u2028", "\u2029", "\ufeff", "\ufffd", "\u6771", "\u4eac", "\ud83d\ude80", "\ud800\udc00", "\udbff\udfff",
];
const UTF8_BYTES = UTF8_CHARS.map((c) => new TextEncoder().encode(c));

/** xorshift32; a zero seed is replaced (the generator would stay at 0). */
export function xorshift32(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function fill(seed, len, kind) {
  const next = xorshift32(seed);
  const out = new Uint8Array(len);
  if (kind === "bytes") {
    for (let i = 0; i < len; i++) out[i] = next() & 0xff;
  } else if (kind === "ascii") {
    for (let i = 0; i < len; i++) out[i] = 0x20 + (next() % 95);
  } else if (kind === "text") {
    for (let i = 0; i < len; i++) {
      const b = 0x20 + (next() % 95);
      out[i] = b === 0x22 ? 0x61 : b === 0x5c ? 0x62 : b;
    }
  } else if (kind === "utf8") {
    let i = 0;
    for (;;) {
      const c = UTF8_BYTES[next() % UTF8_BYTES.length];
      if (i + c.length > len) break;
      out.set(c, i);
      i += c.length;
    }
    out.fill(0x78, i);
  } else {
    throw new Error(`badcase: fill kind ${kind}`);
  }
  return out;
}

const encoder = new TextEncoder();

export function hexToBytes(hex) {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new Error("badcase: hex");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}

/** The bytes of a spec (see the top of this file). */
export function expand(spec) {
  if (typeof spec === "string") return encoder.encode(spec);
  if (spec === null || typeof spec !== "object") throw new Error("badcase: bytes spec");
  if (spec.hex !== undefined) return hexToBytes(spec.hex);
  if (spec.fill !== undefined) {
    const [seed, len, kind] = spec.fill;
    if (!Number.isInteger(seed) || !Number.isInteger(len) || len < 0 || len > 1 << 24) throw new Error("badcase: fill");
    return fill(seed, len, kind);
  }
  if (spec.cat !== undefined) {
    const parts = spec.cat.map(expand);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  if (spec.slice !== undefined) {
    const [inner, start, end] = spec.slice;
    const b = expand(inner);
    const s = Math.min(Math.max(start, 0), b.length);
    return b.slice(s, Math.max(s, Math.min(end, b.length)));
  }
  if (spec.xor !== undefined) {
    const [inner, edits] = spec.xor;
    const b = expand(inner).slice();
    if (b.length > 0) for (const [pos, mask] of edits) b[pos % b.length] ^= mask;
    return b;
  }
  throw new Error("badcase: bytes spec");
}

// ignoreBOM: a leading U+FEFF is part of the text, not a byte-order mark to drop.
const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The UTF-8 text of bytes, or undefined when they are not UTF-8. */
export function utf8(bytes) {
  try {
    return fatal.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A string in canonical output: exactly JSON.stringify's form (Rust: common.rs `q`). */
export const q = (s) => JSON.stringify(s);

/**
 * An integer in canonical output: exact while it is a safe integer; beyond ±(2^53 − 1), where a
 * JS number cannot hold every integer, `≈` and the nearest double as JavaScript prints it.
 */
export function int(n) {
  if (typeof n === "bigint") {
    if (n >= -9007199254740991n && n <= 9007199254740991n) return String(n);
    return `≈${String(Number(n))}`;
  }
  if (typeof n !== "number" || !Number.isInteger(n)) return `notint:${String(n)}`;
  return Number.isSafeInteger(n) ? String(n) : `≈${String(n)}`;
}

/**
 * A parsed JSON value in canonical output: keys sorted by UTF-16 code units (duplicates were
 * already resolved, last wins, by JSON.parse), numbers as JSON.stringify writes doubles.
 */
export function canon(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canon).join(",")}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canon(value[k])}`)
    .join(",")}}`;
}

/** A host's answer to a case it cannot read: never equal to a real answer. */
export const badcase = (why) => `badcase ${why}`;

/** The canonical line of a consumer case: its steps in the vectors' shape (an answer's body as
 * its JSON text), or the settings' error. Twin of `consumer_line` in common.rs. */
export function consumerLine(steps) {
  const o = (v) => (v === null || v === undefined ? "null" : q(v));
  const n = (v) => (v === null || v === undefined ? "null" : String(v));
  const text = (s) => {
    if (s.error !== undefined) return `error ${s.error}`;
    switch (s.step) {
      case "read_body":
        return `read_body ${n(s.maxBytes)} ${n(s.waitMs)}`;
      case "check_source":
        return "check_source";
      case "check_rate":
        return `check_rate ${n(s.waitMs)}`;
      case "begin":
        return `begin ${o(s.id)} ${o(s.key)} ${n(s.waitMs)}`;
      case "deliver":
        return `deliver ${o(s.id)} ${n(s.token)} ${o(s.eventType)} ${o(s.companyId)} ${n(s.waitMs)}`;
      case "commit":
      case "abort":
        return `${s.step} ${o(s.id)} ${o(s.key)} ${n(s.token)} ${n(s.waitMs)}`;
      case "answer":
        return `answer ${n(s.status)} ${o(s.body)} ${n(s.retryAfter)} ${o(s.allow)} ${s.close} ${s.sender}`;
      default:
        return `!step=${q(String(s.step))}`;
    }
  };
  return `consumer ${steps.map(text).join(" | ")}`;
}
