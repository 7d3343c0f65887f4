// The conformance vector suite over the `hookproof` JS API, for any host: Node (CJS and ESM),
// Deno, workerd, edge-runtime. Pure ECMAScript: no Node, Deno or Web-only APIs beyond
// TextEncoder. `vectors` maps file names (`signature.json`, …) to their parsed contents.
//
//   const { total, failures } = runVectors(await import("hookproof"), vectors);
//
// Each failure is a string naming the file and tcId.

export const VECTOR_FILES = [
  "signature.json",
  "v1a.json",
  "hmac.json",
  "authorization.json",
  "classify.json",
  "retry_after.json",
  "tags.json",
  "events.json",
  "filters.json",
  "guards.json",
  "acceptance.json",
  "consumer.json",
];

function hex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function body(t) {
  return t.body !== undefined ? t.body : hex(t.bodyHex);
}

function secretOf(s) {
  return typeof s === "string" ? s : hex(s.hex);
}

function same(what, got, want) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

function codeOf(fn) {
  try {
    fn();
    return "valid";
  } catch (e) {
    if (typeof e.code !== "string") throw e;
    return e.code;
  }
}

const want = (t) => (t.result === "valid" ? "valid" : t.error);

/** `{ format: "raw" }` for keys given as raw HMAC secret bytes ({hex}): bytes state no kind. */
function rawFormat(keys, options) {
  const raw = keys.filter((k) => typeof k === "object" && k.hex !== undefined).length;
  if (raw === 0) return options;
  if (raw !== keys.length) throw new Error("raw HMAC secrets mixed with other keys: { format: \"raw\" } would apply to all");
  return { ...options, format: "raw" };
}

