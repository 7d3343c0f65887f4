// Browsers (and bundlers targeting them): browsers refuse to compile large modules
// synchronously on the main thread, so the embedded bytes are instantiated at import (top-level
// await); every call after that is synchronous.
import * as glue from "../../../pkg/webhook/hookproof_webhook_wasm_bg.js";
import bytes from "../../../pkg/webhook/deflate.js";
import { attachMemory, installBackend, instantiateAsync, unpackAsync } from "../../internal.js";

const exports = attachMemory(await instantiateAsync(glue, await unpackAsync(bytes), "hookproof_webhook_wasm"));
installBackend("lean", glue, () => exports);
export { HookproofError, Webhook, WebhookVerificationError, hmacSha256, wasmMemoryBytes } from "../../internal.js";
