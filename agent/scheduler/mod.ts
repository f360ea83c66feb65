/**
 * The agent's loops: snapshot push (interval plus change-triggered), heartbeat, one command long poll per topic,
 * and the lifecycle that starts them and drains them on SIGTERM.
 *
 * @module
 */

export * from "./commands.ts";
export * from "./heartbeat.ts";
export * from "./lifecycle.ts";
export * from "./push.ts";
export * from "./leader.ts";
