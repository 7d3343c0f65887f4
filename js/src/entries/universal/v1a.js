// `hookproof/v1a`: the same `Webhook`, able to take ed25519 (v1a) keys, from a second build.
import * as glue from "../../../pkg/webhook-v1a/hookproof_webhook_wasm_bg.js";
import bytes from "../../../pkg/webhook-v1a/brotli.js";
import { ed25519 } from "../../v1a.js";
import { installBackend, instantiate, lazy, unpack } from "../../internal.js";

const ready = lazy(() => instantiate(glue, unpack(bytes), "hookproof_webhook_wasm"));
installBackend("v1a", glue, ready);
export const { ed25519Verify, ed25519Sign } = ed25519(glue, ready);
export * from "./index.js";
