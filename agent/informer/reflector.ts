/**
 * The reflector: applies watcher events to a store through the transform and keeps the informer's counters.
 *
 * @module
 */

import type { KubeObject } from "../sdk/mod.ts";
import { type ErrorKind, type InformerError, isTransportFailure } from "./errors.ts";
import { objectKey, type StoreWriter } from "./store.ts";
import type { WatcherEvent } from "./watcher.ts";

/** Per-informer counters, exported as metrics. */
export interface InformerCounters {
  /** Watch events applied, by type. */
  events: { added: number; modified: number; deleted: number; bookmark: number };
  /** Complete lists after the first one. */
  relists: number;
  /** Watches opened after the first one. */
  watchRestarts: number;
  /** Errors by kind. */
  errors: Partial<Record<ErrorKind, number>>;
  /** Clock time of the last applied event or completed list; 0 before any. */
  lastEventAt: number;
}

/** Options of {@linkcode Reflector}. */
export interface ReflectorOptions<T> {
  store: StoreWriter<T>;
  /** Turns a Kubernetes object into what the store keeps. */
  transform: (object: KubeObject) => T;
  now: () => number;
  /** Called after every change to the store (not for bookmarks or errors). */
  onChange?: () => void;
  /** Called for every error event. */
  onError?: (error: InformerError) => void;
  /** Called at the first healthy event after errors: how long it failed and how many errors it saw. */
  onRecovered?: (failedForMs: number, errors: number) => void;
}

const SKIP: unique symbol = Symbol("skip");

/** Applies events in order; the only holder of the store's writer. */
export class Reflector<T> {
  readonly counters: InformerCounters = {
    events: { added: 0, modified: 0, deleted: 0, bookmark: 0 },
    relists: 0,
    watchRestarts: 0,
    errors: {},
    lastEventAt: 0,
  };
  /** Last resourceVersion applied (list, event or bookmark). */
  resourceVersion = "";
  /** Last error since the last healthy event; cleared by a list or a live event. */
  lastError: InformerError | undefined;
  /** Clock time of the first error since the last healthy event; `undefined` while healthy. */
  failingSince: number | undefined;
  /** Errors since the last healthy event. */
  failures = 0;
  /** Clock time the server last answered (a list, an event, a bookmark or an opened watch); 0 before any. */
  lastContactAt = 0;
  readonly #options: ReflectorOptions<T>;
  #lists = 0;
  #watches = 0;

  constructor(options: ReflectorOptions<T>) {
    this.#options = options;
  }

  /** Applies one watcher event. */
  apply(event: WatcherEvent): void {
    const { store } = this.#options;
    switch (event.type) {
      case "init":
        store.startBuffer();
        break;
      case "initApply": {
        const stored = this.#transform(event.object);
        if (stored !== SKIP) store.buffer(keyOf(event.object), stored);
        break;
      }
      case "initDone":
        store.commitBuffer();
        if (this.#lists++ > 0) this.counters.relists++;
        this.#healthy(event.resourceVersion);
        this.#options.onChange?.();
        break;
      case "apply": {
        const stored = this.#transform(event.object);
        // An object the transform cannot handle leaves the previous version in place rather than a hole.
        if (stored !== SKIP) store.set(keyOf(event.object), stored);
        if (event.added) this.counters.events.added++;
        else this.counters.events.modified++;
        this.#healthy(event.object.metadata?.resourceVersion);
        this.#options.onChange?.();
        break;
      }
      case "delete":
        store.delete(keyOf(event.object));
        this.counters.events.deleted++;
        this.#healthy(event.object.metadata?.resourceVersion);
        this.#options.onChange?.();
        break;
      case "bookmark":
        this.counters.events.bookmark++;
        this.#healthy(event.resourceVersion);
        break;
      case "watchStarted":
        if (this.#watches++ > 0) this.counters.watchRestarts++;
        this.lastContactAt = this.#options.now();
        // An opened watch proves the path to the server works again: it ends a transport failure (a quiet kind
        // may wait a minute for its next bookmark). Errors the server itself gave need data to be forgiven.
        if (this.lastError && isTransportFailure(this.lastError)) this.#recovered(this.lastContactAt);
        break;
      case "error":
        this.counters.errors[event.error.kind] = (this.counters.errors[event.error.kind] ?? 0) + 1;
        this.lastError = event.error;
        this.failingSince ??= this.#options.now();
        this.failures++;
        this.#options.onError?.(event.error);
        break;
      default: {
        const never: never = event;
        throw new Error(`Unknown watcher event: ${JSON.stringify(never)}`);
      }
    }
  }

  /** Runs the transform; a throwing transform (an object shape it did not expect) is counted, not fatal. */
  #transform(object: KubeObject): T | typeof SKIP {
    try {
      return this.#options.transform(object);
    } catch (error) {
      const name = `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
      const failure: InformerError = {
        kind: "transform",
        phase: "watch",
        message: `Cannot convert ${object.kind ?? "object"} "${name}": ${
          error instanceof Error ? error.message : error
        }`,
      };
      this.counters.errors.transform = (this.counters.errors.transform ?? 0) + 1;
      this.#options.onError?.(failure);
      return SKIP;
    }
  }

  #healthy(resourceVersion: string | undefined): void {
    if (resourceVersion) this.resourceVersion = resourceVersion;
    const now = this.#options.now();
    this.counters.lastEventAt = now;
    this.lastContactAt = now;
    if (this.lastError) this.#recovered(now);
  }

  #recovered(now: number): void {
    const failedForMs = now - (this.failingSince ?? now);
    const failures = this.failures;
    this.lastError = undefined;
    this.failingSince = undefined;
    this.failures = 0;
    this.#options.onRecovered?.(failedForMs, failures);
  }
}

function keyOf(object: KubeObject): string {
  return objectKey(object.metadata?.namespace, object.metadata?.name);
}
