import * as glue from "../../../pkg/codat/hookproof_codat_wasm_bg.js";
import bytes from "../../../pkg/codat/deflate.js";
import { instantiateAsync, unpackAsync } from "../../internal.js";
import installCodat from "../../codat-glue.js";

const exports = await instantiateAsync(glue, await unpackAsync(bytes), "hookproof_codat_wasm");
installCodat(glue, () => exports);
export * from "../../codat.js";
export * from "./index.js";
