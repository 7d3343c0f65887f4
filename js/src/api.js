// The one wrapper every host shares. It converts JS values (strings, bytes, header maps, dates)
// to what the wasm core takes and maps the core's `code|message` errors to error classes.
// No webhook rule lives here: the rules are in the Rust core, compiled to the .wasm file.
import * as core from "../pkg/hookproof.js";

export { wasmMemoryBytes } from "./memory.js";
export * from "./acceptance.js";

const DEFAULT_TOLERANCE_IN_SECONDS = 300;

/** Every error hookproof throws: `code` is stable and matches the core's error names. */
export class HookproofError extends Error {
  constructor(code, message, index) {
    super(message);
    this.name = "HookproofError";
    this.code = code;
    if (index !== undefined) this.index = index;
  }
}

/** Thrown by `Webhook` for a message (or secret) that fails verification. */
export class WebhookVerificationError extends HookproofError {
  constructor(code, message) {
    super(code, message);
    this.name = "WebhookVerificationError";
  }
}

/** Splits the core's `code|message[|index]` string. */
function parts(raw) {
  const first = raw.indexOf("|");
  const last = raw.lastIndexOf("|");
  const code = raw.slice(0, first);
  if (last > first && /^\d+$/.test(raw.slice(last + 1))) {
    return [code, raw.slice(first + 1, last), Number(raw.slice(last + 1))];
  }
  return [code, raw.slice(first + 1), undefined];
}

function fail(raw, Class = HookproofError) {
  const [code, message, index] = parts(raw);
  return Class === WebhookVerificationError ? new Class(code, message) : new Class(code, message, index);
}

