/**
 * What a Master request can fail with: a non-2xx answer ({@linkcode MasterError}), no answer at all
 * ({@linkcode NetworkError}, the class the Kubernetes client throws too, with the whole cause chain: an untrusted
 * certificate says so), or a 2xx answer whose body cannot be understood ({@linkcode MasterProtocolError}). Callers
 * branch on the class and on `status`, never on message text.
 *
 * @module
 */

import { NetworkError } from "../http.ts";

/** Fields of {@linkcode MasterError}. */
export interface MasterErrorInit {
  status: number;
  method: string;
  path: string;
  /** The Master's answer text (Go's `http.Error` sends `text/plain` with a trailing newline). */
  body: string;
}

/** A non-2xx answer from the Master. */
export class MasterError extends Error {
  override readonly name = "MasterError";
  /** HTTP status code. */
  readonly status: number;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** Path of the failed request. */
  readonly path: string;
  /** The answer text, trimmed (for example `Invalid JSON`). */
  readonly body: string;

  constructor(init: MasterErrorInit) {
    const body = init.body.trim();
    super(`Cannot ${init.method} "${init.path}": ${init.status}${body ? ` ${body.slice(0, 512)}` : ""}`);
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.body = body;
  }
}

/** A request to the Master that got no (complete) answer: the network error both HTTP clients throw. */
export { NetworkError, type NetworkFailure } from "../http.ts";

/** A 2xx answer whose body is not what the protocol promises (for example a poll answer that is not JSON). */
export class MasterProtocolError extends Error {
  override readonly name = "MasterProtocolError";
}

/**
 * True for failures worth retrying with the same request: no answer at all (except a caller's abort), a 5xx, or
 * 408/429. A 4xx means the Master understood and refused; sending it again gives the same answer.
 */
export function isRetriableMasterError(error: unknown): boolean {
  if (error instanceof NetworkError) return error.failure !== "aborted";
  if (error instanceof MasterError) {
    return error.status >= 500 || error.status === 408 || error.status === 429;
  }
  return false;
}
