// A second, independent component host: jco transpiles dist/hookproof.component.wasm to
// JavaScript and Node runs a slice of the vector suite through it (signatures, v1a, HMAC,
// classification, Retry-After, events, guards, acceptance), with WIT's kebab-case error names
// mapped to the suite's snake_case codes and nothing else.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { root, transpile, wasmTools } from "./jco.mjs";

const out = join(root, "target/component-js");
let hp;
let decodersFixed;

const code = (tagOrName) => tagOrName.replaceAll("-", "_");
const vectors = (name) => JSON.parse(readFileSync(join(root, "tests/vectors", name), "utf8")).tests;
const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const body = (t) => (t.body !== undefined ? new TextEncoder().encode(t.body) : hex(t.bodyHex));

/** Calls a result-returning export: `{ ok }` or `{ err }`. jco throws the `err` value itself
 *  (or, in some versions, an Error carrying it as `payload`). */
function call(fn) {
  try {
    return { ok: fn() };
  } catch (e) {
    if (e instanceof Error && e.payload === undefined) throw e;
    return { err: e instanceof Error ? e.payload : e };
  }
}

before(async () => {
  const component = readFileSync(join(root, "dist/hookproof.component.wasm"));
  const wit = await wasmTools.componentWit(component);
  assert.doesNotMatch(wit, /^\s*import /m, "the component imports nothing");
  decodersFixed = await transpile(component, out);
  hp = await import(pathToFileURL(join(out, "hookproof.js")).href);
});

test("jco's glue gets the decoder fix (a leading U+FEFF is text, not a byte-order mark)", () => {
  // The pinned jco decodes every lifted string with `new TextDecoder()`; tests/component/jco.mjs
  // replaces it. When a jco upgrade makes this 0, the fix has landed upstream: drop it.
  assert.ok(decodersFixed >= 1, "the transpiled glue has no default TextDecoder left to fix");
});

function failures(name, check) {
  const failed = [];
  const tests = vectors(name);
  for (const t of tests) {
    try {
      check(t);
    } catch (e) {
      failed.push(`${name} tcId ${t.tcId} (${t.comment}): ${e.message}`);
    }
  }
  return { failed, total: tests.length };
}

test("signature vectors through jco", () => {
  const { Verifier } = hp.signatures;
  const { failed, total } = failures("signature.json", (t) => {
    // The component's options are unsigned integers: a negative or fractional one cannot be given.
    if (t.op === "options") return;
    // The component's `text` key takes both kinds: unprefixed text states no kind.
    if (t.kindsStated !== undefined) t = { ...t, ...t.kindsStated };
    const secrets = t.secrets.map((s) => (typeof s === "string" ? { tag: "text", val: s } : { tag: "raw", val: hex(s.hex) }));
    const tolerance =
      t.tolerance === "ignore" ? { tag: "ignore" } : { tag: "seconds", val: BigInt(t.tolerance ?? 300) };
    const options = { tolerance, maxPayload: t.maxPayload === undefined ? undefined : BigInt(t.maxPayload) };
    const made = call(() => Verifier.create(secrets, options));
    const want = t.result === "valid" ? "valid" : t.error;
    if (made.err !== undefined) return assert.equal(code(made.err), want);
    const v = made.ok;
    if (t.op === "sign") return assert.equal(v.sign(t.id, BigInt(t.timestamp), body(t)), t.expected);
    const r = call(() => v.verify(t.headers, body(t), BigInt(t.now)));
    assert.equal(r.err === undefined ? "valid" : code(r.err.tag), want);
  });
  assert.deepEqual(failed, []);
  assert.ok(total > 100);
});

