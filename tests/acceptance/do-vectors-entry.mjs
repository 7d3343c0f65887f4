// acceptance.json and the rate-limit vectors through the Durable Object store, inside workerd.
import { acceptanceKey } from "hookproof/codat";
import { durableObjectAcceptance, durableObjectRateLimiter } from "hookproof/durable-object";
import { runAcceptanceStore, runRateLimitStore } from "../js/acceptance-suite.mjs";
import acceptance from "../vectors/acceptance.json";
import guards from "../vectors/guards.json";

export { TestState } from "./state-entry.mjs";

export default {
  async fetch(request, env) {
    const ns = env.STATE;
    const result = await runAcceptanceStore(acceptance, {
      store: ({ windowSeconds, leaseSeconds, name }) => durableObjectAcceptance(ns, { windowSeconds, leaseSeconds, scope: name, shards: 1 }),
      key: acceptanceKey,
      // One entry seeded into the object, one operation through the store, the entry read back.
      transition: async (t, store) => {
        const name = `transition-${t.tcId}-${Math.random()}`;
        const s = durableObjectAcceptance(ns, { scope: name, shards: 1, windowSeconds: t.window, leaseSeconds: t.lease });
        const stub = ns.get(ns.idFromName(`${name}:0`));
        const key = acceptanceKey("msg_t");
        if (t.entry) await stub.seed(key, t.entry.state, t.entry.deadline);
        const answer = t.op === "begin" ? await s.begin("msg_t", t.now) : await s[t.op]("msg_t", t.token, t.now);
        return { entry: await stub.read(key), answer };
      },
    });
    const rate = await runRateLimitStore(guards, ({ perSecond, burst, name }) => durableObjectRateLimiter(ns, { perSecond, burst, name }));
    return Response.json({ acceptance: result, rate });
  },
};
