// The error classes every entry shares, and the one place the lean module's error numbers
// become them.
import { ERRORS } from "./webhook-errors.js";

// Each class states its `name` (as `static name` and on the instance): the build minifies class
// names away, and Node's `console.log`/`util.inspect` prints the constructor's name, so without it
// an error logs as `p [WebhookVerificationError]`.

/** Every error hookproof throws: `code` is stable and matches the core's error names. */
export class HookproofError extends Error {
  static name = "HookproofError";
  constructor(code, message, index) {
    super(message);
    this.name = "HookproofError";
    this.code = code;
    if (index !== undefined) this.index = index;
  }
}

/** Thrown by `Webhook` for a message (or secret) that fails verification. */
export class WebhookVerificationError extends HookproofError {
  static name = "WebhookVerificationError";
  constructor(code, message) {
    super(code, message);
    this.name = "WebhookVerificationError";
  }
}

/**
 * The lean signature module's error `index` as an error of `Class`: its code and message come
 * from the table generated from the core (webhook-errors.js). The Codat module throws its
 * `HookproofError`s itself.
 */
export function failure(index, Class = HookproofError) {
  const [code, message] = ERRORS[index] ?? ["internal_error", `error ${index} is not in this build's table`];
  return new Class(code, message);
}
