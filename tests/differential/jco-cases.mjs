// The differential cases over the WebAssembly component as jco transpiles it to JavaScript
// (`hp` is the transpiled module: `hp.signatures`, `hp.delivery`, …, the WIT interfaces).
// Same kinds and canonical lines as npm-cases.mjs and native.rs; WIT's kebab-case names map to
// the snake_case codes and nothing else.
import { badcase, bytesToHex, canon, consumerLine, expand, int, q } from "./lib.mjs";

const code = (name) => name.replaceAll("-", "_");

/** A result-returning export: `{ ok }` or `{ err }` (jco throws the `err` value, or an Error
 *  carrying it as `payload`, depending on its version). */
function call(fn) {
  try {
    return { ok: fn() };
  } catch (e) {
    if (e instanceof Error && e.payload === undefined) throw e;
    return { err: e instanceof Error ? e.payload : e };
  }
}

const big = (n) => BigInt(n);
const DISPOSE = Symbol.dispose ?? Symbol.for("dispose");

/** Runs `fn(resource)` and drops the resource right after, as a host should. */
function using(resource, fn) {
  try {
    return fn(resource);
  } finally {
    resource[DISPOSE]?.();
  }
}
const optional = (v) => (v === undefined || v === null ? "none" : int(v));
const str = (v) => (v === undefined || v === null ? "null" : q(v));

function secrets(list) {
  return list.map((s) => {
    if (typeof s === "string") return { tag: "text", val: s };
    if (s.publicKey !== undefined) return { tag: "public-key", val: expand(s.publicKey) };
    if (s.signingKey !== undefined) return { tag: "signing-key", val: expand(s.signingKey) };
    return { tag: "raw", val: expand(s) };
  });
}

function options(c) {
  return {
    tolerance: c.tol === "ignore" ? { tag: "ignore" } : { tag: "seconds", val: big(c.tol ?? 300) },
    maxPayload: c.max === null || c.max === undefined ? undefined : big(c.max),
  };
}

function verifier(hp, c) {
  const made = call(() => hp.signatures.Verifier.create(secrets(c.secrets), options(c)));
  return made.err !== undefined ? { err: `secret err ${code(made.err)}` } : { ok: made.ok };
}

function attempt(c) {
  const outcome = typeof c.outcome === "number" ? { tag: "status", val: c.outcome } : { tag: c.outcome.replaceAll("_", "-") };
  return { outcome, retryAfter: header(c.headers, "retry-after"), webhookDelivery: header(c.headers, "webhook-delivery") };
}

