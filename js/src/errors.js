// The error classes every entry shares, and the one place the core's `code|message` strings
// become them.

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

/** Splits the core's `code|message[|index]` string. */
export function parts(raw) {
  const first = raw.indexOf("|");
  const last = raw.lastIndexOf("|");
  const code = raw.slice(0, first);
  if (last > first && /^\d+$/.test(raw.slice(last + 1))) {
    return [code, raw.slice(first + 1, last), Number(raw.slice(last + 1))];
  }
  return [code, raw.slice(first + 1), undefined];
}

export function fail(raw, Class = HookproofError) {
  const [code, message, index] = parts(raw);
  return Class === WebhookVerificationError ? new Class(code, message) : new Class(code, message, index);
}

/** Runs a core call that throws `code|message` strings and rethrows them as `Class`. */
export function call(fn, Class = HookproofError) {
  try {
    return fn();
  } catch (e) {
    if (typeof e === "string") throw fail(e, Class);
    throw e;
  }
}
