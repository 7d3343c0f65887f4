// Rollup with the two plugins every Node project adds, both with their defaults.
import commonjs from "@rollup/plugin-commonjs";
import { nodeResolve } from "@rollup/plugin-node-resolve";

export default {
  input: "src/server.mjs",
  output: { dir: "dist", format: "es" },
  plugins: [nodeResolve(), commonjs()],
};
