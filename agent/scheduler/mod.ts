/**
 * The agent's loops: snapshot push (a steady interval plus one follow-up per executed command, or change-triggered
 * when opted in), heartbeat, one command long poll per topic, and the lifecycle that starts them and drains them on
 * SIGTERM.
 *
 * @module
 */

export * from "./commands.ts";
export * from "./effects.ts";
export * from "./heartbeat.ts";
export * from "./lifecycle.ts";
export * from "./push.ts";
export * from "./leader.ts";
