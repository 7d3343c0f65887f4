// Runs the consumer: `node src/server.js` with REDIS_URL (default redis://127.0.0.1:6379),
// WEBHOOK_SECRETS (whsec_…, space-separated for rotation), PORT (default 8080), HOST
// (default 127.0.0.1), and optionally STREAM, DEDUPE_SCOPE (default: the stream), EVENT_TYPES,
// COMPANY_TAGS, RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST, UNAUTHENTICATED_PER_SECOND,
// UNAUTHENTICATED_BURST, MAX_BODY_BYTES, BODY_TIMEOUT_MS, DEDUPE_WINDOW_SECONDS, LEASE_SECONDS.
import http from "node:http";
import Redis from "ioredis";
import { createConsumer } from "./consumer.js";

const env = process.env;
/** Refuses to start, naming the setting. */
function misconfigured(message) {
  console.error(`configuration error: ${message}`);
  process.exit(1);
}
// A number setting: unset (or empty) is the default; anything but a whole number stops the
// server, naming the variable (NaN passed on could switch a bound off).
const number = (name) => {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) misconfigured(`${name} must be a whole number, not ${JSON.stringify(value)}`);
  return n;
};
const secrets = (env.WEBHOOK_SECRETS ?? "").split(/[\s,]+/).filter(Boolean);
// No default secret, ever: without one every request would fail, or worse, pass.
if (secrets.length === 0) misconfigured("WEBHOOK_SECRETS is not set: give the endpoint's whsec_ signing secret(s)");
// A command that does not answer within 5 s fails, so every request is answered within Codat's 15 s.
const redis = new Redis(env.REDIS_URL ?? "redis://127.0.0.1:6379", { commandTimeout: 5000, maxRetriesPerRequest: 1 });
const handler = createConsumer((args) => redis.call(...args), {
  secrets,
  stream: env.STREAM,
  dedupeScope: env.DEDUPE_SCOPE,
  eventTypes: env.EVENT_TYPES,
  companyTags: env.COMPANY_TAGS,
  ratePerSecond: number("RATE_LIMIT_PER_SECOND"),
  rateBurst: number("RATE_LIMIT_BURST"),
  unauthenticatedPerSecond: number("UNAUTHENTICATED_PER_SECOND"),
  unauthenticatedBurst: number("UNAUTHENTICATED_BURST"),
  maxBodyBytes: number("MAX_BODY_BYTES"),
  bodyTimeoutMs: number("BODY_TIMEOUT_MS"),
  windowSeconds: number("DEDUPE_WINDOW_SECONDS"),
  leaseSeconds: number("LEASE_SECONDS"),
});
const server = http.createServer(handler);
server.keepAliveTimeout = 65_000;
server.listen(Number(env.PORT ?? 8080), env.HOST ?? "127.0.0.1", () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}/`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    redis.quit().finally(() => process.exit(0));
  });
}
