// A webhook endpoint on node:http.
import { createServer } from "node:http";
import { Webhook } from "hookproof";

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const result = wh.safeVerify(Buffer.concat(chunks), req.headers);
    res.writeHead(result.ok ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify(result));
  });
}).listen(Number(process.argv[2] || process.env.PORT || 3000), "127.0.0.1");
