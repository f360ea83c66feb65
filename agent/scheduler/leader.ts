/**
 * Leader election on a `coordination.k8s.io/v1` Lease with client-go's `leaderelection` semantics, so that only
 * one of several agent replicas talks to the Master (the Master hands each command to one poller, which must be
 * the leader).
 *
 * - A candidate takes the Lease when it is absent (create), released (empty holder), expired, or already names it.
 *   Expiry is judged like client-go: by when this process last *observed* the record change on its own clock,
 *   never by comparing `renewTime` with a clock on another machine.
 * - Writes are PUTs carrying the `resourceVersion` that was read, so of two racing candidates exactly one wins and
 *   the other gets 409 Conflict and stays a follower.
 * - The leader renews every retry period. When it has not renewed for the renew deadline (shorter than the lease
 *   duration), or sees another holder, it steps down at once: `onStoppedLeading` fires before anyone else can
 *   consider the Lease expired. It then keeps competing, so a replica that lost the Lease becomes a follower with
 *   warm caches.
 * - On a graceful stop the leader can release the Lease (empty holder, like client-go's `ReleaseOnCancel`), so a
 *   follower takes over on its next poll instead of waiting for expiry.
 *
 * ```ts
 * const elector = new LeaderElector(client, {
 *   namespace: "atlhyper",
 *   name: "atlhyper-agent",
 *   identity: defaultLeaderIdentity(),
 *   releaseOnStop: true,
 *   onStartedLeading: () => loops.start(),
 *   onStoppedLeading: () => loops.stop(),
 * });
 * await elector.run(stop.signal);
 * ```
 *
 * @module
 */

import type { Lease, LeaseSpec } from "kubernetes-types/coordination/v1.d.ts";
import { type Clock, systemClock } from "../clock.ts";
import { isAlreadyExists, isConflict, isNotFound, type KubeClient, resourcePath } from "../sdk/mod.ts";
import { errorText, type Logger, LogThrottle, noopLogger } from "../log.ts";
import { DEFAULT_ERROR_LOG_INTERVAL_MS } from "./push.ts";

/** client-go's default `LeaseDuration`: how long followers wait after the last observed change before taking over. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
/** client-go's default `RenewDeadline`: how long the leader keeps failing to renew before it steps down. */
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
/** client-go's default `RetryPeriod`: the leader renews, and followers poll, this often. */
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/**
 * Followers wait a random extra share (up to this factor) of the retry period so that replicas started together
 * do not poll in lockstep. client-go uses 1.2; a few agent replicas gain more from a quick takeover than from
 * spreading load, so the spread is smaller.
 */
export const FOLLOWER_JITTER_FACTOR = 0.2;

const LEASE_API_VERSION = "coordination.k8s.io/v1";

/** Options of {@linkcode LeaderElector}. */
export interface LeaderElectorOptions {
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** This candidate's name in `holderIdentity`; unique per replica. {@linkcode defaultLeaderIdentity} when absent. */
  identity?: string;
  /** Time and timers; default the system clock. */
  clock?: Clock;
  /** Source of the follower jitter, uniform in [0, 1); default `Math.random` (tests inject a fixed value). */
  random?: () => number;
  /** Where the elector logs; default silent. */
  logger?: Logger;
  /** Default 15 s. Written to the Lease as whole seconds (rounded up). Must exceed the renew deadline. */
  leaseDurationMs?: number;
  /** Default 10 s. Must exceed the retry period. */
  renewDeadlineMs?: number;
  /** Default 2 s. */
  retryPeriodMs?: number;
  /** Clears the holder when `run()` stops while leading, so a follower takes over at once (default `false`). */
  releaseOnStop?: boolean;
  /**
   * Called when this candidate becomes the leader. `signal` aborts when the leadership ends (before
   * `onStoppedLeading`). Not awaited; exceptions and rejections are logged.
   */
  onStartedLeading?: (signal: AbortSignal) => void | Promise<void>;
  /**
   * Called at once when the leadership ends: renewals failed for the renew deadline, another holder appeared, or
   * `run()` is stopping. A returned promise is awaited (up to the renew deadline) before competing again or
   * releasing the Lease, so work it stops does not overlap a new term.
   */
  onStoppedLeading?: () => void | Promise<void>;
  /** Called whenever the observed holder changes to a non-empty identity, including this candidate's own. */
  onNewLeader?: (identity: string) => void;
}

