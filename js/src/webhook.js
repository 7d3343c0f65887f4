// `Webhook`: a drop-in for svix's and standardwebhooks' class, on the core's lean signature
// module. Each entry point installs the module the way its host loads wasm; `hookproof/v1a`
// installs a second build that also knows ed25519 (v1a) keys.
import { WebhookVerificationError, failure } from "./errors.js";
import { bodyBytes, nowSeconds, payloadOf, signaturePairs, toSeconds, transientBytes } from "./input.js";

/** UTF-8 to text keeping a leading U+FEFF: it is part of an id or a body, not a byte-order mark
 * (the default decoder drops it, so an id beginning with one came back one character short). */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

const DEFAULT_TOLERANCE_IN_SECONDS = 300;
// Bodies at least this long are hashed by the host's native HMAC-SHA256 (node:crypto on Node,
// Bun and Deno) instead of the wasm one; every rule still runs in the core (prepare/finish).
// Measured by `make bench` (bench/RESULTS.md): below it the wasm path is faster.
export const HOST_HMAC_THRESHOLD = 1536;
// wasm-bindgen copies strings into wasm memory with a JS loop over the ASCII prefix; past a
// few hundred characters the engine's native TextEncoder is faster, even with one more copy.
const STRING_COPY_LIMIT = 512;

const backends = {};
// The host's native HMAC: `undefined` until first asked for, then node:crypto's functions or
// `null` where there is none.
let host;
let findHost;

/** Called by entry points: `kind` is "lean" or "v1a"; `ready()` instantiates on first use. */
export function installBackend(kind, glue, ready) {
  backends[kind] = { glue, ready };
}

/**
 * Called by entry points on hosts that may have node:crypto: `find()` returns `createHmac`,
 * `createSecretKey` and `byteLength`, or nothing. Asked only when a large body first arrives, so
 * small-body users never load node:crypto.
 */
export function installHostCrypto(find) {
  findHost = find;
}

function hostCrypto() {
  if (host === undefined) host = findHost?.() ?? null;
  return host;
}

/** The host's node:crypto where the runtime offers `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno). */
export function nodeCrypto() {
  const get = globalThis.process?.getBuiltinModule;
  if (typeof get !== "function") return undefined;
  try {
    const crypto = get("node:crypto");
    const buffer = get("node:buffer");
    if (typeof crypto?.createHmac !== "function" || typeof crypto.createSecretKey !== "function") return undefined;
    return { createHmac: crypto.createHmac, createSecretKey: crypto.createSecretKey, byteLength: buffer.Buffer.byteLength };
  } catch {
    return undefined;
  }
}

const bytesOf = (value) => (value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : undefined);

/**
 * Adds one key, or each of an array. `stated`: hookproof/v1a's Webhook, which takes both kinds,
 * so text must carry its whsec_/whpk_/whsk_ prefix (the core refuses bare base64 with
 * `ambiguous_key`); otherwise svix's reading, where bare base64 is an HMAC secret. Bytes are an
 * HMAC secret only with svix's `{ format: "raw" }`: a public key's bytes handed over bare would
 * otherwise become an HMAC secret that anyone holding the public key can sign with.
 */
function addSecret(keys, secret, format, stated) {
  if (Array.isArray(secret)) {
    for (const s of secret) addSecret(keys, s, format, stated);
    return;
  }
  let error;
  const raw = bytesOf(secret);
  if (raw !== undefined) {
    if (format !== "raw") {
      throw new WebhookVerificationError(
        "ambiguous_key",
        'ambiguous key: bytes state no kind; pass { format: "raw" } for an HMAC secret\'s bytes, or { publicKey } / { signingKey } for an ed25519 key\'s',
      );
    }
    error = keys.add_bytes(raw);
  } else if (typeof secret === "string") {
    error =
      format === "raw"
        ? keys.add_bytes(new TextEncoder().encode(secret))
        : stated
          ? keys.add_text(secret)
          : keys.add_secret_text(secret);
  } else if (secret !== null && typeof secret === "object" && bytesOf(secret.publicKey) !== undefined) {
    error = keys.add_public_key(bytesOf(secret.publicKey));
  } else if (secret !== null && typeof secret === "object" && bytesOf(secret.signingKey) !== undefined) {
    error = keys.add_signing_key(bytesOf(secret.signingKey));
  } else {
    throw new WebhookVerificationError(
      "invalid_secret",
      'secret must be a whsec_ string (or whpk_/whsk_ with hookproof/v1a), bytes with { format: "raw" }, or { publicKey } / { signingKey } bytes',
    );
  }
  if (error !== undefined) throw failure(error, WebhookVerificationError);
}

