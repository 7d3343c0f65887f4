// An Edge route handler (Web Request in, Response out), written as CommonJS: Jest's default.
const { Webhook } = require("hookproof");

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

exports.POST = async function POST(request) {
  const result = wh.safeVerify(new Uint8Array(await request.arrayBuffer()), request.headers);
  return Response.json(result, { status: result.ok ? 200 : 401 });
};
