/**
 * The watcher: an explicit state machine (kube-rs `watcher.rs`) that lists or stream-lists a resource, then
 * watches it, re-watching from the last resourceVersion when a stream ends and relisting only when the server
 * says the version is gone. It never throws: failures are `error` events, and the caller paces retries.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { KubeApiError } from "../sdk/mod.ts";
import type { KubeClient, KubeObject, ListPage, Status, WatchEvent } from "../sdk/mod.ts";
import {
  IDLE_GRACE_MS,
  IDLE_TIMEOUT_MS,
  INITIAL_EVENTS_END,
  PAGE_SIZE,
  SHORT_WATCH_MS,
  WATCH_OPEN_TIMEOUT_MS,
  WATCH_TIMEOUT_S,
} from "./constants.ts";
import {
  classify,
  classifyStatus,
  IdleStreamError,
  type InformerError,
  isTooLargeResourceVersion,
  needsRelist,
} from "./errors.ts";

/** What the watcher reports. `init`…`initDone` bracket a complete (re)list; the rest are live changes. */
export type WatcherEvent =
  | { type: "init"; streaming: boolean }
  | { type: "initApply"; object: KubeObject }
  | { type: "initDone"; resourceVersion: string }
  | { type: "apply"; object: KubeObject; added: boolean }
  | { type: "delete"; object: KubeObject }
  | { type: "bookmark"; resourceVersion: string }
  | { type: "watchStarted"; resourceVersion: string }
  | { type: "error"; error: InformerError };

/** Whether the server supports streaming lists; shared by all informers of one client so a 422 is learnt once. */
export interface StreamingListSupport {
  /** Try `sendInitialEvents` at all. */
  enabled: boolean;
  /** Set after the server answered 422: never asked again. */
  unsupported?: boolean;
}

/** Inputs of {@linkcode watcher}. */
export interface WatcherOptions {
  client: KubeClient;
  /** Collection path, e.g. `/api/v1/pods` or `/api/v1/namespaces/x/pods`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock: Clock;
  /** Stops the watcher and aborts its open request. */
  signal: AbortSignal;
  pageSize?: number;
  streamingList?: StreamingListSupport;
  /** Server-side watch timeout range in seconds. */
  watchTimeoutSeconds?: { min: number; max: number };
  /** Idle grace on top of the watch timeout before the watchdog aborts a silent stream. */
  idleGraceMs?: number;
  /** A stream silent this long is aborted whatever its watch timeout ({@linkcode IDLE_TIMEOUT_MS} by default). */
  idleTimeoutMs?: number;
  /** A watch request without response headers after this long is aborted ({@linkcode WATCH_OPEN_TIMEOUT_MS}). */
  openTimeoutMs?: number;
  random?: () => number;
}

interface Stream {
  events: AsyncIterator<WatchEvent<KubeObject>>;
  controller: AbortController;
  openedAt: number;
  received: number;
  close(): void;
}

type State =
  | { phase: "empty" }
  | { phase: "paging"; resourceVersion: string; limit?: number; continueToken?: string }
  | { phase: "streaming"; stream: Stream }
  | { phase: "listed"; resourceVersion: string }
  | { phase: "watching"; resourceVersion: string; stream: Stream };

/** The resourceVersion policy of client-go's reflector. */
interface VersionState {
  /** The last version seen (list, event or bookmark); `""` before the first list. */
  last: string;
  /** The server said `last` is gone: the next list must be a consistent read (`""`). */
  unavailable: boolean;
}

/** Runs the state machine until `signal` aborts. */
export async function* watcher(options: WatcherOptions): AsyncGenerator<WatcherEvent> {
  const versions: VersionState = { last: "", unavailable: false };
  let state: State = { phase: "empty" };
  try {
    while (!options.signal.aborted) {
      const [events, next] = await step(state, options, versions);
      state = next;
      if (options.signal.aborted) break;
      for (const event of events) yield event;
    }
  } finally {
    if (state.phase === "watching" || state.phase === "streaming") state.stream.close();
  }
}

