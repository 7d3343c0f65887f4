// `hookproof/redis`: acceptance and rate limiting in Redis, with Redis Streams as the queue.
import type { AcceptanceOptions, AcceptanceStore, BeginAnswer, CommitAnswer, AbortAnswer } from "./codat.js";

/** Sends one command (e.g. `["GET", "k"]`) and resolves to its reply; an error reply rejects. */
export type RedisCommand = (args: string[]) => Promise<unknown>;

export type AddAnswer =
  | { answer: "committed"; streamId: string }
  | { answer: "late"; streamId: string }
  | { answer: "done" }
  | { answer: "in_flight"; retryAfter: number };

/**
 * Two-phase acceptance in Redis; `commitAndAdd` is XADD + commit in one atomic script.
 * `scope` names the endpoint (e.g. the stream): Svix reuses a message id on every endpoint.
 */
export function redisAcceptance(
  command: RedisCommand,
  options: AcceptanceOptions & { scope: string; prefix?: string },
): AcceptanceStore & {
  begin(id: string, now?: Date | number): Promise<BeginAnswer>;
  commit(id: string, token: number, now?: Date | number): Promise<CommitAnswer>;
  abort(id: string, token: number, now?: Date | number): Promise<AbortAnswer>;
  commitAndAdd(
    id: string,
    token: number,
    stream: string,
    fields: Record<string, string> | Array<[string, string]>,
    now?: Date | number,
  ): Promise<AddAnswer>;
};

/** A global GCRA rate limiter in one Redis key. */
export function redisRateLimiter(
  command: RedisCommand,
  options: { key?: string; perSecond: number; burst?: number },
): { check(now?: Date | number): Promise<{ allowed: true } | { allowed: false; retryAfter: number }> };
