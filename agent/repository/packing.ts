/**
 * The typed map from each snapshot list field to how its objects are stored: the converter's model object is
 * cut into wire JSON bytes with holes for the build-time fields (age, usage, counts) and a small record for the
 * cross-object computations (master-protocol §2.1, §2.4, §2.10), then dropped.
 *
 * @module
 */

import type { Namespace, Node, NodeMetrics, Pod, SnapshotItems, SnapshotListField } from "../../model/mod.ts";
import { type FragmentKind, pack, type Packed } from "./fragment.ts";
import { intern } from "./intern.ts";

/** What the cluster summary and the namespace counts read of a pod. */
export interface PodRecord {
  readonly namespace: string;
  /** `namespace/name`, the key of metrics-server usage. */
  readonly key: string;
  readonly phase: string;
  /** `""` when not scheduled. */
  readonly nodeName: string;
}

/** What a node's build-time `metrics` block and the summary read of a node. */
export interface NodeRecord {
  readonly name: string;
  /** `summary.ready`: `"True"`, `"False"` or `"Unknown"`. */
  readonly ready: string;
  /** The stored metrics block (capacity, allocatable, pressure); usage and pod counts are filled per build. */
  readonly metrics: NodeMetrics;
  readonly allocatableCpu: string;
  readonly allocatableMemory: string;
}

/** A namespace's name, the key of its per-build counts. */
export interface NamespaceRecord {
  readonly name: string;
}

/** What the summary reads of a Deployment. */
export interface DeploymentRecord {
  readonly namespace: string;
  readonly ready: number;
  readonly replicas: number;
}

/** The namespace of an object, for the per-namespace counts. */
export interface NamespacedRecord {
  readonly namespace: string;
}

/** What the summary reads of an event. */
export interface EventRecord {
  readonly type: string;
}

/** The record type of every snapshot list field. */
export interface SnapshotRecords {
  pods: PodRecord;
  deployments: DeploymentRecord;
  statefulSets: NamespacedRecord;
  daemonSets: NamespacedRecord;
  replicaSets: NamespacedRecord;
  jobs: NamespacedRecord;
  cronJobs: NamespacedRecord;
  services: NamespacedRecord;
  ingresses: NamespacedRecord;
  namespaces: NamespaceRecord;
  configMaps: NamespacedRecord;
  secrets: NamespacedRecord;
  resourceQuotas: NamespacedRecord;
  limitRanges: NamespacedRecord;
  networkPolicies: NamespacedRecord;
  serviceAccounts: NamespacedRecord;
  pvs: NamespacedRecord;
  pvcs: NamespacedRecord;
  nodes: NodeRecord;
  events: EventRecord;
}

/** The stored form of one object of a snapshot list field. */
export type PackedItem<K extends SnapshotListField> = Packed<SnapshotRecords[K]>;

/** How each snapshot list field is cut and what record it keeps. */
export type PackingTable = {
  readonly [K in SnapshotListField]: FragmentKind<SnapshotItems[K], SnapshotRecords[K]>;
};

const SUMMARY_AGE = { path: ["summary", "age"] } as const;
const AGE = { path: ["age"] } as const;

/** Hole indexes of pods: age, then the two usage values from metrics-server. */
export const POD_HOLES = { age: 0, cpuUsage: 1, memoryUsage: 2 } as const;
/** Hole indexes of nodes: age, then the metrics block. */
export const NODE_HOLES = { age: 0, metrics: 1 } as const;
/** Hole indexes of namespaces: age, then counts, quotas and limit ranges. */
export const NAMESPACE_HOLES = { age: 0, resources: 1, quotas: 2, limitRanges: 3 } as const;

function summaryAged<M extends { summary: { namespace: string; createdAt: string } }>(): FragmentKind<
  M,
  NamespacedRecord
> {
  return {
    holes: [SUMMARY_AGE],
    createdAt: (m) => m.summary.createdAt,
    record: (m) => ({ namespace: intern(m.summary.namespace) }),
  };
}

function flatAged<M extends { namespace: string; createdAt: string }>(): FragmentKind<M, NamespacedRecord> {
  return { holes: [AGE], createdAt: (m) => m.createdAt, record: (m) => ({ namespace: intern(m.namespace) }) };
}

// Kinds whose `age` the converter writes (the Go model carries it as a plain string): no holes.
function plain<M extends { namespace?: string }>(): FragmentKind<M, NamespacedRecord> {
  return { holes: [], createdAt: () => "", record: (m) => ({ namespace: intern(m.namespace ?? "") }) };
}

/** The packing of every snapshot list field. */
export const PACKING: PackingTable = {
  pods: {
    holes: [SUMMARY_AGE, { path: ["status", "cpuUsage"] }, { path: ["status", "memoryUsage"] }],
    createdAt: (m: Pod) => m.summary.createdAt,
    record: (m: Pod) => ({
      namespace: intern(m.summary.namespace),
      key: `${m.summary.namespace}/${m.summary.name}`,
      phase: intern(m.status.phase),
      nodeName: intern(m.summary.nodeName ?? ""),
    }),
  },
  deployments: {
    holes: [SUMMARY_AGE],
    createdAt: (m) => m.summary.createdAt,
    record: (m) => ({
      namespace: intern(m.summary.namespace),
      ready: m.summary.ready,
      replicas: m.summary.replicas,
    }),
  },
  statefulSets: summaryAged(),
  daemonSets: summaryAged(),
  replicaSets: plain(),
  jobs: plain(),
  cronJobs: plain(),
  services: summaryAged(),
  ingresses: summaryAged(),
  namespaces: {
    holes: [SUMMARY_AGE, { path: ["resources"] }, { path: ["quotas"] }, { path: ["limitRanges"] }],
    createdAt: (m: Namespace) => m.summary.createdAt,
    record: (m: Namespace) => ({ name: m.summary.name }),
  },
  configMaps: plain(),
  secrets: plain(),
  resourceQuotas: flatAged(),
  limitRanges: flatAged(),
  networkPolicies: flatAged(),
  serviceAccounts: flatAged(),
  pvs: plain(),
  pvcs: plain(),
  nodes: {
    holes: [SUMMARY_AGE, { path: ["metrics"] }],
    createdAt: (m: Node) => m.summary.creationTime,
    record: (m: Node) => ({
      name: m.summary.name,
      ready: intern(m.summary.ready),
      metrics: m.metrics,
      allocatableCpu: m.allocatable.cpu ?? "0",
      allocatableMemory: m.allocatable.memory ?? "0",
    }),
  },
  events: {
    holes: [],
    createdAt: () => "",
    record: (m) => ({ type: intern(m.type) }),
  },
};

/** Packs one converted model object of `field`. */
export function packItem<K extends SnapshotListField>(field: K, model: SnapshotItems[K]): PackedItem<K> {
  const kind: FragmentKind<SnapshotItems[K], SnapshotRecords[K]> = PACKING[field];
  return pack(model, kind);
}
