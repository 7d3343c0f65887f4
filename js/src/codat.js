// The Codat consumer's toolkit beyond signatures (`hookproof/codat`): what the sender does with
// each response, Retry-After, company tags, event types, event bodies, the legacy
// Authorization header, client ids, source addresses, rate limiting and de-duplication. It
// runs on its own wasm module (the core's full binding), installed by each entry point.
import { codat } from "./codat-glue.js";
import { HookproofError, call, parts } from "./errors.js";
import { bodyBytes, headerOf, nowSeconds, toSeconds, wholeOption } from "./input.js";

export * from "./acceptance.js";

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
    codat().classify_response(options.policy ?? "current", statusCode(status), headerOf(options.headers, "webhook-delivery")),
  );
}

/**
 * The sender's next step after attempt number `attempt` (1 = first delivery):
 * `{ classification, action: "delivered" | "follow_redirect" | "retry" | "give_up", at?, reason? }`.
 */
export function nextAttempt({ policy = "current", attempt = 1, status = null, headers, now } = {}) {
  const json = call(() =>
    codat().next_attempt(
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
  return codat().parse_retry_after(value, nowSeconds({ now })) ?? null;
}

/** Unix seconds of an HTTP-date (all three RFC 9110 forms), or `null`. */
export function parseHttpDate(value, now) {
  if (typeof value !== "string") return null;
  return codat().parse_http_date(value, nowSeconds({ now })) ?? null;
}

/** IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) of a Date or Unix seconds. */
export function formatHttpDate(time) {
  const text = codat().format_http_date(toSeconds(time, "time"));
  if (text === undefined) throw new HookproofError("invalid_argument", "time is outside years 1-9999");
  return text;
}

// ---------------------------------------------------------------------------------------------
// Routing: tags, event types, events, authorization, client id, sources

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
    this.#inner = call(() => (typeof tags === "string" ? codat().Tags.parse_list(tags) : new (codat().Tags)(Array.from(tags, String))));
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
      typeof patterns === "string" ? codat().EventTypes.parse_list(patterns) : new (codat().EventTypes)(Array.from(patterns, String)),
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
  return JSON.parse(call(() => codat().parse_event(bodyBytes(body))));
}

function authResult(error) {
  if (error === undefined) return { ok: true };
  const [code, message] = parts(error);
  return { ok: false, code, message };
}

/** A configured credential part as the core takes it: a string as is; anything else (null, an
 * absent or unset setting) is missing, passed as the empty string the core refuses — never
 * stringified into a credential such as "null" or "undefined". */
const credential = (part) => (typeof part === "string" ? part : "");

/**
 * Checks a legacy `Authorization` header against `{ basic: { username, password } }` or
 * `{ bearer: token }`: `{ ok: true }` or `{ ok: false, code, message }`. A missing or empty
 * user name, password or token is `invalid_credentials`, whatever the header.
 */
export function checkAuthorization(header, expected) {
  const value = header == null ? undefined : String(header);
  const { basic, bearer } = expected ?? {};
  if (basic != null) {
    return authResult(codat().check_authorization(value, "basic", credential(basic.username), credential(basic.password)));
  }
  if (expected != null && "bearer" in expected) return authResult(codat().check_authorization(value, "bearer", "", credential(bearer)));
  return authResult(codat().check_authorization(value, "", "", ""));
}

/** Checks `X-Codat-ClientId`: `{ ok: true }` or `{ ok: false, code, message }`. A missing
 * `expected` matches no header (it is never stringified into "undefined" or "null"). */
export function checkClientId(expected, header) {
  return authResult(codat().check_client_id(credential(expected), header == null ? undefined : String(header)));
}

let codatSources;

/**
 * Whether `ip` is in `allowlist` (addresses and CIDR blocks, IPv4 and IPv6), by default
 * Codat's documented sources. An unparsable `ip` is not allowed.
 */
export function isAllowedSource(ip, allowlist) {
  const list =
    allowlist === undefined ? (codatSources ??= codat().Sources.codat()) : call(() => new (codat().Sources)(Array.from(allowlist, String)));
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
    this.#inner = call(() => new (codat().Limiter)(perSecond >>> 0 === perSecond ? perSecond : 0, burst >>> 0 === burst ? burst : 0));
  }

  check(now) {
    const wait = this.#inner.check(toMillis(now));
    return wait === 0 ? { allowed: true } : { allowed: false, retryAfter: wait };
  }
}

