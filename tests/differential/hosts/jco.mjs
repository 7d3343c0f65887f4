// Host: the WebAssembly component transpiled to JavaScript by jco, under Node. The driver
// transpiled dist/hookproof.component.wasm into the directory given as argument.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runJcoCase } from "../jco-cases.mjs";
import { perCase, serve } from "./serve.mjs";

const hp = await import(pathToFileURL(join(process.argv[2], "hookproof.js")).href);
serve(perCase((c) => runJcoCase(hp, c)));
