/**
 * Prometheus metrics of the agent on a private prom-client registry: informer state read at scrape time, the
 * push, heartbeat and command loops through their hooks, leadership, and process memory and CPU.
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { type Clock, systemClock } from "../clock.ts";
import type { KindStatus } from "../informer/mod.ts";
import type {
  CommandOutcome as LoopCommandOutcome,
  HeartbeatOutcome,
  PollOutcome,
  PushOutcome,
  PushTrigger,
} from "../scheduler/mod.ts";
import type { CommandOutcome } from "../service/commands/mod.ts";

/** Prefix of every agent metric (process metrics keep their standard names). */
export const METRIC_PREFIX = "atlhyper_agent_";

/** Snapshot build buckets, seconds: 10,000 pods build in ≈250 ms, so the interesting range is 1 ms to a few s. */
export const BUILD_SECONDS_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
];
/** Push and command latency buckets, seconds: from a loopback Master up to the 30 s client timeout. */
export const LATENCY_SECONDS_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

/** Per-kind informer state, read at every scrape (`InformerSet.status`). */
export type InformerStatusSource = () => readonly KindStatus[];

/** Options of {@linkcode AgentMetrics}. */
export interface AgentMetricsOptions {
  /** Informer state read at scrape time; can also be set later with {@linkcode AgentMetrics.setInformerSource}. */
  informers?: InformerStatusSource;
  /** Time source for "seconds since the last event" and last-success timestamps; the system clock by default. */
  clock?: Clock;
  /** Agent version, exported as the `version` label of `atlhyper_agent_info`. */
  version?: string;
  /** Initial leader status; false until {@linkcode AgentMetrics.setLeader} says otherwise. */
  leader?: boolean;
  /** Export process CPU, memory and heap metrics (on by default). */
  processMetrics?: boolean;
}

/** Label of `atlhyper_agent_snapshot_pushes_total`. */
export type PushResult = "success" | "build_error" | "push_error";

const PUSH_RESULTS: readonly PushResult[] = ["success", "build_error", "push_error"];
const PUSH_TRIGGERS: readonly PushTrigger[] = ["initial", "interval", "change", "retry", "command"];

const INFORMER_HEALTH_STATES = ["pending", "ok", "forbidden", "missing", "failing"] as const;
const EVENT_TYPES = ["added", "modified", "deleted", "bookmark"] as const;

/**
 * The agent's metrics on their own {@linkcode Registry}, so that tests and several agents in one process never
 * collide. The `record*` and `set*` methods are bound, so they can be passed as loop hooks directly
 * (`onPush: metrics.recordPush`, `onCompleted: metrics.recordCommand`, ...); none of them throws.
 */
export class AgentMetrics {
  /** The backing registry (to add metrics of other components). */
  readonly registry: Registry = new Registry();
  readonly #clock: Clock;
  #informers: InformerStatusSource | undefined;

  readonly #snapshotBuild: Histogram<never>;
  readonly #snapshotRawBytes: Gauge<never>;
  readonly #snapshotGzipBytes: Gauge<never>;
  readonly #pushes: Counter<"trigger" | "outcome">;
  readonly #pushDuration: Histogram<never>;
  readonly #pushLastSuccess: Gauge<never>;
  readonly #heartbeats: Counter<"outcome">;
  readonly #heartbeatLastSuccess: Gauge<never>;
  readonly #polls: Counter<"topic" | "outcome">;
  readonly #commands: Counter<"action" | "outcome">;
  readonly #commandDuration: Histogram<"action">;
  readonly #commandResults: Counter<"topic" | "outcome">;
  readonly #leader: Gauge<never>;

