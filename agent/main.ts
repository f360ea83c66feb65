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

import { Agent, AGENT_VERSION, redactUrl } from "./agent.ts";
import {
  type AgentConfig,
  ConfigError,
  helpText,
  IGNORED_SETTINGS,
  loadConfig,
  readEnv,
  SETTINGS,
} from "./config.ts";
import {
  configureLogging,
  createObservability,
  getAgentLogger,
  type Observability,
} from "./observability/mod.ts";
import { LeaderElector } from "./scheduler/mod.ts";
import { errorText, type Logger } from "./log.ts";

/** Runs the agent until a signal; returns the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  // Listening from the first line: SIGTERM during start-up (a slow API server, an unreachable Master) must end
  // the process with 0 within the grace period, not with the default 143.
  const signals = listenForSignals();
  try {
    return await run(args, signals.received);
  } finally {
    signals.remove();
  }
}

async function run(args: readonly string[], stop: AbortSignal): Promise<number> {
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
  if (stop.aborted) return stoppedDuringStartUp(log);

  const observability = createObservability(config, { logger, version: AGENT_VERSION });
  let agent: Agent;
  try {
    agent = await Agent.create(config, { logger, hooks: observability.hooks, signal: stop });
  } catch (error) {
    if (stop.aborted) return stoppedDuringStartUp(log);
    log.error(`Cannot start: ${errorText(error)}`);
    return 1;
  }
  if (stop.aborted) {
    await agent.stop();
    return stoppedDuringStartUp(log);
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
    log.info("Leader election: campaigning for the Lease before talking to the Master");
    elector = runLeaderElection(agent, observability, logger, stopped.signal);
  } else {
    // Without leader election this replica is always the one talking to the Master.
    observability.metrics.setLeader(true);
    observability.watchLoops();
    agent.startLoops();
  }
  log.info("Agent started", { clusterId: agent.clusterId, master: redactUrl(config.masterUrl) });

  if (!stop.aborted) {
    await new Promise<void>((resolve) => stop.addEventListener("abort", () => resolve(), { once: true }));
  }
  log.info(agent.loops ? "Stopping: draining running commands" : "Stopping");
  stopped.abort();
  await elector;
  await agent.stop();
  await observability.close();
  log.info("Stopped");
  return 0;
}

function stoppedDuringStartUp(log: Logger): number {
  log.info("Stopped during start-up");
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

/** SIGINT and SIGTERM as an abort signal; `remove()` unwires the listeners. */
function listenForSignals(): { received: AbortSignal; remove(): void } {
  const controller = new AbortController();
  const names: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const installed: Deno.Signal[] = [];
  const handler = () => {
    // A second signal while stopping means "now", for operators who really mean it.
    if (controller.signal.aborted) Deno.exit(1);
    controller.abort(new Error("signal received"));
  };
  for (const name of names) {
    try {
      Deno.addSignalListener(name, handler);
      installed.push(name);
    } catch {
      // Windows has no SIGTERM listener; SIGINT (Ctrl+C) still works there.
    }
  }
  return {
    received: controller.signal,
    remove: () => {
      for (const name of installed) Deno.removeSignalListener(name, handler);
    },
  };
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