test("v1a (ed25519) vectors through jco", () => {
  const { Verifier } = hp.signatures;
  const key = (k) =>
    typeof k === "string"
      ? { tag: "text", val: k }
      : k.hex !== undefined
        ? { tag: "raw", val: hex(k.hex) }
        : k.publicKeyHex !== undefined
          ? { tag: "public-key", val: hex(k.publicKeyHex) }
          : { tag: "signing-key", val: hex(k.signingKeyHex) };
  const toHex = (bytes) => Buffer.from(bytes).toString("hex");
  const { failed, total } = failures("v1a.json", (t) => {
    const want = t.result === "valid" ? "valid" : t.error;
    if (t.op === "ed25519_verify") {
      const r = call(() => hp.signatures.ed25519Verify(hex(t.publicKeyHex), hex(t.msgHex), hex(t.sigHex)));
      return assert.equal(r.err !== undefined ? code(r.err) : r.ok ? "valid" : "invalid", t.error ?? t.result);
    }
    if (t.op === "ed25519_sign") {
      const r = call(() => hp.signatures.ed25519Sign(hex(t.signingKeyHex), hex(t.msgHex)));
      return r.err !== undefined ? assert.equal(code(r.err), want) : assert.equal(toHex(r.ok), t.expected);
    }
    const tolerance =
      t.tolerance === "ignore" ? { tag: "ignore" } : { tag: "seconds", val: BigInt(t.tolerance ?? 300) };
    const made = call(() => Verifier.create(t.keys.map(key), { tolerance }));
    if (made.err !== undefined) return assert.equal(code(made.err), want);
    const v = made.ok;
    if (t.op === "sign") {
      const r = call(() => v.trySign(t.id, BigInt(t.timestamp), body(t)));
      return r.err !== undefined ? assert.equal(code(r.err), want) : assert.equal(r.ok, t.expected);
    }
    const r = call(() => v.verify(t.headers, body(t), BigInt(t.now)));
    assert.equal(r.err === undefined ? "valid" : code(r.err.tag), want);
  });
  assert.deepEqual(failed, []);
  assert.ok(total > 250);
});

// The free functions: `verify-once` is `verifier.create([text(key)])` + `verify` with the default
// options, so every vector of that shape (one key as text, no tolerance, no payload bound) holds.
const onceShaped = (t) =>
  t.op === "verify" && t.tolerance === undefined && t.maxPayload === undefined &&
  (t.secrets ?? t.keys).length === 1 && typeof (t.secrets ?? t.keys)[0] === "string";

test("signature and v1a vectors through jco's verifyOnce", () => {
  let ran = 0;
  const failed = [];
  for (const name of ["signature.json", "v1a.json"]) {
    failed.push(...failures(name, (t) => {
      if (!onceShaped(t)) return;
      ran++;
      // The component reads key text with its kind stated, as `key.text` does.
      const stated = { ...t, ...t.kindsStated };
      const want = stated.result === "valid" ? "valid" : stated.error;
      const r = call(() => hp.signatures.verifyOnce((t.secrets ?? t.keys)[0], t.headers, body(t), BigInt(t.now)));
      if (r.err === undefined) {
        assert.equal("valid", want);
        // Header names match in ASCII case only (a KELVIN SIGN look-alike is another name).
        const ascii = (k) => k.replace(/[A-Z]/g, (c) => c.toLowerCase());
        const sent = (n) => t.headers.find(([k]) => ascii(k) === n)?.[1];
        return assert.equal(r.ok.id, sent("svix-id") ?? sent("webhook-id"));
      }
      assert.equal(code(r.err.tag === "secret" ? r.err.val : r.err.val.tag), want);
      if (t.header !== undefined) assert.equal(`webhook-${r.err.val.val}`, t.header);
    }).failed);
  }
  assert.deepEqual(failed, []);
  assert.ok(ran >= 150, `only ${ran} vectors have verify-once's shape`);
});

test("classification vectors through jco's classifyStatus", () => {
  let ran = 0;
  const { failed } = failures("classify.json", (t) => {
    if (typeof t.outcome !== "object" || t.headers !== undefined) return;
    ran++;
    assert.equal(hp.delivery.classifyStatus(t.policy, t.outcome.status), t.expected.classification);
  });
  assert.deepEqual(failed, []);
  assert.ok(ran >= 70, `only ${ran} vectors have classify-status's shape`);
});

test("RFC 4231 HMAC vectors through jco", () => {
  const { failed } = failures("hmac.json", (t) => {
    const tag = Buffer.from(hp.signatures.hmacSha256(hex(t.keyHex), hex(t.msgHex))).toString("hex");
    assert.equal(tag.slice(0, t.tagHex.length) === t.tagHex, t.result === "valid");
  });
  assert.deepEqual(failed, []);
});

