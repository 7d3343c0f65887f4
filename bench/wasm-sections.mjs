// Section sizes of a WebAssembly module (and its largest functions when it has a name section):
// what each part of the shipped .wasm costs. Used by bench/run.mjs.
import { readFileSync } from "node:fs";

const NAMES = { 0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count" };

export function sections(file) {
  const buf = readFileSync(file);
  let p = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    let b;
    do {
      b = buf[p++];
      r |= (b & 0x7f) << s;
      s += 7;
    } while (b & 0x80);
    return r >>> 0;
  };
  const out = [];
  let functions = 0;
  while (p < buf.length) {
    const id = buf[p++];
    const size = leb();
    const start = p;
    let name = NAMES[id] ?? `#${id}`;
    if (id === 0) {
      const n = leb();
      name = `custom "${buf.subarray(p, p + n).toString()}"`;
    }
    if (id === 10) functions = leb();
    out.push({ name, bytes: size });
    p = start + size;
  }
  return { total: buf.length, functions, sections: out };
}
