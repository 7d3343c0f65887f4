// The differential cases over the `hookproof` npm API, for every JS host of the package (Node
// CJS and ESM, workerd, Deno, edge-runtime). One entry per case kind: `uses` names the exports
// it exercises (the driver checks every export is used by some entry), `run(api, c)` maps the
// case to API calls and returns the canonical output line, which must equal the native core's
// (tests/differential/native.rs) byte for byte. Adding a function is adding one entry here and
// one arm in each of native.rs, wasmtime.rs and jco-cases.mjs.
//
// A case also goes through the API's other doors where they exist (verifySignature besides
// safeVerify, a Map besides pairs, …); a door that answers differently appends `!door…` to
// the line, which then differs from the native line.
import { badcase, bytesToHex, canon, consumerLine, expand, int, q, utf8 } from "./lib.mjs";

/** An error code as a token; anything else (a host bug) quoted, so it stays on one line. */
const token = (code) => (typeof code === "string" && /^[a-z0-9_]+$/.test(code) ? code : `!code=${q(String(code))}`);

/** A typed hookproof error's code (and index), or rethrow: an untyped error is a host bug. */
function caught(e) {
  if (e && typeof e.code === "string") return e.index !== undefined ? `${token(e.code)} ${e.index}` : token(e.code);
  throw e;
}

function attempt(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: caught(e) };
  }
}

/** A key as the case gives it: text, raw secret bytes, or `{ publicKey }` / `{ signingKey }` bytes. */
function secretIn(s) {
  if (typeof s === "string") return s;
  if (s.publicKey !== undefined) return { publicKey: expand(s.publicKey) };
  if (s.signingKey !== undefined) return { signingKey: expand(s.signingKey) };
  return expand(s);
}

/** `[keys, options]` for a `Webhook`: raw secret bytes state their kind only with `{ format:
 *  "raw" }`, which applies to every key, so in a list mixing them with other keys they go as the
 *  `whsec_` text of the same bytes (the same secret to the core). */
function keysFor(keys, options = {}) {
  const raw = keys.filter((k) => k instanceof Uint8Array).length;
  if (raw === 0) return [keys, options];
  if (raw === keys.length) return [keys, { ...options, format: "raw" }];
  const whsec = (bytes) => `whsec_${btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""))}`;
  return [keys.map((k) => (k instanceof Uint8Array ? whsec(k) : k)), options];
}

/** Text without a whsec_/whpk_/whsk_ prefix: the main entry reads it as svix does (a secret in
 *  bare base64), hookproof/v1a's Webhook, like the native core's `Key::parse`, refuses it. */
const unstated = (s) => typeof s === "string" && s !== "" && !/^wh(sec|pk|sk)_/.test(s);

/** The Webhook whose reading of keys is the native core's (`Key::parse`: kinds stated):
 *  hookproof/v1a's; and the main entry's, to compare where the two readings agree. */
function webhooks(api, c) {
  const v1a = api.subpaths?.v1a?.Webhook;
  const main = v1a !== undefined && v1a !== api.Webhook && !c.secrets.some(unstated) ? api.Webhook : undefined;
  return { Primary: v1a ?? api.Webhook, main };
}

/** The body in the JS form the case asks for (`as`), all carrying the same bytes. */
function payload(spec, as) {
  const bytes = expand(spec);
  switch (as ?? "bytes") {
    case "bytes":
      return bytes;
    case "string": {
      const text = utf8(bytes);
      if (text === undefined) throw new Error("badcase: string body that is not UTF-8");
      return text;
    }
    case "arraybuffer":
      return bytes.slice().buffer;
    case "view": {
      // A DataView into the middle of a larger buffer: byteOffset and byteLength must be honoured.
      const big = new Uint8Array(bytes.length + 7);
      big.fill(0xa5);
      big.set(bytes, 3);
      return new DataView(big.buffer, 3, bytes.length);
    }
    default:
      throw new Error(`badcase: as ${as}`);
  }
}

