/**
 * Converters from Kubernetes objects to the compact wire model: the informer transforms. Each converter builds
 * a new object that holds only what the snapshot needs; build-time fields (`age`, usage, counts) are left
 * neutral and filled by the snapshot builder.
 *
 * {@linkcode createConverters} gives the table the informer resource table references, keyed by the snapshot's
 * list field names.
 *
 * @module
 */

import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "kubernetes-types/apps/v1.d.ts";
import type { CronJob, Job } from "kubernetes-types/batch/v1.d.ts";
import type {
  ConfigMap,
  Event,
  LimitRange,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-types/core/v1.d.ts";
import type { Ingress, NetworkPolicy } from "kubernetes-types/networking/v1.d.ts";
import type { SnapshotItems, SnapshotListField } from "../../../model/mod.ts";
import type { ConvertOptions } from "./_shared.ts";
import { convertConfigMap, convertNamespace, convertSecret } from "./config.ts";
import { convertEvent } from "./event.ts";
import { convertIngress, convertNetworkPolicy, convertService } from "./network.ts";
import { convertNode } from "./node.ts";
import { convertPod } from "./pod.ts";
import { convertLimitRange, convertResourceQuota, convertServiceAccount } from "./policy.ts";
import { convertPersistentVolume, convertPersistentVolumeClaim } from "./storage.ts";
import {
  convertCronJob,
  convertDaemonSet,
  convertDeployment,
  convertJob,
  convertReplicaSet,
  convertStatefulSet,
} from "./workloads.ts";

export {
  type ConvertOptions,
  isSensitiveEnvName,
  LAST_APPLIED_ANNOTATION,
  redactArgv,
  REDACTED,
  redactEnvValue,
  redactKubeObject,
  redactText,
} from "./_shared.ts";
export * from "./config.ts";
export * from "./event.ts";
export * from "./network.ts";
export * from "./node.ts";
export * from "./pod.ts";
export * from "./policy.ts";
export * from "./storage.ts";
export * from "./workloads.ts";

/** The Kubernetes object each snapshot list field is converted from. */
export interface KubeObjects {
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

/** One row of the converter table: the informer transform for a kind. */
export interface Converter<K extends SnapshotListField> {
  /** Kubernetes object → compact model object (a new object; the input is not retained). */
  convert(object: KubeObjects[K]): SnapshotItems[K];
  /** Namespace of a converted object (`""` for cluster-scoped kinds), for the store's index. */
  namespaceOf(model: SnapshotItems[K]): string;
}

/** The converter of every snapshot list field. */
export type Converters = { readonly [K in SnapshotListField]: Converter<K> };

/** Builds the converter table; `options.redactEnv` applies to every kind with pod templates. */
export function createConverters(options: ConvertOptions = {}): Converters {
  return {
    pods: { convert: (o) => convertPod(o, options), namespaceOf: inSummary },
    deployments: { convert: (o) => convertDeployment(o, options), namespaceOf: inSummary },
    statefulSets: { convert: (o) => convertStatefulSet(o, options), namespaceOf: inSummary },
    daemonSets: { convert: (o) => convertDaemonSet(o, options), namespaceOf: inSummary },
    replicaSets: { convert: convertReplicaSet, namespaceOf: flat },
    jobs: { convert: (o) => convertJob(o, options), namespaceOf: flat },
    cronJobs: { convert: (o) => convertCronJob(o, options), namespaceOf: flat },
    services: { convert: convertService, namespaceOf: inSummary },
    ingresses: { convert: convertIngress, namespaceOf: inSummary },
    namespaces: { convert: convertNamespace, namespaceOf: clusterScoped },
    configMaps: { convert: convertConfigMap, namespaceOf: flat },
    secrets: { convert: convertSecret, namespaceOf: flat },
    resourceQuotas: { convert: convertResourceQuota, namespaceOf: flat },
    limitRanges: { convert: convertLimitRange, namespaceOf: flat },
    networkPolicies: { convert: convertNetworkPolicy, namespaceOf: flat },
    serviceAccounts: { convert: convertServiceAccount, namespaceOf: flat },
    pvs: { convert: convertPersistentVolume, namespaceOf: clusterScoped },
    pvcs: { convert: convertPersistentVolumeClaim, namespaceOf: flat },
    nodes: { convert: convertNode, namespaceOf: clusterScoped },
    events: { convert: convertEvent, namespaceOf: flat },
  };
}

function inSummary(model: { summary: { namespace: string } }): string {
  return model.summary.namespace;
}

function flat(model: { namespace?: string }): string {
  return model.namespace ?? "";
}

function clusterScoped(): string {
  return "";
}