function build(backend, secret, options, stated, tolerance, max) {
  backend.ready();
  const keys = new backend.glue.Keys();
  let verifier;
  try {
    addSecret(keys, secret, options.format, stated);
    const made = new backend.glue.Verifier(keys, tolerance, max);
    const error = made.error();
    if (error !== undefined) {
      made.free();
      throw failure(error, WebhookVerificationError);
    }
    verifier = made;
  } finally {
    if (verifier === undefined) keys.free();
  }
  // The lean module's secrets stay in wasm memory (and nowhere else) until a large body asks
  // for the host's HMAC; a v1a verifier, or a host without node:crypto, always hashes in wasm.
  if (backend !== backends.lean || findHost === undefined) {
    keys.free();
    return { verifier, keys: undefined };
  }
  return { verifier, keys };
}

/** node:crypto key objects for the secrets, once; `null` where the host has no HMAC. */
function hostKeys(keys) {
  const crypto = hostCrypto();
  if (crypto === null) return null;
  const out = [];
  const bytes = new Uint8Array(1024);
  for (let i = 0; i < keys.count(); i++) {
    out.push(crypto.createSecretKey(bytes.subarray(0, keys.key_bytes(i, bytes))));
    bytes.fill(0);
  }
  return out;
}

export class Webhook {
  #verifier;
  // The wasm-side secrets (until node:crypto key objects are made from them), then the key
  // objects, or null when the host has no HMAC or the verifier needs none.
  #keys;
  #hostKeys;
  // options.maxPayloadBytes, or -1: the host path tells the core the body's length only when
  // the core's size check could depend on it.
  #max;

  /**
   * @param secret `whsec_…`, bare base64 (svix's reading: always an HMAC secret here, so a
   *   `whpk_` public key must keep its prefix), bytes with `{ format: "raw" }`, or an array of
   *   these for rotation; with `hookproof/v1a` also `whpk_…` / `whsk_…` keys.
   * @param options `toleranceInSeconds` (default 300; `Infinity` or `false` disables the check;
   *   otherwise a whole number from 0 to 2^53 - 1, else `invalid_tolerance`), `maxPayloadBytes`
   *   (a whole number, else `invalid_max_payload`), `format: "raw"`.
   */
  constructor(secret, options = {}) {
    const tol = options.toleranceInSeconds ?? DEFAULT_TOLERANCE_IN_SECONDS;
    // `undefined` is "no window"; anything but a number reaches the core as NaN, which it
    // refuses (never coerced: "300" or null must not become a tolerance).
    const tolerance = tol === false || tol === Infinity ? undefined : typeof tol === "number" ? tol : NaN;
    const limit = options.maxPayloadBytes;
    const max = limit === undefined || limit === null ? undefined : typeof limit === "number" ? limit : NaN;
    const stated = this instanceof V1aWebhook;
    let built;
    try {
      built = build(backends.lean, secret, options, stated, tolerance, max);
    } catch (e) {
      if (e.code !== "unsupported_key") throw e;
      if (backends.v1a === undefined) {
        throw new WebhookVerificationError(
          "unsupported_key",
          `${e.message} (import { Webhook } from "hookproof/v1a" to use v1a, ed25519, keys)`,
        );
      }
      built = build(backends.v1a, secret, options, stated, tolerance, max);
    }
    this.#verifier = built.verifier;
    this.#keys = built.keys;
    this.#hostKeys = built.keys === undefined ? null : undefined;
    this.#max = max ?? -1;
  }

  /** Verifies and returns nothing (svix 2.x semantics); throws `WebhookVerificationError`. */
  verifySignature(payload, headers, options) {
    const error = this.#check(payloadOf(payload), signaturePairs(headers), options, false);
    if (error !== undefined) throw failure(error, WebhookVerificationError);
  }

  /** Verifies and returns the parsed JSON event (`undefined` for an empty body). */
  verify(payload, headers, options) {
    const body = payloadOf(payload);
    const error = this.#check(body, signaturePairs(headers), options, false);
    if (error !== undefined) throw failure(error, WebhookVerificationError);
    const text = typeof body === "string" ? body : utf8.decode(body);
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
    try {
      result = this.#check(payloadOf(payload), signaturePairs(headers), options, true);
    } catch (e) {
      return { ok: false, code: e.code ?? "invalid_argument", message: e.message };
    }
    if (typeof result === "number") {
      const { code, message } = failure(result, WebhookVerificationError);
      return { ok: false, code, message };
    }
    // `id\ntimestamp`: the timestamp is digits only, so the last newline ends the id.
    const cut = result.lastIndexOf("\n");
    return { ok: true, id: result.slice(0, cut), timestamp: Number(result.slice(cut + 1)) };
  }

