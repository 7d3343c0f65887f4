import * as glue from "../../../pkg/codat/hookproof_codat_wasm_bg.js";
import wasm from "../codat.wasm";
import { instantiate, lazy } from "../../internal.js";
import installCodat from "../../codat-glue.js";

installCodat(glue, lazy(() => instantiate(glue, wasm, "hookproof_codat_wasm")));
export * from "../../codat.js";
export * from "./index.js";
