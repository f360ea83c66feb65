/**
 * Scale-scenario harness: the fake API server with the simulator (its own process, `apiserver_process.ts`), the
 * agent (its own process, the flags of `deno task start`), and the fake Master in this process (so freshness is
 * detected on every received snapshot without re-serialising it; only the latest snapshot is kept).
 *
 * Per scenario (pods N, nodes N/30, the simulator's proportional deployments, 3 ReplicaSets per deployment,
 * services, configmaps and events, pod and node metrics; churn 1 % of pods per minute with the kubelet,
 * controller, event, node-heartbeat and metrics-window writes that come with it) it measures our agent, the Go
 * agent's polling design (`polling_baseline.ts`, metrics-server included) and `@kubernetes/client-node`'s informer
 * (`client_node_baseline.ts`), merges the micro-benchmark figures of `memory.ts` (`micro.json`) and writes
 * `latest.json` and `latest.md` in the results directory (`tests/bench/results/`; `--quick`:
 * `tests/bench/results/quick/`, untracked; or `--out DIR`).
 *
 * Honesty rules: per-minute rates come from windows of at least 60 s that contain a metrics-server poll of the
 * measured process (else they are reported as n/a); p50 needs 5 samples and p95 needs 20 (else n/a).
 *
 * ```sh
 * deno run -A tests/bench/harness.ts [--quick] [--pods 1000,10000] [--window-s 60] [--out DIR] [--help]
 * ```
 *
 * @module
 */

import { startEnv, startFlags } from "../../deploy/compile.ts";
import { startFakeMaster } from "../support/fake_master.ts";
import {
  argValue,
  type Child,
  finishProvenance,
  freePort,
  type Latency,
  latency,
  MEDIAN_MIN_ROUNDS,
  metricValue,
  perMinute,
  procCpuSeconds,
  procRss,
  type Provenance,
  provenanceLine,
  RATE_MIN_WINDOW_S,
  resultsDir,
  sleep,
  spawnChild,
  startProvenance,
} from "./_common.ts";
import type { ProbeResult } from "./client_node_baseline.ts";
import type { MicroResults } from "./memory.ts";

const HERE = new URL("./", import.meta.url);
const path = (name: string) => new URL(name, HERE).pathname;
const MAIN = new URL("../../agent/main.ts", import.meta.url).pathname;

/** Steady-state figures of one process over one window. */
export interface SteadyState {
  windowS: number;
  cpuPercent: number;
  /** API-server response bytes in the window, metrics-server's included. */
  apiBytes: number;
  /** Of {@linkcode apiBytes}, `metrics.k8s.io` responses. */
  metricsBytes: number;
  apiRequests: number;
  /** `metrics.k8s.io` requests in the window (a rate needs at least one pod-metrics poll). */
  metricsRequests: number;
  /** Per-minute rates; absent when the window is under 60 s or saw no pod-metrics poll. */
  apiBytesPerMin?: number;
  metricsBytesPerMin?: number;
  apiRequestsPerMin?: number;
  /** Why the rates are absent, if they are. */
  rateInvalid?: string;
  snapshotsPushed: number;
}

/** Results of one scenario. */
export interface ScenarioResult {
  pods: number;
  objects?: number;
  error?: string;
  ours?: {
    firstSnapshotMs: number;
    firstSnapshotPods: number;
    rssBytes: number;
    heapUsedBytes: number;
    heapPerPodBytes: number;
    buildMsMean?: number;
    snapshotRawBytes?: number;
    snapshotGzipBytes?: number;
    steady: SteadyState;
    freshness: Latency;
    commands: { scale: Latency; getLogs: Latency };
  };
  polling?: {
    firstSnapshotMs: number;
    steady: SteadyState;
    freshness: Latency;
    rssBytes: number;
    log: string;
  };
  probes?: { ours?: ProbeResult; clientNode?: ProbeResult };
  notes: string[];
}

/** The whole results file. */
export interface BenchResults {
  date: string;
  quick: boolean;
  /** Commit, machine and load average at start and end. */
  machine: Provenance;
  /** What the simulated cluster and the agent ran with. */
  load: { churnPercentPerMin: number; metricsIntervalS: number; windowS: number };
  micro?: MicroResults;
  scenarios: ScenarioResult[];
}