/** Header pairs in the JS form the case asks for (`via`); the generator only asks for a form
 *  that can carry the pairs unchanged (no duplicate keys in an object or Map, valid values for
 *  fetch Headers). */
function headerForm(pairs, via) {
  switch (via ?? "pairs") {
    case "pairs":
      return pairs.map(([k, v]) => [k, v]);
    case "object": {
      const o = {};
      for (const [k, v] of pairs) o[k] = v;
      return o;
    }
    case "map":
      return new Map(pairs);
    case "headers":
      return new Headers(pairs);
    default:
      throw new Error(`badcase: via ${via}`);
  }
}

const optional = (v) => (v === null || v === undefined ? "none" : int(v));
const verdict = (r) => (r.ok ? "ok" : `err ${token(r.code)}`);

/** The event in the core's one shape (serde, JS, WIT): the same line as jco-cases.mjs writes. */
function eventLine(e) {
  const tags = [...(e.company?.tags ?? [])]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `[${q(k)},${q(v)}]`)
    .join(",");
  const s = (v) => (v === null || v === undefined ? "null" : q(v));
  const raw = (text) => (text === null || text === undefined ? "null" : canon(JSON.parse(text)));
  if (e.kind === "current") {
    return `event current id=${s(e.id)} type=${q(e.eventType)} date=${s(e.generatedDate)} company=${s(e.company?.id)} name=${s(e.company?.name)} tags=[${tags}] payload=${raw(e.payload)}`;
  }
  return `event legacy type=${q(e.ruleType)} company=${s(e.companyId)} client=${s(e.clientId)} clientName=${s(e.clientName)} connection=${s(e.dataConnectionId)} rule=${s(e.ruleId)} alert=${s(e.alertId)} message=${s(e.message)} tags=[${tags}] data=${raw(e.data)}`;
}

const responseHeaders = (c) => headerForm(c.headers, c.via);