/** Whether `api.Webhook` takes both kinds (hookproof/v1a's), so text must state its kind. */
function statesKinds(api) {
  return codeOf(() => new api.Webhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")) === "ambiguous_key";
}

function verifyCase(api, t) {
  if (t.op === "options") {
    const options = {};
    if (t.tolerance !== undefined) options.toleranceInSeconds = t.tolerance;
    if (t.maxPayload !== undefined) options.maxPayloadBytes = t.maxPayload;
    return same("verdict", codeOf(() => new api.Webhook(t.secrets.map(secretOf), options)), want(t));
  }
  // signature.json's `result` is svix's reading (the main entry's Webhook); an API taking both
  // kinds (hookproof/v1a's Webhook, a subclass of the main one) answers `kindsStated` where the
  // case gives one, and its parent class, the main entry's, still answers `result`.
  if (t.kindsStated !== undefined && statesKinds(api)) {
    const Main = Object.getPrototypeOf(api.Webhook);
    if (typeof Main === "function" && Main !== Function.prototype) {
      const made = codeOf(() => new Main(t.secrets.map(secretOf), rawFormat(t.secrets, {})).verifySignature(body(t), t.headers, { now: t.now }));
      same("verdict (main entry, svix's reading)", made, want(t));
    }
    t = { ...t, ...t.kindsStated };
  }
  const secrets = t.secrets.map(secretOf);
  const options = rawFormat(t.secrets, {});
  if (t.tolerance !== undefined) options.toleranceInSeconds = t.tolerance === "ignore" ? Infinity : t.tolerance;
  if (t.maxPayload !== undefined) options.maxPayloadBytes = t.maxPayload;
  let wh;
  const made = codeOf(() => {
    wh = new api.Webhook(secrets, options);
  });
  if (made !== "valid") return same("verdict", made, want(t));
  if (t.op === "sign") {
    const signed = wh.sign(t.id, t.timestamp, body(t));
    same("signature", signed, t.expected);
    // A Date timestamp signs the same.
    if (t.timestamp * 1000 <= 8.64e15) same("signature (Date)", wh.sign(t.id, new Date(t.timestamp * 1000), body(t)), t.expected);
    return;
  }
  const headers = t.headers; // [name, value] pairs, in order
  const b = body(t);
  const verdict = codeOf(() => wh.verifySignature(b, headers, { now: t.now }));
  same("verdict", verdict, want(t));
  // The same through every other door: bytes, safeVerify, a plain object.
  const bytes = typeof b === "string" ? new TextEncoder().encode(b) : b;
  same("verdict (bytes)", codeOf(() => wh.verifySignature(bytes, headers, { now: t.now })), want(t));
  const safe = wh.safeVerify(b, headers, { now: t.now });
  same("safeVerify", safe.ok ? "valid" : safe.code, want(t));
  if (t.verified) same("safeVerify id and timestamp", { id: safe.id, timestamp: safe.timestamp }, t.verified);
  if (t.verified) same("safeVerify id and timestamp (bytes)", (({ id, timestamp }) => ({ id, timestamp }))(wh.safeVerify(bytes, headers, { now: t.now })), t.verified);
  const object = {};
  for (const [k, v] of headers) if (!(k in object)) object[k] = v;
  if (Object.keys(object).length === headers.length) {
    same("verdict (object)", codeOf(() => wh.verifySignature(b, object, { now: t.now })), want(t));
  }
}

/** v1a.json: keys by text or as raw bytes of a stated kind; the ed25519 primitives. Needs the
 * API with `hookproof/v1a` loaded (its `ed25519Verify`/`ed25519Sign`, and `Webhook` taking
 * ed25519 keys). */
function v1aCase(api, t) {
  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  if (t.op === "ed25519_verify") {
    let got;
    try {
      got = api.ed25519Verify(hex(t.publicKeyHex), hex(t.msgHex), hex(t.sigHex)) ? "valid" : "invalid";
    } catch (e) {
      if (typeof e.code !== "string") throw e;
      got = e.code;
    }
    return same("verdict", got, t.error ?? t.result);
  }
  if (t.op === "ed25519_sign") {
    let got;
    try {
      got = toHex(api.ed25519Sign(hex(t.signingKeyHex), hex(t.msgHex)));
    } catch (e) {
      if (typeof e.code !== "string") throw e;
      return same("error", e.code, t.error);
    }
    return same("signature", got, t.expected);
  }
  const keys = t.keys.map((k) =>
    typeof k === "string"
      ? k
      : k.hex !== undefined
        ? hex(k.hex)
        : k.publicKeyHex !== undefined
          ? { publicKey: hex(k.publicKeyHex) }
          : { signingKey: hex(k.signingKeyHex) },
  );
  const options = rawFormat(t.keys, {});
  if (t.tolerance !== undefined) options.toleranceInSeconds = t.tolerance === "ignore" ? Infinity : t.tolerance;
  let wh;
  const made = codeOf(() => {
    wh = new api.Webhook(keys, options);
  });
  if (made !== "valid") return same("verdict", made, want(t));
  if (t.op === "sign") {
    const signed = codeOf(() => {
      const s = wh.sign(t.id, t.timestamp, body(t));
      if (s !== t.expected) throw new Error(`signature: got ${s}, want ${t.expected}`);
    });
    return same("sign", signed === "valid" ? "valid" : signed, t.expected !== undefined ? "valid" : t.error);
  }
  const b = body(t);
  same("verdict", codeOf(() => wh.verifySignature(b, t.headers, { now: t.now })), want(t));
  const safe = wh.safeVerify(b, t.headers, { now: t.now });
  same("safeVerify", safe.ok ? "valid" : safe.code, want(t));
}

function hmacCase(api, t) {
  const tag = Array.from(api.hmacSha256(hex(t.keyHex), hex(t.msgHex)), (b) => b.toString(16).padStart(2, "0")).join("");
  same("tag matches", tag.slice(0, t.tagHex.length) === t.tagHex, t.result === "valid");
}

function authCase(api, t) {
  const r = api.checkAuthorization(t.header, t.expected);
  same("verdict", r.ok ? "valid" : r.code, want(t));
}

function classifyCase(api, t) {
  const status = typeof t.outcome === "string" ? t.outcome : t.outcome.status;
  same("classification", api.classifyResponse(status, { policy: t.policy, headers: t.headers }), t.expected.classification);
  const next = api.nextAttempt({ policy: t.policy, attempt: t.attempt, status, headers: t.headers, now: t.now });
  const { classification, ...decision } = next;
  same("classification", classification, t.expected.classification);
  same("decision", decision, t.expected.decision);
}

function retryAfterCase(api, t) {
  if (t.kind === "retry_after") {
    const got = api.parseRetryAfter(t.value, t.now);
    // Past 2^53 a JS number cannot hold the exact value; compare as the closest double.
    const expected = typeof t.expected === "string" ? Number(t.expected) : t.expected;
    same("delay", got, expected);
  } else if (t.kind === "http_date") {
    same("unix", api.parseHttpDate(t.value, t.now), t.expected);
  } else {
    same("text", api.formatHttpDate(t.unix), t.expected);
    same("round trip", api.parseHttpDate(t.expected, 0), t.unix);
  }
}

function errorOf(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    if (typeof e.code !== "string") throw e;
    return { error: e.code, index: e.index };
  }
}

