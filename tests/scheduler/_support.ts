/**
 * Helpers shared by the scheduler tests: a logger that records what the loops log. Waiting lives in
 * `tests/support/wait.ts`.
 *
 * @module
 */
import type { Logger } from "../../agent/log.ts";

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
