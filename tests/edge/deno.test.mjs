// Deno, from the npm `deno` package: the vector suite under `deno test`, importing the packed
// tarball's install. The child process is bounded by a timeout and always reaped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { projects } from "../js/install.mjs";
import { root } from "./bundle.mjs";

const deno = join(root, "target/tools/deno/node_modules/.bin/deno");

test("the vector suite runs green under deno test", () => {
  const dir = projects.worker;
  cpSync(join(root, "tests/edge/deno-suite.mjs"), join(dir, "hookproof_vectors_test.mjs"));
  cpSync(join(root, "tests/js/suite.mjs"), join(dir, "suite.mjs"));
  mkdirSync(join(dir, "vectors"), { recursive: true });
  cpSync(join(root, "tests/vectors"), join(dir, "vectors"), { recursive: true });
  const run = spawnSync(deno, ["test", "--no-prompt", "--allow-read=.", "hookproof_vectors_test.mjs"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    killSignal: "SIGKILL",
    env: { ...process.env, NO_COLOR: "1", DENO_DIR: join(root, "target/tools/deno-cache") },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, output);
  assert.match(output, /ok \| 1 passed \| 0 failed/);
  assert.match(output, /\d+ vectors passed under Deno 2\./);
});

test("the package itself needs no Deno permission: deno run with no --allow flag", () => {
  const dir = projects.worker;
  cpSync(join(root, "tests/edge/deno-no-permissions.mjs"), join(dir, "hookproof_no_permissions.mjs"));
  const run = spawnSync(deno, ["run", "--no-prompt", "hookproof_no_permissions.mjs"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    killSignal: "SIGKILL",
    env: { ...process.env, NO_COLOR: "1", DENO_DIR: join(root, "target/tools/deno-cache") },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, output);
  assert.match(output, /valid: msg_p5jXN8AQM9LWM0D4loKWxJek; tampered: no_matching_signature; codat: retry/);
});
