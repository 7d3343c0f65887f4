// The same endpoint on the Node.js runtime (Next's default for route handlers).
import { Webhook } from "hookproof";

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

export async function POST(request) {
  const result = wh.safeVerify(new Uint8Array(await request.arrayBuffer()), request.headers);
  return Response.json(result, { status: result.ok ? 200 : 401 });
}
