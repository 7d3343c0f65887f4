// Type declarations for the `hookproof` npm package's main entry: `Webhook` and its errors.
// Everything else is in `hookproof/codat` (codat.d.ts); ed25519 keys in `hookproof/v1a`.
// Every function is synchronous.

/** The stable error codes, shared with the Rust core and the WIT interface. */
export type VerifyErrorCode =
  | "missing_header"
  | "header_too_large"
  | "invalid_timestamp"
  | "invalid_now"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "too_many_signatures"
  | "payload_too_large"
  | "no_matching_signature"
  | "invalid_secret"
  | "invalid_key"
  | "too_many_secrets"
  | "unsupported_key"
  | "ambiguous_key"
  | "invalid_tolerance"
  | "invalid_max_payload"
  | "no_signing_key"
  | "unsupported_runtime"
  | "invalid_payload"
  | "invalid_payload_type"
  | "invalid_argument";

/** Every error hookproof throws. */
export class HookproofError extends Error {
  readonly code: string;
  /** Zero-based position of the offending entry, for list inputs (tags, patterns, sources). */
  readonly index?: number;
}

/** Thrown by `Webhook` when a message or secret fails verification. */
export class WebhookVerificationError extends HookproofError {
  readonly code: VerifyErrorCode;
}

/** The raw request body, exactly as received. */
export type Payload = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** Request headers: a plain object (any case), fetch `Headers`, a `Map`, or `[name, value]` pairs. */
export type WebhookHeaders =
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null }
  | Map<string, string | string[]>
  | ReadonlyArray<readonly [string, string]>;

/**
 * A key: a `whsec_…` secret, or raw secret bytes with `{ format: "raw" }` (bytes without it are
 * refused with `ambiguous_key`); with `hookproof/v1a` also `whpk_…` (ed25519 public key:
 * verifies `v1a`) and `whsk_…` (signing key: signs `v1a`) text, or their raw bytes as
 * `{ publicKey }` / `{ signingKey }`.
 *
 * Bare base64 text: this entry's `Webhook` reads it as svix does, as an HMAC secret — so a
 * public key must keep its `whpk_` prefix (without it, it would become a secret that anyone
 * holding the public key could sign with). `hookproof/v1a`'s `Webhook`, which takes both
 * kinds, refuses it with `ambiguous_key`.
 */
export type WebhookSecret =
  | string
  | Uint8Array
  | ArrayBuffer
  | { publicKey: Uint8Array | ArrayBuffer }
  | { signingKey: Uint8Array | ArrayBuffer };

export interface WebhookOptions {
  /**
   * Allowed clock difference either way, in whole seconds from 0 to 2^53 - 1 (default 300);
   * `Infinity` or `false` disables the check. Anything else (negative, fractional, NaN, a
   * string) throws `invalid_tolerance`.
   */
  toleranceInSeconds?: number | false;
  /**
   * Refuse larger bodies with `payload_too_large` before hashing: whole bytes from 0 to
   * 2^53 - 1 (absent or `null`: no limit); anything else throws `invalid_max_payload`.
   */
  maxPayloadBytes?: number | null;
  /** `"raw"`: secrets are the key's bytes — string secrets their UTF-8 bytes, not base64. */
  format?: "raw";
}

export interface VerifyOptions {
  /** The current time (default: the system clock), as a Date or Unix seconds. */
  now?: Date | number;
}

export type SafeVerifyResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; code: VerifyErrorCode; message: string };

export class Webhook {
  constructor(secret: WebhookSecret | WebhookSecret[], options?: WebhookOptions);
  /** Verifies and returns the parsed JSON body (`undefined` for an empty body). */
  verify(payload: Payload, headers: WebhookHeaders, options?: VerifyOptions): unknown;
  /** Verifies and returns nothing (svix 2.x semantics). */
  verifySignature(payload: Payload, headers: WebhookHeaders, options?: VerifyOptions): void;
  /** Never throws. */
  safeVerify(payload: Payload, headers: WebhookHeaders, options?: VerifyOptions): SafeVerifyResult;
  /**
   * `v1,<base64>` (or `v1a,<base64>` with a signing key) for `msgId.timestamp.payload`, with the
   * first key that can sign; public keys alone throw `no_signing_key`.
   */
  sign(msgId: string, timestamp: Date | number, payload: Payload): string;
}

/** HMAC-SHA256 of `data` under `key` (strings are UTF-8); 32 bytes. */
export function hmacSha256(key: Payload, data: Payload): Uint8Array;

/** Bytes of WebAssembly linear memory held by this instance (it grows, never shrinks). */
export function wasmMemoryBytes(): number;
