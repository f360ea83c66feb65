/**
 * Liveness of the agent's own loops and the HTTP server Kubernetes probes and Prometheus scrape: `/healthz`,
 * `/readyz`, `/health` (what the Go agent's probes call) and `/metrics`.
 *
 * Liveness asks only whether our loops still turn: a Master that is down makes pushes fail, but restarting the pod
 * would not bring it back, so an unreachable Master never fails liveness.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { type InformerSet, readinessOf } from "../informer/mod.ts";
import { errorText } from "../log.ts";

/** Options of {@linkcode Liveness}. */
export interface LivenessOptions {
  /** Time source; the system clock by default. */
  clock?: Clock;
}

/** Outcome of {@linkcode Liveness.check}. */
export interface LivenessResult {
  /** True when no registered loop has been silent for longer than it may be. */
  alive: boolean;
  /** Names of the loops that have been silent too long, in registration order. */
  stale: string[];
}

interface Watched {
  maxSilenceMs: number;
  lastBeat: number;
}

/**
 * Tracks whether each of the agent's loops still makes progress: a loop is registered with the longest silence it
 * may keep, beats whenever it completes a cycle, and is stale once it stays silent for longer.
 */
export class Liveness {
  readonly #clock: Clock;
  readonly #loops = new Map<string, Watched>();

