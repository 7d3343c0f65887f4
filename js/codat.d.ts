// Type declarations for `hookproof/codat`: the Codat consumer's toolkit beyond signatures
// (it re-exports the main entry, so one import can bring everything). Every function is
// synchronous.
import type { Payload, WebhookHeaders } from "./index.js";

export * from "./index.js";

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

/**
 * Checks a legacy `Authorization` header. A missing (`null`, `undefined`, not a string) or empty
 * user name, password or token is `invalid_credentials` whatever the header: never an open door.
 */
export function checkAuthorization(
  header: string | null | undefined,
  expected: { basic: { username: string; password: string } } | { bearer: string },
): CheckResult;

export function checkClientId(expected: string, header: string | null | undefined): CheckResult;

/** Whether `ip` is in `allowlist` (default: Codat's documented sources). */
export function isAllowedSource(ip: string, allowlist?: Iterable<string>): boolean;


/** GCRA rate limiter: at most `perSecond` on average, `burst` (default `perSecond`) at once. */
export class RateLimiter {
  constructor(options: { perSecond: number; burst?: number });
  check(now?: Date | number): { allowed: true } | { allowed: false; retryAfter: number };
}

/**
 * Per-source limiter for requests that FAILED authentication (IPv4 address or IPv6 /64 each,
 * at most `capacity` sources, default 10,000): charge it after a refusal, and the global
 * `RateLimiter` only after success, so unauthenticated floods never spend signed deliveries' budget.
 */
export class SourceRateLimiter {
  constructor(options: { perSecond: number; burst?: number; capacity?: number });
  check(source: string | undefined | null, now?: Date | number): { allowed: true } | { allowed: false; retryAfter: number };
}

/** Remembers verified webhook ids for `ttlSeconds` (default 600), at most `capacity` (default 10,000). */
export class ReplayGuard {
  constructor(options?: { capacity?: number; ttlSeconds?: number });
  check(id: string, now?: Date | number): "new" | "duplicate";
  /** Forgets `id` so a redelivery is accepted; whether it was remembered. */
  forget(id: string): boolean;
  readonly size: number;
}

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

// The consumer's decision (src/consumer.rs): the shell performs each step and feeds its result.

export type ConsumerStep =
  | { step: "read_body"; maxBytes: number; waitMs: number }
  | { step: "check_source" }
  | { step: "check_rate"; waitMs: number }
  | { step: "begin"; id: string; key: string; waitMs: number }
  | { step: "deliver"; id: string | null; token: number | null; eventType: string; companyId: string | null; waitMs: number }
  | { step: "commit" | "abort"; id: string; key: string; token: number; waitMs: number }
  | {
      step: "answer";
      status: number;
      /** The JSON body text. */
      body: string;
      retryAfter: number | null;
      allow: string | null;
      close: boolean;
      /** How the sender treats the answer under the consumer's policy. */
      sender: "delivered" | "redirect" | "retry" | "failed";
    };

export type ConsumerFeed = { now?: Date | number } & (
  | { feed: "body"; headers: unknown; body: string | Uint8Array }
  | { feed: "too_large" | "timeout" | "settled" }
  | { feed: "rate"; decision: "allow" | number | null }
  | { feed: "begun"; answer: { answer: "new"; token: number } | { answer: "in_flight"; retryAfter: number } | { answer: "done" } | { error: string } }
  | { feed: "delivered"; result: "accepted" | "committed" | "duplicate" | "unreachable" | "pending" | { inFlight: number } | { backend: number; retryAfter?: string | null } }
);

export interface ConsumerSettings {
  keys?: string[];
  authorization?: { bearer: string } | { basic: { username: string; password: string } };
  policy?: "current" | "legacy";
  toleranceSeconds?: number;
  clientId?: string;
  sources?: string[];
  eventTypes?: string;
  companyTags?: string;
  maxBodyBytes?: number;
  bodyTimeoutMs?: number;
  budgetMs?: number;
  retryAfterSeconds?: number;
  rateLimited?: boolean;
  sourceLimited?: boolean;
  backend4xx?: "retry" | "reject" | "acknowledge";
}

/** One request's decision: `step` is what to do next; `feed` hands over its result. */
export interface ConsumerExchange {
  step: ConsumerStep;
  feed(result: ConsumerFeed): ConsumerStep;
}

/** The consumer's decision, compiled once (src/consumer.rs). */
export class Consumer {
  constructor(settings: ConsumerSettings);
  exchange(request?: { method?: string; source?: string | null; contentLength?: number | string | null; now?: Date | number }): ConsumerExchange;
}
