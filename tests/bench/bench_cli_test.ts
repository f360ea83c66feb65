/**
 * The benchmark harness's honesty rules and command lines: `--help` everywhere, quick runs write only untracked
 * paths, medians/percentiles/rates only from enough data, and results say where they were measured.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  honestMedian,
  honestPercentile,
  perMinute,
  provenanceLine,
  resultsDir,
  startProvenance,
} from "./_common.ts";
import { type BenchResults, toMarkdown } from "./harness.ts";
import { parseRunArgs, stepArgs, STEPS } from "./run.ts";

const HERE = new URL("./", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

async function ignoredByGit(path: string): Promise<boolean> {
  const output = await new Deno.Command("git", { args: ["check-ignore", "-q", path], cwd: ROOT }).output();
  return output.code === 0;
}

Deno.test("deno task bench --help and every bench script's --help print usage and exit at once", async () => {
  const scripts = [
    "run.ts",
    "memory.ts",
    "harness.ts",
    "agent_memory.ts",
    "cadence.ts",
    "polling_baseline.ts",
    "apiserver_process.ts",
    "client_node_baseline.ts",
  ];
  const results = await Promise.all(scripts.map((s) => run(["run", "-A", `${HERE}${s}`, "--help"])));
  results.forEach((r, i) => {
    assert.equal(r.code, 0, `${scripts[i]}: ${r.stderr}`);
    assert.match(r.stdout, /Usage/, scripts[i]);
  });
  const unknown = await run(["run", "-A", `${HERE}run.ts`, "--bogus"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown argument: --bogus/);
});

Deno.test("quick bench runs write only to an untracked directory; full runs to the tracked results", async () => {
  const quick = parseRunArgs(["--quick"]);
  assert.ok(quick);
  assert.ok(quick.dir.endsWith("/tests/bench/results/quick/"), quick.dir);
  assert.ok(await ignoredByGit(`${quick.dir}latest.json`), "results/quick/ is git-ignored");
  for (const step of STEPS) {
    const args = stepArgs(step, quick);
    if (step === "micro") continue; // `deno bench` writes no file
    const out = args[args.indexOf("--out") + 1];
    assert.ok(out?.startsWith(quick.dir), `${step} writes under ${quick.dir}: ${args.join(" ")}`);
    assert.ok(args.includes("--quick"), `${step} runs quick`);
  }
  const full = parseRunArgs([]);
  assert.ok(full);
  assert.equal(full.dir, new URL("./results/", import.meta.url).pathname);
  assert.ok(!await ignoredByGit(`${full.dir}latest.json`), "full results are tracked");
  assert.equal(parseRunArgs(["--quick", "--out", "/tmp/x"])?.dir, "/tmp/x/");
  assert.deepEqual(parseRunArgs(["--only", "harness,cadence"])?.steps, ["harness", "cadence"]);
  assert.throws(() => parseRunArgs(["--only", "everything"]), /Unknown step/);
  assert.equal(parseRunArgs(["--help"]), undefined);
  assert.equal(resultsDir([], true), quick.dir);
});

Deno.test("medians need 5 values, percentiles 20, per-minute rates a 60 s window", () => {
  assert.equal(honestMedian([1, 2, 3, 4]), undefined);
  assert.equal(honestMedian([5, 1, 4, 2, 3]), 3);
  const nineteen = Array.from({ length: 19 }, (_, i) => i + 1);
  assert.equal(honestPercentile(nineteen, 95), undefined);
  assert.equal(honestPercentile([...nineteen, 20], 95), 19);
  assert.equal(perMinute(100, 59.9), undefined);
  assert.equal(perMinute(100, 120), 50);
});

Deno.test("harness markdown states commit, machine, load and refuses rates from short windows", async () => {
  const machine = { ...await startProvenance(), commit: "abc1234-dirty", loadEnd: [2.5, 2.1, 1.9] };
  assert.match(machine.commit, /^[0-9a-f]+(-dirty)?$|^unknown$/);
  const steady = (windowS: number, polls: boolean) => ({
    windowS,
    cpuPercent: 1,
    apiBytes: 1e6,
    metricsBytes: 5e5,
    apiRequests: 10,
    metricsRequests: polls ? 4 : 0,
    ...(windowS >= 60 && polls
      ? { apiBytesPerMin: 1e6, metricsBytesPerMin: 5e5, apiRequestsPerMin: 10 }
      : { rateInvalid: windowS < 60 ? `window ${windowS} s < 60 s` : "no pod-metrics poll in the window" }),
    snapshotsPushed: 6,
  });
  const latency = { samples: 3, failed: 0, min: 10, max: 30 };
  const results: BenchResults = {
    date: "2026-12-06T01:00:00.000Z",
    quick: true,
    machine,
    load: { churnPercentPerMin: 1, metricsIntervalS: 30, windowS: 30 },
    scenarios: [{
      pods: 1000,
      notes: [],
      ours: {
        firstSnapshotMs: 900,
        firstSnapshotPods: 1000,
        rssBytes: 1e8,
        heapUsedBytes: 3e7,
        heapPerPodBytes: 3e4,
        steady: steady(30, true),
        freshness: latency,
        commands: { scale: latency, getLogs: latency },
      },
      polling: {
        firstSnapshotMs: 600,
        steady: steady(60, true),
        freshness: { samples: 5, failed: 0, p50: 20, min: 10, max: 30 },
        rssBytes: 2e8,
        log: "",
      },
    }],
  };
  const markdown = toMarkdown(results);
  assert.match(markdown, /commit `abc1234-dirty`/);
  assert.ok(markdown.includes(machine.cpu));
  assert.match(markdown, /load average \(1\/5\/15 min\) .* at start, 2\.50 \/ 2\.10 \/ 1\.90 at end/);
  assert.match(markdown, /n\/a \(window 30 s < 60 s\)/);
  assert.match(markdown, /too few for a median/);
  assert.match(markdown, /p95 n\/a \(n < 20\)/);
  assert.doesNotMatch(markdown, /fewer; target/);
  assert.match(provenanceLine({ ...machine, loadStart: [] }, "d"), /n\/a at start/);
});
