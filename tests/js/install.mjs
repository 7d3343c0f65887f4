// Packs js/ with `npm pack` and installs the tarball into throwaway CommonJS and ESM projects
// under target/js-packaging/, exactly as a user installs it. `make test-js` runs this before
// the node:test files, which load hookproof only from those projects.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const packaging = join(root, "target/js-packaging");
export const projects = { cjs: join(packaging, "cjs"), esm: join(packaging, "esm"), worker: join(packaging, "worker") };

if (import.meta.url === `file://${process.argv[1]}`) {
  rmSync(packaging, { recursive: true, force: true });
  mkdirSync(packaging, { recursive: true });
  execFileSync("npm", ["pack", "--silent", "--pack-destination", packaging], { cwd: join(root, "js"), stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(packaging).find((f) => f.endsWith(".tgz"));
  for (const [kind, dir] of Object.entries(projects)) {
    mkdirSync(dir);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: `hookproof-${kind}-consumer`, private: true, type: kind === "cjs" ? "commonjs" : "module", dependencies: { hookproof: `file:../${tarball}` } }, null, 2),
    );
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
    // The tests load hookproof through these, so Node's own resolver picks the entry point:
    // `entry` is the whole API (`hookproof/codat`, which re-exports the main entry), `main`
    // the lean main entry alone; `entry` also loads `hookproof/v1a` (ed25519 keys, primitives)
    // and, in both formats, takes its `Webhook` (keys of both kinds, each stating its kind).
    writeFileSync(join(dir, "entry.cjs"), 'module.exports = { ...require("hookproof/codat"), ...require("hookproof/v1a") };\n');
    writeFileSync(join(dir, "entry.mjs"), 'export * from "hookproof/codat";\nexport { Webhook, ed25519Sign, ed25519Verify } from "hookproof/v1a";\n');
    writeFileSync(join(dir, "main.cjs"), 'module.exports = require("hookproof");\n');
    writeFileSync(join(dir, "main.mjs"), 'export * from "hookproof";\n');
  }
  console.log(`installed ${tarball} into ${Object.values(projects).join(", ")}`);
}
