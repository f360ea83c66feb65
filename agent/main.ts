/**
 * The agent process: reads the configuration, starts the {@linkcode Agent}, serves health and metrics, and stops
 * gracefully on SIGINT/SIGTERM (exit 0). Invalid configuration exits 2; a start-up failure exits 1.
 *
 * ```sh
 * deno task start            # or: deno run <flags> agent/main.ts
 * deno task start --help     # every setting with its default
 * ```
 *
 * @module
 */

import { Agent, AGENT_VERSION } from "./agent.ts";
import {
  type AgentConfig,
  ConfigError,
  helpText,
  IGNORED_SETTINGS,
  loadConfig,
  readEnv,
  SETTINGS,
} from "./config.ts";
import { configureLogging, getAgentLogger } from "./observability/log.ts";
import { createObservability, type Observability } from "./observability/wiring.ts";
import { LeaderElector } from "./scheduler/leader.ts";
import type { Logger } from "./scheduler/mod.ts";

/** Runs the agent until a signal; returns the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(helpText());
    return 0;
  }
  let config: AgentConfig;
  try {
    config = loadConfig(readEnv([...SETTINGS.map((s) => s.env), ...IGNORED_SETTINGS]));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  await configureLogging({ level: config.logLevel, format: config.logFormat });
  const logger = (category: string): Logger => getAgentLogger(["atlhyper", category]);
  const log = logger("agent");
  const ignored = IGNORED_SETTINGS.filter((name) => readEnv([name])[name]);
  if (ignored.length) {
    log.warn(`Ignoring Go agent settings this agent does not implement: ${ignored.join(", ")}`);
  }

  const observability = createObservability(config, { logger, version: AGENT_VERSION });
  let agent: Agent;
  try {
    agent = await Agent.create(config, { logger, hooks: observability.hooks });
  } catch (error) {
    log.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  agent.startCaches();
  try {
    await observability.serve(agent.informers);
  } catch (error) {
    log.error(`Cannot serve health and metrics on ${config.healthAddr}: ${String(error)}`);
    await agent.stop();
    return 1;
  }
  const stopped = new AbortController();
  let elector: Promise<void> | undefined;
  if (config.leaderElection) {
    elector = runLeaderElection(agent, observability, logger, stopped.signal);
  } else {
    // Without leader election this replica is always the one talking to the Master.
    observability.metrics.setLeader(true);
    observability.watchLoops();
    agent.startLoops();
  }
  log.info("Agent started", { clusterId: agent.clusterId, master: agent.gateway.url });

  await waitForSignal();
  log.info("Stopping: draining running commands");
  stopped.abort();
  await elector;
  await agent.stop();
  await observability.close();
  log.info("Stopped");
  return 0;
}

function runLeaderElection(
  agent: Agent,
  observability: Observability,
  logger: (category: string) => Logger,
  signal: AbortSignal,
): Promise<void> {
  const config = agent.config;
  const identity = config.podName || `${Deno.hostname()}-${crypto.randomUUID().slice(0, 8)}`;
  const namespace = config.leaderElectionNamespace || agent.client.defaultNamespace;
  const elector = new LeaderElector(agent.client, {
    namespace,
    name: config.leaderElectionName,
    identity,
    logger: logger("leader"),
    releaseOnStop: true,
    onStartedLeading: () => {
      observability.metrics.setLeader(true);
      observability.watchLoops();
      agent.startLoops();
    },
    onStoppedLeading: () => {
      observability.metrics.setLeader(false);
      observability.unwatchLoops();
      // Stop polling at once: the Master delivers each command to one poller, which must be the leader.
      return agent.stopLoops();
    },
  });
  return elector.run(signal);
}

function waitForSignal(): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handler = () => {
    for (const signal of signals) Deno.removeSignalListener(signal, handler);
    resolve();
  };
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  return promise;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
