/**
 * Connects the agent's hooks to metrics and liveness, and serves `/healthz`, `/readyz`, `/health` and
 * `/metrics`. Kept apart from the agent so the composition root stays free of observability details.
 *
 * @module
 */

import type { AgentConfig } from "../config.ts";
import type { InformerSet } from "../informer/mod.ts";
import type { Logger } from "../log.ts";
import type { AgentHooks } from "../agent.ts";
import { informerReadiness, Liveness, startHealthServer } from "./health.ts";
import { AgentMetrics } from "./metrics.ts";

/** Metrics, liveness and the hooks feeding them. */
export interface Observability {
  metrics: AgentMetrics;
  liveness: Liveness;
  hooks: AgentHooks;
  /** Starts the HTTP server once the informers exist; a no-op when `AGENT_HEALTH_ADDR` is empty. */
  serve(informers: InformerSet): Promise<void>;
  /** Starts checking the Master loops' liveness (when they start: at once, or on becoming leader). */
  watchLoops(): void;
  /** Stops checking them (a follower does not run them). */
  unwatchLoops(): void;
  close(): Promise<void>;
}

/**
 * Liveness checks the agent's own loops, not the Master: a push loop that has not finished an attempt for a
 * few intervals, or a command poll loop silent for longer than a poll timeout, is stuck and the pod should restart.
 */
export function createObservability(
  config: AgentConfig,
  options: { logger: (category: string) => Logger; version: string },
): Observability {
  const metrics = new AgentMetrics({ version: options.version });
  const liveness = new Liveness();
  const log = options.logger("health");
  const pushSilenceMs = Math.max(
    3 * config.snapshotIntervalMs,
    config.httpClientTimeoutMs + config.snapshotIntervalMs,
  );
  const pollSilenceMs = config.commandPollTimeoutMs + 60_000;
  const hooks: AgentHooks = {
    onPush: (outcome) => {
      metrics.recordPush(outcome);
      liveness.beat("push");
    },
    // A push held back (a kind never synced) is the loop working as designed: restarting the pod would not help.
    onPushHeld: () => liveness.beat("push"),
    onHeartbeat: (outcome) => {
      metrics.recordHeartbeat(outcome);
      liveness.beat("heartbeat");
    },
    onPoll: (outcome) => {
      metrics.recordPoll(outcome);
      liveness.beat(`poll:${outcome.topic}`);
    },
    onCommand: (outcome) => metrics.recordCommandResult(outcome),
    onCommandCompleted: (action, outcome, durationMs) => metrics.recordCommand(action, outcome, durationMs),
    onSnapshotBuild: (seconds, rawBytes) => metrics.recordSnapshotBuild(seconds, rawBytes),
  };
  let server: { close(): Promise<void> } | undefined;
  return {
    metrics,
    liveness,
    hooks,
    async serve(informers) {
      metrics.setInformerSource(() => informers.status());
      if (!config.healthAddr) return;
      server = await startHealthServer({
        addr: config.healthAddr,
        liveness,
        metrics,
        readiness: informerReadiness(informers),
      });
      log.info(`Serving /healthz, /readyz, /health and /metrics on ${config.healthAddr}`);
    },
    watchLoops() {
      liveness.register("push", pushSilenceMs);
      liveness.register("heartbeat", config.heartbeatIntervalMs * 3 + config.heartbeatTimeoutMs);
      liveness.register("poll:ops", pollSilenceMs);
      liveness.register("poll:ai", pollSilenceMs);
    },
    unwatchLoops() {
      for (const name of ["push", "heartbeat", "poll:ops", "poll:ai"]) liveness.unregister(name);
    },
    async close() {
      await server?.close();
    },
  };
}
