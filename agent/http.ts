/**
 * What the two outbound clients (Kubernetes in `sdk/`, the Master in `gateway/`) share: bounded body reads (every
 * body the other side sizes is read through them, never buffered whole first), the error-body cap, and one
 * mapping of a request that got no answer to a {@linkcode NetworkError}.
 *
 * @module
 */

/** Reads at most `limit` characters of a body and releases the rest: error pages do not belong in a log line. */
export async function readBounded(response: Response, limit: number): Promise<string> {
  const { text } = await readLimited(response, limit);
  return text.slice(0, limit);
}

/** What {@linkcode readLimited} read. */
export interface LimitedBody {
  /** The body (its first `maxBytes` bytes when it was larger), decoded as UTF-8. */
  text: string;
  /** The body had more than `maxBytes` bytes; the rest was not read. */
  truncated: boolean;
}

/**
 * Reads a body up to `maxBytes` bytes, then cancels the stream: memory grows by at most about `maxBytes` (plus
 * one network chunk) whatever the sender does. A cut never splits a UTF-8 character.
 */
export async function readLimited(response: Response, maxBytes: number): Promise<LimitedBody> {
  if (!response.body) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let end = size;
  if (truncated) {
    // Drop a last character the cut left incomplete: find its lead byte, compare its length with what is left.
    let lead = end - 1;
    while (lead > 0 && end - lead < 4 && (bytes[lead] & 0xc0) === 0x80) lead--;
    const first = bytes[lead] ?? 0;
    const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
    if (lead + length > end) end = lead;
  }
  return { text: new TextDecoder().decode(bytes.subarray(0, end)), truncated };
}

/** `2097152` → `2 MiB`, `65536` → `64 KiB`, `100` → `100 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Error bodies are read up to this size: a proxy's HTML page does not belong in a log line. */
export const MAX_ERROR_BODY = 64 * 1024;

/** Reads a non-2xx answer's body up to {@linkcode MAX_ERROR_BODY}; `""` when even that fails (the status still classifies). */
export function readErrorBody(response: Response): Promise<string> {
  return readBounded(response, MAX_ERROR_BODY).catch(() => "");
}

/** Why a request got no (complete) HTTP answer. */
export type NetworkFailure = "timeout" | "aborted" | "connection" | "stream";

/**
 * A request that got no (complete) answer, from the API server or the Master: connection refused or reset, DNS,
 * TLS, timeout, aborted by the caller, broken stream. The message carries the whole cause chain, because `fetch`
 * hides the reason that matters (`UnknownIssuer`, `Connection refused`) two levels down.
 */
export class NetworkError extends Error {
  /** Error name, `NetworkError`. */
  override readonly name = "NetworkError";
  /** What went wrong. */
  readonly failure: NetworkFailure;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** Path (without query) of the failed request. */
  readonly path: string;

  /** Builds the error from the failure kind, the request and the underlying cause. */
  constructor(failure: NetworkFailure, method: string, path: string, options?: { cause?: unknown }) {
    super(`Cannot ${method} "${path}": ${failure}: ${causeChain(options?.cause ?? failure)}`, {
      cause: options?.cause,
    });
    this.failure = failure;
    this.method = method;
    this.path = path;
  }
}

/** Joins the messages of an error and its causes, without repeats, at most five levels deep. */
export function causeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.includes(message)) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

/** The request a failure belongs to, as {@linkcode requestFailure} needs it. */
export interface FailedRequest {
  method: string;
  path: string;
  /** The caller's signal: when it fired, the failure is `aborted`. */
  signal?: AbortSignal;
}

/**
 * Maps a failure of `fetch`, or of reading an answer's body, to a {@linkcode NetworkError}:
 * - `timeout` when the request's own deadline fired and the caller did not abort, or when the caller's signal
 *   fired with a `TimeoutError` reason (a caller's deadline, such as a command's);
 * - `aborted` when the caller aborted for any other reason (a stop: not worth retrying);
 * - `connection` otherwise (refused, reset, DNS, TLS), with the whole cause chain.
 *
 * A {@linkcode NetworkError} is returned as it is.
 */
export function requestFailure(request: FailedRequest, error: unknown, timeout?: AbortSignal): NetworkError {
  const { method, path, signal } = request;
  if (error instanceof NetworkError) return error;
  if (timeout?.aborted && !signal?.aborted) {
    return new NetworkError("timeout", method, path, { cause: timeout.reason });
  }
  if (signal?.aborted) {
    const failure = isTimeoutError(signal.reason) ? "timeout" : "aborted";
    return new NetworkError(failure, method, path, { cause: signal.reason });
  }
  if (isTimeoutError(error)) return new NetworkError("timeout", method, path, { cause: error });
  if (error instanceof DOMException && error.name === "AbortError") {
    return new NetworkError("aborted", method, path, { cause: error });
  }
  return new NetworkError("connection", method, path, { cause: error });
}

function isTimeoutError(error: unknown): boolean {
  return error instanceof DOMException && error.name === "TimeoutError";
}