/** The RV a relist asks for: `0` (any, from the watch cache) first, the last seen RV later, `""` once it is gone. */
export function relistResourceVersion(versions: VersionState): string {
  if (versions.unavailable) return "";
  return versions.last || "0";
}

type Step = Promise<[WatcherEvent[], State]>;

function step(state: State, options: WatcherOptions, versions: VersionState): Step {
  switch (state.phase) {
    case "empty":
      return startList(options, versions);
    case "paging":
      return listPage(state, options, versions);
    case "streaming":
      return streamInitialEvents(state.stream, options, versions);
    case "listed":
      return startWatch(state.resourceVersion, options, versions);
    case "watching":
      return nextWatchEvent(state, options, versions);
    default: {
      const never: never = state;
      throw new Error(`Unknown watcher state: ${JSON.stringify(never)}`);
    }
  }
}

async function startList(options: WatcherOptions, versions: VersionState): Step {
  const support = options.streamingList;
  if (!support?.enabled || support.unsupported) {
    return [[], {
      phase: "paging",
      resourceVersion: relistResourceVersion(versions),
      limit: pageSize(options),
    }];
  }
  try {
    const stream = await openStream(options, {
      sendInitialEvents: true,
      resourceVersionMatch: "NotOlderThan",
      // A streaming list starts from a consistent read unless we still hold a usable version.
      resourceVersion: versions.unavailable ? "" : versions.last,
    });
    return [[{ type: "init", streaming: true }], { phase: "streaming", stream }];
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 422 || error.status === 400)) {
      // The server has no WatchList: remember it for every informer of this client and list instead.
      support.unsupported = true;
      return [[], {
        phase: "paging",
        resourceVersion: relistResourceVersion(versions),
        limit: pageSize(options),
      }];
    }
    const classified = classify(error, "list");
    // A streaming list refused as expired or too new (the server is behind our version): the next one must be a
    // consistent read, as the paging path and client-go's watchList do; retrying the same version fails again.
    if (classified.kind === "expired") versions.unavailable = true;
    return [[{ type: "error", error: classified }], { phase: "empty" }];
  }
}

async function listPage(
  state: Extract<State, { phase: "paging" }>,
  options: WatcherOptions,
  versions: VersionState,
): Step {
  let page: ListPage<KubeObject>;
  try {
    page = await firstPage(options, state);
  } catch (error) {
    const classified = classify(error, "list");
    if (classified.kind === "expired" && state.continueToken) {
      // The continue token expired mid-list: list again in one request, as client-go does.
      return [[], { phase: "paging", resourceVersion: state.resourceVersion }];
    }
    if (classified.kind === "expired") versions.unavailable = true;
    return [[{ type: "error", error: classified }], { phase: "empty" }];
  }
  const events: WatcherEvent[] = state.continueToken ? [] : [{ type: "init", streaming: false }];
  for (const object of page.items) events.push({ type: "initApply", object });
  const continueToken = page.metadata.continue;
  if (continueToken) {
    return [events, { ...state, continueToken }];
  }
  const resourceVersion = page.metadata.resourceVersion ?? "";
  versions.last = resourceVersion;
  versions.unavailable = false;
  events.push({ type: "initDone", resourceVersion });
  return [events, { phase: "listed", resourceVersion }];
}

async function firstPage(
  options: WatcherOptions,
  state: Extract<State, { phase: "paging" }>,
): Promise<ListPage<KubeObject>> {
  const pages = options.client.list<KubeObject>(options.path, {
    signal: options.signal,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    limit: state.limit,
    resourceVersion: state.continueToken ? undefined : state.resourceVersion,
    continue: state.continueToken,
  })[Symbol.asyncIterator]();
  try {
    const { value, done } = await pages.next();
    if (done) return { metadata: {}, items: [] };
    return value;
  } finally {
    // Pages are driven one step at a time so each lands in the store buffer before the next is fetched.
    await pages.return?.();
  }
}

