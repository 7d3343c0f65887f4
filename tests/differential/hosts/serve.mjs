// The stdio protocol of a Node host process: one JSON case per line on stdin, answered by one
// canonical line each on stdout; a line "." ends a batch and is echoed once every answer of the
// batch is written. Used by the Node (CJS, ESM), edge-runtime and jco hosts.
import { createInterface } from "node:readline";

/** Serves `runBatch(lines) → answers` until stdin closes. */
export function serve(runBatch) {
  let batch = [];
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on("line", (line) => {
    if (line !== ".") {
      batch.push(line);
      return;
    }
    const answers = runBatch(batch);
    batch = [];
    process.stdout.write(`${answers.join("\n")}${answers.length ? "\n" : ""}.\n`);
  });
}

/** Parses each line and runs it with `run(case)`; a line that is not JSON is a bad case. */
export function perCase(run) {
  return (lines) =>
    lines.map((line) => {
      let c;
      try {
        c = JSON.parse(line);
      } catch {
        return "badcase json";
      }
      return run(c);
    });
}
