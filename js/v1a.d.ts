// Type declarations for `hookproof/v1a`: `Webhook` (a subclass of the main entry's, with the
// same methods) for keys of both kinds — `whpk_…` ed25519 (Standard Webhooks v1a) public keys to
// verify, `whsk_…` secret keys to sign, `whsec_…` HMAC secrets. Every key states its kind: text
// keeps its prefix (bare base64 is refused with `ambiguous_key`), bytes come as `{ publicKey }`,
// `{ signingKey }`, or with `{ format: "raw" }` as an HMAC secret.
export * from "./index.js";

/** Strict ed25519 verification (RFC 8032, canonical `S`, no small-order keys): the primitive under `v1a`. */
export function ed25519Verify(publicKey: Uint8Array | string, message: Uint8Array | string, signature: Uint8Array | string): boolean;

/** The 64-byte ed25519 signature of `message` under a signing key (32-byte seed, or seed ‖ public key). */
export function ed25519Sign(signingKey: Uint8Array | string, message: Uint8Array | string): Uint8Array;