/** Counters and state of a {@linkcode LeaderElector}. */
export interface LeaderElectorStats {
  /** This candidate's identity. */
  identity: string;
  /** Whether this candidate leads right now. */
  isLeader: boolean;
  /** The holder last observed in the Lease; absent when unknown or released. */
  leader?: string;
  /** Times this candidate became the leader. */
  acquisitions: number;
  /** Successful renewals while leading. */
  renewals: number;
  /** Times the leadership ended without a stop: renew deadline passed or another holder appeared. */
  stepDowns: number;
  /** Times the Lease was released on stop. */
  releases: number;
  /** Acquire and renew attempts. */
  attempts: number;
  /** Attempts that failed with an error (network, 403, 5xx...). 409 answers are counted as conflicts instead. */
  failures: number;
  /** Failures since the last successful request. */
  consecutiveFailures: number;
  /** 409 answers: another writer changed the Lease first. */
  conflicts: number;
  /** Clock time at which the current term started. */
  leadingSince?: number;
  /** Message of the last failure. */
  lastError?: string;
}

/** Outcome of one acquire-or-renew attempt. */
type Attempt =
  | { kind: "ok" }
  | { kind: "held"; holder: string }
  | { kind: "conflict" }
  | { kind: "error" };

/** A Lease time as Kubernetes `MicroTime` expects it: RFC 3339 with microseconds, e.g. `2026-01-01T00:00:00.000000Z`. */
export function formatMicroTime(ms: number): string {
  // toISOString has millisecond precision; the clock has nothing finer, so the microseconds are zero.
  return `${new Date(ms).toISOString().slice(0, -1)}000Z`;
}

