// `hookproof/codat`: everything beyond signatures, on the core's full module.
import * as glue from "../../../pkg/codat/hookproof_wasm_bg.js";
import bytes from "../../../pkg/codat/brotli.js";
import { instantiate, lazy, unpack } from "../../internal.js";
import installCodat from "../../codat.js";

installCodat(glue, lazy(() => instantiate(glue, unpack(bytes), "hookproof_wasm")));
export * from "../../codat.js";
export * from "./index.js";
