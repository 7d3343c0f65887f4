// The vector suite under `deno test`, importing the installed package by name (Deno picks its
// `node`/`import` export conditions: the embedded build, which needs no permissions). Copied into the throwaway project by deno.test.mjs and run there.
import * as codat from "hookproof/codat";
import * as v1a from "hookproof/v1a";
import { runVectors, VECTOR_FILES } from "./suite.mjs";

Deno.test("hookproof vector suite", () => {
  const vectors = {};
  for (const file of VECTOR_FILES) {
    vectors[file] = JSON.parse(Deno.readTextFileSync(new URL(`./vectors/${file}`, import.meta.url)));
  }
  const { total, failures } = runVectors({ ...codat, ...v1a }, vectors);
  if (failures.length > 0) throw new Error(`${failures.length} failures:\n${failures.join("\n")}`);
  if (total < 400) throw new Error(`only ${total} vectors ran`);
  console.log(`${total} vectors passed under Deno ${Deno.version.deno}`);
});
