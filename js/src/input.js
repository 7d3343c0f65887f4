// Converts what callers pass (dates, bodies, header containers) to what the core takes. No
// webhook rule lives here: which header wins is decided by the core from the pairs collected.
import { HookproofError, WebhookVerificationError } from "./errors.js";

export function toSeconds(value, what) {
  if (value instanceof Date) value = value.getTime() / 1000;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new HookproofError("invalid_argument", `${what} must be a Date or Unix seconds`);
  }
  return Math.floor(value);
}

/** A whole-number option (seconds, a count) as the core takes it: anything else — NaN, a
 * fraction, a negative, a string — becomes 0, which every core constructor refuses with its
 * typed error (never truncated or coerced into a valid-looking value). */
export function wholeOption(value) {
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

export function nowSeconds(options) {
  return options && options.now !== undefined ? toSeconds(options.now, "options.now") : Math.floor(Date.now() / 1000);
}

/** A byte view of the payload, or the string itself. Never copies in JS. */
export function payloadOf(payload) {
  if (typeof payload === "string" || payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  throw new WebhookVerificationError(
    "invalid_payload_type",
    "payload must be the raw request body (string, Uint8Array, ArrayBuffer or Buffer), not parsed JSON",
  );
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a payload. */
export function bodyBytes(body) {
  const b = payloadOf(body);
  return typeof b === "string" ? encoder.encode(b) : b;
}

// A string body on its way into wasm memory (where the binding copies it again) is encoded into
// this buffer, reused, rather than a new array per call; past SCRATCH_CHARS characters into an
// array of its own, so a rare huge body does not keep its size in memory.
const SCRATCH_CHARS = 1 << 16;
let bodyScratch = new Uint8Array(0);

/** The UTF-8 of `text`, valid until the next call. */
export function transientBytes(text) {
  if (text.length > SCRATCH_CHARS) return encoder.encode(text);
  if (bodyScratch.length < text.length * 3) bodyScratch = new Uint8Array(Math.max(text.length * 3, 4096));
  return bodyScratch.subarray(0, encoder.encodeInto(text, bodyScratch).written);
}

/** A header value as the core sees it: several values (an array) are one header sent on
 * several lines, joined by the spec's separator, a space. */
function text(value) {
  if (value == null) return undefined;
  return Array.isArray(value) ? value.join(" ") : String(value);
}

/** Reads one header (`name` in lower case) from a plain object, fetch Headers, Map, or
 * [name, value] pairs. Names match with ASCII letters in any case — the core's comparison, so
 * a look-alike such as a Kelvin sign for the K is another header — and of several matching
 * names the first wins, as for the signature headers. */
export function headerOf(headers, name) {
  if (headers == null) return undefined;
  if (typeof headers.get === "function" && !(headers instanceof Map)) return text(headers.get(name));
  if (headers instanceof Map || Array.isArray(headers)) {
    for (const [k, v] of headers) if (typeof k === "string" && k.length === name.length && sameAscii(k, name)) return text(v);
    return undefined;
  }
  for (const k in headers) if (k.length === name.length && sameAscii(k, name)) return text(headers[k]);
  return undefined;
}

const FETCH_NAMES = ["svix-id", "webhook-id", "svix-timestamp", "webhook-timestamp", "svix-signature", "webhook-signature"];

/** Whether `name` equals `lower` (all lower case) with ASCII letters in any case: the core's own
 * comparison, so a name the core would not match (a Kelvin sign for the K) is never a candidate. */
function sameAscii(name, lower) {
  for (let i = 0; i < lower.length; i++) {
    const c = name.charCodeAt(i);
    if (c !== lower.charCodeAt(i) && (c < 65 || c > 90 || c + 32 !== lower.charCodeAt(i))) return false;
  }
  return true;
}

/** Whether `name` could be one of the six signature header names (a cheap filter by length). */
function candidate(name) {
  switch (name.length) {
    case 7:
      return sameAscii(name, "svix-id");
    case 10:
      return sameAscii(name, "webhook-id");
    case 14:
      return sameAscii(name, "svix-timestamp") || sameAscii(name, "svix-signature");
    case 17:
      return sameAscii(name, "webhook-timestamp") || sameAscii(name, "webhook-signature");
    default:
      return false;
  }
}

/** Escapes a value for packing: `\u0001` starts an escape (`\u0001n` is a newline,
 * `\u0001\u0001` itself), so any text survives; real header values never need it. */
function escape(v) {
  return v.replace(/[\n\u0001]/g, (c) => (c === "\n" ? "\u0001n" : "\u0001\u0001"));
}

let scratch = new Uint8Array(1024);
let at = 0;

/** Room for `n` more bytes in `scratch`, keeping what is written. */
function reserve(n) {
  if (at + n <= scratch.length) return;
  const bigger = new Uint8Array(Math.max(at + n, 2 * scratch.length));
  bigger.set(scratch.subarray(0, at));
  scratch = bigger;
}

/** Appends an ASCII string without `\n` or `\u0001`, and a newline, to `scratch`; false for
 * anything else. */
function put(str) {
  reserve(str.length + 1);
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c > 0x7f || c === 10 || c === 1) return false;
    scratch[at++] = c;
  }
  scratch[at++] = 10;
  return true;
}

// A name spelled exactly as the spec writes it travels as one byte (the core reads it back as
// that name): `\u0002` svix-id … `\u0007` webhook-signature. No header name is a control byte.
const CODES = Object.assign(Object.create(null), {
  "svix-id": 2,
  "webhook-id": 3,
  "svix-timestamp": 4,
  "webhook-timestamp": 5,
  "svix-signature": 6,
  "webhook-signature": 7,
});

/**
 * Every `[name, value]` pair whose name is one of the six signature header names in any case,
 * in the order the container holds them, packed as the UTF-8 of `name\nvalue\n…` for the core,
 * which picks the header (its rule: `svix-*` before `webhook-*`, first match wins, "" is
 * missing). The bytes are a view of a buffer reused by the next call.
 */
export function signaturePairs(headers) {
  // The usual case, a plain object of ASCII strings: written straight into the buffer.
  if (headers != null && typeof headers.get !== "function" && !(headers instanceof Map) && !Array.isArray(headers)) {
    at = 0;
    let plain = true;
    for (const k in headers) {
      const code = CODES[k];
      if (code === undefined && !candidate(k)) continue;
      const v = headers[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== "string") {
        plain = false;
        break;
      }
      if (code !== undefined) {
        reserve(2);
        scratch[at++] = code;
        scratch[at++] = 10;
      } else if (!put(k)) {
        plain = false;
        break;
      }
      if (!put(v)) {
        plain = false;
        break;
      }
    }
    if (plain) return scratch.subarray(0, at > 0 ? at - 1 : 0);
  }
  const text = packedPairs(headers);
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}

/** A value ready for packing: a string, with a newline or `\u0001` escaped. */
function packable(value) {
  const v = typeof value === "string" ? value : text(value);
  if (v === undefined || (v.indexOf("\n") < 0 && v.indexOf("\u0001") < 0)) return v;
  return escape(v);
}

function packedPairs(headers) {
  let packed = "";
  if (headers == null) return packed;
  if (typeof headers.get === "function" && !(headers instanceof Map)) {
    // fetch Headers: one value per name, already combined; lower-case names.
    for (const name of FETCH_NAMES) {
      const v = packable(headers.get(name));
      if (v !== undefined) packed += packed === "" ? `${name}\n${v}` : `\n${name}\n${v}`;
    }
  } else if (headers instanceof Map || Array.isArray(headers)) {
    for (const entry of headers) {
      const k = entry && entry[0];
      if (typeof k !== "string" || !candidate(k)) continue;
      const v = packable(entry[1]);
      if (v !== undefined) packed += packed === "" ? `${k}\n${v}` : `\n${k}\n${v}`;
    }
  } else {
    for (const k in headers) {
      if (!candidate(k)) continue;
      const v = packable(headers[k]);
      if (v !== undefined) packed += packed === "" ? `${k}\n${v}` : `\n${k}\n${v}`;
    }
  }
  return packed;
}
