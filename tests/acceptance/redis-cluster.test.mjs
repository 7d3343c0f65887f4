// `hookproof/redis` on a local 3-master Redis Cluster (started on 127.0.0.1 by the test and
// stopped afterwards): the acceptance and rate-limit vectors, the enqueue step (XADD +
// commit in one script) for ids spread over many scopes and so over every master, and proof
// that the keys one script touches share a slot (the old layout's two keys are refused with
// CROSSSLOT; the core's never are). Prints the counts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { projects } from "../js/install.mjs";
import { root } from "../edge/bundle.mjs";
import { runRedisVectors, startRedisCluster, streamCounts } from "./redis.mjs";

const require = createRequire(join(projects.esm, "package.json"));
const hookproof = require("hookproof/codat");
const { redisAcceptance, redisRateLimiter } = require("hookproof/redis");
const vectors = (name) => JSON.parse(readFileSync(join(root, "tests/vectors", name), "utf8"));
const report = (what, figures) => console.log(`redis cluster ${what}: ${JSON.stringify(figures)}`);

let cluster;
before(async () => {
  cluster = await startRedisCluster();
});
after(async () => {
  await cluster?.stop();
});

test("a 3-master cluster, with slots on every master", async () => {
  const slots = await cluster.client.cluster("SLOTS");
  assert.equal(new Set(slots.map((s) => s[2][1])).size, 3);
  report("nodes", { ports: cluster.ports, slotRanges: slots.map((s) => [s[0], s[1], s[2][1]]) });
});

test("acceptance.json and the rate-limit vectors through the Redis scripts on the cluster", async () => {
  const { acceptance: r, rate } = await runRedisVectors({
    hookproof,
    redis: { redisAcceptance, redisRateLimiter },
    command: cluster.command,
    keys: cluster.keys,
    get: (key) => cluster.client.get(key),
    set: (key, value) => cluster.client.set(key, value),
    vectors,
  });
  report("vectors", { acceptance: r.total, skippedMemoryOnly: r.skipped, rateLimit: rate.total });
  assert.deepEqual(r.failures, []);
  assert.deepEqual(rate.failures, []);
  assert.ok(r.total >= 120);
});

test("enqueue on the cluster: every scope's keys in one slot, never CROSSSLOT, one stream entry per id", async () => {
  const { client, command } = cluster;
  // The old layout (the id's key and a stream named apart) spans two slots: refused.
  const apart = ["hookproof:acceptance:{endpoint-x}:msg_1", "codat-events"];
  assert.notEqual(await client.cluster("KEYSLOT", apart[0]), await client.cluster("KEYSLOT", apart[1]));
  await assert.rejects(command(["EVAL", "return 1", "2", ...apart]), /CROSSSLOT/);

  const scopes = Array.from({ length: 24 }, (_, i) => `endpoint-${i}`);
  const masters = new Set();
  let enqueued = 0;
  let duplicates = 0;
  let crossSlot = 0;
  for (const scope of scopes) {
    const store = redisAcceptance(command, { scope });
    const layout = hookproof.redisKeyLayout(scope);
    const slot = await client.cluster("KEYSLOT", store.stream);
    for (const id of ["msg_a", "msg:b", "x".repeat(300)]) {
      assert.equal(await client.cluster("KEYSLOT", layout.acceptanceKey(id)), slot, `${scope} ${id}`);
    }
    masters.add(client.slots[slot]?.[0]);
    for (const id of ["msg_a", "msg_b", "msg_c"]) {
      const begun = await store.begin(id, 1000);
      assert.equal(begun.answer, "new");
      try {
        const added = await store.enqueue(id, begun.token, { webhookId: id }, 1001);
        assert.equal(added.answer, "committed");
        enqueued++;
        // A redelivery after the commit: a duplicate, nothing written.
        assert.deepEqual(await store.begin(id, 1002), { answer: "done" });
        assert.deepEqual(await store.enqueue(id, begun.token, { webhookId: id }, 1003), { answer: "done" });
        duplicates++;
      } catch (e) {
        if (/CROSSSLOT/.test(String(e?.message))) crossSlot++;
        throw e;
      }
    }
    assert.deepEqual([...(await streamCounts(client, store.stream)).entries()], [["msg_a", 1], ["msg_b", 1], ["msg_c", 1]]);
  }
  report("enqueue", { scopes: scopes.length, masters: masters.size, enqueued, duplicates, crossSlot });
  assert.equal(crossSlot, 0);
  assert.equal(masters.size, 3, "the scopes spread over every master");
});
