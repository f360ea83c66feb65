/**
 * The informer cache, split into a {@linkcode StoreWriter} owned by the reflector and a read-only
 * {@linkcode Store} handed to everyone else (kube-rs `reflector/store.rs`).
 *
 * @module
 */

/** Read access to cached objects of one kind. */
export interface Store<T> {
  /** Every cached object, in no particular order. */
  list(): T[];
  /** Iterates cached objects without copying. */
  values(): IterableIterator<T>;
  /** Objects of one namespace. */
  listNamespace(namespace: string): T[];
  /** One object by namespace (`""` for cluster-scoped) and name. */
  get(namespace: string, name: string): T | undefined;
  /** Number of cached objects. */
  readonly size: number;
  /** True once the first complete list (or streaming list) was applied (client-go `HasSynced`). */
  readonly synced: boolean;
  /** Resolves once `synced` is true. */
  ready(): Promise<void>;
}

/** The key of an object in a store: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(namespace: string | undefined, name: string | undefined): string {
  return namespace ? `${namespace}/${name ?? ""}` : name ?? "";
}

/** Keys of entries removed and added by {@linkcode StoreWriter.commitBuffer}. */
export interface SwapResult {
  /** Keys present before the relist and absent from it: objects deleted while we were not watching. */
  deleted: string[];
  /** Number of objects now cached. */
  size: number;
}

/** The only code that mutates a store. A relist fills a buffer and swaps it in with one assignment. */
export class StoreWriter<T> implements Store<T> {
  #live = new Map<string, T>();
  #buffer: Map<string, T> | undefined;
  #synced = false;
  readonly #ready = Promise.withResolvers<void>();

  /** Starts a relist: objects go into a fresh buffer until {@linkcode commitBuffer}. */
  startBuffer(): void {
    this.#buffer = new Map();
  }

  /** Adds one listed object to the buffer. */
  buffer(key: string, object: T): void {
    (this.#buffer ??= new Map()).set(key, object);
  }

  /** Replaces the live map with the buffer; readers holding the old map keep a consistent old view. */
  commitBuffer(): SwapResult {
    const next = this.#buffer ?? new Map<string, T>();
    const deleted: string[] = [];
    for (const key of this.#live.keys()) if (!next.has(key)) deleted.push(key);
    this.#live = next;
    this.#buffer = undefined;
    if (!this.#synced) {
      this.#synced = true;
      this.#ready.resolve();
    }
    return { deleted, size: next.size };
  }

  /** Inserts or replaces a live object. */
  set(key: string, object: T): void {
    this.#live.set(key, object);
  }

  /** Removes a live object; true when it was there. */
  delete(key: string): boolean {
    return this.#live.delete(key);
  }

  /** Read-only view of this store. */
  reader(): Store<T> {
    return this;
  }

  list(): T[] {
    return [...this.#live.values()];
  }

  values(): IterableIterator<T> {
    return this.#live.values();
  }

  listNamespace(namespace: string): T[] {
    const result: T[] = [];
    // Keys carry the namespace, so stored objects need no particular shape.
    const prefix = `${namespace}/`;
    for (const [key, object] of this.#live) if (key.startsWith(prefix)) result.push(object);
    return result;
  }

  get(namespace: string, name: string): T | undefined {
    return this.#live.get(objectKey(namespace, name));
  }

  get size(): number {
    return this.#live.size;
  }

  get synced(): boolean {
    return this.#synced;
  }

  ready(): Promise<void> {
    return this.#ready.promise;
  }
}

/** A read-only union of several stores of one kind (one per watched namespace). */
export class UnionStore<T> implements Store<T> {
  readonly #parts: readonly Store<T>[];

  constructor(parts: readonly Store<T>[]) {
    this.#parts = parts;
  }

  list(): T[] {
    return this.#parts.length === 1 ? this.#parts[0].list() : this.#parts.flatMap((p) => p.list());
  }

  *values(): IterableIterator<T> {
    for (const part of this.#parts) yield* part.values();
  }

  listNamespace(namespace: string): T[] {
    return this.#parts.flatMap((p) => p.listNamespace(namespace));
  }

  get(namespace: string, name: string): T | undefined {
    for (const part of this.#parts) {
      const found = part.get(namespace, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  get size(): number {
    return this.#parts.reduce((sum, p) => sum + p.size, 0);
  }

  get synced(): boolean {
    return this.#parts.every((p) => p.synced);
  }

  async ready(): Promise<void> {
    await Promise.all(this.#parts.map((p) => p.ready()));
  }
}
