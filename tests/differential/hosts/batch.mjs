// A batch of case lines → answers, inside a runtime that has no stdio (workerd, edge-runtime):
// the driver hands the batch over as one text and gets the answers back as one text.
import { runNpmCase } from "../npm-cases.mjs";

export function runBatch(api, text) {
  const answers = [];
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    let c;
    try {
      c = JSON.parse(line);
    } catch {
      answers.push("badcase json");
      continue;
    }
    answers.push(runNpmCase(api, c));
  }
  return answers.join("\n");
}
