/**
 * The resource table: every kind the agent watches, one row each, with what the API server needs to list and
 * watch it (no wire field names: `agent/repository/snapshot_fields.ts` maps kinds to snapshot lists). Adding a
 * kind is one row here, one row there, one converter and one model type.
 *
 * @module
 */

import type { KubeObject } from "../sdk/mod.ts";
import { resourcePath } from "../sdk/mod.ts";

/** One watched resource kind. */
export interface ResourceDef {
  /** API group, `""` for core. */
  group: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Lower-case plural, also the kind's key in configuration (`AGENT_DISABLED_KINDS`). */
  plural: string;
  /** `kind` of its objects. */
  kind: string;
  /** Whether objects live in a namespace. */
  namespaced: boolean;
}

/** Every kind the snapshot carries, keyed by plural. */
export const RESOURCES = {
  pods: { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true },
  nodes: {
    group: "",
    version: "v1",
    plural: "nodes",
    kind: "Node",
    namespaced: false,
  },
  namespaces: {
    group: "",
    version: "v1",
    plural: "namespaces",
    kind: "Namespace",
    namespaced: false,
  },
  services: {
    group: "",
    version: "v1",
    plural: "services",
    kind: "Service",
    namespaced: true,
  },
  configmaps: {
    group: "",
    version: "v1",
    plural: "configmaps",
    kind: "ConfigMap",
    namespaced: true,
  },
  secrets: {
    group: "",
    version: "v1",
    plural: "secrets",
    kind: "Secret",
    namespaced: true,
  },
  events: {
    group: "",
    version: "v1",
    plural: "events",
    kind: "Event",
    namespaced: true,
  },
  persistentvolumes: {
    group: "",
    version: "v1",
    plural: "persistentvolumes",
    kind: "PersistentVolume",
    namespaced: false,
  },
  persistentvolumeclaims: {
    group: "",
    version: "v1",
    plural: "persistentvolumeclaims",
    kind: "PersistentVolumeClaim",
    namespaced: true,
  },
  serviceaccounts: {
    group: "",
    version: "v1",
    plural: "serviceaccounts",
    kind: "ServiceAccount",
    namespaced: true,
  },
  resourcequotas: {
    group: "",
    version: "v1",
    plural: "resourcequotas",
    kind: "ResourceQuota",
    namespaced: true,
  },
  limitranges: {
    group: "",
    version: "v1",
    plural: "limitranges",
    kind: "LimitRange",
    namespaced: true,
  },
  ingresses: {
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    kind: "Ingress",
    namespaced: true,
  },
  networkpolicies: {
    group: "networking.k8s.io",
    version: "v1",
    plural: "networkpolicies",
    kind: "NetworkPolicy",
    namespaced: true,
  },
  deployments: {
    group: "apps",
    version: "v1",
    plural: "deployments",
    kind: "Deployment",
    namespaced: true,
  },
  statefulsets: {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    kind: "StatefulSet",
    namespaced: true,
  },
  daemonsets: {
    group: "apps",
    version: "v1",
    plural: "daemonsets",
    kind: "DaemonSet",
    namespaced: true,
  },
  replicasets: {
    group: "apps",
    version: "v1",
    plural: "replicasets",
    kind: "ReplicaSet",
    namespaced: true,
  },
  jobs: {
    group: "batch",
    version: "v1",
    plural: "jobs",
    kind: "Job",
    namespaced: true,
  },
  cronjobs: {
    group: "batch",
    version: "v1",
    plural: "cronjobs",
    kind: "CronJob",
    namespaced: true,
  },
} as const satisfies Record<string, ResourceDef>;

/** Key of a kind in {@linkcode RESOURCES} (its plural). */
export type ResourceName = keyof typeof RESOURCES;

/** Every kind key, in table order. */
export const RESOURCE_NAMES = Object.keys(RESOURCES) as ResourceName[];

/** The collection path of a kind, for all namespaces or one. */
export function collectionPath(resource: ResourceDef, namespace?: string): string {
  return resourcePath({
    group: resource.group,
    version: resource.version,
    plural: resource.plural,
    namespace: resource.namespaced ? namespace : undefined,
  });
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * The default transform: a new object without `metadata.managedFields` and the last-applied annotation (the two
 * largest parts of most objects that nothing downstream reads). Built anew rather than `delete`d so V8 keeps the
 * object in fast mode.
 */
export function stripObject<T extends KubeObject>(object: T): T {
  const metadata = object.metadata;
  if (!metadata) return object;
  const { managedFields: _managed, annotations, ...rest } = metadata;
  let kept = annotations;
  if (annotations && LAST_APPLIED in annotations) {
    const { [LAST_APPLIED]: _lastApplied, ...others } = annotations;
    kept = Object.keys(others).length ? others : undefined;
  }
  return { ...object, metadata: kept ? { ...rest, annotations: kept } : rest };
}

/** A Secret as the agent keeps it: metadata, type and the key names of `data`, never the values. */
export interface SecretKeys extends KubeObject {
  type?: string;
  dataKeys: string[];
}

/** Transform for Secrets: values never reach memory beyond the decode of one event. */
export function secretKeysOnly(
  object: KubeObject & { type?: string; data?: Record<string, string> },
): SecretKeys {
  const stripped = stripObject({
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: object.metadata,
  });
  return { ...stripped, type: object.type, dataKeys: Object.keys(object.data ?? {}) };
}

/** The transform used for a kind until the repository layer plugs in its converters. */
export function defaultTransform(resource: ResourceDef): (object: KubeObject) => unknown {
  return resource.plural === "secrets" ? (o) => secretKeysOnly(o as KubeObject) : stripObject;
}
