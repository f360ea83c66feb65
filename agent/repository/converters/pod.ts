/**
 * Pod → {@linkcode Pod} (master-protocol §2.3, §10.1): ready count, restarts, the reason precedence with
 * sidecars last, and containers merged with their status.
 *
 * @module
 */

import type {
  Container,
  ContainerStatus,
  Pod as KubePod,
  PodCondition as KubePodCondition,
  PodStatus as KubePodStatus,
} from "kubernetes-types/core/v1.d.ts";
import type { Pod, PodContainerDetail } from "../../../model/mod.ts";
import {
  affinity,
  annotations,
  containerDetail,
  type ConvertOptions,
  int,
  isSidecar,
  labels,
  list,
  mapList,
  optBool,
  owner,
  ptrInt,
  str,
  stringMap,
  time,
  tolerations,
  volumes,
} from "./_shared.ts";

/** Converts a Kubernetes Pod into the compact model the snapshot sends (`age` and usage are filled at build). */
export function convertPod(pod: KubePod, options: ConvertOptions = {}): Pod {
  const meta = pod.metadata;
  const spec = pod.spec;
  const status = pod.status;
  const ref = owner(meta);
  const statuses = status?.containerStatuses;
  const containers = spec?.containers ?? [];
  const { reason, message } = podReason(status);
  return {
    summary: {
      name: meta?.name ?? "",
      namespace: meta?.namespace ?? "",
      nodeName: str(spec?.nodeName),
      ownerKind: ref.kind,
      ownerName: ref.name,
      createdAt: time(meta?.creationTimestamp),
      age: "",
    },
    spec: {
      restartPolicy: str(spec?.restartPolicy),
      serviceAccountName: str(spec?.serviceAccountName),
      nodeSelector: stringMap(spec?.nodeSelector),
      tolerations: tolerations(spec?.tolerations),
      affinity: affinity(spec?.affinity),
      dnsPolicy: str(spec?.dnsPolicy),
      hostNetwork: optBool(spec?.hostNetwork),
      runtimeClassName: str(spec?.runtimeClassName),
      priorityClassName: str(spec?.priorityClassName),
      terminationGracePeriodSeconds: ptrInt(spec?.terminationGracePeriodSeconds),
      imagePullSecrets: mapList(spec?.imagePullSecrets, (s) => s.name ?? ""),
    },
    status: {
      phase: status?.phase ?? "",
      ready: readyText(containers.length, statuses),
      restarts: restarts(statuses),
      qosClass: str(status?.qosClass),
      podIP: str(status?.podIP),
      podIPs: mapList(status?.podIPs, (ip) => ip.ip ?? ""),
      hostIP: str(status?.hostIP),
      reason,
      message,
      conditions: mapList(status?.conditions, podCondition),
      cpuUsage: undefined,
      memoryUsage: undefined,
    },
    containers: mergeContainers(containers, statuses, options) ?? [],
    initContainers: mergeContainers(spec?.initContainers, status?.initContainerStatuses, options),
    volumes: volumes(spec?.volumes),
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

/** `"<ready>/<total>"`: total counts spec containers, ready counts statuses with `ready=true`. */
function readyText(total: number, statuses: readonly ContainerStatus[] | undefined): string {
  if (total === 0) return "";
  let ready = 0;
  for (const s of statuses ?? []) if (s.ready) ready++;
  return `${ready}/${total}`;
}

function restarts(statuses: readonly ContainerStatus[] | undefined): number {
  let sum = 0;
  for (const s of statuses ?? []) sum += int(s.restartCount);
  return sum;
}

/**
 * Why a pod is not fine (§2.3, §10.1): the Ready condition's reason when it is not `True`; then, for Pending or
 * Failed pods, the first non-sidecar container with a waiting/terminated reason overrides it, while a sidecar's
 * reason only fills a still-empty field.
 */
function podReason(status: KubePodStatus | undefined): { reason?: string; message?: string } {
  let reason = "";
  let message = "";
  const ready = status?.conditions?.find((c) => c.type === "Ready");
  if (ready && ready.status !== "True") {
    reason = ready.reason ?? "";
    message = ready.message ?? "";
  }
  if (status?.phase === "Pending" || status?.phase === "Failed") {
    let sidecar: { reason: string; message: string } | undefined;
    for (const cs of status.containerStatuses ?? []) {
      const found = stateReason(cs);
      if (!found) continue;
      if (!isSidecar(cs.name ?? "")) {
        reason = found.reason;
        message = found.message;
        break;
      }
      sidecar ??= found;
    }
    if (reason === "" && sidecar) {
      reason = sidecar.reason;
      message = sidecar.message;
    }
  }
  return { reason: str(reason), message: str(message) };
}

function stateReason(cs: ContainerStatus): { reason: string; message: string } | undefined {
  const waiting = cs.state?.waiting;
  if (waiting?.reason) return { reason: waiting.reason, message: waiting.message ?? "" };
  const terminated = cs.state?.terminated;
  if (terminated?.reason) return { reason: terminated.reason, message: terminated.message ?? "" };
  return undefined;
}

function podCondition(c: KubePodCondition): NonNullable<Pod["status"]["conditions"]>[number] {
  return {
    type: c.type ?? "",
    status: c.status ?? "",
    reason: str(c.reason),
    message: str(c.message),
    lastTransitionTime: str(c.lastTransitionTime),
  };
}

function mergeContainers(
  specs: readonly Container[] | undefined,
  statuses: readonly ContainerStatus[] | undefined,
  options: ConvertOptions,
): PodContainerDetail[] | undefined {
  if (!specs || specs.length === 0) return undefined;
  const byName = new Map<string, ContainerStatus>();
  for (const s of statuses ?? []) byName.set(s.name ?? "", s);
  return list(specs.map((c) => podContainer(c, byName.get(c.name ?? ""), options)));
}

/** A spec container merged with its status; the running image comes from the status when there is one. */
function podContainer(
  c: Container,
  s: ContainerStatus | undefined,
  options: ConvertOptions,
): PodContainerDetail {
  const detail = containerDetail(c, options);
  const state = s?.state;
  const current = state?.running
    ? { state: "running" as const, reason: undefined, message: undefined }
    : state?.waiting
    ? { state: "waiting" as const, reason: state.waiting.reason, message: state.waiting.message }
    : state?.terminated
    ? { state: "terminated" as const, reason: state.terminated.reason, message: state.terminated.message }
    : { state: "" as const, reason: undefined, message: undefined };
  const last = s?.lastState?.terminated;
  return {
    ...detail,
    image: s ? (s.image || detail.image) : detail.image,
    state: current.state,
    stateReason: str(current.reason),
    stateMessage: str(current.message),
    ready: s?.ready === true,
    restartCount: int(s?.restartCount),
    lastTerminationReason: str(last?.reason),
    lastTerminationMessage: str(last?.message),
    lastTerminationTime: str(last?.finishedAt),
  };
}
