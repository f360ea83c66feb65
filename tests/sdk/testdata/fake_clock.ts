/**
 * A manually advanced {@linkcode Clock} for tests.
 *
 * @module
 */

import type { Clock } from "../../../agent/clock.ts";

/** A clock whose time moves only by {@linkcode FakeClock.advance}; `sleep` ends only on abort, or at once if `instant`. */
export class FakeClock implements Clock {
  #now: number;
  #instant: boolean;

  /**
   * @param now the starting time, epoch milliseconds
   * @param options `instant` makes every sleep resolve at once (to trigger timeouts)
   */
  constructor(now: number, options: { instant?: boolean } = {}) {
    this.#now = now;
    this.#instant = options.instant ?? false;
  }

  /** The current fake time. */
  now(): number {
    return this.#now;
  }

  /** Moves time forward. */
  advance(ms: number): void {
    this.#now += ms;
  }

  /** Resolves at once when `instant`; otherwise rejects on abort and never resolves by itself. */
  sleep(_ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#instant) return Promise.resolve();
    const { promise, reject } = Promise.withResolvers<void>();
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    return promise;
  }
}
