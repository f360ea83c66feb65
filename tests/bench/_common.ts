/**
 * Helpers shared by the benchmarks: simulator objects → converted stores, GC and heap, process CPU, Prometheus
 * text parsing, percentiles and child processes that announce `listening on <url>`.
 *
 * @module
 */

import { gzipSnapshot } from "../../agent/gateway/mod.ts";
import { RESOURCE_NAMES, RESOURCES } from "../../agent/informer/mod.ts";
import { type Converters, createConverters } from "../../agent/repository/converters/mod.ts";
import type { KubeObject } from "../../agent/sdk/mod.ts";
import type { SnapshotSource } from "../../agent/service/snapshot.ts";
import { packedSourceOf, SNAPSHOT_FIELDS } from "../../agent/repository/mod.ts";
import type { SnapshotItems, SnapshotListField } from "../../model/mod.ts";

/** The snapshot list field fed by each Kubernetes kind. */
export const FIELD_BY_KIND: ReadonlyMap<string, SnapshotListField> = new Map(
  RESOURCE_NAMES.map((name) => [RESOURCES[name].kind, SNAPSHOT_FIELDS[name]]),
);

/** Converted objects per snapshot list field, as plain arrays. */
export type ConvertedLists = { [K in SnapshotListField]?: SnapshotItems[K][] };

/** Converts simulator objects through the agent's converters, grouped by snapshot list field. */
export function convertAll(
  objects: readonly KubeObject[],
  converters: Converters = createConverters(),
): ConvertedLists {
  const lists: ConvertedLists = {};
  for (const object of objects) {
    const field = object.kind ? FIELD_BY_KIND.get(object.kind) : undefined;
    if (!field) continue;
    const converter = converters[field] as unknown as { convert(o: KubeObject): never };
    (lists[field] ??= []).push(converter.convert(object));
  }
  return lists;
}

/** A snapshot source reading the given arrays (what informer stores provide). */
export function sourceOf(lists: ConvertedLists): SnapshotSource {
  return packedSourceOf(lists);
}

/** Gzips bytes exactly as the agent's gateway does before a push. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return (await gzipSnapshot(bytes)).body;
}

/** Whether V8's `gc()` is exposed (`--v8-flags=--expose-gc`). */
export function hasGc(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}

/** Forces full GCs when available; returns the heap used afterwards. */
export function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) { for (let i = 0; i < 3; i++) gc(); }
  return Deno.memoryUsage().heapUsed;
}

