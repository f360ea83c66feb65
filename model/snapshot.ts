/**
 * The top level of a snapshot (master-protocol §2.1): `ClusterSnapshot`, its `summary`, and the table of list
 * fields that the informer layer, the converters and the snapshot builder share.
 *
 * @module
 */

import type { ConfigMap, Namespace, Secret } from "./config.ts";
import type { Event } from "./event.ts";
import type { Time } from "./meta.ts";
import type { Ingress, NetworkPolicy, Service } from "./network.ts";
import type { Node } from "./node.ts";
import type { Pod } from "./pod.ts";
import type { LimitRange, ResourceQuota, ServiceAccount } from "./policy.ts";
import type { PersistentVolume, PersistentVolumeClaim } from "./storage.ts";
import type { CronJob, DaemonSet, Deployment, Job, ReplicaSet, StatefulSet } from "./workloads.ts";

/** The whole cluster as pushed to `POST /agent/snapshot`. */
export interface ClusterSnapshot {
  clusterId: string;
  /** Start of collection; the Master stores it as `lastSnapshot`. */
  fetchedAt: Time;
  /** Monotonically increasing per agent run (the Master ignores unknown fields). */
  version: number;
  pods: Pod[];
  deployments: Deployment[];
  statefulSets: StatefulSet[];
  daemonSets: DaemonSet[];
  replicaSets?: ReplicaSet[];
  jobs?: Job[];
  cronJobs?: CronJob[];
  services: Service[];
  ingresses: Ingress[];
  namespaces: Namespace[];
  configMaps: ConfigMap[];
  secrets?: Secret[];
  resourceQuotas?: ResourceQuota[];
  limitRanges?: LimitRange[];
  networkPolicies?: NetworkPolicy[];
  serviceAccounts?: ServiceAccount[];
  pvs?: PersistentVolume[];
  pvcs?: PersistentVolumeClaim[];
  nodes: Node[];
  events: Event[];
  summary: ClusterSummary;
}

/** Cluster counts the Master's overview trusts as sent. */
export interface ClusterSummary {
  totalNodes: number;
  /** Nodes whose `summary.ready` is `"True"`. */
  readyNodes: number;
  totalPods: number;
  runningPods: number;
  pendingPods: number;
  failedPods: number;
  totalDeployments: number;
  /** `summary.ready == summary.replicas && replicas > 0`. */
  healthyDeployments: number;
  totalStatefulSets: number;
  totalDaemonSets: number;
  totalServices: number;
  totalIngresses: number;
  totalNamespaces: number;
  totalEvents: number;
  /** Events with `type == "Warning"`. */
  warningEvents: number;
}

/** The element type of every list field of {@linkcode ClusterSnapshot}, keyed by its JSON name. */
export interface SnapshotItems {
  pods: Pod;
  deployments: Deployment;
  statefulSets: StatefulSet;
  daemonSets: DaemonSet;
  replicaSets: ReplicaSet;
  jobs: Job;
  cronJobs: CronJob;
  services: Service;
  ingresses: Ingress;
  namespaces: Namespace;
  configMaps: ConfigMap;
  secrets: Secret;
  resourceQuotas: ResourceQuota;
  limitRanges: LimitRange;
  networkPolicies: NetworkPolicy;
  serviceAccounts: ServiceAccount;
  pvs: PersistentVolume;
  pvcs: PersistentVolumeClaim;
  nodes: Node;
  events: Event;
}

/** The JSON name of a snapshot list field. */
export type SnapshotListField = keyof SnapshotItems;

/**
 * Every list field in the order the snapshot writes them, with whether Go drops it when empty (`omitempty`,
 * master-protocol §10.3). The others are always sent, as `[]` at least.
 */
export const SNAPSHOT_LIST_FIELDS: ReadonlyArray<{ field: SnapshotListField; omitempty: boolean }> = [
  { field: "pods", omitempty: false },
  { field: "deployments", omitempty: false },
  { field: "statefulSets", omitempty: false },
  { field: "daemonSets", omitempty: false },
  { field: "replicaSets", omitempty: true },
  { field: "jobs", omitempty: true },
  { field: "cronJobs", omitempty: true },
  { field: "services", omitempty: false },
  { field: "ingresses", omitempty: false },
  { field: "namespaces", omitempty: false },
  { field: "configMaps", omitempty: false },
  { field: "secrets", omitempty: true },
  { field: "resourceQuotas", omitempty: true },
  { field: "limitRanges", omitempty: true },
  { field: "networkPolicies", omitempty: true },
  { field: "serviceAccounts", omitempty: true },
  { field: "pvs", omitempty: true },
  { field: "pvcs", omitempty: true },
  { field: "nodes", omitempty: false },
  { field: "events", omitempty: false },
];
