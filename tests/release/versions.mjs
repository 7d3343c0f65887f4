// One version: `[workspace.package] version` in Cargo.toml is where it is set; everything that
// has to repeat it is checked equal here (run by `make dist`, so by `make test`).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (path) => readFileSync(join(root, path), "utf8");

/** The version set in Cargo.toml's `[workspace.package]`. */
export function workspaceVersion() {
  const section = /^\[workspace\.package\]\n([\s\S]*?)(?=^\[)/m.exec(read("Cargo.toml"));
  const version = section && /^version = "([^"]+)"$/m.exec(section[1]);
  if (!version) throw new Error("Cargo.toml: no version in [workspace.package]");
  return version[1];
}

/** The released crates: each takes the workspace version. */
export const CRATES = {
  hookproof: "Cargo.toml",
  "hookproof-cli": "crates/hookproof-cli/Cargo.toml",
  "hookproof-gateway": "crates/hookproof-gateway/Cargo.toml",
  "hookproof-codat-wasm": "crates/hookproof-codat-wasm/Cargo.toml",
  "hookproof-webhook-wasm": "crates/hookproof-webhook-wasm/Cargo.toml",
  "hookproof-component": "crates/hookproof-component/Cargo.toml",
};

export function problems() {
  const version = workspaceVersion();
  const found = [];
  const expect = (what, actual) => {
    if (actual !== version) found.push(`${what} is ${JSON.stringify(actual)}, not ${version}`);
  };
  expect("js/package.json version", JSON.parse(read("js/package.json")).version);
  const repository = /^repository = "([^"]+)"$/m.exec(read("Cargo.toml"))?.[1];
  const npmRepository = JSON.parse(read("js/package.json")).repository?.url;
  if (npmRepository !== `git+${repository}.git`) found.push(`js/package.json repository is ${npmRepository}, not git+${repository}.git (Cargo.toml)`);
  const dep = /^\[workspace\.dependencies\]\n(?:.*\n)*?hookproof = \{[^}]*version = "=([^"]+)"/m.exec(read("Cargo.toml"));
  expect("the hookproof requirement in [workspace.dependencies]", dep?.[1]);
  const lock = read("Cargo.lock");
  for (const [name, manifest] of Object.entries(CRATES)) {
    const pkg = /^\[package\]\n([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(read(manifest))[1];
    if (!/^version\.workspace = true$/m.test(pkg)) found.push(`${manifest}: version is not version.workspace = true`);
    const locked = new RegExp(`^name = "${name}"\\nversion = "([^"]+)"`, "m").exec(lock);
    expect(`Cargo.lock's ${name}`, locked?.[1]);
  }
  const readme = read("README.md");
  for (const m of readme.matchAll(/dist\/hookproof(?:-cli)?-(\d+\.\d+\.\d+[^/\s`]*?)\.(?:tgz|crate)/g)) expect(`README.md's ${m[0]}`, m[1]);
  if (!readme.includes(`dist/hookproof-${version}.tgz`)) found.push(`README.md does not name dist/hookproof-${version}.tgz`);
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = problems();
  for (const p of found) console.log(`version: ${p}`);
  if (found.length > 0) {
    console.log(`set the version in Cargo.toml [workspace.package] and repeat it where listed (docs/releasing.md)`);
    process.exit(1);
  }
  console.log(`version ${workspaceVersion()}: Cargo.toml, ${Object.keys(CRATES).length} crates, Cargo.lock, js/package.json and README.md agree`);
}
