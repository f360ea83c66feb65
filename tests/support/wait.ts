/**
 * Waiting in tests: poll for a condition with a deadline, never sleep a fixed time and hope. The one shared
 * `waitFor` of the suite (the fake Master's own `waitFor` wraps the same idea around its recorded traffic).
 *
 * @module
 */

/** Options of {@linkcode waitFor}. */
export interface WaitForOptions {
  /** Real milliseconds before giving up (default 10 s: generous for a loaded CI machine, short for a hang). */
  timeoutMs?: number;
}

/** Polls made on bare event-loop turns before backing off to a few milliseconds between polls. */
const EAGER_POLLS = 20;
/** The pause between later polls: quick enough for tests, light on a shared 2-core machine. */
const POLL_INTERVAL_MS = 5;

/** One turn of the event loop: every pending microtask (promise continuation) runs before it resolves. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Resolves as soon as `condition()` holds; throws `Timed out waiting for <what>` after `timeoutMs` of real time.
 * The first polls come on bare event-loop turns, so code driven by a fake clock is seen at once; later polls
 * leave a few milliseconds for real I/O. Waits for an effect; never measures one.
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  options: WaitForOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (let polls = 0; !condition(); polls++) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await (polls < EAGER_POLLS
      ? nextTurn()
      : new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS)));
  }
}
