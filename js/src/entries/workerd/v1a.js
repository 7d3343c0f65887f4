import * as glue from "../../../pkg/webhook-v1a/hookproof_webhook_wasm_bg.js";
import wasm from "../webhook-v1a.wasm";
import { ed25519 } from "../../v1a.js";
import { installBackend, instantiate, lazy, V1aWebhook } from "../../internal.js";

const ready = lazy(() => instantiate(glue, wasm, "hookproof_webhook_wasm"));
installBackend("v1a", glue, ready);
export const { ed25519Verify, ed25519Sign } = ed25519(glue, ready);
export * from "./index.js";
// Keys of both kinds: each must state its kind (a bare base64 string is refused).
export { V1aWebhook as Webhook };
