/**
 * Observability of the agent: LogTape logging, Prometheus metrics, the liveness, readiness and metrics HTTP
 * server, and their wiring to the agent's hooks.
 *
 * @module
 */

export * from "./health.ts";
export * from "./log.ts";
export * from "./metrics.ts";
export * from "./wiring.ts";
