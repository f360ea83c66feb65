/**
 * A manual clock for deterministic tests: time moves only when the test says so.
 *
 * @module
 */

import type { Clock } from "../../agent/clock.ts";

interface Timer {
  at: number;
  ms: number;
  resolve: () => void;
}

/** A {@linkcode Clock} whose `sleep` resolves only when the test advances time. */
export class FakeClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #sleepWaiters: (() => void)[] = [];
  /** Every requested sleep duration, in order (to check backoff schedules). */
  readonly sleeps: number[] = [];

  readonly #instant: boolean;

  /**
   * @param start the starting time, epoch milliseconds
   * @param options `instant` makes every sleep resolve at once (to trigger timeouts)
   */
  constructor(start: number = Date.UTC(2026, 0, 1), options: { instant?: boolean } = {}) {
    this.#now = start;
    this.#instant = options.instant ?? false;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#instant) {
      this.sleeps.push(ms);
      return Promise.resolve();
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const timer: Timer = { at: this.#now + Math.max(0, ms), ms, resolve };
    this.#timers.push(timer);
    this.sleeps.push(ms);
    signal?.addEventListener("abort", () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
      reject(signal.reason);
    }, { once: true });
    for (const wake of this.#sleepWaiters.splice(0)) wake();
    return promise;
  }

  /** When the earliest waiting sleep falls due (epoch milliseconds); `undefined` when none waits. */
  get nextDue(): number | undefined {
    return this.#timers.length === 0 ? undefined : Math.min(...this.#timers.map((t) => t.at));
  }

  /** Number of sleeps waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward, firing every timer that falls due. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.at <= this.#now).sort((a, b) => a.at - b.at);
    this.#timers = this.#timers.filter((t) => t.at > this.#now);
    for (const timer of due) timer.resolve();
  }

  /**
   * Jumps to the earliest timer and fires it; returns the time skipped. With `maxMs`, only sleeps of at most that
   * duration are considered (e.g. backoff pauses but not long watchdog timers).
   */
  fireNext(options: { maxMs?: number } = {}): number {
    const candidates = this.#timers.filter((t) => options.maxMs === undefined || t.ms <= options.maxMs);
    if (candidates.length === 0) return 0;
    const timer = candidates.reduce((a, b) => (b.at < a.at ? b : a));
    const skipped = Math.max(0, timer.at - this.#now);
    this.#now = Math.max(this.#now, timer.at);
    this.#timers = this.#timers.filter((t) => t !== timer);
    timer.resolve();
    return skipped;
  }

  /** True when a sleep of at most `maxMs` is waiting. */
  hasPending(options: { maxMs?: number } = {}): boolean {
    return this.#timers.some((t) => options.maxMs === undefined || t.ms <= options.maxMs);
  }

  /** Resolves when the code under test starts a sleep (at once if one is already pending and `pending` allowed). */
  async waitForSleep(options: { timeoutMs?: number } = {}): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#sleepWaiters.push(resolve);
    const timeoutMs = options.timeoutMs ?? 5_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`No sleep started within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
