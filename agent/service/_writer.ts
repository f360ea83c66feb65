/**
 * Writes a snapshot's JSON text from cached per-object fragments (see `_fragments.ts`): the top level is
 * assembled by concatenation, and only build-time fields (age, usage, pod counts, namespace counts) are
 * computed per build.
 *
 * @module
 */

import {
  ageValidity,
  cpuNanocores,
  formatAge,
  type LimitRange,
  memoryBytes,
  type Namespace,
  type Node,
  type Pod,
  type ResourceQuota,
  SNAPSHOT_LIST_FIELDS,
  type SnapshotItems,
  type SnapshotListField,
  utilizationPct,
} from "../../model/mod.ts";
import { ByteSink, type Fill, type Fragment, FragmentCache, type FragmentKind } from "./_fragments.ts";
import type { CrossObjectStats, SnapshotLists } from "./_stats.ts";
import type { ResourceUsage } from "./metrics.ts";

/** Everything one build hands to the writer. */
export interface WriteInputs {
  clusterId: string;
  fetchedAt: string;
  version: number;
  nowMs: number;
  lists: SnapshotLists;
  stats: CrossObjectStats;
  podUsage: ReadonlyMap<string, ResourceUsage>;
  nodeUsage: ReadonlyMap<string, ResourceUsage>;
}

type Fills = Fill[];

type ListWriter<T> = (items: readonly T[], out: ByteSink, inputs: WriteInputs) => void;

type ListWriters = { [K in SnapshotListField]: ListWriter<SnapshotItems[K]> };

const NO_HOLES: FragmentKind<object> = { holes: [], createdAt: () => "" };
const AGE = { path: ["age"] } as const;
const SUMMARY_AGE = { path: ["summary", "age"] } as const;

// Ages change at minute, hour or day boundaries: the same string is reused until then, so unchanged objects
// compare equal by identity and are copied without re-splicing.
function ageJson(fragment: Fragment, nowMs: number): string {
  if (nowMs >= fragment.ageFrom && nowMs < fragment.ageUntil) return fragment.ageJson;
  const elapsed = nowMs - fragment.createdMs;
  fragment.ageJson = `"${formatAge(elapsed)}"`;
  if (Number.isFinite(elapsed)) {
    const { from, until } = ageValidity(elapsed);
    fragment.ageFrom = fragment.createdMs + from;
    fragment.ageUntil = fragment.createdMs + until;
  }
  return fragment.ageJson;
}

// The JSON of each usage value, memoised per usage object so that unchanged usage keeps string identity.
const usageJson = new WeakMap<ResourceUsage, [string, string]>();

function usageFills(usage: ResourceUsage): [string, string] {
  let fills = usageJson.get(usage);
  if (!fills) {
    fills = [JSON.stringify(usage.cpu), JSON.stringify(usage.memory)];
    usageJson.set(usage, fills);
  }
  return fills;
}

// Writes a list, filling each object's holes; `fill` receives a reused buffer.
function writer<T extends object>(
  cache: FragmentCache<T>,
  fill?: (item: T, fragment: Fragment, inputs: WriteInputs, fills: Fills) => void,
): ListWriter<T> {
  const fills: Fills = [];
  return (items, out, inputs) => {
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out.text(",");
      const item = items[i];
      const fragment = cache.get(item);
      fill?.(item, fragment, inputs, fills);
      fragment.write(out, fills);
    }
  };
}

function summaryAge<T extends { summary: { createdAt: string } }>(): FragmentCache<T> {
  return new FragmentCache<T>({ holes: [SUMMARY_AGE], createdAt: (o) => o.summary.createdAt });
}

function fillAge(_item: unknown, fragment: Fragment, inputs: WriteInputs, fills: Fills): void {
  fills[0] = ageJson(fragment, inputs.nowMs);
}

/** Serialises builds; holds the fragment caches, so one writer lives as long as its snapshot service. */
export class SnapshotWriter {
  readonly #quotas = new FragmentCache<ResourceQuota>({ holes: [AGE], createdAt: (o) => o.createdAt });
  readonly #limitRanges = new FragmentCache<LimitRange>({ holes: [AGE], createdAt: (o) => o.createdAt });
  readonly #writers: ListWriters;
  // The previous snapshot's size: the next one is almost always about as large.
  #lastSize = 0;
  // A released output buffer. Writing 30 MB into fresh memory costs more in page faults than the copy itself,
  // so a buffer handed back by `release` is reused by the next build.
  #spare: Uint8Array | undefined;

