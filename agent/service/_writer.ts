/**
 * Writes a snapshot as a gzip body from the packed objects (see `_chunks.ts`): the top level is assembled from
 * stored text and each kind's compressed chunks, and only build-time fields (age, usage, pod counts, namespace
 * counts) are computed per build.
 *
 * @module
 */

import {
  ageValidity,
  cpuNanocores,
  formatAge,
  memoryBytes,
  type NodeMetrics,
  SNAPSHOT_LIST_FIELDS,
  type SnapshotListField,
  utilizationPct,
} from "../../model/mod.ts";
import {
  type Fill,
  filledText,
  holePrefixes,
  intern,
  NAMESPACE_HOLES,
  NODE_HOLES,
  type NodeRecord,
  type Packed,
  type PackedItem,
  PACKING,
  POD_HOLES,
  type SnapshotRecords,
} from "../repository/mod.ts";
import { type ChunkStats, type FillsOf, GzipBody, KindChunks } from "./_chunks.ts";
import type { CrossObjectStats, SnapshotLists } from "./_stats.ts";
import type { ResourceUsage } from "./metrics.ts";

/** Everything one build hands to the writer. */
export interface WriteInputs {
  clusterId: string;
  fetchedAt: string;
  nowMs: number;
  lists: SnapshotLists;
  stats: CrossObjectStats;
  podUsage: ReadonlyMap<string, ResourceUsage>;
  nodeUsage: ReadonlyMap<string, ResourceUsage>;
}

/** The gzip body of one snapshot. */
export interface WrittenSnapshot {
  /** The gzip member in parts, to be sent in order: what is pushed. */
  parts: Uint8Array[];
  /** Size of the gzip member. */
  gzipBytes: number;
  /** Size of the JSON they decompress to. */
  rawBytes: number;
  /** Chunks reused and compressed, over all kinds. */
  chunks: ChunkStats;
}

type Chunks = { [K in SnapshotListField]: KindChunks<SnapshotRecords[K]> };
type FillsTable = { [K in SnapshotListField]: FillsOf<SnapshotRecords[K]> };

// Ages change at minute, hour or day boundaries: the same string is kept until then, so unchanged objects keep
// their compressed bytes.
function ageJson(item: Packed<unknown>, nowMs: number): string {
  if (nowMs >= item.ageFrom && nowMs < item.ageUntil) return item.ageJson;
  const elapsed = nowMs - item.createdMs;
  item.ageJson = intern(`"${formatAge(elapsed)}"`);
  if (Number.isFinite(elapsed)) {
    const { from, until } = ageValidity(elapsed);
    item.ageFrom = item.createdMs + from;
    item.ageUntil = item.createdMs + until;
  }
  return item.ageJson;
}

const NO_FILLS: FillsOf<unknown> = () => {};

/** Serialises builds; holds the compressed chunks, so one writer lives as long as its snapshot service. */
export class SnapshotWriter {
  readonly #chunks: Chunks;
  readonly #fills: FillsTable;
  readonly #quotaPrefixes = holePrefixes(PACKING.resourceQuotas);
  readonly #limitRangePrefixes = holePrefixes(PACKING.limitRanges);
  #inputs: WriteInputs | undefined;
  #epoch = 0;

  constructor() {
    const chunks: Partial<Record<SnapshotListField, KindChunks<unknown>>> = {};
    for (const { field } of SNAPSHOT_LIST_FIELDS) {
      // Quotas and limit ranges are also written inside their namespace, from their uncompressed bytes.
      const keepRaw = field === "resourceQuotas" || field === "limitRanges";
      chunks[field] = new KindChunks(holePrefixes(PACKING[field]), keepRaw);
    }
    this.#chunks = chunks as Chunks;
    const age: FillsOf<unknown> = (item, into) => {
      into[0] = ageJson(item, this.#now());
    };
    this.#fills = {
      pods: (item, into) => this.#fillPod(item, into),
      deployments: age,
      statefulSets: age,
      daemonSets: age,
      replicaSets: NO_FILLS,
      jobs: NO_FILLS,
      cronJobs: NO_FILLS,
      services: age,
      ingresses: age,
      namespaces: (item, into) => this.#fillNamespace(item, into),
      configMaps: NO_FILLS,
      secrets: NO_FILLS,
      resourceQuotas: age,
      limitRanges: age,
      networkPolicies: age,
      serviceAccounts: age,
      pvs: NO_FILLS,
      pvcs: NO_FILLS,
      nodes: (item, into) => this.#fillNode(item, into),
      events: NO_FILLS,
    };
  }

  /** Compressed bytes held for all kinds. */
  get compressedBytes(): number {
    let n = 0;
    for (const { field } of SNAPSHOT_LIST_FIELDS) n += this.#chunks[field].compressedBytes;
    return n;
  }

  /** The snapshot as a gzip body. */
  write(inputs: WriteInputs): WrittenSnapshot {
    this.#inputs = inputs;
    const epoch = ++this.#epoch;
    const out = new GzipBody();
    const total: ChunkStats = { reused: 0, compressed: 0, compressedRawBytes: 0 };
    try {
      out.text(
        `{"clusterId":${JSON.stringify(inputs.clusterId)},"fetchedAt":${JSON.stringify(inputs.fetchedAt)}`,
      );
      for (const { field, omitempty } of SNAPSHOT_LIST_FIELDS) {
        if (omitempty && inputs.lists[field].length === 0) continue;
        out.text(`,"${field}":[`);
        const stats = this.#writeList(field, out, epoch);
        total.reused += stats.reused;
        total.compressed += stats.compressed;
        total.compressedRawBytes += stats.compressedRawBytes;
        out.text("]");
      }
      out.text(`,"summary":${JSON.stringify(inputs.stats.summary)}}`);
    } finally {
      this.#inputs = undefined;
    }
    return { ...out.finish(), chunks: total };
  }

