/**
 * Memory and build time of the running agent, as shipped: the fake API server with the simulator in its own
 * process (pods N, nodes N/30, proportional other kinds, pod and node metrics served and refreshed, churn that
 * includes kubelet status updates, controller status and events), the agent in its own process with exactly the
 * flags of `deno task start` (its V8 flags included), and a fake Master that decodes every push.
 *
 * Per round it samples the agent's RSS every second from /proc for the whole window, and reads the build-and-gzip
 * time from the agent's own `/metrics` (first build, and the mean of the builds after it). Figures are medians
 * over the rounds.
 *
 * ```sh
 * deno run -A tests/bench/agent_memory.ts [--pods 1000,10000] [--window-s 300] [--rounds 5]
 *   [--v8-flags "--max-semi-space-size=2"] [--out results/agent_memory.json]
 * ```
 *
 * @module
 */

import { startEnv, startFlags } from "../../deploy/compile.ts";
import { startFakeMaster } from "../support/fake_master.ts";
import {
  finishProvenance,
  freePort,
  MEDIAN_MIN_ROUNDS,
  metricValue,
  provenanceLine,
  sleep,
  spawnChild,
  startProvenance,
} from "./_common.ts";

const USAGE = `Usage: deno run -A tests/bench/agent_memory.ts [options]

  --pods LIST        pod counts, comma separated (default 1000,10000)
  --window-s N       seconds to sample each agent after its first push (default 300)
  --rounds N         rounds per pod count; figures are medians (default 5)
  --v8-flags FLAGS   replace the start task's --v8-flags (to compare settings)
  --out PATH         write the JSON results there (default: print only)
  --quick            1,000 pods, one 30 s round (also set by BENCH_QUICK=1); its figures are labelled as one
                     round, not medians
  --help             this text`;

/** One round's figures. */
export interface MemoryRound {
  firstPushMs: number;
  /** Median RSS over the second half of the window. */
  steadyRssBytes: number;
  /** VmHWM at the end of the window: the peak since start. */
  peakRssBytes: number;
  firstBuildMs: number;
  warmBuildMsMean: number;
  builds: number;
  gzipBytes: number;
  rawBytes: number;
  heapUsedBytes: number;
}

/** Medians over rounds for one pod count. */
export interface MemoryScenario {
  pods: number;
  rounds: MemoryRound[];
  median: MemoryRound;
  v8Flags: string;
  windowS: number;
}

const MAIN = new URL("../../agent/main.ts", import.meta.url).pathname;
const APISERVER = new URL("./apiserver_process.ts", import.meta.url).pathname;

