/**
 * One informer: watcher → backoff → reflector → store, for one kind in one scope (all namespaces or one).
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { KubeClient, KubeObject } from "../sdk/mod.ts";
import { Backoff, type BackoffOptions, withBackoff } from "./backoff.ts";
import { UNAVAILABLE_RETRY_MS } from "./constants.ts";
import { type InformerError, isTransportFailure } from "./errors.ts";
import { type InformerCounters, Reflector } from "./reflector.ts";
import { type Store, StoreWriter } from "./store.ts";
import { type StreamingListSupport, watcher, type WatcherEvent } from "./watcher.ts";

/** Health of an informer as `/readyz` and metrics report it. */
export type InformerHealth = "pending" | "ok" | "forbidden" | "missing" | "failing";

/** A point-in-time view of one informer. */
export interface InformerStatus {
  /** REST path the informer lists and watches. */
  path: string;
  /** Whether the initial list has been loaded into the store. */
  synced: boolean;
  /** Current health. */
  health: InformerHealth;
  /** Number of objects in the store. */
  objects: number;
  /** Last resource version seen. */
  resourceVersion: string;
  /** Most recent error, if any. */
  lastError?: InformerError;
  /** Clock time of the first error since the informer was last healthy; absent while healthy. */
  failingSince?: number;
  /** Clock time the server last answered (list, event, bookmark, opened watch); 0 before any. */
  lastContactAt: number;
  /** List, watch and event counters. */
  counters: InformerCounters;
}

/** Options of {@linkcode Informer}. */
export interface InformerOptions<T> {
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  /** Turns each object into what the store keeps (runs before storing). */
  transform: (object: KubeObject) => T;
  /** Time and timers; the system clock by default. */
  clock?: Clock;
  /** Only objects whose labels match. */
  labelSelector?: string;
  /** Only objects whose fields match. */
  fieldSelector?: string;
  /** LIST page size. */
  pageSize?: number;
  /** Whether to try the streaming list (`sendInitialEvents`). */
  streamingList?: StreamingListSupport;
  /** Range of the random server-side watch timeout, seconds. */
  watchTimeoutSeconds?: { min: number; max: number };
  /** Silence beyond the bookmark period after which a watch stream counts as dead, milliseconds. */
  idleGraceMs?: number;
  /** A watch silent this long is replaced (default 2 min: two bookmark periods of a real server). */
  idleTimeoutMs?: number;
  /** A watch request without response headers after this long is abandoned (default 30 s). */
  openTimeoutMs?: number;
  /** Overrides parts of the backoff schedule (tests shorten it). */
  backoff?: Partial<Omit<BackoffOptions, "clock">>;
  /** Delay before retrying a kind answered with 403 or 404. */
  unavailableRetryMs?: number;
  /** Random source in [0, 1); injected for deterministic tests. */
  random?: () => number;
  /** Called after every change to the store. */
  onChange?: () => void;
  /** Called for every error. */
  onError?: (error: InformerError) => void;
  /** Called at the first healthy event after errors. */
  onRecovered?: (failedForMs: number, errors: number) => void;
}

const HEALTHY_EVENTS: ReadonlySet<string> = new Set(["initDone", "apply", "delete", "bookmark"]);

/** Keeps one store in sync with the API server until stopped; its loop never throws. */
export class Informer<T> {
  readonly path: string;
  readonly #client: KubeClient;
  readonly #options: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #store: Store<T>;
  readonly #reflector: Reflector<T>;
  #controller: AbortController | undefined;
  #running: Promise<void> | undefined;
  /** The backoff schedule of the running loop. */
  #backoff: Backoff | undefined;
  /** Ends the current backoff pause early; replaced at every pause. */
  #wake: AbortController | undefined;
  /** Whether the current pause follows a transport failure (only those are cut short by {@linkcode retryNow}). */
  #pausedForTransport = false;
  /** An expired or too-large version was already relisted at once since the informer was last healthy. */
  #promptRelistUsed = false;

