/**
 * The composition root: configuration → sdk → informers → repositories → services → schedulers, plus health,
 * metrics and (optionally) leader election. `main.ts` is only the process wrapper around {@linkcode Agent}.
 *
 * @module
 */

import { type AgentConfig, readEnv } from "./config.ts";
import type { Clock } from "./clock.ts";
import { createMasterGateway, type HttpMasterGateway } from "./gateway/mod.ts";
import { InformerSet, type InformerSetOptions } from "./informer/mod.ts";
import { converterTransforms, snapshotSource } from "./repository/mod.ts";
import { createKubeClient, type HttpKubeClient, KubeApiError, loadConnectionConfig } from "./sdk/mod.ts";
import type {
  CommandLoopsOptions,
  HeartbeatLoopOptions,
  Logger,
  PushLoopOptions,
  StartedLoops,
} from "./scheduler/mod.ts";
import { startLoops } from "./scheduler/mod.ts";
import { CommandService, type CommandServiceOptions } from "./service/commands/mod.ts";
import { type BuiltSnapshot, MetricsPoller, SnapshotService } from "./service/mod.ts";

/** The agent's version, sent as part of the User-Agent. */
export const AGENT_VERSION = "0.1.0";

/** Observation hooks (metrics and liveness); each is optional and must not throw. */
export interface AgentHooks {
  /** Called after each snapshot push. */
  onPush?: PushLoopOptions["onPush"];
  /** Called after each heartbeat. */
  onHeartbeat?: HeartbeatLoopOptions["onHeartbeat"];
  /** Called after each command poll. */
  onPoll?: CommandLoopsOptions["onPoll"];
  /** Called once per command after its result was reported or given up on. */
  onCommand?: CommandLoopsOptions["onCommand"];
  /** Called when a command finishes, with its action, outcome and duration in milliseconds. */
  onCommandCompleted?: CommandServiceOptions["onCompleted"];
  /** After each snapshot build: seconds spent building and serialising, and the JSON size. */
  onSnapshotBuild?: (seconds: number, rawBytes: number) => void;
}

/** Options of {@linkcode Agent.create}. */
export interface AgentOptions {
  /** Time source; the system clock by default. */
  clock?: Clock;
  /** Where the agent logs. */
  logger: (category: string) => Logger;
  /** Informer settings (tests shorten timings). */
  informer?: InformerSetOptions["informer"];
  /** Metrics and liveness hooks. */
  hooks?: AgentHooks;
}

/** Reads the UID of `kube-system`, the Go agent's default cluster id. */
export async function kubeSystemUid(client: HttpKubeClient, signal?: AbortSignal): Promise<string> {
  try {
    const namespace = await client.get<{ metadata?: { uid?: string } }>("/api/v1/namespaces/kube-system", {
      signal,
    });
    const uid = namespace.metadata?.uid;
    if (!uid) throw new Error("the namespace has no uid");
    return uid;
  } catch (error) {
    const hint = error instanceof KubeApiError && error.status === 403
      ? " (grant get on namespaces, or set AGENT_CLUSTER_ID)"
      : " (set AGENT_CLUSTER_ID to skip this lookup)";
    throw new Error(`Cannot read the kube-system namespace for the cluster id: ${describe(error)}${hint}`, {
      cause: error,
    });
  }
}