interface SnapshotBody {
  pods?: unknown[];
  configMaps?: { name?: string; namespace?: string }[];
}

/** A fake Master that keeps only its latest snapshot and counts the rest. */
function benchMaster() {
  const master = startFakeMaster();
  let trimmed = 0;
  const timer = setInterval(() => {
    const extra = master.snapshots.length - 1;
    if (extra > 0) {
      master.snapshots.splice(0, extra);
      trimmed += extra;
    }
  }, 500);
  return {
    master,
    total: () => trimmed + master.snapshots.length,
    latest: () => master.snapshots.at(-1),
    async close() {
      clearInterval(timer);
      await master.close();
    },
  };
}
type BenchMaster = ReturnType<typeof benchMaster>;

function hasMarker(master: BenchMaster, name: string): boolean {
  const body = master.latest()?.snapshot as SnapshotBody | undefined;
  return body?.configMaps?.some((c) => c.name === name && c.namespace === "default") ?? false;
}

async function control(url: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined && !path.startsWith("/reset") && !path.startsWith("/remove") ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return await response.json();
}

interface Stats {
  requests: number;
  bytes: number;
  byPath: Record<string, { requests: number; bytes: number }>;
  at: number;
}

const FRESHNESS_SLICE_MS = 2_000;
const METRICS_PREFIX = "/apis/metrics.k8s.io/";
const POD_METRICS = "/apis/metrics.k8s.io/v1beta1/pods";

/** Measures one freshness sample: apply a marker ConfigMap, wait until the Master's latest snapshot has it. */
async function freshnessSample(controlUrl: string, master: BenchMaster, name: string, timeoutMs: number) {
  const changedAt = Date.now();
  await control(controlUrl, "/apply", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default" },
    data: { at: String(changedAt) },
  });
  try {
    await master.master.waitFor(() => hasMarker(master, name), { timeoutMs });
    return Date.now() - changedAt;
  } catch {
    return undefined;
  } finally {
    await control(controlUrl, `/remove?apiVersion=v1&resource=configmaps&namespace=default&name=${name}`);
  }
}

async function steadyWindow(
  child: Child,
  controlUrl: string,
  master: BenchMaster,
  windowS: number,
  during?: () => Promise<void>,
): Promise<SteadyState> {
  await control(controlUrl, "/reset");
  const pushed0 = master.total();
  const cpu0 = await procCpuSeconds(child.pid);
  const t0 = performance.now();
  await Promise.all([sleep(windowS * 1000), during?.()]);
  const cpu1 = await procCpuSeconds(child.pid);
  const seconds = (performance.now() - t0) / 1000;
  const stats = await control(controlUrl, "/stats") as Stats;
  let metricsBytes = 0;
  let metricsRequests = 0;
  let podMetricsPolls = 0;
  for (const [path, counters] of Object.entries(stats.byPath ?? {})) {
    if (!path.startsWith(METRICS_PREFIX)) continue;
    metricsBytes += counters.bytes;
    metricsRequests += counters.requests;
    if (path === POD_METRICS) podMetricsPolls += counters.requests;
  }
  const rateInvalid = seconds < RATE_MIN_WINDOW_S
    ? `window ${seconds.toFixed(0)} s < ${RATE_MIN_WINDOW_S} s`
    : podMetricsPolls === 0
    ? "no pod-metrics poll in the window"
    : undefined;
  const rate = (n: number) => rateInvalid ? undefined : perMinute(n, seconds);
  return {
    windowS: seconds,
    cpuPercent: ((cpu1 - cpu0) / seconds) * 100,
    apiBytes: stats.bytes,
    metricsBytes,
    apiRequests: stats.requests,
    metricsRequests,
    apiBytesPerMin: rate(stats.bytes),
    metricsBytesPerMin: rate(metricsBytes),
    apiRequestsPerMin: rate(stats.requests),
    rateInvalid,
    snapshotsPushed: master.total() - pushed0,
  };
}

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  return await response.text();
}

async function runProbe(
  impl: string,
  kubeconfig: string,
  controlUrl: string,
  burst: number,
): Promise<ProbeResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      path("client_node_baseline.ts"),
      "--impl",
      impl,
      "--kubeconfig",
      kubeconfig,
      "--control",
      controlUrl,
      "--burst",
      String(burst),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const line = text.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`probe ${impl} failed: ${text}\n${new TextDecoder().decode(output.stderr)}`);
  return JSON.parse(line.slice("RESULT ".length)) as ProbeResult;
}

