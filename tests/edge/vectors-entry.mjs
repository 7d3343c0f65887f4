// The vector suite as one module for edge runtimes: imports the package by name (resolved
// with the runtime's export condition) and the vectors as JSON, and exposes `run()`.
import * as codat from "hookproof/codat";
import * as v1a from "hookproof/v1a";
import { runVectors } from "../js/suite.mjs";
import acceptance from "../vectors/acceptance.json";
import authorization from "../vectors/authorization.json";
import classify from "../vectors/classify.json";
import consumer from "../vectors/consumer.json";
import events from "../vectors/events.json";
import filters from "../vectors/filters.json";
import guards from "../vectors/guards.json";
import hmac from "../vectors/hmac.json";
import retryAfter from "../vectors/retry_after.json";
import signature from "../vectors/signature.json";
import v1aVectors from "../vectors/v1a.json";
import tags from "../vectors/tags.json";

const vectors = {
  "signature.json": signature,
  "v1a.json": v1aVectors,
  "hmac.json": hmac,
  "authorization.json": authorization,
  "classify.json": classify,
  "retry_after.json": retryAfter,
  "tags.json": tags,
  "events.json": events,
  "filters.json": filters,
  "guards.json": guards,
  "acceptance.json": acceptance,
  "consumer.json": consumer,
};

const api = { ...codat, ...v1a };

export function run() {
  return runVectors(api, vectors);
}

/** As a module worker: GET / answers the suite's result as JSON. */
export default {
  fetch() {
    return Response.json(run());
  },
};
