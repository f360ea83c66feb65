/**
 * The only place that reads the wall clock or arms timers: everything else receives a {@linkcode Clock} so that
 * tests can drive time deterministically.
 *
 * @module
 */

/** Time source and timer seam injected into every time-dependent component. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => abortableSleep(ms, signal),
};

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const onAbort = () => {
    clearTimeout(timer);
    reject(signal?.reason);
  };
  const timer = setTimeout(() => {
    signal?.removeEventListener("abort", onAbort);
    resolve();
  }, Math.max(0, ms));
  signal?.addEventListener("abort", onAbort, { once: true });
  return promise;
}

/** An abort signal that fires after `ms`, with a `clear()` that disarms it so no timer outlives the request. */
export interface DisposableTimeout {
  signal: AbortSignal;
  clear(): void;
}

/** Arms a real-time timeout for one network request (network deadlines are wall-clock by nature). */
export function timeoutSignal(ms: number, message: string): DisposableTimeout {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(message, "TimeoutError")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
