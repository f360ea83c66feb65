/**
 * Watch streams: replay from a resourceVersion over the bounded history, synthetic initial events,
 * `sendInitialEvents` with the initial-events-end bookmark, periodic bookmarks, selector transitions, timeouts,
 * and the stall/close hooks used for fault injection.
 *
 * @module
 */

import { groupVersion, type ResourceInfo } from "./resources.ts";
import type { Selector } from "./selectors.ts";
import { objectJson } from "./json_cache.ts";
import { failureStatus } from "./status.ts";
import type { ObjectStore, StoreEvent } from "./store.ts";
import type { TimerSet } from "./timers.ts";
import type { Obj, RequestInfo } from "./types.ts";

/** Where a stream writes; provided by the transport. */
export interface StreamSink {
  /** Writes one chunk (ignored once closed). */
  write(chunk: string): void;
  /** Ends the response cleanly. */
  end(): void;
  /** Registers a callback for when the connection closes (client abort, end, or server close). */
  onClose(listener: () => void): void;
  /** Whether the stream has ended. */
  readonly closed: boolean;
}

/** Parameters of one watch. */
export interface WatchParams {
  /** Watched resource. */
  info: ResourceInfo;
  /** Namespace, `""` for all. */
  namespace: string;
  /** `labelSelector`. */
  labels: Selector;
  /** `fieldSelector`. */
  fields: Selector;
  /** Replay events after this resourceVersion; `undefined` starts with the current state. */
  fromRv: number | undefined;
  /** Whether to send the current state as ADDED first. */
  initialState: boolean;
  /** `sendInitialEvents=true`: end the initial state with the initial-events-end bookmark. */
  initialEventsEnd: boolean;
  /** `allowWatchBookmarks=true`. */
  bookmarks: boolean;
  /** Milliseconds between bookmarks. */
  bookmarkIntervalMs: number;
  /** `timeoutSeconds`, if given. */
  timeoutSeconds?: number;
  /** Converts objects for output (Table, PartialObjectMetadata); identity when absent. */
  convert?: (obj: Obj) => Obj;
  /** The request, for filters. */
  request: RequestInfo;
}

/** One open watch stream. */
export class WatchSession {
  /** The request that opened it. */
  readonly request: RequestInfo;
  #params: WatchParams;
  #store: ObjectStore;
  #timers: TimerSet;
  #sink: StreamSink;
  #cancels: (() => void)[] = [];
  #stalled = false;
  #done = false;
  #onDone: () => void;

  /** Creates (but does not start) a session. `onDone` runs once when it ends for any reason. */
  constructor(
    params: WatchParams,
    store: ObjectStore,
    timers: TimerSet,
    sink: StreamSink,
    onDone: () => void,
  ) {
    this.request = params.request;
    this.#params = params;
    this.#store = store;
    this.#timers = timers;
    this.#sink = sink;
    this.#onDone = onDone;
    sink.onClose(() => this.#finish());
  }

  /** Whether the stream is stalled (sends nothing until the client aborts). */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Whether the session has ended. */
  get done(): boolean {
    return this.#done;
  }

  /** Sends the initial part and goes live; a stalled session sends nothing at all. */
  start(stalled: boolean): void {
    if (stalled) {
      this.stall();
      return;
    }
    const p = this.#params;
    if (p.fromRv !== undefined && p.fromRv > this.#store.resourceVersion) {
      // What the watch cache answers after waiting for a version it never reaches (an etcd restore, a new cluster
      // behind the same address): an ERROR event, not an HTTP error, because the request itself was valid.
      const current = this.#store.resourceVersion;
      const status = failureStatus(
        504,
        `Too large resource version: ${p.fromRv}, current: ${current}`,
        "Timeout",
        {
          causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
          retryAfterSeconds: 1,
        },
      );
      this.#send("ERROR", status);
      this.close();
      return;
    }
    if (p.fromRv !== undefined && p.fromRv < this.#store.oldestAvailable) {
      const status = failureStatus(
        410,
        `too old resource version: ${p.fromRv} (${this.#store.oldestAvailable})`,
        "Expired",
      );
      this.#send("ERROR", status);
      this.close();
      return;
    }
    if (p.initialState) {
      for (const obj of this.#store.list(p.info, p.namespace || undefined)) {
        if (this.#selected(obj)) this.#send("ADDED", obj);
      }
      if (p.initialEventsEnd) this.#bookmark(true);
    } else if (p.fromRv !== undefined) {
      for (const event of this.#store.eventsSince(p.fromRv)) this.#deliver(event);
    }
    this.#cancels.push(this.#store.subscribe((event) => this.#deliver(event)));
    if (p.bookmarks) {
      this.#cancels.push(this.#timers.interval(() => this.#bookmark(false), p.bookmarkIntervalMs));
    }
    if (p.timeoutSeconds !== undefined && p.timeoutSeconds > 0) {
      this.#cancels.push(this.#timers.timeout(() => this.close(), p.timeoutSeconds * 1000));
    }
  }

  #selected(obj: Obj): boolean {
    return this.#params.labels.matches(obj) && this.#params.fields.matches(obj);
  }

  #deliver(event: StoreEvent): void {
    const p = this.#params;
    if (event.resource !== p.info || (p.namespace && event.namespace !== p.namespace)) return;
    const now = this.#selected(event.object);
    const before = event.prev ? this.#selected(event.prev) : false;
    switch (event.type) {
      case "ADDED":
        if (now) this.#send("ADDED", event.object);
        break;
      case "MODIFIED":
        if (now && before) this.#send("MODIFIED", event.object);
        else if (now) this.#send("ADDED", event.object);
        else if (before) this.#send("DELETED", event.object);
        break;
      case "DELETED":
        if (now || before) this.#send("DELETED", event.object);
        break;
    }
  }

  #bookmark(initialEnd: boolean): void {
    const metadata: Obj = { resourceVersion: String(this.#store.resourceVersion) };
    if (initialEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
    this.#write({
      type: "BOOKMARK",
      object: { kind: this.#params.info.kind, apiVersion: groupVersion(this.#params.info), metadata },
    });
  }

  #send(type: string, obj: Obj): void {
    if (this.#stalled || this.#done) return;
    if (this.#params.convert && type !== "ERROR") {
      this.#write({ type, object: this.#params.convert(obj) });
    } else {
      this.#sink.write(`{"type":"${type}","object":${objectJson(obj)}}\n`);
    }
  }

  #write(event: Obj): void {
    if (this.#stalled || this.#done) return;
    this.#sink.write(JSON.stringify(event) + "\n");
  }

  /** Stops sending anything (events, bookmarks, the timeout) while keeping the connection open. */
  stall(): void {
    this.#stalled = true;
    this.#release();
  }

  /** Ends the stream cleanly. */
  close(): void {
    if (this.#done) return;
    this.#sink.end();
    this.#finish();
  }

  #release(): void {
    for (const cancel of this.#cancels.splice(0)) cancel();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#release();
    this.#onDone();
  }
}
