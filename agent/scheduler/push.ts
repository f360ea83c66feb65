/**
 * The snapshot push loop: the first snapshot as soon as the informers are ready, then one per interval on a steady
 * ticker, plus one follow-up push once the caches show the effect of a command the agent executed; never two in
 * flight. The cadence follows the Master, not the churn: the Master runs its analytics synchronously on every
 * snapshot and its AIOps baselines count samples, assuming one snapshot per 10 s (master-protocol §6). The opt-in
 * `change` mode pushes soon after any change instead (rate-limited). Snapshots are built at send time, so a change
 * that arrives while a push is waiting or in flight simply makes the next push fresher: stale data is never sent and
 * a failed push is never retried as is. Failures back off, are counted and logged, and never end the loop.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { MasterGateway, SnapshotBody } from "../gateway/mod.ts";
import { errorText, type Logger, LogThrottle, noopLogger, suppressedProperty } from "../log.ts";

/** Default `AGENT_SNAPSHOT_INTERVAL`. */
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 10_000;
/** Default share of time change-triggered pushes may take (see {@linkcode PushLoopOptions.maxPushDutyCycle}). */
export const DEFAULT_MAX_PUSH_DUTY_CYCLE = 0.25;

/**
 * `AGENT_PUSH_MODE`: `interval` pushes once per snapshot interval plus one follow-up per executed command (the
 * Master's sample rate); `change` also pushes soon after every change, which multiplies the Master's per-snapshot
 * work by up to ten under churn.
 */
export type PushMode = "interval" | "change";
/** Default `AGENT_PUSH_MODE`: the cadence the Master's sample-counting analytics assume. */
export const DEFAULT_PUSH_MODE: PushMode = "interval";
/**
 * Default minimum gap between two follow-up pushes: a burst of commands (a deployer applying ten changes) costs the
 * Master at most one extra snapshot per 2 s, so its sample rate stays close to one per interval.
 */
export const DEFAULT_FOLLOW_UP_GAP_MS = 2_000;
/**
 * Default longest wait for a command's effect to reach the caches before the follow-up push goes anyway. A watch
 * event reaches the cache within milliseconds of the write on a healthy cluster, so a second without it means the
 * effect is not observable on one object (a scale to the current size, `apply_manifests`) or the watch lags; either
 * way the snapshot a second after the result is the best the agent can show, and it keeps the command → Master
 * target (p95 ≤ 2 s).
 */
export const DEFAULT_FOLLOW_UP_WAIT_MS = 1_000;

/** Default minimum gap between two push starts in `change` mode: at most one extra push per second. */
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

/** One serialised snapshot, ready to send. Producers may add fields (object counts, build timings). */
export interface BuiltSnapshot {
  /** The ClusterSnapshot JSON, including `clusterId`: text, bytes, or an already gzipped body. */
  json: SnapshotBody;
}

/** Builds a fresh snapshot from the caches; called once per push, at send time. */
export interface SnapshotProducer {
  build(): BuiltSnapshot | Promise<BuiltSnapshot>;
}

/**
 * Watches the cached object a command changed, so the push loop can tell when the caches show its effect. Built
 * before the command runs (see `effects.ts`): an informer replaces the stored object on every watch event, and a
 * watch event means a new resourceVersion, so "the stored object is no longer the one seen before" is exactly
 * "the informers observed the write".
 */
export interface EffectProbe {
  /** True once the caches show the effect; called on every change notification, so it must be cheap. */
  observed(): boolean;
}

/** Tells the push loop when the cluster changed and when the caches hold a first complete picture. */
export interface ChangeSource {
  /** Registers a listener called after each change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Settles when every informer has synced (a rejection is logged and the loop pushes anyway). */
  ready(): Promise<unknown>;
  /**
   * Why a snapshot must not be sent now (it would show as empty a kind that could not be read), or `undefined`.
   * Asked before every push; a held push is skipped, not failed, and the next one is planned as usual.
   */
  holdReason?(): string | undefined;
}