function tagsLine(pairs) {
  const sorted = [...(pairs ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `[${sorted.map(([k, v]) => `[${q(k)},${q(v)}]`).join(",")}]`;
}

const raw = (text) => (text === undefined || text === null ? "null" : canon(JSON.parse(text)));

function tagFilter(hp, c) {
  const T = hp.routing.TagFilter;
  const made = call(() => (typeof c.filter === "string" ? T.parseList(c.filter) : T.create(c.filter)));
  if (made.err === undefined) return { ok: made.ok };
  return { err: made.err.tag === "invalid-tag" ? `invalid_tag ${made.err.val}` : code(made.err.tag) };
}

/** ASCII-only lower case: the core's rule for header names (no Unicode case mapping). */
const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

/** A response header by the core's rule for header lists: the first ASCII-case-insensitive match. */
const header = (pairs, name) => pairs.find(([k]) => asciiLower(k) === name)?.[1];

function pick(headers, svix, name) {
  const find = (n) => headers.find(([k]) => asciiLower(k) === n);
  return (find(svix) ?? find(name))?.[1];
}

function verifyWith(v, c) {
  const body = expand(c.body);
  const now = big(c.now);
  const r = call(() => v.verify(c.headers, body, now));
  let line = r.err === undefined ? `verify ok ${q(r.ok.id)} ${int(r.ok.timestamp)}` : `verify err ${code(r.err.tag)}`;
  // verify-parts with the header values the rule picks answers the same.
  const parts = [
    pick(c.headers, "svix-id", "webhook-id"),
    pick(c.headers, "svix-timestamp", "webhook-timestamp"),
    pick(c.headers, "svix-signature", "webhook-signature"),
  ];
  if (parts.every((p) => p !== undefined)) {
    const p = call(() => v.verifyParts(...parts, body, now));
    const same =
      r.err === undefined
        ? p.err === undefined && p.ok.id === r.ok.id && p.ok.timestamp === r.ok.timestamp
        : p.err !== undefined && JSON.stringify(p.err) === JSON.stringify(r.err);
    if (!same) line += " !verify-parts";
  }
  return line;
}

export const JCO_CASES = {
  verify(hp, c) {
    const v = verifier(hp, c);
    if (v.err) return v.err;
    return using(v.ok, (verifier) => verifyWith(verifier, c));
  },
  sign(hp, c) {
    const v = verifier(hp, c);
    if (v.err) return v.err;
    return using(v.ok, (verifier) => {
      const body = expand(c.body);
      const tried = call(() => verifier.trySign(c.id, big(c.ts), body));
      const plain = verifier.sign(c.id, big(c.ts), body);
      let line = tried.err !== undefined ? `sign err ${code(tried.err)}` : `sign ${q(tried.ok)}`;
      // `sign` is `try-sign` with "" for no signing key.
      if (plain !== (tried.err !== undefined ? "" : tried.ok)) line += " !sign";
      return line;
    });
  },
  ed25519Verify(hp, c) {
    const r = call(() => hp.signatures.ed25519Verify(expand(c.publicKey), expand(c.message), expand(c.signature)));
    return r.err !== undefined ? `ed25519Verify err ${code(r.err)}` : `ed25519Verify ${r.ok}`;
  },
  ed25519Sign(hp, c) {
    const r = call(() => hp.signatures.ed25519Sign(expand(c.signingKey), expand(c.message)));
    return r.err !== undefined ? `ed25519Sign err ${code(r.err)}` : `ed25519Sign ${bytesToHex(r.ok)}`;
  },
  hmac: (hp, c) => `hmac ${bytesToHex(hp.signatures.hmacSha256(expand(c.key), expand(c.data)))}`,
  classify: (hp, c) => `classify ${hp.delivery.classify(c.policy, attempt(c))}`,
  next(hp, c) {
    const a = attempt(c);
    const d = hp.delivery.nextAttempt(c.policy, c.attempt, a, big(c.now));
    const tail =
      d.tag === "retry-at" ? `retry ${int(d.val)}` : d.tag === "give-up" ? `give_up ${code(d.val)}` : code(d.tag);
    return `next ${hp.delivery.classify(c.policy, a)} ${tail}`;
  },
  retryAfter: (hp, c) => `retryAfter ${optional(hp.delivery.parseRetryAfter(c.value, big(c.now)))}`,
  httpDate: (hp, c) => `httpDate ${optional(hp.delivery.parseHttpDate(c.value, big(c.now)))}`,
  formatDate(hp, c) {
    const text = hp.delivery.formatHttpDate(big(c.unix));
    return text === undefined || text === null ? "formatDate none" : `formatDate ${q(text)}`;
  },
  tags(hp, c) {
    const f = tagFilter(hp, c);
    if (f.err) return `tags err ${f.err}`;
    return using(f.ok, (filter) => `tags ${filter.matches(c.company) ? "match" : "nomatch"}`);
  },
  tagsEvent(hp, c) {
    const f = tagFilter(hp, c);
    if (f.err) return `tagsEvent err ${f.err}`;
    return using(f.ok, (filter) => {
      const e = call(() => hp.routing.parseEvent(expand(c.body)));
      if (e.err !== undefined) return `tagsEvent err ${code(e.err.tag)}`;
      const tags = e.ok.tag === "current" ? (e.ok.val.company?.tags ?? []) : [];
      return `tagsEvent ${filter.matches(tags) ? "match" : "nomatch"}`;
    });
  },
  eventTypes(hp, c) {
    const E = hp.routing.EventTypeFilter;
    const made = call(() => (typeof c.patterns === "string" ? E.parseList(c.patterns) : E.create(c.patterns)));
    if (made.err !== undefined) {
      return `eventTypes err ${made.err.tag === "invalid-event-type" ? `invalid_event_type ${made.err.val}` : code(made.err.tag)}`;
    }
    return using(made.ok, (filter) => `eventTypes ${filter.matches(c.type) ? "match" : "nomatch"}`);
  },
  event(hp, c) {
    const r = call(() => hp.routing.parseEvent(expand(c.body)));
    if (r.err !== undefined) return `event err ${code(r.err.tag)}`;
    const e = r.ok.val;
    if (r.ok.tag === "current") {
      const company = e.company ?? undefined;
      return `event current id=${str(e.id)} type=${q(e.eventType)} date=${str(e.generatedDate)} company=${str(company?.id)} name=${str(company?.name)} tags=${tagsLine(company?.tags)} payload=${raw(e.payload)}`;
    }
    return `event legacy type=${q(e.ruleType)} company=${str(e.companyId)} client=${str(e.clientId)} clientName=${str(e.clientName)} connection=${str(e.dataConnectionId)} rule=${str(e.ruleId)} alert=${str(e.alertId)} message=${str(e.message)} tags=[] data=${raw(e.data)}`;
  },
  auth(hp, c) {
    const expected = c.expected.basic
      ? { tag: "basic", val: { username: c.expected.basic.username, password: c.expected.basic.password } }
      : { tag: "bearer", val: c.expected.bearer };
    const r = call(() => hp.authorization.check(c.header ?? undefined, expected));
    return r.err === undefined ? "auth ok" : `auth err ${code(r.err)}`;
  },
  clientId(hp, c) {
    const r = call(() => hp.routing.checkClientId(c.expected, c.header ?? undefined));
    return r.err === undefined ? "clientId ok" : `clientId err ${code(r.err)}`;
  },
  source(hp, c) {
    const S = hp.routing.SourceAllowlist;
    const made = c.allowlist === null ? { ok: S.codat() } : call(() => S.create(c.allowlist));
    const failed = (err) =>
      // The npm package answers false for an address that does not parse.
      err.tag === "invalid-address" ? "source denied" : err.tag === "invalid-source" ? `source err invalid_source ${err.val}` : `source err ${code(err.tag)}`;
    if (made.err !== undefined) return failed(made.err);
    return using(made.ok, (list) => {
      const r = call(() => list.isAllowed(c.address));
      if (r.err !== undefined) return failed(r.err);
      return `source ${r.ok ? "allowed" : "denied"}`;
    });
  },
  rate(hp, c) {
    const made = call(() => hp.guards.RateLimiter.create(c.perSecond, c.burst));
    if (made.err !== undefined) return `rate err ${code(made.err)}`;
    return using(made.ok, (limiter) => {
      const steps = c.steps.map((ms) => {
        const d = limiter.check(big(ms));
        return d.tag === "allow" ? "allow" : int(d.val);
      });
      return ["rate", ...steps].join(" ");
    });
  },
  consumer(hp, c) {
    const num = (v) => (v === undefined || v === null ? undefined : BigInt(v));
    const opt = (v) => (v === undefined || v === null ? undefined : v);
    const s = c.settings;
    const a = s.authorization;
    const made = call(() =>
      hp.consumer.Consumer.create({
        keys: s.keys ?? [],
        authorization: a === undefined ? undefined : a.bearer !== undefined ? { tag: "bearer", val: a.bearer } : { tag: "basic", val: [a.basic.username, a.basic.password] },
        policy: opt(s.policy),
        toleranceSeconds: num(s.toleranceSeconds),
        clientId: opt(s.clientId),
        sources: opt(s.sources),
        eventTypes: opt(s.eventTypes),
        companyTags: opt(s.companyTags),
        maxBodyBytes: num(s.maxBodyBytes),
        bodyTimeoutMs: num(s.bodyTimeoutMs),
        budgetMs: num(s.budgetMs),
        retryAfterSeconds: num(s.retryAfterSeconds),
        rateLimited: s.rateLimited ?? false,
        sourceLimited: opt(s.sourceLimited),
        backendClientError: opt(s.backend4xx),
      }),
    );
    if (made.err !== undefined) return `consumer err ${code(made.err)}`;
    const flat = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v === undefined ? null : v]));
    const out = (st) => {
      switch (st.tag) {
        case "read-body":
          return { step: "read_body", ...flat(st.val) };
        case "check-source":
          return { step: "check_source" };
        case "check-rate":
          return { step: "check_rate", waitMs: Number(st.val) };
        default:
          return { step: st.tag, ...flat(st.val) };
      }
    };
    const r = c.request;
    const [ex, first] = made.ok.start(BigInt(r.now), { method: r.method, source: opt(r.source), contentLength: num(r.contentLength) });
    const steps = [out(first)];
    for (const f of c.feeds) {
      const now = BigInt(f.now);
      const fed = call(() => {
        switch (f.feed) {
          case "body":
            return ex.body(f.headers, new TextEncoder().encode(f.body), now);
          case "too_large":
            return ex.tooLarge();
          case "timeout":
            return ex.timeout(now);
          case "settled":
            return ex.settled();
          case "rate":
            return ex.rate(f.decision === null ? { tag: "unavailable" } : f.decision === "allow" ? { tag: "allow" } : { tag: "retry-after", val: BigInt(f.decision) }, now);
          case "begun": {
            const b = f.answer;
            return ex.begun(b.answer === "new" ? { tag: "new", val: BigInt(b.token) } : b.answer === "in_flight" ? { tag: "in-flight", val: BigInt(b.retryAfter) } : b.answer === "done" ? { tag: "done" } : { tag: b.error === "store_full" ? "store-full" : "store-unavailable" }, now);
          }
          default: {
            const d = f.result;
            return ex.delivered(typeof d === "string" ? { tag: d } : d.inFlight !== undefined ? { tag: "in-flight", val: BigInt(d.inFlight) } : { tag: "backend", val: { status: d.backend, retryAfter: opt(d.retryAfter) } }, now);
          }
        }
      });
      steps.push(fed.err !== undefined ? { error: code(fed.err) } : out(fed.ok));
    }
    ex[Symbol.dispose]?.();
    made.ok[Symbol.dispose]?.();
    return consumerLine(steps);
  },
  sourceRate(hp, c) {
    const made = call(() => hp.guards.SourceLimiter.create(c.perSecond, c.burst, c.capacity));
    if (made.err !== undefined) return `sourceRate err ${code(made.err)}`;
    return using(made.ok, (limiter) => {
      const steps = c.steps.map(([source, ms]) => {
        const d = limiter.check(source, big(ms));
        return d.tag === "allow" ? "allow" : int(d.val);
      });
      return ["sourceRate", ...steps].join(" ");
    });
  },
  replay(hp, c) {
    const made = call(() => hp.guards.ReplayGuard.create(c.capacity, big(c.ttl)));
    if (made.err !== undefined) return `replay err ${code(made.err)}`;
    return using(made.ok, (g) => {
      const steps = c.steps.map(([id, now]) =>
        now === undefined ? `forget:${g.forget(id)}` : g.check(id, big(now)) === "duplicate" ? "dup" : "new",
      );
      return ["replay", ...steps].join(" ");
    });
  },
};

