/**
 * Exponential backoff with jitter and a reset after a period of health, as a wrapper around the watcher's event
 * stream (kube-rs `StreamBackoff`, client-go's backoff manager).
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { BACKOFF } from "./constants.ts";

/** Settings of {@linkcode Backoff}. */
export interface BackoffOptions {
  /** First delay, milliseconds. */
  initialMs?: number;
  /** Longest delay, milliseconds. */
  maxMs?: number;
  /** Growth of the delay per failure. */
  factor?: number;
  /** Extra random delay as a fraction of the base delay (client-go: 1.0). */
  jitter?: number;
  /** A failure this long after the previous one starts the schedule over. */
  resetAfterMs?: number;
  /** Time and timers. */
  clock: Clock;
  /** Random source in [0, 1); injected for deterministic tests. */
  random?: () => number;
}

/** Delays for consecutive failures: 800 ms, 1.6 s, 3.2 s, ... capped at 30 s, each with jitter. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #resetAfterMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  #baseMs: number;
  #lastFailureAt = Number.NEGATIVE_INFINITY;

  constructor(options: BackoffOptions) {
    this.#initialMs = options.initialMs ?? BACKOFF.initialMs;
    this.#maxMs = options.maxMs ?? BACKOFF.maxMs;
    this.#factor = options.factor ?? BACKOFF.factor;
    this.#jitter = options.jitter ?? BACKOFF.jitter;
    this.#resetAfterMs = options.resetAfterMs ?? BACKOFF.resetAfterMs;
    this.#clock = options.clock;
    this.#random = options.random ?? Math.random;
    this.#baseMs = this.#initialMs;
  }

  /** The delay before the next attempt; advances the schedule. */
  next(): number {
    const now = this.#clock.now();
    if (now - this.#lastFailureAt > this.#resetAfterMs) this.#baseMs = this.#initialMs;
    this.#lastFailureAt = now;
    const base = this.#baseMs;
    this.#baseMs = Math.min(this.#maxMs, base * this.#factor);
    return Math.min(this.#maxMs, Math.round(base * (1 + this.#jitter * this.#random())));
  }

  /** Starts the schedule over: the next failure waits the initial delay. */
  reset(): void {
    this.#baseMs = this.#initialMs;
  }
}

/** Chooses how long to wait after an error event. */
export type DelayPolicy<E> = (error: E) => number;

/** Events the wrapper needs to see: errors pause the stream; healthy events reset the schedule. */
export interface PacedEvent<E> {
  type: string;
  error?: E;
}

/** Options of {@linkcode withBackoff}. */
export interface WithBackoffOptions<E> {
  backoff: Backoff;
  clock: Clock;
  signal: AbortSignal;
  /** Delay after an error; defaults to `backoff.next()`. */
  delay?: DelayPolicy<E>;
  /** Event types that prove health and reset the schedule (never `init`: a failing LIST emits it every time). */
  healthy: ReadonlySet<string>;
  /** Called before each pause; aborting the signal it returns ends the pause early (the source goes on). */
  wake?: () => AbortSignal;
}

/**
 * Passes events through; after an `error` it sleeps before pulling the next one, so a failing source can never
 * loop tightly. Ends quietly when `signal` aborts during a pause.
 */
export async function* withBackoff<T extends PacedEvent<E>, E>(
  source: AsyncIterable<T>,
  options: WithBackoffOptions<E>,
): AsyncGenerator<T> {
  for await (const event of source) {
    yield event;
    if (event.type === "error") {
      const ms = options.delay && event.error !== undefined
        ? options.delay(event.error)
        : options.backoff.next();
      const wake = options.wake?.();
      try {
        await options.clock.sleep(ms, wake ? AbortSignal.any([options.signal, wake]) : options.signal);
      } catch {
        if (options.signal.aborted) return;
      }
    } else if (options.healthy.has(event.type)) {
      options.backoff.reset();
    }
  }
}