/** A unique candidate name: the host name (the pod name in Kubernetes) plus a random suffix. */
export function defaultLeaderIdentity(): string {
  let host = "atlhyper-agent";
  try {
    host = Deno.hostname() || host;
  } catch {
    // Without --allow-sys the suffix alone keeps the identity unique.
  }
  return `${host}_${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Competes for a Lease and tells the agent when it leads. Create one per process and `run()` it with the stop
 * signal; it never throws from the loop: failures are logged, counted and retried.
 */
export class LeaderElector {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #identity: string;
  readonly #leasePath: string;
  readonly #collectionPath: string;
  readonly #namespace: string;
  readonly #name: string;
  readonly #leaseDurationMs: number;
  readonly #leaseDurationSeconds: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #releaseOnStop: boolean;
  readonly #onStartedLeading?: (signal: AbortSignal) => void | Promise<void>;
  readonly #onStoppedLeading?: () => void | Promise<void>;
  readonly #onNewLeader?: (identity: string) => void;

  /** The last Lease read or written; its resourceVersion guards the next write. */
  #lease?: Lease;
  /** The record (spec) last observed, serialised, and when it was observed on our clock. */
  #observedRecord?: string;
  #observedAt = 0;
  #reportedLeader?: string;
  #leading = false;
  #term?: AbortController;
  #running = false;
  /** Followers poll every retry period; while the API server is down one line per interval is enough. */
  readonly #errorLog: LogThrottle;
  readonly #stats: Omit<LeaderElectorStats, "identity" | "isLeader" | "leader"> = {
    acquisitions: 0,
    renewals: 0,
    stepDowns: 0,
    releases: 0,
    attempts: 0,
    failures: 0,
    consecutiveFailures: 0,
    conflicts: 0,
  };

  constructor(client: KubeClient, options: LeaderElectorOptions) {
    if (!options.namespace) throw new RangeError("The Lease namespace must not be empty");
    if (!options.name) throw new RangeError("The Lease name must not be empty");
    const leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    const renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    const retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (!(retryPeriodMs > 0)) throw new RangeError("The retry period must be positive");
    // The same ordering client-go enforces: the leader must give up before followers may take over.
    if (!(renewDeadlineMs > retryPeriodMs)) {
      throw new RangeError("The renew deadline must be longer than the retry period");
    }
    if (!(leaseDurationMs > renewDeadlineMs)) {
      throw new RangeError("The lease duration must be longer than the renew deadline");
    }
    const identity = options.identity ?? defaultLeaderIdentity();
    if (!identity) throw new RangeError("The leader identity must not be empty");
    this.#client = client;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? noopLogger;
    this.#errorLog = new LogThrottle({
      intervalMs: DEFAULT_ERROR_LOG_INTERVAL_MS,
      now: () => this.#clock.now(),
    });
    this.#identity = identity;
    this.#namespace = options.namespace;
    this.#name = options.name;
    const ref = {
      group: "coordination.k8s.io",
      version: "v1",
      plural: "leases",
      namespace: options.namespace,
    };
    this.#collectionPath = resourcePath(ref);
    this.#leasePath = resourcePath({ ...ref, name: options.name });
    this.#leaseDurationMs = leaseDurationMs;
    this.#leaseDurationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
    this.#renewDeadlineMs = renewDeadlineMs;
    this.#retryPeriodMs = retryPeriodMs;
    this.#releaseOnStop = options.releaseOnStop ?? false;
    this.#onStartedLeading = options.onStartedLeading;
    this.#onStoppedLeading = options.onStoppedLeading;
    this.#onNewLeader = options.onNewLeader;
  }

  /** This candidate's identity. */
  get identity(): string {
    return this.#identity;
  }

  /** Whether this candidate leads right now (between `onStartedLeading` and `onStoppedLeading`). */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed in the Lease; `undefined` when not known yet or released. */
  get leader(): string | undefined {
    return this.#reportedLeader;
  }

  /** A copy of the counters and state. */
  get stats(): LeaderElectorStats {
    return {
      identity: this.#identity,
      isLeader: this.#leading,
      ...(this.#reportedLeader !== undefined ? { leader: this.#reportedLeader } : {}),
      ...this.#stats,
    };
  }

  /**
   * Competes for the Lease until `signal` aborts: follows, leads, steps down when it cannot renew and competes
   * again. Resolves after the stop (and the release, when configured); never rejects for API failures.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error("The leader elector is already running");
    this.#running = true;
    this.#logger.info("Starting leader election", {
      lease: `${this.#namespace}/${this.#name}`,
      identity: this.#identity,
    });
    try {
      while (!signal.aborted) {
        if (!await this.#acquire(signal)) break;
        await this.#lead(signal);
      }
    } finally {
      this.#running = false;
    }
  }

  /** Follower phase: polls until this candidate holds the Lease (true) or the stop signal aborts (false). */
  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      const startedAt = this.#clock.now();
      // A hung request must not stall the follower beyond what the leader allows itself for a renewal.
      const attempt = await this.#tryAcquireOrRenew({ signal, timeoutMs: this.#renewDeadlineMs });
      if (signal.aborted) {
        // Won in the same instant as the stop: hand the Lease straight back rather than leave it to expire.
        if (attempt.kind === "ok" && this.#releaseOnStop) await this.#release();
        return false;
      }
      if (attempt.kind === "ok") {
        this.#startLeading(startedAt);
        return true;
      }
      try {
        await this.#clock.sleep(this.#followerWaitMs(), signal);
      } catch {
        return false;
      }
    }
    return false;
  }

  /** Leader phase: renews every retry period; returns when the term ends (step-down or stop). */
  async #lead(signal: AbortSignal): Promise<void> {
    // Measured from the start of the last successful write: the server applied it no earlier, so no follower can
    // consider the Lease expired before this time plus the lease duration.
    let renewedAt = this.#stats.leadingSince ?? this.#clock.now();
    while (true) {
      try {
        await this.#clock.sleep(Math.max(0, renewedAt + this.#retryPeriodMs - this.#clock.now()), signal);
      } catch {
        return this.#stop();
      }
      const deadline = renewedAt + this.#renewDeadlineMs;
      while (true) {
        const remainingMs = deadline - this.#clock.now();
        if (remainingMs <= 0) {
          return this.#stepDown(signal, "Cannot renew the lease within the renew deadline; stepping down", {
            renewDeadlineMs: this.#renewDeadlineMs,
            lastError: this.#stats.lastError,
          });
        }
        const startedAt = this.#clock.now();
        const attempt = await this.#withDeadline(
          remainingMs,
          signal,
          (attemptSignal) => this.#tryAcquireOrRenew({ signal: attemptSignal, timeoutMs: remainingMs }),
        );
        if (signal.aborted) return this.#stop();
        if (attempt.kind === "ok") {
          this.#stats.renewals++;
          renewedAt = startedAt;
          break;
        }
        if (attempt.kind === "held") {
          return this.#stepDown(signal, "Another candidate holds the lease; stepping down", {
            holder: attempt.holder,
          });
        }
        try {
          await this.#clock.sleep(Math.min(this.#retryPeriodMs, deadline - this.#clock.now()), signal);
        } catch {
          return this.#stop();
        }
      }
    }
  }

  /** Runs `attempt` with a signal that aborts at the deadline (on the injected clock) or on stop. */
  async #withDeadline<T>(
    ms: number,
    stop: AbortSignal,
    attempt: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const expired = new AbortController();
    const disarm = new AbortController();
    this.#clock.sleep(ms, disarm.signal).then(
      () => expired.abort(new DOMException("The renew deadline passed", "TimeoutError")),
      () => {},
    );
    try {
      return await attempt(AbortSignal.any([stop, expired.signal]));
    } finally {
      disarm.abort();
    }
  }

  /**
   * client-go's `tryAcquireOrRenew`: a leader first tries to renew with the cached Lease (one PUT, no GET), then
   * reads the Lease and takes it when it is absent, released, expired by our observation, or ours.
   */
  async #tryAcquireOrRenew(request: { signal: AbortSignal; timeoutMs: number }): Promise<Attempt> {
    this.#stats.attempts++;
    const now = this.#clock.now();
    if (this.#leading && this.#lease) {
      try {
        const renewed = await this.#client.replace<Lease>(
          this.#leasePath,
          { ...this.#lease, spec: this.#nextSpec(this.#lease.spec ?? {}, now) },
          request,
        );
        this.#succeeded(renewed);
        return { kind: "ok" };
      } catch (error) {
        if (!isConflict(error)) return this.#failed(error, request.signal);
        // Someone else wrote the Lease: read it to learn whether we still hold it.
        this.#stats.conflicts++;
        this.#logger.debug("Lease changed since our last write; reading it again", { error: String(error) });
      }
    }

    let current: Lease;
    try {
      current = await this.#client.get<Lease>(this.#leasePath, request);
    } catch (error) {
      if (!isNotFound(error)) return this.#failed(error, request.signal);
      return await this.#create(now, request);
    }
    this.#observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    if (holder !== "" && holder !== this.#identity && this.#observedValid(now, spec)) {
      this.#recovered();
      return { kind: "held", holder };
    }
    try {
      const written = await this.#client.replace<Lease>(
        this.#leasePath,
        { ...current, spec: this.#nextSpec(spec, now) },
        request,
      );
      this.#succeeded(written);
      if (holder !== this.#identity) {
        this.#logger.info("Took over the lease", { previousHolder: holder || undefined });
      }
      return { kind: "ok" };
    } catch (error) {
      if (!isConflict(error)) return this.#failed(error, request.signal);
      this.#stats.conflicts++;
      this.#logger.debug("Another candidate wrote the lease first", { error: String(error) });
      return { kind: "conflict" };
    }
  }

  async #create(now: number, request: { signal: AbortSignal; timeoutMs: number }): Promise<Attempt> {
    const lease: Lease = {
      apiVersion: LEASE_API_VERSION,
      kind: "Lease",
      metadata: { name: this.#name, namespace: this.#namespace },
      spec: {
        holderIdentity: this.#identity,
        leaseDurationSeconds: this.#leaseDurationSeconds,
        acquireTime: formatMicroTime(now),
        renewTime: formatMicroTime(now),
        leaseTransitions: 0,
      },
    };
    try {
      const created = await this.#client.create<Lease>(this.#collectionPath, lease, request);
      this.#succeeded(created);
      this.#logger.info("Created the lease");
      return { kind: "ok" };
    } catch (error) {
      if (!isAlreadyExists(error) && !isConflict(error)) return this.#failed(error, request.signal);
      this.#stats.conflicts++;
      this.#logger.debug("Another candidate created the lease first");
      return { kind: "conflict" };
    }
  }

  /** The record to write: ours, renewed now; a change of holder restarts `acquireTime` and counts a transition. */
  #nextSpec(previous: LeaseSpec, now: number): LeaseSpec {
    const ours = previous.holderIdentity === this.#identity;
    return {
      ...previous,
      holderIdentity: this.#identity,
      leaseDurationSeconds: this.#leaseDurationSeconds,
      acquireTime: ours && previous.acquireTime ? previous.acquireTime : formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: (previous.leaseTransitions ?? 0) + (ours ? 0 : 1),
    };
  }

  /** Remembers the Lease and, when its record changed, the time we saw the change (our expiry reference). */
  #observe(lease: Lease): void {
    this.#lease = lease;
    const spec = lease.spec ?? {};
    const record = JSON.stringify([
      spec.holderIdentity ?? "",
      spec.leaseDurationSeconds ?? null,
      spec.acquireTime ?? null,
      spec.renewTime ?? null,
      spec.leaseTransitions ?? null,
    ]);
    if (record !== this.#observedRecord) {
      this.#observedRecord = record;
      this.#observedAt = this.#clock.now();
    }
    const holder = spec.holderIdentity || undefined;
    if (holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      if (holder !== undefined) {
        this.#logger.info("New leader observed", { leader: holder, self: holder === this.#identity });
        try {
          this.#onNewLeader?.(holder);
        } catch (error) {
          this.#logger.error("The onNewLeader callback failed", { error: String(error) });
        }
      }
    }
  }

  /** Whether the observed record is still within its lease duration, counted from when we saw it change. */
  #observedValid(now: number, spec: LeaseSpec): boolean {
    return this.#observedAt + this.#durationMs(spec) > now;
  }

  /**
   * The holder's advertised duration counts (it may be configured differently), except that a holder advertising
   * the whole seconds we would write is assumed to share our configuration, which keeps sub-second durations exact.
   */
  #durationMs(spec: LeaseSpec): number {
    const seconds = spec.leaseDurationSeconds;
    return seconds === undefined || seconds === this.#leaseDurationSeconds
      ? this.#leaseDurationMs
      : seconds * 1000;
  }

  /** How long a follower waits: the retry period with jitter, but no longer than until the observed expiry. */
  #followerWaitMs(): number {
    let waitMs = this.#retryPeriodMs * (1 + this.#random() * FOLLOWER_JITTER_FACTOR);
    const spec = this.#lease?.spec;
    if (spec?.holderIdentity && spec.holderIdentity !== this.#identity) {
      const untilExpiryMs = this.#observedAt + this.#durationMs(spec) - this.#clock.now();
      if (untilExpiryMs > 0) waitMs = Math.min(waitMs, untilExpiryMs);
    }
    return waitMs;
  }

  #succeeded(lease: Lease): void {
    this.#observe(lease);
    this.#recovered();
  }

  #recovered(): void {
    if (this.#stats.consecutiveFailures > 0) {
      this.#logger.info("Lease requests recovered", { failures: this.#stats.consecutiveFailures });
      this.#errorLog.reset();
    }
    this.#stats.consecutiveFailures = 0;
  }

  #failed(error: unknown, signal: AbortSignal): Attempt {
    // An attempt cut short by a stop is no failure; one cut short by the renew deadline is.
    const reason = signal.reason;
    if (signal.aborted && !(reason instanceof DOMException && reason.name === "TimeoutError")) {
      return { kind: "error" };
    }
    this.#stats.failures++;
    this.#stats.consecutiveFailures++;
    this.#stats.lastError = errorText(error);
    // A leader's failure may cost it the lease: every one is logged.
    if (this.#errorLog.admit(this.#leading) !== undefined) {
      this.#logger.warn("Cannot acquire or renew the lease", {
        error: this.#stats.lastError,
        failures: this.#stats.consecutiveFailures,
        leading: this.#leading,
      });
    }
    return { kind: "error" };
  }

  #startLeading(at: number): void {
    this.#leading = true;
    this.#stats.acquisitions++;
    this.#stats.leadingSince = at;
    const term = new AbortController();
    this.#term = term;
    this.#logger.info("Started leading", { identity: this.#identity, term: this.#stats.acquisitions });
    try {
      Promise.resolve(this.#onStartedLeading?.(term.signal)).catch((error) => {
        this.#logger.error("The onStartedLeading callback failed", { error: String(error) });
      });
    } catch (error) {
      this.#logger.error("The onStartedLeading callback failed", { error: String(error) });
    }
  }

  /** Ends the term at once; returns the settled promise of `onStoppedLeading`. */
  #endTerm(): Promise<void> {
    this.#leading = false;
    delete this.#stats.leadingSince;
    this.#term?.abort(new DOMException("The leadership ended", "AbortError"));
    this.#term = undefined;
    try {
      return Promise.resolve(this.#onStoppedLeading?.()).catch((error) => {
        this.#logger.error("The onStoppedLeading callback failed", { error: String(error) });
      });
    } catch (error) {
      this.#logger.error("The onStoppedLeading callback failed", { error: String(error) });
      return Promise.resolve();
    }
  }

  /** Leadership lost while running: stop at once, let the stop finish, then compete again after a retry period. */
  async #stepDown(signal: AbortSignal, message: string, properties: Record<string, unknown>): Promise<void> {
    this.#stats.stepDowns++;
    this.#logger.warn(message, properties);
    const stopped = this.#endTerm();
    await this.#settle(stopped, signal);
    try {
      // Immediate re-acquisition would mostly hit the same failure, and would restart work still shutting down.
      await this.#clock.sleep(this.#retryPeriodMs, signal);
    } catch {
      // Stopping: run() sees the aborted signal.
    }
  }

  /** Graceful stop while leading: end the term, then release the Lease when configured. */
  async #stop(): Promise<void> {
    this.#logger.info("Stopping leader election while leading", { release: this.#releaseOnStop });
    const stopped = this.#endTerm();
    await this.#settle(stopped);
    if (this.#releaseOnStop) await this.#release();
  }

  /** Waits for `promise`, at most the renew deadline and no longer than `signal` allows. */
  async #settle(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
    const disarm = new AbortController();
    const timer = this.#clock.sleep(
      this.#renewDeadlineMs,
      signal ? AbortSignal.any([signal, disarm.signal]) : disarm.signal,
    ).catch(() => {});
    try {
      await Promise.race([promise, timer]);
    } finally {
      disarm.abort();
    }
  }

  /** client-go's release: an empty holder and a one-second duration, written only if we still hold the Lease. */
  async #release(): Promise<void> {
    for (let attempt = 0; attempt < 2 && this.#lease; attempt++) {
      const lease: Lease = this.#lease;
      if (lease.spec?.holderIdentity !== this.#identity) return;
      const now = formatMicroTime(this.#clock.now());
      try {
        const released = await this.#client.replace<Lease>(this.#leasePath, {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: "",
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
          },
        }, { timeoutMs: this.#renewDeadlineMs });
        this.#observe(released);
        this.#stats.releases++;
        this.#logger.info("Released the lease");
        return;
      } catch (error) {
        if (!isConflict(error) || attempt > 0) {
          this.#logger.warn("Cannot release the lease; followers take over when it expires", {
            error: errorText(error),
          });
          return;
        }
      }
      // A renewal cut short by the stop may have been applied after all: reread and release if still ours.
      try {
        this.#observe(await this.#client.get<Lease>(this.#leasePath, { timeoutMs: this.#renewDeadlineMs }));
      } catch (error) {
        this.#logger.warn("Cannot release the lease; followers take over when it expires", {
          error: errorText(error),
        });
        return;
      }
    }
  }
}