function expectError(got, t) {
  const wanted = { error: t.error };
  if (t.index !== undefined) wanted.index = t.index;
  const g = { error: got.error };
  if (got.index !== undefined) g.index = got.index;
  same("error", g, wanted);
}

function tagCase(api, t) {
  const made = errorOf(() => new api.TagFilter(t.filterList !== undefined ? t.filterList : t.filter));
  if (t.error !== undefined) return expectError(made, t);
  if (made.error) throw new Error(`refused: ${made.error}`);
  same("matches", made.value.matches(t.company), t.matches);
  same("matches (Map)", made.value.matches(new Map(Object.entries(t.company))), t.matches);
}

function eventCase(api, t) {
  const got = errorOf(() => api.parseEvent(body(t)));
  if (t.result !== "valid") return same("verdict", got.error ?? "valid", t.error);
  if (got.error) throw new Error(`refused: ${got.error}`);
  const e = got.value;
  const picked = { kind: e.kind, eventType: e.eventType, companyId: e.companyId, companyTags: e.companyTags };
  if (e.kind === "current") Object.assign(picked, { id: e.id, generatedDate: e.generatedDate });
  else picked.clientId = e.clientId;
  const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  same("event", sorted({ ...picked, companyTags: sorted(picked.companyTags) }), sorted({ ...t.event, companyTags: sorted(t.event.companyTags) }));
  // A tag filter agrees on the same body.
  const tags = Object.entries(t.event.companyTags);
  if (tags.length > 0) {
    const [k, v] = tags[0];
    same("matchesEvent", new api.TagFilter([`${k}:${v}`]).matchesEvent(body(t)), true);
  }
}

function filterCase(api, t) {
  if (t.kind === "event_type") {
    const made = errorOf(() => new api.EventTypeFilter(Array.isArray(t.patterns) ? t.patterns : t.patterns.list));
    if (t.error !== undefined) return expectError(made, t);
    if (made.error) throw new Error(`refused: ${made.error}`);
    return same("matches", made.value.matches(t.eventType), t.matches);
  }
  if (t.kind === "client_id") {
    const r = api.checkClientId(t.expected, t.header);
    return same("verdict", r.ok ? "valid" : r.code, want(t));
  }
  const allowlist = t.allowlist === null ? undefined : t.allowlist;
  const got = errorOf(() => api.isAllowedSource(t.address ?? "127.0.0.1", allowlist));
  if (t.error === "invalid_address") return same("allowed", got.value, false);
  if (t.error !== undefined) return expectError(got, t);
  same("allowed", got.value, t.allowed);
}