interface ScenarioOptions {
  pods: number;
  windowS: number;
  metricsIntervalS: number;
  freshnessSamples: number;
  commandSamples: number;
  probes: boolean;
  burst: number;
}

async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { pods } = options;
  const result: ScenarioResult = { pods, notes: [] };
  const dir = await Deno.makeTempDir({ prefix: "atlhyper-bench-" });
  const kubeconfig = `${dir}/kubeconfig`;
  // The realistic mix: churn (1 % of pods a minute) brings kubelet/controller status and events; node heartbeats
  // every 5 min and a new metrics-server window every 15 s are the simulator's live defaults.
  const simulate = `pods=${pods},nodes=${Math.ceil(pods / 30)},churn=${Math.ceil(pods / 100)},seed=1`;
  const log = (message: string) => console.error(`[${pods} pods] ${message}`);
  log(`starting fake API server (${simulate})`);
  const api = await spawnChild(
    ["run", "-A", path("apiserver_process.ts"), "--simulate", simulate, "--kubeconfig", kubeconfig],
    { timeoutMs: 300_000 },
  );
  const [, controlUrl] = api.line.split(" control ");
  const master = benchMaster();
  const children: Child[] = [api];
  try {
    // --- our agent ---
    const healthPort = freePort();
    const env = {
      AGENT_KUBECONFIG: kubeconfig,
      AGENT_MASTER_URL: master.master.url,
      AGENT_CLUSTER_ID: "bench",
      AGENT_HEALTH_ADDR: `127.0.0.1:${healthPort}`,
      AGENT_LOG_FORMAT: "json",
      AGENT_LOG_LEVEL: "warning",
      AGENT_METRICS_INTERVAL: `${options.metricsIntervalS}s`,
    };
    log("starting agent");
    const startedAt = Date.now();
    const agent = await spawnChild(["run", ...await startFlags(), MAIN], {
      env: { ...await startEnv(), ...env },
      waitListening: false,
    });
    children.push(agent);
    await master.master.waitFor(() => master.total() > 0, { timeoutMs: 180_000 }).catch((error) => {
      throw new Error(`no snapshot from the agent: ${error.message}\n${agent.output().slice(-3_000)}`);
    });
    const first = master.latest();
    const firstSnapshotMs = (first?.receivedAt ?? Date.now()) - startedAt;
    const firstSnapshotPods = ((first?.snapshot as SnapshotBody | undefined)?.pods ?? []).length;
    log(`first snapshot after ${firstSnapshotMs} ms (${firstSnapshotPods} pods)`);
    await sleep(3_000);
    const m0 = await scrape(healthPort);
    const heapUsed = metricValue(m0, "nodejs_heap_size_used_bytes") ?? NaN;
    const rss = await procRss(agent.pid);
    log(`steady state ${options.windowS} s`);
    const steady = await steadyWindow(agent, controlUrl, master, options.windowS);
    const m1 = await scrape(healthPort);
    const buildSum = (metricValue(m1, "atlhyper_agent_snapshot_build_seconds_sum") ?? 0) -
      (metricValue(m0, "atlhyper_agent_snapshot_build_seconds_sum") ?? 0);
    const buildCount = (metricValue(m1, "atlhyper_agent_snapshot_build_seconds_count") ?? 0) -
      (metricValue(m0, "atlhyper_agent_snapshot_build_seconds_count") ?? 0);
    const buildAll = (metricValue(m1, "atlhyper_agent_snapshot_build_seconds_sum") ?? NaN) /
      (metricValue(m1, "atlhyper_agent_snapshot_build_seconds_count") ?? NaN);
    log("freshness");
    // One marker at a random time in each 2 s slice, waits overlapping: samples fall at every phase of the push
    // beat. (Applying the next marker right after the previous one showed up locked every sample to the beat.)
    const fresh = await Promise.all(
      Array.from({ length: options.freshnessSamples }, async (_, i) => {
        await sleep((i + Math.random()) * FRESHNESS_SLICE_MS);
        return await freshnessSample(controlUrl, master, `bench-marker-${i}`, 30_000);
      }),
    );
    log("commands");
    const pick = await control(controlUrl, "/pick") as {
      deployment: { namespace: string; name: string; replicas: number };
      pod: { namespace: string; name: string; container: string };
    };
    const roundTrip = async (command: Parameters<typeof master.master.enqueue>[0]) => {
      const sent = Date.now();
      const id = master.master.enqueue(command);
      try {
        const recorded = await master.master.waitForResult(id, { timeoutMs: 30_000 });
        if (recorded.result.success !== true) {
          result.notes.push(`${command.action} failed: ${recorded.result.error}`);
        }
        return recorded.receivedAt - sent;
      } catch {
        return undefined;
      }
    };
    const scale: (number | undefined)[] = [];
    const logs: (number | undefined)[] = [];
    for (let i = 0; i < options.commandSamples; i++) {
      scale.push(
        await roundTrip({
          action: "scale",
          kind: "Deployment",
          namespace: pick.deployment.namespace,
          name: pick.deployment.name,
          params: { replicas: pick.deployment.replicas + (i % 2) },
        }),
      );
      logs.push(
        await roundTrip({
          action: "get_logs",
          kind: "Pod",
          namespace: pick.pod.namespace,
          name: pick.pod.name,
          params: { container: pick.pod.container, tailLines: 50 },
        }),
      );
    }
    result.ours = {
      firstSnapshotMs,
      firstSnapshotPods,
      rssBytes: rss,
      heapUsedBytes: heapUsed,
      heapPerPodBytes: heapUsed / pods,
      buildMsMean: buildCount > 0 ? (buildSum / buildCount) * 1000 : buildAll * 1000,
      snapshotRawBytes: metricValue(m1, "atlhyper_agent_snapshot_raw_bytes"),
      snapshotGzipBytes: metricValue(m1, "atlhyper_agent_snapshot_gzip_bytes"),
      steady,
      freshness: latency(fresh),
      commands: { scale: latency(scale), getLogs: latency(logs) },
    };
    await agent.stop();

    // --- the Go agent's polling design ---
    log("polling baseline");
    const before = master.total();
    const pollStarted = Date.now();
    const polling = await spawnChild(["run", "-A", path("polling_baseline.ts")], { env });
    children.push(polling);
    await master.master.waitFor(() => master.total() > before, { timeoutMs: 180_000 });
    const pollFirst = (master.latest()?.receivedAt ?? Date.now()) - pollStarted;
    const pollWindow = options.windowS;
    const pollFresh: (number | undefined)[] = [];
    const markers = Math.max(2, Math.floor(pollWindow / 8));
    const pollSteady = await steadyWindow(polling, controlUrl, master, pollWindow, async () => {
      const waits: Promise<void>[] = [];
      for (let i = 0; i < markers; i++) {
        await sleep(1_000 + Math.random() * 4_000);
        waits.push(
          freshnessSample(controlUrl, master, `poll-marker-${i}`, 25_000).then((ms) =>
            void pollFresh.push(ms)
          ),
        );
      }
      await Promise.all(waits);
    });
    const pollRss = await procRss(polling.pid);
    await polling.stop();
    result.polling = {
      firstSnapshotMs: pollFirst,
      steady: pollSteady,
      freshness: latency(pollFresh),
      rssBytes: pollRss,
      log: polling.output().trim().split("\n").slice(-3).join(" | "),
    };
    if (pollSteady.windowS > pollWindow + 5) result.notes.push("polling window overran (marker waits)");

    // --- informer probes: ours vs @kubernetes/client-node ---
    if (options.probes) {
      log("informer probes");
      result.probes = {};
      result.probes.ours = await runProbe("ours", kubeconfig, controlUrl, options.burst);
      result.probes.clientNode = await runProbe("client-node", kubeconfig, controlUrl, options.burst);
    }
  } catch (error) {
    result.error = (error as Error).message;
    log(`FAILED: ${result.error}`);
  } finally {
    for (const child of children.reverse()) await child.stop();
    await master.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return result;
}

