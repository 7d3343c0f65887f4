// `hookproof/v1a`: the same `Webhook`, able to take ed25519 (v1a) keys, from a second build.
import * as glue from "../../../pkg/webhook-v1a/hookproof_webhook_wasm_bg.js";
import bytes from "../../../pkg/webhook-v1a/brotli.js";
import { installBackend, instantiate, lazy, unpack } from "../../internal.js";

installBackend("v1a", glue, lazy(() => instantiate(glue, unpack(bytes), "hookproof_webhook_wasm")));
export * from "./index.js";
