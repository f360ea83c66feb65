/**
 * The object store: objects per resource, the single global resourceVersion counter, and a bounded history of
 * change events that watches replay (like etcd plus the watch cache).
 *
 * @module
 */

import type { ResourceInfo } from "./resources.ts";
import { metaOf, metaString, type Obj } from "./types.ts";

/** One change, as watches see it. */
export interface StoreEvent {
  /** Kind of change. */
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The resourceVersion the change produced. */
  rv: number;
  /** Resource of the object. */
  resource: ResourceInfo;
  /** Namespace, `""` for cluster-scoped objects. */
  namespace: string;
  /** Object name. */
  name: string;
  /** The object after the change (the last state for DELETED, carrying the delete's resourceVersion). */
  object: Obj;
  /** The object before the change (MODIFIED and DELETED). */
  prev?: Obj;
}

/** Listener of live changes. */
export type StoreListener = (event: StoreEvent) => void;

/** Options of {@linkcode ObjectStore}. */
export interface StoreOptions {
  /** Events retained for watch replay. */
  historySize: number;
  /** Value of the counter before the first write. */
  initialResourceVersion: number;
}

/** Key of an object inside its resource, ordered like etcd keys. */
export function objectKey(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Objects, resourceVersions and history. Stored objects are never modified in place. */
export class ObjectStore {
  #rv: number;
  #buckets = new Map<ResourceInfo, Map<string, Obj>>();
  #history: StoreEvent[] = [];
  #head = 0;
  #historySize: number;
  #oldestAvailable: number;
  #listeners = new Set<StoreListener>();

  /** Creates an empty store. */
  constructor(options: StoreOptions) {
    this.#rv = options.initialResourceVersion;
    this.#oldestAvailable = options.initialResourceVersion;
    this.#historySize = Math.max(1, options.historySize);
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Every event with a resourceVersion above this one is retained; watching from older answers 410. */
  get oldestAvailable(): number {
    return this.#oldestAvailable;
  }

  #bucket(info: ResourceInfo): Map<string, Obj> {
    let bucket = this.#buckets.get(info);
    if (!bucket) {
      bucket = new Map();
      this.#buckets.set(info, bucket);
    }
    return bucket;
  }

  /** The stored object, or `undefined`. */
  get(info: ResourceInfo, namespace: string, name: string): Obj | undefined {
    return this.#buckets.get(info)?.get(objectKey(namespace, name));
  }

  /** Objects of a resource (optionally one namespace) in etcd key order. */
  list(info: ResourceInfo, namespace?: string): Obj[] {
    const bucket = this.#buckets.get(info);
    if (!bucket) return [];
    const entries = [...bucket.entries()];
    const filtered = namespace
      ? entries.filter(([, obj]) => metaString(obj, "namespace") === namespace)
      : entries;
    return filtered.sort((a, b) => compareKeys(a[0], b[0])).map(([, obj]) => obj);
  }

  /** Every stored object of every resource. */
  all(): { resource: ResourceInfo; object: Obj }[] {
    const out: { resource: ResourceInfo; object: Obj }[] = [];
    for (const [resource, bucket] of this.#buckets) {
      const keys = [...bucket.keys()].sort(compareKeys);
      for (const key of keys) out.push({ resource, object: bucket.get(key) as Obj });
    }
    return out;
  }

  /** Every stored object, unordered (cheaper than {@linkcode ObjectStore.all}). */
  unsorted(): { resource: ResourceInfo; object: Obj }[] {
    const out: { resource: ResourceInfo; object: Obj }[] = [];
    for (const [resource, bucket] of this.#buckets) {
      for (const object of bucket.values()) out.push({ resource, object });
    }
    return out;
  }

  /**
   * Stores `obj` (which the store now owns) as ADDED or MODIFIED: assigns the next resourceVersion, records the
   * event and notifies listeners. Metrics resources are stored without a resourceVersion or events.
   */
  put(info: ResourceInfo, obj: Obj, type: "ADDED" | "MODIFIED"): Obj {
    const namespace = info.namespaced ? metaString(obj, "namespace") : "";
    const name = metaString(obj, "name");
    const key = objectKey(namespace, name);
    const bucket = this.#bucket(info);
    const prev = bucket.get(key);
    if (info.metrics) {
      bucket.set(key, obj);
      return obj;
    }
    const rv = ++this.#rv;
    metaOf(obj).resourceVersion = String(rv);
    bucket.set(key, obj);
    this.#record({ type, rv, resource: info, namespace, name, object: obj, prev });
    return obj;
  }

  /** Removes an object; `final` (owned by the store) is the last state sent with the DELETED event. */
  remove(info: ResourceInfo, namespace: string, name: string, final?: Obj): Obj | undefined {
    const key = objectKey(info.namespaced ? namespace : "", name);
    const bucket = this.#buckets.get(info);
    const prev = bucket?.get(key);
    if (!bucket || !prev) return undefined;
    bucket.delete(key);
    if (info.metrics) return prev;
    const object = final ?? { ...prev, metadata: { ...metaOf(prev) } };
    const rv = ++this.#rv;
    metaOf(object).resourceVersion = String(rv);
    this.#record({ type: "DELETED", rv, resource: info, namespace, name, object, prev });
    return object;
  }

  #record(event: StoreEvent): void {
    this.#history.push(event);
    while (this.#history.length - this.#head > this.#historySize) {
      this.#oldestAvailable = this.#history[this.#head].rv;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head > this.#historySize) {
      this.#history.splice(0, this.#head);
      this.#head = 0;
    }
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** Retained events with a resourceVersion above `rv`, oldest first. */
  eventsSince(rv: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (let i = this.#history.length - 1; i >= this.#head; i--) {
      const event = this.#history[i];
      if (event.rv <= rv) break;
      out.push(event);
    }
    return out.reverse();
  }

  /** Drops the whole retained history: watching from any older resourceVersion answers 410. */
  compact(): void {
    this.#history = [];
    this.#head = 0;
    this.#oldestAvailable = this.#rv;
  }

  /**
   * The objects of a resource as they were at resourceVersion `rv` (reconstructed by undoing later events), or
   * `undefined` when that part of history is gone.
   */
  listAt(info: ResourceInfo, rv: number, namespace?: string): Obj[] | undefined {
    if (rv < this.#oldestAvailable) return undefined;
    const state = new Map<string, Obj>();
    for (const obj of this.list(info, namespace)) {
      state.set(objectKey(info.namespaced ? metaString(obj, "namespace") : "", metaString(obj, "name")), obj);
    }
    const later = this.eventsSince(rv).filter((e) => e.resource === info);
    for (let i = later.length - 1; i >= 0; i--) {
      const event = later[i];
      if (namespace && event.namespace !== namespace) continue;
      const key = objectKey(event.namespace, event.name);
      if (event.type === "ADDED") state.delete(key);
      else if (event.prev) state.set(key, event.prev);
    }
    return [...state.entries()].sort((a, b) => compareKeys(a[0], b[0])).map(([, obj]) => obj);
  }

  /** Subscribes to live changes; returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
