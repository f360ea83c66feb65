/**
 * One HTTP seam to the API server: credentials per request, TLS through `Deno.createHttpClient`, timeouts, and
 * the mapping of failures to {@linkcode KubeApiError} / {@linkcode NetworkError}.
 *
 * @module
 */

import { formatBytes, NetworkError, readErrorBody, readLimited, requestFailure } from "../http.ts";
import { requestUrl } from "./paths.ts";
import { timeoutSignal } from "../clock.ts";
import { KubeApiError } from "./errors.ts";
import type { ConnectionConfig, Credentials, Status } from "./types.ts";

/** A `fetch` compatible function; injected in tests. */
export type FetchFunction = (
  input: string,
  init: RequestInit & { client?: Deno.HttpClient },
) => Promise<Response>;

/** Options of {@linkcode RestTransport}. */
export interface RestTransportOptions {
  /** Default timeout of ordinary requests in milliseconds (watch streams have none). */
  timeoutMs?: number;
  /** Replaces the global `fetch`. */
  fetch?: FetchFunction;
  /** Sent as `User-Agent`. */
  userAgent?: string;
}

/** One request as the transport sends it. */
export interface RestRequest {
  method: string;
  /** Path without query. */
  path: string;
  query?: URLSearchParams;
  body?: string;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Milliseconds; `0` = no timeout (streams). */
  timeoutMs?: number;
  /**
   * Bound of the body read by `text()`/`json()`, enforced while reading: a larger body is cut there and the
   * request fails with {@linkcode KubeResponseTooLargeError}, unless `truncate` is set.
   */
  maxBytes?: number;
  /** With `maxBytes`: keep the first `maxBytes` bytes instead of failing (log tails). */
  truncate?: boolean;
}

/** A body larger than the request's `maxBytes`: reading stopped at the bound. */
export class KubeResponseTooLargeError extends Error {
  override readonly name = "KubeResponseTooLargeError";
  /** The bound that was exceeded. */
  readonly maxBytes: number;
  /** Path of the request. */
  readonly path: string;

  constructor(path: string, maxBytes: number) {
    super(
      `The answer to GET ${path.slice(0, 200)} is larger than ${
        formatBytes(maxBytes)
      }; reading stopped there`,
    );
    this.maxBytes = maxBytes;
    this.path = path;
  }
}

/** An answer with a 2xx status; `done()` must be called once the body was consumed or abandoned. */
export interface RestResponse {
  response: Response;
  done(): void;
}

/** Default timeout of ordinary requests. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Sends requests to one API server. */
export class RestTransport {
  readonly #config: ConnectionConfig;
  readonly #fetch: FetchFunction;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  #clients = new Map<string, Deno.HttpClient>();

  constructor(config: ConnectionConfig, options: RestTransportOptions = {}) {
    this.#config = config;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#userAgent = options.userAgent ?? "atlhyper-agent";
  }

  /** Base URL of the API server. */
  get server(): string {
    return this.#config.server;
  }

  /** Sends a request; non-2xx answers throw {@linkcode KubeApiError}, transport failures {@linkcode NetworkError}. */
  async send(request: RestRequest): Promise<RestResponse> {
    let response = await this.#attempt(request);
    if (response.response.status === 401) {
      // Exec plugins and rotated token files may hold a stale credential: refresh once, as client-go does.
      await response.response.body?.cancel();
      response.done();
      this.#config.auth.invalidate();
      response = await this.#attempt(request);
    }
    if (!response.response.ok) {
      try {
        throw await toApiError(request, response.response);
      } finally {
        response.done();
      }
    }
    return response;
  }

  /** Sends a request and reads the whole body as text. */
  async text(request: RestRequest): Promise<{ status: number; body: string }> {
    const { response, done } = await this.send(request);
    try {
      if (request.maxBytes === undefined) return { status: response.status, body: await response.text() };
      const { text, truncated } = await readLimited(response, request.maxBytes);
      if (truncated && !request.truncate) throw new KubeResponseTooLargeError(request.path, request.maxBytes);
      return { status: response.status, body: text };
    } catch (error) {
      throw networkError(request, error);
    } finally {
      done();
    }
  }

