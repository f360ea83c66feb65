/**
 * `deno task demo`: the agent working end to end on a machine without a cluster. It starts the fake API server
 * with a simulated cluster (nodes, deployments with churning pods, events) and the fake Master in this process,
 * then the real agent as a child process (with the permission flags of `deno task start`), prints a live view
 * (snapshots received, per-kind counts, push latency, freshness), runs a scripted `scale` and `get_logs`, shows
 * their results and ends with a summary.
 *
 * ```sh
 * deno task demo                      # until Ctrl-C
 * deno task demo --duration 20s       # a bounded run (CI smoke test)
 * deno task demo --pods 2000 --churn 600 --health-port 8082
 * ```
 *
 * Every port is free when the demo starts: the fake servers bind port 0, and the agent's health listener gets a
 * port that was free a moment earlier (`--health-port` picks one). Exit codes: 0 when the run ended as asked
 * (`--duration` elapsed, Ctrl-C or SIGTERM) and the agent stopped cleanly; 1 when something failed (the agent
 * exited on its own, no snapshot arrived, a scripted command failed, the agent did not stop cleanly); 2 for bad
 * arguments. Whatever ends the run, the agent is stopped and waited for and the temporary kubeconfig is removed:
 * signals stay handled until then, so a second Ctrl-C cannot cut the clean-up short.
 *
 * @module
 */

import { formatDuration, parseDuration } from "../../agent/config.ts";
import { startFlags } from "../../deploy/compile.ts";
import { type FakeApiServer, type KubeObject, startFakeApiServer } from "./fake_apiserver.ts";
import { type FakeMaster, startFakeMaster } from "./fake_master.ts";

/** Options of {@linkcode runDemo}. */
export interface DemoOptions {
  /** Simulated pods. */
  pods: number;
  /** Simulated pod replacements per minute. */
  churnPerMinute: number;
  /** Stop after this long; absent = until a signal. */
  durationMs?: number;
  /** Port of the agent's health and metrics listener; 0 = a free port. */
  healthPort: number;
}

/** Bad command-line arguments (exit code 2). */
export class DemoUsageError extends Error {
  /** Always `DemoUsageError`. */
  override name = "DemoUsageError";
}

const USAGE = "usage: deno task demo [--duration 20s] [--pods N] [--churn N_PER_MINUTE] [--health-port PORT]";

