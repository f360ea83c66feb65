/**
 * The metrics-server poller: reads `metrics.k8s.io/v1beta1` pod and node usage on its own interval and keeps
 * the latest values for the snapshot builder, so the push path never calls the API.
 *
 * Usage is kept in forms the Master's parsers read exactly (master-protocol §10.4): CPU summed in nanocores and
 * written with `m` or `n` (never `u`), memory summed in bytes and written with `Ki`/`Mi`/... or as bytes.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { KubeClient } from "../sdk/mod.ts";
import { errorText, type Logger, noopLogger } from "../log.ts";
import { cpuNanocores, formatCpu, formatMemory, memoryBytes } from "../../model/mod.ts";

/** Usage of one pod (summed over its containers) or one node. */
export interface ResourceUsage {
  /** CPU as `<m>m` or `<n>n`. */
  readonly cpu: string;
  /** Memory as `<n>Ki`/`Mi`/`Gi`/`Ti` or plain bytes. */
  readonly memory: string;
}

/** The latest usage the snapshot builder merges; empty maps when metrics-server is absent. */
export interface UsageSource {
  /** Pod usage keyed by `namespace/name`. */
  podUsage(): ReadonlyMap<string, ResourceUsage>;
  /** Node usage keyed by node name. */
  nodeUsage(): ReadonlyMap<string, ResourceUsage>;
}

/** The part of the agent's {@linkcode Logger} the poller uses. */
export type MetricsLogger = Pick<Logger, "info" | "warn">;

/** Options of {@linkcode MetricsPoller}. */
export interface MetricsPollerOptions {
  /** Time source and timers (default: the system clock). */
  clock?: Clock;
  /** Pause between polls, in milliseconds (default 15 s, metrics-server's default resolution). */
  intervalMs?: number;
  /** Pause after the API answered that it does not exist (404/503/403), in milliseconds (default 5 min). */
  unavailableRetryMs?: number;
  /** Where to log (default: nowhere; the agent passes its `atlhyper.metrics` logger). */
  logger?: MetricsLogger;
}

/** `metrics.k8s.io/v1beta1` list paths. */
export const POD_METRICS_PATH = "/apis/metrics.k8s.io/v1beta1/pods";
/** `metrics.k8s.io/v1beta1` node list path. */
export const NODE_METRICS_PATH = "/apis/metrics.k8s.io/v1beta1/nodes";

const DEFAULT_INTERVAL_MS = 15_000;
const DEFAULT_UNAVAILABLE_RETRY_MS = 300_000;
/**
 * A poll that got no answer within this time is abandoned: its usage would be stale by the next poll anyway, and a
 * request hung on a dead connection must not stop the polls after it. Shorter than the interval when that is short.
 */
const MAX_POLL_TIMEOUT_MS = 10_000;

// Status codes meaning "metrics-server is not installed / not serving / not allowed": retry slowly.
const UNAVAILABLE_STATUS: ReadonlySet<number> = new Set([403, 404, 503]);

/** A `PodMetricsList` or `NodeMetricsList` as metrics-server returns it (only the fields used). */
export interface MetricsList {
  items?: ReadonlyArray<MetricsItem>;
}

/** One `PodMetrics` (per-container usage) or `NodeMetrics` (usage). */
export interface MetricsItem {
  metadata?: { name?: string; namespace?: string };
  usage?: Readonly<Record<string, string>>;
  containers?: ReadonlyArray<{ name?: string; usage?: Readonly<Record<string, string>> }>;
}

type PollOutcome = "ok" | "unavailable" | "failed";

const EMPTY: ReadonlyMap<string, ResourceUsage> = new Map();

/** Polls metrics-server and keeps the latest pod and node usage. */
export class MetricsPoller implements UsageSource {
  readonly #client: Pick<KubeClient, "get">;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #unavailableRetryMs: number;
  readonly #log: MetricsLogger;
  #pods: ReadonlyMap<string, ResourceUsage> = EMPTY;
  #nodes: ReadonlyMap<string, ResourceUsage> = EMPTY;
  #last: PollOutcome | undefined;
  #controller: AbortController | undefined;
  #loop: Promise<void> | undefined;

  /**
   * Creates the poller; it starts polling on `start()`.
   *
   * @param client the API client (only `get` is used)
   * @param options interval, clock and logger
   */
  constructor(client: Pick<KubeClient, "get">, options: MetricsPollerOptions = {}) {
    this.#client = client;
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.#unavailableRetryMs = options.unavailableRetryMs ?? DEFAULT_UNAVAILABLE_RETRY_MS;
    this.#log = options.logger ?? noopLogger;
  }

  /** Latest pod usage keyed by `namespace/name`. */
  podUsage(): ReadonlyMap<string, ResourceUsage> {
    return this.#pods;
  }