async function startWatch(resourceVersion: string, options: WatcherOptions, versions: VersionState): Step {
  try {
    const stream = await openStream(options, { resourceVersion });
    return [[{ type: "watchStarted", resourceVersion }], { phase: "watching", resourceVersion, stream }];
  } catch (error) {
    const classified = classify(error, "watch");
    if (classified.tooLarge) versions.unavailable = true;
    // "Too old" on the watch request: relist, trying the last RV first (the list may still be served).
    const next: State = classified.kind === "expired"
      ? { phase: "empty" }
      : { phase: "listed", resourceVersion };
    return [[{ type: "error", error: classified }], next];
  }
}

async function nextWatchEvent(
  state: Extract<State, { phase: "watching" }>,
  options: WatcherOptions,
  versions: VersionState,
): Step {
  const { stream } = state;
  const result = await readNext(stream, options);
  if (result.kind === "error") {
    stream.close();
    return [[{ type: "error", error: result.error }], {
      phase: "listed",
      resourceVersion: state.resourceVersion,
    }];
  }
  if (result.kind === "end") {
    stream.close();
    const quiet = stream.received === 0 && options.clock.now() - stream.openedAt < SHORT_WATCH_MS;
    if (quiet && !options.signal.aborted) {
      const error: InformerError = {
        kind: "shortWatch",
        phase: "watch",
        message: `Watch of "${options.path}" closed within ${SHORT_WATCH_MS} ms without any event`,
      };
      return [[{ type: "error", error }], { phase: "listed", resourceVersion: state.resourceVersion }];
    }
    return [[], { phase: "listed", resourceVersion: state.resourceVersion }];
  }
  const event = result.event;
  switch (event.type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED": {
      const resourceVersion = event.object.metadata?.resourceVersion ?? state.resourceVersion;
      versions.last = resourceVersion;
      const out: WatcherEvent = event.type === "DELETED"
        ? { type: "delete", object: event.object }
        : { type: "apply", object: event.object, added: event.type === "ADDED" };
      return [[out], { ...state, resourceVersion }];
    }
    case "BOOKMARK": {
      const resourceVersion = event.object.metadata?.resourceVersion || state.resourceVersion;
      versions.last = resourceVersion;
      return [[{ type: "bookmark", resourceVersion }], { ...state, resourceVersion }];
    }
    case "ERROR":
      return watchErrorEvent(event.object, stream, state.resourceVersion, versions);
  }
}

function watchErrorEvent(
  status: Status,
  stream: Stream,
  resourceVersion: string,
  versions: VersionState,
): Step {
  stream.close();
  const error = classifyStatus(status);
  // The server is behind our version (etcd restored, a new cluster behind the address): only a consistent read
  // gives a version it knows; listing at ours would be answered "too large" once more.
  if (isTooLargeResourceVersion(status)) versions.unavailable = true;
  if (needsRelist(status)) {
    // The history was compacted past our version: relist (trying the last RV first, then a consistent read).
    return Promise.resolve([[{ type: "error", error }], { phase: "empty" }]);
  }
  return Promise.resolve([[{ type: "error", error }], { phase: "listed", resourceVersion }]);
}

async function streamInitialEvents(stream: Stream, options: WatcherOptions, versions: VersionState): Step {
  const result = await readNext(stream, options);
  if (result.kind !== "event") {
    stream.close();
    const error: InformerError = result.kind === "error" ? result.error : {
      kind: "network",
      phase: "list",
      message: `Streaming list of "${options.path}" ended before the initial events were complete`,
    };
    return [[{ type: "error", error }], { phase: "empty" }];
  }
  const event = result.event;
  switch (event.type) {
    case "ADDED":
    case "MODIFIED":
      return [[{ type: "initApply", object: event.object }], { phase: "streaming", stream }];
    case "DELETED":
      // Not expected before the initial-events-end bookmark; the final swap drops the object anyway.
      return [[], { phase: "streaming", stream }];
    case "BOOKMARK": {
      const resourceVersion = event.object.metadata?.resourceVersion ?? versions.last;
      if (event.object.metadata?.annotations?.[INITIAL_EVENTS_END] !== "true") {
        return [[], { phase: "streaming", stream }];
      }
      versions.last = resourceVersion;
      versions.unavailable = false;
      return [[{ type: "initDone", resourceVersion }], { phase: "watching", resourceVersion, stream }];
    }
    case "ERROR": {
      stream.close();
      if (needsRelist(event.object)) versions.unavailable = true;
      return [[{ type: "error", error: classifyStatus(event.object) }], { phase: "empty" }];
    }
  }
}

