// Cloudflare workerd: the runtime imports a .wasm file as a compiled WebAssembly.Module.
import * as glue from "../../../pkg/webhook/hookproof_webhook_wasm_bg.js";
import wasm from "../webhook.wasm";
import { attachMemory, installBackend, instantiate, lazy } from "../../internal.js";

installBackend("lean", glue, lazy(() => attachMemory(instantiate(glue, wasm, "hookproof_webhook_wasm"))));
export { HookproofError, Webhook, WebhookVerificationError, hmacSha256, wasmMemoryBytes } from "../../internal.js";
