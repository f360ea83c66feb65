/**
 * The informer set: one informer per enabled kind (and per namespace when scoped), readiness across kinds, and
 * coalesced change notifications for the push scheduler.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { LogThrottle } from "../log.ts";
import { KubeApiError } from "../sdk/mod.ts";
import type { KubeClient, KubeObject } from "../sdk/mod.ts";
import {
  ERROR_LOG_INTERVAL_MS,
  READINESS_STALE_MS,
  RECONNECT_PROBE_MS,
  RECONNECT_PROBE_TIMEOUT_MS,
} from "./constants.ts";
import { type InformerError, isTransportFailure } from "./errors.ts";
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
  | "pageSize"
  | "watchTimeoutSeconds"
  | "idleGraceMs"
  | "idleTimeoutMs"
  | "openTimeoutMs"
  | "backoff"
  | "unavailableRetryMs"
  | "random"
>;

/** An informer error as the log should see it: the first of a kind, then at most one per interval. */
export interface ErrorReport {
  /** The kind that failed. */
  kind: ResourceName;
  /** The error being reported (the latest one). */
  error: InformerError;
  /** Errors of this kind not reported since the previous report. */
  suppressed: number;
}

/** A kind that answers again after failing. */
export interface RecoveryReport {
  /** The kind that recovered. */
  kind: ResourceName;
  /** How long it had been failing, in milliseconds. */
  failedForMs: number;
  /** Errors it saw meanwhile. */
  errors: number;
}

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
  /** Called for every informer error. */
  onError?: (kind: ResourceName, error: InformerError) => void;
  /** Called for the errors worth a log line: the first per kind, then one summary per interval (logging). */
  onErrorReport?: (report: ErrorReport) => void;
  /** Called when a kind is healthy again after errors (logging). */
  onRecovered?: (report: RecoveryReport) => void;
  /** Minimum time between two error reports of one kind (default {@linkcode ERROR_LOG_INTERVAL_MS}). */
  errorReportIntervalMs?: number;
  /** `/readyz` fails once a kind has been failing or silent this long (default {@linkcode READINESS_STALE_MS}). */
  staleAfterMs?: number;
  /** Period of the reachability probe while watches fail for transport reasons (default 2 s). */
  reconnectProbeMs?: number;
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
  /** Why the kind fails readiness although it synced: failing or silent for too long. */
  degraded?: string;
  /** Most recent error of any of its informers. */
  lastError?: InformerError;
  /** Status of each informer (one per watched namespace). */
  informers: InformerStatus[];
}

/** Outcome of {@linkcode InformerSet.ready} and {@linkcode InformerSet.readiness}. */
export interface ReadyResult {
  /** Whether every enabled kind is synced (or known to be unavailable) and none is degraded. */
  ready: boolean;
  /** Kinds that are neither synced nor known to be unavailable. */
  pending: ResourceName[];
  /** Kinds skipped because they are forbidden or not served. */
  unavailable: ResourceName[];
  /** Synced kinds that have been failing or silent longer than the staleness threshold. */
  degraded: ResourceName[];
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
  readonly #errorReports = new Map<ResourceName, LogThrottle>();
  #probing: Promise<void> | undefined;
  #stop = new AbortController();
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
          onRecovered: (failedForMs, errors) => this.#noteRecovered(name, failedForMs, errors),
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
    this.#stop = new AbortController();
    for (const informers of this.#informers.values()) for (const informer of informers) informer.start();
  }

  /** Stops every informer, request and timer, and releases pending `ready()` callers. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#stop.abort();
    this.#flush?.abort();
    this.#flush = undefined;
    await Promise.all([...this.#informers.values()].flat().map((i) => i.stop()));
    await this.#probing;
    for (const wake of this.#waiters) wake();
  }

  /** Per-kind readiness, health and counters. */
  status(): KindStatus[] {
    const now = this.#clock.now();
    const staleMs = this.#options.staleAfterMs ?? READINESS_STALE_MS;
    return [...this.#informers].map(([kind, informers]) =>
      summarise(kind, informers.map((i) => i.status()), now, staleMs)
    );
  }

  /** Which kinds block readiness right now. */
  readiness(): ReadyResult {
    return readinessOf(this.status());
  }

  /**
   * Why a snapshot must not be pushed now, or `undefined` when it may be: some kind has never synced and is not
   * known to be forbidden or unserved, so its empty cache would show the Master an empty list that is not true.
   * Kinds that synced once keep their last picture (stale, not empty) and do not hold the push.
   */
  snapshotHold(): string | undefined {
    const held: string[] = [];
    for (const status of this.status()) {
      if (status.synced || status.health === "forbidden" || status.health === "missing") continue;
      const error = status.lastError;
      held.push(
        error ? `${status.kind} (${error.kind}: ${shorten(error.message)})` : `${status.kind} (listing)`,
      );
    }
    return held.length ? `never synced: ${held.join(", ")}` : undefined;
  }

