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

/** What a writer and its readers share: the live map is swapped by the writer and read through the readers. */
class StoreState<T> {
  live = new Map<string, T>();
  synced = false;
  readonly ready = Promise.withResolvers<void>();
}

/**
 * The only code that mutates a store; it has no read methods of its own. A relist fills a buffer and swaps it in
 * with one assignment. Everyone else gets {@linkcode StoreWriter.reader}, a separate object with no way to write.
 */
export class StoreWriter<T> {
  readonly #state = new StoreState<T>();
  readonly #reader: Store<T> = new StoreReader(this.#state);
  #buffer: Map<string, T> | undefined;

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
    const state = this.#state;
    const next = this.#buffer ?? new Map<string, T>();
    const deleted: string[] = [];
    for (const key of state.live.keys()) if (!next.has(key)) deleted.push(key);
    state.live = next;
    this.#buffer = undefined;
    if (!state.synced) {
      state.synced = true;
      state.ready.resolve();
    }
    return { deleted, size: next.size };
  }

  /** Inserts or replaces a live object. */
  set(key: string, object: T): void {
    this.#state.live.set(key, object);
  }

  /** Removes a live object; true when it was there. */
  delete(key: string): boolean {
    return this.#state.live.delete(key);
  }

  /**
   * The read-only view of this store (kube-rs `Writer::as_reader`): always the same object, and one that holds
   * the shared state privately, so no mutator is reachable from it at runtime either.
   */
  reader(): Store<T> {
    return this.#reader;
  }
}

/** The read side of a {@linkcode StoreWriter}; only the writer creates one. */
class StoreReader<T> implements Store<T> {
  readonly #state: StoreState<T>;

  constructor(state: StoreState<T>) {
    this.#state = state;
  }

  list(): T[] {
    return [...this.#state.live.values()];
  }

  values(): IterableIterator<T> {
    return this.#state.live.values();
  }

  listNamespace(namespace: string): T[] {
    const result: T[] = [];
    // Keys carry the namespace, so stored objects need no particular shape.
    const prefix = `${namespace}/`;
    for (const [key, object] of this.#state.live) if (key.startsWith(prefix)) result.push(object);
    return result;
  }

  get(namespace: string, name: string): T | undefined {
    return this.#state.live.get(objectKey(namespace, name));
  }

  get size(): number {
    return this.#state.live.size;
  }

  get synced(): boolean {
    return this.#state.synced;
  }

  ready(): Promise<void> {
    return this.#state.ready.promise;
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
