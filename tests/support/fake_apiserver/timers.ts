/**
 * A set of timers that can be cleared at once, so that closing the fake leaves no timer behind.
 *
 * @module
 */

type Handle = ReturnType<typeof setTimeout>;

/** Tracks timeouts and intervals; `clearAll()` cancels every one still pending. */
export class TimerSet {
  #timeouts = new Set<Handle>();
  #intervals = new Set<Handle>();
  #closed = false;

  /** Schedules `fn` once; returns a cancel function. Does nothing after `clearAll()`. */
  timeout(fn: () => void, ms: number): () => void {
    if (this.#closed) return () => {};
    const handle = setTimeout(() => {
      this.#timeouts.delete(handle);
      fn();
    }, Math.max(0, ms));
    this.#timeouts.add(handle);
    return () => {
      clearTimeout(handle);
      this.#timeouts.delete(handle);
    };
  }

  /** Schedules `fn` repeatedly; returns a cancel function. */
  interval(fn: () => void, ms: number): () => void {
    if (this.#closed) return () => {};
    const handle = setInterval(fn, Math.max(1, ms));
    this.#intervals.add(handle);
    return () => {
      clearInterval(handle);
      this.#intervals.delete(handle);
    };
  }

  /** Resolves after `ms`; resolves early (never rejects) when the set is cleared. */
  sleep(ms: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    if (this.#closed || ms <= 0) {
      resolve();
      return promise;
    }
    const handle = setTimeout(() => {
      this.#timeouts.delete(handle);
      this.#sleepers.delete(resolve);
      resolve();
    }, ms);
    this.#timeouts.add(handle);
    this.#sleepers.set(resolve, handle);
    return promise;
  }

  #sleepers = new Map<() => void, Handle>();

  /** Cancels every pending timer and refuses new ones; pending sleeps resolve. */
  clearAll(): void {
    this.#closed = true;
    for (const handle of this.#timeouts) clearTimeout(handle);
    for (const handle of this.#intervals) clearInterval(handle);
    this.#timeouts.clear();
    this.#intervals.clear();
    for (const resolve of this.#sleepers.keys()) resolve();
    this.#sleepers.clear();
  }
}
