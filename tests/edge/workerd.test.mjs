// workerd, through the npm `miniflare` package (it ships the workerd binary): the vector suite
// inside the runtime, and the example Codat consumer driven over HTTP on 127.0.0.1 with a
// Queue whose consumer records exactly what was enqueued. Every Miniflare is disposed, also
// when a test fails.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Miniflare } from "miniflare";
import { Webhook as SvixWebhook } from "svix";
import { bundleWorker, root } from "./bundle.mjs";

const COMPATIBILITY_DATE = "2026-04-01";
const modulesRules = [{ type: "CompiledWasm", include: ["**/*.wasm"] }];
const out = join(root, "target/edge/workerd");
const running = new Set();

async function start(options) {
  const mf = new Miniflare({ host: "127.0.0.1", port: 0, ...options });
  running.add(mf);
  const url = await mf.ready;
  assert.equal(url.hostname, "127.0.0.1");
  return { mf, url };
}

after(async () => {
  await Promise.all([...running].map((mf) => mf.dispose()));
});

test("the vector suite runs green inside workerd", async () => {
  const scriptPath = await bundleWorker(join(root, "tests/edge/vectors-entry.mjs"), join(out, "vectors"));
  const { url } = await start({ modules: true, scriptPath, modulesRules, compatibilityDate: COMPATIBILITY_DATE });
  const result = await (await fetch(url)).json();
  assert.deepEqual(result.failures, []);
  // It ran the package's workerd entry: the .wasm imported as a module, no Node APIs.
  const bundle = readFileSync(scriptPath, "utf8");
  assert.match(bundle, /from "\.\/webhook\.wasm"/);
  assert.match(bundle, /from "\.\/codat\.wasm"/);
  assert.doesNotMatch(bundle, /node:fs/);
  assert.ok(result.total >= 400, `only ${result.total}`);
});

// ---------------------------------------------------------------------------------------------
// The example worker

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const svix = new SvixWebhook(SECRET);
let scriptPath;
let sequence = 0;

function codatEvent({ eventType = "read.completed", tags = { region: "us" }, companyId = "0498e921-9b53-4396-a412-4f2f5983b0a2" } = {}) {
  sequence++;
  return JSON.stringify({
    id: `743ec94a-8aa4-44bb-8bd4-${String(sequence).padStart(12, "0")}`,
    eventType,
    generatedDate: new Date().toISOString(),
    payload: { referenceCompany: { id: companyId, name: "Toft stores", tags }, dataType: "invoices" },
  });
}

/** Headers as Codat (Svix) sends them, signed by the real svix package. */
function signed(body, { id = `msg_${sequence}_${Math.random().toString(36).slice(2)}`, at = Date.now() / 1000 } = {}) {
  const ts = Math.floor(at);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": svix.sign(id, new Date(ts * 1000), body),
  };
}

const sink = `
  const seen = [];
  export default {
    async queue(batch) { for (const m of batch.messages) { seen.push(m.body); m.ack(); } },
    fetch() { return Response.json(seen); },
  };`;

async function consumer(bindings) {
  const { mf, url } = await start({
    workers: [
      {
        name: "consumer",
        modules: true,
        scriptPath,
        modulesRules,
        compatibilityDate: COMPATIBILITY_DATE,
        bindings,
        queueProducers: { EVENTS: "codat-events" },
        durableObjects: { STATE: { className: "HookproofState", useSQLite: true } },
      },
      {
        name: "sink",
        modules: true,
        script: sink,
        compatibilityDate: COMPATIBILITY_DATE,
        queueConsumers: { "codat-events": { maxBatchSize: 1, maxBatchTimeout: 0 } },
      },
    ],
  });
  const post = async (body, headers = {}, method = "POST") => {
    const res = await fetch(url, { method, body: method === "POST" ? body : undefined, headers });
    return { status: res.status, headers: res.headers, json: await res.json() };
  };
  /** The queue's messages, once `count` have arrived (or what arrived within 10 s). */
  const queued = async (count) => {
    const worker = await mf.getWorker("sink");
    for (let i = 0; i < 200; i++) {
      const seen = await (await worker.fetch("http://sink/")).json();
      if (seen.length >= count) return seen;
      await new Promise((r) => setTimeout(r, 50));
    }
    return (await worker.fetch("http://sink/")).json();
  };
  const snapshot = async () => (await (await mf.getWorker("sink")).fetch("http://sink/")).json();
  return { post, queued, snapshot, url };
}

