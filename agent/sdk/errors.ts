/**
 * Errors of the connection layer. A non-2xx answer is a {@linkcode KubeApiError}; a request that never got an
 * answer (refused, reset, DNS, TLS, timeout) is a {@linkcode NetworkError}. Callers branch on `reason` and
 * `status`, never on message text.
 *
 * @module
 */

import type { Status } from "./types.ts";

/** The `reason` values of a Kubernetes `Status` the agent branches on. */
export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "MethodNotAllowed"
  | "Gone"
  | "Expired"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout"
  | string;

/** Fields of {@linkcode KubeApiError}. */
export interface KubeApiErrorInit {
  status: number;
  method: string;
  path: string;
  reason?: StatusReason;
  message?: string;
  body?: Status;
  retryAfterSeconds?: number;
}

/** A non-2xx answer from the API server, carrying the decoded `Status` when there was one. */
export class KubeApiError extends Error {
  /** Error name, `KubeApiError`. */
  override readonly name = "KubeApiError";
  /** HTTP status code. */
  readonly status: number;
  /** `Status.reason`, or a reason derived from the HTTP status when the body had none. */
  readonly reason: StatusReason;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** Path (without query) of the failed request. */
  readonly path: string;
  /** The decoded `Status`, when the server sent one. */
  readonly body?: Status;
  /** `Retry-After` in seconds, when the server sent it (429, 503). */
  readonly retryAfterSeconds?: number;

  /** Builds the error from the failed request and the server's answer. */
  constructor(init: KubeApiErrorInit) {
    const reason = init.reason || reasonForStatus(init.status);
    const detail = init.message || reason;
    super(`Cannot ${init.method} "${init.path}": ${init.status} ${detail}`);
    this.status = init.status;
    this.reason = reason;
    this.method = init.method;
    this.path = init.path;
    this.body = init.body;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** The server's own message, without the request prefix. */
  get apiMessage(): string {
    return this.body?.message ?? this.reason;
  }
}

/**
 * A request that got no (complete) answer is a {@linkcode NetworkError}, the same class the Master gateway
 * throws: one mapping of timeouts, aborts, connection and TLS failures for both clients (`agent/http.ts`).
 */
export { NetworkError, type NetworkFailure } from "../http.ts";

/** The canonical reason for an HTTP status, used when an answer had no `Status` body. */
export function reasonForStatus(status: number): StatusReason {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return status >= 500 ? "InternalError" : `HTTP${status}`;
  }
}

/** True for a 404 answer. */
export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 404;
}

/** True for a 403 answer. */
export function isForbidden(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 403;
}

/** True for a 409 caused by a stale `resourceVersion` (not AlreadyExists). */
export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 409 && error.reason !== "AlreadyExists";
}

/** True for a 409 AlreadyExists. */
export function isAlreadyExists(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "AlreadyExists";
}

/** True when the resource version is gone: 410, or reason `Expired`/`Gone` (servers before 1.18 differ). */
export function isExpired(error: unknown): boolean {
  return error instanceof KubeApiError &&
    (error.status === 410 || error.reason === "Expired" || error.reason === "Gone");
}

/** True for a 429 answer. */
export function isTooManyRequests(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 429;
}

/** The connection configuration (kubeconfig, in-cluster service account, credentials) cannot be used. */
export class KubeConfigError extends Error {
  /** Error name, `KubeConfigError`. */
  override readonly name = "KubeConfigError";

  /** Builds the error with a message and an optional cause. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
