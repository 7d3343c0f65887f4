// Host: the npm package under Node, loaded from the packed tarball's throwaway project the way
// a user loads it: `node node.mjs esm` imports it (the `node`/`import` condition), `node
// node.mjs cjs` requires it (the `require` condition). The driver wrote each project's
// differential-api.{mjs,cjs}, which loads "hookproof" and its exported subpaths by name.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { projects } from "../../js/install.mjs";
import { mergeApi } from "../api.mjs";
import { runNpmCase } from "../npm-cases.mjs";
import { perCase, serve } from "./serve.mjs";

const kind = process.argv[2];
let modules;
if (kind === "cjs") {
  modules = createRequire(join(projects.cjs, "package.json"))("./differential-api.cjs");
} else if (kind === "esm") {
  modules = await import(pathToFileURL(join(projects.esm, "differential-api.mjs")).href);
} else {
  throw new Error("usage: node node.mjs cjs|esm");
}
const api = mergeApi(modules.main, modules.subpaths);
serve(perCase((c) => runNpmCase(api, c)));
