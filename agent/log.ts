/**
 * The logging seam every layer shares: the small {@linkcode Logger} shape loops and informers log through, the
 * quiet and console defaults, {@linkcode errorText}, and {@linkcode LogThrottle}, the one rule for repeated
 * failures (the first is logged, then at most one line per interval, with the number held back). Only
 * `observability/log.ts` knows LogTape; it hands out loggers of this shape.
 *
 * @module
 */

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

/** The message of an error, or the thrown value as text (a log property, never a stack). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options of {@linkcode LogThrottle}. */
export interface LogThrottleOptions {
  /** Minimum time between two logged reports, milliseconds. */
  intervalMs: number;
  /** Time source (a `Clock`'s `now`). */
  now: () => number;
}

/**
 * The rate limit for a failure that repeats while something is down (a Master that does not answer, an API
 * server that refuses a kind): the first report is logged, then at most one per interval, and each logged line
 * says how many were held back since the previous one. Every failure is still counted by its owner's metrics;
 * only the log is thinned. {@linkcode reset} on recovery, so the next outage's first failure is logged at once.
 */
export class LogThrottle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastAt = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  /** A throttle that lets the first report through. */
  constructor(options: LogThrottleOptions) {
    this.#intervalMs = options.intervalMs;
    this.#now = options.now;
  }

  /**
   * Records one report. Returns the number of reports held back since the last logged one when this one is to
   * be logged (at the first report, once the interval has passed since the last logged one, or when `force` is
   * set), and `undefined` when it is to be held back (and counted).
   */
  admit(force = false): number | undefined {
    const now = this.#now();
    if (!force && now - this.#lastAt < this.#intervalMs) {
      this.#suppressed++;
      return undefined;
    }
    const suppressed = this.#suppressed;
    this.#lastAt = now;
    this.#suppressed = 0;
    return suppressed;
  }

  /** Whether a report was admitted since the last {@linkcode reset} (so a recovery is worth a line). */
  get active(): boolean {
    return this.#lastAt > Number.NEGATIVE_INFINITY;
  }

  /** Forgets the past: the next report is logged at once (call it when the failing thing works again). */
  reset(): void {
    this.#lastAt = Number.NEGATIVE_INFINITY;
    this.#suppressed = 0;
  }
}

/** `{ suppressed: n }` when reports were held back, else nothing: spread it into a log line's properties. */
export function suppressedProperty(suppressed: number): { suppressed?: number } {
  return suppressed > 0 ? { suppressed } : {};
}
