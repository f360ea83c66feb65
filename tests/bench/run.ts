/**
 * `deno task bench [--quick]`: the micro-benchmarks (`deno bench` over `tests/bench/*_bench.ts`), the memory and
 * size figures (`memory.ts`), the scale-scenario harness (`harness.ts`), then push cadence and freshness
 * (`cadence.ts`), in one run. `--quick` sets `BENCH_QUICK=1` (fewer rounds) and runs the harness's quick scenarios,
 * keeping those under 3 minutes; the cadence step then adds about 2.5 minutes (20 s windows, still 20 samples).
 *
 * @module
 */

const here = new URL(".", import.meta.url).pathname;

async function step(args: string[], env: Record<string, string>): Promise<void> {
  console.log(`\n$ deno ${args.join(" ")}`);
  const status = await new Deno.Command(Deno.execPath(), { args, env, stdout: "inherit", stderr: "inherit" })
    .spawn().status;
  if (!status.success) throw new Error(`Benchmark step failed (exit ${status.code}): deno ${args.join(" ")}`);
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const env: Record<string, string> = quick ? { BENCH_QUICK: "1" } : {};
  const started = performance.now();
  await step(["bench", "-A", "--v8-flags=--expose-gc", here], env);
  await step(["run", "-A", "--v8-flags=--expose-gc", `${here}memory.ts`], env);
  await step(["run", "-A", `${here}harness.ts`, ...Deno.args], env);
  await step(["run", "-A", `${here}cadence.ts`, ...(quick ? ["--quick"] : [])], env);
  console.log(`\nbenchmarks finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