export const NPM_CASES = {
  verify: {
    uses: ["Webhook", "v1a:Webhook"],
    run(api, c) {
      const { Primary, main } = webhooks(api, c);
      const [keys, options] = keysFor(c.secrets.map(secretIn));
      if (c.tol !== null) options.toleranceInSeconds = c.tol === "ignore" ? Infinity : c.tol;
      if (c.max !== null) options.maxPayloadBytes = c.max;
      const made = attempt(() => new Primary(keys, options));
      if (made.error) return `secret err ${made.error}`;
      const wh = made.value;
      const body = payload(c.body, c.as);
      const headers = headerForm(c.headers, c.via);
      const r = wh.safeVerify(body, headers, { now: c.now });
      let line = r.ok ? `verify ok ${q(r.id)} ${int(r.timestamp)}` : `verify err ${token(r.code)}`;
      const door = attempt(() => wh.verifySignature(body, headers, { now: c.now }));
      const thrown = door.error ?? "ok";
      if (thrown !== (r.ok ? "ok" : token(r.code))) line += ` !verifySignature=${thrown}`;
      // The main entry's Webhook answers the same where every key states its kind.
      if (main) {
        const other = attempt(() => new main(keys, options).safeVerify(body, headers, { now: c.now }));
        const same = other.error === undefined && JSON.stringify(other.value) === JSON.stringify(r);
        if (!same) line += ` !main=${other.error ?? (other.value.ok ? "ok" : token(other.value.code))}`;
      }
      return line;
    },
  },
  sign: {
    uses: ["Webhook", "v1a:Webhook"],
    run(api, c) {
      const { Primary, main } = webhooks(api, c);
      const [keys, options] = keysFor(c.secrets.map(secretIn));
      const made = attempt(() => new Primary(keys, options));
      if (made.error) return `secret err ${made.error}`;
      const signed = attempt(() => made.value.sign(c.id, c.ts, payload(c.body, c.as)));
      if (signed.error) return `sign err ${signed.error}`;
      const sig = signed.value;
      let line = `sign ${q(sig)}`;
      if (main) {
        const other = attempt(() => new main(keys, options).sign(c.id, c.ts, payload(c.body, c.as)));
        if (other.value !== sig) line += ` !main=${other.error ?? q(other.value)}`;
      }
      // A Date signs the same (where a Date can hold the instant).
      if (Math.abs(c.ts) <= 8.64e12) {
        const byDate = made.value.sign(c.id, new Date(c.ts * 1000), payload(c.body, c.as));
        if (byDate !== sig) line += ` !date=${q(byDate)}`;
      }
      return line;
    },
  },
  ed25519Verify: {
    uses: ["v1a:ed25519Verify"],
    run(api, c) {
      const r = attempt(() => api.subpaths.v1a.ed25519Verify(payload(c.publicKey), payload(c.message), payload(c.signature)));
      return r.error ? `ed25519Verify err ${r.error}` : `ed25519Verify ${r.value}`;
    },
  },
  ed25519Sign: {
    uses: ["v1a:ed25519Sign"],
    run(api, c) {
      const r = attempt(() => api.subpaths.v1a.ed25519Sign(payload(c.signingKey), payload(c.message)));
      return r.error ? `ed25519Sign err ${r.error}` : `ed25519Sign ${bytesToHex(r.value)}`;
    },
  },
  hmac: {
    uses: ["hmacSha256"],
    run(api, c) {
      return `hmac ${bytesToHex(api.hmacSha256(payload(c.key, c.as), payload(c.data, c.as)))}`;
    },
  },
  classify: {
    uses: ["classifyResponse"],
    run(api, c) {
      return `classify ${api.classifyResponse(c.outcome, { policy: c.policy, headers: responseHeaders(c) })}`;
    },
  },
  next: {
    uses: ["nextAttempt"],
    run(api, c) {
      const d = api.nextAttempt({ policy: c.policy, attempt: c.attempt, status: c.outcome, headers: responseHeaders(c), now: c.now });
      let line = `next ${d.classification} ${d.action}`;
      if (d.at !== undefined) line += ` ${int(d.at)}`;
      if (d.reason !== undefined) line += ` ${d.reason}`;
      return line;
    },
  },
  retryAfter: {
    uses: ["parseRetryAfter"],
    run: (api, c) => `retryAfter ${optional(api.parseRetryAfter(c.value, c.now))}`,
  },
  httpDate: {
    uses: ["parseHttpDate"],
    run: (api, c) => `httpDate ${optional(api.parseHttpDate(c.value, c.now))}`,
  },
  formatDate: {
    uses: ["formatHttpDate"],
    run(api, c) {
      const r = attempt(() => api.formatHttpDate(c.unix));
      if (r.error === "invalid_argument") return "formatDate none";
      if (r.error) return `formatDate err ${r.error}`;
      return `formatDate ${q(r.value)}`;
    },
  },
  tags: {
    uses: ["TagFilter"],
    run(api, c) {
      const made = attempt(() => new api.TagFilter(c.filter));
      if (made.error) return `tags err ${made.error}`;
      const m = made.value.matches(c.company.map(([k, v]) => [k, v]));
      let line = `tags ${m ? "match" : "nomatch"}`;
      // The same tags as a Map, where that loses no pair.
      if (new Set(c.company.map(([k]) => k)).size === c.company.length && made.value.matches(new Map(c.company)) !== m) {
        line += " !map";
      }
      return line;
    },
  },
  tagsEvent: {
    uses: ["TagFilter"],
    run(api, c) {
      const made = attempt(() => new api.TagFilter(c.filter));
      if (made.error) return `tagsEvent err ${made.error}`;
      const r = attempt(() => made.value.matchesEvent(payload(c.body, c.as === "string" ? "string" : "bytes")));
      if (r.error) return `tagsEvent err ${r.error}`;
      return `tagsEvent ${r.value ? "match" : "nomatch"}`;
    },
  },
  eventTypes: {
    uses: ["EventTypeFilter"],
    run(api, c) {
      const made = attempt(() => new api.EventTypeFilter(c.patterns));
      if (made.error) return `eventTypes err ${made.error}`;
      return `eventTypes ${made.value.matches(c.type) ? "match" : "nomatch"}`;
    },
  },
  event: {
    uses: ["parseEvent"],
    run(api, c) {
      const r = attempt(() => api.parseEvent(payload(c.body, c.as)));
      return r.error ? `event err ${r.error}` : eventLine(r.value);
    },
  },
  auth: {
    uses: ["checkAuthorization"],
    run: (api, c) => `auth ${verdict(api.checkAuthorization(c.header, c.expected))}`,
  },
  clientId: {
    uses: ["checkClientId"],
    run: (api, c) => `clientId ${verdict(api.checkClientId(c.expected, c.header))}`,
  },
  source: {
    uses: ["isAllowedSource"],
    run(api, c) {
      // The package answers false for an address that does not parse (invalid_address).
      const r = attempt(() => api.isAllowedSource(c.address, c.allowlist ?? undefined));
      if (r.error) return `source err ${r.error}`;
      return `source ${r.value ? "allowed" : "denied"}`;
    },
  },
  rate: {
    uses: ["RateLimiter"],
    run(api, c) {
      const made = attempt(() => new api.RateLimiter({ perSecond: c.perSecond, burst: c.burst }));
      if (made.error) return `rate err ${made.error}`;
      const steps = c.steps.map((ms) => {
        const r = made.value.check(new Date(ms));
        return r.allowed ? "allow" : int(r.retryAfter);
      });
      return ["rate", ...steps].join(" ");
    },
  },
  consumer: {
    uses: ["Consumer"],
    run(api, c) {
      const made = attempt(() => new api.Consumer(c.settings));
      if (made.error) return `consumer err ${made.error}`;
      const exchange = made.value.exchange({ ...c.request, now: c.request.now / 1000 });
      const steps = [exchange.step];
      for (const f of c.feeds) {
        const fed = attempt(() => exchange.feed({ ...f, now: f.now / 1000 }));
        steps.push(fed.error ? { error: fed.error } : fed.value);
      }
      return consumerLine(steps);
    },
  },
  sourceRate: {
    uses: ["SourceRateLimiter"],
    run(api, c) {
      const made = attempt(() => new api.SourceRateLimiter({ perSecond: c.perSecond, burst: c.burst, capacity: c.capacity }));
      if (made.error) return `sourceRate err ${made.error}`;
      const steps = c.steps.map(([source, ms]) => {
        const r = made.value.check(source, new Date(ms));
        return r.allowed ? "allow" : int(r.retryAfter);
      });
      return ["sourceRate", ...steps].join(" ");
    },
  },
  replay: {
    uses: ["ReplayGuard"],
    run(api, c) {
      const made = attempt(() => new api.ReplayGuard({ capacity: c.capacity, ttlSeconds: c.ttl }));
      if (made.error) return `replay err ${made.error}`;
      const g = made.value;
      const steps = c.steps.map(([id, now]) =>
        now === undefined ? `forget:${g.forget(id)}` : g.check(id, now) === "duplicate" ? "dup" : "new",
      );
      return ["replay", ...steps].join(" ");
    },
  },
};

