/**
 * {@linkcode createKubeClient}: the {@linkcode KubeClient} implementation on native `fetch`.
 *
 * @module
 */

import { NetworkError } from "./errors.ts";
import { RestTransport, type RestTransportOptions } from "./rest.ts";
import { queryParams } from "./paths.ts";
import { readWatchEvents } from "./watch.ts";
import type {
  ConnectionConfig,
  DeleteOptions,
  KubeClient,
  ListOptions,
  ListPage,
  LogOptions,
  PatchOptions,
  PatchType,
  RequestOptions,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from "./types.ts";

export type { KubeClient } from "./types.ts";

/** Options of {@linkcode createKubeClient}. */
export type KubeClientOptions = RestTransportOptions;

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

/** A {@linkcode KubeClient} with the transport controls the informers need. */
export interface HttpKubeClient extends KubeClient {
  /** Drops pooled connections so the next requests open fresh ones. */
  resetConnections(): void;
}

/** Creates a client for one resolved connection. */
export function createKubeClient(config: ConnectionConfig, options: KubeClientOptions = {}): HttpKubeClient {
  const transport = new RestTransport(config, options);

  async function* list<T>(path: string, options: ListOptions = {}): AsyncGenerator<ListPage<T>> {
    let continueToken = options.continue || undefined;
    do {
      const page: ListPage<T> = await transport.json({
        method: "GET",
        path,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        query: queryParams({
          ...options.query,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit,
          // The server rejects resourceVersion together with continue: the token pins the version.
          resourceVersion: continueToken ? undefined : options.resourceVersion,
          resourceVersionMatch: continueToken ? undefined : options.resourceVersionMatch,
          continue: continueToken,
        }),
      });
      page.items ??= [];
      page.metadata ??= {};
      yield page;
      continueToken = page.metadata.continue || undefined;
    } while (continueToken);
  }

  async function watch<T>(path: string, options: WatchOptions = {}): Promise<AsyncIterable<WatchEvent<T>>> {
    const request = {
      method: "GET",
      path,
      signal: options.signal,
      timeoutMs: 0,
      query: queryParams({
        watch: 1,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        resourceVersion: options.resourceVersion,
        resourceVersionMatch: options.resourceVersionMatch,
        allowWatchBookmarks: options.allowWatchBookmarks,
        // Real servers reject `sendInitialEvents=false` without `resourceVersionMatch`, so false is not sent.
        sendInitialEvents: options.sendInitialEvents || undefined,
        timeoutSeconds: options.timeoutSeconds,
      }),
    };
    const { response, done } = await transport.send(request);
    const body = response.body;
    if (!body) {
      done();
      return (async function* () {})();
    }
    return (async function* () {
      try {
        yield* readWatchEvents<T>(body, { onActivity: options.onActivity, signal: options.signal });
      } catch (error) {
        if (error instanceof Error && error.name === "WatchDecodeError") throw error;
        throw new NetworkError(options.signal?.aborted ? "aborted" : "stream", "WATCH", path, {
          cause: error,
        });
      } finally {
        done();
      }
    })();
  }

  function write<T>(
    method: string,
    path: string,
    body: unknown,
    contentType: string,
    q: URLSearchParams,
    options: RequestOptions,
  ) {
    return transport.json<T>({
      method,
      path,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      query: q,
      body: typeof body === "string" ? body : JSON.stringify(body),
      contentType,
    });
  }

  return {
    server: config.server,
    defaultNamespace: config.namespace,
    get<T>(path: string, options: RequestOptions = {}): Promise<T> {
      return transport.json<T>({
        method: "GET",
        path,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        maxBytes: options.maxBytes,
        query: queryParams(options.query),
      });
    },
    list,
    watch,
    create<T>(path: string, body: unknown, options: WriteOptions = {}): Promise<T> {
      const q = queryParams({
        ...options.query,
        fieldManager: options.fieldManager,
        dryRun: options.dryRun ? "All" : undefined,
      });
      return write<T>("POST", path, body, "application/json", q, options);
    },
    replace<T>(path: string, body: unknown, options: WriteOptions = {}): Promise<T> {
      const q = queryParams({
        ...options.query,
        fieldManager: options.fieldManager,
        dryRun: options.dryRun ? "All" : undefined,
      });
      return write<T>("PUT", path, body, "application/json", q, options);
    },
    patch<T>(path: string, type: PatchType, body: unknown, options: PatchOptions = {}): Promise<T> {
      const q = queryParams({
        ...options.query,
        fieldManager: options.fieldManager,
        force: type === "apply" && options.force ? true : undefined,
        dryRun: options.dryRun ? "All" : undefined,
      });
      return write<T>("PATCH", path, body, PATCH_CONTENT_TYPES[type], q, options);
    },
    delete<T>(path: string, options: DeleteOptions = {}): Promise<T> {
      const q = queryParams({
        ...options.query,
        gracePeriodSeconds: options.gracePeriodSeconds,
        propagationPolicy: options.propagationPolicy,
        dryRun: options.dryRun ? "All" : undefined,
      });
      return transport.json<T>({
        method: "DELETE",
        path,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        query: q,
      });
    },
    async logs(podPath: string, options: LogOptions = {}): Promise<string> {
      const { body } = await transport.text({
        method: "GET",
        path: `${podPath}/log`,
        accept: "text/plain",
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        maxBytes: options.maxBytes,
        truncate: true,
        query: queryParams({
          ...options.query,
          container: options.container,
          tailLines: options.tailLines,
          previous: options.previous || undefined,
          sinceSeconds: options.sinceSeconds,
          timestamps: options.timestamps || undefined,
          limitBytes: options.limitBytes,
        }),
      });
      return body;
    },
    raw(path: string, options: RequestOptions & { accept?: string } = {}) {
      return transport.text({
        method: "GET",
        path,
        accept: options.accept ?? "application/json",
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        maxBytes: options.maxBytes,
        query: queryParams(options.query),
      });
    },
    resetConnections: () => transport.resetConnections(),
    close: () => transport.close(),
  };
}
