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

/**
 * A watch silent this long is dead and replaced: real API servers send a BOOKMARK about once a minute on every
 * watch that asked for them (the watch cache's `bookmarkFrequency`), so two missed bookmarks mean the TCP path is
 * gone (a black hole drops packets without a reset; Deno's fetch would wait ~15 min). `AGENT_WATCH_IDLE_TIMEOUT`.
 */
export const IDLE_TIMEOUT_MS = 120_000;

/**
 * A watch request whose response headers have not arrived after this long is abandoned: a healthy server answers a
 * watch at once (the headers are flushed before the first event), and waiting the whole idle timeout for a
 * connection opened into a black hole would add two minutes to the heal. Same as an ordinary request's timeout.
 */
export const WATCH_OPEN_TIMEOUT_MS = 30_000;

/**
 * While some watch is failing for a transport reason, the API server's `/version` is probed this often; when it
 * answers again after a failed probe, every informer sleeping in a backoff is woken at once. Without it an
 * informer whose backoff reached 30 s would relist up to 30 s after the server is back (one small GET every 2 s,
 * only while failing, costs the server nothing).
 */
export const RECONNECT_PROBE_MS = 2_000;

/** A probe that got no answer within this time counts as a failure (a black-holed server never answers). */
export const RECONNECT_PROBE_TIMEOUT_MS = 5_000;

/**
 * `/readyz` fails when a kind has been failing, or has heard nothing from the server, for longer than this: more
 * than the idle timeout plus a retry, so a dead stream is replaced before readiness drops, and short enough that a
 * Service stops routing to a replica with a stale picture within minutes.
 */
export const READINESS_STALE_MS = 150_000;

/** Informer errors are logged once per kind, then at most once per this interval with the count suppressed. */
export const ERROR_LOG_INTERVAL_MS = 60_000;

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