async function status(pid: number): Promise<{ rss: number; hwm: number }> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (key: string) => Number(text.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function scrape(port: number): Promise<string> {
  return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** Runs one round: fresh API server, fresh agent. */
export async function memoryRound(
  pods: number,
  windowS: number,
  v8Flags: string | undefined,
): Promise<MemoryRound> {
  const dir = await Deno.makeTempDir({ prefix: "atlhyper-mem-" });
  const kubeconfig = `${dir}/kubeconfig`;
  const simulate = `pods=${pods},nodes=${Math.ceil(pods / 30)},churn=${Math.ceil(pods / 100)},seed=1`;
  const api = await spawnChild(["run", "-A", APISERVER, "--simulate", simulate, "--kubeconfig", kubeconfig], {
    timeoutMs: 600_000,
  });
  const master = startFakeMaster();
  // Keep only the latest snapshot: the harness must not grow with the agent's pushes.
  const trim = setInterval(() => master.snapshots.splice(0, Math.max(0, master.snapshots.length - 1)), 1_000);
  try {
    const healthPort = freePort();
    let flags = await startFlags();
    if (v8Flags !== undefined) {
      flags = [
        ...flags.filter((f) => !f.startsWith("--v8-flags")),
        ...(v8Flags ? [`--v8-flags=${v8Flags}`] : []),
      ];
    }
    const started = Date.now();
    const agent = await spawnChild(["run", ...flags, MAIN], {
      env: {
        // The start task's memory tunables, exactly as shipped (the Dockerfile's ENV, the Deployment's env).
        ...await startEnv(),
        AGENT_KUBECONFIG: kubeconfig,
        AGENT_MASTER_URL: master.url,
        AGENT_CLUSTER_ID: "bench",
        AGENT_HEALTH_ADDR: `127.0.0.1:${healthPort}`,
        AGENT_LOG_FORMAT: "json",
        AGENT_LOG_LEVEL: "warning",
      },
      waitListening: false,
    });
    try {
      await master.waitFor(() => master.snapshots.length > 0, { timeoutMs: 300_000 });
      const firstPushMs = Date.now() - started;
      const m0 = await scrape(healthPort);
      const firstBuildS = metricValue(m0, "atlhyper_agent_snapshot_build_seconds_sum") ?? NaN;
      const count0 = metricValue(m0, "atlhyper_agent_snapshot_build_seconds_count") ?? NaN;
      const rss: number[] = [];
      const until = Date.now() + windowS * 1000;
      while (Date.now() < until) {
        rss.push((await status(agent.pid)).rss);
        await sleep(1_000);
      }
      const end = await status(agent.pid);
      const m1 = await scrape(healthPort);
      const sum1 = metricValue(m1, "atlhyper_agent_snapshot_build_seconds_sum") ?? NaN;
      const count1 = metricValue(m1, "atlhyper_agent_snapshot_build_seconds_count") ?? NaN;
      const builds = count1 - count0;
      return {
        firstPushMs,
        steadyRssBytes: median(rss.slice(Math.floor(rss.length / 2))),
        peakRssBytes: end.hwm,
        // The first scrape follows the first push: its sum is the first build (or the first few, if pushes raced).
        firstBuildMs: (firstBuildS / Math.max(1, count0)) * 1000,
        warmBuildMsMean: builds > 0 ? ((sum1 - firstBuildS) / builds) * 1000 : NaN,
        builds,
        gzipBytes: metricValue(m1, "atlhyper_agent_snapshot_gzip_bytes") ?? NaN,
        rawBytes: metricValue(m1, "atlhyper_agent_snapshot_raw_bytes") ?? NaN,
        heapUsedBytes: metricValue(m1, "nodejs_heap_size_used_bytes") ?? NaN,
      };
    } finally {
      await agent.stop();
    }
  } finally {
    clearInterval(trim);
    await master.close();
    await api.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function medianRound(rounds: MemoryRound[]): MemoryRound {
  const keys = Object.keys(rounds[0]) as (keyof MemoryRound)[];
  const out = {} as MemoryRound;
  for (const key of keys) out[key] = median(rounds.map((r) => r[key]));
  return out;
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/** A Markdown table of the scenarios. */
export function memoryTable(scenarios: MemoryScenario[]): string {
  const lines = [
    "| pods | rounds | steady RSS | peak RSS (VmHWM) | first push | first build + gzip | warm build + gzip (mean) | gzip body | raw JSON |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const s of scenarios) {
    const m = s.median;
    // A median needs at least MEDIAN_MIN_ROUNDS rounds; fewer are labelled for what they are.
    const rounds = s.rounds.length === 1
      ? "1 × " + s.windowS + " s (one round, not a median)"
      : s.rounds.length < MEDIAN_MIN_ROUNDS
      ? `${s.rounds.length} × ${s.windowS} s (median of ${s.rounds.length} < ${MEDIAN_MIN_ROUNDS}: indicative)`
      : `${s.rounds.length} × ${s.windowS} s`;
    lines.push(
      `| ${s.pods.toLocaleString("en-US")} | ${rounds} | ${mib(m.steadyRssBytes)} | ${
        mib(m.peakRssBytes)
      } | ${(m.firstPushMs / 1000).toFixed(1)} s | ${m.firstBuildMs.toFixed(0)} ms | ${
        m.warmBuildMsMean.toFixed(0)
      } ms (${m.builds} builds) | ${mib(m.gzipBytes)} | ${mib(m.rawBytes)} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const args = Deno.args;
  const value = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes("--help")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const quick = Deno.env.get("BENCH_QUICK") === "1" || args.includes("--quick");
  const pods = (value("--pods") ?? (quick ? "1000" : "1000,10000")).split(",").map(Number);
  const windowS = Number(value("--window-s") ?? (quick ? 30 : 300));
  const roundCount = Number(value("--rounds") ?? (quick ? 1 : 5));
  const v8Flags = value("--v8-flags");
  const out = value("--out");
  const machine = await startProvenance();
  const scenarios: MemoryScenario[] = [];
  for (const n of pods) {
    const rounds: MemoryRound[] = [];
    for (let r = 0; r < roundCount; r++) {
      console.error(`[${n} pods] round ${r + 1}/${roundCount}`);
      rounds.push(await memoryRound(n, windowS, v8Flags));
      console.error(JSON.stringify(rounds.at(-1)));
    }
    const flags = v8Flags ?? (await startFlags()).find((f) => f.startsWith("--v8-flags="))?.slice(11) ?? "";
    scenarios.push({ pods: n, rounds, median: medianRound(rounds), v8Flags: flags, windowS });
  }
  const date = new Date().toISOString();
  const provenance = await finishProvenance(machine);
  const table = `${provenanceLine(provenance, date)}\n\n${memoryTable(scenarios)}\n`;
  console.log(table);
  if (out) {
    if (out.includes("/")) await Deno.mkdir(out.slice(0, out.lastIndexOf("/")) || "/", { recursive: true });
    await Deno.writeTextFile(out, JSON.stringify({ date, machine: provenance, scenarios }, null, 2));
    await Deno.writeTextFile(out.replace(/\.json$/, "") + ".md", table);
  }
}