describe("the example Cloudflare worker", () => {
  before(async () => {
    scriptPath = await bundleWorker(join(root, "examples/cloudflare-worker/src/index.js"), join(out, "example"));
  });

  test("verifies, filters, de-duplicates, and queues exactly the accepted events", async () => {
    const { post, queued, snapshot } = await consumer({
      WEBHOOK_SECRETS: `whsec_dGhlIG9sZCBzZWNyZXQ= ${SECRET}`,
      EVENT_TYPES: "read.completed, connection.*",
      COMPANY_TAGS: "region:us, service:t2k",
      MAX_BODY_BYTES: "4096",
    });
    const accepted = [];

    const good = codatEvent();
    const goodHeaders = signed(good);
    let r = await post(good, goodHeaders);
    assert.equal(r.status, 202, JSON.stringify(r.json));
    assert.equal(r.json.status, "accepted");
    accepted.push(JSON.parse(good).id);

    r = await post(good, goodHeaders);
    assert.deepEqual([r.status, r.json.status], [200, "duplicate"], "a redelivery is acknowledged, not queued");

    const other = codatEvent({ eventType: "connection.connected", tags: { service: "t2k", region: "uk" } });
    r = await post(other, signed(other));
    assert.equal(r.status, 202);
    accepted.push(JSON.parse(other).id);

    const tampered = codatEvent();
    r = await post(tampered.replace("invoices", "bills"), signed(tampered));
    assert.deepEqual([r.status, r.json.code], [401, "no_matching_signature"]);

    const old = codatEvent();
    r = await post(old, signed(old, { at: Date.now() / 1000 - 301 }));
    assert.deepEqual([r.status, r.json.code], [401, "timestamp_too_old"]);

    r = await post(good, { "content-type": "application/json" });
    assert.deepEqual([r.status, r.json.code], [401, "missing_header"]);

    const wrongType = codatEvent({ eventType: "client.rateLimit.reached" });
    r = await post(wrongType, signed(wrongType));
    assert.deepEqual([r.status, r.json.status, r.json.reason], [200, "ignored", "event_type"]);

    const elsewhere = codatEvent({ tags: { region: "uk" } });
    r = await post(elsewhere, signed(elsewhere));
    assert.deepEqual([r.status, r.json.status, r.json.reason], [200, "ignored", "company_tags"]);

    const garbage = "this is not JSON";
    r = await post(garbage, signed(garbage));
    assert.deepEqual([r.status, r.json.code], [400, "invalid_payload"]);

    const huge = JSON.stringify({ eventType: "read.completed", pad: "x".repeat(5000) });
    r = await post(huge, signed(huge));
    assert.equal(r.status, 413);

    r = await post(undefined, {}, "GET");
    assert.equal(r.status, 405);

    const seen = await queued(accepted.length);
    assert.deepEqual(seen.map((m) => m.id === null ? null : JSON.parse(m.body).id), accepted);
    assert.deepEqual(seen.map((m) => m.eventType), ["read.completed", "connection.connected"]);
    // Give a late duplicate time to show up before declaring the queue exact.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await snapshot()).length, accepted.length);
  });

  test("sheds load with 429 + Retry-After, then accepts again", async () => {
    const { post, queued } = await consumer({ WEBHOOK_SECRETS: SECRET, RATE_LIMIT_PER_SECOND: "1", RATE_LIMIT_BURST: "2" });
    // 20 at once against 1/s with bursts of 2: at most 2 + one per second elapsed get through,
    // however slow the machine, and the rest are told when to come back.
    const bodies = Array.from({ length: 20 }, () => codatEvent());
    const started = Date.now();
    const results = await Promise.all(bodies.map((body) => post(body, signed(body))));
    const elapsed = Math.ceil((Date.now() - started) / 1000);
    const allowed = results.filter((r) => r.status === 202).length;
    const limited = results.filter((r) => r.status === 429);
    assert.equal(allowed + limited.length, bodies.length, JSON.stringify(results.map((r) => r.status)));
    assert.ok(allowed >= 2 && allowed <= 2 + elapsed, `${allowed} allowed in ${elapsed} s`);
    const retryAfter = Math.max(...limited.map((r) => Number(r.headers.get("retry-after"))));
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    const again = bodies[results.findIndex((r) => r.status === 429)];
    assert.equal((await post(again, signed(again))).status, 202);
    assert.equal((await queued(allowed + 1)).length, allowed + 1);
  });

  test("legacy webhooks: Authorization and X-Codat-ClientId", async () => {
    const { post, queued } = await consumer({
      LEGACY_BEARER_TOKEN: "tok_2f9c1e0b7a4d",
      CODAT_CLIENT_ID: "bae71d36-ff47-420a-b4a6-f8c9ddf41140",
    });
    const legacy = JSON.stringify({
      RuleType: "DataConnectionStatusChanged",
      CompanyId: "0498e921-9b53-4396-a412-4f2f5983b0a2",
      ClientId: "bae71d36-ff47-420a-b4a6-f8c9ddf41140",
      AlertId: "a9367074-b5c3-42c4-9be4-be129f43577e",
      Message: "Data connection for SandBox status changed from PendingAuth to Linked",
      Data: { newStatus: "Linked", oldStatus: "PendingAuth" },
    });
    const headers = { authorization: "Bearer tok_2f9c1e0b7a4d", "x-codat-clientid": "BAE71D36-FF47-420A-B4A6-F8C9DDF41140" };
    let r = await post(legacy, headers);
    assert.equal(r.status, 202, JSON.stringify(r.json));
    r = await post(legacy, { ...headers, authorization: "Bearer wrong" });
    assert.deepEqual([r.status, r.json.code], [401, "authorization_mismatch"]);
    r = await post(legacy, { ...headers, authorization: "Basic Y29kYXQ6cGFzcw==" });
    assert.deepEqual([r.status, r.json.code], [401, "wrong_scheme"]);
    r = await post(legacy, { authorization: headers.authorization, "x-codat-clientid": "0c5c2b3a-1111-4a52-9b0e-0c9e3a7d7a11" });
    assert.deepEqual([r.status, r.json.status], [200, "ignored"]);
    r = await post(legacy, headers);
    assert.deepEqual([r.status, r.json.status], [200, "duplicate"]);
    const seen = await queued(1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].eventType, "DataConnectionStatusChanged");
  });

  test("a Basic user without a password is a configuration error, not an open door", async () => {
    // Once the password was read as "" and `Authorization: Basic codat:` (forged) was queued.
    const { url, snapshot } = await consumer({ LEGACY_BASIC_USER: "codat" });
    const legacy = JSON.stringify({ RuleType: "DataConnectionStatusChanged", CompanyId: "0498e921-9b53-4396-a412-4f2f5983b0a2", ClientId: "bae71d36-ff47-420a-b4a6-f8c9ddf41140" });
    for (const authorization of ["Basic Y29kYXQ6", "Basic Og=="]) {
      const res = await fetch(url, { method: "POST", body: legacy, headers: { authorization } });
      await res.arrayBuffer();
      assert.equal(res.status, 500, authorization);
    }
    assert.deepEqual(await snapshot(), []);
  });
});
