/**
 * `deno task demo`: the agent working end to end on a machine without a cluster. It starts the fake API server
 * with a simulated cluster (nodes, deployments with churning pods, events), the fake Master and the real agent
 * process, prints a live view (snapshots received, per-kind counts, push latency, freshness), runs a scripted
 * `scale` and `get_logs`, and shows their results. Ctrl-C (or `--duration`) stops everything cleanly.
 *
 * ```sh
 * deno task demo                      # until Ctrl-C
 * deno task demo --duration 20s       # a bounded run (CI smoke test)
 * deno task demo --pods 2000 --churn 600
 * ```
 *
 * @module
 */

import { parseDuration } from "../../agent/config.ts";
import { type KubeObject, startFakeApiServer } from "./fake_apiserver.ts";
import { startFakeMaster } from "./fake_master.ts";

interface DemoOptions {
  pods: number;
  churnPerMinute: number;
  durationMs?: number;
}

function parseArgs(args: readonly string[]): DemoOptions {
  const options: DemoOptions = { pods: 300, churnPerMinute: 120 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const value = inline ?? args[++i] ?? "";
    const number = Number(value);
    if (flag === "--duration") options.durationMs = parseDuration(value) ?? Number.NaN;
    else if (flag === "--pods" || flag === "--churn") {
      if (!Number.isInteger(number) || number < 0) {
        throw new Error(`Invalid ${flag}: ${JSON.stringify(value)}`);
      }
      if (flag === "--pods") options.pods = number;
      else options.churnPerMinute = number;
    } else {throw new Error(
        `Unknown argument ${JSON.stringify(args[i])}: use --pods N, --churn N, --duration 20s`,
      );}
  }
  if (Number.isNaN(options.durationMs)) {
    throw new Error("Invalid --duration: use Go syntax such as 20s or 2m");
  }
  return options;
}

const AGENT = new URL("../../agent/main.ts", import.meta.url).pathname;

function print(line: string): void {
  console.log(line);
}

/** Runs the demo; resolves when it was stopped. */
export async function runDemo(options: DemoOptions): Promise<void> {
  const started = Date.now();
  await using server = await startFakeApiServer({
    simulate: { pods: options.pods, churnPerMinute: options.churnPerMinute, seed: 42 },
    bookmarkIntervalMs: 5_000,
  });
  await using master = startFakeMaster({ holdMs: 30_000 });
  const dir = await Deno.makeTempDir({ prefix: "atlhyper-demo-" });
  const kubeconfig = `${dir}/kubeconfig`;
  await server.writeKubeconfig(kubeconfig);
  print(
    `fake API server  ${server.url}  (${
      server.list("pods").length
    } pods, churn ${options.churnPerMinute}/min)`,
  );
  print(`fake Master      ${master.url}`);

  const agent = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", "--allow-sys", AGENT],
    env: {
      AGENT_KUBECONFIG: kubeconfig,
      AGENT_MASTER_URL: master.url,
      AGENT_CLUSTER_ID: "demo-cluster",
      AGENT_HEALTH_ADDR: "127.0.0.1:18082",
      AGENT_LOG_LEVEL: "warning",
      NO_COLOR: "1",
    },
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  print(`agent            pid ${agent.pid}, health and metrics on http://127.0.0.1:18082`);

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  if (options.durationMs) setTimeout(() => stop.abort(), options.durationMs);

  const freshness: number[] = [];
  let marker = 0;
  let scripted = false;
  try {
    await master.waitFor(() => master.snapshots.length > 0 || stop.signal.aborted, { timeoutMs: 60_000 });
    if (master.snapshots.length) {
      print(
        `first snapshot accepted ${
          ((master.snapshots[0].receivedAt - started) / 1000).toFixed(1)
        } s after start`,
      );
    }
    while (!stop.signal.aborted) {
      // Freshness: a change made now, and the time until the Master holds a snapshot containing it.
      const name = `demo-marker-${++marker}`;
      const changedAt = Date.now();
      server.apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace: "default" },
        data: { at: "now" },
      });
      await master.waitFor(
        () => stop.signal.aborted || snapshotHas(master.snapshots.at(-1)?.snapshot, name),
        { timeoutMs: 30_000 },
      ).catch(() => {});
      if (!stop.signal.aborted) freshness.push(Date.now() - changedAt);
      server.remove("v1", "configmaps", "default", name);
      printStatus(master.snapshots.at(-1), master.snapshots.length, freshness);
      if (!scripted && !stop.signal.aborted) {
        scripted = true;
        await scriptedCommands(server, master);
      }
      await sleep(2_000, stop.signal);
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    print("stopping: SIGTERM to the agent");
    try {
      agent.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    const status = await agent.status;
    print(`agent exited with code ${status.code}`);
    await Deno.remove(dir, { recursive: true });
  }
}

function snapshotHas(snapshot: Record<string, unknown> | undefined, configMap: string): boolean {
  const list = snapshot?.configMaps as { name?: string }[] | undefined;
  return list?.some((c) => c.name === configMap) ?? false;
}

function printStatus(
  latest: { snapshot: Record<string, unknown>; receivedAt: number } | undefined,
  received: number,
  freshness: number[],
): void {
  if (!latest) return;
  const s = latest.snapshot;
  const count = (field: string) => (s[field] as unknown[] | undefined)?.length ?? 0;
  const fetchedAt = Date.parse(String(s.fetchedAt));
  const sorted = [...freshness].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  print(
    `snapshots ${String(received).padStart(4)} | pods ${count("pods")} nodes ${count("nodes")} ` +
      `deployments ${count("deployments")} events ${count("events")} | push latency ${
        latest.receivedAt - fetchedAt
      } ms` +
      ` | freshness last ${freshness.at(-1) ?? "-"} ms, p50 ${p50} ms`,
  );
}

async function scriptedCommands(
  server: Awaited<ReturnType<typeof startFakeApiServer>>,
  master: ReturnType<typeof startFakeMaster>,
): Promise<void> {
  const deployment = server.list("deployments")[0];
  const namespace = deployment.metadata?.namespace ?? "default";
  const name = deployment.metadata?.name ?? "";
  const scaleId = master.enqueue({
    action: "scale",
    kind: "Deployment",
    namespace,
    name,
    params: { replicas: 5 },
    source: "web",
  });
  const scale = await master.waitForResult(scaleId, { timeoutMs: 30_000 });
  const after = server.get<KubeObject & { spec?: { replicas?: number } }>(
    "apps/v1",
    "deployments",
    namespace,
    name,
  );
  print(
    `scale ${namespace}/${name} to 5: success=${scale.result.success} ${
      scale.result.error ?? ""
    }, spec.replicas is now ${after?.spec?.replicas}`,
  );
  const pod = server.list("pods")[0];
  const logsId = master.enqueue({
    action: "get_logs",
    kind: "Pod",
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    params: { tailLines: 3 },
    source: "web",
  });
  const logs = await master.waitForResult(logsId, { timeoutMs: 30_000 });
  print(`get_logs ${pod.metadata?.namespace}/${pod.metadata?.name} (tail 3): success=${logs.result.success}`);
  for (const line of String(logs.result.output ?? logs.result.error ?? "").trimEnd().split("\n")) {
    print(`  | ${line}`);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

if (import.meta.main) {
  await runDemo(parseArgs(Deno.args));
  Deno.exit(0);
}
