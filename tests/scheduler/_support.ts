/**
 * Helpers shared by the scheduler tests: a logger that records what the loops log, and waiting for a condition
 * a few event-loop turns at a time.
 *
 * @module
 */
import type { Logger } from "../../agent/scheduler/mod.ts";

/** One call of a {@linkcode recordingLogger}. */
export interface LogEntry {
  level: string;
  message: string;
  properties?: Record<string, unknown>;
}

/** A scheduler {@linkcode Logger} that keeps every call in `entries`, in order. */
export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: string) => (message: string, properties?: Record<string, unknown>) =>
    entries.push({ level, message, properties });
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** One turn of the event loop (a zero-delay timer). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits until `predicate` holds, checking once per {@linkcode tick}; throws after 100 ticks. */
export async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (predicate()) return;
    await tick();
  }
  throw new Error(`Timed out waiting for ${what}`);
}