/** Parses the demo's command line. */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const options: DemoOptions = { pods: 300, churnPerMinute: 120, healthPort: 0 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") throw new DemoUsageError(USAGE);
    const equals = arg.indexOf("=");
    const flag = equals >= 0 ? arg.slice(0, equals) : arg;
    if (!["--duration", "--pods", "--churn", "--health-port"].includes(flag)) {
      throw new DemoUsageError(`Unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
    const value = equals >= 0 ? arg.slice(equals + 1) : args[++i];
    if (value === undefined) throw new DemoUsageError(`Missing value for ${flag}\n${USAGE}`);
    if (flag === "--duration") {
      const ms = parseDuration(value);
      if (ms === undefined || ms <= 0) {
        throw new DemoUsageError(
          `Invalid --duration ${JSON.stringify(value)}: use Go syntax such as 20s or 2m`,
        );
      }
      options.durationMs = ms;
      continue;
    }
    const number = Number(value);
    const max = flag === "--health-port" ? 65_535 : Number.MAX_SAFE_INTEGER;
    if (value.trim() === "" || !Number.isInteger(number) || number < 0 || number > max) {
      throw new DemoUsageError(`Invalid ${flag} ${JSON.stringify(value)}: expected an integer 0–${max}`);
    }
    if (flag === "--pods") options.pods = number;
    else if (flag === "--churn") options.churnPerMinute = number;
    else options.healthPort = number;
  }
  return options;
}

const AGENT = new URL("../../agent/main.ts", import.meta.url).pathname;

/** The agent gets a short grace so that the demo stops within seconds (the default is 20 s). */
const AGENT_SHUTDOWN_GRACE = "3s";
/** After SIGTERM, wait this long for the agent before SIGKILL: its grace plus stopping informers and loops. */
const AGENT_STOP_TIMEOUT_MS = 15_000;
/** The first snapshot normally arrives within a few seconds; this bounds a broken set-up. */
const FIRST_SNAPSHOT_TIMEOUT_MS = 60_000;
/** A change reaches the Master within about a second, a command result within milliseconds. */
const STEP_TIMEOUT_MS = 30_000;
/** Pause between freshness probes. */
const PROBE_PAUSE_MS = 2_000;
/** Lines of the agent's output kept to quote when it fails. */
const AGENT_TAIL_LINES = 10;

/** Why the run ended. */
type StopReason =
  | { kind: "duration" }
  | { kind: "signal"; signal: Deno.Signal }
  | { kind: "agent-exited" }
  | { kind: "failed"; message: string };

/** What the run did, for the summary. */
interface Tally {
  firstSnapshotMs?: number;
  freshness: number[];
  commands: { label: string; ok: boolean }[];
}

/** Runs the demo until `--duration`, a signal, or a failure; resolves with the process exit code. */
export async function runDemo(
  options: DemoOptions,
  print: (line: string) => void = console.log,
): Promise<number> {
  const started = Date.now();
  const stop = new AbortController();
  let stoppingSince = 0;
  const stopWith = (reason: StopReason) => {
    if (stop.signal.aborted) return;
    stoppingSince = Date.now();
    stop.abort(reason);
  };
  // Installed first and removed last: a signal at any moment, also while stopping, only asks for the clean stop.
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const handlers = signals.map((signal) => {
    const handler = () => {
      // `deno task` forwards the terminal's SIGINT that the demo also receives itself: one Ctrl-C can arrive
      // twice, so only a later signal gets an answer.
      if (stop.signal.aborted && Date.now() - stoppingSince > 1_000) {
        print(`${signal}: already stopping, waiting for the agent to exit`);
      }
      stopWith({ kind: "signal", signal });
    };
    Deno.addSignalListener(signal, handler);
    return { signal, handler };
  });
  const timer = options.durationMs === undefined
    ? undefined
    : setTimeout(() => stopWith({ kind: "duration" }), options.durationMs);

  const tally: Tally = { freshness: [], commands: [] };
  let dir: string | undefined;
  let server: FakeApiServer | undefined;
  let master: FakeMaster | undefined;
  let agent: AgentChild | undefined;
  let stopProblem: string | undefined;
  try {
    server = await startFakeApiServer({
      simulate: { pods: options.pods, churnPerMinute: options.churnPerMinute, seed: 42 },
      bookmarkIntervalMs: 5_000,
    });
    master = startFakeMaster({ holdMs: 30_000 });
    dir = await Deno.makeTempDir({ prefix: "atlhyper-demo-" });
    const kubeconfig = `${dir}/kubeconfig`;
    await server.writeKubeconfig(kubeconfig);
    print(
      `fake API server  ${server.url}  (${
        server.list("pods").length
      } pods, churn ${options.churnPerMinute}/min)`,
    );
    print(`fake Master      ${master.url}  (control API: ${master.url}/control/stats)`);
    print(`kubeconfig       ${kubeconfig}  (removed at the end)`);
    if (!stop.signal.aborted) {
      const healthPort = options.healthPort || freePort();
      agent = await spawnAgent(kubeconfig, master.url, healthPort, print);
      print(
        `agent            pid ${agent.process.pid}, health and metrics on http://127.0.0.1:${healthPort}`,
      );
      agent.status.then(() => stopWith({ kind: "agent-exited" }));
      await demonstrate(server, master, stop.signal, tally, started, print, stopWith);
    }
  } catch (error) {
    stopWith({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
  } finally {
    stopWith({ kind: "failed", message: "stopped for an unknown reason" });
    clearTimeout(timer);
    const reason = stop.signal.reason as StopReason;
    print(`stopping: ${describe(reason)}`);
    if (agent) stopProblem = await agent.stop(print);
    await master?.close();
    await server?.close();
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    for (const { signal, handler } of handlers) Deno.removeSignalListener(signal, handler);
  }

  const reason = stop.signal.reason as StopReason;
  const problems: string[] = [];
  if (reason.kind === "failed") problems.push(reason.message);
  if (reason.kind === "agent-exited" && agent) {
    problems.push(
      `the agent exited on its own with code ${agent.exitCode()}; its last lines:\n${agent.tail()}`,
    );
  } else if (stopProblem) problems.push(stopProblem);
  for (const command of tally.commands) if (!command.ok) problems.push(`${command.label} failed`);
  printSummary(tally, master, reason, started, agent, dir, print);
  for (const problem of problems) print(`FAILED: ${problem}`);
  return problems.length ? 1 : 0;
}

/** The scripted part: first snapshot, freshness probes, and once a `scale` and a `get_logs`. */
async function demonstrate(
  server: FakeApiServer,
  master: FakeMaster,
  stopped: AbortSignal,
  tally: Tally,
  started: number,
  print: (line: string) => void,
  fail: (reason: StopReason) => void,
): Promise<void> {
  const until = (predicate: () => boolean, timeoutMs: number) =>
    waitUntil(master, predicate, stopped, timeoutMs);
  if (!await until(() => master.snapshots.length > 0, FIRST_SNAPSHOT_TIMEOUT_MS)) {
    if (!stopped.aborted) {
      fail({
        kind: "failed",
        message: `no snapshot reached the Master within ${FIRST_SNAPSHOT_TIMEOUT_MS / 1000} s`,
      });
    }
    return;
  }
  tally.firstSnapshotMs = master.snapshots[0].receivedAt - started;
  print(`first snapshot accepted ${(tally.firstSnapshotMs / 1000).toFixed(1)} s after start`);
  let marker = 0;
  let scripted = false;
  while (!stopped.aborted) {
    // Freshness: a change made now, and the time until the Master holds a snapshot containing it.
    const name = `demo-marker-${++marker}`;
    const changedAt = Date.now();
    server.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default" },
      data: { at: "now" },
    });
    if (await until(() => snapshotHas(master.snapshots.at(-1)?.snapshot, name), STEP_TIMEOUT_MS)) {
      tally.freshness.push(Date.now() - changedAt);
    } else if (!stopped.aborted) {
      print(`freshness: ${name} did not reach the Master within ${STEP_TIMEOUT_MS / 1000} s`);
    }
    server.remove("v1", "configmaps", "default", name);
    printStatus(master.snapshots.at(-1), master.snapshots.length, tally.freshness, print);
    if (!scripted && !stopped.aborted) {
      scripted = true;
      await scriptedCommands(server, master, stopped, tally, print);
    }
    await until(() => false, PROBE_PAUSE_MS);
  }
}

