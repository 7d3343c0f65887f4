// Runs the Node example consumer (examples/node-redis/src/consumer.js, copied beside this file
// into a project where the packed hookproof tarball is installed) as the tests need it: on a
// free port (printed as `listening <port>`), with Redis commands behind a fault injector, and
// a clock the test can move. The consumer itself is unchanged.
//   POST /__test/faults {failRate, lostReplyRate, slowFrom, slowTo, slowMs}: faults of the
//     XADD + commit script (by call number for the slow window): failRate fails before the
//     command is sent, lostReplyRate after it ran (the reply is lost), the slow window waits
//     slowMs and fails without sending.
//   POST /__test/clock <seconds>: offset of the consumer's clock.  GET /__test/stats: counts.
import http from "node:http";
import Redis from "ioredis";
import { createConsumer } from "./consumer.js";

const env = process.env;
const faults = { failRate: 0, lostReplyRate: 0, slowFrom: 0, slowTo: 0, slowMs: 0, ...JSON.parse(env.FAULTS ?? "{}") };
const stats = { adds: 0, failed: 0, lostReplies: 0, slowFailed: 0 };
let offset = 0;

const redis = new Redis({ host: "127.0.0.1", port: Number(env.REDIS_PORT), commandTimeout: 5000, maxRetriesPerRequest: 1, lazyConnect: false });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function command(args) {
  const isAdd = (args[0] === "EVALSHA" || args[0] === "EVAL") && args[3 + Number(args[2])] === "enqueue";
  if (!isAdd) return redis.call(...args);
  const n = ++stats.adds;
  if (n > faults.slowFrom && n <= faults.slowTo) {
    await sleep(faults.slowMs);
    stats.slowFailed++;
    throw new Error("Redis unavailable (injected, after a slow call)");
  }
  if (Math.random() < faults.failRate) {
    stats.failed++;
    throw new Error("Redis unavailable (injected)");
  }
  const reply = await redis.call(...args);
  if (Math.random() < faults.lostReplyRate) {
    stats.lostReplies++;
    throw new Error("connection lost after the command ran (injected)");
  }
  return reply;
}

const consumer = createConsumer(command, {
  secrets: [env.WEBHOOK_SECRET],
  stream: env.STREAM,
  ratePerSecond: Number(env.RATE_LIMIT_PER_SECOND ?? 0),
  rateBurst: Number(env.RATE_LIMIT_BURST ?? env.RATE_LIMIT_PER_SECOND ?? 0),
  now: () => Date.now() / 1000 + offset,
});

const server = http.createServer(async (req, res) => {
  if (req.url.startsWith("/__test/")) {
    let text = "";
    for await (const c of req) text += c;
    if (req.url === "/__test/faults") Object.assign(faults, JSON.parse(text));
    if (req.url === "/__test/clock") offset = Number(text);
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ ...stats, faults, offset }));
  }
  return consumer(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
process.on("SIGTERM", () => {
  server.close();
  redis.disconnect();
  process.exit(0);
});
