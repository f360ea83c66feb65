/**
 * Figures that are not times, plus rates derived from the micro-benchmark workloads, for the results JSON:
 * - heap bytes per cached pod (raw parsed, `stripObject`, pod converter) from `Deno.memoryUsage().heapUsed` deltas
 *   around filling a Map of 20,000 pods after forced GCs (`--v8-flags=--expose-gc`; without it the deltas are
 *   noisy and the output says so);
 * - snapshot raw/gzip bytes and build/gzip times for 1,000 and 10,000 pods;
 * - MODIFIED pod events ingested per second (decode + converter + store);
 * - initial sync of 10,000 pods from an in-process fake (list+watch and streaming list).
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc tests/bench/memory.ts [--quick] [--out DIR] [--help]
 * ```
 *
 * Medians come from at least 5 rounds in every mode (`--quick` only drops the extra rounds of the full run).
 * Writes `micro.json` in the results directory (`tests/bench/results/`; `--quick`: `tests/bench/results/quick/`,
 * untracked; or `--out DIR`).
 *
 * @module
 */

import { stripObject } from "../../agent/informer/mod.ts";
import type { KubeObject } from "../../agent/sdk/mod.ts";
import { createConverters, type PackedItem } from "../../agent/repository/mod.ts";
import { SnapshotService } from "../../agent/service/mod.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { startFakeApiServer } from "../support/fake_apiserver.ts";
import {
  finishProvenance,
  hasGc,
  MEDIAN_MIN_ROUNDS,
  percentile,
  type Provenance,
  QUICK,
  resultsDir,
  rounds,
  settledHeap,
  startProvenance,
} from "./_common.ts";
import {
  benchClient,
  buildAndCompress,
  churnPods,
  generatePods,
  ingest,
  modifiedEventChunks,
  podTransform,
  prefilledReflector,
  snapshotFixture,
  timeInitialSync,
} from "./_fixtures.ts";

/** Heap bytes per cached pod for each way of keeping it. */
export interface HeapPerPod {
  pods: number;
  gcExposed: boolean;
  rawBytes: number;
  strippedBytes: number;
  convertedBytes: number;
  /**
   * What the agent keeps: the packed form (record + offsets) after a build moved the bytes into compressed
   * chunks; JS heap plus the compressed chunk bytes (outside the heap), per pod.
   */
  packedBytes: number;
  /** Of {@linkcode packedBytes}, the compressed chunk bytes per pod. */
  compressedBytes: number;
}

/** Snapshot figures for one cluster size. */
export interface SnapshotFigures {
  pods: number;
  objects: number;
  rawBytes: number;
  gzipBytes: number;
  coldBuildMs: number;
  /** Warm rounds behind the medians. */
  rounds: number;
  warmBuildMsMedian: number;
  gzipMsMedian: number;
  totalMsMedian: number;
}

/** MODIFIED pod events decoded, converted, packed and stored per second. */
export interface IngestFigures {
  events: number;
  rounds?: number;
  /** Mean size of one event line on the wire. */
  eventBytes: number;
  eventsPerSecondMedian: number;
  eventsPerSecondBest: number;
}

/** Everything `memory.ts` measures. */
export interface MicroResults {
  /** Commit, machine and load average at start and end (absent in results written before it was recorded). */
  machine?: Provenance;
  heapPerPod: HeapPerPod;
  snapshots: SnapshotFigures[];
  ingest: IngestFigures;
  /** The same with smaller events ({@linkcode leanPod}). */
  ingestLean?: IngestFigures;
  initialSync10k: { rounds?: number; listWatchMsMedian: number; streamingMsMedian: number };
}

function heapPerPod(texts: readonly string[], keep: (object: KubeObject) => unknown): number {
  const before = settledHeap();
  const map = new Map<string, unknown>();
  for (const text of texts) {
    const object = JSON.parse(text) as KubeObject;
    map.set(`${object.metadata?.namespace}/${object.metadata?.name}`, keep(object));
  }
  const after = settledHeap();
  if (map.size !== texts.length) throw new Error("duplicate pod keys");
  return (after - before) / map.size;
}

