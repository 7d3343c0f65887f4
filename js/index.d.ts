// Type declarations for the `hookproof` npm package. Every function is synchronous.

/** The stable error codes, shared with the Rust core and the WIT interface. */
export type VerifyErrorCode =
  | "missing_header"
  | "header_too_large"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "too_many_signatures"
  | "payload_too_large"
  | "no_matching_signature"
  | "invalid_secret"
  | "too_many_secrets"
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

/** A secret: `whsec_…`, bare base64, or raw bytes. */
export type WebhookSecret = string | Uint8Array | ArrayBuffer;

export interface WebhookOptions {
  /** Allowed clock difference either way, in seconds (default 300); `Infinity` or `false` disables the check. */
  toleranceInSeconds?: number | false;
  /** Refuse larger bodies with `payload_too_large` before hashing. */
  maxPayloadBytes?: number;
  /** `"raw"`: string secrets are the key's UTF-8 bytes, not base64. */
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
  /** `v1,<base64>` for `msgId.timestamp.payload`, with the first secret. */
  sign(msgId: string, timestamp: Date | number, payload: Payload): string;
}

/** HMAC-SHA256 of `data` under `key` (strings are UTF-8); 32 bytes. */
export function hmacSha256(key: Payload, data: Payload): Uint8Array;

export type Policy = "legacy" | "current";
export type Classification = "delivered" | "redirect" | "retry" | "failed";
/** An HTTP status, or `null` / `"timeout"` / `"connection_error"` for no response. */
export type ResponseStatus = number | null | "timeout" | "connection_error";

export function classifyResponse(
  status: ResponseStatus,
  options?: { policy?: Policy; headers?: WebhookHeaders },
): Classification;

export type NextAttempt =
  | { classification: Classification; action: "delivered" }
  | { classification: Classification; action: "follow_redirect" }
  | { classification: Classification; action: "retry"; at: number }
  | {
      classification: Classification;
      action: "give_up";
      reason: "unrecoverable" | "retries_exhausted" | "aborted" | "endpoint_disabled";
    };

/** What the sender does after attempt number `attempt` (1 = first delivery) got `status`. */
export function nextAttempt(input: {
  policy?: Policy;
  attempt?: number;
  status?: ResponseStatus;
  headers?: WebhookHeaders;
  now?: Date | number;
}): NextAttempt;

/** Seconds to wait for a `Retry-After` value, or `null` for garbage, negatives, overflow. */
export function parseRetryAfter(value: string, now?: Date | number): number | null;
/** Unix seconds of an HTTP-date in any RFC 9110 form, or `null`. */
export function parseHttpDate(value: string, now?: Date | number): number | null;
/** IMF-fixdate of a Date or Unix seconds. */
export function formatHttpDate(time: Date | number): string;

export type CompanyTags = Record<string, string> | Map<string, string> | Iterable<string | readonly [string, string]>;

export class TagFilter {
  /** Up to 10 `key:value` tags, or one comma-separated string. */
  constructor(tags?: Iterable<string> | string);
  matches(companyTags: CompanyTags): boolean;
  matchesEvent(eventOrBody: Payload | object): boolean;
}

export class EventTypeFilter {
  /** Names, `prefix.*`, `*`; or one comma-separated string. Empty accepts everything. */
  constructor(patterns?: Iterable<string> | string);
  matches(eventType: string): boolean;
}

export interface CurrentEvent {
  kind: "current";
  id: string | null;
  eventType: string;
  generatedDate: string | null;
  companyId: string | null;
  companyName: string | null;
  companyTags: Record<string, string>;
  payload: unknown;
}

export interface LegacyEvent {
  kind: "legacy";
  eventType: string;
  ruleType: string;
  companyId: string | null;
  clientId: string | null;
  clientName: string | null;
  dataConnectionId: string | null;
  ruleId: string | null;
  alertId: string | null;
  message: string | null;
  companyTags: Record<string, string>;
  data: unknown;
}

export function parseEvent(body: Payload): CurrentEvent | LegacyEvent;

export type CheckResult = { ok: true } | { ok: false; code: string; message: string };