  constructor(options: LivenessOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts watching `name` (or changes its limit); the silence is counted from now. */
  register(name: string, maxSilenceMs: number): void {
    if (!(maxSilenceMs > 0)) {
      throw new RangeError(
        `Cannot register loop "${name}": maxSilenceMs must be positive, got ${maxSilenceMs}`,
      );
    }
    this.#loops.set(name, { maxSilenceMs, lastBeat: this.#clock.now() });
  }

  /** Stops watching `name` (a loop stopped on purpose, e.g. after losing the leadership). */
  unregister(name: string): void {
    this.#loops.delete(name);
  }

  /** Notes that `name` made progress; beats of loops not registered are ignored. */
  beat(name: string): void {
    const loop = this.#loops.get(name);
    if (loop) loop.lastBeat = this.#clock.now();
  }

  /** Names of the watched loops. */
  get names(): string[] {
    return [...this.#loops.keys()];
  }

  /** Which loops have been silent too long. */
  check(): LivenessResult {
    const now = this.#clock.now();
    const stale: string[] = [];
    for (const [name, loop] of this.#loops) if (now - loop.lastBeat > loop.maxSilenceMs) stale.push(name);
    return { alive: stale.length === 0, stale };
  }
}

/** The last error of one kind, as `/readyz` reports it. */
export interface KindErrorDetail {
  kind: string;
  phase?: string;
  message: string;
}

/** Readiness detail of one kind (an informer `KindStatus` satisfies it). */
export interface KindReadiness {
  kind: string;
  synced: boolean;
  health: string;
  objects: number;
  /** Why a synced kind fails readiness (failing or silent too long). */
  degraded?: string;
  lastError?: KindErrorDetail;
}

/** What `/readyz` reports (`InformerSet.readiness()` plus the per-kind detail). */
export interface ReadinessReport {
  ready: boolean;
  /** Kinds still syncing. */
  pending: readonly string[];
  /** Kinds skipped because they are forbidden or not served; they do not block readiness. */
  unavailable: readonly string[];
  /** Synced kinds failing or silent longer than the threshold (about 2 minutes); they block readiness. */
  degraded?: readonly string[];
  kinds?: readonly KindReadiness[];
}

/** The metrics `/metrics` exposes ({@linkcode AgentMetrics} satisfies it). */
export interface MetricsExposition {
  metricsText(): Promise<string>;
  readonly contentType: string;
}

/** Options of {@linkcode startHealthServer}. */
export interface HealthServerOptions {
  /** Listen address: `:8082` (every interface), `0.0.0.0:8082`, `127.0.0.1:0` (any free port); `""` = no server. */
  addr: string;
  /** Answers `/healthz` and `/health`. */
  liveness: Pick<Liveness, "check">;
  /** Answers `/readyz`. */
  readiness: () => ReadinessReport;
  /** Answers `/metrics`; without it `/metrics` is 404. */
  metrics?: MetricsExposition;
  /** Told about handler failures (answered with 500); silent by default. */
  onError?: (error: unknown) => void;
}

/** A running health server. */
export interface HealthServer {
  /** Base URL to reach the server locally, e.g. `http://127.0.0.1:8082`. */
  readonly url: string;
  /** The port bound (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

/** Host and port to listen on. */
export interface ListenAddress {
  /** Empty for "every interface", as in Go's `:8082`. */
  hostname: string;
  port: number;
}

/**
 * Parses a Go-style listen address (`:8082`, `0.0.0.0:8082`, `[::]:8082`, `localhost:0`); `undefined` for `""`,
 * which means "no server".
 */
export function parseListenAddress(addr: string): ListenAddress | undefined {
  const text = addr.trim();
  if (text === "") return undefined;
  const match = /^(?:\[([^\]]*)\]|([^:\[\]]*)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) {
    throw new Error(`Cannot parse listen address "${addr}": expected host:port, :port or [ipv6]:port`);
  }
  return { hostname: match[1] ?? match[2] ?? "", port };
}

/**
 * Starts the health server on `options.addr`, or returns `undefined` when it is empty. Throws when the address is
 * invalid or cannot be bound.
 */
export function startHealthServer(options: HealthServerOptions): HealthServer | undefined {
  const address = parseListenAddress(options.addr);
  if (!address) return undefined;
  const handler = (request: Request) => handle(request, options);
  const server = listen(address, handler, options.addr);
  const bound = server.addr;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${localHost(bound.hostname)}:${bound.port}`,
    port: bound.port,
    close: () => closing ??= server.shutdown(),
  };
}

/**
 * `/readyz` detail straight from the informers: one `status()` read gives both the verdict and the kinds. Not
 * ready while a kind has not synced, or has been failing or silent longer than the staleness threshold.
 */
export function informerReadiness(informers: Pick<InformerSet, "status">): () => ReadinessReport {
  return () => {
    const kinds = informers.status();
    return { ...readinessOf(kinds), kinds };
  };
}

function listen(
  address: ListenAddress,
  handler: (request: Request) => Promise<Response>,
  addr: string,
): Deno.HttpServer<Deno.NetAddr> {
  const serve = (hostname: string) =>
    Deno.serve({ hostname, port: address.port, onListen: () => {}, onError: internalError }, handler);
  try {
    if (address.hostname !== "") return serve(address.hostname);
    try {
      // Go's ":port" listens on IPv6 and IPv4; "::" does both on Linux, and hosts without IPv6 fall back.
      return serve("::");
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.PermissionDenied) {
        throw error;
      }
      return serve("0.0.0.0");
    }
  } catch (error) {
    throw new Error(`Cannot listen on "${addr}": ${errorText(error)}`, {
      cause: error,
    });
  }
}

/** Wildcard binds are reached through the loopback of the same family. */
function localHost(hostname: string): string {
  if (hostname === "::" || hostname === "") return "[::1]";
  if (hostname === "0.0.0.0") return "127.0.0.1";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

async function handle(request: Request, options: HealthServerOptions): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return text(405, "method not allowed\n", { allow: "GET, HEAD" });
  }
  try {
    switch (new URL(request.url).pathname) {
      case "/healthz": {
        const result = options.liveness.check();
        return result.alive ? text(200, "ok\n") : text(503, `stale: ${result.stale.join(", ")}\n`);
      }
      case "/health": {
        const result = options.liveness.check();
        return result.alive
          ? json(200, { status: "ok" })
          : json(503, { status: "unhealthy", stale: result.stale });
      }
      case "/readyz": {
        const report = options.readiness();
        return json(report.ready ? 200 : 503, {
          status: report.ready ? "ready" : "not ready",
          ready: report.ready,
          pending: report.pending,
          unavailable: report.unavailable,
          degraded: report.degraded ?? [],
          kinds: (report.kinds ?? []).map(kindDetail),
        });
      }
      case "/metrics": {
        if (!options.metrics) return text(404, "not found\n");
        const body = await options.metrics.metricsText();
        return new Response(body, { headers: { "content-type": options.metrics.contentType, ...NO_STORE } });
      }
      default:
        return text(404, "not found\n");
    }
  } catch (error) {
    options.onError?.(error);
    return internalError();
  }
}

/** Only the fields an operator needs: `KindStatus` also carries per-informer counters, which `/metrics` has. */
function kindDetail(
  kind: KindReadiness,
): Omit<KindReadiness, "lastError"> & { lastError: KindErrorDetail | null } {
  const error = kind.lastError;
  return {
    kind: kind.kind,
    synced: kind.synced,
    health: kind.health,
    objects: kind.objects,
    ...(kind.degraded ? { degraded: kind.degraded } : {}),
    lastError: error ? { kind: error.kind, phase: error.phase, message: error.message } : null,
  };
}

// Probes and scrapes must see the state of now, never a proxy's copy.
const NO_STORE = { "cache-control": "no-store" } as const;

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...NO_STORE, ...headers },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...NO_STORE },
  });
}

function internalError(): Response {
  return text(500, "internal error\n");
}
