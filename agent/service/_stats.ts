/**
 * Cross-object fields computed from the snapshot's own lists at build time (master-protocol §2.1, §2.4,
 * §2.10, §5.4): the cluster summary, pods per node, and per-namespace counts with attached quotas and limit
 * ranges.
 *
 * @module
 */

import type {
  ClusterSummary,
  LimitRange,
  NamespaceResources,
  ResourceQuota,
  SnapshotItems,
  SnapshotListField,
} from "../../model/mod.ts";
import { emptyNamespaceResources } from "../repository/mod.ts";

/** The stored objects of every list field, as read from the stores for one build. */
export type SnapshotLists = { readonly [K in SnapshotListField]: readonly SnapshotItems[K][] };

/** Everything a build derives from more than one object. */
export interface CrossObjectStats {
  summary: ClusterSummary;
  /** Pods per `summary.nodeName`. */
  podsPerNode: Map<string, number>;
  /** Counts per namespace name, for every namespace in the snapshot. */
  namespaceResources: Map<string, NamespaceResources>;
  quotasByNamespace: Map<string, ResourceQuota[]>;
  limitRangesByNamespace: Map<string, LimitRange[]>;
}

// Lists whose items carry `namespace` at the top level, each counted under the same name.
const FLAT_COUNTED = [
  "replicaSets",
  "jobs",
  "cronJobs",
  "networkPolicies",
  "configMaps",
  "secrets",
  "serviceAccounts",
  "pvcs",
] as const satisfies ReadonlyArray<SnapshotListField & keyof NamespaceResources>;

// Lists whose items carry `summary.namespace`, each counted under the same name.
const NESTED_COUNTED = [
  "deployments",
  "statefulSets",
  "daemonSets",
  "services",
  "ingresses",
] as const satisfies ReadonlyArray<SnapshotListField & keyof NamespaceResources>;

/** Computes the summary, pods per node and the namespace counts in one pass over each list. */
export function crossObjectStats(lists: SnapshotLists): CrossObjectStats {
  const namespaceResources = new Map<string, NamespaceResources>();
  for (const ns of lists.namespaces) namespaceResources.set(ns.summary.name, emptyNamespaceResources());

  let running = 0;
  let pending = 0;
  let failed = 0;
  const podsPerNode = new Map<string, number>();
  for (const pod of lists.pods) {
    const phase = pod.status.phase;
    if (phase === "Running") running++;
    else if (phase === "Pending") pending++;
    else if (phase === "Failed") failed++;
    const node = pod.summary.nodeName;
    if (node) podsPerNode.set(node, (podsPerNode.get(node) ?? 0) + 1);
    const counts = namespaceResources.get(pod.summary.namespace);
    if (!counts) continue;
    counts.pods++;
    if (phase === "Running") counts.podsRunning++;
    else if (phase === "Pending") counts.podsPending++;
    else if (phase === "Failed") counts.podsFailed++;
    else if (phase === "Succeeded") counts.podsSucceeded++;
  }

  for (const field of NESTED_COUNTED) {
    for (const item of lists[field]) {
      const counts = namespaceResources.get(item.summary.namespace);
      if (counts) counts[field]++;
    }
  }
  for (const field of FLAT_COUNTED) {
    for (const item of lists[field]) {
      const counts = namespaceResources.get(item.namespace ?? "");
      if (counts) counts[field]++;
    }
  }

  let readyNodes = 0;
  for (const node of lists.nodes) if (node.summary.ready === "True") readyNodes++;
  let healthyDeployments = 0;
  for (const d of lists.deployments) {
    if (d.summary.ready === d.summary.replicas && d.summary.replicas > 0) healthyDeployments++;
  }
  let warningEvents = 0;
  for (const e of lists.events) if (e.type === "Warning") warningEvents++;

  return {
    summary: {
      totalNodes: lists.nodes.length,
      readyNodes,
      totalPods: lists.pods.length,
      runningPods: running,
      pendingPods: pending,
      failedPods: failed,
      totalDeployments: lists.deployments.length,
      healthyDeployments,
      totalStatefulSets: lists.statefulSets.length,
      totalDaemonSets: lists.daemonSets.length,
      totalServices: lists.services.length,
      totalIngresses: lists.ingresses.length,
      totalNamespaces: lists.namespaces.length,
      totalEvents: lists.events.length,
      warningEvents,
    },
    podsPerNode,
    namespaceResources,
    quotasByNamespace: groupByNamespace(lists.resourceQuotas, namespaceResources),
    limitRangesByNamespace: groupByNamespace(lists.limitRanges, namespaceResources),
  };
}

// Only namespaces present in the snapshot get quotas and limit ranges attached, as in Go.
function groupByNamespace<T extends { namespace: string }>(
  items: readonly T[],
  known: ReadonlyMap<string, unknown>,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    if (!known.has(item.namespace)) continue;
    const group = out.get(item.namespace);
    if (group) group.push(item);
    else out.set(item.namespace, [item]);
  }
  return out;
}
