/**
 * The repository's map from each watched kind to the `ClusterSnapshot` list it feeds. The informer table knows
 * kinds and REST paths only; the wire field names live here, next to the converters that produce the lists.
 *
 * @module
 */

import type { SnapshotListField } from "../../model/mod.ts";
import type { ResourceName } from "../informer/mod.ts";

/** The snapshot list field of every kind; a kind added to the informer table without a row here does not compile. */
export const SNAPSHOT_FIELDS = {
  pods: "pods",
  nodes: "nodes",
  namespaces: "namespaces",
  services: "services",
  configmaps: "configMaps",
  secrets: "secrets",
  events: "events",
  persistentvolumes: "pvs",
  persistentvolumeclaims: "pvcs",
  serviceaccounts: "serviceAccounts",
  resourcequotas: "resourceQuotas",
  limitranges: "limitRanges",
  ingresses: "ingresses",
  networkpolicies: "networkPolicies",
  deployments: "deployments",
  statefulsets: "statefulSets",
  daemonsets: "daemonSets",
  replicasets: "replicaSets",
  jobs: "jobs",
  cronjobs: "cronJobs",
} as const satisfies Readonly<Record<ResourceName, SnapshotListField>>;

/** The snapshot list field a kind feeds. */
export type SnapshotFieldOf<N extends ResourceName> = (typeof SNAPSHOT_FIELDS)[N];

/** List fields no kind feeds: `never`, or the assignment below fails to compile. */
type UnfedFields = Exclude<SnapshotListField, SnapshotFieldOf<ResourceName>>;
const _everyFieldFed: [UnfedFields] extends [never] ? true : UnfedFields = true;
