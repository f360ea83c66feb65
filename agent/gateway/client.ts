/**
 * The four Master endpoints (master-protocol §1) over native `fetch`: snapshot push (gzipped), heartbeat, command
 * long poll and result report. Failures are the classes of `errors.ts`; the bodies are encoded and decoded by
 * `codec.ts`.
 *
 * @module
 */

import {
  formatBytes,
  MAX_ERROR_BODY,
  readBounded,
  readErrorBody,
  readLimited,
  requestFailure,
} from "../http.ts";
import { bounded, withoutUserinfo } from "../text.ts";
import { timeoutSignal } from "../clock.ts";
import type { Command, Result } from "../../model/mod.ts";
import { MasterError, MasterProtocolError } from "./errors.ts";
import {
  encodeResult,
  type GzippedSnapshot,
  gzipSnapshot,
  parsePollResponse,
  type SnapshotBody,
  streamParts,
} from "./codec.ts";
import { errorText } from "../log.ts";

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

/** Builds a {@linkcode HttpMasterGateway}, reading the CA file first when one is configured. */
export async function createMasterGateway(options: CreateMasterGatewayOptions): Promise<HttpMasterGateway> {
  let caCertPem = options.caCertPem;
  if (options.caFile) {
    try {
      caCertPem = await Deno.readTextFile(options.caFile);
    } catch (error) {
      const detail = errorText(error);
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

function isGzipped(body: SnapshotBody): body is GzippedSnapshot {
  return typeof body === "object" && !(body instanceof Uint8Array);
}

async function drain(response: Response): Promise<number> {
  // Reading the short `{"status":"ok"}` keeps the connection reusable; a huge body is not our business.
  await readBounded(response, MAX_ERROR_BODY);
  return response.status;
}
