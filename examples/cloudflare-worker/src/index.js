// A Codat webhook consumer for Cloudflare Workers (workerd), built on hookproof.
//
// It verifies the raw body (Svix / Standard Webhooks signature and, if configured, the legacy
// Authorization header), filters by client, event type and company tags, drops duplicates,
// sheds load with 429 + Retry-After, and hands accepted events to a Queue, answering well
// inside Codat's 15 s deadline. Every status is chosen for what Codat does with it; see
// README.md beside this file.
import {
  EventTypeFilter,
  RateLimiter,
  ReplayGuard,
  TagFilter,
  Webhook,
  checkAuthorization,
  checkClientId,
  parseEvent,
} from "hookproof/codat";

/** Largest body read (Codat's events are small references; Standard Webhooks asks < 20 KB). */
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/**
 * Configuration from bindings (strings; all optional but WEBHOOK_SECRETS or a legacy credential):
 * - WEBHOOK_SECRETS: one or more `whsec_…` signing secrets, separated by spaces or commas
 * - EVENT_TYPES: accepted event types, e.g. `read.completed, connection.*` (default: all)
 * - COMPANY_TAGS: company-tag filter, e.g. `region:us, service:t2k` (default: all companies)
 * - CODAT_CLIENT_ID: only accept `X-Codat-ClientId` equal to this
 * - LEGACY_BEARER_TOKEN, or LEGACY_BASIC_USER + LEGACY_BASIC_PASSWORD: required `Authorization`
 * - RATE_LIMIT_PER_SECOND (+ RATE_LIMIT_BURST): shed load above this rate
 * - MAX_BODY_BYTES: refuse larger bodies (default 262144)
 * - TOLERANCE_SECONDS: signature timestamp tolerance (default 300)
 * - EVENTS: the Queue binding accepted events go to
 */
export function configure(env) {
  const list = (value) => (value ?? "").split(/[\s,]+/).filter(Boolean);
  const secrets = list(env.WEBHOOK_SECRETS);
  let authorization;
  if (env.LEGACY_BEARER_TOKEN) authorization = { bearer: env.LEGACY_BEARER_TOKEN };
  else if (env.LEGACY_BASIC_USER) {
    authorization = { basic: { username: env.LEGACY_BASIC_USER, password: env.LEGACY_BASIC_PASSWORD ?? "" } };
  }
  if (secrets.length === 0 && !authorization) {
    throw new Error("configure WEBHOOK_SECRETS and/or a legacy Authorization credential");
  }
  const tolerance = env.TOLERANCE_SECONDS ? Number(env.TOLERANCE_SECONDS) : 300;
  const perSecond = env.RATE_LIMIT_PER_SECOND ? Number(env.RATE_LIMIT_PER_SECOND) : 0;
  return {
    webhook: secrets.length ? new Webhook(secrets, { toleranceInSeconds: tolerance }) : undefined,
    authorization,
    clientId: env.CODAT_CLIENT_ID || undefined,
    eventTypes: new EventTypeFilter(env.EVENT_TYPES ?? ""),
    tags: new TagFilter(env.COMPANY_TAGS ?? ""),
    limiter: perSecond > 0 ? new RateLimiter({ perSecond, burst: Number(env.RATE_LIMIT_BURST || perSecond) }) : undefined,
    // Remember ids for twice the tolerance: a replayed message cannot verify after that.
    replay: new ReplayGuard({ capacity: 10_000, ttlSeconds: Math.max(1, 2 * tolerance) }),
    maxBodyBytes: env.MAX_BODY_BYTES ? Number(env.MAX_BODY_BYTES) : DEFAULT_MAX_BODY_BYTES,
  };
}

const answer = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** Reads at most `max` bytes of the body; `undefined` when it is larger. */
async function readBody(request, max) {
  const declared = Number(request.headers.get("content-length"));
  if (declared > max) return undefined;
  const bytes = new Uint8Array(await request.arrayBuffer());
  return bytes.byteLength > max ? undefined : bytes;
}

export async function handle(request, env, config) {
  if (request.method !== "POST") return answer(405, { status: "method_not_allowed" }, { allow: "POST" });

  // Shed load first, before any work: 429 + Retry-After (legacy: retried after that delay).
  if (config.limiter) {
    const r = config.limiter.check();
    if (!r.allowed) return answer(429, { status: "rate_limited" }, { "retry-after": String(r.retryAfter) });
  }

  const body = await readBody(request, config.maxBodyBytes);
  if (body === undefined) return answer(413, { status: "too_large" });

  if (config.authorization) {
    const auth = checkAuthorization(request.headers.get("authorization"), config.authorization);
    if (!auth.ok) return answer(401, { status: "unauthorized", code: auth.code });
  }

  let id;
  if (config.webhook) {
    const verified = config.webhook.safeVerify(body, request.headers);
    if (!verified.ok) return answer(401, { status: "unauthorized", code: verified.code });
    id = verified.id;
  }

  if (config.clientId) {
    const client = checkClientId(config.clientId, request.headers.get("x-codat-clientid"));
    if (!client.ok) return answer(200, { status: "ignored", reason: client.code });
  }

  let event;
  try {
    event = parseEvent(body);
  } catch (e) {
    return answer(400, { status: "bad_event", code: e.code ?? "invalid_event" });
  }
  id ??= event.id ?? event.alertId ?? undefined;

  if (!config.eventTypes.matches(event.eventType)) return answer(200, { status: "ignored", reason: "event_type" });
  if (!config.tags.matches(event.companyTags)) return answer(200, { status: "ignored", reason: "company_tags" });

  if (id !== undefined && config.replay.check(id) === "duplicate") {
    return answer(200, { status: "duplicate", id });
  }
  try {
    await env.EVENTS.send({ id: id ?? null, eventType: event.eventType, companyId: event.companyId, body: new TextDecoder().decode(body) });
  } catch {
    // Let the redelivery through: both Codat services retry a 503.
    if (id !== undefined) config.replay.forget(id);
    return answer(503, { status: "queue_unavailable" }, { "retry-after": "5" });
  }
  return answer(202, { status: "accepted", id: id ?? null, eventType: event.eventType });
}

let config;

export default {
  async fetch(request, env) {
    config ??= configure(env);
    return handle(request, env, config);
  },
};