// The agent's path: transform (convert + pack) into a store, then one build compresses the bytes into chunks.
function packedPerPod(texts: readonly string[]): { total: number; compressed: number } {
  const before = settledHeap();
  const map = new Map<string, PackedItem<"pods">>();
  for (const text of texts) {
    const object = JSON.parse(text) as KubeObject;
    map.set(`${object.metadata?.namespace}/${object.metadata?.name}`, podTransform(object));
  }
  const service = new SnapshotService({ pods: { values: () => map.values() } }, { clusterId: "bench" });
  service.build();
  const after = settledHeap();
  const compressed = service.compressedBytes;
  return { total: (after - before + compressed) / map.size, compressed: compressed / map.size };
}

/** Measures heap per pod for `count` pods. */
export function measureHeap(count = 20_000): HeapPerPod {
  const texts = generatePods(count).map((pod) => JSON.stringify(pod));
  const identity = (o: KubeObject) => o;
  // Warm up the code paths once on a small slice so JIT code is not counted.
  heapPerPod(texts.slice(0, 200), stripObject);
  heapPerPod(texts.slice(0, 200), podTransform);
  packedPerPod(texts.slice(0, 200));
  const packed = packedPerPod(texts);
  return {
    pods: texts.length,
    gcExposed: hasGc(),
    rawBytes: heapPerPod(texts, identity),
    strippedBytes: heapPerPod(texts, stripObject),
    convertedBytes: heapPerPod(texts, (o) => createConverters().pods.convert(o as Pod)),
    packedBytes: packed.total,
    compressedBytes: packed.compressed,
  };
}

/** Measures snapshot build, serialisation and gzip for `pods` pods. */
export async function measureSnapshot(pods: number, rounds: number): Promise<SnapshotFigures> {
  const fixture = snapshotFixture(pods);
  const cold = await buildAndCompress(fixture.service);
  const warm: number[] = [];
  const zip: number[] = [];
  const total: number[] = [];
  let last = cold;
  for (let round = 1; round <= rounds; round++) {
    churnPods(fixture, 0.01, round);
    last = await buildAndCompress(fixture.service);
    warm.push(last.buildMs);
    zip.push(last.gzipMs);
    total.push(last.buildMs + last.gzipMs);
  }
  return {
    pods,
    objects: fixture.objects,
    rawBytes: last.rawBytes,
    gzipBytes: last.gzipBytes,
    coldBuildMs: cold.buildMs,
    rounds,
    warmBuildMsMedian: percentile(warm, 50) ?? NaN,
    gzipMsMedian: percentile(zip, 50) ?? NaN,
    totalMsMedian: percentile(total, 50) ?? NaN,
  };
}

/** Measures events/s of MODIFIED pod events through decode + reflector + converter. */
export async function measureIngest(
  events = 10_000,
  rounds = 5,
  shape: "rich" | "lean" = "rich",
): Promise<IngestFigures> {
  const pods = shape === "rich" ? generatePods(events) : generatePods(events).map(leanPod);
  const chunks = modifiedEventChunks(pods);
  const eventBytes = chunks.reduce((n, c) => n + c.length, 0) / pods.length;
  const reflector = prefilledReflector(pods);
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const count = await ingest(chunks, reflector);
    rates.push(count / ((performance.now() - started) / 1000));
  }
  return {
    events,
    eventBytes,
    rounds,
    eventsPerSecondMedian: percentile(rates, 50) ?? NaN,
    eventsPerSecondBest: Math.max(...rates),
  };
}

/**
 * A smaller pod, toward the ~5 KB events the ingest target is set for (it measures ~6.4 KiB as a watch event):
 * one container with three env vars, two volumes and one managedFields entry, instead of the simulator's rich
 * two-container pods with eight env vars, nine volumes and every field manager.
 */
export function leanPod(pod: KubeObject): KubeObject {
  const typed = pod as unknown as Pod;
  const spec = typed.spec as NonNullable<Pod["spec"]>;
  const container = spec.containers[0];
  const status = typed.status ?? {};
  return {
    ...pod,
    metadata: { ...pod.metadata, managedFields: pod.metadata?.managedFields?.slice(0, 1) },
    spec: {
      ...spec,
      containers: [{ ...container, env: container.env?.slice(0, 3) }],
      volumes: spec.volumes?.slice(0, 2),
    },
    status: { ...status, containerStatuses: status.containerStatuses?.slice(0, 1) },
  } as KubeObject;
}

