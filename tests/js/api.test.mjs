// Every input form, the error contract, and memory, through the installed package.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { importInstalled, loadMain, requireInstalled } from "./load.mjs";

const api = await importInstalled();
const { Webhook, WebhookVerificationError, HookproofError } = api;

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const HEADERS = { "webhook-id": ID, "webhook-timestamp": String(TS), "webhook-signature": SIG };
const NOW = { now: TS };

test("Codat's documented example, through every payload form", () => {
  const wh = new Webhook(SECRET);
  const bytes = new TextEncoder().encode(BODY);
  const forms = {
    string: BODY,
    Buffer: Buffer.from(BODY),
    Uint8Array: bytes,
    ArrayBuffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    "Uint8Array view into a larger buffer": new Uint8Array([0, ...bytes, 0]).subarray(1, bytes.length + 1),
    DataView: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
  for (const [name, payload] of Object.entries(forms)) {
    assert.deepEqual(wh.verify(payload, HEADERS, NOW), { test: 2432232314 }, name);
    assert.equal(wh.verifySignature(payload, HEADERS, NOW), undefined, name);
    assert.deepEqual(wh.safeVerify(payload, HEADERS, NOW), { ok: true, id: ID, timestamp: TS }, name);
  }
});

test("every header form, in any case", () => {
  const wh = new Webhook(SECRET);
  const pairs = Object.entries(HEADERS).map(([k, v]) => [k.toUpperCase(), v]);
  const forms = {
    object: HEADERS,
    "object, mixed case": Object.fromEntries(pairs),
    "object, string[] values": Object.fromEntries(Object.entries(HEADERS).map(([k, v]) => [k, [v]])),
    Headers: new Headers(HEADERS),
    Map: new Map(pairs),
    pairs,
    "svix-* names": { "svix-id": ID, "svix-timestamp": String(TS), "svix-signature": SIG },
  };
  for (const [name, headers] of Object.entries(forms)) {
    assert.doesNotThrow(() => wh.verifySignature(BODY, headers, NOW), name);
  }
});

test("the clock: options.now as seconds or Date, and the system clock by default", () => {
  const wh = new Webhook(SECRET);
  assert.doesNotThrow(() => wh.verifySignature(BODY, HEADERS, { now: new Date((TS + 300) * 1000) }));
  assert.throws(() => wh.verifySignature(BODY, HEADERS, { now: TS + 301 }), { code: "timestamp_too_old" });
  assert.throws(() => wh.verifySignature(BODY, HEADERS), { code: "timestamp_too_old" });
  const fresh = Math.floor(Date.now() / 1000);
  const sig = wh.sign("msg_now", fresh, BODY);
  assert.doesNotThrow(() =>
    wh.verifySignature(BODY, { "webhook-id": "msg_now", "webhook-timestamp": String(fresh), "webhook-signature": sig }),
  );
  assert.doesNotThrow(() => new Webhook(SECRET, { toleranceInSeconds: Infinity }).verifySignature(BODY, HEADERS));
  assert.doesNotThrow(() => new Webhook(SECRET, { toleranceInSeconds: false }).verifySignature(BODY, HEADERS));
  assert.throws(() => new Webhook(SECRET, { toleranceInSeconds: 10 }).verifySignature(BODY, HEADERS, { now: TS + 11 }), {
    code: "timestamp_too_old",
  });
  // Milliseconds where seconds are expected are named as such, by the core, on every path.
  const ms = { now: TS * 1000 };
  assert.throws(() => wh.verifySignature(BODY, HEADERS, ms), { code: "invalid_now", message: /milliseconds/ });
  assert.throws(() => wh.verify(BODY, HEADERS, ms), { code: "invalid_now" });
  assert.equal(wh.safeVerify(BODY, HEADERS, ms).code, "invalid_now");
  assert.equal(wh.safeVerify(BODY, HEADERS, { now: new Date(TS * 1000) }).ok, true);
  const large = "x".repeat(64 * 1024); // the host-HMAC path
  assert.equal(wh.safeVerify(large, HEADERS, ms).code, "invalid_now");
});

test("errors are classes with stable codes and helpful messages", () => {
  const wh = new Webhook(SECRET);
  try {
    wh.verify("{}", HEADERS, NOW);
    assert.fail("verified a tampered body");
  } catch (e) {
    assert.ok(e instanceof WebhookVerificationError);
    assert.ok(e instanceof HookproofError);
    assert.ok(e instanceof Error);
    assert.equal(e.code, "no_matching_signature");
    assert.equal(e.name, "WebhookVerificationError");
    assert.match(e.message, /raw request body/);
    assert.doesNotMatch(e.message, /MfKQ9r8G/);
  }
  assert.throws(() => wh.verify(BODY, { "webhook-id": ID }, NOW), { code: "missing_header", message: /webhook-timestamp/ });
  assert.throws(() => new Webhook("whsec_!!!"), (e) => e instanceof WebhookVerificationError && e.code === "invalid_secret");
  assert.throws(() => new Webhook(""), { code: "invalid_secret" });
  assert.throws(() => new Webhook(42), { code: "invalid_secret" });
  assert.throws(() => wh.verify({ test: 2432232314 }, HEADERS, NOW), { code: "invalid_payload_type", message: /raw request body/ });
  assert.deepEqual(wh.safeVerify({ parsed: true }, HEADERS, NOW).code, "invalid_payload_type");
  assert.deepEqual(wh.safeVerify(BODY, null, NOW), {
    ok: false,
    code: "missing_header",
    message: "missing header webhook-id (or svix-id); pass the request's headers unchanged",
  });
});

test("verify parses JSON; an empty body is undefined; a non-JSON body is invalid_payload", () => {
  const wh = new Webhook(SECRET);
  const signed = (body) => ({ "webhook-id": "m", "webhook-timestamp": String(TS), "webhook-signature": wh.sign("m", TS, body) });
  assert.equal(wh.verify("", signed(""), NOW), undefined);
  assert.throws(() => wh.verify("not json", signed("not json"), NOW), { code: "invalid_payload" });
  assert.equal(wh.verifySignature("not json", signed("not json"), NOW), undefined);
  assert.deepEqual(wh.verify('["é"]', signed('["é"]'), NOW), ["é"]);
});

test("secrets: rotation arrays, raw bytes, { format: 'raw' }", () => {
  const other = "whsec_dGhlIHNlY29uZCBzZWNyZXQgZm9yIHJvdGF0aW9u";
  assert.doesNotThrow(() => new Webhook([other, SECRET]).verifySignature(BODY, HEADERS, NOW));
  assert.throws(() => new Webhook([other]).verifySignature(BODY, HEADERS, NOW), { code: "no_matching_signature" });
  const key = Buffer.from(SECRET.slice(6), "base64");
  const RAW = { format: "raw" };
  assert.doesNotThrow(() => new Webhook(new Uint8Array(key), RAW).verifySignature(BODY, HEADERS, NOW));
  assert.doesNotThrow(() => new Webhook(key.buffer.slice(key.byteOffset, key.byteOffset + key.length), RAW).verifySignature(BODY, HEADERS, NOW));
  const raw = new Webhook("plain-text-key", RAW);
  const same = new Webhook(new TextEncoder().encode("plain-text-key"), RAW);
  assert.equal(raw.sign("m", TS, BODY), same.sign("m", TS, BODY));
});

// The public key of RFC 8032 §7.1 TEST 1, and v1 signed with its bytes as an HMAC key: what
// anyone holding the public key could send if it were taken for a secret.
const PUBLIC = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex");
const FORGED = {
  "webhook-id": ID,
  "webhook-timestamp": String(TS),
  "webhook-signature": `v1,${createHmac("sha256", PUBLIC).update(`${ID}.${TS}.${BODY}`).digest("base64")}`,
};

test("key kinds: bytes are a secret only with { format: 'raw' }, on every entry", async () => {
  const main = (await loadMain("esm")).Webhook;
  for (const Class of [main, Webhook]) {
    for (const bytes of [new Uint8Array(PUBLIC), PUBLIC.buffer.slice(PUBLIC.byteOffset, PUBLIC.byteOffset + 32), [new Uint8Array(PUBLIC)]]) {
      assert.throws(() => new Class(bytes), { code: "ambiguous_key", message: /format: "raw"/ });
    }
    // Stated: a raw HMAC secret (and the forgery is then, rightly, a valid v1 for that secret).
    assert.doesNotThrow(() => new Class(PUBLIC, { format: "raw" }).verifySignature(BODY, FORGED, NOW));
  }
  // hookproof/v1a: the public key stated as such refuses the forgery.
  assert.throws(() => new Webhook({ publicKey: PUBLIC }).verifySignature(BODY, FORGED, NOW), { code: "no_matching_signature" });
});

test("key kinds: hookproof/v1a refuses unprefixed text; the main entry keeps svix's reading", async () => {
  const main = (await loadMain("esm")).Webhook;
  const bare = PUBLIC.toString("base64");
  // hookproof/v1a's Webhook takes both kinds: text must carry its prefix.
  for (const text of [bare, SECRET.slice(6), ` ${SECRET}`, [SECRET, bare]]) {
    assert.throws(() => new Webhook(text), { code: "ambiguous_key" }, String(text));
  }
  assert.throws(() => new Webhook(`whpk_${bare}`).verifySignature(BODY, FORGED, NOW), { code: "no_matching_signature" });
  assert.doesNotThrow(() => new Webhook(SECRET).verifySignature(BODY, HEADERS, NOW));
  assert.ok(new Webhook(SECRET) instanceof main);
  // The main entry is svix's HMAC-only Webhook: bare base64 is a secret, as svix reads it
  // (which is why a public key must keep its whpk_ there).
  assert.doesNotThrow(() => new main(SECRET.slice(6)).verifySignature(BODY, HEADERS, NOW));
  assert.doesNotThrow(() => new main(bare).verifySignature(BODY, FORGED, NOW));
  assert.throws(() => new main(`whpk_${bare}`).verifySignature(BODY, FORGED, NOW), { code: "no_matching_signature" });
});

test("numeric options: whole numbers or a typed error, never a check switched off", () => {
  for (const Class of [Webhook]) {
    for (const toleranceInSeconds of [-1, -300, 0.5, Number.NaN, -Infinity, 2 ** 53, "300", {}, true]) {
      assert.throws(() => new Class(SECRET, { toleranceInSeconds }), { code: "invalid_tolerance" }, String(toleranceInSeconds));
    }
    for (const maxPayloadBytes of [-1, 1.5, Number.NaN, Infinity, 2 ** 53, "10", true]) {
      assert.throws(() => new Class(SECRET, { maxPayloadBytes }), { code: "invalid_max_payload" }, String(maxPayloadBytes));
    }
  }
  // Explicit: no window (Infinity or false), the default (absent or null), no limit (absent or null).
  assert.doesNotThrow(() => new Webhook(SECRET, { toleranceInSeconds: undefined, maxPayloadBytes: null }).verifySignature(BODY, HEADERS, NOW));
  assert.throws(() => new Webhook(SECRET, { maxPayloadBytes: 0 }).verifySignature(BODY, HEADERS, NOW), { code: "payload_too_large" });
  // The other numeric options: typed errors from the core, no truncation or coercion.
  for (const ttlSeconds of [0, -1, 1.5, Number.NaN, "600", Infinity]) {
    assert.throws(() => new api.ReplayGuard({ ttlSeconds }), { code: "invalid_capacity" }, String(ttlSeconds));
  }
  for (const perSecond of [0, -1, 1.5, Number.NaN, "10"]) {
    assert.throws(() => new api.RateLimiter({ perSecond }), { code: "invalid_rate" }, String(perSecond));
  }
  for (const leaseSeconds of [0, -1, 1.5, Number.NaN, "60"]) {
    assert.throws(() => new api.AcceptanceGuard({ leaseSeconds }), { code: "invalid_config" }, String(leaseSeconds));
  }
});

test("checkAuthorization: a missing credential is an error, never the string 'null'", () => {
  const header = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  for (const [expected, sent] of [
    [{ basic: {} }, "Basic Og=="],
    [{ basic: { username: "codat" } }, header("codat", "")],
    [{ basic: { username: "codat", password: undefined } }, header("codat", "undefined")],
    [{ basic: { username: "codat", password: null } }, header("codat", "null")],
    [{ basic: { username: null, password: "pw" } }, header("null", "pw")],
    [{ bearer: null }, "Bearer null"],
    [{ bearer: undefined }, "Bearer undefined"],
    [{ bearer: "" }, "Bearer x"],
    [{}, "Bearer x"],
    [null, "Bearer x"],
    [undefined, "Bearer x"],
  ]) {
    assert.equal(api.checkAuthorization(sent, expected).code, "invalid_credentials", JSON.stringify(expected));
  }
  assert.deepEqual(api.checkAuthorization(header("codat", "pw"), { basic: { username: "codat", password: "pw" } }), { ok: true });
  // The same for the expected client id: a missing one matches nothing.
  for (const expected of [undefined, null]) {
    assert.equal(api.checkClientId(expected, String(expected)).code, "client_id_mismatch", String(expected));
  }
});

test("maxPayloadBytes counts UTF-8 bytes on both hashing paths, at every side of the limit", () => {
  // The longer bodies are past the length where the package hashes with node:crypto (1536 units);
  // é is two bytes, € three, so a string's length, its byte count and three times its length
  // all differ: limits between them need the exact count, limits outside them do not.
  for (const unit of ["é", "€", "x"]) {
    const text = JSON.stringify({ s: unit.repeat(3000) });
    for (const body of [text, text.slice(0, 600)]) {
      const n = new TextEncoder().encode(body).length;
      const headers = { "webhook-id": ID, "webhook-timestamp": String(TS), "webhook-signature": new Webhook(SECRET).sign(ID, TS, body) };
      for (const max of [n, n - 1, body.length, body.length - 1, 3 * body.length, 3 * body.length - 1, 0]) {
        const want = n > max ? "payload_too_large" : "ok";
        const r = new Webhook(SECRET, { maxPayloadBytes: max }).safeVerify(body, headers, NOW);
        assert.equal(r.ok ? "ok" : r.code, want, `${unit} × ${body.length} (${n} bytes), max ${max}`);
      }
      // Not a whole number of bytes: refused when the verifier is made (these once meant "no
      // limit", or a limit rounded down).
      for (const max of [-1, 1.5, NaN, Infinity]) {
        assert.throws(() => new Webhook(SECRET, { maxPayloadBytes: max }), { code: "invalid_max_payload" }, `max ${max}`);
      }
    }
    assert.ok(text.length > 1536);
  }
});

test("sign: Date or seconds, any bytes", () => {
  const wh = new Webhook(SECRET);
  assert.equal(wh.sign(ID, TS, BODY), SIG);
  assert.equal(wh.sign(ID, new Date(TS * 1000), BODY), SIG);
  assert.equal(wh.sign(ID, TS, new TextEncoder().encode(BODY)), SIG);
  const binary = new Uint8Array([0xff, 0x00, 0xfe]);
  const sig = wh.sign("b", TS, binary);
  assert.doesNotThrow(() => wh.verifySignature(binary, { "webhook-id": "b", "webhook-timestamp": String(TS), "webhook-signature": sig }, NOW));
  assert.throws(() => wh.sign(ID, "yesterday", BODY), { code: "invalid_argument" });
});

test("classification, Retry-After, routing helpers", () => {
  assert.equal(api.classifyResponse(301, { policy: "legacy" }), "redirect");
  assert.equal(api.classifyResponse(301, { policy: "current" }), "retry");
  assert.equal(api.classifyResponse(null, { policy: "legacy" }), "retry");
  assert.equal(api.classifyResponse(500, { policy: "current", headers: new Headers({ "webhook-delivery": "disable" }) }), "failed");
  assert.throws(() => api.classifyResponse(200, { policy: "nope" }), { code: "invalid_policy" });
  assert.throws(() => api.classifyResponse(-5), { code: "invalid_argument" });
  assert.deepEqual(api.nextAttempt({ policy: "legacy", attempt: 1, status: 429, headers: { "Retry-After": "120" }, now: 1000 }), {
    classification: "retry",
    action: "retry",
    at: 1120,
  });
  assert.equal(api.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", new Date(Date.UTC(2015, 9, 21, 7, 27))), 60);
  assert.equal(api.parseRetryAfter("soon"), null);
  assert.equal(api.formatHttpDate(new Date(Date.UTC(2015, 9, 21, 7, 28))), "Wed, 21 Oct 2015 07:28:00 GMT");
  const tags = new api.TagFilter("region:us, service:t2k");
  assert.equal(tags.matches({ region: "us", service: "minerva" }), true);
  assert.equal(tags.matches(["region:uk"]), false);
  assert.throws(() => new api.TagFilter(["a:b", "nocolon"]), { code: "invalid_tag", index: 1 });
  const event = { eventType: "read.completed", payload: { referenceCompany: { id: "c", tags: { region: "us" } } } };
  assert.equal(tags.matchesEvent(event), true);
  assert.equal(tags.matchesEvent(JSON.stringify(event)), true);
  assert.equal(api.parseEvent(JSON.stringify(event)).company.id, "c");
  assert.throws(() => api.parseEvent("nope"), { code: "invalid_payload" });
  assert.equal(new api.EventTypeFilter("read.*").matches("read.completed"), true);
  assert.equal(api.checkAuthorization("Bearer t", { bearer: "t" }).ok, true);
  assert.equal(api.checkAuthorization("Bearer x", { bearer: "t" }).code, "authorization_mismatch");
  assert.equal(api.checkClientId("A", "a").ok, true);
  assert.equal(api.isAllowedSource("4.159.114.108"), true);
  assert.equal(api.isAllowedSource("not an ip"), false);
  assert.throws(() => api.isAllowedSource("1.2.3.4", ["bad"]), { code: "invalid_source", index: 0 });
});

/** The field names of a WIT record in wit/routing.wit, camelCased as jco and serde write them. */
function witFields(record) {
  const wit = readFileSync(new URL("../../wit/routing.wit", import.meta.url), "utf8");
  const body = wit.match(new RegExp(`record ${record} \\{([^}]*)\\}`))[1];
  return [...body.matchAll(/^\s*([a-z-]+):/gm)].map(([, name]) => name.replace(/-(\w)/g, (_, c) => c.toUpperCase()));
}

test("one event shape: the package's event has the WIT records' fields, tagged by kind", () => {
  const current = api.parseEvent(JSON.stringify({ id: "e", eventType: "read.completed", payload: { referenceCompany: { id: "c", name: "n", tags: { a: "b" } } } }));
  assert.deepEqual(Object.keys(current), ["kind", ...witFields("current-event")]);
  assert.deepEqual(Object.keys(current.company), witFields("company"));
  assert.equal(current.kind, "current");
  assert.deepEqual(current.company.tags, [["a", "b"]]);
  assert.deepEqual(JSON.parse(current.payload), { referenceCompany: { id: "c", name: "n", tags: { a: "b" } } });
  const legacy = api.parseEvent(JSON.stringify({ RuleType: "Sync Completed", CompanyId: "c" }));
  assert.deepEqual(Object.keys(legacy), ["kind", ...witFields("legacy-event")]);
  assert.equal(legacy.data, null);
});

test("the Codat module throws HookproofErrors it builds itself, and refuses a malformed entry", () => {
  let thrown;
  try {
    new api.TagFilter(["a:b", "nocolon"]);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof HookproofError && thrown instanceof Error);
  assert.equal(thrown.name, "HookproofError");
  assert.equal(thrown.code, "invalid_tag");
  assert.equal(thrown.index, 1);
  assert.match(thrown.stack, /^HookproofError: /);
  assert.equal("index" in (() => { try { api.parseEvent("nope"); } catch (e) { return e; } })(), false);
  const ok = { token: 0, now: 10, windowSeconds: 3600, leaseSeconds: 60 };
  assert.deepEqual(api.acceptanceTransition(null, "begin", ok), { entry: { state: "in_flight", deadline: 70 }, answer: { answer: "new", token: 70 } });
  for (const entry of [{ state: "x", deadline: 1 }, { state: "done", deadline: 1.5 }, { state: "done", deadline: 2 ** 60 }, { state: "done" }, {}, "done", 7]) {
    assert.throws(() => api.acceptanceTransition(entry, "begin", ok), { code: "invalid_argument" }, JSON.stringify(entry));
  }
  assert.throws(() => api.acceptanceTransition(null, "add", ok), { code: "invalid_argument" });
  assert.deepEqual(new api.RateLimiter({ perSecond: 1 }).check(1), { allowed: true });
  assert.equal(new api.ReplayGuard().check("a", 1), "new");
});

test("CommonJS and ESM builds agree", () => {
  const cjs = requireInstalled();
  assert.equal(new cjs.Webhook(SECRET).sign(ID, TS, BODY), SIG);
});

test("10^6 verifies leave wasm memory bounded", () => {
  const wh = new Webhook(SECRET);
  const body = "x".repeat(1024);
  const headers = { "webhook-id": "m", "webhook-timestamp": String(TS), "webhook-signature": wh.sign("m", TS, body) };
  const bytes = new TextEncoder().encode(body);
  for (let i = 0; i < 1000; i++) wh.verifySignature(body, headers, NOW);
  const before = api.wasmMemoryBytes();
  for (let i = 0; i < 500_000; i++) {
    wh.verifySignature(body, headers, NOW);
    wh.verifySignature(bytes, headers, NOW);
  }
  for (let i = 0; i < 10_000; i++) wh.safeVerify("tampered", headers, NOW);
  const after = api.wasmMemoryBytes();
  console.log(`# wasm memory: ${before} bytes before, ${after} after 10^6 verifies`);
  assert.ok(before > 0);
  assert.equal(after, before);
});
