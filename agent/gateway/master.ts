/**
 * The four Master endpoints (master-protocol §1) over native `fetch`: snapshot push (gzipped with
 * `node:zlib`), heartbeat, command long poll and result report. Every non-2xx answer becomes a
 * {@linkcode MasterError}; a request that got no answer becomes a {@linkcode NetworkError} (the class the
 * Kubernetes client throws too, with the whole cause chain: an untrusted certificate says so); a 2xx answer
 * whose body cannot be understood becomes a {@linkcode MasterProtocolError}. Callers branch on the class and on
 * `status`, never on message text.
 *
 * @module
 */

import {
  formatBytes,
  MAX_ERROR_BODY,
  NetworkError,
  readBounded,
  readErrorBody,
  readLimited,
  requestFailure,
} from "../http.ts";
import { bounded, withoutUserinfo } from "../text.ts";
import { gzip as zlibGzip } from "node:zlib";
import { timeoutSignal } from "../clock.ts";
import { type Command, type Result, ZERO_TIME } from "../../model/mod.ts";

/** Default push timeout: `AGENT_TIMEOUT_HTTP_CLIENT` (master-protocol §4). */
export const DEFAULT_PUSH_TIMEOUT_MS = 90_000;
/** Default heartbeat timeout: `AGENT_TIMEOUT_HEARTBEAT`. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;
/**
 * Default client-side bound of one long poll. Longer than the Master's 60 s hold on purpose: when both expire
 * together a command the Master pops at that instant is lost (master-protocol §1.5), so the Master must always be
 * the one that ends an idle poll.
 */
export const DEFAULT_POLL_TIMEOUT_MS = 90_000;
/** Default timeout of one result report (the scheduler retries on top of it). */
export const DEFAULT_RESULT_TIMEOUT_MS = 30_000;
/**
 * Largest poll answer read. A command is small (the biggest, `apply_manifests`, carries a few manifests); the
 * read stops here, so a hostile or broken Master can raise the agent's memory by about this much, not more.
 */
export const MAX_POLL_ANSWER_BYTES = 2 * 1024 * 1024;

/** A snapshot body already compressed (the snapshot service writes gzip directly), streamed as it is. */
export interface GzippedSnapshot {
  /** One gzip member holding the `ClusterSnapshot` JSON, in parts to send in order. */
  parts: readonly Uint8Array[];
  /** Size of the gzip member. */
  gzipBytes: number;
  /** Size of the JSON inside. */
  rawBytes: number;
}

/** Bytes per request-body chunk when streaming parts. */
const STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * A byte stream over parts, coalescing small parts into chunks of about 64 KiB. Streaming keeps the body out of
 * native memory: measured on Deno 2.9, 60 pushes of a 3.8 MB body as one `Uint8Array` left RSS ~70 MiB higher
 * (a `Blob`, ~230 MiB higher), streamed in 64 KiB chunks ~8 MiB.
 */
export function streamParts(parts: readonly Uint8Array[]): ReadableStream<Uint8Array<ArrayBuffer>> {
  let index = 0;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (index >= parts.length) {
        controller.close();
        return;
      }
      let size = 0;
      let end = index;
      while (end < parts.length && (end === index || size + parts[end].length <= STREAM_CHUNK_BYTES)) {
        size += parts[end++].length;
      }
      const chunk = new Uint8Array(size);
      let at = 0;
      for (; index < end; index++) {
        chunk.set(parts[index], at);
        at += parts[index].length;
      }
      controller.enqueue(chunk);
    },
  });
}

/** What a push sends: JSON text or bytes (gzipped here), or an already gzipped body (sent as it is). */
export type SnapshotBody = string | Uint8Array | GzippedSnapshot;

function isGzipped(body: SnapshotBody): body is GzippedSnapshot {
  return typeof body === "object" && !(body instanceof Uint8Array);
}

/** Options of one {@linkcode MasterGateway.pushSnapshot} call. */
export interface PushSnapshotOptions {
  /** Aborts the push (the loop's stop signal). */
  signal?: AbortSignal;
  /** Overrides the gateway's push timeout. */
  timeoutMs?: number;
}

