// Type declarations for `hookproof/v1a`: the main entry's `Webhook`, able to take ed25519
// (Standard Webhooks v1a) keys — `whpk_…` public keys to verify, `whsk_…` secret keys to sign —
// alongside `whsec_…` secrets.
export * from "./index.js";