  #writeList<K extends SnapshotListField>(field: K, out: GzipBody, epoch: number): ChunkStats {
    const chunks: KindChunks<SnapshotRecords[K]> = this.#chunks[field];
    const items: readonly PackedItem<K>[] = (this.#inputs as WriteInputs).lists[field];
    return chunks.write(items, this.#fills[field], out, epoch);
  }

  #now(): number {
    return (this.#inputs as WriteInputs).nowMs;
  }

  #fillPod(item: PackedItem<"pods">, into: Fill[]): void {
    const inputs = this.#inputs as WriteInputs;
    into[POD_HOLES.age] = ageJson(item, inputs.nowMs);
    const usage = inputs.podUsage.size > 0 ? inputs.podUsage.get(item.record.key) : undefined;
    if (usage) {
      const [cpu, memory] = usageFills(usage);
      into[POD_HOLES.cpuUsage] = cpu;
      into[POD_HOLES.memoryUsage] = memory;
    } else {
      into[POD_HOLES.cpuUsage] = undefined;
      into[POD_HOLES.memoryUsage] = undefined;
    }
  }

  #fillNode(item: PackedItem<"nodes">, into: Fill[]): void {
    const inputs = this.#inputs as WriteInputs;
    const name = item.record.name;
    into[NODE_HOLES.age] = ageJson(item, inputs.nowMs);
    into[NODE_HOLES.metrics] = JSON.stringify(
      nodeMetrics(item.record, inputs.nodeUsage.get(name), inputs.stats.podsPerNode.get(name) ?? 0),
    );
  }

  #fillNamespace(item: PackedItem<"namespaces">, into: Fill[]): void {
    const inputs = this.#inputs as WriteInputs;
    const name = item.record.name;
    into[NAMESPACE_HOLES.age] = ageJson(item, inputs.nowMs);
    into[NAMESPACE_HOLES.resources] = JSON.stringify(inputs.stats.namespaceResources.get(name));
    into[NAMESPACE_HOLES.quotas] = nestedList(
      inputs.stats.quotasByNamespace.get(name),
      this.#quotaPrefixes,
      inputs.nowMs,
    );
    into[NAMESPACE_HOLES.limitRanges] = nestedList(
      inputs.stats.limitRangesByNamespace.get(name),
      this.#limitRangePrefixes,
      inputs.nowMs,
    );
  }
}

// The JSON of each usage value, memoised per usage object; equal values compare equal as strings, so unchanged
// usage keeps a pod's compressed bytes.
const usageJson = new WeakMap<ResourceUsage, [string, string]>();

function usageFills(usage: ResourceUsage): [string, string] {
  let fills = usageJson.get(usage);
  if (!fills) {
    fills = [JSON.stringify(usage.cpu), JSON.stringify(usage.memory)];
    usageJson.set(usage, fills);
  }
  return fills;
}

// Quotas and limit ranges inside a namespace, written from their uncompressed text with their current age.
function nestedList(
  items: readonly Packed<unknown>[] | undefined,
  prefixes: readonly string[],
  nowMs: number,
): string | undefined {
  if (!items || items.length === 0) return undefined;
  const parts = items.map((item) => filledText(item, item.raw as string, [ageJson(item, nowMs)], prefixes));
  return `[${parts.join(",")}]`;
}

// The node's `metrics` block for this build: usage against allocatable, pods against capacity (§2.4).
function nodeMetrics(node: NodeRecord, usage: ResourceUsage | undefined, podsUsed: number): NodeMetrics {
  const stored = node.metrics;
  const cpuUsage = usage ? cpuNanocores(usage.cpu) : undefined;
  const memoryUsage = usage ? memoryBytes(usage.memory) : undefined;
  const cpuAllocatable = cpuNanocores(node.allocatableCpu);
  const memoryAllocatable = memoryBytes(node.allocatableMemory);
  return {
    cpu: {
      usage: usage?.cpu ?? "",
      allocatable: stored.cpu.allocatable,
      capacity: stored.cpu.capacity,
      utilPct: cpuUsage === undefined || cpuAllocatable === undefined
        ? undefined
        : nonZero(utilizationPct(cpuUsage, cpuAllocatable)),
    },
    memory: {
      usage: usage?.memory ?? "",
      allocatable: stored.memory.allocatable,
      capacity: stored.memory.capacity,
      utilPct: memoryUsage === undefined || memoryAllocatable === undefined
        ? undefined
        : nonZero(utilizationPct(memoryUsage, memoryAllocatable)),
    },
    pods: {
      used: podsUsed,
      capacity: stored.pods.capacity,
      utilPct: nonZero(utilizationPct(podsUsed, stored.pods.capacity)),
    },
    pressure: stored.pressure,
  };
}

// Go's omitempty drops a float64 that is 0.
function nonZero(value: number | undefined): number | undefined {
  return value === 0 ? undefined : value;
}
