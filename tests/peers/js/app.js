"use strict";

const { Inngest } = require("inngest");
const { createProductFunctions } = require("./functions/product");
const { createLabFunctions } = require("./functions/lab");
const { createConformanceFunctions } = require("./functions/conformance");
const { createConfigFunctions } = require("./functions/configs");

const FUNCTION_GROUPS = {
  product: createProductFunctions,
  conformance: createConformanceFunctions,
  lab: createLabFunctions,
  configs: createConfigFunctions,
};

const DEFAULT_GROUPS = ["product", "conformance", "lab"];

/**
 * Builds the Inngest client and the functions of the requested groups, in
 * group order. Throws on an unknown group name.
 */
function createApp({ appId, groups = DEFAULT_GROUPS, checkpointing = false }) {
  // Checkpointing off gives the classic protocol: one 206 per step, which
  // is what the Rust service implements.
  const client = new Inngest({ id: appId, checkpointing });

  const functions = groups.flatMap((group) => {
    const create = FUNCTION_GROUPS[group];
    if (!create) {
      const known = Object.keys(FUNCTION_GROUPS).join(", ");
      throw new Error(`unknown function group "${group}"; expected one of: ${known}`);
    }
    return create(client);
  });

  return { client, functions };
}

module.exports = { createApp, DEFAULT_GROUPS, FUNCTION_GROUPS };
