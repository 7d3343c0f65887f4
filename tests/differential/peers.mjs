// Part of the differential test: the same cases against the real peers, svix 2.5.0 and
// standardwebhooks 1.1.1 (pinned dev dependencies). hookproof (the npm package from the packed
// tarball) and each peer get the same input — the secrets, the headers as a plain object, the
// body as a string or a Buffer, their clock set to the case's `now` — for every verify and sign
// case inside the peers' domain (their fixed ±300 s tolerance, no payload limit). Every answer
// that differs from a peer's must fall in a class of differences.mjs, whose predicates look at
// the input; a difference no class explains fails the run with the minimal input.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { projects } from "../js/install.mjs";
import { mergeApi } from "./api.mjs";
import { CLASSES, checkReadme, explain, peerAnswer } from "./differences.mjs";
import { isEdKey } from "./gen.mjs";
import { expand, q, utf8 } from "./lib.mjs";

const require = createRequire(import.meta.url);

export async function createPeers({ readme } = {}) {
  const svix = await import("svix");
  const standardwebhooks = require("standardwebhooks");
  const modules = await import(pathToFileURL(join(projects.esm, "differential-api.mjs")).href);
  const hp = mergeApi(modules.main, modules.subpaths);

  const counts = new Map(); // "peer|class" → count
  const unexplained = [];
  let compared = 0;
  let combined = 0;
  let outside = 0;

  /** Runs `fn` with the peers' clock at `now` (Unix seconds). */
  function at(now, fn) {
    const real = Date.now;
    Date.now = () => now * 1000;
    try {
      return fn();
    } finally {
      Date.now = real;
    }
  }

  /** Counts a difference under the classes that explain it (or as unexplained). */
  function record(ctx, peer, theirs) {
    const ours = ctx.hookproof;
    if (ours === theirs) return;
    const ids = explain(ctx.x, peer, ours, theirs, ctx.answer);
    for (const id of ids ?? ["UNEXPLAINED"]) counts.set(`${peer}|${id}`, (counts.get(`${peer}|${id}`) ?? 0) + 1);
    if (ids && ids.length > 1) combined++;
    if (!ids && unexplained.length < 20) unexplained.push({ ...ctx, peer, theirs });
  }

  /** The main entry's `Webhook` (svix's reading of text) for `secrets`: raw bytes are a secret
   *  only with `{ format: "raw" }`, as in svix, which applies to every key; in a list that mixes
   *  them with text they go as the `whsec_` text of the same bytes. */
  function hpWebhook(secrets) {
    const raw = secrets.filter((s) => typeof s !== "string").length;
    if (raw > 0 && raw === secrets.length) return new hp.Webhook(secrets, { format: "raw" });
    return new hp.Webhook(secrets.map((s) => (typeof s === "string" ? s : `whsec_${Buffer.from(s).toString("base64")}`)));
  }

  /** hookproof's answer for a verify or sign input (see differences.mjs for its shape). */
  function ours(x) {
    return peerAnswer(() => {
      if (x.kind === "sign") return hpWebhook(x.secrets).sign(x.id, x.ts, x.body);
      const r = hpWebhook(x.secrets).safeVerify(x.body, x.object, { now: x.now });
      return r.ok ? "valid" : r.code;
    });
  }

  /** A peer's answer: each secret makes its own `Webhook` (they have no rotation); valid when
   *  any verifies. No secret at all is `new Webhook(undefined)`. */
  function theirs(Peer, x, options) {
    return peerAnswer(() => {
      const made = (x.secrets.length ? x.secrets : [undefined]).map((s) => new Peer(s, s instanceof Uint8Array ? { format: "raw" } : undefined));
      if (x.kind === "sign") return made[0].sign(x.id, new Date(x.ts * 1000), x.body);
      const answers = made.map((wh) => peerAnswer(() => at(x.now, () => (wh.verify(x.body, x.object, options), "valid"))));
      return answers.includes("valid") ? "valid" : answers[0];
    });
  }

  return {
    compare(c) {
      const k = c.concrete.k;
      if (k !== "verify" && k !== "sign") return;
      const cc = c.concrete;
      // The peers have a fixed ±300 s tolerance, no payload limit, and no ed25519 (v1a) keys.
      if ((k === "verify" && (cc.tol !== null || cc.max !== null)) || cc.secrets.some(isEdKey)) {
        outside++;
        return;
      }
      const bytes = expand(cc.body);
      const x = {
        kind: k,
        secrets: cc.secrets.map((s) => (typeof s === "string" ? s : expand(s))),
        body: cc.as === "string" ? utf8(bytes) : Buffer.from(bytes),
      };
      if (k === "verify") {
        x.object = {};
        for (const [name, value] of cc.headers) x.object[name] = value;
        x.now = cc.now;
      } else {
        x.id = cc.id;
        x.ts = cc.ts;
      }
      compared++;
      const ctx = { c, x, hookproof: ours(x), answer: ours };
      record(ctx, "svix", theirs(svix.Webhook, x, undefined));
      record(ctx, "standardwebhooks", theirs(standardwebhooks.Webhook, x, { jsonParse: false }));
    },

    /** Prints the classes with their counts; returns 1 when a difference is unexplained. */
    report() {
      let code = 0;
      console.log(`peers: ${compared} verify and sign cases against svix 2.5.0 and standardwebhooks 1.1.1 (${outside} more outside their domain: another tolerance, a payload limit or ed25519 keys); differences by class (${combined} need two classes or more):`);
      for (const cls of CLASSES) {
        const s = counts.get(`svix|${cls.id}`) ?? 0;
        const w = counts.get(`standardwebhooks|${cls.id}`) ?? 0;
        console.log(`  ${cls.id.padEnd(28)} svix ${String(s).padStart(6)}  standardwebhooks ${String(w).padStart(6)}`);
      }
      const u = (counts.get("svix|UNEXPLAINED") ?? 0) + (counts.get("standardwebhooks|UNEXPLAINED") ?? 0);
      if (u > 0) {
        code = 1;
        console.log(`FAIL: ${u} answers differ from a peer's in no documented class (docs/limits-and-differences.md "Deliberate differences"); the first:`);
        for (const d of unexplained.slice(0, 8)) {
          const { x } = d;
          const shown = { ...x, secrets: x.secrets.map((s) => (typeof s === "string" ? s : { hex: Buffer.from(s).toString("hex") })), body: typeof x.body === "string" ? x.body : utf8(x.body) ?? { hex: x.body.toString("hex") } };
          console.log(`  ${d.c.origin}: hookproof ${q(d.hookproof)}, ${d.peer} ${q(d.theirs)}\n    ${JSON.stringify(shown).slice(0, 3000)}`);
        }
      }
      const missing = readme === undefined ? [] : checkReadme(readme);
      if (missing.length) {
        code = 1;
        console.log(`FAIL: docs/limits-and-differences.md's table of deliberate differences and differences.mjs disagree: ${missing.join("; ")}`);
      }
      return code;
    },
  };
}