test("classification vectors through jco", () => {
  const { failed } = failures("classify.json", (t) => {
    const outcome =
      typeof t.outcome === "string" ? { tag: t.outcome.replaceAll("_", "-") } : { tag: "status", val: t.outcome.status };
    const attempt = { outcome, retryAfter: t.headers?.["retry-after"], webhookDelivery: t.headers?.["webhook-delivery"] };
    assert.equal(hp.delivery.classify(t.policy, attempt), t.expected.classification);
    const d = hp.delivery.nextAttempt(t.policy, t.attempt, attempt, BigInt(t.now));
    const got =
      d.tag === "retry-at"
        ? { action: "retry", at: Number(d.val) }
        : d.tag === "give-up"
          ? { action: "give_up", reason: code(d.val) }
          : { action: code(d.tag) };
    assert.deepEqual(got, t.expected.decision);
  });
  assert.deepEqual(failed, []);
});

test("Retry-After and HTTP-date vectors through jco", () => {
  const { failed } = failures("retry_after.json", (t) => {
    const now = BigInt(t.now ?? 0);
    if (t.kind === "retry_after") {
      const got = hp.delivery.parseRetryAfter(t.value, now);
      assert.equal(got === undefined ? null : got.toString(), t.expected === null ? null : String(t.expected));
    } else if (t.kind === "http_date") {
      const got = hp.delivery.parseHttpDate(t.value, now);
      assert.equal(got === undefined ? null : Number(got), t.expected);
    } else {
      assert.equal(hp.delivery.formatHttpDate(BigInt(t.unix)), t.expected);
    }
  });
  assert.deepEqual(failed, []);
});

test("event vectors through jco", () => {
  const { failed } = failures("events.json", (t) => {
    const r = call(() => hp.routing.parseEvent(body(t)));
    if (t.result !== "valid") return assert.equal(code(r.err?.tag ?? "valid"), t.error);
    assert.equal(r.err, undefined);
    const e = r.ok;
    const tags = (pairs) => Object.fromEntries(pairs ?? []);
    const got =
      e.tag === "current"
        ? { kind: "current", id: e.val.id ?? null, eventType: e.val.eventType, generatedDate: e.val.generatedDate ?? null, companyId: e.val.company?.id ?? null, companyTags: tags(e.val.company?.tags) }
        : { kind: "legacy", eventType: e.val.ruleType, companyId: e.val.companyId ?? null, clientId: e.val.clientId ?? null, companyTags: {} };
    const sorted = (o) => JSON.stringify(o, Object.keys(o).sort());
    assert.equal(sorted(got), sorted(t.event));
    assert.deepEqual(got.companyTags, t.event.companyTags);
  });
  assert.deepEqual(failed, []);
});

test("guard vectors through jco", () => {
  const { failed } = failures("guards.json", (t) => {
    if (t.kind === "rate_limit") {
      const made = call(() => hp.guards.RateLimiter.create(t.perSecond, t.burst));
      if (t.error) return assert.equal(code(made.err), t.error);
      for (const [ms, want] of t.steps) {
        const d = made.ok.check(BigInt(ms));
        assert.deepEqual(d.tag === "allow" ? "allow" : Number(d.val), want);
      }
    } else if (t.kind === "source_limit") {
      const made = call(() => hp.guards.SourceLimiter.create(t.perSecond, t.burst, t.capacity));
      if (t.error) return assert.equal(code(made.err), t.error);
      for (const [source, ms, want] of t.steps) {
        const d = made.ok.check(source, BigInt(ms));
        assert.deepEqual(d.tag === "allow" ? "allow" : Number(d.val), want);
      }
    } else {
      const made = call(() => hp.guards.ReplayGuard.create(t.capacity, BigInt(t.ttl)));
      if (t.error) return assert.equal(code(made.err), t.error);
      for (const [id, now, want] of t.steps) {
        if (want === "forget") made.ok.forget(id);
        else assert.equal(made.ok.check(id, BigInt(now)), want);
      }
    }
  });
  assert.deepEqual(failed, []);
});

// ---------------------------------------------------------------------------------------------
// acceptance.json (two-phase acceptance), all of it, through the component's `acceptance`.

const acceptanceId = (v) => (typeof v === "string" ? v : v.repeat.repeat(v.times));
const entryIn = (e) => (e === null ? undefined : { tag: e.state === "in_flight" ? "in-flight" : "done", val: BigInt(e.deadline) });
const entryOut = (e) => (e === undefined || e === null ? null : { state: e.tag === "in-flight" ? "in_flight" : "done", deadline: Number(e.val) });
const opIn = (op, token) => (op === "begin" ? { tag: "begin" } : { tag: op, val: BigInt(token) });
function answerOut(a) {
  if (a.tag === "new") return { answer: "new", token: Number(a.val) };
  if (a.tag === "in-flight") return { answer: "in_flight", retryAfter: Number(a.val) };
  return { answer: code(a.tag) };
}

