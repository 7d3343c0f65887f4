// The differential test across hosts (`make differential N=…`; `make test` runs 10⁴ cases).
//
// Generates N seeded cases (gen.mjs) plus the fuzz corpora (corpus.mjs), runs every case through
// every host — the native core, the npm package from the packed tarball under Node CJS and ESM,
// workerd, Deno and edge-runtime, the component under Wasmtime and through jco — and compares
// each host's canonical output line with the native core's, byte for byte. A disagreement fails
// the run and is shrunk (re-running the two hosts that disagree) to a minimal case, printed
// ready to paste. Then the same cases go to the real svix and standardwebhooks packages
// (peers.mjs): every verdict that differs from theirs must fall in a documented class.
//
//   node tests/differential/run.mjs [--n 10000] [--seed 1] [--batch 400] [--hosts native,jco]
//                                   [--no-corpus] [--no-peers] [--case g1234] [--profile bench-host]
import { performance } from "node:perf_hooks";
import { corpusCases } from "./corpus.mjs";
import { generate, materialize } from "./gen.mjs";
import { HOSTS, missing, root, startAll, stopAll, useProfile, writeApiModules } from "./hosts.mjs";
import { NOT_COMPARED, uncovered } from "./npm-cases.mjs";
import { shrink, vectorOf } from "./shrink.mjs";

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const flag = (name) => process.argv.includes(`--${name}`);

const N = Number(option("n", process.env.N ?? 10_000));
const SEED = Number(option("seed", process.env.SEED ?? 1));
const BATCH = Number(option("batch", 400));
const hostNames = option("hosts", HOSTS.join(",")).split(",");
const onlyCase = option("case", undefined);
const MAX_REPORTED = 12;
/** Kinds a host does not export at all (it answers `n/a <kind>`), per host: none today (every
 *  host has every function). Any `n/a` not listed here is a disagreement. */
const NOT_EXPORTED = {};
if (hostNames[0] !== "native") hostNames.unshift("native");

useProfile(option("profile", "dev"));
const gaps = missing(hostNames);
if (gaps.length) {
  console.error(`differential: missing\n  ${gaps.join("\n  ")}`);
  process.exit(2);
}

/** The whole case list, lazily: corpus cases first, then generated ones. `--case` picks one by
 *  its origin: `g123` (generated case 123 of the seed) or `fuzz/corpus/<target>/<file>#k`. */
const corpus = flag("no-corpus") && onlyCase === undefined ? [] : corpusCases(root);
const total = onlyCase !== undefined ? 1 : corpus.length + N;
function caseAt(i) {
  if (onlyCase !== undefined) {
    if (/^g\d+$/.test(onlyCase)) return { origin: onlyCase, abstract: generate(SEED, Number(onlyCase.slice(1))), index: Number(onlyCase.slice(1)) };
    const found = corpus.find((c) => c.origin === onlyCase);
    if (!found) throw new Error(`no case ${onlyCase}: give g<index> or a corpus origin`);
    return { origin: found.origin, abstract: found.case, index: 0 };
  }
  if (i < corpus.length) return { origin: corpus[i].origin, abstract: corpus[i].case, index: i };
  return { origin: `g${i - corpus.length}`, abstract: generate(SEED, i - corpus.length), index: i - corpus.length };
}

let peers = null;
if (!flag("no-peers")) {
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const readme = readFileSync(join(root, "docs/limits-and-differences.md"), "utf8");
  writeApiModules();
  peers = await import("./peers.mjs").then((m) => m.createPeers({ readme }));
}

const started = performance.now();
const hosts = await startAll(hostNames);
const startup = performance.now() - started;
const busy = Object.fromEntries(hosts.map((h) => [h.name, 0]));
const kinds = {};
const disagreements = [];
const perHost = {};
const skipped = {};
const keptPerKey = new Map();
let disagreeing = 0;
let exitCode = 0;

