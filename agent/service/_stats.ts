/**
 * Cross-object fields computed from the snapshot's own lists at build time (master-protocol §2.1, §2.4,
 * §2.10, §5.4): the cluster summary, pods per node, and per-namespace counts with attached quotas and limit
 * ranges.
 *
 * @module
 */

import type { ClusterSummary, NamespaceResources, SnapshotListField } from "../../model/mod.ts";
import { emptyNamespaceResources, type PackedItem } from "../repository/mod.ts";

/** The packed objects of every list field, as read from the stores for one build. */
export type SnapshotLists = { readonly [K in SnapshotListField]: readonly PackedItem<K>[] };

/** Everything a build derives from more than one object. */
export interface CrossObjectStats {
  summary: ClusterSummary;
  /** Pods per `summary.nodeName`. */
  podsPerNode: Map<string, number>;
  /** Counts per namespace name, for every namespace in the snapshot. */
  namespaceResources: Map<string, NamespaceResources>;
  quotasByNamespace: Map<string, PackedItem<"resourceQuotas">[]>;
  limitRangesByNamespace: Map<string, PackedItem<"limitRanges">[]>;
}

// Lists counted per namespace under the same name.
const COUNTED = [
  "deployments",
  "statefulSets",
  "daemonSets",
  "services",
  "ingresses",
  "replicaSets",
  "jobs",
  "cronJobs",
  "networkPolicies",
  "configMaps",
  "secrets",
  "serviceAccounts",
  "pvcs",
] as const satisfies ReadonlyArray<SnapshotListField & keyof NamespaceResources>;

/** Computes the summary, pods per node and the namespace counts in one pass over each list. */
export function crossObjectStats(lists: SnapshotLists): CrossObjectStats {
  const namespaceResources = new Map<string, NamespaceResources>();
  for (const ns of lists.namespaces) namespaceResources.set(ns.record.name, emptyNamespaceResources());

  let running = 0;
  let pending = 0;
  let failed = 0;
  const podsPerNode = new Map<string, number>();
  for (const { record: pod } of lists.pods) {
    const phase = pod.phase;
    if (phase === "Running") running++;
    else if (phase === "Pending") pending++;
    else if (phase === "Failed") failed++;
    const node = pod.nodeName;
    if (node) podsPerNode.set(node, (podsPerNode.get(node) ?? 0) + 1);
    const counts = namespaceResources.get(pod.namespace);
    if (!counts) continue;
    counts.pods++;
    if (phase === "Running") counts.podsRunning++;
    else if (phase === "Pending") counts.podsPending++;
    else if (phase === "Failed") counts.podsFailed++;
    else if (phase === "Succeeded") counts.podsSucceeded++;
  }

  for (const field of COUNTED) {
    for (const item of lists[field]) {
      const counts = namespaceResources.get(item.record.namespace);
      if (counts) counts[field]++;
    }
  }

  let readyNodes = 0;
  for (const node of lists.nodes) if (node.record.ready === "True") readyNodes++;
  let healthyDeployments = 0;
  for (const { record: d } of lists.deployments) {
    if (d.ready === d.replicas && d.replicas > 0) healthyDeployments++;
  }
  let warningEvents = 0;
  for (const e of lists.events) if (e.record.type === "Warning") warningEvents++;

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
function groupByNamespace<T extends { record: { namespace: string } }>(
  items: readonly T[],
  known: ReadonlyMap<string, unknown>,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const namespace = item.record.namespace;
    if (!known.has(namespace)) continue;
    const group = out.get(namespace);
    if (group) group.push(item);
    else out.set(namespace, [item]);
  }
  return out;
}
