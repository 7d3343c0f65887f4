// `hookproof/v1a`: `Webhook` for keys of both kinds (ed25519, v1a, too), from a second build.
import * as glue from "../../../pkg/webhook-v1a/hookproof_webhook_wasm_bg.js";
import bytes from "../../../pkg/webhook-v1a/brotli.js";
import { ed25519 } from "../../v1a.js";
import { installBackend, instantiate, lazy, unpack, V1aWebhook } from "../../internal.js";

const ready = lazy(() => instantiate(glue, unpack(bytes), "hookproof_webhook_wasm"));
installBackend("v1a", glue, ready);
export const { ed25519Verify, ed25519Sign } = ed25519(glue, ready);
export * from "./index.js";
// Keys of both kinds: each must state its kind (a bare base64 string is refused).
export { V1aWebhook as Webhook };
