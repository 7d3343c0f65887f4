// The vector suite through the packed tarball, installed into CommonJS and ESM projects.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { projects } from "./install.mjs";
import { importInstalled, loadVectors, requireInstalled } from "./load.mjs";
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
  assert.equal(pkg.sideEffects, false);
  assert.deepEqual(Object.keys(pkg.exports["."])[0], "types");
  const lock = JSON.parse(readFileSync(join(projects.esm, "package-lock.json"), "utf8"));
  assert.deepEqual(Object.keys(lock.packages).filter((p) => p), ["node_modules/hookproof"]);
});

test("require and import load different entry points of the same package", async () => {
  const cjs = requireInstalled();
  const esm = await importInstalled();
  assert.equal(typeof cjs.Webhook, "function");
  assert.equal(typeof esm.Webhook, "function");
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
});