type ReadResult =
  | { kind: "event"; event: WatchEvent<KubeObject> }
  | { kind: "end" }
  | { kind: "error"; error: InformerError };

async function readNext(stream: Stream, options: WatcherOptions): Promise<ReadResult> {
  try {
    const { value, done } = await stream.events.next();
    if (done) return { kind: "end" };
    stream.received++;
    return { kind: "event", event: value };
  } catch (error) {
    const reason = stream.controller.signal.reason;
    const cause = reason instanceof IdleStreamError && !options.signal.aborted ? reason : error;
    return { kind: "error", error: classify(cause, "watch") };
  }
}

interface StreamQuery {
  resourceVersion: string;
  sendInitialEvents?: boolean;
  resourceVersionMatch?: "NotOlderThan";
}

/** Opens a watch with its own abort controller and idle watchdog (armed before the request is sent). */
async function openStream(options: WatcherOptions, query: StreamQuery): Promise<Stream> {
  const { clock } = options;
  const controller = new AbortController();
  const onStop = () => controller.abort(options.signal.reason);
  options.signal.addEventListener("abort", onStop, { once: true });
  const timeoutSeconds = watchTimeout(options);
  const idleMs = Math.min(
    timeoutSeconds * 1000 + (options.idleGraceMs ?? IDLE_GRACE_MS),
    options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
  );
  const openMs = Math.min(idleMs, options.openTimeoutMs ?? WATCH_OPEN_TIMEOUT_MS);
  const watchdogStop = new AbortController();
  // A short watch is measured from the request, like client-go, so a slow handshake cannot hide a tight loop.
  const openedAt = clock.now();
  let lastActivity = openedAt;
  let opened = false;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    watchdogStop.abort();
    options.signal.removeEventListener("abort", onStop);
    if (!controller.signal.aborted) controller.abort(new Error("watch closed"));
  };
  void (async () => {
    while (!closed) {
      const limit = opened ? idleMs : openMs;
      const wait = lastActivity + limit - clock.now();
      if (wait <= 0) {
        const what = opened ? "sent nothing" : "sent no response headers";
        controller.abort(new IdleStreamError(`Watch of "${options.path}" ${what} for ${limit} ms`));
        return;
      }
      try {
        await clock.sleep(wait, watchdogStop.signal);
      } catch {
        return;
      }
    }
  })();
  try {
    const iterable = await options.client.watch<KubeObject>(options.path, {
      signal: controller.signal,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: query.resourceVersion || undefined,
      resourceVersionMatch: query.resourceVersionMatch,
      sendInitialEvents: query.sendInitialEvents,
      allowWatchBookmarks: true,
      timeoutSeconds,
      onActivity: () => lastActivity = clock.now(),
    });
    lastActivity = clock.now();
    opened = true;
    const events = iterable[Symbol.asyncIterator]();
    return {
      events,
      controller,
      openedAt,
      received: 0,
      close: () => {
        close();
        // Runs the stream's finally blocks so its body reader is released, not just aborted.
        events.return?.().catch(() => {});
      },
    };
  } catch (error) {
    const reason = controller.signal.reason;
    close();
    if (reason instanceof IdleStreamError && !options.signal.aborted) throw reason;
    throw error;
  }
}

function watchTimeout(options: WatcherOptions): number {
  const { min, max } = options.watchTimeoutSeconds ?? WATCH_TIMEOUT_S;
  const random = options.random ?? Math.random;
  return Math.round(min + (max - min) * random());
}

function pageSize(options: WatcherOptions): number {
  return options.pageSize ?? PAGE_SIZE;
}
