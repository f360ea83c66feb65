/**
 * The Pod model (master-protocol §2.3): nested `summary`/`spec`/`status`, containers merged with their status.
 *
 * @module
 */

import type { Affinity, ContainerDetail, StringMap, StrTime, Time, Toleration, VolumeSpec } from "./meta.ts";

/** A pod as the Master receives it. */
export interface Pod {
  /** Identity and placement. */
  summary: PodSummary;
  /** The parts of the spec the Master shows. */
  spec: PodSpec;
  /** Status. */
  status: PodStatus;
  /** Spec containers merged with their status, in `spec.containers` order. */
  containers: PodContainerDetail[];
  /** Init containers with their state. */
  initContainers?: PodContainerDetail[];
  /** Pod volumes. */
  volumes?: VolumeSpec[];
  /** Pod labels. */
  labels?: StringMap;
  /** Annotations without `kubectl.kubernetes.io/last-applied-configuration`. */
  annotations?: StringMap;
}

/** Identity and placement of a pod. */
export interface PodSummary {
  /** Pod name. */
  name: string;
  /** Pod namespace. */
  namespace: string;
  /** Node the pod is scheduled on. */
  nodeName?: string;
  /** Kind of `ownerReferences[0]`. */
  ownerKind?: string;
  /** Name of `ownerReferences[0]`. */
  ownerName?: string;
  /** Creation timestamp. */
  createdAt: Time;
  /** Filled when a snapshot is built (time-relative); `""` in stored objects. */
  age: string;
}

/** The parts of the pod spec the Master shows. */
export interface PodSpec {
  /** `Always`, `OnFailure` or `Never`. */
  restartPolicy?: string;
  /** Service account the pod runs as. */
  serviceAccountName?: string;
  /** Node labels the pod must be scheduled on. */
  nodeSelector?: StringMap;
  /** Taints the pod tolerates. */
  tolerations?: Toleration[];
  /** Affinity settings. */
  affinity?: Affinity;
  /** DNS policy. */
  dnsPolicy?: string;
  /** Whether the pod uses the host's network namespace. */
  hostNetwork?: boolean;
  /** RuntimeClass of the pod. */
  runtimeClassName?: string;
  /** PriorityClass of the pod. */
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
  /** `Guaranteed`, `Burstable` or `BestEffort`. */
  qosClass?: string;
  /** Primary pod IP. */
  podIP?: string;
  /** All pod IPs. */
  podIPs?: string[];
  /** IP of the node the pod runs on. */
  hostIP?: string;
  /** Machine-readable reason of the pod's state. */
  reason?: string;
  /** Human-readable details of the pod's state. */
  message?: string;
  /** Pod conditions. */
  conditions?: PodCondition[];
  /** Filled when a snapshot is built, from metrics.k8s.io. */
  cpuUsage?: string;
  /** Filled when a snapshot is built, from metrics.k8s.io. */
  memoryUsage?: string;
}

/** A pod condition. */
export interface PodCondition {
  /** Condition type, e.g. `Ready`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** Machine-readable reason of the last transition. */
  reason?: string;
  /** Human-readable details. */
  message?: string;
  /** Last time the status changed. */
  lastTransitionTime?: StrTime;
}

/** The state of a container: `""` until the kubelet reports a status. */
export type ContainerState = "running" | "waiting" | "terminated" | "";

/** A container spec merged with its status. */
export interface PodContainerDetail extends ContainerDetail {
  /** Current container state. */
  state: ContainerState;
  /** Reason of the current state. */
  stateReason?: string;
  /** Message of the current state. */
  stateMessage?: string;
  /** Whether the container passes its readiness check. */
  ready: boolean;
  /** Number of container restarts. */
  restartCount: number;
  /** Reason the last instance terminated. */
  lastTerminationReason?: string;
  /** Message of the last termination. */
  lastTerminationMessage?: string;
  /** When the last instance terminated. */
  lastTerminationTime?: StrTime;
}