test("acceptance vectors through jco", () => {
  const { acceptance } = hp;
  const { failed, total } = failures("acceptance.json", (t) => {
    const config = { windowSeconds: BigInt(t.window ?? 0), leaseSeconds: BigInt(t.lease ?? 0) };
    if (t.kind === "key") {
      const r = call(() => acceptance.key(acceptanceId(t.id)));
      return assert.deepEqual(r.err !== undefined ? { error: code(r.err) } : { key: r.ok }, t.error ? { error: t.error } : { key: t.key });
    }
    if (t.kind === "transition") {
      const r = acceptance.transition(config, entryIn(t.entry), opIn(t.op, t.token), BigInt(t.now));
      return assert.deepEqual({ entry: entryOut(r.entry), answer: answerOut(r.answer) }, t.expected);
    }
    const made = call(() => acceptance.Guard.create(config, t.capacity ?? 120_000));
    if (t.kind === "config") return assert.equal(code(made.err), t.error);
    for (const [i, step] of t.steps.entries()) {
      const r = call(() => made.ok.apply(acceptanceId(step.id), opIn(step.op, step.token), BigInt(step.now)));
      assert.deepEqual(r.err !== undefined ? { error: code(r.err) } : answerOut(r.ok), step.expected, `step ${i + 1}`);
    }
  });
  assert.deepEqual(failed, []);
  assert.ok(total >= 130);
});

// ---------------------------------------------------------------------------------------------
// consumer.json (the request decision), all of it, through the component's `consumer`.

const num = (v) => (v === undefined || v === null ? undefined : BigInt(v));
const opt = (v) => (v === undefined || v === null ? undefined : v);
function settingsIn(s) {
  const a = s.authorization;
  return {
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
  };
}
const bigs = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v === undefined ? null : v]));
function stepOut(s) {
  switch (s.tag) {
    case "read-body":
      return { step: "read_body", ...bigs(s.val) };
    case "check-source":
      return { step: "check_source" };
    case "check-rate":
      return { step: "check_rate", waitMs: Number(s.val) };
    case "answer":
      return { step: "answer", ...bigs(s.val), body: JSON.parse(s.val.body), sender: s.val.sender };
    default:
      return { step: s.tag, ...bigs(s.val) };
  }
}
function feedIn(ex, f) {
  const now = BigInt(f.now ?? 0);
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
      const a = f.answer;
      const b = a.answer === "new" ? { tag: "new", val: BigInt(a.token) } : a.answer === "in_flight" ? { tag: "in-flight", val: BigInt(a.retryAfter) } : a.answer === "done" ? { tag: "done" } : { tag: a.error === "store_full" ? "store-full" : "store-unavailable" };
      return ex.begun(b, now);
    }
    case "delivered": {
      const r = f.result;
      const d = typeof r === "string" ? { tag: r } : r.inFlight !== undefined ? { tag: "in-flight", val: BigInt(r.inFlight) } : { tag: "backend", val: { status: r.backend, retryAfter: opt(r.retryAfter) } };
      return ex.delivered(d, now);
    }
  }
  throw new Error(`unknown feed ${f.feed}`);
}
const canon = (v) => (Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);

test("consumer vectors through jco", () => {
  const { consumer } = hp;
  const { failed, total } = failures("consumer.json", (t) => {
    const made = call(() => consumer.Consumer.create(settingsIn(t.settings)));
    if (t.error !== undefined) return assert.equal(code(made.err ?? "accepted"), t.error);
    assert.equal(made.err, undefined);
    const r = t.request;
    const [ex, first] = made.ok.start(BigInt(r.now), { method: r.method, source: opt(r.source), contentLength: num(r.contentLength) });
    const got = [stepOut(first)];
    for (const f of t.feeds) {
      const fed = call(() => feedIn(ex, f));
      got.push(fed.err !== undefined ? { error: code(fed.err) } : stepOut(fed.ok));
    }
    assert.deepEqual(canon(got), canon(t.expected));
  });
  assert.deepEqual(failed, []);
  assert.ok(total >= 100);
});
