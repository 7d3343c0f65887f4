// `hookproof/durable-object`: acceptance and rate limiting shared by every isolate, in a
// Cloudflare Durable Object.
import type { AcceptanceOptions, AcceptanceStore, BeginAnswer, CommitAnswer, AbortAnswer, EnqueueAnswer } from "./codat.js";

/** The Durable Object class (SQLite storage): export it from the Worker that owns the namespace. */
export class HookproofState {
  constructor(ctx: unknown, env: unknown);
  accept(key: string, op: "begin" | "commit" | "abort", token: number, now: number, windowSeconds: number, leaseSeconds: number): BeginAnswer | CommitAnswer | AbortAnswer;
  rateLimit(nowMs: number, perSecond: number, burst: number): { allowed: true } | { allowed: false; retryAfter: number };
  size(): number;
  alarm(): Promise<void>;
}

/** Minimal view of a Durable Object namespace binding. */
export interface HookproofNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): any;
}

/**
 * Two-phase acceptance over the namespace: ids spread over `shards` objects (default 16, at most
 * 1024) of `scope`, which names the endpoint (Svix reuses a message id on every endpoint).
 */
export function durableObjectAcceptance(
  namespace: HookproofNamespace,
  options: AcceptanceOptions & { scope: string; shards?: number },
): AcceptanceStore & {
  begin(id: string, now?: Date | number): Promise<BeginAnswer>;
  commit(id: string, token: number, now?: Date | number): Promise<CommitAnswer>;
  abort(id: string, token: number, now?: Date | number): Promise<AbortAnswer>;
  /** The enqueue step; only sound when the write cannot fail after the answer. */
  enqueue(id: string, token: number, now?: Date | number): Promise<EnqueueAnswer>;
};

/** A global GCRA rate limiter in one object. */
export function durableObjectRateLimiter(
  namespace: HookproofNamespace,
  options: { name?: string; perSecond: number; burst?: number },
): { check(now?: Date | number): Promise<{ allowed: true } | { allowed: false; retryAfter: number }> };