// ---------- formatting ----------

const f = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? "n/a"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const kib = (n: number | undefined) => n === undefined ? "n/a" : `${f(n / 1024, 2)} KiB`;
const mib = (n: number | undefined) => n === undefined ? "n/a" : `${f(n / 1048576, 1)} MiB`;
const ms = (n: number | undefined) => n === undefined ? "n/a" : `${f(n)} ms`;
const ratio = (ours: number | undefined, base: number | undefined) =>
  ours === undefined || base === undefined || !Number.isFinite(ours / base) || base === 0
    ? "n/a"
    : `${f(ours / base, ours / base < 0.1 ? 4 : 2)}×`;
// A median is only a median from MEDIAN_MIN_ROUNDS rounds; older results files do not say how many.
const rounds = (n: number | undefined) =>
  n === undefined
    ? "rounds not recorded"
    : n >= MEDIAN_MIN_ROUNDS
    ? `median of ${n}`
    : `median of only ${n} (indicative)`;
const fewer = (ours: number | undefined, base: number | undefined) =>
  ours === undefined || base === undefined || ours <= 0
    ? "n/a"
    : `${f(base / ours, base / ours < 10 ? 1 : 0)}×`;
const lat = (l: Latency | undefined) => {
  if (!l) return "n/a";
  const n = `n=${l.samples}${l.failed ? `, ${l.failed} timed out` : ""}`;
  if (l.p50 === undefined) return `${ms(l.min)}–${ms(l.max)} (${n}; too few for a median)`;
  return `p50 ${ms(l.p50)}, ${l.p95 === undefined ? "p95 n/a (n < 20)" : `p95 ${ms(l.p95)}`}, max ${
    ms(l.max)
  } (${n})`;
};
const rate = (s: SteadyState | undefined, value: number | undefined, format: (n: number) => string) =>
  !s ? "n/a" : value === undefined ? `n/a (${s.rateInvalid ?? "no rate"})` : format(value);

