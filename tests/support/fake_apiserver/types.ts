/**
 * Shared types of the fake Kubernetes API server.
 *
 * @module
 */

import type { ObjectMeta } from "kubernetes-types/meta/v1.d.ts";

/** Minimal shape of any Kubernetes object the fake stores; every `kubernetes-types` object is assignable. */
export interface KubeObject {
  /** `v1`, `apps/v1`, ... */
  apiVersion?: string;
  /** `Pod`, `Deployment`, ... */
  kind?: string;
  /** Standard object metadata. */
  metadata?: ObjectMeta;
}

/** A JSON object as the fake handles it internally. */
export type Obj = Record<string, unknown>;

/** What the request log records for every answered request. */
export interface RequestLogEntry {
  /** HTTP method. */
  method: string;
  /** URL path without the query. */
  path: string;
  /** Query parameters (last value wins for repeated keys). */
  query: Record<string, string>;
  /** Whether the request was a watch (`watch=true|1` or a legacy `/watch/` path). */
  watch: boolean;
  /** HTTP status answered; `0` for an injected connection reset. */
  status: number;
  /** Bytes of response body written so far (streams update this while they run). */
  bytes: number;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/** The request as fault-injection filters see it. */
export interface RequestInfo {
  /** HTTP method. */
  method: string;
  /** URL path without the query. */
  path: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** Whether the request is a watch. */
  watch: boolean;
}

/**
 * Selects requests or watches: a path prefix, an object whose present fields must all match (a string `path`
 * is a prefix, a RegExp is tested), or a predicate.
 */
export type RequestFilter =
  | string
  | { method?: string; path?: string | RegExp; watch?: boolean }
  | ((request: RequestInfo) => boolean);

/** Per-path request and byte counters returned by `stats()`. */
export interface ServerStats {
  /** Requests answered in total (since start or the last `resetRequestLog()`). */
  requests: number;
  /** Response body bytes written in total. */
  bytes: number;
  /** Counters per URL path. */
  byPath: Record<string, { requests: number; bytes: number }>;
  /** Watch streams open right now. */
  openWatches: number;
}

/** One scripted log line; `time` (ms since the epoch) drives `timestamps` and `sinceSeconds`. */
export interface LogLine {
  /** Milliseconds since the epoch. */
  time: number;
  /** The line without its trailing newline. */
  text: string;
}

/** Generates log lines for a container that has no scripted logs (the simulator installs one). */
export type LogGenerator = (pod: KubeObject, container: string, previous: boolean) => string[] | undefined;

/** Returns `true` when `value` is a non-array object. */
export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Returns the `metadata` map of an object, creating it when absent. */
export function metaOf(obj: Obj): Obj {
  let meta = obj.metadata;
  if (!isObj(meta)) {
    meta = {};
    obj.metadata = meta;
  }
  return meta as Obj;
}

/** Reads a string field of `metadata`, `""` when absent. */
export function metaString(obj: Obj, field: string): string {
  const meta = obj.metadata;
  if (!isObj(meta)) return "";
  const value = meta[field];
  return typeof value === "string" ? value : "";
}

/** Reads the labels of an object. */
export function labelsOf(obj: Obj): Record<string, string> {
  const meta = obj.metadata;
  if (!isObj(meta) || !isObj(meta.labels)) return {};
  return meta.labels as Record<string, string>;
}

/** Follows a dotted path through nested objects; `undefined` when any step is missing. */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    if (!isObj(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Deep structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ao = a as Obj;
  const bo = b as Obj;
  const aKeys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

/** Deep copy of a JSON value (much faster than `structuredClone` for plain JSON). */
export function clone<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = clone(item);
  }
  return out as T;
}

/** RFC 3339 timestamp with second precision, as Kubernetes writes `metav1.Time`. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
