// Host: the npm package inside Vercel's edge-runtime sandbox (its `edge-light` entries, each
// `.wasm?module` import a WebAssembly.Module compiled inside the sandbox's realm, as on
// Vercel), bundled from the packed tarball's throwaway project. Each batch crosses into the
// sandbox as one string.
import { EdgeRuntime } from "edge-runtime";
import { bundleEdgeLight, compileInSandbox } from "../../edge/bundle.mjs";
import { serve } from "./serve.mjs";

const { code, modules } = await bundleEdgeLight(process.argv[2], "__hookproofDifferential");
const runtime = new EdgeRuntime();
compileInSandbox(runtime, modules);
runtime.evaluate(code);
if (runtime.evaluate("typeof process !== 'undefined' || typeof require !== 'undefined'")) throw new Error("Node globals inside the sandbox");
serve((lines) => {
  runtime.context.__batch = lines.join("\n");
  const text = runtime.evaluate("__hookproofDifferential.run(__batch)");
  return text.length ? text.split("\n") : [];
});
