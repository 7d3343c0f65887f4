// The baseline for the Node consumer benchmark: node:http reading the body and adding it to
// the Redis stream, with no verification, filtering, de-duplication or rate limiting.
import http from "node:http";
import Redis from "ioredis";

const redis = new Redis({ host: "127.0.0.1", port: Number(process.env.REDIS_PORT) });
const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  await redis.xadd("baseline-events", "*", "webhookId", String(req.headers["webhook-id"]), "body", Buffer.concat(chunks).toString("utf8"));
  res.writeHead(202, { "content-length": 0 });
  res.end();
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
process.on("SIGTERM", () => {
  server.close();
  redis.disconnect();
  process.exit(0);
});
