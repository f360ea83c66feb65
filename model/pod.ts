/**
 * The Pod model (master-protocol §2.3): nested `summary`/`spec`/`status`, containers merged with their status.
 *
 * @module
 */

import type { Affinity, ContainerDetail, StringMap, StrTime, Time, Toleration, VolumeSpec } from "./meta.ts";

/** A pod as the Master receives it. */
export interface Pod {
  summary: PodSummary;
  spec: PodSpec;
  status: PodStatus;
  /** Spec containers merged with their status, in `spec.containers` order. */
  containers: PodContainerDetail[];
  initContainers?: PodContainerDetail[];
  volumes?: VolumeSpec[];
  labels?: StringMap;
  /** Annotations without `kubectl.kubernetes.io/last-applied-configuration`. */
  annotations?: StringMap;
}

/** Identity and placement of a pod. */
export interface PodSummary {
  name: string;
  namespace: string;
  nodeName?: string;
  /** Kind of `ownerReferences[0]`. */
  ownerKind?: string;
  /** Name of `ownerReferences[0]`. */
  ownerName?: string;
  createdAt: Time;
  /** Filled when a snapshot is built (time-relative); `""` in stored objects. */
  age: string;
}

/** The parts of the pod spec the Master shows. */
export interface PodSpec {
  restartPolicy?: string;
  serviceAccountName?: string;
  nodeSelector?: StringMap;
  tolerations?: Toleration[];
  affinity?: Affinity;
  dnsPolicy?: string;
  hostNetwork?: boolean;
  runtimeClassName?: string;
  priorityClassName?: string;
  /** A Go `*int64`: present (even `0`) whenever Kubernetes sets it. */
  terminationGracePeriodSeconds?: number;
  /** Names of the image pull secrets. */
  imagePullSecrets?: string[];
}

/** Pod status as the Master reads it. */
export interface PodStatus {
  /** The raw `status.phase`. */
  phase: string;
  /** `"<ready>/<total>"`, or `""` without containers. */
  ready: string;
  /** Sum of `restartCount` over the (non-init) container statuses. */
  restarts: number;
  qosClass?: string;
  podIP?: string;
  podIPs?: string[];
  hostIP?: string;
  reason?: string;
  message?: string;
  conditions?: PodCondition[];
  /** Filled when a snapshot is built, from metrics.k8s.io. */
  cpuUsage?: string;
  /** Filled when a snapshot is built, from metrics.k8s.io. */
  memoryUsage?: string;
}

/** A pod condition. */
export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: StrTime;
}

/** The state of a container: `""` until the kubelet reports a status. */
export type ContainerState = "running" | "waiting" | "terminated" | "";

/** A container spec merged with its status. */
export interface PodContainerDetail extends ContainerDetail {
  state: ContainerState;
  stateReason?: string;
  stateMessage?: string;
  ready: boolean;
  restartCount: number;
  lastTerminationReason?: string;
  lastTerminationMessage?: string;
  lastTerminationTime?: StrTime;
}
