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
  summary: NamespaceSummary;
  status: NamespaceStatus;
  /** Filled when a snapshot is built; zeros in stored objects. */
  resources: NamespaceResources;
  /** Filled when a snapshot is built. */
  quotas?: ResourceQuota[];
  /** Filled when a snapshot is built. */
  limitRanges?: LimitRange[];
  labels?: StringMap;
  annotations?: StringMap;
}

/** Namespace overview; `createdAt` is a string field in Go. */
export interface NamespaceSummary {
  name: string;
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
}

/** Namespace phase. */
export interface NamespaceStatus {
  phase: string;
}

/** Per-namespace object counts, computed from the snapshot's own lists. */
export interface NamespaceResources {
  pods: number;
  podsRunning: number;
  podsPending: number;
  podsFailed: number;
  podsSucceeded: number;
  deployments: number;
  statefulSets: number;
  daemonSets: number;
  replicaSets: number;
  jobs: number;
  cronJobs: number;
  services: number;
  ingresses: number;
  networkPolicies: number;
  configMaps: number;
  secrets: number;
  serviceAccounts: number;
  pvcs: number;
}

/** A ConfigMap (CommonMeta kind `ConfigMap`): the keys of `.data` only, never values. */
export interface ConfigMap extends CommonMeta {
  dataKeys?: string[];
}

/** A Secret (CommonMeta kind `Secret`): its type and the keys of `.data`, never values. */
export interface Secret extends CommonMeta {
  type: string;
  dataKeys?: string[];
}