const acceptanceId = (id) => (typeof id === "string" ? id : id.repeat.repeat(id.times));
const acceptanceConfig = (c) => ({ windowSeconds: big(c.window), leaseSeconds: big(c.lease) });
const opIn = (op, tokenValue) => (op === "begin" ? { tag: "begin" } : { tag: op, val: big(tokenValue) });
function acceptanceAnswer(a) {
  if (a.tag === "new") return `new:${int(a.val)}`;
  if (a.tag === "in-flight") return `in_flight:${int(a.val)}`;
  return code(a.tag);
}
const acceptanceEntry = (e) => (e === undefined || e === null ? "none" : `${code(e.tag)}:${int(e.val)}`);
const entryIn = (e) => (e === null ? undefined : { tag: e.state === "in_flight" ? "in-flight" : "done", val: big(e.deadline) });

Object.assign(JCO_CASES, {
  acceptKey(hp, c) {
    const r = call(() => hp.acceptance.key(acceptanceId(c.id)));
    return r.err !== undefined ? `acceptKey err ${code(r.err)}` : `acceptKey ${q(r.ok)}`;
  },
  redisKeys(hp, c) {
    const r = call(() => hp.acceptance.redisKeys(c.prefix, c.scope, acceptanceId(c.id)));
    return r.err !== undefined ? `redisKeys err ${code(r.err)}` : `redisKeys ${q(r.ok.stream)} ${q(r.ok.acceptance)}`;
  },
  acceptTransition(hp, c) {
    const r = call(() => hp.acceptance.transition(acceptanceConfig(c), entryIn(c.entry), opIn(c.op, c.token ?? 0), big(c.now)));
    if (r.err !== undefined) return `acceptTransition err ${code(r.err)}`;
    return `acceptTransition ${acceptanceEntry(r.ok.entry)} ${acceptanceAnswer(r.ok.answer)}`;
  },
  accept(hp, c) {
    const made = call(() => hp.acceptance.Guard.create(acceptanceConfig(c), c.capacity));
    if (made.err !== undefined) return `accept err ${code(made.err)}`;
    return using(made.ok, (g) => {
      const tokens = [];
      const steps = c.steps.map((s, i) => {
        const t = typeof s.token === "number" ? s.token : (tokens[s.token?.from] ?? 0);
        const r = call(() => g.apply(acceptanceId(s.id), opIn(s.op, t), big(s.now)));
        if (r.err !== undefined) return `err:${code(r.err)}`;
        if (r.ok.tag === "new") tokens[i] = Number(r.ok.val);
        return acceptanceAnswer(r.ok);
      });
      return ["accept", ...steps, `size:${g.size()}`].join(" ");
    });
  },
});

export function runJcoCase(hp, c) {
  const run = JCO_CASES[c.k];
  if (!run) return badcase(`kind ${c.k}`);
  try {
    return run(hp, c);
  } catch (e) {
    const m = String(e && e.message);
    if (m.startsWith("badcase")) return m;
    return `crash ${q(`${e && e.name}: ${m}`)}`;
  }
}
