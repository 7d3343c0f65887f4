// Three builds, webpack's defaults otherwise: a Node server from `require`, the same from
// `import`, and a browser page (target web).
const { join } = require("node:path");

module.exports = [
  { name: "node-require", mode: "production", target: "node", entry: "./src/server.cjs", output: { path: join(__dirname, "dist/node-require") } },
  { name: "node-import", mode: "production", target: "node", entry: "./src/server.mjs", output: { path: join(__dirname, "dist/node-import") } },
  { name: "web", mode: "production", target: "web", entry: "./src/page.mjs", output: { path: join(__dirname, "dist/web") } },
];