  constructor(options: AgentMetricsOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#informers = options.informers;
    const registers = [this.registry];
    const name = (suffix: string) => `${METRIC_PREFIX}${suffix}`;

    this.#snapshotBuild = new Histogram({
      name: name("snapshot_build_seconds"),
      help: "Time to build and serialise one ClusterSnapshot from the caches.",
      buckets: [...BUILD_SECONDS_BUCKETS],
      registers,
    });
    this.#snapshotRawBytes = new Gauge({
      name: name("snapshot_raw_bytes"),
      help: "Size of the last ClusterSnapshot JSON before compression.",
      registers,
    });
    this.#snapshotGzipBytes = new Gauge({
      name: name("snapshot_gzip_bytes"),
      help: "Size of the last ClusterSnapshot as sent (gzip).",
      registers,
    });
    this.#pushes = new Counter({
      name: name("snapshot_pushes_total"),
      help: "Snapshot push attempts by trigger and outcome (success, build_error, push_error).",
      labelNames: ["trigger", "outcome"],
      registers,
    });
    this.#pushDuration = new Histogram({
      name: name("snapshot_push_duration_seconds"),
      help: "Build plus send time of snapshot pushes that reached the send stage.",
      buckets: [...LATENCY_SECONDS_BUCKETS],
      registers,
    });
    this.#pushLastSuccess = new Gauge({
      name: name("snapshot_last_success_timestamp_seconds"),
      help: "Unix time of the last snapshot the Master accepted.",
      registers,
    });
    this.#heartbeats = new Counter({
      name: name("heartbeats_total"),
      help: "Heartbeats sent to the Master by outcome (success, failure).",
      labelNames: ["outcome"],
      registers,
    });
    this.#heartbeatLastSuccess = new Gauge({
      name: name("heartbeat_last_success_timestamp_seconds"),
      help: "Unix time of the last heartbeat the Master accepted.",
      registers,
    });
    this.#polls = new Counter({
      name: name("command_polls_total"),
      help: "Command long polls by topic and outcome (command, empty, error).",
      labelNames: ["topic", "outcome"],
      registers,
    });
    this.#commands = new Counter({
      name: name("commands_total"),
      help:
        "Commands executed by action and outcome (success, failure, rejected, timeout, cancelled, duplicate).",
      labelNames: ["action", "outcome"],
      registers,
    });
    this.#commandDuration = new Histogram({
      name: name("command_duration_seconds"),
      help: "Command execution time by action, waiting for a slot included.",
      labelNames: ["action"],
      buckets: [...LATENCY_SECONDS_BUCKETS],
      registers,
    });
    this.#commandResults = new Counter({
      name: name("command_results_total"),
      help: "Command results by topic and fate (reported to the Master, or given up after retries).",
      labelNames: ["topic", "outcome"],
      registers,
    });
    this.#leader = new Gauge({
      name: name("leader"),
      help: "1 while this agent talks to the Master (leader, or leader election off), else 0.",
      registers,
    });
    this.#leader.set(options.leader ? 1 : 0);
    new Gauge({
      name: name("info"),
      help: "Agent and runtime versions; always 1.",
      labelNames: ["version", "deno"],
      registers,
    }).set({ version: options.version ?? "unknown", deno: Deno.version.deno }, 1);

    // Series that exist from the start let `increase()` see the first failure instead of a series appearing at 1.
    for (const trigger of PUSH_TRIGGERS) {
      for (const outcome of PUSH_RESULTS) this.#pushes.inc({ trigger, outcome }, 0);
    }
    for (const outcome of ["success", "failure"]) this.#heartbeats.inc({ outcome }, 0);

    this.#registerInformerMetrics(name);
    if (options.processMetrics ?? true) registerProcessMetrics(this.registry);

    this.recordPush = this.recordPush.bind(this);
    this.recordSnapshotBuild = this.recordSnapshotBuild.bind(this);
    this.recordHeartbeat = this.recordHeartbeat.bind(this);
    this.recordPoll = this.recordPoll.bind(this);
    this.recordCommand = this.recordCommand.bind(this);
    this.recordCommandResult = this.recordCommandResult.bind(this);
    this.setLeader = this.setLeader.bind(this);
    this.setInformerSource = this.setInformerSource.bind(this);
  }

  /** Content type of {@linkcode AgentMetrics.metricsText} (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric, informer state read now. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** Sets where informer state is read at scrape time. */
  setInformerSource(source: InformerStatusSource | undefined): void {
    this.#informers = source;
  }

  /**
   * Counts one push attempt (the `PushLoop` `onPush` hook) with its latency and sent sizes. Build time is not taken
   * from here: the producer reports each build through {@linkcode AgentMetrics.recordSnapshotBuild}, which also
   * sees builds that never reach a push.
   */
  recordPush(outcome: PushOutcome): void {
    if (outcome.ok) {
      this.#pushes.inc({ trigger: outcome.trigger, outcome: "success" satisfies PushResult });
      this.#pushDuration.observe(seconds(outcome.latencyMs));
      this.#pushLastSuccess.set(this.#clock.now() / 1000);
      if (isMeasure(outcome.rawBytes)) this.#snapshotRawBytes.set(outcome.rawBytes);
      if (isMeasure(outcome.gzipBytes)) this.#snapshotGzipBytes.set(outcome.gzipBytes);
      return;
    }
    const result: PushResult = outcome.stage === "build" ? "build_error" : "push_error";
    this.#pushes.inc({ trigger: outcome.trigger, outcome: result });
    // A failed build never reached the Master: its near-zero latency would only blur the send latency.
    if (outcome.stage === "push") this.#pushDuration.observe(seconds(outcome.latencyMs));
  }

  /** Records one snapshot build: its duration and JSON size (the agent's `onSnapshotBuild` hook). */
  recordSnapshotBuild(buildSeconds: number, rawBytes: number): void {
    if (isMeasure(buildSeconds)) this.#snapshotBuild.observe(buildSeconds);
    if (isMeasure(rawBytes)) this.#snapshotRawBytes.set(rawBytes);
  }

  /** Counts one heartbeat (the `HeartbeatLoop` `onHeartbeat` hook). */
  recordHeartbeat(outcome: HeartbeatOutcome): void {
    this.#heartbeats.inc({ outcome: outcome.ok ? "success" : "failure" });
    if (outcome.ok) this.#heartbeatLastSuccess.set(this.#clock.now() / 1000);
  }

  /** Counts one command long poll (the `CommandLoops` `onPoll` hook). */
  recordPoll(outcome: PollOutcome): void {
    const result = !outcome.ok ? "error" : outcome.command ? "command" : "empty";
    this.#polls.inc({ topic: outcome.topic, outcome: result });
  }

  /** Counts one executed command and its latency (the `CommandService` `onCompleted` hook). */
  recordCommand(action: string, outcome: CommandOutcome, durationMs: number): void {
    this.#commands.inc({ action, outcome });
    if (isMeasure(durationMs)) this.#commandDuration.observe({ action }, seconds(durationMs));
  }

  /** Counts whether a command's result reached the Master (the `CommandLoops` `onCommand` hook). */
  recordCommandResult(outcome: LoopCommandOutcome): void {
    this.#commandResults.inc({ topic: outcome.topic, outcome: outcome.reported ? "reported" : "given_up" });
  }

  /** Whether this agent currently leads (and so pushes and polls). */
  setLeader(leader: boolean): void {
    this.#leader.set(leader ? 1 : 0);
  }

  #registerInformerMetrics(name: (suffix: string) => string): void {
    const registers = [this.registry];
    const labelNames = ["kind"] as const;
    // Each family reads the same status list: one read per scrape keeps the families consistent and cheap.
    // prom-client starts every family's collect() in one synchronous pass, so a microtask ends the scrape.
    let cached: readonly KindStatus[] | undefined;
    const statuses = (): readonly KindStatus[] => {
      if (cached) return cached;
      try {
        cached = this.#informers?.() ?? [];
      } catch {
        // A broken source must not fail the whole scrape; the informer families are just left out.
        cached = [];
      }
      queueMicrotask(() => cached = undefined);
      return cached;
    };
    const now = () => this.#clock.now();

    new Gauge({
      name: name("informer_synced"),
      help: "1 when the kind's cache holds a complete list, else 0.",
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) this.set({ kind: s.kind }, s.synced ? 1 : 0);
      },
    });
    new Gauge({
      name: name("informer_health"),
      help:
        "Health of the kind's informers (pending, ok, forbidden, missing, failing): 1 for the current state.",
      labelNames: ["kind", "state"],
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) {
          for (const state of INFORMER_HEALTH_STATES) {
            this.set({ kind: s.kind, state }, s.health === state ? 1 : 0);
          }
        }
      },
    });
    new Gauge({
      name: name("informer_objects"),
      help: "Objects in the kind's cache.",
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) this.set({ kind: s.kind }, s.objects);
      },
    });
    new Counter({
      name: name("informer_events_total"),
      help: "Watch events applied to the kind's cache, by type.",
      labelNames: ["kind", "type"],
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) {
          for (const type of EVENT_TYPES) {
            this.inc({ kind: s.kind, type }, sum(s, (c) => c.events[type]));
          }
        }
      },
    });
    new Counter({
      name: name("informer_relists_total"),
      help: "Complete lists of the kind after the first one.",
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) this.inc({ kind: s.kind }, sum(s, (c) => c.relists));
      },
    });
    new Counter({
      name: name("informer_watch_restarts_total"),
      help: "Watches of the kind opened after the first one.",
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) this.inc({ kind: s.kind }, sum(s, (c) => c.watchRestarts));
      },
    });
    new Counter({
      name: name("informer_errors_total"),
      help: "List and watch errors of the kind, by reason (expired, forbidden, network, idle, ...).",
      labelNames: ["kind", "reason"],
      registers,
      collect() {
        this.reset();
        for (const s of statuses()) {
          const totals = new Map<string, number>();
          for (const informer of s.informers) {
            for (const [reason, n] of Object.entries(informer.counters.errors)) {
              totals.set(reason, (totals.get(reason) ?? 0) + (n ?? 0));
            }
          }
          for (const [reason, n] of totals) this.inc({ kind: s.kind, reason }, n);
        }
      },
    });
    new Gauge({
      name: name("informer_last_event_age_seconds"),
      help: "Seconds since the kind's cache last applied an event or a list; absent before the first.",
      labelNames,
      registers,
      collect() {
        this.reset();
        const at = now();
        for (const s of statuses()) {
          const last = Math.max(0, ...s.informers.map((i) => i.counters.lastEventAt));
          if (last > 0) this.set({ kind: s.kind }, Math.max(0, at - last) / 1000);
        }
      },
    });
  }
}

