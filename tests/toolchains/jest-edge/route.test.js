// The runner writes message.json (a request it signed, and the same body tampered) and judges
// the two answers this test prints; the test itself only checks it runs in the Edge sandbox.
const { POST } = require("./route.js");
const message = require("./message.json");

test("the route answers the signed and the tampered request", async () => {
  expect(typeof EdgeRuntime).toBe("string");
  const answer = async (body) => {
    const response = await POST(new Request("http://127.0.0.1/api/webhook", { method: "POST", headers: message.headers, body }));
    return { status: response.status, body: await response.json() };
  };
  const answers = { valid: await answer(message.body), bad: await answer(message.tampered) };
  console.log(`HOOKPROOF_ANSWERS ${JSON.stringify(answers)}`);
});
