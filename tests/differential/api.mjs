// The API the differential test drives: the package's lean main entry merged with its
// `hookproof/codat` subpath (everything beyond verification; it re-exports the main entry)
// when the installed package exports it, else the main entry alone. Other subpaths are kept
// apart by name under `subpaths` — `hookproof/v1a` exports a `Webhook` of its own (a second
// build), which the verify cases run as one more door of the same verification. Each host
// loads the modules its own way (a generated `differential-api` module) and calls `mergeApi`.

/** Subpaths merged into the flat API. */
export const MERGED = ["./codat"];
/** Subpaths kept apart, by name. */
export const APART = ["./v1a"];

/** Which subpaths the installed package's package.json exports, in MERGED then APART order. */
export function exportedSubpaths(packageJson) {
  const exports = packageJson && packageJson.exports;
  if (!exports || typeof exports !== "object") return [];
  return [...MERGED, ...APART].filter((p) => Object.prototype.hasOwnProperty.call(exports, p));
}

/**
 * One namespace: the main entry, then each merged subpath's exports over it; `subpaths` maps the
 * others' names ("v1a") to their namespaces. `loaded` maps subpaths ("./codat") to namespaces.
 */
export function mergeApi(main, loaded = {}) {
  const api = {};
  const copy = (ns) => {
    for (const name of Object.keys(ns)) if (name !== "default" && name !== "__esModule") api[name] = ns[name];
  };
  copy(main);
  for (const p of MERGED) if (loaded[p]) copy(loaded[p]);
  const apart = {};
  for (const p of APART) if (loaded[p]) apart[p.slice(2)] = loaded[p];
  Object.defineProperty(api, "subpaths", { value: apart, enumerable: false });
  return api;
}
