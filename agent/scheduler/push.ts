/**
 * The snapshot push loop: the first snapshot as soon as the informers are ready, then one every interval and one
 * soon after a change (rate-limited), never two in flight. Snapshots are built at send time, so a change that
 * arrives while a push is waiting or in flight simply makes the next push fresher: stale data is never sent and a
 * failed push is never retried as is. Failures back off, are counted and logged, and never end the loop.
 *
 * This file also holds the {@linkcode Logger} seam shared by every scheduler loop.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { MasterGateway } from "../gateway/mod.ts";

/** Default `AGENT_SNAPSHOT_INTERVAL`. */
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 10_000;
/** Default share of time change-triggered pushes may take (see {@linkcode PushLoopOptions.maxPushDutyCycle}). */
export const DEFAULT_MAX_PUSH_DUTY_CYCLE = 0.25;

/** Default minimum gap between two push starts: at most one extra push per second however busy the cluster is. */
export const DEFAULT_MIN_PUSH_GAP_MS = 1_000;
/**
 * Default wait after the first change of a burst: a rollout or a node drain emits dozens of events within
 * milliseconds, and one snapshot should carry them all.
 */
export const DEFAULT_CHANGE_DELAY_MS = 100;
/** First retry delay after a failed push; it doubles up to the snapshot interval (never worse than the Go agent). */
export const DEFAULT_PUSH_RETRY_INITIAL_MS = 1_000;
/** Repeated failures are logged at most this often (every failure still counts). */
export const DEFAULT_ERROR_LOG_INTERVAL_MS = 30_000;

/** The minimal structured logger every loop takes (LogTape's `Logger` satisfies it). */
export interface Logger {
  /** Logs a debug message with optional structured properties. */
  debug(message: string, properties?: Record<string, unknown>): void;
  /** Logs an informational message with optional structured properties. */
  info(message: string, properties?: Record<string, unknown>): void;
  /** Logs a warning with optional structured properties. */
  warn(message: string, properties?: Record<string, unknown>): void;
  /** Logs an error with optional structured properties. */
  error(message: string, properties?: Record<string, unknown>): void;
}

/** A logger that drops everything: the default, so that library use and tests stay quiet. */
export const noopLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A logger writing to the console, for scripts that have not wired LogTape. */
export const consoleLogger: Logger = {
  debug: (message, properties) => console.debug(message, properties ?? ""),
  info: (message, properties) => console.info(message, properties ?? ""),
  warn: (message, properties) => console.warn(message, properties ?? ""),
  error: (message, properties) => console.error(message, properties ?? ""),
};

/** One serialised snapshot, ready to send. Producers may add fields (object counts, build timings). */
export interface BuiltSnapshot {
  /** The ClusterSnapshot JSON, including `clusterId`. */
  json: string | Uint8Array;
}

/** Builds a fresh snapshot from the caches; called once per push, at send time. */
export interface SnapshotProducer {
  build(): BuiltSnapshot | Promise<BuiltSnapshot>;
}

/** Tells the push loop when the cluster changed and when the caches hold a first complete picture. */
export interface ChangeSource {
  /** Registers a listener called after each change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Settles when every informer has synced (a rejection is logged and the loop pushes anyway). */
  ready(): Promise<unknown>;
}

/** Why a push started. */
export type PushTrigger = "initial" | "interval" | "change" | "retry";

/** What one push attempt did, for metrics hooks. */
export type PushOutcome =
  | {
    ok: true;
    trigger: PushTrigger;
    /** Build plus send, in milliseconds. */
    latencyMs: number;
    buildMs: number;
    rawBytes: number;
    gzipBytes: number;
    status: number;
  }
  | {
    ok: false;
    trigger: PushTrigger;
    /** Whether building or sending failed. */
    stage: "build" | "push";
    latencyMs: number;
    error: unknown;
  };

/** Counters of the push loop. */
export interface PushStats {
  /** Snapshots the Master accepted. */
  pushesOk: number;
  /** Failed attempts, build failures included. */
  pushesFailed: number;
  /** Snapshot builds that failed. */
  buildsFailed: number;
  /** Failed attempts since the last success. */
  consecutiveFailures: number;
  /** Change notifications received from the informers. */
  changesSeen: number;
  /** What started the last push. */
  lastTrigger?: PushTrigger;
  /** Build plus send of the last push, milliseconds. */
  lastLatencyMs?: number;
  /** Build of the last snapshot, milliseconds. */
  lastBuildMs?: number;
  /** Uncompressed size of the last snapshot, bytes. */
  lastRawBytes?: number;
  /** Compressed size of the last snapshot, bytes. */
  lastGzipBytes?: number;
  /** Clock time of the last successful push. */
  lastSuccessAt?: number;
  /** Message of the last failure. */
  lastError?: string;
}

/** What the push loop talks to. */
export interface PushLoopDeps {
  gateway: Pick<MasterGateway, "pushSnapshot">;
  producer: SnapshotProducer;
  /** Without one, the loop pushes at once and then on the interval only. */
  changes?: ChangeSource;
}

