/**
 * Workload models (master-protocol §2.5–§2.7): Deployment, StatefulSet and DaemonSet with nested
 * `summary`/`spec`/`status`, and the flat CommonMeta-based ReplicaSet, Job and CronJob.
 *
 * @module
 */

import type {
  CommonMeta,
  LabelSelector,
  PodTemplate,
  StringMap,
  Time,
  WorkloadCondition,
  WorkloadRollout,
} from "./meta.ts";

/** A Deployment as the Master receives it. */
export interface Deployment {
  /** Overview shown in lists. */
  summary: DeploymentSummary;
  /** The parts of the spec the Master shows. */
  spec: DeploymentSpec;
  /** Includes the template's labels and annotations. */
  template: PodTemplate;
  /** Replica counts and conditions. */
  status: DeploymentStatus;
  /** Always set by the agent. */
  rollout?: WorkloadRollout;
  /** Never filled by the agent. */
  replicaSets?: ReplicaSetBrief[];
  /** Annotations of the Deployment. */
  annotations?: StringMap;
  /** Labels of the Deployment. */
  labels?: StringMap;
}

/** Deployment overview. */
export interface DeploymentSummary {
  /** Deployment name. */
  name: string;
  /** Deployment namespace. */
  namespace: string;
  /** `spec.strategy.type`. */
  strategy: string;
  /** `spec.replicas`, `0` when unset. */
  replicas: number;
  /** Replicas running the current template (`status.updatedReplicas`). */
  updated: number;
  /** Ready replicas (`status.readyReplicas`). */
  ready: number;
  /** Available replicas (`status.availableReplicas`). */
  available: number;
  /** Unavailable replicas (`status.unavailableReplicas`). */
  unavailable?: number;
  /** Whether the rollout is paused. */
  paused?: boolean;
  /** Creation timestamp. */
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** `k=v,k=v` from `spec.selector.matchLabels`. */
  selector?: string;
}

/** Deployment spec. Pointer fields are present (even `0`) whenever Kubernetes sets them. */
export interface DeploymentSpec {
  /** Desired number of pods. */
  replicas?: number;
  /** Selects the pods the Deployment manages. */
  selector?: LabelSelector;
  /** How old pods are replaced by new ones. */
  strategy?: DeploymentStrategy;
  /** Seconds a new pod must be ready to count as available. */
  minReadySeconds?: number;
  /** Old ReplicaSets kept for rollback. */
  revisionHistoryLimit?: number;
  /** Seconds before a stalled rollout is reported as failed. */
  progressDeadlineSeconds?: number;
}

/** Deployment update strategy. */
export interface DeploymentStrategy {
  /** `RollingUpdate` or `Recreate`. */
  type: string;
  /** Parameters of a `RollingUpdate`. */
  rollingUpdate?: RollingUpdateStrategy;
}

/** Rolling update parameters as IntOrString text (`"25%"`, `"1"`). */
export interface RollingUpdateStrategy {
  /** Pods that may be unavailable during the update. */
  maxUnavailable?: string;
  /** Pods that may be created above the desired count. */
  maxSurge?: string;
}

/** Deployment status. */
export interface DeploymentStatus {
  /** Generation the controller last observed. */
  observedGeneration?: number;
  /** Total number of pods. */
  replicas: number;
  /** Pods running the current template. */
  updatedReplicas?: number;
  /** Pods that are ready. */
  readyReplicas?: number;
  /** Pods available for at least `minReadySeconds`. */
  availableReplicas?: number;
  /** Pods still needed for full availability. */
  unavailableReplicas?: number;
  /** Hash collision count used to name ReplicaSets. */
  collisionCount?: number;
  /** Deployment conditions. */
  conditions?: DeploymentCondition[];
}

/** A Deployment condition. Both times are non-pointer Go `time.Time` fields: never omitted. */
export interface DeploymentCondition {
  /** Condition type, e.g. `Available` or `Progressing`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** Machine-readable reason of the last transition. */
  reason?: string;
  /** Human-readable details. */
  message?: string;
  /** Last time the condition was updated. */
  lastUpdateTime: Time;
  /** Last time the status changed. */
  lastTransitionTime: Time;
}

/** A ReplicaSet summary inside a Deployment (never filled by the agent). */
export interface ReplicaSetBrief {
  /** ReplicaSet name. */
  name: string;
  /** ReplicaSet namespace. */
  namespace: string;
  /** Deployment revision of the ReplicaSet. */
  revision?: string;
  /** Desired number of pods. */
  replicas: number;
  /** Ready pods. */
  ready: number;
  /** Available pods. */
  available: number;
  /** Image of the first container. */
  image?: string;
  /** Creation timestamp. */
  createdAt: Time;
  /** Age as display text. */
  age: string;
}