/** What a successful push sent and got. */
export interface PushSnapshotResult {
  /** HTTP status of the Master's answer (200 or 202). */
  status: number;
  /** Size of the JSON before compression. */
  rawBytes: number;
  /** Size of the gzipped body on the wire. */
  gzipBytes: number;
  /** Milliseconds spent compressing (local work, unlike the send). */
  compressMs?: number;
}

/** Options of a heartbeat or a result report. */
export interface MasterRequestOptions {
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Overrides the gateway's default timeout for this kind of request. */
  timeoutMs?: number;
}

/** The Master's agent API as the schedulers see it; test doubles are plain objects satisfying it. */
export interface MasterGateway {
  /** POST `/agent/snapshot`: `json` is the serialised ClusterSnapshot, which already contains `clusterId`. */
  pushSnapshot(json: SnapshotBody, options?: PushSnapshotOptions): Promise<PushSnapshotResult>;
  /** POST `/agent/heartbeat`. */
  heartbeat(options?: MasterRequestOptions): Promise<void>;
  /** GET `/agent/commands`: resolves with the next command of `topic`, or `null` when the poll ended empty. */
  pollCommand(topic: string, signal?: AbortSignal): Promise<Command | null>;
  /** POST `/agent/result`. */
  postResult(result: Result, options?: MasterRequestOptions): Promise<void>;
}

/** A `fetch` compatible function; injected in tests. */
export type MasterFetch = (
  input: string,
  init: RequestInit & { client?: Deno.HttpClient },
) => Promise<Response>;

/** Options of {@linkcode HttpMasterGateway}. */
export interface HttpMasterGatewayOptions {
  /** Base URL of the Master's AgentSDK server (`AGENT_MASTER_URL`); a trailing slash is harmless. */
  masterUrl: string;
  /** Sent as `X-Cluster-ID` and as the `cluster_id` query of polls. */
  clusterId: string;
  /** Sent as `Authorization: Bearer <token>` (`AGENT_MASTER_TOKEN`); the stock Master ignores it. */
  token?: string;
  /** PEM of extra CA certificates to trust (the contents of `AGENT_MASTER_CA_FILE`). */
  caCertPem?: string;
  pushTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  pollTimeoutMs?: number;
  resultTimeoutMs?: number;
  /** Sent as `User-Agent`. */
  userAgent?: string;
  /** Replaces the global `fetch`. */
  fetch?: MasterFetch;
}

/** Options of {@linkcode createMasterGateway}: those of the gateway plus a CA file to read. */
export interface CreateMasterGatewayOptions extends HttpMasterGatewayOptions {
  /** Path of a PEM file with CA certificates (`AGENT_MASTER_CA_FILE`); read once at start-up. */
  caFile?: string;
}

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