/** Why a push started. */
export type PushTrigger = "initial" | "interval" | "change" | "retry" | "command";

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
  /** Follow-up pushes asked for by executed commands (each is covered by exactly one push). */
  followUpsRequested: number;
  /** Follow-ups that went out at the wait bound because the caches never showed the effect. */
  followUpsUnobserved: number;
  /** Pushes skipped because the change source held them back. */
  pushesHeld: number;
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
  /** `AGENT_PUSH_MODE`; default `interval`. */
  pushMode?: PushMode;
  /** Minimum time between two follow-up pushes (`interval` mode); default 2 s. */
  followUpGapMs?: number;
  /** Longest wait for a command's effect before its follow-up push goes anyway; default 1 s. */
  followUpWaitMs?: number;
  /** Minimum time between two push starts in `change` mode; default 1 s. */
  minPushGapMs?: number;
  /** Wait after the first change of a burst in `change` mode; default 100 ms. */
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
  /** Called for every push held back, with the reason (liveness: the loop still turns); exceptions are ignored. */
  onHeld?: (reason: string) => void;
}

/** A command's follow-up push, waiting for its effect to show in the caches. */
interface FollowUp {
  probe: EffectProbe;
  /** When the command's result was known. */
  requestedAt: number;
  /** When the caches first showed the effect. */
  observedAt?: number;
}

