// The second half of `make dist` (the Makefile builds first): gathers the npm tarball, the
// packaged crates and the static CLI into dist/ beside the component, checks each, writes
// dist/SHA256SUMS and verifies it with `sha256sum -c`.
import { execFileSync } from "node:child_process";
import { copyFileSync, chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { workspaceVersion } from "./versions.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dist = join(root, "dist");
const version = workspaceVersion();
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

export const ARTIFACTS = [
  `hookproof-${version}.tgz`,
  `hookproof-${version}.crate`,
  `hookproof-gateway-${version}.crate`,
  `hookproof-cli-${version}.crate`,
  "hookproof",
  "hookproof.component.wasm",
  "hookproof.component.wit",
];

// Old releases' files go; the component (written by `make component`) stays.
for (const f of existsSync(dist) ? readdirSync(dist) : []) {
  if (/\.(tgz|crate)$/.test(f) || f === "hookproof" || f === "SHA256SUMS") rmSync(join(dist, f));
}

run("npm", ["pack", "./js", "--pack-destination", "dist", "--silent"]);
for (const name of ["hookproof", "hookproof-gateway", "hookproof-cli"]) {
  copyFileSync(join(root, `target/package/${name}-${version}.crate`), join(dist, `${name}-${version}.crate`));
}
copyFileSync(join(root, "target/x86_64-unknown-linux-musl/dist/hookproof"), join(dist, "hookproof"));
chmodSync(join(dist, "hookproof"), 0o755);

// The CLI must run without Rust or a libc: a static ELF has no PT_INTERP (dynamic loader).
const elf = readFileSync(join(dist, "hookproof"));
const phoff = Number(elf.readBigUInt64LE(0x20));
const phentsize = elf.readUInt16LE(0x36);
const phnum = elf.readUInt16LE(0x38);
for (let i = 0; i < phnum; i++) {
  if (elf.readUInt32LE(phoff + i * phentsize) === 3) throw new Error("dist/hookproof is dynamically linked (PT_INTERP)");
}
const said = run(join(dist, "hookproof"), ["--version"]).trim();
if (said !== `hookproof ${version}`) throw new Error(`dist/hookproof --version says ${JSON.stringify(said)}`);

// The tarball and the crates carry the version in their own metadata too.
const packed = JSON.parse(run("tar", ["-xOzf", `hookproof-${version}.tgz`, "package/package.json"], dist));
if (packed.version !== version) throw new Error(`the npm tarball is version ${packed.version}`);
for (const name of ["hookproof", "hookproof-gateway", "hookproof-cli"]) {
  const manifest = run("tar", ["-xOzf", `${name}-${version}.crate`, `${name}-${version}/Cargo.toml`], dist);
  if (!manifest.includes(`version = "${version}"`)) throw new Error(`${name}-${version}.crate's Cargo.toml lacks version ${version}`);
}

for (const f of ARTIFACTS) if (!existsSync(join(dist, f))) throw new Error(`dist/${f} is missing`);
writeFileSync(join(dist, "SHA256SUMS"), run("sha256sum", ARTIFACTS, dist));
run("sha256sum", ["--check", "--quiet", "SHA256SUMS"], dist);
for (const f of ARTIFACTS) console.log(`dist/${f.padEnd(28)} ${statSync(join(dist, f)).size.toLocaleString("en-US").padStart(12)} bytes`);
console.log(`dist/SHA256SUMS: ${ARTIFACTS.length} files, verified with sha256sum -c`);