  /**
   * Resolves once every enabled kind has synced or is known to be forbidden / not served, or when the timeout
   * or signal ends the wait (then `pending` names the kinds still missing).
   */
  async ready(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ReadyResult> {
    const stop = new AbortController();
    const signals = [stop.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = AbortSignal.any(signals);
    const wake = Promise.withResolvers<void>();
    const check = () => {
      if (this.readiness().pending.length === 0 || signal.aborted || !this.#started) wake.resolve();
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

  #noteRecovered(kind: ResourceName, failedForMs: number, errors: number): void {
    // With several informers per kind (namespaces) the kind recovers when none of them is failing any more.
    const failing = (this.#informers.get(kind) ?? []).some((i) => i.status().lastError !== undefined);
    if (failing) return;
    this.#errorReports.delete(kind);
    this.#options.onRecovered?.({ kind, failedForMs, errors });
  }

  #reportError(kind: ResourceName, error: InformerError): void {
    let throttle = this.#errorReports.get(kind);
    if (!throttle) {
      const intervalMs = this.#options.errorReportIntervalMs ?? ERROR_LOG_INTERVAL_MS;
      throttle = new LogThrottle({ intervalMs, now: () => this.#clock.now() });
      this.#errorReports.set(kind, throttle);
    }
    const suppressed = throttle.admit();
    if (suppressed !== undefined) this.#options.onErrorReport?.({ kind, error, suppressed });
  }

  /**
   * While some informer fails without any answer from the server, asks `/version` every few seconds; once it is
   * answered after a failed probe, informers sleeping in a transport backoff retry at once.
   */
  #probeReachability(): void {
    if (this.#probing || !this.#started) return;
    const signal = this.#stop.signal;
    const periodMs = this.#options.reconnectProbeMs ?? RECONNECT_PROBE_MS;
    const all = [...this.#informers.values()].flat();
    this.#probing = (async () => {
      let unreachable = false;
      while (!signal.aborted && all.some((i) => i.transportFailing)) {
        try {
          await this.#clock.sleep(periodMs, signal);
        } catch {
          break;
        }
        const answered = await this.#client.get("/version", { signal, timeoutMs: RECONNECT_PROBE_TIMEOUT_MS })
          .then(() => true, (error) => error instanceof KubeApiError);
        if (signal.aborted) break;
        if (!answered) {
          unreachable = true;
        } else if (unreachable) {
          unreachable = false;
          for (const informer of all) informer.retryNow();
        }
      }
    })().finally(() => this.#probing = undefined);
  }

  #noteError(kind: ResourceName, path: string, error: InformerError): void {
    for (const wake of this.#waiters) wake();
    this.#options.onError?.(kind, error);
    if (error.kind !== "transform") this.#reportError(kind, error);
    if (isTransportFailure(error)) this.#probeReachability();
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

/** The `/readyz` verdict over per-kind statuses. */
export function readinessOf(kinds: readonly KindStatus[]): ReadyResult {
  const pending: ResourceName[] = [];
  const unavailable: ResourceName[] = [];
  const degraded: ResourceName[] = [];
  for (const status of kinds) {
    if (status.degraded) degraded.push(status.kind);
    if (status.synced) continue;
    if (status.health === "forbidden" || status.health === "missing") unavailable.push(status.kind);
    else pending.push(status.kind);
  }
  return { ready: pending.length === 0 && degraded.length === 0, pending, unavailable, degraded };
}

function summarise(
  kind: ResourceName,
  informers: InformerStatus[],
  now: number,
  staleMs: number,
): KindStatus {
  const synced = informers.every((i) => i.synced);
  const rank: InformerHealth[] = ["forbidden", "missing", "failing", "pending", "ok"];
  const health = rank.find((h) => informers.some((i) => i.health === h)) ?? "ok";
  const degraded = synced ? degradation(informers, now, staleMs) : undefined;
  return {
    kind,
    synced,
    health,
    objects: informers.reduce((sum, i) => sum + i.objects, 0),
    ...(degraded ? { degraded } : {}),
    lastError: informers.find((i) => i.lastError)?.lastError,
    informers,
  };
}

/** Why a synced kind's picture can no longer be trusted, if it cannot. */
function degradation(informers: InformerStatus[], now: number, staleMs: number): string | undefined {
  for (const informer of informers) {
    // Forbidden and missing are definitive answers, retried slowly; they never make a kind stale.
    if (informer.health === "forbidden" || informer.health === "missing") continue;
    if (informer.failingSince !== undefined && now - informer.failingSince > staleMs) {
      return `failing for ${Math.round((now - informer.failingSince) / 1000)} s`;
    }
    if (now - informer.lastContactAt > staleMs) {
      return `no answer from the server for ${Math.round((now - informer.lastContactAt) / 1000)} s`;
    }
  }
  return undefined;
}

/** Error messages can quote whole response bodies; a hold reason is a log line. */
function shorten(message: string): string {
  return message.length > 160 ? `${message.slice(0, 157)}...` : message;
}