function guardCase(api, t) {
  const made = errorOf(() =>
    t.kind === "rate_limit"
      ? new api.RateLimiter({ perSecond: t.perSecond, burst: t.burst })
      : t.kind === "source_limit"
        ? new api.SourceRateLimiter({ perSecond: t.perSecond, burst: t.burst, capacity: t.capacity })
        : new api.ReplayGuard({ capacity: t.capacity, ttlSeconds: t.ttl }),
  );
  if (t.error !== undefined) return expectError(made, t);
  if (made.error) throw new Error(`refused: ${made.error}`);
  t.steps.forEach((step, i) => {
    if (t.kind === "rate_limit") {
      const r = made.value.check(step[0] / 1000);
      same(`step ${i}`, r.allowed ? "allow" : r.retryAfter, step[1]);
    } else if (t.kind === "source_limit") {
      const r = made.value.check(step[0], step[1] / 1000);
      same(`step ${i}`, r.allowed ? "allow" : r.retryAfter, step[2]);
    } else if (step[2] === "forget") {
      made.value.forget(step[0]);
    } else {
      same(`step ${i}`, made.value.check(step[0], step[1]), step[2]);
    }
  });
}

/** An acceptance id as the vectors give it: a string or `{ repeat, times }`. */
export function acceptanceId(id) {
  return typeof id === "string" ? id : id.repeat.repeat(id.times);
}

/** acceptance.json over the in-memory `AcceptanceGuard` and the pure transition. */
function acceptanceCase(api, t) {
  if (t.kind === "key") {
    const got = errorOf(() => api.acceptanceKey(acceptanceId(t.id)));
    return same("key", got.error ? { error: got.error } : { key: got.value }, t.error ? { error: t.error } : { key: t.key });
  }
  const made = errorOf(() => new api.AcceptanceGuard({ windowSeconds: t.window, leaseSeconds: t.lease, capacity: t.capacity }));
  if (t.kind === "config") return same("error", made.error, t.error);
  if (made.error) throw new Error(`refused: ${made.error}`);
  if (t.kind === "transition") {
    const got = api.acceptanceTransition(t.entry, t.op, { token: t.token, now: t.now, windowSeconds: t.window, leaseSeconds: t.lease });
    return same("transition", got, t.expected);
  }
  const guard = made.value;
  t.steps.forEach((step, i) => {
    const got = errorOf(() => (step.op === "begin" ? guard.begin(acceptanceId(step.id), step.now) : guard[step.op](acceptanceId(step.id), step.token, step.now)));
    same(`step ${i + 1}`, got.error ? { error: got.error } : got.value, step.expected);
  });
}