/** An acceptance id: a string, or `{ repeat, times }` for long ones (cases stay small). */
const acceptanceId = (id) => (typeof id === "string" ? id : id.repeat.repeat(id.times));

/** An acceptance answer or entry in canonical form. */
function acceptanceAnswer(a) {
  if (a.answer === "new") return `new:${int(a.token)}`;
  if (a.answer === "in_flight") return `in_flight:${int(a.retryAfter)}`;
  return token(a.answer);
}
const acceptanceEntry = (e) => (e === null ? "none" : `${token(e.state)}:${int(e.deadline)}`);

/** A step's token: a number, or the token the begin of step `from` answered (0 if none). */
const stepToken = (t, tokens) => (typeof t === "number" ? t : (tokens[t?.from] ?? 0));

Object.assign(NPM_CASES, {
  acceptKey: {
    uses: ["acceptanceKey"],
    run(api, c) {
      const r = attempt(() => api.acceptanceKey(acceptanceId(c.id)));
      return r.error ? `acceptKey err ${r.error}` : `acceptKey ${q(r.value)}`;
    },
  },
  redisKeys: {
    uses: ["redisKeyLayout"],
    run(api, c) {
      const r = attempt(() => {
        const layout = api.redisKeyLayout(c.scope, c.prefix);
        return { stream: layout.stream, acceptance: layout.acceptanceKey(acceptanceId(c.id)) };
      });
      return r.error ? `redisKeys err ${r.error}` : `redisKeys ${q(r.value.stream)} ${q(r.value.acceptance)}`;
    },
  },
  acceptTransition: {
    uses: ["acceptanceTransition"],
    run(api, c) {
      const r = attempt(() =>
        api.acceptanceTransition(c.entry, c.op, { token: c.token, now: c.now, windowSeconds: c.window, leaseSeconds: c.lease }),
      );
      return r.error ? `acceptTransition err ${r.error}` : `acceptTransition ${acceptanceEntry(r.value.entry)} ${acceptanceAnswer(r.value.answer)}`;
    },
  },
  accept: {
    uses: ["AcceptanceGuard"],
    run(api, c) {
      const made = attempt(() => new api.AcceptanceGuard({ windowSeconds: c.window, leaseSeconds: c.lease, capacity: c.capacity }));
      if (made.error) return `accept err ${made.error}`;
      const g = made.value;
      const tokens = [];
      const steps = c.steps.map((s, i) => {
        const id = acceptanceId(s.id);
        const r = attempt(() => (s.op === "begin" ? g.begin(id, s.now) : g[s.op](id, stepToken(s.token, tokens), s.now)));
        if (r.error) return `err:${r.error}`;
        if (r.value.answer === "new") tokens[i] = r.value.token;
        return acceptanceAnswer(r.value);
      });
      return ["accept", ...steps, `size:${g.size}`].join(" ");
    },
  },
});

