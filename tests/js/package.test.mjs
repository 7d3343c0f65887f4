// The vector suite through the packed tarball, installed into CommonJS and ESM projects.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { projects } from "./install.mjs";
import { importInstalled, loadMain, loadVectors, requireInstalled } from "./load.mjs";
import { hostileCases, runVectors } from "./suite.mjs";

const vectors = loadVectors();
const expectedTotal = Object.values(vectors).reduce((n, doc) => n + doc.tests.length, 0);

for (const [name, load] of [
  ["require (CommonJS)", async () => requireInstalled()],
  ["import (ESM)", importInstalled],
]) {
  test(`vector suite via ${name}`, async () => {
    const api = await load();
    const { total, failures } = runVectors(api, vectors);
    assert.deepEqual(failures, []);
    assert.equal(total, expectedTotal + hostileCases(api).length);
    assert.ok(total >= 390, `only ${total} vectors`);
  });
}

test("the tarball ships only what users need and has no runtime dependencies", () => {
  const pkg = JSON.parse(readFileSync(join(projects.esm, "node_modules/hookproof/package.json"), "utf8"));
  assert.equal(pkg.dependencies, undefined);
  // Every condition carries its own declarations, first (TypeScript and publint read them so).
  for (const entry of [".", "./codat", "./v1a"]) {
    for (const target of Object.values(pkg.exports[entry])) assert.equal(Object.keys(target)[0], "types");
  }
  // Entry points install their wasm module when evaluated; only the shared internals are pure.
  assert.ok(!pkg.sideEffects.some((glob) => glob.includes("internal")));
  const lock = JSON.parse(readFileSync(join(projects.esm, "package-lock.json"), "utf8"));
  assert.deepEqual(Object.keys(lock.packages).filter((p) => p), ["node_modules/hookproof"]);
});

test("require and import share one instance: the same classes, whichever entry loaded them", async () => {
  // Both from the ESM project's install (the CommonJS project has its own copy).
  const cjs = createRequire(join(projects.esm, "package.json"))("hookproof/codat");
  const esm = await importInstalled();
  assert.equal(typeof cjs.Webhook, "function");
  // (the ESM entry takes hookproof/v1a's Webhook, a subclass of the main entry's)
  const v1aWebhook = createRequire(join(projects.esm, "package.json"))("hookproof/v1a").Webhook;
  assert.equal(esm.Webhook, v1aWebhook);
  assert.equal(Object.getPrototypeOf(esm.Webhook), cjs.Webhook);
  assert.equal(esm.WebhookVerificationError, cjs.WebhookVerificationError);
  // (the ESM entry adds hookproof/v1a's two primitives to hookproof/codat's names)
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).filter((n) => !n.startsWith("ed25519")).sort());
  const main = await loadMain("esm");
  assert.equal(main.Webhook, cjs.Webhook);
  assert.equal((await import(join(projects.esm, "node_modules/hookproof/dist/v1a.mjs"))).Webhook, esm.Webhook);
  assert.equal(createRequire(join(projects.esm, "package.json"))("hookproof").HookproofError, cjs.HookproofError);
  // The two formats are separate files (the ES module is not a wrapper over the CommonJS one);
  // every export, not only the shared internals, is the first-loaded copy's.
  for (const name of ["TagFilter", "AcceptanceGuard", "classifyResponse", "parseEvent"]) assert.equal(esm[name], cjs[name], name);
  const v1a = createRequire(join(projects.esm, "package.json"))("hookproof/v1a");
  assert.equal(esm.ed25519Verify, v1a.ed25519Verify);
});

test("the import entry is a plain ES module: Node loads no CommonJS file for it", () => {
  const dist = join(projects.esm, "node_modules/hookproof/dist");
  const script = `await import("hookproof"); const { createRequire } = await import("node:module");
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes("hookproof"))));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: projects.esm, encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
  assert.doesNotMatch(readFileSync(join(dist, "index.mjs"), "utf8"), /\.cjs["']/);
});

test("the shipped wasm names no build machine's paths", () => {
  const dist = join(projects.esm, "node_modules/hookproof/dist");
  for (const name of ["webhook", "webhook-v1a", "codat"]) {
    const text = readFileSync(join(dist, `${name}.wasm`), "latin1");
    assert.doesNotMatch(text, /\.cargo|registry\/src|\/home\/|\/root\//, name);
  }
});

test("the main entry is the lean verify path: Webhook, its errors, hmacSha256", async () => {
  for (const kind of ["cjs", "esm"]) {
    const main = await loadMain(kind);
    assert.deepEqual(Object.keys(main).sort(), ["HookproofError", "Webhook", "WebhookVerificationError", "hmacSha256", "wasmMemoryBytes"]);
    const wh = new main.Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    const headers = { "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330", "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" };
    assert.deepEqual(wh.safeVerify('{"test": 2432232314}', headers, { now: 1614265330 }), { ok: true, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330 });
  }
});

test("without hookproof/v1a, an ed25519 key is refused with unsupported_key and told where to go", () => {
  // A fresh process: in this one, hookproof/v1a is already loaded.
  const script = `const { Webhook } = require("hookproof");
try { new Webhook("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="); console.log("accepted"); }
catch (e) { console.log(JSON.stringify({ code: e.code, name: e.name, message: e.message })); }`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: projects.cjs, encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.code, "unsupported_key");
  assert.equal(out.name, "WebhookVerificationError");
  assert.match(out.message, /hookproof\/v1a/);
});

test("errors from every entry are instances of the one exported HookproofError", async () => {
  const api = await importInstalled();
  assert.throws(() => new api.TagFilter(["nocolon"]), (e) => e instanceof api.HookproofError && e.code === "invalid_tag");
  assert.throws(() => new api.Webhook("whsec_!!"), (e) => e instanceof api.WebhookVerificationError && e instanceof api.HookproofError);
  assert.throws(() => api.ed25519Verify(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64)), (e) => e instanceof api.HookproofError);
  const cjs = requireInstalled();
  assert.throws(() => cjs.parseEvent("nope"), (e) => e instanceof cjs.HookproofError && e.code === "invalid_payload");
});