/** Everything the agent runs, wired together. */
export class Agent {
  /** The validated configuration. */
  readonly config: AgentConfig;
  /** Cluster id reported to the Master. */
  readonly clusterId: string;
  /** Kubernetes API client. */
  readonly client: HttpKubeClient;
  /** Informers of every watched kind. */
  readonly informers: InformerSet;
  /** Builds snapshots from the informer caches. */
  readonly snapshots: SnapshotService;
  /** Runs commands received from the Master. */
  readonly commands: CommandService;
  /** HTTP client of the Master. */
  readonly gateway: HttpMasterGateway;
  /** Polls metrics-server for node and pod usage. */
  readonly metricsPoller: MetricsPoller;
  readonly #options: AgentOptions;
  readonly #log: Logger;
  #loops: StartedLoops | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(
    config: AgentConfig,
    parts: { clusterId: string; client: HttpKubeClient; gateway: HttpMasterGateway; ownNamespace: string },
    options: AgentOptions,
  ) {
    this.config = config;
    this.clusterId = parts.clusterId;
    this.client = parts.client;
    this.gateway = parts.gateway;
    this.#options = options;
    this.#log = options.logger("agent");
    const informerLog = options.logger("informer");
    this.informers = new InformerSet(this.client, {
      namespaces: config.namespaces,
      disabled: config.disabledKinds,
      streamingList: config.streamingList,
      transforms: converterTransforms({ redactEnv: config.redactEnv }),
      clock: options.clock,
      informer: options.informer,
      onError: (kind, error) =>
        informerLog.warn(`Informer error for ${kind}: ${error.message}`, { kind, error: error.kind }),
    });
    this.metricsPoller = new MetricsPoller(this.client, {
      clock: options.clock,
      intervalMs: config.metricsIntervalMs,
      logger: options.logger("metrics"),
    });
    this.snapshots = new SnapshotService(snapshotSource(this.informers), {
      clusterId: this.clusterId,
      clock: options.clock,
      usage: this.metricsPoller,
    });
    this.commands = new CommandService(this.client, {
      clock: options.clock,
      logger: options.logger("command"),
      readOnly: config.readOnly,
      allowedActions: config.allowedActions,
      aiAllowedActions: config.aiAllowedActions,
      protectedNamespaces: config.protectedNamespaces,
      ownNamespace: parts.ownNamespace || undefined,
      imageAllowlist: config.imageAllowlist,
      redact: config.redactEnv,
      clusterId: parts.clusterId,
      commandMaxAgeMs: config.commandMaxAgeMs,
      masterClockOffsetMs: () => parts.gateway.clockOffsetMs,
      allowSecretRead: config.allowSecretRead,
      allowApply: config.allowApply,
      commandTimeoutMs: config.commandTimeoutMs,
      maxConcurrentCommands: config.maxConcurrentCommands,
      onCompleted: options.hooks?.onCommandCompleted,
    });
  }

  /** Builds one snapshot as a gzip body in parts (the push path: stores only, no API call, no raw JSON buffer). */
  buildSnapshot(): BuiltSnapshot {
    const started = performance.now();
    const built = this.snapshots.build();
    this.#options.hooks?.onSnapshotBuild?.((performance.now() - started) / 1000, built.rawBytes);
    return built;
  }

  /** Resolves the Kubernetes connection and the cluster id; fails with a clear message when either is impossible. */
  static async create(config: AgentConfig, options: AgentOptions): Promise<Agent> {
    const connection = await loadConnectionConfig({ context: config.kubeContext || undefined });
    const client = createKubeClient(connection, { userAgent: `atlhyper-agent/${AGENT_VERSION}` });
    try {
      const clusterId = config.clusterId || await kubeSystemUid(client);
      const gateway = await createMasterGateway({
        masterUrl: config.masterUrl,
        clusterId,
        token: config.masterToken || undefined,
        caFile: config.masterCaFile || undefined,
        pushTimeoutMs: config.httpClientTimeoutMs,
        heartbeatTimeoutMs: config.heartbeatTimeoutMs,
        pollTimeoutMs: config.commandPollTimeoutMs,
        userAgent: `atlhyper-agent/${AGENT_VERSION}`,
      });
      const log = options.logger("agent");
      log.info(`Connected to ${connection.source}`, {
        server: connection.server,
        clusterId,
      });
      if (gateway.sendsCredentialsInClear) {
        log.warn(
          `Sending the Master credential over plain http to ${gateway.url}: anyone on the path can read and ` +
            "replay it; use an https AGENT_MASTER_URL",
        );
      }
      // POD_NAMESPACE (downward API) first; in a pod without it, the service account's namespace.
      const ownNamespace = readEnv(["POD_NAMESPACE"]).POD_NAMESPACE ||
        (connection.source.startsWith("in-cluster") ? connection.namespace ?? "" : "");
      return new Agent(config, { clusterId, client, gateway, ownNamespace }, options);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** Starts the informers and the metrics poller (followers run these too, so a takeover is instant). */
  startCaches(): void {
    this.informers.start();
    this.metricsPoller.start();
  }

  /** Starts talking to the Master: push, heartbeat and command loops. */
  startLoops(): StartedLoops {
    if (this.#loops) return this.#loops;
    const config = this.config;
    const timeoutMs = config.snapshotCollectTimeoutMs;
    this.#loops = startLoops({
      gateway: this.gateway,
      producer: {
        build: () => {
          const built = this.buildSnapshot();
          return { json: { parts: built.parts, gzipBytes: built.gzipBytes, rawBytes: built.rawBytes } };
        },
      },
      changes: {
        onChange: (listener) => this.informers.onChange(() => listener()),
        ready: async () => {
          const result = await this.informers.ready({ timeoutMs });
          if (result.unavailable.length) {
            this.#log.warn(`Kinds skipped (forbidden or not served): ${result.unavailable.join(", ")}`);
          }
          if (!result.ready) {
            this.#log.warn(
              `Pushing before every kind synced; still waiting after ${timeoutMs} ms for: ${
                result.pending.join(", ")
              }`,
            );
          }
          return result;
        },
      },
      executor: this.commands,
      effects: (target) => this.informers.store(target.kind).get(target.namespace, target.name),
    }, {
      clock: this.#options.clock,
      logger: this.#options.logger("scheduler"),
      pushMode: config.pushMode,
      snapshotIntervalMs: config.snapshotIntervalMs,
      minPushGapMs: config.snapshotMinGapMs,
      pushTimeoutMs: config.httpClientTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      pollIntervalMs: config.commandPollIntervalMs,
      gracePeriodMs: config.shutdownGraceMs,
      onPush: this.#options.hooks?.onPush,
      onHeartbeat: this.#options.hooks?.onHeartbeat,
      onPoll: this.#options.hooks?.onPoll,
      onCommand: this.#options.hooks?.onCommand,
    });
    return this.#loops;
  }

  /** Stops the Master loops (running commands finish within the grace period and are reported). */
  async stopLoops(): Promise<void> {
    const loops = this.#loops;
    this.#loops = undefined;
    await loops?.lifecycle.stop();
  }

  /** The running loops, if any (for health and metrics). */
  get loops(): StartedLoops | undefined {
    return this.#loops;
  }

  /** Stops everything: loops first (draining commands), then caches and connections. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.stopLoops();
      await Promise.all([this.informers.stop(), this.metricsPoller.stop()]);
      this.gateway.close();
      this.client.close();
    })();
    return this.#stopping;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
