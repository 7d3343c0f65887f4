// The API the differential test drives: the package's lean main entry merged with its
// `hookproof/codat` subpath (everything beyond verification) when the installed package
// exports that subpath. Each host loads the modules its own way and hands them to `mergeApi`;
// later subpaths (`hookproof/v1a`, …) are one more name in SUBPATHS.

export const SUBPATHS = ["./codat"];

/** Which of SUBPATHS the installed package's package.json exports. */
export function exportedSubpaths(packageJson) {
  const exports = packageJson && packageJson.exports;
  if (!exports || typeof exports !== "object") return [];
  return SUBPATHS.filter((p) => Object.prototype.hasOwnProperty.call(exports, p));
}

/** One namespace: the main entry, then each subpath's exports over it. */
export function mergeApi(main, ...subpaths) {
  const api = {};
  for (const ns of [main, ...subpaths]) {
    if (!ns) continue;
    for (const name of Object.keys(ns)) {
      if (name === "default" || name === "__esModule") continue;
      api[name] = ns[name];
    }
  }
  return api;
}
