// The Queue the consumers send to, behind a proxy that fails the way a queue can: at random
// (`failRate`), and slowly then not at all for the sends numbered (slowFrom, slowTo] (`slowMs`).
// A failed send never enqueues. The same worker consumes the queue and counts every message
// by its webhook-id. GET /stats (?ids=1 for the per-id counts); POST /faults sets the faults.
import { WorkerEntrypoint } from "cloudflare:workers";

const faults = { failRate: 0, slowFrom: 0, slowTo: 0, slowMs: 0 };
const stats = { sends: 0, failed: 0, slowFailed: 0, enqueued: 0, received: 0 };
const seen = new Map();

export class FaultyQueue extends WorkerEntrypoint {
  async send(message) {
    const n = ++stats.sends;
    if (n > faults.slowFrom && n <= faults.slowTo) {
      await new Promise((r) => setTimeout(r, faults.slowMs));
      stats.slowFailed++;
      throw new Error("queue unavailable (injected, after a slow send)");
    }
    if (Math.random() < faults.failRate) {
      stats.failed++;
      throw new Error("queue unavailable (injected)");
    }
    await this.env.QUEUE.send(message);
    stats.enqueued++;
  }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/faults") {
      Object.assign(faults, await request.json());
      return Response.json(faults);
    }
    const out = { ...stats, distinct: seen.size };
    if (url.searchParams.has("ids")) out.ids = Object.fromEntries(seen);
    return Response.json(out);
  },
  async queue(batch) {
    for (const m of batch.messages) {
      seen.set(m.body.id, (seen.get(m.body.id) ?? 0) + 1);
      stats.received++;
      m.ack();
    }
  },
};
