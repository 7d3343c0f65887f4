// `hookproof/redis` (Node, import and require): imports the package itself, so it shares its instance.
export * from "../redis.js";
