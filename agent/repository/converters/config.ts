/**
 * Namespace, ConfigMap and Secret converters (master-protocol §2.10). ConfigMaps and Secrets keep key names
 * only: values are never copied, so they never reach the store, let alone the Master.
 *
 * @module
 */

import type {
  ConfigMap as KubeConfigMap,
  Namespace as KubeNamespace,
  Secret as KubeSecret,
} from "kubernetes-types/core/v1.d.ts";
import type { ConfigMap, Namespace, NamespaceResources, Secret } from "../../../model/mod.ts";
import { annotations, commonMeta, labels, list, strTime } from "./_shared.ts";

/** Namespace counts before a snapshot build fills them. */
export function emptyNamespaceResources(): NamespaceResources {
  return {
    pods: 0,
    podsRunning: 0,
    podsPending: 0,
    podsFailed: 0,
    podsSucceeded: 0,
    deployments: 0,
    statefulSets: 0,
    daemonSets: 0,
    replicaSets: 0,
    jobs: 0,
    cronJobs: 0,
    services: 0,
    ingresses: 0,
    networkPolicies: 0,
    configMaps: 0,
    secrets: 0,
    serviceAccounts: 0,
    pvcs: 0,
  };
}

/** Converts a Namespace; `resources`, `quotas` and `limitRanges` are filled at build. */
export function convertNamespace(namespace: KubeNamespace): Namespace {
  const meta = namespace.metadata;
  return {
    summary: { name: meta?.name ?? "", createdAt: strTime(meta?.creationTimestamp), age: "" },
    status: { phase: namespace.status?.phase ?? "" },
    resources: emptyNamespaceResources(),
    quotas: undefined,
    limitRanges: undefined,
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

/** Converts a ConfigMap: the keys of `.data` only (not `binaryData`), never the values. */
export function convertConfigMap(configMap: KubeConfigMap): ConfigMap {
  return {
    ...commonMeta(configMap.metadata, "ConfigMap", { labels: true }),
    dataKeys: list(Object.keys(configMap.data ?? {})),
  };
}

/** Converts a Secret: its type and the keys of `.data`, never the values. */
export function convertSecret(secret: KubeSecret): Secret {
  return {
    ...commonMeta(secret.metadata, "Secret", { labels: true }),
    type: secret.type ?? "",
    dataKeys: list(Object.keys(secret.data ?? {})),
  };
}