  /** Sends a request and decodes the JSON body. */
  async json<T>(request: RestRequest): Promise<T> {
    const { body } = await this.text({ accept: "application/json", ...request });
    if (!body) return undefined as T;
    try {
      return JSON.parse(body) as T;
    } catch (error) {
      throw new NetworkError("stream", request.method, request.path, { cause: error });
    }
  }

  /** Drops pooled connections: the next request opens fresh ones (used when every stream went idle). */
  resetConnections(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  /** Releases every HTTP client. */
  close(): void {
    this.resetConnections();
  }

  async #attempt(request: RestRequest): Promise<RestResponse> {
    const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
    const timeout = timeoutMs > 0 ? timeoutSignal(timeoutMs, `timed out after ${timeoutMs} ms`) : undefined;
    const signals = [request.signal, timeout?.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const done = () => timeout?.clear();
    let credentials: Credentials;
    try {
      // Credential failures (exec plugin missing, unreadable token file) keep their own error type.
      credentials = await this.#config.auth.credentials(signal);
    } catch (error) {
      done();
      throw error;
    }
    const headers = new Headers({ "User-Agent": this.#userAgent });
    headers.set("Accept", request.accept ?? "application/json");
    if (request.contentType) headers.set("Content-Type", request.contentType);
    const authorization = authorizationHeader(credentials);
    if (authorization) headers.set("Authorization", authorization);
    let url: string;
    try {
      url = requestUrl(this.#config.server, request.path, request.query?.toString());
    } catch (error) {
      done();
      throw error;
    }
    try {
      const client = this.#httpClient(credentials);
      const response = await this.#fetch(url, {
        method: request.method,
        headers,
        body: request.body,
        signal,
        redirect: "error",
        ...(client ? { client } : {}),
      });
      return { response, done };
    } catch (error) {
      done();
      throw requestFailure(request, error, timeout?.signal);
    }
  }

  /** A client of our own even without TLS material, so `resetConnections()` can always drop the pool. */
  #httpClient(credentials: Credentials): Deno.HttpClient | undefined {
    const cert = credentials.clientCert?.certPem ?? this.#config.clientCertPem;
    const key = credentials.clientCert?.keyPem ?? this.#config.clientKeyPem;
    const ca = this.#config.caPem;
    // Exec plugins may hand out a new certificate: one client per certificate, old ones are closed.
    const cacheKey = cert ?? "";
    let client = this.#clients.get(cacheKey);
    if (!client) {
      this.resetConnections();
      client = Deno.createHttpClient({
        ...(ca ? { caCerts: [ca] } : {}),
        ...(cert && key ? { cert, key } : {}),
      });
      this.#clients.set(cacheKey, client);
    }
    return client;
  }
}

function authorizationHeader(credentials: Credentials): string | undefined {
  if (credentials.token) return `Bearer ${credentials.token}`;
  if (credentials.basic) {
    const raw = `${credentials.basic.username}:${credentials.basic.password}`;
    return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(raw)))}`;
  }
  return undefined;
}

/** Maps a fetch or body failure to a {@linkcode NetworkError}; the API's own errors pass through. */
export function networkError(
  request: Pick<RestRequest, "method" | "path" | "signal">,
  error: unknown,
): Error {
  if (error instanceof KubeApiError || error instanceof KubeResponseTooLargeError) return error;
  return requestFailure(request, error);
}

async function toApiError(request: RestRequest, response: Response): Promise<KubeApiError> {
  // When even the body cannot be read, the status code alone still classifies the error.
  const text = await readErrorBody(response);
  let status: Status | undefined;
  if (text.startsWith("{")) {
    try {
      const parsed = JSON.parse(text);
      if (parsed && parsed.kind === "Status") status = parsed as Status;
    } catch {
      // Not JSON after all; keep the text as the message.
    }
  }
  const retryAfter = Number(response.headers.get("Retry-After"));
  return new KubeApiError({
    status: response.status,
    method: request.method,
    path: request.path,
    reason: status?.reason,
    message: status?.message ?? (text.trim().slice(0, 512) || undefined),
    body: status,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  });
}