/** Renders the results as markdown. */
export function toMarkdown(results: BenchResults): string {
  const lines: string[] = [
    `# atlhyper-agent benchmarks${results.quick ? " (--quick)" : ""}`,
    "",
    provenanceLine(results.machine, results.date),
    "",
    `Load: the simulator's churn of ${results.load.churnPercentPerMin} % of pods per minute with its kubelet, ` +
    `controller and event writes, node heartbeats every 5 min and a new metrics-server window every 15 s; the ` +
    `agent polls metrics every ${results.load.metricsIntervalS} s; steady-state windows of ${results.load.windowS} s.`,
    "",
  ];
  const micro = results.micro;
  if (micro) {
    const s10 = micro.snapshots.find((s) => s.pods === 10_000);
    lines.push(
      "## Micro-benchmarks (agent side, one process)",
      "",
      micro.machine
        ? provenanceLine(micro.machine, "")
        : "(micro.json records no commit or load: an old run)",
      "",
      "| what | measured | target (10,000 pods) |",
      "|---|---|---|",
      `| JS heap per cached pod: raw parsed / stripObject / pod converter (${micro.heapPerPod.pods} pods${
        micro.heapPerPod.gcExposed ? "" : ", gc NOT exposed"
      }) | ${kib(micro.heapPerPod.rawBytes)} / ${kib(micro.heapPerPod.strippedBytes)} / **${
        kib(micro.heapPerPod.convertedBytes)
      }** | ≤ 3 KB |`,
    );
    for (const s of micro.snapshots) {
      lines.push(
        `| snapshot ${f(s.pods)} pods (${f(s.objects)} objects): build+serialise (warm, 1% changed) + gzip, ${
          rounds(s.rounds)
        } | ${ms(s.warmBuildMsMedian)} + ${ms(s.gzipMsMedian)} = **${ms(s.totalMsMedian)}** (cold build ${
          ms(s.coldBuildMs)
        }); raw ${mib(s.rawBytes)}, gzip ${mib(s.gzipBytes)} | ${s === s10 ? "≤ 250 ms" : ""} |`,
      );
    }
    lines.push(
      `| MODIFIED pod events ingested (decode + converter + store), ${rounds(micro.ingest.rounds)} | **${
        f(micro.ingest.eventsPerSecondMedian)
      } events/s** (best ${f(micro.ingest.eventsPerSecondBest)}) | ≥ 30,000 /s per core |`,
      `| initial sync 10,000 pods, in-process fake (fake shares the thread): list+watch / streaming list, ${
        rounds(micro.initialSync10k.rounds)
      } | ${ms(micro.initialSync10k.listWatchMsMedian)} / ${
        ms(micro.initialSync10k.streamingMsMedian)
      } | ≤ 1.0 s |`,
      "",
    );
  }
  for (const s of results.scenarios) {
    lines.push(`## Scenario: ${f(s.pods)} pods (churn 1 %/min)`, "");
    if (s.error) lines.push(`**FAILED**: \`${s.error.split("\n")[0]}\``, "");
    const o = s.ours;
    const p = s.polling;
    if (o) {
      lines.push(
        "| metric | ours (watch agent) | Go-design polling baseline | ours / baseline |",
        "|---|---|---|---|",
        `| start → first accepted snapshot | ${ms(o.firstSnapshotMs)} (${f(o.firstSnapshotPods)} pods) | ${
          ms(p?.firstSnapshotMs)
        } | ${ratio(o.firstSnapshotMs, p?.firstSnapshotMs)} |`,
        `| RSS after sync | ${mib(o.rssBytes)} | ${mib(p?.rssBytes)} | ${ratio(o.rssBytes, p?.rssBytes)} |`,
        `| JS heap after sync (whole process) / per pod | ${mib(o.heapUsedBytes)} / ${
          kib(o.heapPerPodBytes)
        } | | |`,
        `| snapshot build + serialise (mean, /metrics) | ${ms(o.buildMsMean)} | | |`,
        `| snapshot raw / gzip bytes | ${mib(o.snapshotRawBytes)} / ${mib(o.snapshotGzipBytes)} | | |`,
        `| steady-state CPU (${f(o.steady.windowS)} s / ${f(p?.steady.windowS)} s window) | ${
          f(o.steady.cpuPercent, 1)
        } % | ${f(p?.steady.cpuPercent, 1)} % | ${ratio(o.steady.cpuPercent, p?.steady.cpuPercent)} |`,
        `| API-server bytes per minute, metrics-server included | ${
          rate(o.steady, o.steady.apiBytesPerMin, mib)
        } | ${rate(p?.steady, p?.steady.apiBytesPerMin, mib)} | ${
          ratio(o.steady.apiBytesPerMin, p?.steady.apiBytesPerMin)
        } (${fewer(o.steady.apiBytesPerMin, p?.steady.apiBytesPerMin)} fewer) |`,
        `| of which metrics.k8s.io (requests in the window) | ${
          rate(o.steady, o.steady.metricsBytesPerMin, mib)
        } (${o.steady.metricsRequests}) | ${rate(p?.steady, p?.steady.metricsBytesPerMin, mib)} (${
          p?.steady.metricsRequests ?? "n/a"
        }) | |`,
        `| API-server requests per minute | ${rate(o.steady, o.steady.apiRequestsPerMin, (n) => f(n, 1))} | ${
          rate(p?.steady, p?.steady.apiRequestsPerMin, (n) => f(n, 1))
        } | ${ratio(o.steady.apiRequestsPerMin, p?.steady.apiRequestsPerMin)} |`,
        `| snapshots pushed in the window | ${o.steady.snapshotsPushed} | ${
          p?.steady.snapshotsPushed ?? "n/a"
        } | |`,
        `| freshness (change → Master) | ${lat(o.freshness)} | ${lat(p?.freshness)} | ${
          o.freshness.p50 !== undefined && p?.freshness.p50 !== undefined
            ? `${ratio(o.freshness.p50, p.freshness.p50)} (p50)`
            : ""
        } |`,
        `| command round trip \`scale\` | ${lat(o.commands.scale)} | | |`,
        `| command round trip \`get_logs\` | ${lat(o.commands.getLogs)} | | |`,
        "",
      );
    }
    const a = s.probes?.ours;
    const b = s.probes?.clientNode;
    if (a || b) {
      lines.push(
        "Pod informer alone, separate process against the same fake, one run each (burst = pod updates applied by the fake):",
        "",
        "| metric | ours (Informer + pod converter) | @kubernetes/client-node makeInformer | ours / client-node |",
        "|---|---|---|---|",
        `| time to sync | ${ms(a?.syncMs)} | ${ms(b?.syncMs)} | ${ratio(a?.syncMs, b?.syncMs)} |`,
        `| JS heap per pod | ${kib(a?.heapPerPodBytes)} | ${kib(b?.heapPerPodBytes)} | ${
          ratio(a?.heapPerPodBytes, b?.heapPerPodBytes)
        } |`,
        `| RSS after sync | ${mib(a?.rssBytes)} | ${mib(b?.rssBytes)} | ${ratio(a?.rssBytes, b?.rssBytes)} |`,
        `| MODIFIED events/s end to end (burst ${f(a?.burst ?? b?.burst)}; bound by the fake) | ${
          f(a?.eventsPerSecond)
        } | ${f(b?.eventsPerSecond)} | ${ratio(a?.eventsPerSecond, b?.eventsPerSecond)} |`,
        "",
      );
    }
    if (p?.log) lines.push(`Polling baseline last cycles: \`${p.log}\``, "");
    for (const note of s.notes) lines.push(`- note: ${note}`);
    if (s.notes.length) lines.push("");
  }
  lines.push(
    "Notes: the fake Master runs inside the harness process (freshness is checked on every received snapshot);",
    "the fake API server and each agent/baseline run as separate processes. CPU % is user+system time of the",
    "measured process from /proc/<pid>/stat over the window (100 % = one core). API-server bytes are response",
    "body bytes counted by the fake (watch streams and metrics.k8s.io included). Per-minute rates come only from",
    "windows of at least 60 s that contain a pod-metrics poll of the measured process; p50 needs 5 samples and",
    "p95 needs 20. Heap per pod in scenarios is the whole process heap divided by pods (all 20 kinds and the",
    "runtime included), an upper bound; the micro figure isolates pods. Each scenario is one run: its single",
    "figures (first snapshot, RSS, CPU, bytes) are one measurement each, not medians.",
    "",
  );
  return lines.join("\n");
}

