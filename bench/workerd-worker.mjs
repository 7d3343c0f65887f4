// Inside workerd: N verifications with hookproof or svix per request (`?impl=&size=&n=`), so
// the client can time them from outside (workerd's own clocks do not advance during CPU work).
import { Webhook as Hookproof } from "hookproof";
import { Webhook as Svix } from "svix";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const hookproof = new Hookproof(SECRET);
const svix = new Svix(SECRET);
const messages = new Map();

function message(size) {
  if (!messages.has(size)) {
    const body = `{"data":"${"x".repeat(size - 11)}"}`;
    const ts = Math.floor(Date.now() / 1000);
    const sig = hookproof.sign("msg_bench", ts, body);
    messages.set(size, { body, headers: { "webhook-id": "msg_bench", "webhook-timestamp": String(ts), "webhook-signature": sig } });
  }
  return messages.get(size);
}

export default {
  fetch(request) {
    const url = new URL(request.url);
    const impl = url.searchParams.get("impl");
    const n = Number(url.searchParams.get("n"));
    const m = message(Number(url.searchParams.get("size")));
    if (impl === "hookproof") for (let i = 0; i < n; i++) hookproof.verifySignature(m.body, m.headers);
    else if (impl === "svix") for (let i = 0; i < n; i++) svix.verify(m.body, m.headers);
    return new Response("ok");
  },
};
