// The baseline for the consumer benchmark: a worker that only reads the body and queues it,
// with no verification, filtering, de-duplication or rate limiting (never deploy this).
export default {
  async fetch(request, env) {
    const body = await request.text();
    await env.EVENTS.send({ id: request.headers.get("webhook-id"), body });
    return new Response(null, { status: 202 });
  },
};
