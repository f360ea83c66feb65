/**
 * Workload converters (master-protocol §2.5–§2.7, §10.2, §10.8): Deployment, StatefulSet and DaemonSet with
 * their rollout phase and badges, and the flat ReplicaSet, Job and CronJob.
 *
 * @module
 */

import type {
  DaemonSet as KubeDaemonSet,
  Deployment as KubeDeployment,
  ReplicaSet as KubeReplicaSet,
  StatefulSet as KubeStatefulSet,
} from "kubernetes-types/apps/v1.d.ts";
import type { CronJob as KubeCronJob, Job as KubeJob } from "kubernetes-types/batch/v1.d.ts";
import type {
  CronJob,
  DaemonSet,
  Deployment,
  Job,
  ReplicaSet,
  StatefulSet,
  WorkloadRollout,
} from "../../../model/mod.ts";
import {
  annotations,
  commonMeta,
  type ConvertOptions,
  int,
  labels,
  labelSelector,
  mapList,
  optBool,
  optInt,
  optIntOrString,
  optTime,
  podTemplate,
  ptrInt,
  selectorString,
  str,
  stringMap,
  time,
  workloadConditions,
} from "./_shared.ts";

/** Converts a Deployment; the template keeps its labels and annotations. */
export function convertDeployment(deployment: KubeDeployment, options: ConvertOptions = {}): Deployment {
  const meta = deployment.metadata;
  const spec = deployment.spec;
  const status = deployment.status;
  const rollingUpdate = spec?.strategy?.rollingUpdate;
  return {
    summary: {
      name: meta?.name ?? "",
      namespace: meta?.namespace ?? "",
      strategy: spec?.strategy?.type ?? "",
      replicas: int(spec?.replicas),
      updated: int(status?.updatedReplicas),
      ready: int(status?.readyReplicas),
      available: int(status?.availableReplicas),
      unavailable: optInt(status?.unavailableReplicas),
      paused: optBool(spec?.paused),
      createdAt: time(meta?.creationTimestamp),
      age: "",
      selector: selectorString(spec?.selector?.matchLabels),
    },
    spec: {
      replicas: ptrInt(spec?.replicas),
      selector: labelSelector(spec?.selector),
      // The Go agent always sets a strategy, even when the API sent none.
      strategy: {
        type: spec?.strategy?.type ?? "",
        rollingUpdate: rollingUpdate
          ? {
            maxUnavailable: optIntOrString(rollingUpdate.maxUnavailable),
            maxSurge: optIntOrString(rollingUpdate.maxSurge),
          }
          : undefined,
      },
      minReadySeconds: optInt(spec?.minReadySeconds),
      revisionHistoryLimit: ptrInt(spec?.revisionHistoryLimit),
      progressDeadlineSeconds: ptrInt(spec?.progressDeadlineSeconds),
    },
    template: podTemplate(spec?.template, { ...options, withMetadata: true }),
    status: {
      observedGeneration: optInt(status?.observedGeneration),
      replicas: int(status?.replicas),
      updatedReplicas: optInt(status?.updatedReplicas),
      readyReplicas: optInt(status?.readyReplicas),
      availableReplicas: optInt(status?.availableReplicas),
      unavailableReplicas: optInt(status?.unavailableReplicas),
      collisionCount: ptrInt(status?.collisionCount),
      conditions: mapList(status?.conditions, (c) => ({
        type: c.type ?? "",
        status: c.status ?? "",
        reason: str(c.reason),
        message: str(c.message),
        lastUpdateTime: time(c.lastUpdateTime),
        lastTransitionTime: time(c.lastTransitionTime),
      })),
    },
    rollout: deploymentRollout(deployment),
    replicaSets: undefined,
    annotations: annotations(meta?.annotations),
    labels: labels(meta),
  };
}

/** Walks the conditions in order from phase `Unknown`, as the Go agent does. */
function deploymentRollout(deployment: KubeDeployment): WorkloadRollout {
  let phase = "Unknown";
  let message = "";
  const badges: string[] = [];
  for (const c of deployment.status?.conditions ?? []) {
    if (c.type === "Available") {
      if (c.status === "True") {
        phase = "Available";
        badges.push("Available");
      }
    } else if (c.type === "Progressing") {
      if (c.status === "True") {
        if (phase !== "Available") phase = "Progressing";
        badges.push("Progressing");
        message = c.message ?? "";
      } else if (c.reason === "ProgressDeadlineExceeded") {
        phase = "Failed";
        badges.push("Failed");
        message = c.message ?? "";
      }
    } else if (c.type === "ReplicaFailure" && c.status === "True") {
      phase = "Failed";
      badges.push("ReplicaFailure");
      message = c.message ?? "";
    }
  }
  if (deployment.spec?.paused) badges.push("Paused");
  return { phase, message: str(message), badges: badges.length > 0 ? badges : undefined };
}

