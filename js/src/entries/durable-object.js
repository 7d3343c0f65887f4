// `hookproof/durable-object` (workerd): imports the package itself, so it shares its instance.
export * from "../durable-object.js";
