/**
 * The contract of the Kubernetes connection layer: what a resolved connection looks like, how credentials are
 * obtained, and the operations every upper layer and test double uses.
 *
 * @module
 */

import type { ObjectMeta, Status } from "kubernetes-types/meta/v1.d.ts";

export type { ObjectMeta, Status };

/** Credentials attached to one request; produced by an {@linkcode AuthProvider}. */
export interface Credentials {
  /** Bearer token for the `Authorization` header. */
  token?: string;
  /** HTTP basic credentials (legacy kubeconfig `username`/`password`). */
  basic?: { username: string; password: string };
  /** A client certificate obtained at run time (exec credential plugins may return one). PEM. */
  clientCert?: { certPem: string; keyPem: string };
}

/** Supplies credentials per request; implementations cache and refresh (token files, exec plugins). */
export interface AuthProvider {
  /** A short description for logs, e.g. `token file /var/run/...` or `exec aws`. */
  readonly description: string;
  /** Current credentials. May run an exec plugin or re-read a token file; must honour `signal`. */
  credentials(signal?: AbortSignal): Promise<Credentials>;
  /** Drops cached credentials so the next call refreshes them (called after a 401). */
  invalidate(): void;
}

/** A fully resolved way to reach one API server. */
export interface ConnectionConfig {
  /** Base URL of the API server without a trailing slash, e.g. `https://10.0.0.1:6443`. */
  server: string;
  /** PEM bundle of certificate authorities to trust for the server; the system roots when absent. */
  caPem?: string;
  /** Static client certificate (kubeconfig `client-certificate(-data)`), PEM. */
  clientCertPem?: string;
  /** Static client key (kubeconfig `client-key(-data)`), PEM; RSA, PKCS#8 or SEC1 EC. */
  clientKeyPem?: string;
  /** Where request credentials come from. */
  auth: AuthProvider;
  /** Namespace of the context or service account, `default` when unset. */
  namespace: string;
  /** Human-readable origin, e.g. `kubeconfig /root/.kube/config (context kind-dev)` or `in-cluster`. */
  source: string;
}

/** Options shared by every request. */
export interface RequestOptions {
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Overrides the default timeout of ordinary requests (milliseconds); `0` disables it. */
  timeoutMs?: number;
  /** Extra query parameters. */
  query?: Record<string, string | number | boolean | undefined>;
  /**
   * Read at most this many bytes of the answer (`get`, `raw`, `logs`), enforced while reading: a larger answer
   * fails with `KubeResponseTooLargeError` (`logs` keeps the first `maxBytes` bytes instead).
   */
  maxBytes?: number;
}

/** Query options of LIST. */
export interface ListOptions extends RequestOptions {
  /** Only objects whose labels match this selector. */
  labelSelector?: string;
  /** Only objects whose fields match this selector. */
  fieldSelector?: string;
  /** Page size; the iterator follows `continue` tokens until the list ends. */
  limit?: number;
  /** Resource version the list must be served at or after. */
  resourceVersion?: string;
  /** How `resourceVersion` is matched. */
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  /** Start from this continue token (of an earlier page) instead of the beginning. */
  continue?: string;
}

/** One page of a LIST answer. */
export interface ListPage<T> {
  /** API version of the list, e.g. `v1`. */
  apiVersion?: string;
  /** Kind of the list, e.g. `PodList`. */
  kind?: string;
  /** List metadata: resource version, continue token and remaining item count. */
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** Objects on this page. */
  items: T[];
}

/** Query options of WATCH. The stream itself has no client timeout; callers watch for idleness. */
export interface WatchOptions {
  /** Cancels the watch stream. */
  signal?: AbortSignal;
  /** Only objects whose labels match this selector. */
  labelSelector?: string;
  /** Only objects whose fields match this selector. */
  fieldSelector?: string;
  /** Resource version to start watching from. */
  resourceVersion?: string;
  /** How `resourceVersion` is matched. */
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  /** Asks the server to send `BOOKMARK` events. */
  allowWatchBookmarks?: boolean;
  /** Asks the server to send the current objects as `ADDED` events first (streaming list). */
  sendInitialEvents?: boolean;
  /** Asks the server to end the stream after this many seconds. */
  timeoutSeconds?: number;
  /** Called whenever bytes arrive on the stream (an idle watchdog resets on it). */
  onActivity?: () => void;
}