/** consumer.json over `Consumer`: each step, an answer's body compared as JSON. */
function consumerCase(api, t) {
  const made = errorOf(() => new api.Consumer(t.settings));
  if (t.error !== undefined) return same("error", made.error, t.error);
  if (made.error) throw new Error(`refused: ${made.error}`);
  const seconds = (ms) => ms / 1000;
  const r = t.request;
  const exchange = made.value.exchange({ method: r.method, source: r.source, contentLength: r.contentLength, now: seconds(r.now) });
  const shape = (step) => (step.step === "answer" ? { ...step, body: JSON.parse(step.body) } : step);
  const got = [shape(exchange.step)];
  for (const f of t.feeds) {
    const fed = errorOf(() => exchange.feed({ ...f, now: seconds(f.now) }));
    got.push(fed.error ? { error: fed.error } : shape(fed.value));
  }
  const canon = (v) => (Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
  same("steps", canon(got), canon(t.expected));
}

const RUNNERS = {
  "signature.json": verifyCase,
  "v1a.json": v1aCase,
  "hmac.json": hmacCase,
  "authorization.json": authCase,
  "classify.json": classifyCase,
  "retry_after.json": retryAfterCase,
  "tags.json": tagCase,
  "events.json": eventCase,
  "filters.json": filterCase,
  "guards.json": guardCase,
  "acceptance.json": acceptanceCase,
  "consumer.json": consumerCase,
};

/**
 * Hostile inputs: each must end in a typed error (never a trap, which would kill the wasm
 * instance), and the instance must still verify correctly afterwards.
 */
export function hostileCases(api) {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const wh = new api.Webhook(secret);
  const nul = "\0".repeat(1000);
  const mib = "x".repeat(1 << 20);
  const headers = (id, ts, sig) => ({ "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig });
  const code = (fn) => {
    try {
      const r = fn();
      return r && r.ok === false ? r.code : r;
    } catch (e) {
      if (typeof e.code !== "string") throw new Error(`untyped error: ${e}`);
      return e.code;
    }
  };
  const junk = new Uint8Array(70_000).map((_, i) => (i * 7919) & 255);
  return [
    ["1 MiB webhook-id", () => code(() => wh.verifySignature("{}", headers(mib, "1", "v1,"), { now: 1 })), "header_too_large"],
    ["10^4 signature entries", () => code(() => wh.verifySignature("{}", headers("m", "1", Array(10_000).fill("v1,AAAA").join(" ")), { now: 1 })), "header_too_large"],
    ["65 entries under 8 KiB", () => code(() => wh.verifySignature("{}", headers("m", "1", Array(65).fill("v1,AAAA").join(" ")), { now: 1 })), "too_many_signatures"],
    ["NUL bytes in every header", () => code(() => wh.verifySignature("{}", headers(nul.slice(0, 10), nul, nul), { now: 1 })), "invalid_timestamp"],
    ["invalid UTF-8 body with NULs", () => code(() => wh.verifySignature(junk, headers("m", "1", "v1,"), { now: 1 })), "no_matching_signature"],
    ["a 1 MiB signature header through safeVerify", () => code(() => wh.safeVerify("{}", headers("m", "1", mib), { now: 1 })), "header_too_large"],
    ["a NUL in the secret", () => code(() => new api.Webhook(`whsec_${nul}`)), "invalid_secret"],
    ["a 1 MiB secret", () => code(() => new api.Webhook(`whsec_${mib}`)), "invalid_secret"],
    ["10^5 nested arrays as an event", () => code(() => api.parseEvent("[".repeat(100_000))), "invalid_payload"],
    ["invalid UTF-8 as an event", () => code(() => api.parseEvent(junk)), "invalid_payload"],
    ["a 2 MiB event", () => code(() => api.parseEvent(`{"eventType":"x","pad":"${mib}${mib}"}`)), "event_too_large"],
    ["10^5 digits of Retry-After", () => api.parseRetryAfter("9".repeat(100_000), 0), null],
    ["10^4 filter tags", () => code(() => new api.TagFilter(Array(10_000).fill("a:b"))), "too_many_tags"],
    ["a 10^5-character tag", () => code(() => new api.TagFilter([`k:${"v".repeat(100_000)}`])), "invalid_tag"],
    ["a 1 MiB Authorization header", () => code(() => api.checkAuthorization(`Bearer ${mib}`, { bearer: "t" })), "malformed_authorization"],
    ["10^4 allowlist entries", () => code(() => api.isAllowedSource("1.2.3.4", Array(10_000).fill("10.0.0.0/8"))), "too_many_sources"],
    ["a 1 MiB address", () => code(() => api.isAllowedSource(mib)), false],
    ["10^4 event-type patterns", () => code(() => new api.EventTypeFilter(Array(10_000).fill("a.*"))), "too_many_event_types"],
    [
      "still verifies Codat's example afterwards",
      () =>
        code(() =>
          wh.verifySignature('{"test": 2432232314}', headers("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), { now: 1614265330 }),
        ),
      undefined,
    ],
  ];
}

export function runVectors(api, vectors) {
  let total = 0;
  const failures = [];
  for (const [name, run, want] of hostileCases(api)) {
    total++;
    try {
      same("result", run(), want);
    } catch (e) {
      failures.push(`hostile (${name}): ${e.message}`);
    }
  }
  for (const file of VECTOR_FILES) {
    const doc = vectors[file];
    if (!doc) {
      failures.push(`${file}: missing`);
      continue;
    }
    for (const t of doc.tests) {
      total++;
      try {
        RUNNERS[file](api, t);
      } catch (e) {
        failures.push(`${file} tcId ${t.tcId} (${t.comment}): ${e.message}`);
      }
    }
  }
  return { total, failures };
}
