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
  PushLoopOptions,
  StartedLoops,
} from "./scheduler/mod.ts";
import { startLoops } from "./scheduler/mod.ts";
import { CommandService, type CommandServiceOptions } from "./service/commands/mod.ts";
import { type BuiltSnapshot, MetricsPoller, SnapshotService } from "./service/mod.ts";
import { errorText, type Logger, suppressedProperty } from "./log.ts";

/** The agent's version, sent as part of the User-Agent. */
export const AGENT_VERSION = "0.1.0";

/** Observation hooks (metrics and liveness); each is optional and must not throw. */
export interface AgentHooks {
  /** Called after each snapshot push. */
  onPush?: PushLoopOptions["onPush"];
  /** Called for each push held back because a kind never synced. */
  onPushHeld?: PushLoopOptions["onHeld"];
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
  /** Abandons start-up (SIGTERM while connecting): `create` rejects once it aborts. */
  signal?: AbortSignal;
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
    throw new Error(`Cannot read the kube-system namespace for the cluster id: ${errorText(error)}${hint}`, {
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
      informer: { idleTimeoutMs: config.watchIdleTimeoutMs, ...options.informer },
      // The first error of a kind, then one line per minute with the count left out: a dead API server must not
      // bury the log under one warning per kind per retry.
      onErrorReport: ({ kind, error, suppressed }) =>
        informerLog.warn(`Informer error for ${kind}: ${error.message}`, {
          kind,
          error: error.kind,
          ...suppressedProperty(suppressed),
        }),
      onRecovered: ({ kind, failedForMs, errors }) =>
        informerLog.info(`Informer for ${kind} recovered`, { kind, failedForMs, errors }),
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
    const log = options.logger("agent");
    const connection = await loadConnectionConfig({ context: config.kubeContext || undefined });
    const client = createKubeClient(connection, { userAgent: `atlhyper-agent/${AGENT_VERSION}` });
    try {
      let clusterId = config.clusterId;
      if (!clusterId) {
        // A server that accepts and never answers would otherwise make this the silent part of start-up.
        log.info(`Connecting to the API server ${connection.server} to read the cluster id`, {
          source: connection.source,
        });
        clusterId = await kubeSystemUid(client, options.signal);
      }
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
      if (gateway.sendsCredentialsInClear) {
        log.warn(
          `Sending the Master credential over plain http to ${gateway.url}: anyone on the path can read and ` +
            "replay it; use an https AGENT_MASTER_URL",
        );
      }
      // POD_NAMESPACE (downward API) first; in a pod without it, the service account's namespace.
      const ownNamespace = readEnv(["POD_NAMESPACE"]).POD_NAMESPACE ||
        (connection.source.startsWith("in-cluster") ? connection.namespace ?? "" : "");
      const agent = new Agent(config, { clusterId, client, gateway, ownNamespace }, options);
      log.info(
        `atlhyper-agent ${AGENT_VERSION} for cluster ${clusterId}: Master ${redactUrl(config.masterUrl)}, ` +
          `API server ${connection.server}, watching ${agent.informers.kinds.join(", ")}`,
        {
          version: AGENT_VERSION,
          clusterId,
          master: redactUrl(config.masterUrl),
          apiServer: connection.server,
          source: connection.source,
          kinds: agent.informers.kinds,
        },
      );
      return agent;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** Starts the informers and the metrics poller (followers run these too, so a takeover is instant). */
  startCaches(): void {
    const started = performance.now();
    this.informers.start();
    this.metricsPoller.start();
    this.#log.info(`Informers syncing: ${this.informers.kinds.length} kinds`);
    // Stopping releases the wait; only a real outcome is logged.
    void this.informers.ready().then((result) => {
      if (this.#stopping || result.pending.length) return;
      this.#log.info(`Informers synced in ${Math.round(performance.now() - started)} ms`, {
        ...(result.unavailable.length ? { skipped: result.unavailable } : {}),
      });
    });
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
          // Released by a stop: nothing was waited for in vain, and nothing will be pushed.
          if (this.#stopping || !this.#loops) return result;
          if (result.unavailable.length) {
            this.#log.warn(`Kinds skipped (forbidden or not served): ${result.unavailable.join(", ")}`);
          }
          if (result.pending.length) {
            this.#log.warn(
              `Not every kind synced after ${timeoutMs} ms; the snapshot waits for: ${
                result.pending.join(", ")
              }`,
            );
          }
          return result;
        },
        holdReason: () => this.informers.snapshotHold(),
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
      onHeld: this.#options.hooks?.onPushHeld,
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

/** The URL without credentials (userinfo), for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
