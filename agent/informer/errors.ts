/**
 * Classification of informer failures: one named predicate per decision the watch loop makes.
 *
 * @module
 */

import { KubeApiError, NetworkError } from "../sdk/mod.ts";
import type { Status } from "../sdk/mod.ts";
import { errorText } from "../log.ts";

/** What kind of failure an informer saw; metrics count errors by it. */
export type ErrorKind =
  | "expired"
  | "forbidden"
  | "missing"
  | "throttled"
  | "server"
  | "client"
  | "network"
  | "idle"
  | "decode"
  | "transform"
  | "shortWatch";

/** An error as the watcher reports it: the kind decides the next state and the backoff. */
export interface InformerError {
  /** Error class; decides the next state and the backoff. */
  kind: ErrorKind;
  /** Where it happened. */
  phase: "list" | "watch";
  /** Human-readable description. */
  message: string;
  /** Seconds the server asked us to wait (429/503 `Retry-After`). */
  retryAfterSeconds?: number;
  /** The server answered "too large resource version": it is behind the version we hold (kind `expired`). */
  tooLarge?: boolean;
}

/** The stream sent nothing for too long and was aborted by the watchdog. */
export class IdleStreamError extends Error {
  override readonly name = "IdleStreamError";
}

/** 410, or `Expired`/`Gone` (1.17 and 1.18 servers differ in the reason). */
export function isExpiredStatus(status: { code?: number; reason?: string }): boolean {
  return status.code === 410 || status.reason === "Expired" || status.reason === "Gone";
}

/** "Too large resource version": the server is behind the RV we asked for; a relist gets a fresh one. */
export function isTooLargeResourceVersion(status: Status): boolean {
  if (status.details?.causes?.some((c) => c.reason === "ResourceVersionTooLarge")) return true;
  return (status.message ?? "").includes("Too large resource version");
}

/** True when the watch must be abandoned for a fresh LIST. */
export function needsRelist(status: Status): boolean {
  return isExpiredStatus(status) || isTooLargeResourceVersion(status);
}

/** Maps any thrown value to an {@linkcode InformerError}. */
export function classify(error: unknown, phase: "list" | "watch"): InformerError {
  if (error instanceof KubeApiError) {
    const tooLarge = error.body !== undefined && isTooLargeResourceVersion(error.body);
    return {
      kind: kindOfStatus(error.status, error.reason, error.body),
      phase,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
      ...(tooLarge ? { tooLarge } : {}),
    };
  }
  if (error instanceof IdleStreamError) return { kind: "idle", phase, message: error.message };
  if (error instanceof NetworkError) return { kind: "network", phase, message: error.message };
  if (error instanceof Error && error.name === "WatchDecodeError") {
    return { kind: "decode", phase, message: error.message };
  }
  return { kind: "network", phase, message: errorText(error) };
}

/** Classifies a `Status` received as a watch `ERROR` event. */
export function classifyStatus(status: Status): InformerError {
  return {
    kind: kindOfStatus(status.code ?? 500, status.reason ?? "", status),
    phase: "watch",
    message: `watch error ${status.code ?? "?"} ${status.reason ?? ""}: ${status.message ?? ""}`.trim(),
    ...(isTooLargeResourceVersion(status) ? { tooLarge: true } : {}),
  };
}

/** Failures of the path to the server (no answer at all), as opposed to answers the server gave. */
export function isTransportFailure(error: InformerError): boolean {
  return error.kind === "network" || error.kind === "idle";
}

function kindOfStatus(code: number, reason: string, status: Status | undefined): ErrorKind {
  if (isExpiredStatus({ code, reason }) || (status && isTooLargeResourceVersion(status))) return "expired";
  if (code === 403) return "forbidden";
  if (code === 404) return "missing";
  if (code === 429) return "throttled";
  if (code >= 500) return "server";
  return "client";
}
