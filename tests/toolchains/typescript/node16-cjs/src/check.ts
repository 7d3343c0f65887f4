// Imports hookproof and uses its types (compiled by tsc with the project's tsconfig).
import { Webhook, WebhookVerificationError, type SafeVerifyResult, type VerifyErrorCode } from "hookproof";

const wh = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", { toleranceInSeconds: 300 });

/** The endpoint's logic: 200 for a verified message, 401 and the error code otherwise. */
export function check(body: Uint8Array, headers: Record<string, string | string[] | undefined>): { status: number; result: SafeVerifyResult } {
  const result = wh.safeVerify(body, headers);
  if (result.ok) {
    const id: string = result.id;
    return { status: 200, result: { ok: true, id, timestamp: result.timestamp } };
  }
  const code: VerifyErrorCode = result.code;
  return { status: 401, result: { ok: false, code, message: result.message } };
}

/** The throwing form types its error too. */
export function codeOf(error: unknown): VerifyErrorCode | undefined {
  return error instanceof WebhookVerificationError ? error.code : undefined;
}
