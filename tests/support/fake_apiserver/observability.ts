/**
 * Request log, per-path counters, request filters and the queue of injected failures.
 *
 * @module
 */

import type { RequestFilter, RequestInfo, RequestLogEntry, ServerStats } from "./types.ts";

/** Whether a request matches a filter (no filter matches everything). */
export function matchesFilter(filter: RequestFilter | undefined, request: RequestInfo): boolean {
  if (filter === undefined) return true;
  if (typeof filter === "string") return request.path.startsWith(filter);
  if (typeof filter === "function") return filter(request);
  if (filter.method !== undefined && filter.method.toUpperCase() !== request.method) return false;
  if (filter.watch !== undefined && filter.watch !== request.watch) return false;
  if (typeof filter.path === "string" && !request.path.startsWith(filter.path)) return false;
  if (filter.path instanceof RegExp && !filter.path.test(request.path)) return false;
  return true;
}

/** Records every answered request and keeps counters. */
export class RequestLog {
  /** The entries, oldest first (bounded by the limit given to the constructor). */
  readonly entries: RequestLogEntry[] = [];
  #limit: number;
  #requests = 0;
  #bytes = 0;
  #byPath = new Map<string, { requests: number; bytes: number }>();
  #listeners = new Set<(entry: RequestLogEntry) => void>();

  /** Keeps at most `limit` entries. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds an entry; the returned `account` adds body bytes to it and to the counters. */
  record(request: RequestInfo, status: number): (bytes: number) => void {
    const entry: RequestLogEntry = { ...request, status, bytes: 0, at: Date.now() };
    this.entries.push(entry);
    if (this.entries.length > this.#limit) this.entries.splice(0, this.entries.length - this.#limit);
    this.#requests++;
    const counters = this.#byPath.get(request.path) ?? { requests: 0, bytes: 0 };
    counters.requests++;
    this.#byPath.set(request.path, counters);
    for (const listener of [...this.#listeners]) listener(entry);
    return (bytes) => {
      entry.bytes += bytes;
      counters.bytes += bytes;
      this.#bytes += bytes;
    };
  }

  /** Clears entries and counters. */
  reset(): void {
    this.entries.splice(0);
    this.#requests = 0;
    this.#bytes = 0;
    this.#byPath.clear();
  }

  /** Counters snapshot. */
  stats(openWatches: number): ServerStats {
    const byPath: Record<string, { requests: number; bytes: number }> = {};
    for (const [path, counters] of this.#byPath) byPath[path] = { ...counters };
    return { requests: this.#requests, bytes: this.#bytes, byPath, openWatches };
  }

  /** Subscribes to new entries; returns the unsubscribe function. */
  subscribe(listener: (entry: RequestLogEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** What an injected failure does: answer a status code or drop the connection. */
export type FaultAction = number | "reset";

interface FaultRule {
  remaining: number;
  action: FaultAction;
  filter?: RequestFilter;
}

/** Queue of `failNext` rules; the first matching rule with uses left wins. */
export class FaultRules {
  #rules: FaultRule[] = [];

  /** Adds a rule for the next `count` matching requests. */
  add(count: number, action: FaultAction, filter?: RequestFilter): void {
    if (count > 0) this.#rules.push({ remaining: count, action, filter });
  }

  /** Consumes one use of the first rule matching `request`. */
  take(request: RequestInfo): FaultAction | undefined {
    const rule = this.#rules.find((r) => r.remaining > 0 && matchesFilter(r.filter, request));
    if (!rule) return undefined;
    rule.remaining--;
    this.#rules = this.#rules.filter((r) => r.remaining > 0);
    return rule.action;
  }

  /** Drops every pending rule. */
  clear(): void {
    this.#rules = [];
  }

  /** Uses left over all rules. */
  get pending(): number {
    return this.#rules.reduce((n, r) => n + r.remaining, 0);
  }
}
