/**
 * The heartbeat loop. The Master marks an agent offline when its last heartbeat is older than 45 s, and snapshots
 * do not count (master-protocol §1.2), so heartbeats are what keeps the cluster "online". Unlike the Go agent,
 * which waits a full interval before its first heartbeat, we send one at start-up.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { MasterGateway } from "../gateway/mod.ts";
import { errorText, type Logger, noopLogger } from "../log.ts";

/** Default `AGENT_HEARTBEAT_INTERVAL`: three chances inside the Master's 45 s expiry. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;

/** What one heartbeat did, for metrics hooks. */
export type HeartbeatOutcome =
  | { ok: true; latencyMs: number }
  | { ok: false; latencyMs: number; error: unknown };

/** Counters of the heartbeat loop. */
export interface HeartbeatStats {
  /** Heartbeats the Master acknowledged. */
  sent: number;
  /** Heartbeats that failed. */
  failed: number;
  /** Failures since the last success. */
  consecutiveFailures: number;
  /** Round trip of the last heartbeat, milliseconds. */
  lastLatencyMs?: number;
  /** Clock time of the last successful heartbeat. */
  lastSuccessAt?: number;
  /** Message of the last failure. */
  lastError?: string;
}

/** Options of {@linkcode HeartbeatLoop}. */
export interface HeartbeatLoopOptions {
  /** Time source; the system clock by default. */
  clock?: Clock;
  /** Where the loop logs; silent by default. */
  logger?: Logger;
  /** `AGENT_HEARTBEAT_INTERVAL`; default 15 s. */
  heartbeatIntervalMs?: number;
  /** `AGENT_TIMEOUT_HEARTBEAT`, passed to the gateway per request; the gateway's default (10 s) when absent. */
  heartbeatTimeoutMs?: number;
  /** Called after every heartbeat (metrics); exceptions are ignored. */
  onHeartbeat?: (outcome: HeartbeatOutcome) => void;
}

/** Sends a heartbeat at start and then at a fixed rate; `run()` it with a stop signal. */
export class HeartbeatLoop {
  readonly #gateway: Pick<MasterGateway, "heartbeat">;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #timeoutMs?: number;
  readonly #onHeartbeat?: (outcome: HeartbeatOutcome) => void;
  readonly #stats: HeartbeatStats = { sent: 0, failed: 0, consecutiveFailures: 0 };

  /** Creates the loop over a gateway; it starts on `run()`. */
  constructor(gateway: Pick<MasterGateway, "heartbeat">, options: HeartbeatLoopOptions = {}) {
    this.#gateway = gateway;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? noopLogger;
    this.#intervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.#timeoutMs = options.heartbeatTimeoutMs;
    this.#onHeartbeat = options.onHeartbeat;
  }

  /** A copy of the counters. */
  get stats(): HeartbeatStats {
    return { ...this.#stats };
  }

  /** Sends heartbeats until `signal` aborts; never throws. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const startedAt = this.#clock.now();
      await this.#beat(signal);
      if (signal.aborted) return;
      // Fixed rate from the start of each beat, so a slow Master does not stretch the cadence towards the expiry.
      const waitMs = Math.max(0, startedAt + this.#intervalMs - this.#clock.now());
      try {
        await this.#clock.sleep(waitMs, signal);
      } catch {
        return;
      }
    }
  }

  async #beat(signal: AbortSignal): Promise<void> {
    const startedAt = this.#clock.now();
    try {
      await this.#gateway.heartbeat({
        signal,
        ...(this.#timeoutMs !== undefined ? { timeoutMs: this.#timeoutMs } : {}),
      });
      const latencyMs = this.#clock.now() - startedAt;
      if (this.#stats.consecutiveFailures > 0) {
        this.#logger.info("Heartbeat recovered", { failures: this.#stats.consecutiveFailures });
      }
      this.#stats.sent++;
      this.#stats.consecutiveFailures = 0;
      this.#stats.lastLatencyMs = latencyMs;
      this.#stats.lastSuccessAt = this.#clock.now();
      this.#logger.debug("Heartbeat sent", { latencyMs });
      this.#emit({ ok: true, latencyMs });
    } catch (error) {
      if (signal.aborted) return;
      this.#stats.failed++;
      this.#stats.consecutiveFailures++;
      this.#stats.lastError = errorText(error);
      // One line per failure is at most four a minute, and each one brings the Master's offline mark closer.
      this.#logger.warn("Cannot send heartbeat", {
        error: this.#stats.lastError,
        failures: this.#stats.consecutiveFailures,
      });
      this.#emit({ ok: false, latencyMs: this.#clock.now() - startedAt, error });
    }
  }

  #emit(outcome: HeartbeatOutcome): void {
    try {
      this.#onHeartbeat?.(outcome);
    } catch {
      // A metrics hook must never stop the loop.
    }
  }
}