  /** Latest node usage keyed by node name. */
  nodeUsage(): ReadonlyMap<string, ResourceUsage> {
    return this.#nodes;
  }

  /** Whether the last poll reached metrics-server. */
  get available(): boolean {
    return this.#last === "ok";
  }

  /** Starts polling in the background (first poll at once); a second call does nothing. */
  start(): void {
    if (this.#loop) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#loop = this.#run(controller.signal);
  }

  /** Stops polling, waits for the loop to end and forgets all usage. */
  async stop(): Promise<void> {
    this.#controller?.abort();
    await this.#loop;
    this.#controller = undefined;
    this.#loop = undefined;
    this.#pods = EMPTY;
    this.#nodes = EMPTY;
    this.#last = undefined;
  }

  /**
   * Polls once and returns how long to wait before the next poll. Never throws: failures leave the usage empty
   * (stale usage would be worse than none) and are logged once per streak.
   */
  async pollOnce(signal?: AbortSignal): Promise<number> {
    const [pods, nodes] = await Promise.all([
      this.#fetch(POD_METRICS_PATH, signal),
      this.#fetch(NODE_METRICS_PATH, signal),
    ]);
    if (signal?.aborted) return this.#intervalMs;
    this.#pods = pods.list ? podUsageMap(pods.list) : EMPTY;
    this.#nodes = nodes.list ? nodeUsageMap(nodes.list) : EMPTY;
    const outcome: PollOutcome = pods.outcome === "ok" && nodes.outcome === "ok"
      ? "ok"
      : pods.outcome === "unavailable" || nodes.outcome === "unavailable"
      ? "unavailable"
      : "failed";
    this.#report(outcome, pods.error ?? nodes.error);
    return outcome === "unavailable" ? this.#unavailableRetryMs : this.#intervalMs;
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const delay = await this.pollOnce(signal);
      try {
        await this.#clock.sleep(delay, signal);
      } catch {
        return; // aborted by stop()
      }
    }
  }

  async #fetch(
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<{ outcome: PollOutcome; list?: MetricsList; error?: unknown }> {
    try {
      const timeoutMs = Math.min(MAX_POLL_TIMEOUT_MS, this.#intervalMs);
      return { outcome: "ok", list: await this.#client.get<MetricsList>(path, { signal, timeoutMs }) };
    } catch (error) {
      return { outcome: UNAVAILABLE_STATUS.has(statusOf(error)) ? "unavailable" : "failed", error };
    }
  }

  // Logs transitions only, so an absent metrics-server costs one line, not one per poll.
  #report(outcome: PollOutcome, error: unknown): void {
    const previous = this.#last;
    this.#last = outcome;
    if (outcome === previous) return;
    if (outcome === "ok") {
      if (previous !== undefined) this.#log.info("metrics.k8s.io is available again; usage is reported");
      return;
    }
    const detail = errorText(error);
    if (outcome === "unavailable") {
      this.#log.info("metrics.k8s.io is not available; pod and node usage are omitted: {detail}", {
        detail,
        retryMs: this.#unavailableRetryMs,
      });
    } else {
      this.#log.warn("Cannot read metrics.k8s.io: {detail}", { detail });
    }
  }
}

// KubeApiError carries the HTTP status; checked structurally so any client double works.
function statusOf(error: unknown): number {
  if (typeof error === "object" && error !== null && "status" in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === "number") return status;
  }
  return 0;
}

/** Pod usage keyed by `namespace/name`, summed exactly over the containers. */
export function podUsageMap(list: MetricsList): Map<string, ResourceUsage> {
  const out = new Map<string, ResourceUsage>();
  for (const item of list.items ?? []) {
    const containers = item.containers ?? [];
    if (containers.length === 0) continue;
    let cpu = 0n;
    let memory = 0n;
    for (const c of containers) {
      cpu += cpuNanocores(c.usage?.cpu ?? "0") ?? 0n;
      memory += memoryBytes(c.usage?.memory ?? "0") ?? 0n;
    }
    out.set(`${item.metadata?.namespace ?? ""}/${item.metadata?.name ?? ""}`, {
      cpu: formatCpu(cpu),
      memory: formatMemory(memory),
    });
  }
  return out;
}

/** Node usage keyed by node name. */
export function nodeUsageMap(list: MetricsList): Map<string, ResourceUsage> {
  const out = new Map<string, ResourceUsage>();
  for (const item of list.items ?? []) {
    const name = item.metadata?.name;
    if (!name) continue;
    out.set(name, {
      cpu: formatCpu(cpuNanocores(item.usage?.cpu ?? "0") ?? 0n),
      memory: formatMemory(memoryBytes(item.usage?.memory ?? "0") ?? 0n),
    });
  }
  return out;
}
