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
  /** Id of the cluster the snapshot describes. */
  clusterId: string;
  /** Start of collection; the Master stores it as `lastSnapshot`. */
  fetchedAt: Time;
  /** Pods of the cluster. */
  pods: Pod[];
  /** Deployments of the cluster. */
  deployments: Deployment[];
  /** StatefulSets of the cluster. */
  statefulSets: StatefulSet[];
  /** DaemonSets of the cluster. */
  daemonSets: DaemonSet[];
  /** ReplicaSets of the cluster. */
  replicaSets?: ReplicaSet[];
  /** Jobs of the cluster. */
  jobs?: Job[];
  /** CronJobs of the cluster. */
  cronJobs?: CronJob[];
  /** Services of the cluster. */
  services: Service[];
  /** Ingresses of the cluster. */
  ingresses: Ingress[];
  /** Namespaces of the cluster. */
  namespaces: Namespace[];
  /** ConfigMaps of the cluster. */
  configMaps: ConfigMap[];
  /** Secrets of the cluster. */
  secrets?: Secret[];
  /** ResourceQuotas of the cluster. */
  resourceQuotas?: ResourceQuota[];
  /** LimitRanges of the cluster. */
  limitRanges?: LimitRange[];
  /** NetworkPolicies of the cluster. */
  networkPolicies?: NetworkPolicy[];
  /** ServiceAccounts of the cluster. */
  serviceAccounts?: ServiceAccount[];
  /** PersistentVolumes of the cluster. */
  pvs?: PersistentVolume[];
  /** PersistentVolumeClaims of the cluster. */
  pvcs?: PersistentVolumeClaim[];
  /** Nodes of the cluster. */
  nodes: Node[];
  /** Events of the cluster. */
  events: Event[];
  /** Cluster-wide counts. */
  summary: ClusterSummary;
}

/** Cluster counts the Master's overview trusts as sent. */
export interface ClusterSummary {
  /** Number of nodes. */
  totalNodes: number;
  /** Nodes whose `summary.ready` is `"True"`. */
  readyNodes: number;
  /** Number of pods. */
  totalPods: number;
  /** Pods in phase `Running`. */
  runningPods: number;
  /** Pods in phase `Pending`. */
  pendingPods: number;
  /** Pods in phase `Failed`. */
  failedPods: number;
  /** Number of Deployments. */
  totalDeployments: number;
  /** `summary.ready == summary.replicas && replicas > 0`. */
  healthyDeployments: number;
  /** Number of StatefulSets. */
  totalStatefulSets: number;
  /** Number of DaemonSets. */
  totalDaemonSets: number;
  /** Number of Services. */
  totalServices: number;
  /** Number of Ingresses. */
  totalIngresses: number;
  /** Number of namespaces. */
  totalNamespaces: number;
  /** Number of events. */
  totalEvents: number;
  /** Events with `type == "Warning"`. */
  warningEvents: number;
}

/** The element type of every list field of {@linkcode ClusterSnapshot}, keyed by its JSON name. */
export interface SnapshotItems {
  /** Element type of `pods`. */
  pods: Pod;
  /** Element type of `deployments`. */
  deployments: Deployment;
  /** Element type of `statefulSets`. */
  statefulSets: StatefulSet;
  /** Element type of `daemonSets`. */
  daemonSets: DaemonSet;
  /** Element type of `replicaSets`. */
  replicaSets: ReplicaSet;
  /** Element type of `jobs`. */
  jobs: Job;
  /** Element type of `cronJobs`. */
  cronJobs: CronJob;
  /** Element type of `services`. */
  services: Service;
  /** Element type of `ingresses`. */
  ingresses: Ingress;
  /** Element type of `namespaces`. */
  namespaces: Namespace;
  /** Element type of `configMaps`. */
  configMaps: ConfigMap;
  /** Element type of `secrets`. */
  secrets: Secret;
  /** Element type of `resourceQuotas`. */
  resourceQuotas: ResourceQuota;
  /** Element type of `limitRanges`. */
  limitRanges: LimitRange;
  /** Element type of `networkPolicies`. */
  networkPolicies: NetworkPolicy;
  /** Element type of `serviceAccounts`. */
  serviceAccounts: ServiceAccount;
  /** Element type of `pvs`. */
  pvs: PersistentVolume;
  /** Element type of `pvcs`. */
  pvcs: PersistentVolumeClaim;
  /** Element type of `nodes`. */
  nodes: Node;
  /** Element type of `events`. */
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
