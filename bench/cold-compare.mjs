// Cold starts of two builds of js/dist side by side: fresh Node processes, interleaved, medians
// and after/before ratios (machines here are shared and noisy: read the ratios, and the CPU
// time, which waiting for a core does not inflate).
//
//   node bench/cold-compare.mjs <before js/dist> <after js/dist> [runs per build, default 25]
//
// Two scenarios per process:
//   codat  import hookproof/codat's file, then its first calls (decompress, compile and
//          instantiate the Codat module, parse an event), then a legacy Authorization check
//   lean   import the main entry, construct a Webhook, first verify, first rejected verify
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = fileURLToPath(import.meta.url);
const t = () => performance.now();

async function once(scenario, dist) {
  const c0 = process.cpuUsage();
  const t0 = t();
  if (scenario === "codat") {
    const body = JSON.stringify({ id: "743ec94a", eventType: "read.completed", payload: { referenceCompany: { id: "0498e921", name: "Toft stores", tags: { region: "us" } } } });
    const api = await import(pathToFileURL(join(dist, "codat.mjs")).href);
    const t1 = t();
    const event = api.parseEvent(body);
    const t2 = t();
    const auth = api.checkAuthorization("Bearer t", { bearer: "t" });
    const t3 = t();
    if (!auth.ok || event.kind !== "current") throw new Error("wrong answer");
    const c = process.cpuUsage(c0);
    return { cpu: (c.user + c.system) / 1000, import: t1 - t0, firstCall: t2 - t1, secondCall: t3 - t2, total: t3 - t0 };
  }
  const S = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const headers = { "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330", "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" };
  const now = { now: 1614265330 };
  const { Webhook } = await import(pathToFileURL(join(dist, "index.mjs")).href);
  const t1 = t();
  const wh = new Webhook(S);
  const t2 = t();
  wh.verifySignature('{"test": 2432232314}', headers, now);
  const t3 = t();
  const r = wh.safeVerify("tampered", headers, now);
  const t4 = t();
  if (r.code !== "no_matching_signature") throw new Error("wrong answer");
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, import: t1 - t0, construct: t2 - t1, firstVerify: t3 - t2, firstError: t4 - t3, total: t4 - t0 };
}

if (process.argv[2] === "--once") {
  console.log(JSON.stringify(await once(process.argv[3], process.argv[4])));
} else {
  const builds = { before: resolve(process.argv[2]), after: resolve(process.argv[3]) };
  const runs = Number(process.argv[4] ?? 25);
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  console.log(`node ${process.version}, ${runs} fresh processes per build and scenario, interleaved; medians in ms`);
  for (const scenario of ["codat", "lean"]) {
    const got = { before: [], after: [] };
    for (let i = 0; i < runs; i++) {
      for (const name of i % 2 ? ["after", "before"] : ["before", "after"]) {
        const r = spawnSync(process.execPath, [here, "--once", scenario, builds[name]], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(r.stderr);
        got[name].push(JSON.parse(r.stdout));
      }
    }
    const table = {};
    for (const k of Object.keys(got.before[0])) {
      const b = median(got.before.map((r) => r[k]));
      const a = median(got.after.map((r) => r[k]));
      table[k] = { before: +b.toFixed(2), after: +a.toFixed(2), ratio: +(a / b).toFixed(3) };
    }
    console.log(scenario);
    console.table(table);
  }
}
