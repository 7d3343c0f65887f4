// `hookproof/codat`: everything beyond signatures, on the core's full module.
import * as glue from "../../../pkg/codat/hookproof_codat_wasm_bg.js";
import bytes from "../../../pkg/codat/brotli.js";
import { instantiate, lazy, unpack } from "../../internal.js";
import installCodat from "../../codat-glue.js";

installCodat(glue, lazy(() => instantiate(glue, unpack(bytes), "hookproof_codat_wasm")));
export * from "../../codat.js";
export * from "./index.js";
