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
  summary: DeploymentSummary;
  spec: DeploymentSpec;
  /** Includes the template's labels and annotations. */
  template: PodTemplate;
  status: DeploymentStatus;
  /** Always set by the agent. */
  rollout?: WorkloadRollout;
  /** Never filled by the agent. */
  replicaSets?: ReplicaSetBrief[];
  annotations?: StringMap;
  labels?: StringMap;
}

/** Deployment overview. */
export interface DeploymentSummary {
  name: string;
  namespace: string;
  /** `spec.strategy.type`. */
  strategy: string;
  /** `spec.replicas`, `0` when unset. */
  replicas: number;
  updated: number;
  ready: number;
  available: number;
  unavailable?: number;
  paused?: boolean;
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** `k=v,k=v` from `spec.selector.matchLabels`. */
  selector?: string;
}

/** Deployment spec. Pointer fields are present (even `0`) whenever Kubernetes sets them. */
export interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelector;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
}

/** Deployment update strategy. */
export interface DeploymentStrategy {
  type: string;
  rollingUpdate?: RollingUpdateStrategy;
}

/** Rolling update parameters as IntOrString text (`"25%"`, `"1"`). */
export interface RollingUpdateStrategy {
  maxUnavailable?: string;
  maxSurge?: string;
}

/** Deployment status. */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  collisionCount?: number;
  conditions?: DeploymentCondition[];
}

/** A Deployment condition. Both times are non-pointer Go `time.Time` fields: never omitted. */
export interface DeploymentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime: Time;
  lastTransitionTime: Time;
}

/** A ReplicaSet summary inside a Deployment (never filled by the agent). */
export interface ReplicaSetBrief {
  name: string;
  namespace: string;
  revision?: string;
  replicas: number;
  ready: number;
  available: number;
  image?: string;
  createdAt: Time;
  age: string;
}

/** A StatefulSet as the Master receives it. */
export interface StatefulSet {
  summary: StatefulSetSummary;
  spec: StatefulSetSpec;
  /** Without labels and annotations. */
  template: PodTemplate;
  status: StatefulSetStatus;
  /** Always set by the agent. */
  rollout?: WorkloadRollout;
  labels?: StringMap;
  annotations?: StringMap;
}

/** StatefulSet overview. */
export interface StatefulSetSummary {
  name: string;
  namespace: string;
  /** `spec.replicas`, `1` when unset. */
  replicas: number;
  ready: number;
  current: number;
  updated: number;
  available: number;
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  serviceName?: string;
  selector?: string;
}

/** StatefulSet spec. */
export interface StatefulSetSpec {
  replicas?: number;
  serviceName?: string;
  podManagementPolicy?: string;
  updateStrategy?: UpdateStrategy;
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: PvcRetentionPolicy;
  /** `matchLabels` only. */
  selector?: LabelSelector;
  volumeClaimTemplates?: VolumeClaimTemplate[];
}

/** Update strategy of a StatefulSet or DaemonSet. */
export interface UpdateStrategy {
  type?: string;
  partition?: number;
  maxUnavailable?: string;
  maxSurge?: string;
}

/** `persistentVolumeClaimRetentionPolicy`. */
export interface PvcRetentionPolicy {
  whenDeleted?: string;
  whenScaled?: string;
}

/** A StatefulSet volume claim template. */
export interface VolumeClaimTemplate {
  name: string;
  accessModes?: string[];
  storageClass?: string;
  storage?: string;
  selector?: StringMap;
}

/** StatefulSet status. */
export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: WorkloadCondition[];
}

/** A DaemonSet as the Master receives it. */
export interface DaemonSet {
  summary: DaemonSetSummary;
  spec: DaemonSetSpec;
  /** Without labels and annotations. */
  template: PodTemplate;
  status: DaemonSetStatus;
  /** Always set by the agent. */
  rollout?: WorkloadRollout;
  labels?: StringMap;
  annotations?: StringMap;
}

/** DaemonSet overview; every counter is always present. */
export interface DaemonSetSummary {
  name: string;
  namespace: string;
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberReady: number;
  numberAvailable: number;
  numberUnavailable: number;
  numberMisscheduled: number;
  updatedNumberScheduled: number;
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  selector?: string;
}

/** DaemonSet spec. */
export interface DaemonSetSpec {
  updateStrategy?: UpdateStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  /** `matchLabels` only. */
  selector?: LabelSelector;
}

/** DaemonSet status. */
export interface DaemonSetStatus {
  observedGeneration?: number;
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberReady: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  numberMisscheduled: number;
  updatedNumberScheduled?: number;
  collisionCount?: number;
  conditions?: WorkloadCondition[];
}

/** A ReplicaSet (flat, CommonMeta kind `ReplicaSet`, owner = `ownerReferences[0]`). */
export interface ReplicaSet extends CommonMeta {
  /** `spec.replicas`, the API default `1` when unset. */
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** `spec.selector.matchLabels`. */
  selector?: StringMap;
}

/** A Job (flat, CommonMeta kind `Job`, owner = `ownerReferences[0]`). */
export interface Job extends CommonMeta {
  active: number;
  succeeded: number;
  failed: number;
  /** `status.completionTime` is set: failed jobs show `false`. */
  complete: boolean;
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  template: PodTemplate;
  conditions?: WorkloadCondition[];
  startTime?: Time;
  /** `status.completionTime`. */
  finishTime?: Time;
}

/** A CronJob (flat, CommonMeta kind `CronJob`). */
export interface CronJob extends CommonMeta {
  schedule: string;
  suspend: boolean;
  concurrencyPolicy?: string;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  /** From `spec.jobTemplate.spec.template`. */
  template: PodTemplate;
  /** `len(status.active)`. */
  activeJobs: number;
  lastScheduleTime?: Time;
  lastSuccessfulTime?: Time;
}
