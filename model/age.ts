/**
 * The `age` text of every resource (master-protocol §2.0): time since creation, rounded down.
 *
 * @module
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Formats an elapsed time as `"<N>d"`, `"<N>h"`, `"<N>m"` or `"0m"`, like the Go agent's `formatDuration`
 * (a negative duration, from clock skew, gives `"0m"`).
 *
 * @param elapsedMs milliseconds since creation
 */
export function formatAge(elapsedMs: number): string {
  const days = Math.trunc(elapsedMs / DAY_MS);
  if (days > 0) return `${days}d`;
  const hours = Math.trunc(elapsedMs / HOUR_MS);
  if (hours > 0) return `${hours}h`;
  const minutes = Math.trunc(elapsedMs / MINUTE_MS);
  if (minutes > 0) return `${minutes}m`;
  return "0m";
}

/**
 * The range of elapsed times, `[from, until)`, over which {@linkcode formatAge} gives the same text as for
 * `elapsedMs`, so callers can reuse an age string until time leaves it.
 *
 * @param elapsedMs milliseconds since creation
 */
export function ageValidity(elapsedMs: number): { from: number; until: number } {
  if (!(elapsedMs >= MINUTE_MS)) return { from: -Infinity, until: MINUTE_MS };
  const unit = elapsedMs >= DAY_MS ? DAY_MS : elapsedMs >= HOUR_MS ? HOUR_MS : MINUTE_MS;
  const from = Math.trunc(elapsedMs / unit) * unit;
  return { from, until: from + unit };
}
