/**
 * Tuning numbers of the informers, each with its reason (client-go `reflector.go` and kube-rs `watcher.rs`).
 *
 * @module
 */

/** Server-side watch timeout, random in this range so informers do not re-watch in lockstep. */
export const WATCH_TIMEOUT_S = { min: 300, max: 600 } as const;

/**
 * A stream that sent no byte for `timeoutSeconds` plus this grace is dead: Deno's fetch has no read timeout and
 * a silently dropped TCP path can hang for ~15 min. Bookmarks keep healthy quiet streams alive well inside it.
 */
export const IDLE_GRACE_MS = 30_000;

/** 800 ms doubling to 30 s with jitter, reset after 2 min of health: client-go's defaults (~0.22 QPS when down). */
export const BACKOFF = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
} as const;

/** A kind we may not list (403) or that the cluster does not serve (404) is retried this slowly. */
export const UNAVAILABLE_RETRY_MS = 180_000;

/** Page size of the initial LIST; large lists are cheaper for the server in chunks. */
export const PAGE_SIZE = 500;

/** A watch that ends within this time without any event counts as a failure, so it cannot loop tightly. */
export const SHORT_WATCH_MS = 1_000;

/** The bookmark annotation that ends the initial events of a streaming list (KEP-3157). */
export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";