/** Options of {@linkcode PushLoop}. */
export interface PushLoopOptions {
  /** Time source; the system clock by default. */
  clock?: Clock;
  /** Where the loop logs; silent by default. */
  logger?: Logger;
  /** `AGENT_SNAPSHOT_INTERVAL`; default 10 s. */
  snapshotIntervalMs?: number;
  /** Minimum time between two push starts; default 1 s. */
  minPushGapMs?: number;
  /** Wait after the first change of a burst; default 100 ms. */
  changeDelayMs?: number;
  /**
   * Largest share of time the local work of change-triggered pushes (build, serialise, compress) may take: after
   * a push whose local work took `d` ms the next change push waits at least `d / maxPushDutyCycle`. Default 0.25,
   * so a busy large cluster cannot keep the agent compressing snapshots. Time waiting for the Master is not
   * counted: it costs the agent nothing.
   */
  maxPushDutyCycle?: number;
  /** First delay after a failure; doubles up to the snapshot interval. Default 1 s. */
  pushRetryInitialMs?: number;
  /** Per-push timeout passed to the gateway (`AGENT_TIMEOUT_HTTP_CLIENT`); the gateway's default when absent. */
  pushTimeoutMs?: number;
  /** Repeated failures are logged at most this often; default 30 s. */
  errorLogIntervalMs?: number;
  /** Called after every attempt (metrics); exceptions are ignored. */
  onPush?: (outcome: PushOutcome) => void;
}

