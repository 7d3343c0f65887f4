// Host: the npm package under Deno (its `deno` export condition), from the packed tarball's
// throwaway project. The driver copies this file with lib.mjs, api.mjs, npm-cases.mjs and a
// generated differential-api.mjs into that project and runs `deno run` there.
import * as modules from "./differential-api.mjs";
import { mergeApi } from "./api.mjs";
import { runNpmCase } from "./npm-cases.mjs";

const api = mergeApi(modules.main, modules.subpaths);
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const out = Deno.stdout.writable.getWriter();
let pending = "";
let answers = [];
for await (const chunk of Deno.stdin.readable) {
  pending += decoder.decode(chunk, { stream: true });
  let start = 0;
  for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n", start)) {
    const line = pending.slice(start, end);
    start = end + 1;
    if (line !== ".") {
      let c;
      try {
        c = JSON.parse(line);
      } catch {
        answers.push("badcase json");
        continue;
      }
      answers.push(runNpmCase(api, c));
      continue;
    }
    await out.write(encoder.encode(`${answers.join("\n")}${answers.length ? "\n" : ""}.\n`));
    answers = [];
  }
  pending = pending.slice(start);
}