  constructor(client: KubeClient, options: InformerOptions<T>) {
    this.path = options.path;
    this.#client = client;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const writer = new StoreWriter<T>();
    this.#store = writer.reader();
    // The reflector is the writer's only holder; this informer and everyone it hands the store to read.
    this.#reflector = new Reflector<T>({
      store: writer,
      transform: options.transform,
      now: () => this.#clock.now(),
      onChange: options.onChange,
      onError: options.onError,
      onRecovered: options.onRecovered,
    });
  }

  /** The read-only cache. */
  get store(): Store<T> {
    return this.#store;
  }

  /** Starts the list/watch loop; a second call does nothing. */
  start(): void {
    if (this.#running) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#running = this.#run(controller.signal);
  }

  /** Aborts every request and timer of this informer and waits for its loop to end. */
  async stop(): Promise<void> {
    this.#controller?.abort(new Error("informer stopped"));
    await this.#running;
    this.#running = undefined;
  }

  /**
   * Ends a backoff pause that follows a transport failure, so the informer retries now, and starts its backoff
   * schedule over: the set calls it when the API server answers again after being unreachable. Pauses after
   * answers the server gave (500, 429, 403) stay.
   */
  retryNow(): boolean {
    if (!this.transportFailing) return false;
    // A request opened into the outage may still hang until its timeout: its next pause starts short again.
    this.#backoff?.reset();
    if (!this.#pausedForTransport || !this.#wake) return false;
    this.#wake.abort();
    return true;
  }

  /** Whether the informer is failing for lack of any answer from the server. */
  get transportFailing(): boolean {
    const error = this.#reflector.lastError;
    return error !== undefined && isTransportFailure(error);
  }

  /** Current health, counters and last error. */
  status(): InformerStatus {
    const error = this.#reflector.lastError;
    let health: InformerHealth = this.#store.synced ? "ok" : "pending";
    if (error?.kind === "forbidden") health = "forbidden";
    else if (error?.kind === "missing") health = "missing";
    else if (error) health = "failing";
    return {
      path: this.path,
      synced: this.#store.synced,
      health,
      objects: this.#store.size,
      resourceVersion: this.#reflector.resourceVersion,
      lastError: error,
      ...(this.#reflector.failingSince !== undefined ? { failingSince: this.#reflector.failingSince } : {}),
      lastContactAt: this.#reflector.lastContactAt,
      counters: this.#reflector.counters,
    };
  }

  async #run(signal: AbortSignal): Promise<void> {
    const options = this.#options;
    const clock = this.#clock;
    const backoff = new Backoff({ ...options.backoff, clock, random: options.random });
    this.#backoff = backoff;
    while (!signal.aborted) {
      try {
        for await (const event of this.#events(signal, backoff)) {
          this.#reflector.apply(event);
          if (HEALTHY_EVENTS.has(event.type)) this.#promptRelistUsed = false;
        }
      } catch (error) {
        // The watcher turns failures into events; reaching this is a bug. Keep it visible, and start over after
        // a pause rather than leave a cache that silently stopped.
        this.#reflector.apply({
          type: "error",
          error: { kind: "client", phase: "watch", message: `Informer loop failed: ${String(error)}` },
        });
        await clock.sleep(backoff.next(), signal).catch(() => {});
      }
    }
  }

  #events(signal: AbortSignal, backoff: Backoff): AsyncIterable<WatcherEvent> {
    const options = this.#options;
    const unavailableMs = options.unavailableRetryMs ?? UNAVAILABLE_RETRY_MS;
    const events = watcher({
      client: this.#client,
      path: options.path,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      clock: this.#clock,
      signal,
      pageSize: options.pageSize,
      streamingList: options.streamingList,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      idleGraceMs: options.idleGraceMs,
      idleTimeoutMs: options.idleTimeoutMs,
      openTimeoutMs: options.openTimeoutMs,
      random: options.random,
    });
    return withBackoff(events, {
      backoff,
      clock: this.#clock,
      signal,
      healthy: HEALTHY_EVENTS,
      wake: () => {
        this.#wake = new AbortController();
        return this.#wake.signal;
      },
      delay: (error: InformerError) => {
        this.#pausedForTransport = isTransportFailure(error);
        // A kind we may not list, or that is not served, will not change soon: retry in minutes.
        if (error.kind === "forbidden" || error.kind === "missing") return unavailableMs;
        if (error.kind === "expired" && !this.#promptRelistUsed) {
          // The server answered and told us to relist (history compacted, or it is behind our version after a
          // restore): waiting would only keep the cache stale. A second one in a row backs off as usual.
          this.#promptRelistUsed = true;
          return 0;
        }
        const delay = backoff.next();
        return error.retryAfterSeconds ? Math.max(delay, error.retryAfterSeconds * 1000) : delay;
      },
    });
  }
}
