// An App Router route handler on the edge runtime, as a Next.js user writes a webhook endpoint.
import { Webhook } from "hookproof";

export const runtime = "edge";

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

export async function POST(request) {
  const result = wh.safeVerify(new Uint8Array(await request.arrayBuffer()), request.headers);
  return Response.json(result, { status: result.ok ? 200 : 401 });
}