/** The snapshot push loop; `run()` it with a stop signal. */
export class PushLoop {
  readonly #gateway: Pick<MasterGateway, "pushSnapshot">;
  readonly #producer: SnapshotProducer;
  readonly #changes?: ChangeSource;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #minGapMs: number;
  readonly #changeDelayMs: number;
  readonly #maxDutyCycle: number;
  readonly #retryInitialMs: number;
  readonly #pushTimeoutMs?: number;
  readonly #errorLogIntervalMs: number;
  readonly #onPush?: (outcome: PushOutcome) => void;
  readonly #stats: PushStats = {
    pushesOk: 0,
    pushesFailed: 0,
    buildsFailed: 0,
    consecutiveFailures: 0,
    changesSeen: 0,
  };
  #lastErrorLogAt = Number.NEGATIVE_INFINITY;
  #suppressedErrors = 0;
  #lastCompressMs: number | undefined;

  /** Creates the loop over a snapshot producer, gateway and change source; it starts on `run()`. */
  constructor(deps: PushLoopDeps, options: PushLoopOptions = {}) {
    this.#gateway = deps.gateway;
    this.#producer = deps.producer;
    this.#changes = deps.changes;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? noopLogger;
    this.#intervalMs = options.snapshotIntervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
    this.#minGapMs = options.minPushGapMs ?? DEFAULT_MIN_PUSH_GAP_MS;
    this.#changeDelayMs = options.changeDelayMs ?? DEFAULT_CHANGE_DELAY_MS;
    this.#maxDutyCycle = options.maxPushDutyCycle ?? DEFAULT_MAX_PUSH_DUTY_CYCLE;
    this.#retryInitialMs = Math.min(
      options.pushRetryInitialMs ?? DEFAULT_PUSH_RETRY_INITIAL_MS,
      this.#intervalMs,
    );
    this.#pushTimeoutMs = options.pushTimeoutMs;
    this.#errorLogIntervalMs = options.errorLogIntervalMs ?? DEFAULT_ERROR_LOG_INTERVAL_MS;
    this.#onPush = options.onPush;
  }

  /** A copy of the counters. */
  get stats(): PushStats {
    return { ...this.#stats };
  }

  /** Pushes until `signal` aborts; never throws. An in-flight push is aborted with the signal. */
  async run(signal: AbortSignal): Promise<void> {
    // Time of the oldest change not yet covered by a build; `undefined` when the Master is up to date.
    let changedAt: number | undefined;
    let wake: AbortController | undefined;
    const unsubscribe = this.#changes?.onChange(() => {
      this.#stats.changesSeen++;
      // Only the first change after a build moves the plan; informers can fire thousands of times a second.
      if (changedAt !== undefined) return;
      changedAt = this.#clock.now();
      wake?.abort();
    });
    try {
      if (this.#changes && !(await this.#waitReady(this.#changes, signal))) return;
      let trigger: PushTrigger = "initial";
      let retryMs = 0;
      while (!signal.aborted) {
        // Everything that changed up to now is in this build; later changes earn another push.
        changedAt = undefined;
        const startedAt = this.#clock.now();
        const ok = await this.#pushOnce(trigger, signal);
        if (signal.aborted) return;
        const endedAt = this.#clock.now();
        const localWorkMs = ok ? (this.#stats.lastBuildMs ?? 0) + (this.#lastCompressMs ?? 0) : 0;
        retryMs = ok ? 0 : retryMs === 0 ? this.#retryInitialMs : Math.min(this.#intervalMs, retryMs * 2);
        for (;;) {
          // While failing, changes do not shorten the wait: the Master is the problem, not our data.
          let due = retryMs > 0 ? endedAt + retryMs : startedAt + this.#intervalMs;
          let next: PushTrigger = retryMs > 0 ? "retry" : "interval";
          if (changedAt !== undefined && retryMs === 0) {
            const gapMs = Math.max(this.#minGapMs, localWorkMs / this.#maxDutyCycle);
            const changeDue = Math.max(changedAt + this.#changeDelayMs, startedAt + gapMs);
            if (changeDue < due) {
              due = changeDue;
              next = "change";
            }
          }
          const now = this.#clock.now();
          if (due <= now) {
            trigger = next;
            break;
          }
          wake = new AbortController();
          try {
            await this.#clock.sleep(due - now, AbortSignal.any([signal, wake.signal]));
          } catch {
            // Woken by a change (re-plan) or stopped (checked below).
          } finally {
            wake = undefined;
          }
          if (signal.aborted) return;
        }
      }
    } finally {
      unsubscribe?.();
    }
  }

  async #waitReady(changes: ChangeSource, signal: AbortSignal): Promise<boolean> {
    const ready = await raceAbort(Promise.resolve().then(() => changes.ready()), signal);
    if (ready === ABORTED) return false;
    if (!ready.ok) {
      // A partial first snapshot beats none: the Go agent's all-or-nothing collect is what we improve on.
      this.#logger.warn("Snapshot sources did not become ready; pushing anyway", {
        error: errorText(ready.error),
      });
    }
    return true;
  }

  /** One build-and-send; returns false on failure (aborting is not a failure). */
  async #pushOnce(trigger: PushTrigger, signal: AbortSignal): Promise<boolean> {
    const startedAt = this.#clock.now();
    this.#stats.lastTrigger = trigger;
    let built: BuiltSnapshot;
    try {
      built = await this.#producer.build();
    } catch (error) {
      this.#stats.buildsFailed++;
      this.#fail(trigger, "build", startedAt, error);
      return false;
    }
    const buildMs = this.#clock.now() - startedAt;
    try {
      const sent = await this.#gateway.pushSnapshot(built.json, {
        signal,
        ...(this.#pushTimeoutMs !== undefined ? { timeoutMs: this.#pushTimeoutMs } : {}),
      });
      const latencyMs = this.#clock.now() - startedAt;
      this.#lastCompressMs = sent.compressMs;
      if (this.#stats.consecutiveFailures > 0) {
        this.#logger.info("Snapshot push recovered", { failures: this.#stats.consecutiveFailures });
      }
      Object.assign(this.#stats, {
        pushesOk: this.#stats.pushesOk + 1,
        consecutiveFailures: 0,
        lastLatencyMs: latencyMs,
        lastBuildMs: buildMs,
        lastRawBytes: sent.rawBytes,
        lastGzipBytes: sent.gzipBytes,
        lastSuccessAt: this.#clock.now(),
      });
      this.#lastErrorLogAt = Number.NEGATIVE_INFINITY;
      this.#suppressedErrors = 0;
      this.#logger.debug("Snapshot pushed", {
        trigger,
        latencyMs,
        buildMs,
        rawBytes: sent.rawBytes,
        gzipBytes: sent.gzipBytes,
      });
      this.#emit({
        ok: true,
        trigger,
        latencyMs,
        buildMs,
        rawBytes: sent.rawBytes,
        gzipBytes: sent.gzipBytes,
        status: sent.status,
      });
      return true;
    } catch (error) {
      if (signal.aborted) return true;
      this.#fail(trigger, "push", startedAt, error);
      return false;
    }
  }

  #fail(trigger: PushTrigger, stage: "build" | "push", startedAt: number, error: unknown): void {
    const now = this.#clock.now();
    this.#stats.pushesFailed++;
    this.#stats.consecutiveFailures++;
    this.#stats.lastError = errorText(error);
    const properties = {
      stage,
      trigger,
      error: this.#stats.lastError,
      failures: this.#stats.consecutiveFailures,
    };
    if (now - this.#lastErrorLogAt >= this.#errorLogIntervalMs) {
      this.#logger.warn(
        stage === "build" ? "Cannot build snapshot" : "Cannot push snapshot",
        this.#suppressedErrors > 0 ? { ...properties, suppressed: this.#suppressedErrors } : properties,
      );
      this.#lastErrorLogAt = now;
      this.#suppressedErrors = 0;
    } else {
      this.#suppressedErrors++;
      this.#logger.debug(stage === "build" ? "Cannot build snapshot" : "Cannot push snapshot", properties);
    }
    this.#emit({ ok: false, trigger, stage, latencyMs: now - startedAt, error });
  }

  #emit(outcome: PushOutcome): void {
    try {
      this.#onPush?.(outcome);
    } catch {
      // A metrics hook must never stop the loop.
    }
  }
}

const ABORTED = Symbol("aborted");

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Settles with the promise's outcome, or with {@linkcode ABORTED} as soon as `signal` aborts. */
async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<Settled<T> | typeof ABORTED> {
  if (signal.aborted) return ABORTED;
  const { promise: aborted, resolve } = Promise.withResolvers<typeof ABORTED>();
  const onAbort = () => resolve(ABORTED);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ ok: true, value }),
        (error): Settled<T> => ({ ok: false, error }),
      ),
      aborted,
    ]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