/**
 * The StatefulSet/DaemonSet rollout. `Degraded` is unreachable, as in Go (master-protocol §10.2): when nothing
 * is ready the `Scaling` branch fires first.
 */
function replicatedRollout(
  desired: number,
  updated: number,
  ready: number,
): WorkloadRollout & { badges: string[] } {
  if (updated < desired) {
    return { phase: "Progressing", message: "Rolling update in progress", badges: ["Updating"] };
  }
  if (ready < desired) {
    return { phase: "Progressing", message: "Waiting for pods to be ready", badges: ["Scaling"] };
  }
  if (ready === 0 && desired > 0) return { phase: "Degraded", message: "No pods are ready", badges: [] };
  return { phase: "Complete", message: undefined, badges: [] };
}

function withBadges(rollout: WorkloadRollout & { badges: string[] }, extra: string[]): WorkloadRollout {
  const badges = [...rollout.badges, ...extra];
  return { phase: rollout.phase, message: rollout.message, badges: badges.length > 0 ? badges : undefined };
}

/** Converts a StatefulSet; `replicas` defaults to 1. */
export function convertStatefulSet(statefulSet: KubeStatefulSet, options: ConvertOptions = {}): StatefulSet {
  const meta = statefulSet.metadata;
  const spec = statefulSet.spec;
  const status = statefulSet.status;
  const replicas = spec?.replicas ?? 1;
  const strategy = spec?.updateStrategy;
  const retention = spec?.persistentVolumeClaimRetentionPolicy;
  const rollout = replicatedRollout(replicas, int(status?.updatedReplicas), int(status?.readyReplicas));
  const newRevision = (status?.currentRevision ?? "") !== (status?.updateRevision ?? "");
  return {
    summary: {
      name: meta?.name ?? "",
      namespace: meta?.namespace ?? "",
      replicas: int(replicas),
      ready: int(status?.readyReplicas),
      current: int(status?.currentReplicas),
      updated: int(status?.updatedReplicas),
      available: int(status?.availableReplicas),
      createdAt: time(meta?.creationTimestamp),
      age: "",
      serviceName: str(spec?.serviceName),
      selector: selectorString(spec?.selector?.matchLabels),
    },
    spec: {
      replicas: ptrInt(spec?.replicas),
      serviceName: str(spec?.serviceName),
      podManagementPolicy: str(spec?.podManagementPolicy),
      updateStrategy: strategy?.type
        ? {
          type: strategy.type,
          partition: ptrInt(strategy.rollingUpdate?.partition),
          maxUnavailable: optIntOrString(strategy.rollingUpdate?.maxUnavailable),
          maxSurge: undefined,
        }
        : undefined,
      revisionHistoryLimit: ptrInt(spec?.revisionHistoryLimit),
      minReadySeconds: optInt(spec?.minReadySeconds),
      persistentVolumeClaimRetentionPolicy: retention
        ? { whenDeleted: str(retention.whenDeleted), whenScaled: str(retention.whenScaled) }
        : undefined,
      selector: labelSelector(spec?.selector, true),
      volumeClaimTemplates: mapList(spec?.volumeClaimTemplates, (pvc) => ({
        name: pvc.metadata?.name ?? "",
        accessModes: mapList(pvc.spec?.accessModes, (m) => m),
        storageClass: str(pvc.spec?.storageClassName),
        storage: str(pvc.spec?.resources?.requests?.storage),
        selector: stringMap(pvc.spec?.selector?.matchLabels),
      })),
    },
    template: podTemplate(spec?.template, options),
    status: {
      observedGeneration: optInt(status?.observedGeneration),
      replicas: int(status?.replicas),
      readyReplicas: optInt(status?.readyReplicas),
      currentReplicas: optInt(status?.currentReplicas),
      updatedReplicas: optInt(status?.updatedReplicas),
      availableReplicas: optInt(status?.availableReplicas),
      currentRevision: str(status?.currentRevision),
      updateRevision: str(status?.updateRevision),
      collisionCount: ptrInt(status?.collisionCount),
      conditions: workloadConditions(status?.conditions),
    },
    rollout: withBadges(rollout, newRevision ? ["NewRevision"] : []),
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

/** Converts a DaemonSet; the rollout is based on `desiredNumberScheduled`. */
export function convertDaemonSet(daemonSet: KubeDaemonSet, options: ConvertOptions = {}): DaemonSet {
  const meta = daemonSet.metadata;
  const spec = daemonSet.spec;
  const status = daemonSet.status;
  const desired = int(status?.desiredNumberScheduled);
  const misscheduled = int(status?.numberMisscheduled);
  const unavailable = int(status?.numberUnavailable);
  const strategy = spec?.updateStrategy;
  const rollout = replicatedRollout(desired, int(status?.updatedNumberScheduled), int(status?.numberReady));
  const extra: string[] = [];
  if (misscheduled > 0) extra.push("Misscheduled");
  if (unavailable > 0) extra.push("Unavailable");
  return {
    summary: {
      name: meta?.name ?? "",
      namespace: meta?.namespace ?? "",
      desiredNumberScheduled: desired,
      currentNumberScheduled: int(status?.currentNumberScheduled),
      numberReady: int(status?.numberReady),
      numberAvailable: int(status?.numberAvailable),
      numberUnavailable: unavailable,
      numberMisscheduled: misscheduled,
      updatedNumberScheduled: int(status?.updatedNumberScheduled),
      createdAt: time(meta?.creationTimestamp),
      age: "",
      selector: selectorString(spec?.selector?.matchLabels),
    },
    spec: {
      updateStrategy: strategy?.type
        ? {
          type: strategy.type,
          partition: undefined,
          maxUnavailable: optIntOrString(strategy.rollingUpdate?.maxUnavailable),
          maxSurge: optIntOrString(strategy.rollingUpdate?.maxSurge),
        }
        : undefined,
      minReadySeconds: optInt(spec?.minReadySeconds),
      revisionHistoryLimit: ptrInt(spec?.revisionHistoryLimit),
      selector: labelSelector(spec?.selector, true),
    },
    template: podTemplate(spec?.template, options),
    status: {
      observedGeneration: optInt(status?.observedGeneration),
      desiredNumberScheduled: desired,
      currentNumberScheduled: int(status?.currentNumberScheduled),
      numberReady: int(status?.numberReady),
      numberAvailable: optInt(status?.numberAvailable),
      numberUnavailable: optInt(status?.numberUnavailable),
      numberMisscheduled: misscheduled,
      updatedNumberScheduled: optInt(status?.updatedNumberScheduled),
      collisionCount: ptrInt(status?.collisionCount),
      conditions: workloadConditions(status?.conditions),
    },
    rollout: withBadges(rollout, extra),
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

/** Converts a ReplicaSet; a missing `spec.replicas` counts as the API default 1 (master-protocol §10.8). */
export function convertReplicaSet(replicaSet: KubeReplicaSet): ReplicaSet {
  return {
    ...commonMeta(replicaSet.metadata, "ReplicaSet", { labels: true, owner: true }),
    replicas: int(replicaSet.spec?.replicas ?? 1),
    readyReplicas: int(replicaSet.status?.readyReplicas),
    availableReplicas: int(replicaSet.status?.availableReplicas),
    selector: stringMap(replicaSet.spec?.selector?.matchLabels),
  };
}

/** Converts a Job; `complete` means `completionTime` is set, so failed jobs show `false`. */
export function convertJob(job: KubeJob, options: ConvertOptions = {}): Job {
  const spec = job.spec;
  const status = job.status;
  return {
    ...commonMeta(job.metadata, "Job", { labels: true, owner: true }),
    active: int(status?.active),
    succeeded: int(status?.succeeded),
    failed: int(status?.failed),
    complete: Boolean(status?.completionTime),
    completions: ptrInt(spec?.completions),
    parallelism: ptrInt(spec?.parallelism),
    backoffLimit: ptrInt(spec?.backoffLimit),
    template: podTemplate(spec?.template, options),
    conditions: workloadConditions(status?.conditions),
    startTime: optTime(status?.startTime),
    finishTime: optTime(status?.completionTime),
  };
}

/** Converts a CronJob; the template comes from `spec.jobTemplate.spec.template`. */
export function convertCronJob(cronJob: KubeCronJob, options: ConvertOptions = {}): CronJob {
  const spec = cronJob.spec;
  const status = cronJob.status;
  return {
    ...commonMeta(cronJob.metadata, "CronJob", { labels: true }),
    schedule: spec?.schedule ?? "",
    suspend: spec?.suspend === true,
    concurrencyPolicy: str(spec?.concurrencyPolicy),
    successfulJobsHistoryLimit: ptrInt(spec?.successfulJobsHistoryLimit),
    failedJobsHistoryLimit: ptrInt(spec?.failedJobsHistoryLimit),
    template: podTemplate(spec?.jobTemplate?.spec?.template, options),
    activeJobs: status?.active?.length ?? 0,
    lastScheduleTime: optTime(status?.lastScheduleTime),
    lastSuccessfulTime: optTime(status?.lastSuccessfulTime),
  };
}