/** Runs a core call that throws `code|message` strings and rethrows them as `Class`. */
function call(fn, Class = HookproofError) {
  try {
    return fn();
  } catch (e) {
    if (typeof e === "string") throw fail(e, Class);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Input conversion

function toSeconds(value, what) {
  if (value instanceof Date) value = value.getTime() / 1000;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new HookproofError("invalid_argument", `${what} must be a Date or Unix seconds`);
  }
  return Math.floor(value);
}

function nowSeconds(options) {
  return options && options.now !== undefined ? toSeconds(options.now, "options.now") : Math.floor(Date.now() / 1000);
}

/** A byte view of the payload, or the string itself. Never copies in JS. */
function payloadOf(payload) {
  if (typeof payload === "string" || payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  throw new WebhookVerificationError(
    "invalid_payload_type",
    "payload must be the raw request body (string, Uint8Array, ArrayBuffer or Buffer), not parsed JSON",
  );
}

/** Reads one header from a plain object (any case), fetch Headers, Map, or [name, value] pairs. */
function headerOf(headers, name) {
  let value;
  if (headers == null) return undefined;
  if (typeof headers.get === "function" && !(headers instanceof Map)) {
    value = headers.get(name);
  } else if (headers instanceof Map || Array.isArray(headers)) {
    for (const [k, v] of headers) {
      if (typeof k === "string" && k.toLowerCase() === name) {
        value = v;
        break;
      }
    }
  } else {
    value = headers[name];
    if (value === undefined) {
      for (const k in headers) {
        if (k.toLowerCase() === name) {
          value = headers[k];
          break;
        }
      }
    }
  }
  if (value == null) return undefined;
  if (Array.isArray(value)) return value.join(" ");
  return String(value);
}

const NAMES = ["svix-id", "webhook-id", "svix-timestamp", "webhook-timestamp", "svix-signature", "webhook-signature"];

function plainValue(value) {
  if (value == null) return undefined;
  return Array.isArray(value) ? value.join(" ") : String(value);
}

/**
 * Svix's order: `svix-*` first, then `webhook-*`; of several keys that differ only in case the
 * first in iteration order wins (the core's rule for pairs); the core treats "" as missing.
 */
function messageHeaders(headers) {
  if (headers != null && typeof headers.get !== "function" && !Array.isArray(headers) && !(headers instanceof Map)) {
    const v = NAMES.map(() => undefined);
    for (const k in headers) {
      const i = NAMES.indexOf(k.toLowerCase());
      if (i >= 0 && v[i] === undefined) v[i] = headers[k];
    }
    return [
      plainValue(v[0]) ?? plainValue(v[1]) ?? "",
      plainValue(v[2]) ?? plainValue(v[3]) ?? "",
      plainValue(v[4]) ?? plainValue(v[5]) ?? "",
    ];
  }
  return [
    headerOf(headers, "svix-id") ?? headerOf(headers, "webhook-id") ?? "",
    headerOf(headers, "svix-timestamp") ?? headerOf(headers, "webhook-timestamp") ?? "",
    headerOf(headers, "svix-signature") ?? headerOf(headers, "webhook-signature") ?? "",
  ];
}

const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();
const STRING_COPY_LIMIT = 512;

// ---------------------------------------------------------------------------------------------
// Webhook: a drop-in for svix's and standardwebhooks' class

function addSecret(keys, secret, format) {
  if (Array.isArray(secret)) {
    for (const s of secret) addSecret(keys, s, format);
    return;
  }
  let error;
  if (secret instanceof Uint8Array || secret instanceof ArrayBuffer) {
    error = keys.add_bytes(secret instanceof Uint8Array ? secret : new Uint8Array(secret));
  } else if (typeof secret === "string") {
    error = format === "raw" ? keys.add_bytes(new TextEncoder().encode(secret)) : keys.add_text(secret);
  } else {
    throw new WebhookVerificationError("invalid_secret", "secret must be a whsec_ string, base64, or bytes with { format: \"raw\" }");
  }
  if (error !== undefined) throw fail(error, WebhookVerificationError);
}

export class Webhook {
  #verifier;
  #tolerance;

  /**
   * @param secret `whsec_…`, bare base64, bytes (with `{ format: "raw" }` for raw strings), or
   *   an array of these for rotation.
   * @param options `toleranceInSeconds` (default 300; `Infinity` or `false` disables the check),
   *   `maxPayloadBytes`, `format: "raw"`.
   */
  constructor(secret, options = {}) {
    const keys = new core.Keys();
    try {
      addSecret(keys, secret, options.format);
      const tol = options.toleranceInSeconds ?? DEFAULT_TOLERANCE_IN_SECONDS;
      this.#tolerance = tol === false || tol === Infinity ? -1 : tol;
      if (typeof this.#tolerance !== "number" || Number.isNaN(this.#tolerance)) {
        throw new HookproofError("invalid_argument", "toleranceInSeconds must be a number of seconds, Infinity or false");
      }
      const max = options.maxPayloadBytes ?? -1;
      this.#verifier = call(() => new core.WebhookVerifier(keys, this.#tolerance, max), WebhookVerificationError);
    } finally {
      keys.free();
    }
  }

  /** Verifies and returns nothing (svix 2.x semantics); throws `WebhookVerificationError`. */
  verifySignature(payload, headers, options) {
    const result = this.#check(payloadOf(payload), messageHeaders(headers), options);
    if (result !== undefined) throw fail(result, WebhookVerificationError);
  }

  /** Verifies and returns the parsed JSON event (`undefined` for an empty body). */
  verify(payload, headers, options) {
    const body = payloadOf(payload);
    const result = this.#check(body, messageHeaders(headers), options);
    if (result !== undefined) throw fail(result, WebhookVerificationError);
    const text = typeof body === "string" ? body : decoder.decode(body);
    if (text.length === 0) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new WebhookVerificationError("invalid_payload", "the signature is valid but the body is not JSON");
    }
  }

  /** Never throws: `{ ok: true, id, timestamp }` or `{ ok: false, code, message }`. */
  safeVerify(payload, headers, options) {
    let result;
    let picked;
    try {
      picked = messageHeaders(headers);
      result = this.#check(payloadOf(payload), picked, options);
    } catch (e) {
      return { ok: false, code: e.code ?? "invalid_argument", message: e.message };
    }
    if (result === undefined) return { ok: true, id: picked[0], timestamp: Number(picked[1]) };
    const [code, message] = parts(result);
    return { ok: false, code, message };
  }

  /** `v1,<base64>` over `msgId.timestamp.payload`; byte-exact for any payload. */
  sign(msgId, timestamp, payload) {
    const ts = toSeconds(timestamp, "timestamp");
    const body = payloadOf(payload);
    const id = String(msgId);
    return typeof body === "string" ? this.#verifier.sign_str(id, ts, body) : this.#verifier.sign_bytes(id, ts, body);
  }

  /** `body` from payloadOf, `[id, ts, sig]` from messageHeaders: each picked once per call. */
  #check(body, [id, ts, sig], options) {
    // wasm-bindgen copies strings into wasm memory with a JS loop over the ASCII prefix; past a
    // few hundred characters the engine's native TextEncoder is faster, even with one more copy.
    if (typeof body === "string" && body.length > STRING_COPY_LIMIT) body = encoder.encode(body);
    const now = nowSeconds(options);
    // HTTP header values never hold a newline, so the three usually travel as one string.
    if (!id.includes("\n") && !ts.includes("\n") && !sig.includes("\n")) {
      const packed = `${id}\n${ts}\n${sig}`;
      return typeof body === "string"
        ? this.#verifier.verify_packed_str(packed, body, now)
        : this.#verifier.verify_packed(packed, body, now);
    }
    return typeof body === "string"
      ? this.#verifier.verify_str(id, ts, sig, body, now)
      : this.#verifier.verify_bytes(id, ts, sig, body, now);
  }
}

