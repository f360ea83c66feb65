/**
 * The informer set: one informer per enabled kind (and per namespace when scoped), readiness across kinds, and
 * coalesced change notifications for the push scheduler.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { KubeClient, KubeObject } from "../sdk/mod.ts";
import type { InformerError } from "./errors.ts";
import { Informer, type InformerHealth, type InformerOptions, type InformerStatus } from "./informer.ts";
import {
  collectionPath,
  defaultTransform,
  RESOURCE_NAMES,
  type ResourceDef,
  type ResourceName,
  RESOURCES,
} from "./resources.ts";
import { type Store, UnionStore } from "./store.ts";
import type { StreamingListSupport } from "./watcher.ts";

/** Informer settings shared by every informer of the set. */
export type SharedInformerOptions = Pick<
  InformerOptions<unknown>,
  "pageSize" | "watchTimeoutSeconds" | "idleGraceMs" | "backoff" | "unavailableRetryMs" | "random"
>;

/** Options of {@linkcode InformerSet}. */
export interface InformerSetOptions {
  /** Kinds to watch; all of {@linkcode RESOURCES} by default. */
  resources?: readonly ResourceName[];
  /** Kinds to leave out (e.g. `secrets`). */
  disabled?: readonly string[];
  /** Watch only these namespaces (one watch per namespace for namespaced kinds); all when empty. */
  namespaces?: readonly string[];
  /** Per-kind transforms; kinds without one use {@linkcode defaultTransform}. */
  transforms?: Partial<Record<ResourceName, (object: KubeObject) => unknown>>;
  /** Time source; the system clock by default. */
  clock?: Clock;
  /** Try streaming lists (`sendInitialEvents`); a 422 answer turns them off for the whole set. */
  streamingList?: boolean;
  /** Change notifications within this window are delivered together. */
  changeCoalesceMs?: number;
  /** Settings passed to every informer. */
  informer?: SharedInformerOptions;
  /** Called for every informer error (logging). */
  onError?: (kind: ResourceName, error: InformerError) => void;
}

/** Readiness of one kind, summarised over its informers. */
export interface KindStatus {
  /** The resource kind. */
  kind: ResourceName;
  /** Whether every informer of the kind has synced. */
  synced: boolean;
  /** `forbidden` / `missing` kinds do not block readiness. */
  health: InformerHealth;
  /** Number of objects cached across its informers. */
  objects: number;
  /** Most recent error of any of its informers. */
  lastError?: InformerError;
  /** Status of each informer (one per watched namespace). */
  informers: InformerStatus[];
}

/** Outcome of {@linkcode InformerSet.ready}. */
export interface ReadyResult {
  /** Whether every enabled kind is synced or known to be unavailable. */
  ready: boolean;
  /** Kinds that are neither synced nor known to be unavailable. */
  pending: ResourceName[];
  /** Kinds skipped because they are forbidden or not served. */
  unavailable: ResourceName[];
}

const EMPTY_STORE: Store<never> = new UnionStore<never>([]);

/** Starts, stops and reports on the informers of every enabled kind. */
export class InformerSet {
  readonly #client: KubeClient;
  readonly #options: InformerSetOptions;
  readonly #clock: Clock;
  readonly #informers = new Map<ResourceName, Informer<unknown>[]>();
  readonly #stores = new Map<ResourceName, Store<unknown>>();
  readonly #listeners = new Set<(kinds: ReadonlySet<ResourceName>) => void>();
  readonly #waiters = new Set<() => void>();
  readonly #idleSince = new Map<string, number>();
  #changed = new Set<ResourceName>();
  #flush: AbortController | undefined;
  #started = false;

  /** Creates the set over a client; informers start on `start()`. */
  constructor(client: KubeClient, options: InformerSetOptions = {}) {
    this.#client = client;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const streaming: StreamingListSupport = { enabled: options.streamingList ?? true };
    const disabled = new Set(options.disabled ?? []);
    const namespaces = options.namespaces?.length ? options.namespaces : [undefined];
    for (const name of options.resources ?? RESOURCE_NAMES) {
      if (disabled.has(name)) continue;
      const resource: ResourceDef = RESOURCES[name];
      const transform = options.transforms?.[name] ?? defaultTransform(resource);
      const scopes = resource.namespaced ? namespaces : [undefined];
      const informers = scopes.map((namespace) =>
        new Informer<unknown>(client, {
          ...options.informer,
          path: collectionPath(resource, namespace),
          transform,
          clock: this.#clock,
          streamingList: streaming,
          onChange: () => this.#noteChange(name),
          onError: (error) => this.#noteError(name, collectionPath(resource, namespace), error),
        })
      );
      this.#informers.set(name, informers);
      this.#stores.set(name, new UnionStore(informers.map((i) => i.store)));
    }
  }

