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

/** Remembers verified webhook ids for `ttlSeconds` (default 600), at most `capacity` (default 10,000). */
export class ReplayGuard {
  constructor(options?: { capacity?: number; ttlSeconds?: number });
  check(id: string, now?: Date | number): "new" | "duplicate";
  /** Forgets `id` so a redelivery is accepted; whether it was remembered. */
  forget(id: string): boolean;
  readonly size: number;
}
