// Vercel Edge and Next.js edge routes: `?module` imports a .wasm file as a compiled WebAssembly.Module (maybe from another realm: it is instantiated as given, never checked with instanceof).
import * as glue from "../../../pkg/webhook/hookproof_webhook_wasm_bg.js";
import wasm from "../webhook.wasm?module";
import { attachMemory, installBackend, instantiate, lazy } from "../../internal.js";

installBackend("lean", glue, lazy(() => attachMemory(instantiate(glue, wasm, "hookproof_webhook_wasm"))));
export { HookproofError, Webhook, WebhookVerificationError, hmacSha256, wasmMemoryBytes } from "../../internal.js";
