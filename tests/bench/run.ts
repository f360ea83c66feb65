/**
 * `deno task bench [--quick] [--out DIR] [--only STEPS]`: the micro-benchmarks (`deno bench` over
 * `tests/bench/*_bench.ts`), the memory and size figures (`memory.ts`), the scale-scenario harness
 * (`harness.ts`), the running agent's memory and build time (`agent_memory.ts`), then push cadence and freshness
 * (`cadence.ts`), in one run.
 *
 * Full runs write the tracked results in `tests/bench/results/` (the figures the README quotes; cadence's files
 * there are untracked). `--quick` (fewer scenarios and rounds, same honesty rules) writes to
 * `tests/bench/results/quick/`, which is untracked, so a quick run never modifies tracked files; `--out DIR`
 * writes anywhere.
 *
 * @module
 */

import { argValue, resultsDir } from "./_common.ts";

const here = new URL(".", import.meta.url).pathname;

/** The steps, in the order they run. */
export const STEPS = ["micro", "memory", "harness", "agent-memory", "cadence"] as const;
/** One step's name. */
export type Step = typeof STEPS[number];

/** What `deno task bench --help` prints. */
export const USAGE = `Usage: deno task bench [options]

Runs, in order: micro (deno bench over tests/bench/*_bench.ts), memory (memory.ts: heap per pod, snapshot
build/gzip, ingest, initial sync), harness (harness.ts: 1,000/10,000/50,000-pod scenarios against the Go
polling design and client-node), agent-memory (agent_memory.ts: RSS and build time of the running agent) and
cadence (cadence.ts: push cadence and freshness). Each script also runs alone; see its --help.

Options:
  --quick        fewer scenarios and rounds (medians still from >= 5 rounds, per-minute rates still from
                 >= 60 s windows; figures from fewer rounds are labelled); results go to
                 tests/bench/results/quick/ (untracked): a quick run modifies no tracked file
  --out DIR      results directory (default tests/bench/results/ for full runs: tracked, the figures the
                 README quotes)
  --only LIST    run only these steps, comma separated (${STEPS.join(", ")})
  --help         this text

The machine is shared: every results file records the commit, CPU, cores and load average at start and end.`;

/** The parsed command line. */
export interface RunOptions {
  quick: boolean;
  dir: string;
  steps: Step[];
}

/** Parses the command line; `undefined` for `--help`. Throws on unknown arguments. */
export function parseRunArgs(args: readonly string[]): RunOptions | undefined {
  if (args.includes("--help") || args.includes("-h")) return undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--out" || args[i] === "--only") i++;
    else if (args[i] !== "--quick") throw new Error(`Unknown argument: ${args[i]}\n\n${USAGE}`);
  }
  const quick = args.includes("--quick");
  const only = argValue(args, "--only")?.split(",").map((s) => s.trim()).filter((s) => s);
  for (const step of only ?? []) {
    if (!(STEPS as readonly string[]).includes(step)) throw new Error(`Unknown step "${step}"\n\n${USAGE}`);
  }
  return { quick, dir: resultsDir(args, quick), steps: only ? only as Step[] : [...STEPS] };
}

/** The `deno` arguments of each step, writing into `dir`. */
export function stepArgs(step: Step, options: RunOptions): string[] {
  const { dir, quick } = options;
  const q = quick ? ["--quick"] : [];
  switch (step) {
    case "micro":
      return ["bench", "-A", "--v8-flags=--expose-gc", here];
    case "memory":
      return ["run", "-A", "--v8-flags=--expose-gc", `${here}memory.ts`, ...q, "--out", dir];
    case "harness":
      return ["run", "-A", `${here}harness.ts`, ...q, "--out", dir];
    case "agent-memory":
      return ["run", "-A", `${here}agent_memory.ts`, ...q, "--out", `${dir}agent_memory.json`];
    case "cadence":
      return ["run", "-A", `${here}cadence.ts`, ...q, "--out", `${dir}cadence.json`];
  }
}

async function step(args: string[], env: Record<string, string>): Promise<void> {
  console.log(`\n$ deno ${args.join(" ")}`);
  const status = await new Deno.Command(Deno.execPath(), { args, env, stdout: "inherit", stderr: "inherit" })
    .spawn().status;
  if (!status.success) throw new Error(`Benchmark step failed (exit ${status.code}): deno ${args.join(" ")}`);
}

if (import.meta.main) {
  let options: RunOptions | undefined;
  try {
    options = parseRunArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  if (!options) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const env: Record<string, string> = options.quick ? { BENCH_QUICK: "1" } : {};
  const started = performance.now();
  await Deno.mkdir(options.dir, { recursive: true });
  for (const name of options.steps) await step(stepArgs(name, options), env);
  console.log(
    `\nbenchmarks finished in ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s; results in ${options.dir}`,
  );
}
