import * as glue from "../../../pkg/webhook-v1a/hookproof_webhook_wasm_bg.js";
import bytes from "../../../pkg/webhook-v1a/deflate.js";
import { ed25519 } from "../../v1a.js";
import { installBackend, instantiateAsync, unpackAsync, V1aWebhook } from "../../internal.js";

const exports = await instantiateAsync(glue, await unpackAsync(bytes), "hookproof_webhook_wasm");
installBackend("v1a", glue, () => exports);
export const { ed25519Verify, ed25519Sign } = ed25519(glue, () => exports);
export * from "./index.js";
// Keys of both kinds: each must state its kind (a bare base64 string is refused).
export { V1aWebhook as Webhook };