/** Measures initial sync of 10,000 pods from an in-process fake API server. */
export async function measureSync(rounds = MEDIAN_MIN_ROUNDS): Promise<MicroResults["initialSync10k"]> {
  await using server = await startFakeApiServer({ simulate: { pods: 10_000, seed: 1, metrics: false } });
  const client = benchClient(server.url);
  const listWatch: number[] = [];
  const streaming: number[] = [];
  try {
    await timeInitialSync(client, false); // warm-up
    for (let i = 0; i < rounds; i++) {
      listWatch.push(await timeInitialSync(client, false));
      streaming.push(await timeInitialSync(client, true));
    }
  } finally {
    client.close();
  }
  return {
    rounds,
    listWatchMsMedian: percentile(listWatch, 50) ?? NaN,
    streamingMsMedian: percentile(streaming, 50) ?? NaN,
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

const USAGE = `Usage: deno run -A --v8-flags=--expose-gc tests/bench/memory.ts [options]

Heap per cached pod, snapshot build/gzip at 1,000 and 10,000 pods, MODIFIED-event ingest and initial sync;
medians of at least ${MEDIAN_MIN_ROUNDS} rounds.

  --out DIR   results directory for micro.json (default tests/bench/results/; --quick: tests/bench/results/quick/)
  --quick     the minimum rounds (also set by BENCH_QUICK=1)
  --help      this text`;

/** Runs every measurement, prints console tables and writes the JSON. */
export async function main(args: string[]): Promise<MicroResults> {
  const quick = QUICK || args.includes("--quick");
  const dir = resultsDir(args, quick);
  const out = `${dir}micro.json`;
  const machine = await startProvenance();
  if (!hasGc()) {
    console.warn("gc() is not exposed (run with --v8-flags=--expose-gc): heap deltas include garbage.");
  }
  const heap = measureHeap();
  console.log(`\nHeap per cached pod (${heap.pods} pods, gc exposed: ${heap.gcExposed})`);
  console.table({
    "raw parsed object": { "heap/pod": kb(heap.rawBytes) },
    "managedFields stripped (stripObject)": { "heap/pod": kb(heap.strippedBytes) },
    "pod converter model object (before packing)": { "heap/pod": kb(heap.convertedBytes) },
    "packed + compressed (what the agent keeps)": { "heap/pod": kb(heap.packedBytes) },
    "  of which compressed chunk bytes": { "heap/pod": kb(heap.compressedBytes) },
  });

  const snapshots = [
    await measureSnapshot(1_000, rounds(10, MEDIAN_MIN_ROUNDS)),
    await measureSnapshot(10_000, MEDIAN_MIN_ROUNDS),
  ];
  console.log(
    "\nSnapshot build + serialise + gzip (warm caches, 1% of pods changed per round; medians of the rounds)",
  );
  console.table(Object.fromEntries(snapshots.map((s) => [`${s.pods} pods (${s.objects} objects)`, {
    "raw": mb(s.rawBytes),
    "gzip": mb(s.gzipBytes),
    "cold build ms": s.coldBuildMs.toFixed(1),
    "warm build ms": s.warmBuildMsMedian.toFixed(1),
    "gzip ms": s.gzipMsMedian.toFixed(1),
    "total ms": s.totalMsMedian.toFixed(1),
  }])));

  const ingested = await measureIngest(10_000, rounds(7, MEDIAN_MIN_ROUNDS));
  const ingestedLean = await measureIngest(10_000, rounds(7, MEDIAN_MIN_ROUNDS), "lean");
  console.log("\nMODIFIED pod events ingested (decode + converter + packing + store, one core)");
  console.table(Object.fromEntries([ingested, ingestedLean].map((i) => [
    `${i.events} events of ${(i.eventBytes / 1024).toFixed(1)} KiB`,
    {
      "events/s median": Math.round(i.eventsPerSecondMedian),
      "events/s best": Math.round(i.eventsPerSecondBest),
    },
  ])));

  const sync = await measureSync(MEDIAN_MIN_ROUNDS);
  console.log("\nInitial sync of 10,000 pods from an in-process fake (fake and informer share the thread)");
  console.table({
    "paginated list + watch": { "ms (median)": sync.listWatchMsMedian.toFixed(0) },
    "streaming list": { "ms (median)": sync.streamingMsMedian.toFixed(0) },
  });

  const results: MicroResults = {
    machine: await finishProvenance(machine),
    heapPerPod: heap,
    snapshots,
    ingest: ingested,
    ingestLean: ingestedLean,
    initialSync10k: sync,
  };
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(results, null, 2) + "\n");
  console.log(`\nwrote ${out}`);
  return results;
}

if (import.meta.main) {
  if (Deno.args.includes("--help")) console.log(USAGE);
  else await main(Deno.args);
}
