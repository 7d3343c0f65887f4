// Writes the committed seed corpora (fuzz/corpus/<target>/) from the vector suite, in each
// target's input format (fields separated by newlines). Run: node fuzz/seeds.mjs
import { createHmac } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vectors = (name) => JSON.parse(readFileSync(join(here, "../tests/vectors", name), "utf8")).tests;
const KEY = Buffer.from("hookproof fuzzing key, 32 bytes!");
const sign = (id, ts, body) => `v1,${createHmac("sha256", KEY).update(`${id}.${ts}.`).update(body).digest("base64")}`;
const seeds = {};
const add = (target, data) => (seeds[target] ??= []).push(Buffer.isBuffer(data) ? data : Buffer.from(data));

for (const t of vectors("signature.json").filter((t) => t.op === "verify")) {
  const h = Object.fromEntries(t.headers.map(([k, v]) => [k.toLowerCase(), v]));
  const id = h["webhook-id"] ?? "";
  const ts = h["webhook-timestamp"] ?? "";
  const sig = h["webhook-signature"] ?? "";
  if (sig.length < 2000) {
    add("headers", `${id}\n${ts}\n${sig}\n${t.body ?? ""}`);
    add("signature_list", sig.replaceAll(/v1,[A-Za-z0-9+/]{43}=/g, sign("msg_fuzz", "1700000000", "{}")) || "v1,");
  }
}
add("headers", `msg_1\n1700000000\n${sign("msg_1", "1700000000", "{}")}\n{}`);
add("signature_list", `v2,x ${sign("msg_fuzz", "1700000000", "{}")} v1,`);
for (const t of vectors("signature.json")) for (const s of t.secrets) if (typeof s === "string" && s.length < 200) add("secret", s);
for (const t of vectors("v1a.json").filter((t) => t.keys)) {
  for (const k of t.keys) if (typeof k === "string" && k.length < 200) add("keys", `${k}\n@1`);
  const sig = t.headers?.find(([k]) => k.endsWith("-signature"))?.[1];
  if (sig && sig.length < 2000) add("keys", `\n${sig.replaceAll(/v1a,[A-Za-z0-9+/]{86}==/g, "@a").replaceAll(/v1,[A-Za-z0-9+/]{43}=/g, "@1")}`);
}
for (const t of vectors("retry_after.json").filter((t) => t.value !== undefined)) {
  const now = Buffer.alloc(8);
  now.writeBigInt64LE(BigInt(t.now ?? 0));
  add("retry_after", Buffer.concat([now, Buffer.from(t.value)]));
}
for (const t of vectors("authorization.json").filter((t) => typeof t.header === "string" && t.header.length < 200)) {
  const e = t.expected;
  add("authorization", e.basic ? `${t.header}\n${e.basic.username}\n${e.basic.password}` : `${t.header}\n\n${e.bearer}`);
}
for (const t of vectors("tags.json")) {
  const list = t.filterList ?? (t.filter ?? []).join(",");
  if (list.length < 500) add("tags", `${list}\n${Object.entries(t.company ?? {}).map(([k, v]) => `${k}:${v}`).join(",")}`);
}
for (const t of vectors("events.json")) if ((t.body ?? "").length < 4000) add("event", t.body ?? Buffer.from(t.bodyHex, "hex"));
for (const t of vectors("filters.json")) {
  if (t.kind === "source" && Array.isArray(t.allowlist) && t.allowlist.length < 20) add("sources", `${t.allowlist.join(",")}\n${t.address ?? ""}`);
  if (t.kind === "event_type" && t.eventType) add("event_types", `${Array.isArray(t.patterns) ? t.patterns.join(",") : t.patterns.list}\n${t.eventType}`);
}

rmSync(join(here, "corpus"), { recursive: true, force: true });
for (const [target, list] of Object.entries(seeds)) {
  mkdirSync(join(here, "corpus", target), { recursive: true });
  list.forEach((data, i) => writeFileSync(join(here, "corpus", target, `seed-${String(i).padStart(3, "0")}`), data));
}
console.log(Object.entries(seeds).map(([t, l]) => `${t}: ${l.length}`).join(", "));