const USAGE = `Usage: deno run -A tests/bench/harness.ts [options]

Scale scenarios: the fake API server with the simulator (realistic churn, pod and node metrics), our agent, the
Go agent's polling design and @kubernetes/client-node's informer, each its own process.

  --pods LIST          pod counts, comma separated (default 1000,10000,50000; --quick 1000,10000)
  --window-s N         steady-state window per process in seconds (default 60; per-minute rates need >= 60)
  --metrics-interval-s N  the agent's AGENT_METRICS_INTERVAL (default 30, the agent's default)
  --out DIR            results directory (default tests/bench/results/; --quick: tests/bench/results/quick/)
  --quick              fewer scenarios and samples (p50 from 5 samples, no p95), same window
  --help               this text`;

/** Runs the scenarios and writes the results. */
export async function main(args: string[]): Promise<BenchResults> {
  const quick = args.includes("--quick");
  const pods = argValue(args, "--pods");
  const podCounts = pods ? pods.split(",").map(Number) : quick ? [1_000, 10_000] : [1_000, 10_000, 50_000];
  const windowS = Number(argValue(args, "--window-s") ?? 60);
  const metricsIntervalS = Number(argValue(args, "--metrics-interval-s") ?? 30);
  const dir = resultsDir(args, quick);
  const micro = await Deno.readTextFile(`${dir}micro.json`)
    .then((text) => JSON.parse(text) as MicroResults)
    .catch(() => undefined);
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick,
    machine: await startProvenance(),
    load: { churnPercentPerMin: 1, metricsIntervalS, windowS },
    micro,
    scenarios: [],
  };
  for (const n of podCounts) {
    results.scenarios.push(
      await runScenario({
        pods: n,
        windowS,
        metricsIntervalS,
        // p95 needs 20 samples; quick runs report p50 (5 samples) only.
        freshnessSamples: quick ? 5 : 20,
        commandSamples: quick ? 5 : 20,
        // The client-node comparison targets 10,000 pods; quick runs only do that one.
        probes: !quick || n === 10_000,
        burst: quick ? 2_000 : 5_000,
      }),
    );
  }
  results.machine = await finishProvenance(results.machine);
  const markdown = toMarkdown(results);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}latest.json`, JSON.stringify(results, null, 2) + "\n");
  await Deno.writeTextFile(`${dir}latest.md`, markdown);
  console.log(markdown);
  console.log(`results: ${dir}latest.json, ${dir}latest.md`);
  return results;
}

if (import.meta.main) {
  if (Deno.args.includes("--help")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  await main(Deno.args);
  Deno.exit(0);
}
