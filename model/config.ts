/**
 * Namespace, ConfigMap and Secret models (master-protocol §2.10). ConfigMaps and Secrets carry key names only:
 * values never enter the model.
 *
 * @module
 */

import type { CommonMeta, StringMap, StrTime } from "./meta.ts";
import type { LimitRange, ResourceQuota } from "./policy.ts";

/** A Namespace as the Master receives it. */
export interface Namespace {
  /** Name, age and creation time. */
  summary: NamespaceSummary;
  /** Namespace phase. */
  status: NamespaceStatus;
  /** Filled when a snapshot is built; zeros in stored objects. */
  resources: NamespaceResources;
  /** Filled when a snapshot is built. */
  quotas?: ResourceQuota[];
  /** Filled when a snapshot is built. */
  limitRanges?: LimitRange[];
  /** Labels of the namespace. */
  labels?: StringMap;
  /** Annotations of the namespace. */
  annotations?: StringMap;
}

/** Namespace overview; `createdAt` is a string field in Go. */
export interface NamespaceSummary {
  /** Namespace name. */
  name: string;
  /** Creation timestamp. */
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
}

/** Namespace phase. */
export interface NamespaceStatus {
  /** `Active` or `Terminating`. */
  phase: string;
}

/** Per-namespace object counts, computed from the snapshot's own lists. */
export interface NamespaceResources {
  /** Pods in the namespace. */
  pods: number;
  /** Pods in phase `Running`. */
  podsRunning: number;
  /** Pods in phase `Pending`. */
  podsPending: number;
  /** Pods in phase `Failed`. */
  podsFailed: number;
  /** Pods in phase `Succeeded`. */
  podsSucceeded: number;
  /** Deployments in the namespace. */
  deployments: number;
  /** StatefulSets in the namespace. */
  statefulSets: number;
  /** DaemonSets in the namespace. */
  daemonSets: number;
  /** ReplicaSets in the namespace. */
  replicaSets: number;
  /** Jobs in the namespace. */
  jobs: number;
  /** CronJobs in the namespace. */
  cronJobs: number;
  /** Services in the namespace. */
  services: number;
  /** Ingresses in the namespace. */
  ingresses: number;
  /** NetworkPolicies in the namespace. */
  networkPolicies: number;
  /** ConfigMaps in the namespace. */
  configMaps: number;
  /** Secrets in the namespace. */
  secrets: number;
  /** ServiceAccounts in the namespace. */
  serviceAccounts: number;
  /** PersistentVolumeClaims in the namespace. */
  pvcs: number;
}

/** A ConfigMap (CommonMeta kind `ConfigMap`): the keys of `.data` only, never values. */
export interface ConfigMap extends CommonMeta {
  /** Keys of `.data`. */
  dataKeys?: string[];
}

/** A Secret (CommonMeta kind `Secret`): its type and the keys of `.data`, never values. */
export interface Secret extends CommonMeta {
  /** Secret type, e.g. `Opaque`. */
  type: string;
  /** Keys of `.data`. */
  dataKeys?: string[];
}
