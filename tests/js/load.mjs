// Loads the installed package from the throwaway projects (see install.mjs) and the vectors.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { projects } from "./install.mjs";
import { VECTOR_FILES } from "./suite.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** `require("hookproof/codat")` (the whole API) from the CommonJS project. */
export function requireInstalled() {
  return createRequire(join(projects.cjs, "package.json"))("./entry.cjs");
}

/** `import "hookproof/codat"` (the whole API) from the ESM project. */
export function importInstalled() {
  return import(pathToFileURL(join(projects.esm, "entry.mjs")).href);
}

/** The lean main entry, `require("hookproof")` / `import "hookproof"`. */
export function loadMain(kind) {
  if (kind === "cjs") return createRequire(join(projects.cjs, "package.json"))("./main.cjs");
  return import(pathToFileURL(join(projects.esm, "main.mjs")).href);
}

export function loadVectors() {
  return Object.fromEntries(
    VECTOR_FILES.map((f) => [f, JSON.parse(readFileSync(join(root, "tests/vectors", f), "utf8"))]),
  );
}
