// examples/python-wasmtime/verify.py under the PyPI `wasmtime` package (installed by
// `make setup-python` into target/tools/python): the example receiver on 127.0.0.1, sent requests
// signed by the real `svix` package — genuine (204), tampered, stale and unsigned (400 with the
// WIT error name) — then stopped.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Webhook } from "svix";
import { root } from "./jco.mjs";

const PYTHON = join(root, "target/tools/python/bin/python");
const SECRET = "whsec_" + Buffer.from("hookproof's Python example, checked by svix").toString("base64");
let child;
let base;
let stdout = "";

before(async () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run \`make setup-python\``);
  child = spawn(PYTHON, ["examples/python-wasmtime/verify.py"], {
    cwd: root,
    env: { ...process.env, CODAT_WEBHOOK_SECRET: SECRET, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line in 30 s; stderr:\n${stderr}`)), 30_000);
    child.stdout.on("data", (d) => {
      stdout += d;
      const m = stdout.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`verify.py exited ${code}; stderr:\n${stderr}`)));
  });
});

after(() => child?.kill());

async function post(headers, body) {
  const res = await fetch(base, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, reason: res.statusText };
}

function signed(id, seconds, payload) {
  const signature = new Webhook(SECRET).sign(id, new Date(seconds * 1000), payload);
  return { "webhook-id": id, "webhook-timestamp": String(seconds), "webhook-signature": signature };
}

const now = () => Math.floor(Date.now() / 1000);
const event = JSON.stringify({ id: "evt_7", eventType: "DataSyncCompleted", payload: { companyId: "c1", note: "café ✓" } });

test("a webhook signed by svix: 204, and the example names its webhook-id", async () => {
  assert.deepEqual(await post(signed("msg_py_1", now(), event), event), { status: 204, reason: "No Content" });
  assert.match(stdout, /^verified msg_py_1$/m);
});

test("tampered, stale and unsigned requests: 400 with the error's name", async () => {
  const headers = signed("msg_py_2", now(), event);
  assert.equal((await post(headers, event.replace("c1", "c2"))).reason, "no-matching-signature");
  assert.equal((await post(signed("msg_py_3", now() - 600, event), event)).reason, "timestamp-too-old");
  const { "webhook-id": _, ...noId } = headers;
  assert.equal((await post(noId, event)).reason, "missing-header");
  assert.doesNotMatch(stdout, /msg_py_[23]/);
});

/** Sends `head` (latin-1 bytes) as a raw request; resolves with the response's status line. */
function raw(head) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(Buffer.from(head, "latin1")));
    let text = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer in 10 s")));
    socket.on("data", (d) => (text += d));
    socket.on("end", () => resolve(text.split("\r\n")[0]));
    socket.on("error", reject);
  });
}

test("hostile Content-Length values are refused, and the receiver still verifies", async () => {
  const request = (length) => `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${length}\r\n\r\n`;
  assert.match(await raw(request("\u00b2")), / 411 /); // a digit to Python's str.isdigit, not to int()
  assert.match(await raw(request("9".repeat(5000))), / 413 /); // past Python's int() digit limit
  assert.match(await raw(request(String((1 << 20) + 1))), / 413 /);
  assert.match(await raw(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`), / 411 /);
  assert.equal((await post(signed("msg_py_4", now(), event), event)).status, 204);
});

test("an empty or unprefixed secret stops the example at start-up, naming the error", () => {
  for (const [secret, error] of [["", "invalid-secret"], [SECRET.slice("whsec_".length), "ambiguous-key"]]) {
    const r = spawnSync(PYTHON, ["examples/python-wasmtime/verify.py"], {
      cwd: root,
      env: { ...process.env, CODAT_WEBHOOK_SECRET: secret, PORT: "0" },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim(), `CODAT_WEBHOOK_SECRET refused: ${error}`);
  }
});
