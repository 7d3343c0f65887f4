// The same, hookproof imported by its bare name from package.json.
import { Webhook } from "hookproof";

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.args[0] ?? 8000) }, async (request) => {
  const result = wh.safeVerify(new Uint8Array(await request.arrayBuffer()), request.headers);
  return Response.json(result, { status: result.ok ? 200 : 401 });
});
