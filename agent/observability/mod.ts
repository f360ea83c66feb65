/**
 * Observability of the agent: LogTape logging, Prometheus metrics, and the liveness, readiness and metrics HTTP
 * server.
 *
 * @module
 */

export * from "./health.ts";
export * from "./log.ts";
export * from "./metrics.ts";
