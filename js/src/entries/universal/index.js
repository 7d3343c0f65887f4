// Node, Bun, Deno and bundlers: the module's bytes travel inside the package's JS, brotli-
// compressed (no file to locate at run time, no loader for a bundler to configure), and are
// decompressed by node:zlib and compiled synchronously on first use.
import * as glue from "../../../pkg/webhook/hookproof_webhook_wasm_bg.js";
import bytes from "../../../pkg/webhook/brotli.js";
import { attachMemory, installBackend, installHostCrypto, instantiate, lazy, nodeCrypto, unpack } from "../../internal.js";

installBackend("lean", glue, lazy(() => attachMemory(instantiate(glue, unpack(bytes), "hookproof_webhook_wasm"))));
installHostCrypto(nodeCrypto);
export { HookproofError, Webhook, WebhookVerificationError, hmacSha256, wasmMemoryBytes } from "../../internal.js";