try {
  for (let from = 0; from < total; from += BATCH) {
    const batch = [];
    for (let i = from; i < Math.min(total, from + BATCH); i++) {
      const c = caseAt(i);
      c.concrete = materialize(c.abstract, c.index);
      c.line = JSON.stringify(c.concrete);
      batch.push(c);
      kinds[c.concrete.k] = (kinds[c.concrete.k] ?? 0) + 1;
    }
    const lines = batch.map((c) => c.line);
    const answers = await Promise.all(
      hosts.map(async (h) => {
        const t = performance.now();
        const a = await h.run(lines);
        busy[h.name] += performance.now() - t;
        if (a.length !== lines.length) {
          const at = batch.findIndex((c, j) => !(a[j] ?? "").startsWith(c.concrete.k === "verify" ? "" : c.concrete.k));
          throw new Error(`${h.name} answered ${a.length} lines for ${lines.length} cases; near ${batch[at]?.origin}: ${JSON.stringify(a.slice(Math.max(0, at - 1), at + 2))}`);
        }
        return a;
      }),
    );
    const native = answers[0];
    batch.forEach((c, j) => {
      if (native[j].startsWith("badcase")) {
        throw new Error(`the generator made a case the native host cannot read (${native[j]}): ${c.origin}\n${c.line.slice(0, 2000)}`);
      }
      for (let h = 1; h < hosts.length; h++) {
        if (answers[h][j] === `n/a ${c.concrete.k}` && NOT_EXPORTED[hosts[h].name]?.has(c.concrete.k)) {
          skipped[hosts[h].name] = (skipped[hosts[h].name] ?? 0) + 1;
          continue;
        }
        if (answers[h][j] !== native[j]) {
          disagreeing++;
          perHost[hosts[h].name] = (perHost[hosts[h].name] ?? 0) + 1;
          // A few of each kind of disagreement are kept for shrinking, so one that first shows
          // late in a long run is not crowded out by a frequent one.
          const key = `${hosts[h].name}|${c.concrete.k}|${native[j].split(" ").slice(0, 3).join(" ")}|${answers[h][j].split(" ").slice(0, 3).join(" ")}`;
          const kept = keptPerKey.get(key) ?? 0;
          if (kept < 3 && keptPerKey.size < 2000) {
            // Long runs say at once what disagreed, so it can be reproduced while the run goes on.
            if (kept === 0 && total >= 100_000) console.log(`  disagreement: ${hosts[h].name} on ${c.origin} (${c.concrete.k}): native "${native[j].slice(0, 200)}", ${hosts[h].name} "${answers[h][j].slice(0, 200)}"`);
            keptPerKey.set(key, kept + 1);
            disagreements.push({ c, host: hosts[h], native: native[j], other: answers[h][j] });
          }
        }
      }
      if (peers) peers.compare(c, native[j]);
    });
    // A host that disagrees on a quarter of everything is broken outright: stop and report.
    const done = Math.min(total, from + BATCH);
    if (done >= 4000 && Object.values(perHost).some((n) => n > done / 4)) break;
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} cases`);
    else if (total >= 100_000 && Math.floor(done / (total / 20)) > Math.floor((done - BATCH) / (total / 20))) {
      // Long runs log every 5 %.
      console.log(`  ${done}/${total} cases, ${((performance.now() - started) / 1000).toFixed(0)} s, ${disagreeing} disagreeing answers so far`);
    }
  }
  if (process.stderr.isTTY) process.stderr.write("\n");
  const elapsed = performance.now() - started;

  // ---------------------------------------------------------------------------------------------
  // Report
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const what = onlyCase !== undefined ? `case ${onlyCase}` : `${total} cases per host (${corpus.length} from the fuzz corpora, ${total - corpus.length} generated)`;
  console.log(`differential: seed ${SEED}, ${what}, ${hosts.length} hosts, ${seconds(elapsed)} (hosts started in ${seconds(startup)})`);
  console.log(`  cases by kind: ${Object.entries(kinds).sort().map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(`  ready after: ${hosts.map((h) => `${h.name} ${seconds(h.readyMs)}`).join(", ")}`);
  console.log(`  busy time per host: ${hosts.map((h) => `${h.name} ${seconds(busy[h.name])}`).join(", ")}`);
  const driverCpu = process.cpuUsage();
  console.log(`  CPU per process: ${hosts.map((h) => `${h.name} ${h.cpu().toFixed(1)} s`).join(", ")}, driver (generator${peers ? ", peers" : ""}) ${((driverCpu.user + driverCpu.system) / 1e6).toFixed(1)} s`);

  // Every exported function of the package is exercised by some case kind.
  if (hostNames.includes("node-esm")) {
    const { mergeApi } = await import("./api.mjs");
    const { join } = await import("node:path");
    const { pathToFileURL } = await import("node:url");
    const { projects } = await import("../js/install.mjs");
    const modules = await import(pathToFileURL(join(projects.esm, "differential-api.mjs")).href);
    const api = mergeApi(modules.main, modules.subpaths);
    const left = uncovered(api);
    if (left.length) {
      console.log(`FAIL: exported but never compared: ${left.join(", ")} (add an entry to npm-cases.mjs, native.rs, wasmtime.rs and jco-cases.mjs)`);
      exitCode = 1;
    } else {
      console.log(`  every export of the package is compared (${Object.keys(api).length - NOT_COMPARED.length} of ${Object.keys(api).length}; not behaviour: ${NOT_COMPARED.join(", ")})`);
    }
  }
  if (onlyCase === undefined && N >= 1000) {
    const rare = ["verify", "sign", "hmac", "classify", "next", "retryAfter", "httpDate", "formatDate", "tags", "tagsEvent", "eventTypes", "event", "auth", "clientId", "source", "rate", "replay", "accept", "acceptTransition", "acceptKey", "redisKeys", "ed25519Verify", "ed25519Sign", "consumer"].filter((k) => !(kinds[k] >= 10));
    if (rare.length) {
      console.log(`FAIL: kinds with fewer than 10 cases: ${rare.join(", ")}`);
      exitCode = 1;
    }
  }

  if (Object.keys(skipped).length) {
    console.log(`  not compared (not exported by that host): ${Object.entries(skipped).map(([h, n]) => `${h} ${n}`).join(", ")}`);
  }
  if (disagreements.length === 0) {
    console.log(`  zero disagreements: every host's ${total} lines equal the native core's`);
  } else {
    exitCode = 1;
    // Shrink one disagreement per (host, kind, answers) until MAX_REPORTED distinct minimal
    // cases are found; hosts that disagree identically on the same minimal case are merged.
    const tried = new Set();
    const reports = new Map();
    const native = hosts[0];
    for (const d of disagreements) {
      if (reports.size >= MAX_REPORTED) break;
      const key = `${d.host.name}|${d.c.concrete.k}|${d.native.split(" ").slice(0, 3).join(" ")}|${d.other.split(" ").slice(0, 3).join(" ")}`;
      if (tried.has(key)) continue;
      tried.add(key);
      const small = await shrink(d.c, native, d.host);
      const id = `${small.native}|${small.other}`;
      if (reports.has(id)) {
        const r = reports.get(id);
        if (!r.hosts.includes(d.host.name)) r.hosts.push(d.host.name);
      }
      else reports.set(id, { ...small, hosts: [d.host.name], d });
    }
    console.log(`FAIL: ${disagreeing} disagreeing answers (${Object.entries(perHost).map(([h, n]) => `${h} ${n}`).join(", ")}) of ${keptPerKey.size} kinds; ${reports.size} distinct minimal cases:`);
    for (const r of reports.values()) {
      console.log(`\n--- ${r.hosts.join(", ")} disagree${r.hosts.length === 1 ? "s" : ""} with native (kind ${r.d.c.concrete.k}; node tests/differential/run.mjs --seed ${SEED} --case ${r.d.c.origin} reproduces it; ${r.steps} shrink steps)`);
      console.log(`    native: ${r.native}`);
      console.log(`    ${r.hosts[0]}: ${r.other}`);
      console.log(vectorOf(r.concrete, r.native, r.other, r.hosts.join("/")));
    }
  }

  if (peers) exitCode = peers.report() || exitCode;
} catch (e) {
  console.error(e.stack ?? e);
  exitCode = 1;
} finally {
  await stopAll(hosts);
}
process.exit(exitCode);
