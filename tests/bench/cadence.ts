/**
 * Push cadence and freshness (issue 13): what the Master must process, and how soon it sees a change.
 *
 * Runs the fake API server with the simulator (its own process), the fake Master in this process, and in turn:
 * our agent in the default `interval` mode, our agent with `AGENT_PUSH_MODE=change`, and the Go agent's polling
 * design (`polling_baseline.ts`, a full LIST and push every interval). For each it measures over one window, under
 * the simulator's churn: pushes per minute and raw (decoded JSON) bytes per minute the Master must decode, and the
 * freshness of ordinary changes (marker ConfigMaps applied at random times, change → first snapshot showing it).
 * For the default mode it then sends `scale` commands at random times and measures the freshness of a command's
 * effect: the Master's receipt of the result → the first snapshot showing the new replicas (and enqueue → that
 * snapshot), with the pushes per minute that window cost.
 *
 * ```sh
 * deno run -A tests/bench/cadence.ts [--pods 500] [--churn 120] [--interval-s 10] [--window-s 60]
 *   [--samples 20] [--out tests/bench/results/cadence.json]
 * ```
 *
 * Writes JSON to `--out` and markdown next to it (`.md`); both paths are untracked by default.
 *
 * @module
 */

import { startEnv, startFlags } from "../../deploy/compile.ts";
import { startFakeMaster } from "../support/fake_master.ts";
import {
  type Child,
  finishProvenance,
  type Latency,
  latency,
  perMinute,
  type Provenance,
  provenanceLine,
  resultsDir,
  sleep,
  spawnChild,
  startProvenance,
} from "./_common.ts";

const HERE = new URL("./", import.meta.url);
const MAIN = new URL("../../agent/main.ts", import.meta.url).pathname;

const HELP = `Push cadence and freshness benchmark (issue 13).

Usage: deno run -A tests/bench/cadence.ts [options]

  --pods N          simulated pods (default 500; nodes N/30, proportional workloads)
  --churn N         simulated pod changes per minute (default 120)
  --interval-s N    AGENT_SNAPSHOT_INTERVAL and the baseline's period, seconds (default 10)
  --window-s N      measurement window per implementation, seconds (default 60; per-minute rates need >= 60)
  --samples N       marker changes per window and scale commands (default 20; p95 needs >= 20, p50 >= 5)
  --out PATH        JSON results (default tests/bench/results/cadence.json, untracked; --quick:
                    tests/bench/results/quick/cadence.json; markdown next to it)
  --quick           accepted for \`deno task bench --quick\`: only the default output path changes (windows stay
                    60 s because per-minute rates need a full minute)
  --help            this text`;

/** One implementation's window. */
export interface Window {
  label: string;
  windowS: number;
  pushes: number;
  /** Absent when the window was under 60 s. */
  pushesPerMin?: number;
  rawBytesPerMin?: number;
  rawBytesPerPush: number;
  /** Change → first snapshot at the Master that shows it. */
  changeFreshness: Latency;
}

/** The results file. */
export interface CadenceResults {
  date: string;
  /** Commit, machine and load average at start and end. */
  machine?: Provenance;
  options: { pods: number; churnPerMin: number; intervalS: number; windowS: number; samples: number };
  interval: Window;
  change: Window;
  goBaseline: Window;
  commands: {
    windowS: number;
    pushesPerMin?: number;
    /** Result at the Master → first snapshot showing the effect. */
    resultToEffect: Latency;
    /** Command enqueued at the Master → first snapshot showing the effect. */
    enqueueToEffect: Latency;
  };
}

interface Options {
  pods: number;
  churn: number;
  intervalS: number;
  windowS: number;
  samples: number;
  out: string;
}