/** A StatefulSet as the Master receives it. */
export interface StatefulSet {
  /** Overview shown in lists. */
  summary: StatefulSetSummary;
  /** The parts of the spec the Master shows. */
  spec: StatefulSetSpec;
  /** Without labels and annotations. */
  template: PodTemplate;
  /** Replica counts and conditions. */
  status: StatefulSetStatus;
  /** Always set by the agent. */
  rollout?: WorkloadRollout;
  /** Labels of the StatefulSet. */
  labels?: StringMap;
  /** Annotations of the StatefulSet. */
  annotations?: StringMap;
}

/** StatefulSet overview. */
export interface StatefulSetSummary {
  /** StatefulSet name. */
  name: string;
  /** StatefulSet namespace. */
  namespace: string;
  /** `spec.replicas`, `1` when unset. */
  replicas: number;
  /** Ready replicas. */
  ready: number;
  /** Replicas at the current revision. */
  current: number;
  /** Replicas at the update revision. */
  updated: number;
  /** Available replicas. */
  available: number;
  /** Creation timestamp. */
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** Governing headless Service. */
  serviceName?: string;
  /** `k=v,k=v` from `spec.selector.matchLabels`. */
  selector?: string;
}

/** StatefulSet spec. */
export interface StatefulSetSpec {
  /** Desired number of pods. */
  replicas?: number;
  /** Governing headless Service. */
  serviceName?: string;
  /** `OrderedReady` or `Parallel`. */
  podManagementPolicy?: string;
  /** How pods are updated. */
  updateStrategy?: UpdateStrategy;
  /** Old revisions kept for rollback. */
  revisionHistoryLimit?: number;
  /** Seconds a new pod must be ready to count as available. */
  minReadySeconds?: number;
  /** Whether PVCs are deleted when the StatefulSet is deleted or scaled down. */
  persistentVolumeClaimRetentionPolicy?: PvcRetentionPolicy;
  /** `matchLabels` only. */
  selector?: LabelSelector;
  /** Templates of the PVCs created for each pod. */
  volumeClaimTemplates?: VolumeClaimTemplate[];
}

/** Update strategy of a StatefulSet or DaemonSet. */
export interface UpdateStrategy {
  /** `RollingUpdate` or `OnDelete`. */
  type?: string;
  /** StatefulSet: ordinals at or above this are updated. */
  partition?: number;
  /** Pods that may be unavailable during the update, as IntOrString text. */
  maxUnavailable?: string;
  /** DaemonSet: pods that may be created above the desired count, as IntOrString text. */
  maxSurge?: string;
}

/** `persistentVolumeClaimRetentionPolicy`. */
export interface PvcRetentionPolicy {
  /** `Retain` or `Delete` when the StatefulSet is deleted. */
  whenDeleted?: string;
  /** `Retain` or `Delete` when the StatefulSet is scaled down. */
  whenScaled?: string;
}

/** A StatefulSet volume claim template. */
export interface VolumeClaimTemplate {
  /** Template name, the prefix of each pod's PVC. */
  name: string;
  /** Requested access modes. */
  accessModes?: string[];
  /** Storage class name. */
  storageClass?: string;
  /** Requested storage size, e.g. `10Gi`. */
  storage?: string;
  /** Labels a matching volume must have. */
  selector?: StringMap;
}

/** StatefulSet status. */
export interface StatefulSetStatus {
  /** Generation the controller last observed. */
  observedGeneration?: number;
  /** Total number of pods. */
  replicas: number;
  /** Pods that are ready. */
  readyReplicas?: number;
  /** Pods at `currentRevision`. */
  currentReplicas?: number;
  /** Pods at `updateRevision`. */
  updatedReplicas?: number;
  /** Pods available for at least `minReadySeconds`. */
  availableReplicas?: number;
  /** Revision used for the current pods. */
  currentRevision?: string;
  /** Revision being rolled out. */
  updateRevision?: string;
  /** Hash collision count used to name revisions. */
  collisionCount?: number;
  /** StatefulSet conditions. */
  conditions?: WorkloadCondition[];
}

