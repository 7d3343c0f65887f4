// tests/vectors/acceptance.json (and the rate-limit cases of guards.json) over any shared,
// asynchronous store: the Durable Object (inside workerd) and Redis (from Node). Pure
// ECMAScript, so it bundles into a worker. Stores without a capacity skip the memory-only
// cases. Each failure names the file and tcId.
//
//   const { total, failures, skipped } = await runAcceptanceStore(vectors, {
//     store: ({ windowSeconds, leaseSeconds, name }) => durableObjectAcceptance(ns, { windowSeconds, leaseSeconds, scope: name }),
//     key: (id) => acceptanceKey(id),
//   });

function id(v) {
  return typeof v === "string" ? v : v.repeat.repeat(v.times);
}

function codeOf(e) {
  if (typeof e?.code === "string") return e.code;
  throw e;
}

async function outcome(fn) {
  try {
    return await fn();
  } catch (e) {
    return { error: codeOf(e) };
  }
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * `store(config)` makes a fresh store for one case (config: windowSeconds, leaseSeconds, and a
 * unique `name`); it may throw `invalid_config`. `key(id)` is the key the store uses, when the
 * host can tell (optional). `transition(t)` runs one transition case on the store's own
 * mirror and resolves to `{ entry, answer }` (optional).
 */
export async function runAcceptanceStore(vectors, { store, key, transition, concurrency = 8 }) {
  const failures = [];
  let total = 0;
  let skipped = 0;
  const cases = vectors.tests;
  let next = 0;
  const run = async (t) => {
    const fail = (why) => failures.push(`acceptance.json tcId ${t.tcId} (${t.comment}): ${why}`);
    if (t.kind === "key") {
      if (!key) return void skipped++;
      total++;
      const got = await outcome(async () => ({ key: await key(id(t.id)) }));
      const want = t.error ? { error: t.error } : { key: t.key };
      if (!same(got, want)) fail(`got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      return;
    }
    if (t.capacity !== undefined) return void skipped++;
    if (t.kind === "transition" && !transition) return void skipped++;
    total++;
    const name = `vectors-${t.tcId}-${Math.random().toString(36).slice(2)}`;
    const made = await outcome(async () => ({ store: await store({ windowSeconds: t.window, leaseSeconds: t.lease, name }) }));
    if (t.kind === "config") {
      if (made.error !== t.error) fail(`got ${made.error ?? "accepted"}, want ${t.error}`);
      return;
    }
    if (made.error) return fail(`refused: ${made.error}`);
    if (t.kind === "transition") {
      const got = await outcome(() => transition(t, made.store));
      if (!same(got, t.expected)) fail(`got ${JSON.stringify(got)}, want ${JSON.stringify(t.expected)}`);
      return;
    }
    for (const [i, step] of t.steps.entries()) {
      const s = made.store;
      const got = await outcome(() => (step.op === "begin" ? s.begin(id(step.id), step.now) : s[step.op](id(step.id), step.token, step.now)));
      if (!same(got, step.expected)) return fail(`step ${i + 1} (${step.op} at ${step.now}): got ${JSON.stringify(got)}, want ${JSON.stringify(step.expected)}`);
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) await run(cases[next++]);
    }),
  );
  return { total, skipped, failures };
}

/** The rate-limit cases of guards.json over `limiter({ perSecond, burst, name })`. */
export async function runRateLimitStore(guards, limiter) {
  const failures = [];
  let total = 0;
  for (const t of guards.tests.filter((t) => t.kind === "rate_limit")) {
    total++;
    const fail = (why) => failures.push(`guards.json tcId ${t.tcId} (${t.comment}): ${why}`);
    const made = await outcome(async () => ({ limiter: await limiter({ perSecond: t.perSecond, burst: t.burst, name: `rate-${t.tcId}-${Math.random().toString(36).slice(2)}` }) }));
    if (t.error !== undefined) {
      if (made.error !== t.error) fail(`got ${made.error ?? "accepted"}, want ${t.error}`);
      continue;
    }
    if (made.error) {
      fail(`refused: ${made.error}`);
      continue;
    }
    for (const [i, [ms, want]] of t.steps.entries()) {
      const r = await made.limiter.check(new Date(ms));
      const got = r.allowed ? "allow" : r.retryAfter;
      if (got !== want) {
        fail(`step ${i + 1} at ${ms} ms: got ${got}, want ${want}`);
        break;
      }
    }
  }
  return { total, failures };
}