function parseArgs(args: string[]): Options | undefined {
  const options: Options = {
    pods: 500,
    churn: 120,
    intervalS: 10,
    windowS: 60,
    samples: 20,
    out: `${resultsDir(args, args.includes("--quick"))}cadence.json`,
  };
  const numbers: Record<string, keyof Options> = {
    "--pods": "pods",
    "--churn": "churn",
    "--interval-s": "intervalS",
    "--window-s": "windowS",
    "--samples": "samples",
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return undefined;
    if (arg === "--out") options.out = args[++i];
    else if (numbers[arg]) {
      const value = Number(args[++i]);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${arg} needs a positive number`);
      (options[numbers[arg]] as number) = value;
    } else if (arg === "--quick") continue; // only the default output path (above)
    else throw new Error(`Unknown argument: ${arg}\n\n${HELP}`);
  }
  return options;
}

interface Seen {
  receivedAt: number;
  rawBytes: number;
}

/**
 * The fake Master plus a watcher that looks at every received snapshot once (its receive time is recorded by the
 * fake itself, so the 20 ms scan does not blur the timings) and then drops it to keep memory flat.
 */
function observedMaster() {
  const master = startFakeMaster();
  const seen: Seen[] = [];
  const watchers = new Set<(snapshot: Record<string, unknown>, receivedAt: number) => void>();
  const timer = setInterval(() => {
    for (const recorded of master.snapshots.splice(0)) {
      seen.push({ receivedAt: recorded.receivedAt, rawBytes: recorded.rawBytes });
      for (const watcher of watchers) watcher(recorded.snapshot, recorded.receivedAt);
    }
  }, 20);
  /** Resolves with the receive time of the first snapshot (after now) for which `test` holds. */
  const firstShowing = (test: (snapshot: Record<string, unknown>) => boolean, timeoutMs: number) =>
    new Promise<number | undefined>((resolve) => {
      const watcher = (snapshot: Record<string, unknown>, receivedAt: number) => {
        if (!test(snapshot)) return;
        done(receivedAt);
      };
      const timeout = setTimeout(() => done(undefined), timeoutMs);
      const done = (at: number | undefined) => {
        clearTimeout(timeout);
        watchers.delete(watcher);
        resolve(at);
      };
      watchers.add(watcher);
    });
  return {
    master,
    seen,
    firstShowing,
    async close() {
      clearInterval(timer);
      await master.close();
    },
  };
}
type ObservedMaster = ReturnType<typeof observedMaster>;

async function control(url: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined && path !== "/reset" && !path.startsWith("/remove") ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return await response.json();
}

function hasConfigMap(snapshot: Record<string, unknown>, name: string): boolean {
  const list = (snapshot.configMaps ?? []) as { name?: string; namespace?: string }[];
  return list.some((c) => c.name === name && c.namespace === "default");
}

/** One marker change: apply a ConfigMap, wait for the first snapshot that has it, remove it. */
async function marker(controlUrl: string, observed: ObservedMaster, name: string, timeoutMs: number) {
  const shown = observed.firstShowing((s) => hasConfigMap(s, name), timeoutMs);
  const changedAt = Date.now();
  await control(controlUrl, "/apply", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default" },
    data: { at: String(changedAt) },
  });
  const at = await shown;
  await control(controlUrl, `/remove?apiVersion=v1&resource=configmaps&namespace=default&name=${name}`);
  return at === undefined ? undefined : at - changedAt;
}

/** Measures one window: pushes and bytes the Master received, while `samples` markers change at random times. */
async function window(
  label: string,
  controlUrl: string,
  observed: ObservedMaster,
  options: Options,
): Promise<Window> {
  const startedAt = Date.now();
  const from = observed.seen.length;
  const spacingMs = (options.windowS * 1000) / options.samples;
  const waits: Promise<number | undefined>[] = [];
  for (let i = 0; i < options.samples; i++) {
    // One random time in each slice of the window, so the samples fall at every phase of the push schedule.
    await sleep(Math.max(0, startedAt + (i + Math.random()) * spacingMs - Date.now()));
    waits.push(marker(controlUrl, observed, `cadence-${label}-${i}`, options.intervalS * 3_000));
  }
  const remaining = startedAt + options.windowS * 1000 - Date.now();
  if (remaining > 0) await sleep(remaining);
  const windowMs = Date.now() - startedAt;
  const pushes = observed.seen.slice(from).filter((s) => s.receivedAt <= startedAt + windowMs);
  const rawBytes = pushes.reduce((sum, s) => sum + s.rawBytes, 0);
  const freshness = latency(await Promise.all(waits));
  return {
    label,
    windowS: windowMs / 1000,
    pushes: pushes.length,
    pushesPerMin: perMinute(pushes.length, windowMs / 1000),
    rawBytesPerMin: perMinute(rawBytes, windowMs / 1000),
    rawBytesPerPush: pushes.length ? rawBytes / pushes.length : 0,
    changeFreshness: freshness,
  };
}

function replicasOf(snapshot: Record<string, unknown>, namespace: string, name: string): number | undefined {
  const list = (snapshot.deployments ?? []) as {
    summary?: { namespace?: string; name?: string; replicas?: number };
  }[];
  return list.find((d) => d.summary?.namespace === namespace && d.summary?.name === name)?.summary?.replicas;
}

/** Scale commands at random times; the effect is the first snapshot showing the new replicas. */
async function commandWindow(controlUrl: string, observed: ObservedMaster, options: Options) {
  const pick = await control(controlUrl, "/pick") as {
    deployment: { namespace: string; name: string; replicas: number };
  };
  const { namespace, name, replicas } = pick.deployment;
  const startedAt = Date.now();
  const from = observed.seen.length;
  const resultToEffect: (number | undefined)[] = [];
  const enqueueToEffect: (number | undefined)[] = [];
  for (let i = 0; i < options.samples; i++) {
    // More than the 2 s follow-up gap apart, at a random phase of the beat.
    await sleep(2_500 + Math.random() * 1_500);
    const target = replicas + 1 + (i % 2);
    const shown = observed.firstShowing(
      (s) => replicasOf(s, namespace, name) === target,
      options.intervalS * 3_000,
    );
    const enqueuedAt = Date.now();
    const id = observed.master.enqueue({
      action: "scale",
      kind: "Deployment",
      namespace,
      name,
      params: { replicas: target },
    });
    const [recorded, effectAt] = await Promise.all([
      observed.master.waitForResult(id, { timeoutMs: 30_000 }).catch(() => undefined),
      shown,
    ]);
    if (recorded?.result.success !== true) {
      throw new Error(`scale failed: ${recorded?.result.error ?? "no result"}`);
    }
    resultToEffect.push(effectAt === undefined ? undefined : effectAt - recorded.receivedAt);
    enqueueToEffect.push(effectAt === undefined ? undefined : effectAt - enqueuedAt);
  }
  const windowMs = Date.now() - startedAt;
  const pushes = observed.seen.slice(from).filter((s) => s.receivedAt <= startedAt + windowMs).length;
  return {
    windowS: windowMs / 1000,
    pushesPerMin: perMinute(pushes, windowMs / 1000),
    resultToEffect: latency(resultToEffect),
    enqueueToEffect: latency(enqueueToEffect),
  };
}

async function startOurs(env: Record<string, string>, observed: ObservedMaster): Promise<Child> {
  const agent = await spawnChild(["run", ...await startFlags(), MAIN], {
    env: { ...await startEnv(), ...env },
    waitListening: false,
  });
  const first = observed.seen.length;
  for (let waited = 0; observed.seen.length === first; waited += 100) {
    if (waited > 180_000) throw new Error(`no snapshot from the agent\n${agent.output().slice(-3_000)}`);
    await sleep(100);
  }
  return agent;
}

/** Runs the three windows and the command window; writes the results. */
export async function main(args: string[]): Promise<CadenceResults | undefined> {
  const options = parseArgs(args);
  if (!options) {
    console.log(HELP);
    return undefined;
  }
  const log = (message: string) => console.error(`[cadence] ${message}`);
  const machine = await startProvenance();
  const dir = await Deno.makeTempDir({ prefix: "atlhyper-cadence-" });
  const kubeconfig = `${dir}/kubeconfig`;
  const simulate = `pods=${options.pods},nodes=${
    Math.ceil(options.pods / 30)
  },churn=${options.churn},seed=13`;
  log(`fake API server (${simulate})`);
  const api = await spawnChild(
    [
      "run",
      "-A",
      new URL("apiserver_process.ts", HERE).pathname,
      "--simulate",
      simulate,
      "--kubeconfig",
      kubeconfig,
    ],
    { timeoutMs: 300_000 },
  );
  const [, controlUrl] = api.line.split(" control ");
  const observed = observedMaster();
  const env = {
    AGENT_KUBECONFIG: kubeconfig,
    AGENT_MASTER_URL: observed.master.url,
    AGENT_CLUSTER_ID: "bench",
    AGENT_HEALTH_ADDR: "",
    AGENT_LOG_LEVEL: "warning",
    AGENT_SNAPSHOT_INTERVAL: `${options.intervalS}s`,
  };
  const children: Child[] = [api];
  try {
    log("ours, AGENT_PUSH_MODE=interval (default)");
    let agent = await startOurs(env, observed);
    children.push(agent);
    const interval = await window("interval", controlUrl, observed, options);
    log(`  ${interval.pushes} pushes; scale commands`);
    const commands = await commandWindow(controlUrl, observed, options);
    await agent.stop();

    log("ours, AGENT_PUSH_MODE=change");
    agent = await startOurs({ ...env, AGENT_PUSH_MODE: "change" }, observed);
    children.push(agent);
    const change = await window("change", controlUrl, observed, options);
    await agent.stop();

    log("Go-design polling baseline");
    const polling = await spawnChild(
      [
        "run",
        "-A",
        new URL("polling_baseline.ts", HERE).pathname,
        "--interval-ms",
        String(options.intervalS * 1000),
      ],
      { env },
    );
    children.push(polling);
    const before = observed.seen.length;
    while (observed.seen.length === before) await sleep(100);
    const goBaseline = await window("go", controlUrl, observed, options);
    await polling.stop();

    const results: CadenceResults = {
      date: new Date().toISOString(),
      machine: await finishProvenance(machine),
      options: {
        pods: options.pods,
        churnPerMin: options.churn,
        intervalS: options.intervalS,
        windowS: options.windowS,
        samples: options.samples,
      },
      interval,
      change,
      goBaseline,
      commands,
    };
    const markdown = toMarkdown(results);
    if (options.out.includes("/")) {
      await Deno.mkdir(options.out.slice(0, options.out.lastIndexOf("/")) || "/", { recursive: true });
    }
    await Deno.writeTextFile(options.out, JSON.stringify(results, null, 2) + "\n");
    await Deno.writeTextFile(options.out.replace(/\.json$/, "") + ".md", markdown);
    console.log(markdown);
    console.log(`results: ${options.out}`);
    return results;
  } finally {
    for (const child of children.reverse()) await child.stop();
    await observed.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const f = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? "n/a"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number | undefined) => n === undefined ? "n/a" : `${f(n)} ms`;
const lat = (l: Latency) =>
  `p50 ${ms(l.p50)}, p95 ${l.p95 === undefined ? "n/a (n < 20)" : ms(l.p95)}, max ${
    ms(l.max)
  } (n=${l.samples}${l.failed ? `, ${l.failed} timed out` : ""})`;
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? `${f(a / b, 2)}×` : "n/a";

/** Renders the results as markdown. */
export function toMarkdown(r: CadenceResults): string {
  const o = r.options;
  const row = (w: Window) =>
    `| ${w.label} | ${f(w.pushesPerMin, 1)} (${w.pushes} in ${f(w.windowS)} s) | ${
      ratio(w.pushesPerMin, r.goBaseline.pushesPerMin)
    } | ${
      w.rawBytesPerMin === undefined ? "n/a (window < 60 s)" : `${f(w.rawBytesPerMin / 1_048_576, 2)} MiB`
    } | ${ratio(w.rawBytesPerMin, r.goBaseline.rawBytesPerMin)} | ${lat(w.changeFreshness)} |`;
  return [
    `## Push cadence and freshness (${
      f(o.pods)
    } pods, churn ${o.churnPerMin}/min, interval ${o.intervalS} s)`,
    "",
    r.machine ? provenanceLine(r.machine, r.date) : r.date,
    "",
    `Windows of ${o.windowS} s; ${o.samples} samples each; per-minute rates only from windows of at least 60 s.`,
    "",
    "| pushes | per minute | vs Go design | raw JSON per minute (what the Master decodes) | vs Go design | change → Master |",
    "|---|---|---|---|---|---|",
    row({ ...r.interval, label: "ours, `interval` (default)" }),
    row({ ...r.change, label: "ours, `AGENT_PUSH_MODE=change`" }),
    row({ ...r.goBaseline, label: "Go design (LIST + push every interval)" }),
    "",
    `Command effect (\`scale\`, ${r.commands.resultToEffect.samples} commands at random times, default mode): result at the Master → first snapshot showing it ${
      lat(r.commands.resultToEffect)
    }; enqueue → snapshot ${lat(r.commands.enqueueToEffect)}; ${
      f(r.commands.pushesPerMin, 1)
    } pushes per minute in that ${
      f(r.commands.windowS)
    } s window (one follow-up per command on top of the beat).`,
    "",
  ].join("\n");
}

if (import.meta.main) {
  await main(Deno.args);
  Deno.exit(0);
}
