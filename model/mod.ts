/**
 * The wire model shared with the AtlHyper Master (master-protocol §1.3, §1.4, §2): plain types with the exact
 * camelCase JSON names, the wire-type table that describes how Go decodes each field, and tiny pure helpers
 * (age text, quantities). Imports nothing outside this folder.
 *
 * @module
 */

export * from "./age.ts";
export * from "./command.ts";
export * from "./config.ts";
export * from "./event.ts";
export * from "./meta.ts";
export * from "./network.ts";
export * from "./node.ts";
export * from "./pod.ts";
export * from "./policy.ts";
export * from "./quantity.ts";
export * from "./snapshot.ts";
export * from "./storage.ts";
export * from "./wire_types.ts";
export * from "./workloads.ts";
