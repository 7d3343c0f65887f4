// `hookproof/redis`: acceptance and rate limiting in Redis, with Redis Streams as the queue.
import type { AcceptanceOptions, AcceptanceStore, BeginAnswer, CommitAnswer, AbortAnswer } from "./codat.js";

/** Sends one command (e.g. `["GET", "k"]`) and resolves to its reply; an error reply rejects. */
export type RedisCommand = (args: string[]) => Promise<unknown>;

export type EnqueueAnswer =
  | { answer: "committed"; streamId: string }
  | { answer: "late"; streamId: string }
  | { answer: "done" }
  | { answer: "in_flight"; retryAfter: number };

/**
 * Two-phase acceptance in Redis for one endpoint; `enqueue` is the core's enqueue step: XADD to
 * the endpoint's stream + commit in one atomic script. `scope` names the endpoint: Svix reuses
 * a message id on every endpoint. Keys (the core's layout, one Redis Cluster slot per scope):
 * `<prefix>acceptance:{<scope>}:<key>` and the stream `<prefix>stream:{<scope>}`.
 */
export function redisAcceptance(
  command: RedisCommand,
  options: AcceptanceOptions & { scope: string; prefix?: string; maxLength?: number },
): AcceptanceStore & {
  /** The endpoint's stream key, `<prefix>stream:{<scope>}`: read it with XREADGROUP. */
  readonly stream: string;
  begin(id: string, now?: Date | number): Promise<BeginAnswer>;
  commit(id: string, token: number, now?: Date | number): Promise<CommitAnswer>;
  abort(id: string, token: number, now?: Date | number): Promise<AbortAnswer>;
  enqueue(
    id: string,
    token: number,
    fields: Record<string, string> | Array<[string, string]>,
    now?: Date | number,
  ): Promise<EnqueueAnswer>;
};

/** A global GCRA rate limiter in one Redis key. */
export function redisRateLimiter(
  command: RedisCommand,
  options: { key?: string; perSecond: number; burst?: number },
): { check(now?: Date | number): Promise<{ allowed: true } | { allowed: false; retryAfter: number }> };
