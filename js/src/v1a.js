// The ed25519 primitives under v1a, for `hookproof/v1a` (so every host can run RFC 8032 and
// Wycheproof against the same core); `glue` is the v1a module's, `ready` instantiates it.
import { failure } from "./errors.js";
import { bodyBytes } from "./input.js";

export function ed25519(glue, ready) {
  return {
    /** Strict ed25519 verification: whether `signature` is valid for `message` under a 32-byte public key. */
    ed25519Verify(publicKey, message, signature) {
      ready();
      const valid = glue.ed25519_verify(bodyBytes(publicKey), bodyBytes(message), bodyBytes(signature));
      if (typeof valid === "number") throw failure(valid);
      return valid;
    },
    /** The 64-byte ed25519 signature of `message` under a signing key (32-byte seed, or seed ‖ public key). */
    ed25519Sign(signingKey, message) {
      ready();
      const out = new Uint8Array(64);
      const error = glue.ed25519_sign(bodyBytes(signingKey), bodyBytes(message), out);
      if (error !== undefined) throw failure(error);
      return out;
    },
  };
}
