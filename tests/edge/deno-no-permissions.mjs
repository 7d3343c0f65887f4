// Run by deno.test.mjs with `deno run --no-prompt` and no --allow flag: loading and using the
// package (both entries) must need no permission at all.
import { Webhook } from "hookproof";
import { classifyResponse } from "hookproof/codat";

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
const headers = new Headers({
  "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
  "webhook-timestamp": "1614265330",
  "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
});
const ok = wh.safeVerify('{"test": 2432232314}', headers, { now: 1614265330 });
const bad = wh.safeVerify('{"test": 2432232315}', headers, { now: 1614265330 });
console.log(`valid: ${ok.id}; tampered: ${bad.code}; codat: ${classifyResponse(503)}`);
