import * as glue from "../../../pkg/webhook-v1a/hookproof_webhook_wasm_bg.js";
import wasm from "../webhook-v1a.wasm?module";
import { installBackend, instantiate, lazy } from "../../internal.js";

installBackend("v1a", glue, lazy(() => instantiate(glue, wasm, "hookproof_webhook_wasm")));
export * from "./index.js";