/** Waits for `predicate` or the stop signal, at most `timeoutMs`; true when the predicate holds. */
async function waitUntil(
  master: FakeMaster,
  predicate: () => boolean,
  stopped: AbortSignal,
  timeoutMs: number,
): Promise<boolean> {
  if (!stopped.aborted && !predicate()) {
    // The fake Master re-checks predicates on its own events only; the stop signal must end the wait too.
    const aborted = Promise.withResolvers<void>();
    const onAbort = () => aborted.resolve();
    stopped.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.race([master.waitFor(predicate, { timeoutMs }).catch(() => {}), aborted.promise]);
    } finally {
      stopped.removeEventListener("abort", onAbort);
    }
  }
  return !stopped.aborted && predicate();
}

function snapshotHas(snapshot: Record<string, unknown> | undefined, configMap: string): boolean {
  const list = snapshot?.configMaps as { name?: string }[] | undefined;
  return list?.some((c) => c.name === configMap) ?? false;
}

function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function printStatus(
  latest: { snapshot: Record<string, unknown>; receivedAt: number } | undefined,
  received: number,
  freshness: number[],
  print: (line: string) => void,
): void {
  if (!latest) return;
  const s = latest.snapshot;
  const count = (field: string) => (s[field] as unknown[] | undefined)?.length ?? 0;
  const fetchedAt = Date.parse(String(s.fetchedAt));
  print(
    `snapshots ${String(received).padStart(4)} | pods ${count("pods")} nodes ${count("nodes")} ` +
      `deployments ${count("deployments")} events ${count("events")} | push latency ${
        latest.receivedAt - fetchedAt
      } ms | freshness last ${freshness.at(-1) ?? "-"} ms, p50 ${percentile(freshness, 0.5) ?? "-"} ms`,
  );
}

