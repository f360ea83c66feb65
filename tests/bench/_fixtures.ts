/**
 * Workloads of the micro-benchmarks, shared by the `*_bench.ts` files (timed by `deno bench`) and by
 * `memory.ts` (which measures heap and bytes and derives rates for the JSON results).
 *
 * @module
 */

import { Informer, Reflector, StoreWriter } from "../../agent/informer/mod.ts";
import { createConverters, packAll, type PackedItem, packingTransform } from "../../agent/repository/mod.ts";
import { createKubeClient, type KubeClient, type KubeObject, readWatchEvents } from "../../agent/sdk/mod.ts";
import { NoAuth } from "../../agent/sdk/auth.ts";
import { SnapshotService, type SnapshotSource } from "../../agent/service/snapshot.ts";
import type { SnapshotListField } from "../../model/mod.ts";
import { generateCluster } from "../support/simulator.ts";
import { convertAll, type ConvertedLists } from "./_common.ts";

/** The agent's pod transform: the converter, then packing into wire bytes and a record. */
export const podTransform: (object: KubeObject) => PackedItem<"pods"> = packingTransform(
  "pods",
  createConverters(),
);

/** Pods of a generated cluster of `count` pods (seed 1). */
export function generatePods(count: number, seed = 1): KubeObject[] {
  return generateCluster({ pods: count, seed, metrics: false }).filter((o) => o.kind === "Pod");
}

/** A kube client for a plain-HTTP fake API server. */
export function benchClient(url: string): KubeClient {
  return createKubeClient({ server: url, auth: new NoAuth(), namespace: "default", source: "bench" });
}

/** Starts a pod informer (converter transform) and resolves with the time to its first sync in ms. */
export async function timeInitialSync(client: KubeClient, streaming: boolean): Promise<number> {
  const informer = new Informer(client, {
    path: "/api/v1/pods",
    transform: podTransform,
    streamingList: { enabled: streaming },
  });
  const started = performance.now();
  informer.start();
  await informer.store.ready();
  const elapsed = performance.now() - started;
  await informer.stop();
  return elapsed;
}

/** A watch stream body of `MODIFIED` events for the given pods, pre-encoded in 64 KiB chunks. */
export function modifiedEventChunks(pods: readonly KubeObject[], firstVersion = 100_000): Uint8Array[] {
  const encoder = new TextEncoder();
  const lines = pods.map((pod, i) =>
    JSON.stringify({
      type: "MODIFIED",
      object: { ...pod, metadata: { ...pod.metadata, resourceVersion: String(firstVersion + i) } },
    })
  );
  const bytes = encoder.encode(lines.join("\n") + "\n");
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += 65_536) {
    chunks.push(bytes.subarray(offset, offset + 65_536));
  }
  return chunks;
}

/** A reflector whose store already holds the given pods (so MODIFIED events replace entries). */
export function prefilledReflector(pods: readonly KubeObject[]): Reflector<unknown> {
  const reflector = new Reflector<unknown>({
    store: new StoreWriter<unknown>(),
    transform: podTransform,
    now: Date.now,
  });
  reflector.apply({ type: "init", streaming: false });
  for (const pod of pods) reflector.apply({ type: "initApply", object: pod });
  reflector.apply({ type: "initDone", resourceVersion: "1" });
  return reflector;
}

/** Decodes the chunks as a watch stream and applies every event through the reflector; returns the count. */
export async function ingest(chunks: readonly Uint8Array[], reflector: Reflector<unknown>): Promise<number> {
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++]);
      else controller.close();
    },
  });
  let count = 0;
  for await (const event of readWatchEvents<KubeObject>(body)) {
    if (event.type === "MODIFIED") reflector.apply({ type: "apply", object: event.object, added: false });
    count++;
  }
  return count;
}

/** A converted cluster of `pods` pods (proportional other kinds) and a snapshot service over it. */
export interface SnapshotFixture {
  pods: number;
  /** The converted model objects (pack them again for a service of its own: packed objects belong to one). */
  converted: ConvertedLists;
  /** The packed objects the service reads (what the informer stores hold). */
  lists: { [K in SnapshotListField]?: PackedItem<K>[] };
  service: SnapshotService;
  /** Raw pods, for churn. */
  rawPods: KubeObject[];
  /** Total objects converted. */
  objects: number;
}

/** Builds a {@linkcode SnapshotFixture}. */
export function snapshotFixture(pods: number): SnapshotFixture {
  const objects = generateCluster({ pods, seed: 1, metrics: false });
  const converted = convertAll(objects);
  const lists: SnapshotFixture["lists"] = {};
  const source: Record<string, { values(): Iterable<unknown> }> = {};
  for (const field of Object.keys(converted) as SnapshotListField[]) {
    const packed: unknown[] = packAll(field, converted[field] ?? []);
    (lists as Record<string, unknown[]>)[field] = packed;
    source[field] = { values: () => packed };
  }
  const service = new SnapshotService(source as SnapshotSource, { clusterId: "bench" });
  const rawPods = objects.filter((o) => o.kind === "Pod");
  let count = 0;
  for (const items of Object.values(lists)) count += items?.length ?? 0;
  return { pods, converted, lists, service, rawPods, objects: count };
}

/** Replaces `fraction` of the fixture's pods with freshly converted objects (what churn does to a store). */
export function churnPods(fixture: SnapshotFixture, fraction: number, round: number): void {
  const pods = fixture.lists.pods ?? [];
  const count = Math.max(1, Math.round(pods.length * fraction));
  for (let i = 0; i < count; i++) {
    const index = (round * count + i) % pods.length;
    const raw = fixture.rawPods[index];
    const changed = {
      ...raw,
      metadata: {
        ...raw.metadata,
        resourceVersion: `${round}-${i}`,
        labels: { ...raw.metadata?.labels, r: `${round}` },
      },
    };
    pods[index] = podTransform(changed);
  }
}

/**
 * One build exactly as the agent's push path runs it (stores → gzip body in parts); returns
 * the sizes and the time in ms. Compression is part of the build (changed chunks only), so `gzipMs` is 0.
 */
export function buildAndCompress(
  service: SnapshotService,
): Promise<{ rawBytes: number; gzipBytes: number; buildMs: number; gzipMs: number }> {
  const t0 = performance.now();
  const built = service.build();
  const t1 = performance.now();
  return Promise.resolve({
    rawBytes: built.rawBytes,
    gzipBytes: built.gzipBytes,
    buildMs: t1 - t0,
    gzipMs: 0,
  });
}