function registerProcessMetrics(registry: Registry): void {
  // prom-client's collectDefaultMetrics reads /proc/self/* for memory and file descriptors: without
  // --allow-read=/proc those read 0 (or prompt on a terminal), and its GC histogram stays empty under Deno.
  // Deno.memoryUsage() and process.cpuUsage() need no permission, so the standard names come from them.
  const registers = [registry];
  new Counter({
    name: "process_cpu_user_seconds_total",
    help: "Total user CPU time spent in seconds.",
    registers,
    collect() {
      this.reset();
      this.inc(cpuUsage().user / 1e6);
    },
  });
  new Counter({
    name: "process_cpu_system_seconds_total",
    help: "Total system CPU time spent in seconds.",
    registers,
    collect() {
      this.reset();
      this.inc(cpuUsage().system / 1e6);
    },
  });
  new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
    collect() {
      this.reset();
      const usage = cpuUsage();
      this.inc((usage.user + usage.system) / 1e6);
    },
  });
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    registers,
  }).set(Math.round(performance.timeOrigin / 1000));
  const memory: [string, string, (usage: Deno.MemoryUsage) => number][] = [
    ["process_resident_memory_bytes", "Resident memory size in bytes.", (u) => u.rss],
    ["nodejs_heap_size_total_bytes", "Process heap size from V8 in bytes.", (u) => u.heapTotal],
    ["nodejs_heap_size_used_bytes", "Process heap size used from V8 in bytes.", (u) => u.heapUsed],
    ["nodejs_external_memory_bytes", "V8 external memory size in bytes.", (u) => u.external],
  ];
  for (const [metricName, help, read] of memory) {
    new Gauge({
      name: metricName,
      help,
      registers,
      collect() {
        this.set(read(Deno.memoryUsage()));
      },
    });
  }
}

function sum(
  status: KindStatus,
  pick: (counters: KindStatus["informers"][number]["counters"]) => number,
): number {
  return status.informers.reduce((total, informer) => total + pick(informer.counters), 0);
}

function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}

function isMeasure(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}