async function scriptedCommands(
  server: FakeApiServer,
  master: FakeMaster,
  stopped: AbortSignal,
  tally: Tally,
  print: (line: string) => void,
): Promise<void> {
  const result = async (id: string) => {
    const found = () => master.results.find((r) => r.commandId === id);
    await waitUntil(master, () => found() !== undefined, stopped, STEP_TIMEOUT_MS);
    return found();
  };

  const deployment = server.list("deployments")[0];
  const namespace = deployment.metadata?.namespace ?? "default";
  const name = deployment.metadata?.name ?? "";
  const label = `scale ${namespace}/${name} to 5`;
  const scale = await result(master.enqueue({
    action: "scale",
    kind: "Deployment",
    namespace,
    name,
    params: { replicas: 5 },
    source: "web",
  }));
  if (stopped.aborted) return;
  if (!scale) {
    print(`${label}: no result within ${STEP_TIMEOUT_MS / 1000} s`);
    tally.commands.push({ label, ok: false });
    return;
  }
  const after = server.get<KubeObject & { spec?: { replicas?: number } }>(
    "apps/v1",
    "deployments",
    namespace,
    name,
  );
  print(
    `${label}: success=${scale.result.success} ${
      scale.result.error ?? ""
    }, spec.replicas is now ${after?.spec?.replicas}`,
  );
  tally.commands.push({ label, ok: scale.result.success === true && after?.spec?.replicas === 5 });

  const pod = server.list("pods")[0];
  const podName = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const logs = await result(master.enqueue({
    action: "get_logs",
    kind: "Pod",
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    params: { tailLines: 3 },
    source: "web",
  }));
  if (stopped.aborted) return;
  const logsLabel = `get_logs ${podName}`;
  if (!logs) {
    print(`${logsLabel}: no result within ${STEP_TIMEOUT_MS / 1000} s`);
    tally.commands.push({ label: logsLabel, ok: false });
    return;
  }
  print(`get_logs ${podName} (tail 3): success=${logs.result.success}`);
  for (const line of String(logs.result.output ?? logs.result.error ?? "").trimEnd().split("\n")) {
    print(`  | ${line}`);
  }
  tally.commands.push({ label: logsLabel, ok: logs.result.success === true });
}

function describe(reason: StopReason): string {
  switch (reason.kind) {
    case "duration":
      return "--duration elapsed";
    case "signal":
      return `${reason.signal} received`;
    case "agent-exited":
      return "the agent exited";
    case "failed":
      return reason.message.split("\n")[0];
  }
}

function printSummary(
  tally: Tally,
  master: FakeMaster | undefined,
  reason: StopReason,
  started: number,
  agent: AgentChild | undefined,
  dir: string | undefined,
  print: (line: string) => void,
): void {
  const ms = (value: number | undefined) => value === undefined ? "-" : `${value} ms`;
  print(`summary: ran ${((Date.now() - started) / 1000).toFixed(1)} s, ended by ${describe(reason)}`);
  print(
    `  snapshots accepted ${master?.snapshots.length ?? 0}` +
      (tally.firstSnapshotMs === undefined
        ? " (none)"
        : ` (first after ${(tally.firstSnapshotMs / 1000).toFixed(1)} s)`) +
      `, heartbeats ${master?.heartbeats.length ?? 0}`,
  );
  print(
    `  freshness (change → Master) p50 ${ms(percentile(tally.freshness, 0.5))}, p95 ${
      ms(percentile(tally.freshness, 0.95))
    } (n=${tally.freshness.length})`,
  );
  print(
    `  commands ${
      tally.commands.length
        ? tally.commands.map((c) => `${c.label}: ${c.ok ? "ok" : "FAILED"}`).join("; ")
        : "none ran"
    }`,
  );
  const exit = agent?.exitCode();
  print(
    `  agent ${agent ? `exited with code ${exit ?? "?"}` : "never started"}; temporary kubeconfig ${
      dir ? "removed" : "never written"
    }`,
  );
}

