// `make docs-check`: every relative link and anchor in README.md and docs/*.md resolves — the
// file or directory exists in the tree, and a `#fragment` names a heading of the target page
// (GitHub's slugs). Absolute URLs are not fetched (no network in tests).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const pages = () => ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

/** The text outside fenced code blocks and inline code. */
function prose(text) {
  return text
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "")
    .replace(/`[^`\n]*`/g, "``");
}

/** GitHub's heading anchors of a markdown file's text outside code blocks. */
export function anchors(text) {
  const seen = new Map();
  const out = new Set();
  for (const line of text.split("\n")) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    let slug = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    if (n > 0) slug = `${slug}-${n}`;
    out.add(slug);
  }
  return out;
}

// Headings with inline code keep the code's text in their slug: read them from the raw lines.
function headingSource(text) {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "");
}

export function check() {
  const problems = [];
  let count = 0;
  for (const page of pages()) {
    const text = readFileSync(join(root, page), "utf8");
    const body = prose(text);
    const targets = [
      ...[...body.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]),
      ...[...body.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      count++;
      const [path, fragment] = target.split("#");
      const file = path === "" ? join(root, page) : join(root, dirname(page), decodeURIComponent(path));
      if (!existsSync(file)) {
        problems.push(`${page}: ${target}: no ${relative(root, file)}`);
        continue;
      }
      if (fragment === undefined) continue;
      if (statSync(file).isDirectory() || !file.endsWith(".md")) {
        problems.push(`${page}: ${target}: a fragment on a file that is not markdown`);
        continue;
      }
      const slugs = anchors(headingSource(readFileSync(file, "utf8")));
      if (!slugs.has(fragment)) problems.push(`${page}: ${target}: no heading #${fragment} in ${relative(root, file)}`);
    }
  }
  return { problems, count };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { problems, count } = check();
  for (const p of problems) console.log(`broken link: ${p}`);
  console.log(`links: ${count} relative links in ${pages().length} pages, ${problems.length} broken`);
  if (problems.length > 0) process.exit(1);
}