/** Exports that are not behaviour to compare (error classes, memory introspection). */
export const NOT_COMPARED = ["HookproofError", "WebhookVerificationError", "wasmMemoryBytes", "ACCEPTANCE_DEFAULTS", "IN_FLIGHT_STATUS"];

/** One case (parsed JSON) → its canonical line; never throws. */
export function runNpmCase(api, c) {
  const entry = NPM_CASES[c.k];
  if (!entry) return badcase(`kind ${c.k}`);
  try {
    return entry.run(api, c);
  } catch (e) {
    const m = String(e && e.message);
    if (m.startsWith("badcase")) return m;
    return `crash ${q(`${e && e.name}: ${m}`)}`;
  }
}

/** Exported functions and classes of `api`, and of the subpaths kept apart (as `v1a:name`, where
 *  not the main entry's own), that no case kind uses. */
export function uncovered(api) {
  const used = new Set(Object.values(NPM_CASES).flatMap((e) => e.uses));
  const left = Object.keys(api).filter((n) => typeof api[n] === "function" && !used.has(n) && !NOT_COMPARED.includes(n));
  for (const [name, ns] of Object.entries(api.subpaths ?? {})) {
    for (const n of Object.keys(ns)) {
      if (typeof ns[n] === "function" && ns[n] !== api[n] && !used.has(`${name}:${n}`)) left.push(`${name}:${n}`);
    }
  }
  return left;
}