/** Minimal shape of any Kubernetes object the SDK handles. */
export interface KubeObject {
  /** API version of the object, e.g. `apps/v1`. */
  apiVersion?: string;
  /** Kind of the object, e.g. `Deployment`. */
  kind?: string;
  /** Standard object metadata. */
  metadata?: ObjectMeta;
}

/** A watch event as the API server frames it, one JSON document per line. */
export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T }
  | { type: "BOOKMARK"; object: KubeObject }
  | { type: "ERROR"; object: Status };

/** The four patch flavours the API server accepts. */
export type PatchType = "merge" | "strategic" | "json" | "apply";

/** Options of PATCH. */
export interface PatchOptions extends RequestOptions {
  /** Required for server-side apply. */
  fieldManager?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
  /** Validates the patch without persisting it. */
  dryRun?: boolean;
}

/** Options of POST and PUT. */
export interface WriteOptions extends RequestOptions {
  /** Name of the actor making the change, recorded in managed fields. */
  fieldManager?: string;
  /** Validates the write without persisting it. */
  dryRun?: boolean;
}

/** Options of DELETE. */
export interface DeleteOptions extends RequestOptions {
  /** Seconds before the object is deleted; `0` deletes immediately. */
  gracePeriodSeconds?: number;
  /** How dependents are garbage-collected. */
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  /** Validates the deletion without persisting it. */
  dryRun?: boolean;
}

/** Options of the pod log subresource. */
export interface LogOptions extends RequestOptions {
  /** Container to read logs from; required when the pod has more than one. */
  container?: string;
  /** Number of lines to return from the end of the log. */
  tailLines?: number;
  /** Returns the logs of the previous, terminated container instance. */
  previous?: boolean;
  /** Only logs newer than this many seconds. */
  sinceSeconds?: number;
  /** Prefixes every line with its RFC 3339 timestamp. */
  timestamps?: boolean;
  /** Maximum number of bytes of log to return. */
  limitBytes?: number;
}

/** The only way upper layers and test doubles reach the API server. Paths come from `resourcePath()`. */
export interface KubeClient {
  /** Where this client connects, for logs. */
  readonly server: string;
  /** Namespace of the context or service account. */
  readonly defaultNamespace: string;
  /** GET one object (or any JSON document). */
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  /** LIST, one page per iteration, following `continue` tokens. */
  list<T>(path: string, options?: ListOptions): AsyncIterable<ListPage<T>>;
  /** WATCH: resolves once the server accepted the stream (errors before that reject). */
  watch<T>(path: string, options?: WatchOptions): Promise<AsyncIterable<WatchEvent<T>>>;
  /** POST a new object. */
  create<T>(path: string, body: unknown, options?: WriteOptions): Promise<T>;
  /** PUT (replace) an object; fails with 409 Conflict on a stale `resourceVersion`. */
  replace<T>(path: string, body: unknown, options?: WriteOptions): Promise<T>;
  /** PATCH an object with the given flavour. */
  patch<T>(path: string, type: PatchType, body: unknown, options?: PatchOptions): Promise<T>;
  /** DELETE an object; returns the server's answer (the object or a Status). */
  delete<T>(path: string, options?: DeleteOptions): Promise<T>;
  /** Pod logs as text. `path` is the pod's path (without `/log`). */
  logs(podPath: string, options?: LogOptions): Promise<string>;
  /** GET returning the raw text and content type (discovery, tables, non-JSON answers). */
  raw(
    path: string,
    options?: RequestOptions & { accept?: string },
  ): Promise<{ status: number; body: string }>;
  /** Releases the HTTP client. */
  close(): void;
}
