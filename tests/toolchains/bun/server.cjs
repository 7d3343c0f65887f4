// The same, hookproof loaded with require.
const { Webhook } = require("hookproof");

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2] || 3000),
  async fetch(request) {
    const result = wh.safeVerify(new Uint8Array(await request.arrayBuffer()), request.headers);
    return Response.json(result, { status: result.ok ? 200 : 401 });
  },
});