/** A DaemonSet as the Master receives it. */
export interface DaemonSet {
  /** Overview shown in lists. */
  summary: DaemonSetSummary;
  /** The parts of the spec the Master shows. */
  spec: DaemonSetSpec;
  /** Without labels and annotations. */
  template: PodTemplate;
  /** Scheduling counts and conditions. */
  status: DaemonSetStatus;
  /** Always set by the agent. */
  rollout?: WorkloadRollout;
  /** Labels of the DaemonSet. */
  labels?: StringMap;
  /** Annotations of the DaemonSet. */
  annotations?: StringMap;
}

/** DaemonSet overview; every counter is always present. */
export interface DaemonSetSummary {
  /** DaemonSet name. */
  name: string;
  /** DaemonSet namespace. */
  namespace: string;
  /** Nodes that should run the daemon pod. */
  desiredNumberScheduled: number;
  /** Nodes running at least one daemon pod. */
  currentNumberScheduled: number;
  /** Nodes whose daemon pod is ready. */
  numberReady: number;
  /** Nodes whose daemon pod is available. */
  numberAvailable: number;
  /** Nodes whose daemon pod is missing or not available. */
  numberUnavailable: number;
  /** Nodes running the daemon pod that should not. */
  numberMisscheduled: number;
  /** Nodes running the updated daemon pod. */
  updatedNumberScheduled: number;
  /** Creation timestamp. */
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** `k=v,k=v` from `spec.selector.matchLabels`. */
  selector?: string;
}

/** DaemonSet spec. */
export interface DaemonSetSpec {
  /** How daemon pods are updated. */
  updateStrategy?: UpdateStrategy;
  /** Seconds a new pod must be ready to count as available. */
  minReadySeconds?: number;
  /** Old revisions kept for rollback. */
  revisionHistoryLimit?: number;
  /** `matchLabels` only. */
  selector?: LabelSelector;
}

/** DaemonSet status. */
export interface DaemonSetStatus {
  /** Generation the controller last observed. */
  observedGeneration?: number;
  /** Nodes that should run the daemon pod. */
  desiredNumberScheduled: number;
  /** Nodes running at least one daemon pod. */
  currentNumberScheduled: number;
  /** Nodes whose daemon pod is ready. */
  numberReady: number;
  /** Nodes whose daemon pod is available. */
  numberAvailable?: number;
  /** Nodes whose daemon pod is missing or not available. */
  numberUnavailable?: number;
  /** Nodes running the daemon pod that should not. */
  numberMisscheduled: number;
  /** Nodes running the updated daemon pod. */
  updatedNumberScheduled?: number;
  /** Hash collision count used to name revisions. */
  collisionCount?: number;
  /** DaemonSet conditions. */
  conditions?: WorkloadCondition[];
}

/** A ReplicaSet (flat, CommonMeta kind `ReplicaSet`, owner = `ownerReferences[0]`). */
export interface ReplicaSet extends CommonMeta {
  /** `spec.replicas`, the API default `1` when unset. */
  replicas: number;
  /** Ready pods. */
  readyReplicas: number;
  /** Available pods. */
  availableReplicas: number;
  /** `spec.selector.matchLabels`. */
  selector?: StringMap;
}

/** A Job (flat, CommonMeta kind `Job`, owner = `ownerReferences[0]`). */
export interface Job extends CommonMeta {
  /** Pods currently running. */
  active: number;
  /** Pods that succeeded. */
  succeeded: number;
  /** Pods that failed. */
  failed: number;
  /** `status.completionTime` is set: failed jobs show `false`. */
  complete: boolean;
  /** Successful pods needed to complete the Job. */
  completions?: number;
  /** Pods running at once at most. */
  parallelism?: number;
  /** Retries before the Job is marked failed. */
  backoffLimit?: number;
  /** Template of the Job's pods. */
  template: PodTemplate;
  /** Job conditions. */
  conditions?: WorkloadCondition[];
  /** When the Job started (`status.startTime`). */
  startTime?: Time;
  /** `status.completionTime`. */
  finishTime?: Time;
}

/** A CronJob (flat, CommonMeta kind `CronJob`). */
export interface CronJob extends CommonMeta {
  /** Cron schedule expression. */
  schedule: string;
  /** Whether new runs are suspended. */
  suspend: boolean;
  /** `Allow`, `Forbid` or `Replace`. */
  concurrencyPolicy?: string;
  /** Successful Jobs kept. */
  successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept. */
  failedJobsHistoryLimit?: number;
  /** From `spec.jobTemplate.spec.template`. */
  template: PodTemplate;
  /** `len(status.active)`. */
  activeJobs: number;
  /** When a Job was last scheduled. */
  lastScheduleTime?: Time;
  /** When a Job last completed successfully. */
  lastSuccessfulTime?: Time;
}
