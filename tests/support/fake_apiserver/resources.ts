/**
 * The table of resources the fake serves: one row per resource, everything else (routing, discovery, field
 * selectors, subresources) is derived from it.
 *
 * @module
 */

/** The verbs of an ordinary read-write resource. */
const ALL_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
] as const;

/** One served resource. */
export interface ResourceInfo {
  /** API group, `""` for core. */
  group: string;
  /** API version inside the group. */
  version: string;
  /** Plural resource name used in paths. */
  plural: string;
  /** Singular name (discovery `singularName`). */
  singular: string;
  /** Object kind. */
  kind: string;
  /** Whether objects live in namespaces. */
  namespaced: boolean;
  /** Verbs listed in discovery and accepted. */
  verbs: readonly string[];
  /** Short names such as `po`. */
  shortNames: readonly string[];
  /** Discovery categories such as `all`. */
  categories: readonly string[];
  /** Subresources served: `status`, `scale`, `log`, `eviction`. */
  subresources: readonly string[];
  /** Extra field-selector labels beyond `metadata.name` and `metadata.namespace`. */
  fieldSelectors: readonly string[];
  /** Read-only resources kept outside the resourceVersion sequence (metrics). */
  metrics: boolean;
}

interface Row {
  group?: string;
  version?: string;
  plural: string;
  kind: string;
  cluster?: boolean;
  short?: string[];
  all?: boolean;
  sub?: string[];
  fields?: string[];
  metrics?: boolean;
  verbs?: readonly string[];
}

const ROWS: readonly Row[] = [
  {
    plural: "pods",
    kind: "Pod",
    short: ["po"],
    all: true,
    sub: ["status", "log", "eviction"],
    fields: [
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  },
  {
    plural: "nodes",
    kind: "Node",
    cluster: true,
    short: ["no"],
    sub: ["status"],
    fields: ["spec.unschedulable"],
  },
  {
    plural: "namespaces",
    kind: "Namespace",
    cluster: true,
    short: ["ns"],
    sub: ["status"],
    fields: ["status.phase"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  },
  { plural: "services", kind: "Service", short: ["svc"], all: true, sub: ["status"] },
  { plural: "endpoints", kind: "Endpoints", short: ["ep"] },
  { plural: "configmaps", kind: "ConfigMap", short: ["cm"] },
  { plural: "secrets", kind: "Secret", fields: ["type"] },
  {
    plural: "events",
    kind: "Event",
    short: ["ev"],
    fields: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
  },
  { plural: "persistentvolumes", kind: "PersistentVolume", cluster: true, short: ["pv"], sub: ["status"] },
  { plural: "persistentvolumeclaims", kind: "PersistentVolumeClaim", short: ["pvc"], sub: ["status"] },
  { plural: "serviceaccounts", kind: "ServiceAccount", short: ["sa"] },
  { plural: "resourcequotas", kind: "ResourceQuota", short: ["quota"], sub: ["status"] },
  { plural: "limitranges", kind: "LimitRange", short: ["limits"] },
  {
    group: "apps",
    plural: "deployments",
    kind: "Deployment",
    short: ["deploy"],
    all: true,
    sub: ["status", "scale"],
  },
  {
    group: "apps",
    plural: "statefulsets",
    kind: "StatefulSet",
    short: ["sts"],
    all: true,
    sub: ["status", "scale"],
  },
  { group: "apps", plural: "daemonsets", kind: "DaemonSet", short: ["ds"], all: true, sub: ["status"] },
  {
    group: "apps",
    plural: "replicasets",
    kind: "ReplicaSet",
    short: ["rs"],
    all: true,
    sub: ["status", "scale"],
    fields: ["status.replicas"],
  },
  { group: "batch", plural: "jobs", kind: "Job", all: true, sub: ["status"], fields: ["status.successful"] },
  { group: "batch", plural: "cronjobs", kind: "CronJob", short: ["cj"], all: true, sub: ["status"] },
  { group: "networking.k8s.io", plural: "ingresses", kind: "Ingress", short: ["ing"], sub: ["status"] },
  { group: "networking.k8s.io", plural: "networkpolicies", kind: "NetworkPolicy", short: ["netpol"] },
  { group: "coordination.k8s.io", plural: "leases", kind: "Lease" },
  {
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
    kind: "HorizontalPodAutoscaler",
    short: ["hpa"],
    all: true,
    sub: ["status"],
  },
  {
    group: "policy",
    plural: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    short: ["pdb"],
    sub: ["status"],
  },
  { group: "metrics.k8s.io", version: "v1beta1", plural: "pods", kind: "PodMetrics", metrics: true },
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    plural: "nodes",
    kind: "NodeMetrics",
    cluster: true,
    metrics: true,
  },
];

/** Every resource the fake serves, in discovery order. */
export const RESOURCES: readonly ResourceInfo[] = ROWS.map((row) => ({
  group: row.group ?? "",
  version: row.version ?? "v1",
  plural: row.plural,
  singular: row.kind.toLowerCase(),
  kind: row.kind,
  namespaced: !row.cluster,
  verbs: row.metrics ? ["get", "list"] : row.verbs ?? ALL_VERBS,
  shortNames: row.short ?? [],
  categories: row.all ? ["all"] : [],
  subresources: row.sub ?? [],
  fieldSelectors: row.fields ?? [],
  metrics: row.metrics ?? false,
}));

/** `group/version`, or just `version` for core. */
export function groupVersion(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Stable identifier of a resource: `plural` for core, `plural.group` otherwise. */
export function resourceId(info: ResourceInfo): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

/** Finds the resource served at `group`/`version` with that plural. */
export function findByPath(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Finds the resource of an object from its `apiVersion` and `kind`. */
export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}

/**
 * Resolves a loose resource reference: a plural (`pods`), `plural.group` (`deployments.apps`,
 * `pods.metrics.k8s.io`), a kind (`Pod`), or a short name (`deploy`). Ordinary groups win over metrics.
 */
export function resolveResource(ref: string, apiVersion?: string): ResourceInfo | undefined {
  const candidates = apiVersion ? RESOURCES.filter((r) => groupVersion(r) === apiVersion) : RESOURCES;
  const lower = ref.toLowerCase();
  const ordered = [...candidates.filter((r) => !r.metrics), ...candidates.filter((r) => r.metrics)];
  return ordered.find((r) => resourceId(r) === lower) ??
    ordered.find((r) => r.plural === lower || r.kind.toLowerCase() === lower || r.singular === lower) ??
    ordered.find((r) => r.shortNames.includes(lower));
}