/** HMAC-SHA256 of `data` under `key` (strings are UTF-8): the primitive under every signature. */
export function hmacSha256(key, data) {
  return core.hmac_sha256(bodyBytes(key), bodyBytes(data));
}

// ---------------------------------------------------------------------------------------------
// Classification: what Codat does with a response

function statusCode(status) {
  if (status === null || status === undefined || status === "timeout") return -1;
  if (status === "connection_error") return -2;
  if (Number.isInteger(status) && status >= 0 && status <= 65535) return status;
  throw new HookproofError("invalid_argument", "status must be an HTTP status code, null (no response), \"timeout\" or \"connection_error\"");
}

/** `"delivered" | "redirect" | "retry" | "failed"` for one response under `policy`. */
export function classifyResponse(status, options = {}) {
  return call(() =>
    core.classify_response(options.policy ?? "current", statusCode(status), headerOf(options.headers, "webhook-delivery")),
  );
}

/**
 * The sender's next step after attempt number `attempt` (1 = first delivery):
 * `{ classification, action: "delivered" | "follow_redirect" | "retry" | "give_up", at?, reason? }`.
 */
export function nextAttempt({ policy = "current", attempt = 1, status = null, headers, now } = {}) {
  const json = call(() =>
    core.next_attempt(
      policy,
      attempt,
      statusCode(status),
      headerOf(headers, "retry-after"),
      headerOf(headers, "webhook-delivery"),
      nowSeconds({ now }),
    ),
  );
  return JSON.parse(json);
}

/** Seconds to wait for a `Retry-After` value (delta-seconds or HTTP-date), or `null`. */
export function parseRetryAfter(value, now) {
  if (typeof value !== "string") return null;
  return core.parse_retry_after(value, nowSeconds({ now })) ?? null;
}

/** Unix seconds of an HTTP-date (all three RFC 9110 forms), or `null`. */
export function parseHttpDate(value, now) {
  if (typeof value !== "string") return null;
  return core.parse_http_date(value, nowSeconds({ now })) ?? null;
}

/** IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) of a Date or Unix seconds. */
export function formatHttpDate(time) {
  const text = core.format_http_date(toSeconds(time, "time"));
  if (text === undefined) throw new HookproofError("invalid_argument", "time is outside years 1-9999");
  return text;
}

// ---------------------------------------------------------------------------------------------
// Routing: tags, event types, events, authorization, client id, sources

function bodyBytes(body) {
  const b = payloadOf(body);
  return typeof b === "string" ? new TextEncoder().encode(b) : b;
}

function tagPairs(tags) {
  if (tags == null) return [];
  const entries = tags instanceof Map ? tags.entries() : Array.isArray(tags) ? tags : Object.entries(tags);
  const flat = [];
  for (const entry of entries) {
    if (typeof entry === "string") {
      const i = entry.indexOf(":");
      if (i >= 0) flat.push(entry.slice(0, i), entry.slice(i + 1));
    } else {
      flat.push(String(entry[0]), String(entry[1]));
    }
  }
  return flat;
}

/** Company-tag filter: up to 10 `key:value` tags; a company matches when any tag is equal. */
export class TagFilter {
  #inner;

  /** @param tags an array of `key:value` strings, or one comma-separated string. */
  constructor(tags = []) {
    this.#inner = call(() => (typeof tags === "string" ? core.Tags.parse_list(tags) : new core.Tags(Array.from(tags, String))));
  }

  /** `companyTags`: an object `{ key: value }`, a Map, or `key:value` strings. */
  matches(companyTags) {
    return this.#inner.matches(tagPairs(companyTags));
  }

  /** Matches a raw body, or an already parsed event object, by its company's tags. */
  matchesEvent(eventOrBody) {
    const body =
      typeof eventOrBody === "string" || eventOrBody instanceof Uint8Array || eventOrBody instanceof ArrayBuffer
        ? bodyBytes(eventOrBody)
        : new TextEncoder().encode(JSON.stringify(eventOrBody));
    return call(() => this.#inner.matches_body(body));
  }
}

/** Accepted event types: exact names, `prefix.*`, or `*`; empty accepts all. */
export class EventTypeFilter {
  #inner;