/** User + system CPU seconds of a Linux process, from `/proc/<pid>/stat`. */
export async function procCpuSeconds(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the command name: state is field 3; utime and stime are fields 14 and 15 (1-based).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** Resident set size of a Linux process in bytes, from `/proc/<pid>/status`. */
export async function procRss(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = text.match(/VmRSS:\s+(\d+) kB/);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Sums the samples of a Prometheus metric (all label sets) in a text exposition. */
export function metricValue(text: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

/** The `p`-th percentile (0–100) of some numbers, nearest rank; `undefined` when empty. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A child process whose output is kept (last 64 KB) and which can be stopped. */
export interface Child extends AsyncDisposable {
  readonly process: Deno.ChildProcess;
  readonly pid: number;
  /** The URL(s) printed on the `listening on` line (empty when the process does not print one). */
  readonly line: string;
  /** Collected stdout + stderr (tail). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>;
}

/** Options of {@linkcode spawnChild}. */
export interface SpawnOptions {
  env?: Record<string, string>;
  /** Wait for a stdout line starting with `listening on ` (default true). */
  waitListening?: boolean;
  /** Give up waiting after this long (default 180 s). */
  timeoutMs?: number;
}

/** Spawns `deno <args>` and (optionally) waits for its `listening on` line. */
export async function spawnChild(args: string[], options: SpawnOptions = {}): Promise<Child> {
  const process = new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const listening = Promise.withResolvers<string>();
  const decoder = new TextDecoder();
  const append = (chunk: string) => {
    text += chunk;
    if (text.length > 65_536) text = text.slice(-65_536);
  };
  const pumpOut = (async () => {
    let pending = "";
    for await (const chunk of process.stdout) {
      const s = decoder.decode(chunk, { stream: true });
      append(s);
      pending += s;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith("listening on ")) listening.resolve(line.slice("listening on ".length).trim());
      }
    }
  })();
  const pumpErr = (async () => {
    const d = new TextDecoder();
    for await (const chunk of process.stderr) append(d.decode(chunk, { stream: true }));
  })();
  const pumping = Promise.all([pumpOut, pumpErr]).catch(() => {});
  let exited: Promise<number> | undefined;
  const stop = (graceMs = 10_000) => {
    exited ??= (async () => {
      try {
        process.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      const timer = setTimeout(() => {
        try {
          process.kill("SIGKILL");
        } catch {
          // Already exited.
        }
      }, graceMs);
      const status = await process.status;
      clearTimeout(timer);
      await pumping;
      return status.code;
    })();
    return exited;
  };
  let line = "";
  if (options.waitListening ?? true) {
    const timeoutMs = options.timeoutMs ?? 180_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no "listening on" within ${timeoutMs} ms`)), timeoutMs);
    });
    const died = process.status.then((s) => {
      throw new Error(`process exited with ${s.code} before listening`);
    });
    try {
      line = await Promise.race([listening.promise, timeout, died]);
    } catch (error) {
      await stop(1_000);
      throw new Error(`${(error as Error).message}: deno ${args.join(" ")}\n${text.slice(-4_000)}`);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    process,
    pid: process.pid,
    line,
    output: () => text,
    stop,
    [Symbol.asyncDispose]: async () => void await stop(),
  };
}

/** A free TCP port on 127.0.0.1 (bound and released; racy but fine for benchmarks). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `deno task bench --quick` sets `BENCH_QUICK=1`: fewer rounds, same measurements. */
export const QUICK: boolean = Deno.env.get("BENCH_QUICK") === "1";

/** Rounds of a measurement: `full`, or `quick` in quick mode. */
export function rounds(full: number, quick: number): number {
  return QUICK ? quick : full;
}

/** Where and on what a benchmark ran: the commit, the machine and how busy it was. */
export interface Provenance {
  /** `git rev-parse --short HEAD`, with `-dirty` when tracked files differ from it. */
  commit: string;
  cpu: string;
  cores: number;
  memoryBytes: number;
  deno: string;
  v8: string;
  os: string;
  /** 1-, 5- and 15-minute load averages when the run started and when it ended. */
  loadStart: number[];
  loadEnd?: number[];
}

async function git(args: string[]): Promise<string | undefined> {
  try {
    const output = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The current load averages (1, 5, 15 minutes) from `/proc/loadavg`; empty when unavailable. */
export async function loadAverage(): Promise<number[]> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "");
  return text.split(" ").slice(0, 3).map(Number).filter(Number.isFinite);
}

/** Records the commit, machine and load average at the start of a run; call {@linkcode finishProvenance} at its end. */
export async function startProvenance(): Promise<Provenance> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const head = await git(["rev-parse", "--short", "HEAD"]) ?? "unknown";
  // Untracked files (results, scratch) do not make the measured code differ from the commit.
  const dirty = await git(["status", "--porcelain", "--untracked-files=no"]);
  return {
    commit: dirty ? `${head}-dirty` : head,
    cpu: cpuinfo.match(/model name\s*:\s*(.+)/)?.[1]?.trim() ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryBytes: Number(meminfo.match(/MemTotal:\s+(\d+)/)?.[1] ?? 0) * 1024,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    loadStart: await loadAverage(),
  };
}

/** Adds the load average at the end of the run. */
export async function finishProvenance(provenance: Provenance): Promise<Provenance> {
  return { ...provenance, loadEnd: await loadAverage() };
}

/** One markdown line: commit, machine and load, for every results table. */
export function provenanceLine(p: Provenance, date: string): string {
  const load = (l: number[] | undefined) => l?.length ? l.map((v) => v.toFixed(2)).join(" / ") : "n/a";
  return `Measured ${date ? `${date} ` : ""}at commit \`${p.commit}\` on ${p.cpu}, ${p.cores} cores, ${
    (p.memoryBytes / 2 ** 30).toFixed(1)
  } GiB · Deno ${p.deno} (V8 ${p.v8}) · ${p.os} · load average (1/5/15 min) ${load(p.loadStart)} at start, ${
    load(p.loadEnd)
  } at end.`;
}

/** Minimum rounds behind a figure called a median. */
export const MEDIAN_MIN_ROUNDS = 5;
/** Minimum samples behind a p95 (or any tail percentile). */
export const PERCENTILE_MIN_SAMPLES = 20;
/** Minimum window, in seconds, behind a per-minute rate. */
export const RATE_MIN_WINDOW_S = 60;

/** The median when there are at least {@linkcode MEDIAN_MIN_ROUNDS} values, else `undefined`. */
export function honestMedian(values: readonly number[]): number | undefined {
  return values.length >= MEDIAN_MIN_ROUNDS ? percentile(values, 50) : undefined;
}

/** The `p`-th percentile when there are at least {@linkcode PERCENTILE_MIN_SAMPLES} values, else `undefined`. */
export function honestPercentile(values: readonly number[], p: number): number | undefined {
  return values.length >= PERCENTILE_MIN_SAMPLES ? percentile(values, p) : undefined;
}

/** Latency samples in milliseconds: counts, and the percentiles the sample count allows. */
export interface Latency {
  samples: number;
  failed: number;
  p50?: number;
  p95?: number;
  min?: number;
  max?: number;
}

/** Summarises latency samples; `undefined` marks a sample that timed out. */
export function latency(values: readonly (number | undefined)[]): Latency {
  const ok = values.filter((v): v is number => v !== undefined);
  return {
    samples: ok.length,
    failed: values.length - ok.length,
    p50: honestMedian(ok),
    p95: honestPercentile(ok, 95),
    min: ok.length ? Math.min(...ok) : undefined,
    max: ok.length ? Math.max(...ok) : undefined,
  };
}

/** `count` per minute over a window of `seconds`, or `undefined` when the window is under a minute. */
export function perMinute(count: number, seconds: number): number | undefined {
  return seconds >= RATE_MIN_WINDOW_S ? count / (seconds / 60) : undefined;
}

/** The value of `--name VALUE` in `args`, if present. */
export function argValue(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

/**
 * Where results go: `--out DIR` when given; else `tests/bench/results/` for full runs (tracked, the figures the
 * README quotes) and `tests/bench/results/quick/` for `--quick` runs (untracked, so a quick run never modifies
 * tracked files).
 */
export function resultsDir(args: readonly string[], quick: boolean = QUICK): string {
  const out = argValue(args, "--out");
  if (out) return out.endsWith("/") ? out : `${out}/`;
  return new URL(quick ? "./results/quick/" : "./results/", import.meta.url).pathname;
}