  /**
   * `v1,<base64>` (or `v1a,` with a `whsk_` key) over `msgId.timestamp.payload`, with the first
   * key that can sign; byte-exact for any payload. Public keys alone throw `no_signing_key`.
   */
  sign(msgId, timestamp, payload) {
    const ts = toSeconds(timestamp, "timestamp");
    const body = payloadOf(payload);
    const id = String(msgId);
    const text =
      typeof body === "string" && body.length <= STRING_COPY_LIMIT
        ? this.#verifier.sign_str(id, ts, body)
        : this.#verifier.sign_bytes(id, ts, typeof body === "string" ? transientBytes(body) : body);
    if (typeof text === "number") throw failure(text);
    return text;
  }

  /**
   * The core's verdict: `undefined` or an error number (its index in webhook-errors.js); with
   * `detail`, `id\ntimestamp` or an error number.
   */
  #check(body, pairs, options, detail) {
    const now = nowSeconds(options);
    if (this.#hostKeys !== null && (typeof body === "string" ? body.length : body.byteLength) >= HOST_HMAC_THRESHOLD) {
      if (this.#hostKeys === undefined) {
        this.#hostKeys = hostKeys(this.#keys);
        this.#keys.free();
        this.#keys = undefined;
      }
      if (this.#hostKeys !== null) return this.#checkHost(body, pairs, now, this.#hostKeys, detail);
    }
    if (typeof body === "string" && body.length > STRING_COPY_LIMIT) body = transientBytes(body);
    if (detail) {
      return typeof body === "string"
        ? this.#verifier.verify_detail_str(pairs, body, now)
        : this.#verifier.verify_detail(pairs, body, now);
    }
    return typeof body === "string" ? this.#verifier.verify_str(pairs, body, now) : this.#verifier.verify(pairs, body, now);
  }

  /**
   * What the core's payload-size check needs of a string body's UTF-8 length: the exact count
   * (a pass over the whole string) only when the limit falls between the bounds the string's
   * length gives (one to three bytes per UTF-16 unit); otherwise a length on the same side of it.
   */
  #stringLength(body) {
    const max = this.#max;
    if (max < 0 || body.length * 3 <= max || body.length > max) return body.length;
    return host.byteLength(body, "utf8");
  }

  /** The core checks everything but the MACs, node:crypto hashes, the core compares. */
  #checkHost(body, pairs, now, keys, detail) {
    const length = typeof body === "string" ? this.#stringLength(body) : body.byteLength;
    const { createHmac } = host;
    // `{id}.{timestamp}.` or an error number.
    const signed = this.#verifier.prepare(pairs, length, now);
    if (typeof signed === "number") return signed;
    const macs = new Uint8Array(32 * keys.length);
    for (let i = 0; i < keys.length; i++) {
      macs.set(createHmac("sha256", keys[i]).update(signed).update(body).digest(), 32 * i);
    }
    const error = this.#verifier.finish(macs, now);
    if (!detail || error !== undefined) return error;
    // `signed` is `{id}.{timestamp}.`; the timestamp is digits only.
    const end = signed.length - 1;
    const dot = signed.lastIndexOf(".", end - 1);
    return `${signed.slice(0, dot)}\n${signed.slice(dot + 1, end)}`;
  }
}

/**
 * `hookproof/v1a`'s `Webhook`: the same class for keys of both kinds, so every key states its
 * kind — `whsec_…`, `whpk_…` or `whsk_…` text (bare base64 is refused with `ambiguous_key`),
 * bytes with `{ format: "raw" }` (HMAC secret), `{ publicKey }` or `{ signingKey }`.
 */
const SvixWebhook = Webhook;
export const V1aWebhook = class Webhook extends SvixWebhook {};

/** HMAC-SHA256 of `data` under `key` (strings are UTF-8): the primitive under every signature. */
export function hmacSha256(key, data) {
  backends.lean.ready();
  const out = new Uint8Array(32);
  backends.lean.glue.hmac_sha256(bodyBytes(key), bodyBytes(data), out);
  return out;
}

let memory;
/** Records the lean instance's memory (entry points call it after instantiating). */
export function attachMemory(exports) {
  memory = exports.memory;
  return exports;
}

/** Bytes of WebAssembly linear memory in use by the main module's instance (it only grows). */
export function wasmMemoryBytes() {
  return memory ? memory.buffer.byteLength : 0;
}
