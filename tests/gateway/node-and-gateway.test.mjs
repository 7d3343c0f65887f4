// A Node consumer using the packed `hookproof/redis` and a `hookproof gateway` process on one
// Redis (started on 127.0.0.1 by the test and stopped afterwards) share one de-duplication:
// the gateway's route `/codat` has the scope `/codat` (its path) and the default prefix, and
// the Node consumer's `redisAcceptance` is given the same. Each id is offered to both
// (a third to the gateway first, a third to Node first, a third to both at the same time),
// retried as a sender would while the other holds it: every id is delivered exactly once, by
// one or the other. Signatures come from the `standardwebhooks` package.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { projects } from "../js/install.mjs";
import { root } from "../edge/bundle.mjs";
import { freePort, startRedis } from "../acceptance/redis.mjs";

const require = createRequire(join(projects.esm, "package.json"));
const { redisAcceptance } = require("hookproof/redis");
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const IDS = 60;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let redis, gateway, backend, dir, gatewayPort;
const byGateway = new Map();

function post(port, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function ready(port) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await new Promise((resolve) => {
      request({ host: "127.0.0.1", port, path: "/readyz" }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on("error", () => resolve(0))
        .end();
    });
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error("the gateway is not ready");
    await sleep(50);
  }
}

before(async () => {
  redis = await startRedis();
  backend = createServer((req, res) => {
    const id = req.headers["hookproof-webhook-id"];
    req.resume();
    req.on("end", () => {
      byGateway.set(id, (byGateway.get(id) ?? 0) + 1);
      res.end("ok");
    });
  });
  await new Promise((r) => backend.listen(0, "127.0.0.1", r));
  dir = mkdtempSync(join(tmpdir(), "hookproof-node-gateway-"));
  gatewayPort = await freePort();
  const config = join(dir, "gateway.toml");
  writeFileSync(
    config,
    `listen = "127.0.0.1:${gatewayPort}"\nredis = "redis://127.0.0.1:${redis.port}"\n\n[[routes]]\npath = "/codat"\nsecrets = ["env:NODE_GATEWAY_SECRET"]\nsink = { http = "http://127.0.0.1:${backend.address().port}/webhooks" }\n`,
  );
  gateway = spawn(join(root, "target/debug/hookproof"), ["gateway", "--config", config], { env: { ...process.env, NODE_GATEWAY_SECRET: SECRET }, stdio: ["ignore", "ignore", "inherit"] });
  await ready(gatewayPort);
});

after(async () => {
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((r) => gateway.once("exit", r));
    gateway.kill("SIGTERM");
    await exited;
  }
  await new Promise((r) => backend?.close(r));
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a Node consumer (hookproof/redis) and a gateway on one Redis accept each id once", async () => {
  const acceptance = redisAcceptance(redis.command, { scope: "/codat" });
  const byNode = new Map();
  const webhook = new Webhook(SECRET);
  const answers = { gateway: {}, node: {} };
  const count = (side, what) => (answers[side][what] = (answers[side][what] ?? 0) + 1);

  // The gateway's side: retried while the id is in flight elsewhere (503), as Svix would.
  const viaGateway = async (id, body) => {
    for (let i = 0; i < 100; i++) {
      const sent = new Date();
      const signature = webhook.sign(id, sent, body);
      const headers = { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(sent.getTime() / 1000)), "webhook-signature": signature };
      const r = await post(gatewayPort, "/codat", headers, body);
      count("gateway", r.status);
      if (r.status !== 503) return r.status;
      await sleep(20);
    }
    throw new Error(`${id}: the gateway kept answering 503`);
  };
  // The Node consumer's side: begin, "deliver", commit.
  const viaNode = async (id) => {
    for (let i = 0; i < 100; i++) {
      const begun = await acceptance.begin(id);
      count("node", begun.answer);
      if (begun.answer === "done") return;
      if (begun.answer === "new") {
        byNode.set(id, (byNode.get(id) ?? 0) + 1);
        assert.equal((await acceptance.commit(id, begun.token)).answer, "committed");
        return;
      }
      await sleep(20);
    }
    throw new Error(`${id}: kept in flight`);
  };

  await Promise.all(
    Array.from({ length: IDS }, (_, n) => {
      const id = `msg_node_gateway_${n}`;
      const body = JSON.stringify({ id: `evt-${n}`, eventType: "read.completed", generatedDate: "2026-12-06T10:00:00Z", payload: {} });
      // A third each: the gateway first, Node first, both at once.
      if (n % 3 === 0) return viaGateway(id, body).then(() => viaNode(id));
      if (n % 3 === 1) return viaNode(id).then(() => viaGateway(id, body));
      return Promise.all([viaGateway(id, body), viaNode(id)]);
    }),
  );
  for (let n = 0; n < IDS; n++) {
    const id = `msg_node_gateway_${n}`;
    assert.equal((byGateway.get(id) ?? 0) + (byNode.get(id) ?? 0), 1, id);
  }
  assert.ok(byNode.size > 0 && byGateway.size > 0, `both sides delivered some: node ${byNode.size}, gateway ${byGateway.size}`);
  console.log(`node + gateway on one Redis: ${IDS} ids (a third to the gateway first, a third to Node first, a third to both at once); delivered by the gateway ${byGateway.size}, by Node ${byNode.size}, twice 0; answers ${JSON.stringify(answers)}`);
});