  /** Enabled kinds. */
  get kinds(): ResourceName[] {
    return [...this.#informers.keys()];
  }

  /** The cache of one kind; an empty store when the kind is disabled. */
  store<T>(kind: ResourceName): Store<T> {
    return (this.#stores.get(kind) ?? EMPTY_STORE) as Store<T>;
  }

  /** Starts every informer. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const informers of this.#informers.values()) for (const informer of informers) informer.start();
  }

  /** Stops every informer, request and timer, and releases pending `ready()` callers. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#flush?.abort();
    this.#flush = undefined;
    await Promise.all([...this.#informers.values()].flat().map((i) => i.stop()));
    for (const wake of this.#waiters) wake();
  }

  /** Per-kind readiness, health and counters. */
  status(): KindStatus[] {
    return [...this.#informers].map(([kind, informers]) => summarise(kind, informers.map((i) => i.status())));
  }

  /** Which kinds block readiness right now. */
  readiness(): ReadyResult {
    const pending: ResourceName[] = [];
    const unavailable: ResourceName[] = [];
    for (const status of this.status()) {
      if (status.synced) continue;
      if (status.health === "forbidden" || status.health === "missing") unavailable.push(status.kind);
      else pending.push(status.kind);
    }
    return { ready: pending.length === 0, pending, unavailable };
  }

  /**
   * Resolves once every enabled kind has synced or is known to be forbidden / not served, or when the timeout
   * or signal ends the wait (then `ready` is false and `pending` names the kinds still missing).
   */
  async ready(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ReadyResult> {
    const stop = new AbortController();
    const signals = [stop.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = AbortSignal.any(signals);
    const wake = Promise.withResolvers<void>();
    const check = () => {
      if (this.readiness().ready || signal.aborted || !this.#started) wake.resolve();
    };
    this.#waiters.add(check);
    signal.addEventListener("abort", check, { once: true });
    if (options.timeoutMs !== undefined) {
      this.#clock.sleep(options.timeoutMs, signal).then(() => stop.abort(), () => {});
    }
    try {
      check();
      await wake.promise;
      return this.readiness();
    } finally {
      stop.abort();
      this.#waiters.delete(check);
    }
  }

  /** Subscribes to coalesced change notifications; returns the unsubscribe function. */
  onChange(listener: (kinds: ReadonlySet<ResourceName>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #noteChange(kind: ResourceName): void {
    for (const wake of this.#waiters) wake();
    // Changes nobody listens to are not remembered: a later subscriber hears only what changes after it.
    if (this.#listeners.size === 0) return;
    this.#changed.add(kind);
    if (this.#flush) return;
    const controller = new AbortController();
    this.#flush = controller;
    this.#clock.sleep(this.#options.changeCoalesceMs ?? 0, controller.signal).then(() => {
      this.#flush = undefined;
      const kinds = this.#changed;
      this.#changed = new Set();
      for (const listener of this.#listeners) listener(kinds);
    }, () => {});
  }

  #noteError(kind: ResourceName, path: string, error: InformerError): void {
    for (const wake of this.#waiters) wake();
    this.#options.onError?.(kind, error);
    if (error.kind !== "idle") return;
    // One dead TCP connection stalls every watch multiplexed on it: when all went idle, start a fresh pool.
    const now = this.#clock.now();
    this.#idleSince.set(path, now);
    // Only informers that hold a stream can go idle; forbidden, missing or still-listing kinds never will.
    const streaming = [...this.#informers.values()].flat().filter((i) => {
      const { health, synced } = i.status();
      return synced && health !== "forbidden" && health !== "missing";
    });
    const window = 5 * 60_000;
    if (streaming.every((i) => now - (this.#idleSince.get(i.path) ?? -Infinity) < window)) {
      const client = this.#client as KubeClient & { resetConnections?: () => void };
      client.resetConnections?.();
      this.#idleSince.clear();
    }
  }
}

function summarise(kind: ResourceName, informers: InformerStatus[]): KindStatus {
  const synced = informers.every((i) => i.synced);
  const rank: InformerHealth[] = ["forbidden", "missing", "failing", "pending", "ok"];
  const health = rank.find((h) => informers.some((i) => i.health === h)) ?? "ok";
  return {
    kind,
    synced,
    health,
    objects: informers.reduce((sum, i) => sum + i.objects, 0),
    lastError: informers.find((i) => i.lastError)?.lastError,
    informers,
  };
}