  constructor(patterns = []) {
    this.#inner = call(() =>
      typeof patterns === "string" ? core.EventTypes.parse_list(patterns) : new core.EventTypes(Array.from(patterns, String)),
    );
  }

  matches(eventType) {
    return typeof eventType === "string" && this.#inner.matches(eventType);
  }
}

/**
 * Parses a raw Codat webhook body into `{ kind: "current", id, eventType, generatedDate,
 * companyId, companyName, companyTags, payload }` or `{ kind: "legacy", eventType, ruleType,
 * companyId, clientId, clientName, dataConnectionId, ruleId, alertId, message, companyTags, data }`.
 */
export function parseEvent(body) {
  return JSON.parse(call(() => core.parse_event(bodyBytes(body))));
}

function authResult(error) {
  if (error === undefined) return { ok: true };
  const [code, message] = parts(error);
  return { ok: false, code, message };
}

/**
 * Checks a legacy `Authorization` header against `{ basic: { username, password } }` or
 * `{ bearer: token }`: `{ ok: true }` or `{ ok: false, code, message }`.
 */
export function checkAuthorization(header, expected = {}) {
  const value = header == null ? undefined : String(header);
  if (expected.basic) {
    return authResult(core.check_authorization(value, "basic", String(expected.basic.username ?? ""), String(expected.basic.password ?? "")));
  }
  if (expected.bearer !== undefined) return authResult(core.check_authorization(value, "bearer", "", String(expected.bearer)));
  return authResult(core.check_authorization(value, "", "", ""));
}

/** Checks `X-Codat-ClientId`: `{ ok: true }` or `{ ok: false, code, message }`. */
export function checkClientId(expected, header) {
  return authResult(core.check_client_id(String(expected), header == null ? undefined : String(header)));
}

let codatSources;

/**
 * Whether `ip` is in `allowlist` (addresses and CIDR blocks, IPv4 and IPv6), by default
 * Codat's documented sources. An unparsable `ip` is not allowed.
 */
export function isAllowedSource(ip, allowlist) {
  const list =
    allowlist === undefined ? (codatSources ??= core.Sources.codat()) : call(() => new core.Sources(Array.from(allowlist, String)));
  try {
    return call(() => list.is_allowed(String(ip)));
  } catch (e) {
    if (e.code === "invalid_address") return false;
    throw e;
  } finally {
    if (list !== codatSources) list.free();
  }
}

// ---------------------------------------------------------------------------------------------
// Load shedding and de-duplication for a consumer

function toMillis(value) {
  if (value === undefined) return Date.now();
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new HookproofError("invalid_argument", "now must be a Date or Unix seconds");
  }
  return Math.round(value * 1000);
}

/**
 * At most `perSecond` messages per second on average and `burst` at once (GCRA). `check()`
 * answers `{ allowed: true }` or `{ allowed: false, retryAfter }` (whole seconds, ≥ 1), ready
 * for a `429` with `Retry-After`.
 */
export class RateLimiter {
  #inner;

  constructor({ perSecond, burst = perSecond } = {}) {
    this.#inner = call(() => new core.Limiter(perSecond >>> 0 === perSecond ? perSecond : 0, burst >>> 0 === burst ? burst : 0));
  }

  check(now) {
    const wait = this.#inner.check(toMillis(now));
    return wait === 0 ? { allowed: true } : { allowed: false, retryAfter: wait };
  }
}

/**
 * Remembers verified webhook ids for `ttlSeconds` (default 600: twice the tolerance), at most
 * `capacity` of them (default 10,000, oldest forgotten first). `check(id)` is `"new"` (and
 * records it) or `"duplicate"`.
 */
export class ReplayGuard {
  #inner;

  constructor({ capacity = 10_000, ttlSeconds = 600 } = {}) {
    this.#inner = call(() => new core.Replay(capacity >>> 0 === capacity ? capacity : 0, ttlSeconds));
  }

  check(id, now) {
    return this.#inner.check(String(id), nowSeconds({ now })) ? "duplicate" : "new";
  }

  /** Forgets `id` (say, when enqueueing its message failed), so a redelivery is accepted. */
  forget(id) {
    return this.#inner.forget(String(id));
  }

  get size() {
    return this.#inner.size();
  }
}
