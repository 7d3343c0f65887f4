// The example worker as the acceptance tests run it: unchanged, but with a clock the test can
// move (POST /__test/clock with an offset in seconds), as a redelivery 28 h later needs.
import { configure, handle } from "../../examples/cloudflare-worker/src/index.js";

export { HookproofState } from "../../examples/cloudflare-worker/src/index.js";

let config;
let offset = 0;

export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__test/clock") {
      offset = Number(await request.text());
      return new Response(String(offset));
    }
    config ??= { ...configure(env), now: () => Date.now() / 1000 + offset };
    return handle(request, env, config, ctx);
  },
};
