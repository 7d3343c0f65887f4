// A browser page verifying a webhook message with hookproof.
import { Webhook } from "hookproof";

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
// The test hands the page a message signed in Node; the page answers with hookproof's verdict.
window.hookproofCheck = (body, headers) => wh.safeVerify(body, headers);
