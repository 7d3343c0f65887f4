// A Nuxt server route verifying webhooks, on the Web Request that Nitro's h3 hands over.
import { Webhook } from "hookproof";

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

export default defineEventHandler(async (event) => {
  const request = toWebRequest(event);
  const result = wh.safeVerify(new Uint8Array(await request.arrayBuffer()), request.headers);
  setResponseStatus(event, result.ok ? 200 : 401);
  return result;
});