/** A port that was free a moment ago (the agent binds it right after; a clash fails fast with its message). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The agent child process, its output relayed line by line with an `agent |` prefix. */
interface AgentChild {
  process: Deno.ChildProcess;
  /** Resolves when the process has exited. */
  status: Promise<Deno.CommandStatus>;
  /** The exit code once exited. */
  exitCode(): number | undefined;
  /** The last lines it wrote. */
  tail(): string;
  /** SIGTERM, wait (SIGKILL after a bound), drain its output; returns a problem or undefined when clean. */
  stop(print: (line: string) => void): Promise<string | undefined>;
}

async function spawnAgent(
  kubeconfig: string,
  masterUrl: string,
  healthPort: number,
  print: (line: string) => void,
): Promise<AgentChild> {
  const process = new Deno.Command(Deno.execPath(), {
    // The flags of `deno task start`: the demo also shows that the narrow permission set is enough.
    args: ["run", ...await startFlags(), AGENT],
    env: {
      AGENT_KUBECONFIG: kubeconfig,
      AGENT_MASTER_URL: masterUrl,
      AGENT_CLUSTER_ID: "demo-cluster",
      AGENT_HEALTH_ADDR: `127.0.0.1:${healthPort}`,
      AGENT_LOG_LEVEL: "warning",
      AGENT_SHUTDOWN_GRACE,
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // Its own process group: a terminal's Ctrl-C reaches the demo only, which then stops the agent with exactly
    // one SIGTERM. (A second signal to the agent, from the terminal and the demo together, would kill it.)
    detached: true,
  }).spawn();
  const lines: string[] = [];
  const relay = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    const decoder = new TextDecoder();
    const emit = (line: string) => {
      lines.push(line);
      if (lines.length > AGENT_TAIL_LINES) lines.shift();
      print(`agent | ${line}`);
    };
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) emit(line);
    }
    if (pending) emit(pending);
  };
  const relaying = Promise.all([relay(process.stdout), relay(process.stderr)]);
  let code: number | undefined;
  const status = process.status.then((s) => {
    code = s.code;
    return s;
  });
  return {
    process,
    status,
    exitCode: () => code,
    tail: () => lines.map((line) => `  ${line}`).join("\n") || "  (nothing)",
    async stop(print) {
      if (code === undefined) {
        print("stopping the agent: SIGTERM");
        try {
          process.kill("SIGTERM");
        } catch {
          // It exited in the meantime.
        }
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = await Promise.race([
        status.then(() => false),
        new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), AGENT_STOP_TIMEOUT_MS)),
      ]);
      clearTimeout(timer);
      if (killed) {
        print(`the agent did not exit within ${formatDuration(AGENT_STOP_TIMEOUT_MS)} of SIGTERM: SIGKILL`);
        try {
          process.kill("SIGKILL");
        } catch {
          // It exited in the meantime.
        }
      }
      const final = await status;
      await relaying;
      print(`agent exited with code ${final.code}${final.signal ? ` (${final.signal})` : ""}`);
      if (killed) return `the agent did not stop within ${formatDuration(AGENT_STOP_TIMEOUT_MS)} of SIGTERM`;
      return final.code === 0 ? undefined : `the agent stopped with exit code ${final.code}`;
    },
  };
}

if (import.meta.main) {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(Deno.args);
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    const help = Deno.args.includes("--help") || Deno.args.includes("-h");
    (help ? console.log : console.error)(error.message);
    Deno.exit(help ? 0 : 2);
  }
  Deno.exit(await runDemo(options));
}