/** Builds a {@linkcode HttpMasterGateway}, reading the CA file first when one is configured. */
export async function createMasterGateway(options: CreateMasterGatewayOptions): Promise<HttpMasterGateway> {
  let caCertPem = options.caCertPem;
  if (options.caFile) {
    try {
      caCertPem = await Deno.readTextFile(options.caFile);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot read master CA file "${options.caFile}": ${detail}`, { cause: error });
    }
  }
  return new HttpMasterGateway({ ...options, caCertPem });
}

interface Exchange {
  method: "GET" | "POST";
  path: string;
  query?: URLSearchParams;
  headers?: Record<string, string>;
  body?: BodyInit;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** {@linkcode MasterGateway} over native `fetch`; `close()` releases the custom TLS client, if any. */
export class HttpMasterGateway implements MasterGateway, Disposable {
  readonly #baseUrl: string;
  readonly #clusterId: string;
  readonly #token?: string;
  readonly #basic?: string;
  readonly #plainHttp: boolean;
  readonly #fetch: MasterFetch;
  readonly #client?: Deno.HttpClient;
  readonly #userAgent: string;
  readonly #pushTimeoutMs: number;
  readonly #heartbeatTimeoutMs: number;
  readonly #pollTimeoutMs: number;
  readonly #resultTimeoutMs: number;
  #clockOffsetMs: number | undefined;

  /** Creates the gateway from the Master URL, cluster id, token, TLS and timeout settings. */
  constructor(options: HttpMasterGatewayOptions) {
    // The Go agent concatenates `MASTER_URL + "/agent/…"`, so a trailing slash gives `//agent/…` and a 301; we
    // strip it instead of asking operators to get it right.
    const base = options.masterUrl.trim().replace(/\/+$/, "");
    let parsed: URL;
    const shown = withoutUserinfo(options.masterUrl);
    try {
      parsed = new URL(base);
    } catch {
      throw new TypeError(`Cannot use master URL "${shown}": not a valid URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`Cannot use master URL "${shown}": scheme must be http or https`);
    }
    if (!options.clusterId) throw new TypeError("Cannot create master gateway: cluster ID is empty");
    // fetch refuses URLs with credentials: userinfo becomes a Basic header (a token, when set, wins).
    if (parsed.username || parsed.password) {
      this.#basic = btoa(
        String.fromCharCode(
          ...new TextEncoder().encode(
            `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`,
          ),
        ),
      );
      parsed.username = "";
      parsed.password = "";
    }
    this.#baseUrl = parsed.href.replace(/\/+$/, "");
    this.#plainHttp = parsed.protocol === "http:";
    this.#clusterId = options.clusterId;
    this.#token = options.token || undefined;
    this.#fetch = options.fetch ?? fetch;
    this.#client = options.caCertPem ? Deno.createHttpClient({ caCerts: [options.caCertPem] }) : undefined;
    this.#userAgent = options.userAgent ?? "atlhyper-agent";
    this.#pushTimeoutMs = options.pushTimeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS;
    this.#heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.#pollTimeoutMs = options.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
    this.#resultTimeoutMs = options.resultTimeoutMs ?? DEFAULT_RESULT_TIMEOUT_MS;
  }

  /** The cluster ID this gateway reports as. */
  get clusterId(): string {
    return this.#clusterId;
  }

  /**
   * The Master's clock minus ours in ms, from the `Date` header of its latest answer (Go's server always sends
   * one); `undefined` before the first answer. Command ages are measured on the Master's clock with it, so a
   * skewed clock on either side does not make fresh commands look stale.
   */
  get clockOffsetMs(): number | undefined {
    return this.#clockOffsetMs;
  }

  /** The Master's base URL without credentials (safe to log). */
  get url(): string {
    return this.#baseUrl;
  }

  /** True when a credential (token or URL userinfo) would be sent over plain http: worth one warning. */
  get sendsCredentialsInClear(): boolean {
    return this.#plainHttp && (this.#token !== undefined || this.#basic !== undefined);
  }

  async pushSnapshot(
    json: SnapshotBody,
    options: PushSnapshotOptions = {},
  ): Promise<PushSnapshotResult> {
    const compressStarted = performance.now();
    const { body, rawBytes, gzipBytes } = isGzipped(json)
      ? { body: streamParts(json.parts), rawBytes: json.rawBytes, gzipBytes: json.gzipBytes }
      : await gzipSnapshot(json).then((g) => ({ ...g, gzipBytes: g.body.byteLength }));
    const compressMs = performance.now() - compressStarted;
    const status = await this.#exchange({
      method: "POST",
      path: "/agent/snapshot",
      headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body,
      timeoutMs: options.timeoutMs ?? this.#pushTimeoutMs,
      signal: options.signal,
    }, drain);
    return { status, rawBytes, gzipBytes, compressMs };
  }

  async heartbeat(options: MasterRequestOptions = {}): Promise<void> {
    await this.#exchange({
      method: "POST",
      path: "/agent/heartbeat",
      timeoutMs: options.timeoutMs ?? this.#heartbeatTimeoutMs,
      signal: options.signal,
    }, drain);
  }

  pollCommand(topic: string, signal?: AbortSignal): Promise<Command | null> {
    const query = new URLSearchParams({ cluster_id: this.#clusterId, topic });
    return this.#exchange({
      method: "GET",
      path: "/agent/commands",
      query,
      headers: { Accept: "application/json" },
      timeoutMs: this.#pollTimeoutMs,
      signal,
    }, async (response) => {
      // The stock Master never answers 204, but the Go agent treats it as "no command" and so do we.
      if (response.status === 204) {
        await response.body?.cancel();
        return null;
      }
      const { text, truncated } = await readLimited(response, MAX_POLL_ANSWER_BYTES);
      if (truncated) {
        throw new MasterProtocolError(
          `Cannot decode poll answer: larger than ${
            formatBytes(MAX_POLL_ANSWER_BYTES)
          }; reading stopped there`,
        );
      }
      if (text.trim() === "") return null;
      let decoded: unknown;
      try {
        decoded = JSON.parse(text);
      } catch {
        throw new MasterProtocolError(
          `Cannot decode poll answer: not JSON: ${JSON.stringify(text.slice(0, 120))}`,
        );
      }
      return parsePollResponse(decoded);
    });
  }

  async postResult(result: Result, options: MasterRequestOptions = {}): Promise<void> {
    await this.#exchange({
      method: "POST",
      path: "/agent/result",
      headers: { "Content-Type": "application/json" },
      body: encodeResult(result),
      timeoutMs: options.timeoutMs ?? this.#resultTimeoutMs,
      signal: options.signal,
    }, drain);
  }

  /** Releases the custom TLS client; idempotent. */
  close(): void {
    try {
      this.#client?.close();
    } catch {
      // Already closed.
    }
  }

  /** Closes the gateway, as `close()` does. */
  [Symbol.dispose](): void {
    this.close();
  }

  #noteDate(header: string | null): void {
    const date = header ? Date.parse(header) : NaN;
    // The header has whole seconds: the Master's clock was somewhere in the following second.
    if (Number.isFinite(date)) this.#clockOffsetMs = date + 500 - Date.now();
  }

  /**
   * Sends one request and hands a 2xx answer to `read`. The timeout covers the body as well, because a Master
   * that sends headers and then stalls must not hang a loop.
   */
  async #exchange<T>(request: Exchange, read: (response: Response) => Promise<T>): Promise<T> {
    const timeout = timeoutSignal(request.timeoutMs, `${request.method} ${request.path} timed out`);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
    const headers: Record<string, string> = {
      "X-Cluster-ID": this.#clusterId,
      "User-Agent": this.#userAgent,
      ...request.headers,
    };
    if (this.#token) headers["Authorization"] = `Bearer ${this.#token}`;
    else if (this.#basic) headers["Authorization"] = `Basic ${this.#basic}`;
    const url = `${this.#baseUrl}${request.path}${request.query ? `?${request.query}` : ""}`;
    try {
      const response = await this.#fetch(url, {
        method: request.method,
        headers,
        body: request.body,
        signal,
        // A redirect could take the token to another origin or from https to http: never followed.
        redirect: "manual",
        ...(this.#client ? { client: this.#client } : {}),
      });
      this.#noteDate(response.headers.get("Date"));
      if (response.status >= 300 && response.status <= 399) {
        await response.body?.cancel().catch(() => {});
        const location = response.headers.get("Location");
        throw new MasterError({
          status: response.status,
          method: request.method,
          path: request.path,
          body:
            `redirect to ${
              location ? JSON.stringify(withoutUserinfo(bounded(location))) : "(no Location)"
            } ` +
            "refused: the agent never follows redirects; set AGENT_MASTER_URL to the address that answers",
        });
      }
      if (response.status < 200 || response.status > 299) {
        const body = await readErrorBody(response);
        throw new MasterError({ status: response.status, method: request.method, path: request.path, body });
      }
      return await read(response);
    } catch (error) {
      if (error instanceof MasterError || error instanceof MasterProtocolError) throw error;
      throw requestFailure(request, error, timeout.signal);
    } finally {
      timeout.clear();
    }
  }
}

/**
 * Decodes the answer of `GET /agent/commands`. Accepts `hasCommand` and the original `has_command`, and the
 * original snake_case command fields (`target_kind`, ...; master-protocol §8). Returns `null` for "no command".
 */
export function parsePollResponse(body: unknown): Command | null {
  if (!isRecord(body)) throw new MasterProtocolError("Cannot decode poll answer: not a JSON object");
  const has = body.hasCommand ?? body.has_command;
  // The Go agent does nothing when either the flag is false or the command is null; match it.
  if (has !== true || body.command === null || body.command === undefined) return null;
  if (!isRecord(body.command)) {
    throw new MasterProtocolError("Cannot decode poll answer: command is not an object");
  }
  return normalizeCommand(body.command);
}

/** Builds a {@linkcode Command} from either spelling of the wire format. */
export function normalizeCommand(raw: Record<string, unknown>): Command {
  const id = text(raw.id);
  const action = text(raw.action);
  // Without an id the result could never be matched; without an action there is nothing to run. The command was
  // already popped by the Master (at-most-once), so the caller logs this loudly.
  if (!id) throw new MasterProtocolError("Cannot decode command: id is missing");
  if (!action) throw new MasterProtocolError(`Cannot decode command "${bounded(id)}": action is missing`);
  const command: Command = {
    id,
    clusterId: text(raw.clusterId ?? raw.cluster_id) ?? "",
    action,
    createdAt: text(raw.createdAt ?? raw.created_at) ?? ZERO_TIME,
  };
  const kind = text(raw.kind ?? raw.target_kind);
  const namespace = text(raw.namespace ?? raw.target_namespace);
  const name = text(raw.name ?? raw.target_name);
  const source = text(raw.source);
  const createdBy = text(raw.createdBy ?? raw.created_by);
  if (kind) command.kind = kind;
  if (namespace) command.namespace = namespace;
  if (name) command.name = name;
  if (isRecord(raw.params)) command.params = raw.params;
  if (source) command.source = source;
  if (createdBy) command.createdBy = createdBy;
  return command;
}

/**
 * Serialises a result the way the Master's Go decoder accepts it: `output` always a string (other data becomes its
 * JSON text), `execTime` integer nanoseconds, `executedAt` an RFC 3339 time (never `""`).
 */
export function encodeResult(result: Result): string {
  const wire: Record<string, unknown> = { commandId: result.commandId, success: result.success };
  const output: unknown = result.output;
  if (typeof output === "string") {
    if (output !== "") wire.output = output;
  } else if (output !== undefined && output !== null) {
    wire.output = JSON.stringify(output);
  }
  if (result.error) wire.error = String(result.error);
  // A fractional execTime makes the Master reject the whole result with 400.
  if (typeof result.execTime === "number" && Number.isFinite(result.execTime) && result.execTime !== 0) {
    wire.execTime = Math.round(result.execTime);
  }
  wire.executedAt = result.executedAt || ZERO_TIME;
  return JSON.stringify(wire);
}

/**
 * Gzips the snapshot with `node:zlib` at the Go agent's level (6) rather than `CompressionStream`: on a 10,000-pod
 * snapshot it is about twice as fast and runs on the runtime's thread pool instead of the event loop.
 */
export function gzipSnapshot(
  json: string | Uint8Array,
): Promise<{ body: Uint8Array<ArrayBuffer>; rawBytes: number }> {
  const raw = typeof json === "string" ? new TextEncoder().encode(json) : json;
  const { promise, resolve, reject } = Promise.withResolvers<
    { body: Uint8Array<ArrayBuffer>; rawBytes: number }
  >();
  zlibGzip(raw, { level: 6 }, (error, output) => {
    if (error) reject(error);
    else {resolve({
        body: new Uint8Array(output.buffer as ArrayBuffer, output.byteOffset, output.byteLength),
        rawBytes: raw.byteLength,
      });}
  });
  return promise;
}

async function drain(response: Response): Promise<number> {
  // Reading the short `{"status":"ok"}` keeps the connection reusable; a huge body is not our business.
  await readBounded(response, MAX_ERROR_BODY);
  return response.status;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value || undefined;
  return undefined;
}