  constructor() {
    const pods = new FragmentCache<Pod>({
      holes: [SUMMARY_AGE, { path: ["status", "cpuUsage"], live: true }, {
        path: ["status", "memoryUsage"],
        live: true,
      }],
      createdAt: (o) => o.summary.createdAt,
      keyOf: (o) => `${o.summary.namespace}/${o.summary.name}`,
    });
    const nodes = new FragmentCache<Node>({
      holes: [SUMMARY_AGE, { path: ["metrics"], live: true }],
      createdAt: (o) => o.summary.creationTime,
    });
    const namespaces = new FragmentCache<Namespace>({
      holes: [
        SUMMARY_AGE,
        { path: ["resources"], live: true },
        { path: ["quotas"], live: true },
        { path: ["limitRanges"], live: true },
      ],
      createdAt: (o) => o.summary.createdAt,
    });
    const flatAge = <T extends { createdAt: string }>() =>
      new FragmentCache<T>({ holes: [AGE], createdAt: (o) => o.createdAt });
    const plain = <T extends object>() => writer(new FragmentCache<T>(NO_HOLES));
    this.#writers = {
      pods: writer(pods, fillPod),
      deployments: writer(summaryAge(), fillAge),
      statefulSets: writer(summaryAge(), fillAge),
      daemonSets: writer(summaryAge(), fillAge),
      replicaSets: plain(),
      jobs: plain(),
      cronJobs: plain(),
      services: writer(summaryAge(), fillAge),
      ingresses: writer(summaryAge(), fillAge),
      namespaces: writer(
        namespaces,
        (ns, fragment, inputs, fills) => this.#fillNamespace(ns, fragment, inputs, fills),
      ),
      configMaps: plain(),
      secrets: plain(),
      resourceQuotas: writer(this.#quotas, fillAge),
      limitRanges: writer(this.#limitRanges, fillAge),
      networkPolicies: writer(flatAge(), fillAge),
      serviceAccounts: writer(flatAge(), fillAge),
      pvs: plain(),
      pvcs: plain(),
      nodes: writer(nodes, fillNode),
      events: plain(),
    };
  }

  /** The snapshot's JSON as UTF-8 bytes. */
  write(inputs: WriteInputs): Uint8Array {
    const out = new ByteSink(this.#lastSize + 64 * 1024, this.#spare);
    this.#spare = undefined;
    out.text(
      `{"clusterId":${JSON.stringify(inputs.clusterId)},"fetchedAt":${JSON.stringify(inputs.fetchedAt)}`,
    );
    for (const { field, omitempty } of SNAPSHOT_LIST_FIELDS) {
      if (omitempty && inputs.lists[field].length === 0) continue;
      out.text(`,"${field}":[`);
      this.#writeList(field, out, inputs);
      out.text("]");
    }
    out.text(`,"summary":${JSON.stringify(inputs.stats.summary)}}`);
    this.#lastSize = out.length;
    return out.result();
  }

  /** Takes back the output of {@linkcode write} once its bytes are no longer used. */
  release(output: Uint8Array): void {
    const buffer = new Uint8Array(output.buffer);
    if (!this.#spare || buffer.length > this.#spare.length) this.#spare = buffer;
  }

  #writeList<K extends SnapshotListField>(field: K, out: ByteSink, inputs: WriteInputs): void {
    const write: ListWriter<SnapshotItems[K]> = this.#writers[field];
    write(inputs.lists[field], out, inputs);
  }

  #fillNamespace(ns: Namespace, fragment: Fragment, inputs: WriteInputs, fills: Fills): void {
    const name = ns.summary.name;
    fills[0] = ageJson(fragment, inputs.nowMs);
    fills[1] = JSON.stringify(inputs.stats.namespaceResources.get(name) ?? ns.resources);
    fills[2] = nestedList(this.#quotas, inputs.stats.quotasByNamespace.get(name), inputs.nowMs);
    fills[3] = nestedList(this.#limitRanges, inputs.stats.limitRangesByNamespace.get(name), inputs.nowMs);
  }
}

// Quotas and limit ranges inside a namespace reuse the fragments of the top-level lists.
function nestedList<T extends object>(
  cache: FragmentCache<T>,
  items: readonly T[] | undefined,
  nowMs: number,
): Uint8Array | undefined {
  if (!items || items.length === 0) return undefined;
  const out = new ByteSink(4096);
  out.text("[");
  items.forEach((item, i) => {
    if (i > 0) out.text(",");
    const fragment = cache.get(item);
    fragment.write(out, [ageJson(fragment, nowMs)]);
  });
  out.text("]");
  return out.result();
}

function fillPod(_pod: Pod, fragment: Fragment, inputs: WriteInputs, fills: Fills): void {
  fills[0] = ageJson(fragment, inputs.nowMs);
  const usage = inputs.podUsage.size > 0 ? inputs.podUsage.get(fragment.key) : undefined;
  if (usage) {
    const [cpu, memory] = usageFills(usage);
    fills[1] = cpu;
    fills[2] = memory;
  } else {
    fills[1] = undefined;
    fills[2] = undefined;
  }
}

function fillNode(node: Node, fragment: Fragment, inputs: WriteInputs, fills: Fills): void {
  fills[0] = ageJson(fragment, inputs.nowMs);
  fills[1] = JSON.stringify(
    nodeMetrics(
      node,
      inputs.nodeUsage.get(node.summary.name),
      inputs.stats.podsPerNode.get(node.summary.name) ?? 0,
    ),
  );
}

// The node's `metrics` block for this build: usage against allocatable, pods against capacity (§2.4).
function nodeMetrics(node: Node, usage: ResourceUsage | undefined, podsUsed: number): Node["metrics"] {
  const stored = node.metrics;
  const cpuUsage = usage ? cpuNanocores(usage.cpu) : undefined;
  const memoryUsage = usage ? memoryBytes(usage.memory) : undefined;
  const cpuAllocatable = cpuNanocores(node.allocatable.cpu ?? "0");
  const memoryAllocatable = memoryBytes(node.allocatable.memory ?? "0");
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