export function checkAuthorization(
  header: string | null | undefined,
  expected: { basic: { username: string; password: string } } | { bearer: string },
): CheckResult;

export function checkClientId(expected: string, header: string | null | undefined): CheckResult;

/** Whether `ip` is in `allowlist` (default: Codat's documented sources). */
export function isAllowedSource(ip: string, allowlist?: Iterable<string>): boolean;

/** Bytes of WebAssembly linear memory held by this instance (it grows, never shrinks). */
export function wasmMemoryBytes(): number;

/** GCRA rate limiter: at most `perSecond` on average, `burst` (default `perSecond`) at once. */
export class RateLimiter {
  constructor(options: { perSecond: number; burst?: number });
  check(now?: Date | number): { allowed: true } | { allowed: false; retryAfter: number };
}

/** Remembers verified webhook ids for `ttlSeconds` (default 600), at most `capacity` (default 10,000). */
export class ReplayGuard {
  constructor(options?: { capacity?: number; ttlSeconds?: number });
  check(id: string, now?: Date | number): "new" | "duplicate";
  /** Forgets `id` so a redelivery is accepted; whether it was remembered. */
  forget(id: string): boolean;
  readonly size: number;
}

// ---------------------------------------------------------------------------------------------
// Two-phase acceptance (src/acceptance.rs): begin → queue → commit, or abort.

/** A `begin` answer: queue the event (`new`), answer 503 + Retry-After (`in_flight`), or acknowledge (`done`). */
export type BeginAnswer = { answer: "new"; token: number } | { answer: "in_flight"; retryAfter: number } | { answer: "done" };
/** A `commit` answer: the id is done either way; `late` means another copy may be queued. */
export type CommitAnswer = { answer: "committed" } | { answer: "late" };
/** An `abort` answer: `released` lets the redelivery in; `not_held` changed nothing. */
export type AbortAnswer = { answer: "released" } | { answer: "not_held" };
/** One id's stored state. */
export type AcceptanceEntry = { state: "in_flight" | "done"; deadline: number } | null;

/** What a consumer runs acceptance over: the in-memory guard, a Durable Object, Redis. */
export interface AcceptanceStore {
  begin(id: string, now?: Date | number): BeginAnswer | Promise<BeginAnswer>;
  commit(id: string, token: number, now?: Date | number): CommitAnswer | Promise<CommitAnswer>;
  abort(id: string, token: number, now?: Date | number): AbortAnswer | Promise<AbortAnswer>;
}

export interface AcceptanceOptions {
  /** Seconds a done id is remembered after its commit (default 108000 = 30 h; lease – 366 days). */
  windowSeconds?: number;
  /** Seconds a `begin` holds an id in flight (default 60; 1 – 3600). */
  leaseSeconds?: number;
}

/** The core's defaults: 30 h window, 60 s lease, 120,000 ids in memory. */
export const ACCEPTANCE_DEFAULTS: Readonly<{ windowSeconds: number; leaseSeconds: number; capacity: number }>;
/** 503: the status for a duplicate of an id in flight (send `Retry-After: retryAfter`). */
export const IN_FLIGHT_STATUS: 503;

/** Two-phase acceptance over a bounded in-memory store (one process; not shared, not durable). */
export class AcceptanceGuard implements AcceptanceStore {
  /** Throws `invalid_config` for a bad window, lease or capacity (1 – 1,000,000). */
  constructor(options?: AcceptanceOptions & { capacity?: number });
  begin(id: string, now?: Date | number): BeginAnswer;
  commit(id: string, token: number, now?: Date | number): CommitAnswer;
  abort(id: string, token: number, now?: Date | number): AbortAnswer;
  readonly size: number;
}

/** The store key of an id (the id, or `sha256:` + hex); throws `invalid_id`. */
export function acceptanceKey(id: string): string;

/** The state machine as a pure function on one stored entry. */
export function acceptanceTransition(
  entry: AcceptanceEntry,
  op: "begin" | "commit" | "abort",
  options: AcceptanceOptions & { token?: number; now?: Date | number },
): { entry: AcceptanceEntry; answer: BeginAnswer | CommitAnswer | AbortAnswer };
