// Runs the consumer: `node src/server.js` with REDIS_URL (default redis://127.0.0.1:6379),
// WEBHOOK_SECRETS (whsec_…, space-separated for rotation), PORT (default 8080), HOST
// (default 127.0.0.1), and optionally STREAM, DEDUPE_SCOPE (default: the stream), EVENT_TYPES,
// COMPANY_TAGS, RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST, UNAUTHENTICATED_PER_SECOND,
// UNAUTHENTICATED_BURST, MAX_BODY_BYTES, BODY_TIMEOUT_MS, DEDUPE_WINDOW_SECONDS, LEASE_SECONDS.
import http from "node:http";
import Redis from "ioredis";
import { createConsumer } from "./consumer.js";

const env = process.env;
const number = (v) => (v ? Number(v) : undefined);
// A command that does not answer within 5 s fails, so every request is answered within Codat's 15 s.
const redis = new Redis(env.REDIS_URL ?? "redis://127.0.0.1:6379", { commandTimeout: 5000, maxRetriesPerRequest: 1 });
const handler = createConsumer((args) => redis.call(...args), {
  secrets: (env.WEBHOOK_SECRETS ?? "").split(/[\s,]+/).filter(Boolean),
  stream: env.STREAM,
  dedupeScope: env.DEDUPE_SCOPE,
  eventTypes: env.EVENT_TYPES,
  companyTags: env.COMPANY_TAGS,
  ratePerSecond: number(env.RATE_LIMIT_PER_SECOND),
  rateBurst: number(env.RATE_LIMIT_BURST),
  unauthenticatedPerSecond: number(env.UNAUTHENTICATED_PER_SECOND),
  unauthenticatedBurst: number(env.UNAUTHENTICATED_BURST),
  maxBodyBytes: number(env.MAX_BODY_BYTES),
  bodyTimeoutMs: number(env.BODY_TIMEOUT_MS),
  windowSeconds: number(env.DEDUPE_WINDOW_SECONDS),
  leaseSeconds: number(env.LEASE_SECONDS),
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
