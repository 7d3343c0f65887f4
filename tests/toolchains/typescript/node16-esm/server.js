// Serves the compiled check over node:http.
import { createServer } from "node:http";
import { check } from "./dist/check.js";

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const { status, result } = check(Buffer.concat(chunks), req.headers);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(result));
  });
}).listen(Number(process.argv[2] || process.env.PORT || 3000), "127.0.0.1");
