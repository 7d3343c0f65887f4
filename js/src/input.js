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

/** A header value as the core sees it: several values (an array) are one header sent on
 * several lines, joined by the spec's separator, a space. */
function text(value) {
  if (value == null) return undefined;
  return Array.isArray(value) ? value.join(" ") : String(value);
}

/** Reads one header from a plain object (any case), fetch Headers, Map, or [name, value] pairs. */
export function headerOf(headers, name) {
  if (headers == null) return undefined;
  if (typeof headers.get === "function" && !(headers instanceof Map)) return text(headers.get(name));
  if (headers instanceof Map || Array.isArray(headers)) {
    for (const [k, v] of headers) if (typeof k === "string" && k.toLowerCase() === name) return text(v);
    return undefined;
  }
  const exact = headers[name];
  if (exact !== undefined) return text(exact);
  for (const k in headers) if (k.toLowerCase() === name) return text(headers[k]);
  return undefined;
}

// Lengths of svix-id, webhook-id, svix-timestamp / svix-signature, webhook-timestamp /
// webhook-signature: a cheap first filter before lower-casing a name.
const LENGTHS = new Set([7, 10, 14, 17]);
const NAMES = new Set(["svix-id", "webhook-id", "svix-timestamp", "webhook-timestamp", "svix-signature", "webhook-signature"]);
const FETCH_NAMES = [...NAMES];

/** Escapes a value for packing: `\u0001` starts an escape (`\u0001n` is a newline,
 * `\u0001\u0001` itself), so any text survives; real header values never need it. */
function escape(v) {
  return v.replace(/[\n\u0001]/g, (c) => (c === "\n" ? "\u0001n" : "\u0001\u0001"));
}

let scratch = new Uint8Array(512);

/**
 * Every `[name, value]` pair whose name is one of the six signature header names in any case,
 * in the order the container holds them, packed as the UTF-8 of `name\nvalue\n…` for the core,
 * which picks the header (its rule: `svix-*` before `webhook-*`, first match wins, "" is
 * missing). The bytes are a view of a buffer reused by the next call.
 */
export function signaturePairs(headers) {
  const text = packedPairs(headers);
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}

function packedPairs(headers) {
  let packed = "";
  const add = (name, value) => {
    let v = text(value);
    if (v === undefined) return;
    if (v.indexOf("\n") >= 0 || v.indexOf("\u0001") >= 0) v = escape(v);
    packed += packed === "" ? `${name}\n${v}` : `\n${name}\n${v}`;
  };
  if (headers == null) return packed;
  if (typeof headers.get === "function" && !(headers instanceof Map)) {
    // fetch Headers: one value per name, already combined; lower-case names.
    for (const name of FETCH_NAMES) add(name, headers.get(name));
  } else if (headers instanceof Map || Array.isArray(headers)) {
    for (const entry of headers) {
      const k = entry && entry[0];
      if (typeof k === "string" && LENGTHS.has(k.length) && NAMES.has(k.toLowerCase())) add(k, entry[1]);
    }
  } else {
    for (const k in headers) {
      if (LENGTHS.has(k.length) && NAMES.has(k.toLowerCase())) add(k, headers[k]);
    }
  }
  return packed;
}