/**
 * Limits requests that failed authentication, per source address, in memory: at most
 * `perSecond` on average and `burst` at once from each source (an IPv4 address, or an IPv6
 * /64), for at most `capacity` sources (default 10,000). Charge it only after a request's
 * credentials were refused, and charge the global {@link RateLimiter} only after they were
 * accepted: a flood without credentials then never spends the budget of signed deliveries.
 * `check(source)` answers as {@link RateLimiter}'s does.
 */
export class SourceRateLimiter {
  #inner;

  constructor({ perSecond, burst = perSecond, capacity = 10_000 } = {}) {
    const u32 = (n) => (n >>> 0 === n ? n : 0);
    this.#inner = call(() => new (codat().SourceLimits)(u32(perSecond), u32(burst), u32(capacity)));
  }

  check(source, now) {
    const wait = this.#inner.check(typeof source === "string" ? source : "", toMillis(now));
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
    this.#inner = call(() => new (codat().Replay)(capacity >>> 0 === capacity ? capacity : 0, wholeOption(ttlSeconds)));
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

// ---------------------------------------------------------------------------------------------
// The consumer's decision (src/consumer.rs): the shell performs each step and feeds its result

/** The headers the decision reads: the signature headers, Authorization, X-Codat-ClientId. */
const CONSUMER_HEADERS = ["svix-id", "webhook-id", "svix-timestamp", "webhook-timestamp", "svix-signature", "webhook-signature", "authorization", "x-codat-clientid"];

function consumerCall(fn) {
  try {
    return fn();
  } catch (e) {
    // The binding throws an Error with `code`; rethrown as this package's class.
    if (e && typeof e.code === "string") throw new HookproofError(e.code, e.message);
    throw e;
  }
}

/**
 * One request's decision. `step` is what to do next; `feed(result)` hands over that step's
 * result and returns (and stores) the next step, until `step.step === "answer"`.
 */
class Exchange {
  #inner;

  constructor(inner) {
    this.#inner = inner;
    this.step = inner.step;
  }

  /**
   * `result`: `{ feed: "body", headers, body }` | `{ feed: "too_large" }` | `{ feed: "timeout" }` |
   * `{ feed: "rate", decision: "allow" | seconds | null }` | `{ feed: "begun", answer }` |
   * `{ feed: "delivered", result }` | `{ feed: "settled" }`, each with an optional `now`
   * (Date or Unix seconds).
   */
  feed(result) {
    const now = toMillis(result.now);
    const inner = this.#inner;
    this.step = consumerCall(() => {
      switch (result.feed) {
        case "body": {
          const names = [];
          const values = [];
          for (const name of CONSUMER_HEADERS) {
            const value = headerOf(result.headers, name);
            if (value !== undefined) {
              names.push(name);
              values.push(value);
            }
          }
          return inner.body(names, values, bodyBytes(result.body), now);
        }
        case "too_large":
          return inner.too_large();
        case "timeout":
          return inner.timeout(now);
        case "rate":
          return inner.rate(result.decision ?? null, now);
        case "begun":
          return inner.begun(result.answer, now);
        case "delivered":
          return inner.delivered(result.result, now);
        case "settled":
          return inner.settled();
        default:
          throw new HookproofError("invalid_argument", `unknown feed ${JSON.stringify(result.feed)}`);
      }
    });
    return this.step;
  }
}

/**
 * A consumer's decision, compiled once from `settings` (`keys`, `authorization`, `policy`,
 * `toleranceSeconds`, `clientId`, `sources`, `eventTypes`, `companyTags`, `maxBodyBytes`,
 * `bodyTimeoutMs`, `budgetMs`, `retryAfterSeconds`, `rateLimited`, `sourceLimited`,
 * `backend4xx`). `exchange(request)` starts one request's {@link Exchange}.
 */
export class Consumer {
  #inner;

  constructor(settings = {}) {
    // An option left undefined takes the core's default.
    const given = Object.fromEntries(Object.entries(settings ?? {}).filter(([, v]) => v !== undefined));
    this.#inner = consumerCall(() => new (codat().Consumer)(given));
  }

  /** `request`: `{ method, source?, contentLength?, now? }` (`now`: Date or Unix seconds). */
  exchange({ method = "POST", source, contentLength, now } = {}) {
    const length = contentLength === undefined || contentLength === null || contentLength === "" ? undefined : Number(contentLength);
    const inner = consumerCall(() =>
      this.#inner.exchange(toMillis(now), String(method), typeof source === "string" ? source : undefined, Number.isFinite(length) && length >= 0 ? length : undefined),
    );
    return new Exchange(inner);
  }
}