/** The snapshot push loop; `run()` it with a stop signal. */
export class PushLoop {
  readonly #gateway: Pick<MasterGateway, "pushSnapshot">;
  readonly #producer: SnapshotProducer;
  readonly #changes?: ChangeSource;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #mode: PushMode;
  readonly #intervalMs: number;
  readonly #followUpGapMs: number;
  readonly #followUpWaitMs: number;
  readonly #minGapMs: number;
  readonly #changeDelayMs: number;
  readonly #maxDutyCycle: number;
  readonly #retryInitialMs: number;
  readonly #pushTimeoutMs?: number;
  readonly #onPush?: (outcome: PushOutcome) => void;
  readonly #onHeld?: (reason: string) => void;
  readonly #stats: PushStats = {
    pushesOk: 0,
    pushesFailed: 0,
    buildsFailed: 0,
    consecutiveFailures: 0,
    changesSeen: 0,
    followUpsRequested: 0,
    followUpsUnobserved: 0,
    pushesHeld: 0,
  };
  readonly #heldLog: LogThrottle;
  readonly #errorLog: LogThrottle;
  #lastCompressMs: number | undefined;
  #followUps: FollowUp[] = [];
  #lastFollowUpAt = Number.NEGATIVE_INFINITY;
  /** Aborting it makes a sleeping planner re-plan (a change, or a follow-up became due). */
  #wake: AbortController | undefined;

  /** Creates the loop over a snapshot producer, gateway and change source; it starts on `run()`. */
  constructor(deps: PushLoopDeps, options: PushLoopOptions = {}) {
    this.#gateway = deps.gateway;
    this.#producer = deps.producer;
    this.#changes = deps.changes;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? noopLogger;
    this.#mode = options.pushMode ?? DEFAULT_PUSH_MODE;
    this.#intervalMs = options.snapshotIntervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
    this.#followUpGapMs = options.followUpGapMs ?? DEFAULT_FOLLOW_UP_GAP_MS;
    this.#followUpWaitMs = options.followUpWaitMs ?? DEFAULT_FOLLOW_UP_WAIT_MS;
    this.#minGapMs = options.minPushGapMs ?? DEFAULT_MIN_PUSH_GAP_MS;
    this.#changeDelayMs = options.changeDelayMs ?? DEFAULT_CHANGE_DELAY_MS;
    this.#maxDutyCycle = options.maxPushDutyCycle ?? DEFAULT_MAX_PUSH_DUTY_CYCLE;
    this.#retryInitialMs = Math.min(
      options.pushRetryInitialMs ?? DEFAULT_PUSH_RETRY_INITIAL_MS,
      this.#intervalMs,
    );
    this.#pushTimeoutMs = options.pushTimeoutMs;
    const now = () => this.#clock.now();
    this.#errorLog = new LogThrottle({
      intervalMs: options.errorLogIntervalMs ?? DEFAULT_ERROR_LOG_INTERVAL_MS,
      now,
    });
    // A held push repeats every interval until the kinds sync: one line per interval says it is still held.
    this.#heldLog = new LogThrottle({ intervalMs: this.#intervalMs, now });
    this.#onPush = options.onPush;
    this.#onHeld = options.onHeld;
  }

  /** A copy of the counters. */
  get stats(): PushStats {
    return { ...this.#stats };
  }

  /** The push mode in force. */
  get mode(): PushMode {
    return this.#mode;
  }

  /**
   * Asks for one follow-up push showing the effect of a command the agent executed successfully: as soon as
   * `probe` reports the effect in the caches (or after the wait bound), at most one follow-up per gap. In `change`
   * mode the change itself triggers a push, so this does nothing there.
   */
  followUp(probe: EffectProbe): void {
    if (this.#mode !== "interval") return;
    this.#stats.followUpsRequested++;
    const now = this.#clock.now();
    // The watch event may have arrived while the command's API call was still answering.
    this.#followUps.push({ probe, requestedAt: now, ...(safeObserved(probe) ? { observedAt: now } : {}) });
    this.#wake?.abort();
  }

  /** Pushes until `signal` aborts; never throws. An in-flight push is aborted with the signal. */
  async run(signal: AbortSignal): Promise<void> {
    // Time of the oldest change not yet covered by a build (`change` mode); `undefined` when the Master is up to date.
    let changedAt: number | undefined;
    // Whether the last attempt was held back (kinds never synced): nothing has reached the Master yet.
    let heldLast = false;
    const unsubscribe = this.#changes?.onChange(() => {
      this.#stats.changesSeen++;
      if (this.#mode === "interval") {
        // While held, a change may be the sync that ends the hold: re-check it then, not at the next beat.
        if (heldLast && changedAt === undefined) {
          changedAt = this.#clock.now();
          this.#wake?.abort();
        }
        // Otherwise churn does not move the plan: only a change that shows a command's effect does.
        if (this.#observeFollowUps()) this.#wake?.abort();
        return;
      }
      // Only the first change after a build moves the plan; informers can fire thousands of times a second.
      if (changedAt !== undefined) return;
      changedAt = this.#clock.now();
      this.#wake?.abort();
    });
    try {
      if (this.#changes && !(await this.#waitReady(this.#changes, signal))) return;
      let trigger: PushTrigger = "initial";
      let retryMs = 0;
      // The ticker's next beat (`interval` mode): a fixed grid from the first push, so build and send times and
      // extra pushes never shift it.
      let nextTickAt: number | undefined;
      while (!signal.aborted) {
        // Everything that changed up to now is in this build; later changes earn another push.
        changedAt = undefined;
        const startedAt = this.#clock.now();
        this.#settleFollowUps(startedAt);
        if (trigger === "command") this.#lastFollowUpAt = startedAt;
        const held = this.#changes?.holdReason?.();
        // Held: nothing is sent and nothing failed; the next interval (or the change that ends the hold) retries.
        const ok = held === undefined ? await this.#pushOnce(trigger, signal) : this.#hold(held);
        heldLast = held !== undefined;
        if (signal.aborted) return;
        const endedAt = this.#clock.now();
        nextTickAt ??= startedAt;
        // The beat this push served is used up, and beats missed while it ran are dropped, not made up (like Go's
        // ticker): the next beat's build is fresher, and a Master that slow must not get back-to-back pushes.
        while (nextTickAt <= startedAt || nextTickAt < endedAt) nextTickAt += this.#intervalMs;
        const localWorkMs = ok ? (this.#stats.lastBuildMs ?? 0) + (this.#lastCompressMs ?? 0) : 0;
        retryMs = ok ? 0 : retryMs === 0 ? this.#retryInitialMs : Math.min(this.#intervalMs, retryMs * 2);
        for (;;) {
          let due: number;
          let next: PushTrigger;
          if (retryMs > 0) {
            // While failing, changes and follow-ups do not shorten the wait: the Master is the problem, not our data.
            due = endedAt + retryMs;
            next = "retry";
            if (this.#mode === "interval" && nextTickAt < due) {
              // The backoff never delays a beat: the Go agent pushes on every tick whatever happened before.
              due = nextTickAt;
              next = "interval";
            }
          } else if (this.#mode === "interval") {
            due = nextTickAt;
            next = "interval";
            const followUpDue = this.#followUpDue();
            // A beat due within the wait bound shows the effect nearly as soon, and the Master gets one snapshot
            // instead of two.
            if (followUpDue !== undefined && followUpDue < due - this.#followUpWaitMs) {
              due = followUpDue;
              next = "command";
            }
            // Held so far: a change re-checks the hold after the minimum gap, so the first snapshot goes out as
            // soon as the last kind syncs (the Master has had nothing yet; this costs it no extra sample).
            if (heldLast && changedAt !== undefined) {
              const recheckDue = Math.max(changedAt + this.#changeDelayMs, startedAt + this.#minGapMs);
              if (recheckDue < due) {
                due = recheckDue;
                next = "change";
              }
            }
          } else {
            // `change` mode: the interval counts from the last push, and a change brings the next one forward.
            due = startedAt + this.#intervalMs;
            next = "interval";
            if (changedAt !== undefined) {
              const gapMs = Math.max(this.#minGapMs, localWorkMs / this.#maxDutyCycle);
              const changeDue = Math.max(changedAt + this.#changeDelayMs, startedAt + gapMs);
              if (changeDue < due) {
                due = changeDue;
                next = "change";
              }
            }
          }
          const now = this.#clock.now();
          if (due <= now) {
            trigger = next;
            break;
          }
          const wake = new AbortController();
          this.#wake = wake;
          try {
            await this.#clock.sleep(due - now, AbortSignal.any([signal, wake.signal]));
          } catch {
            // Woken to re-plan (a change, a follow-up) or stopped (checked below).
          } finally {
            if (this.#wake === wake) this.#wake = undefined;
          }
          if (signal.aborted) return;
        }
      }
    } finally {
      unsubscribe?.();
    }
  }

  /** Records which pending follow-ups the caches now show; true when one just became visible. */
  #observeFollowUps(): boolean {
    let newly = false;
    for (const followUp of this.#followUps) {
      if (followUp.observedAt !== undefined || !safeObserved(followUp.probe)) continue;
      followUp.observedAt = this.#clock.now();
      newly = true;
    }
    return newly;
  }

  /** When the next follow-up push may start: its effect seen (or its wait over), and the gap since the last one. */
  #followUpDue(): number | undefined {
    let ready: number | undefined;
    for (const followUp of this.#followUps) {
      const at = followUp.observedAt ?? followUp.requestedAt + this.#followUpWaitMs;
      if (ready === undefined || at < ready) ready = at;
    }
    return ready === undefined ? undefined : Math.max(ready, this.#lastFollowUpAt + this.#followUpGapMs);
  }

  /** Drops the follow-ups a build starting at `startedAt` shows: at most one follow-up push per command. */
  #settleFollowUps(startedAt: number): void {
    if (this.#followUps.length === 0) return;
    this.#observeFollowUps();
    this.#followUps = this.#followUps.filter((followUp) => {
      if (followUp.observedAt !== undefined) return followUp.observedAt > startedAt;
      if (followUp.requestedAt + this.#followUpWaitMs > startedAt) return true;
      // Expected for a no-op or apply_manifests; frequent for plain scales means the watches lag.
      this.#stats.followUpsUnobserved++;
      this.#logger.debug("Command effect not seen in the caches; pushing anyway", {
        waitedMs: startedAt - followUp.requestedAt,
      });
      return false;
    });
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

  /** Notes a push held back: logged once per interval, counted, reported; then the loop plans as after a success. */
  #hold(reason: string): true {
    this.#stats.pushesHeld++;
    if (this.#heldLog.admit() !== undefined) {
      this.#logger.warn("Snapshot held back: it would show kinds as empty that could not be read", {
        reason,
        held: this.#stats.pushesHeld,
      });
    }
    try {
      this.#onHeld?.(reason);
    } catch {
      // A liveness hook must never stop the loop.
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
      if (this.#heldLog.active) {
        this.#logger.info("Snapshot pushed: the kinds that held it back have synced", {
          held: this.#stats.pushesHeld,
        });
        this.#heldLog.reset();
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
      this.#errorLog.reset();
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
    const suppressed = this.#errorLog.admit();
    if (suppressed !== undefined) {
      this.#logger.warn(
        stage === "build" ? "Cannot build snapshot" : "Cannot push snapshot",
        { ...properties, ...suppressedProperty(suppressed) },
      );
    } else {
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

/** A probe that throws counts as "not seen yet": the wait bound still sends the follow-up. */
function safeObserved(probe: EffectProbe): boolean {
  try {
    return probe.observed();
  } catch {
    return false;
  }
}
