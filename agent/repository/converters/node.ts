/**
 * Node → {@linkcode Node} (master-protocol §2.4): roles, `Unknown` readiness, IPv4-preferred addresses, `"0"`
 * quantity defaults and the always-present `metrics` block (usage and pod counts are filled at build).
 *
 * @module
 */

import type { Node as KubeNode, NodeCondition as KubeNodeCondition } from "kubernetes-types/core/v1.d.ts";
import type { Node, NodeAddresses, NodeResources, PressureFlags } from "../../../model/mod.ts";
import { labels, list, mapList, optBool, optTime, str, time } from "./_shared.ts";

const ROLE_LABELS: ReadonlyArray<[string, string]> = [
  ["node-role.kubernetes.io/master", "master"],
  ["node-role.kubernetes.io/control-plane", "control-plane"],
  ["node-role.kubernetes.io/worker", "worker"],
];

/** Converts a Kubernetes Node into the compact model the snapshot sends. */
export function convertNode(node: KubeNode): Node {
  const meta = node.metadata;
  const status = node.status;
  const capacity = resources(status?.capacity);
  const allocatable = resources(status?.allocatable);
  return {
    summary: {
      name: meta?.name ?? "",
      roles: roles(meta?.labels),
      ready: status?.conditions?.find((c) => c.type === "Ready")?.status || "Unknown",
      schedulable: !node.spec?.unschedulable,
      age: "",
      creationTime: time(meta?.creationTimestamp),
      badges: undefined,
      reason: undefined,
      message: undefined,
    },
    spec: {
      podCIDRs: list(node.spec?.podCIDRs),
      providerID: str(node.spec?.providerID),
      unschedulable: optBool(node.spec?.unschedulable),
    },
    capacity,
    allocatable,
    addresses: addresses(status?.addresses),
    info: {
      osImage: str(status?.nodeInfo?.osImage),
      operatingSystem: str(status?.nodeInfo?.operatingSystem),
      architecture: str(status?.nodeInfo?.architecture),
      kernelVersion: str(status?.nodeInfo?.kernelVersion),
      containerRuntimeVersion: str(status?.nodeInfo?.containerRuntimeVersion),
      kubeletVersion: str(status?.nodeInfo?.kubeletVersion),
      kubeProxyVersion: str(status?.nodeInfo?.kubeProxyVersion),
    },
    conditions: mapList(status?.conditions, (c) => ({
      type: c.type ?? "",
      status: c.status ?? "",
      reason: str(c.reason),
      message: str(c.message),
      lastHeartbeatTime: time(c.lastHeartbeatTime),
      lastTransitionTime: time(c.lastTransitionTime),
    })),
    taints: mapList(node.spec?.taints, (t) => ({
      key: t.key ?? "",
      value: str(t.value),
      effect: t.effect ?? "",
      timeAdded: optTime(t.timeAdded),
    })),
    labels: labels(meta),
    metrics: {
      cpu: { usage: "", allocatable: allocatable.cpu, capacity: capacity.cpu, utilPct: undefined },
      memory: { usage: "", allocatable: allocatable.memory, capacity: capacity.memory, utilPct: undefined },
      pods: { used: 0, capacity: podCapacity(allocatable.pods, capacity.pods), utilPct: undefined },
      pressure: pressure(status?.conditions),
    },
  };
}

// The label value is ignored; only these three keys make roles.
function roles(nodeLabels: Readonly<Record<string, string>> | undefined): string[] | undefined {
  if (!nodeLabels) return undefined;
  const out: string[] = [];
  for (const [key, role] of ROLE_LABELS) if (key in nodeLabels) out.push(role);
  return list(out);
}

// Go's ResourceList accessors return a zero Quantity ("0") for a missing key.
function resources(list: Readonly<Record<string, string>> | undefined): NodeResources {
  return {
    cpu: list?.cpu || "0",
    memory: list?.memory || "0",
    pods: list?.pods || "0",
    ephemeralStorage: list?.["ephemeral-storage"] || "0",
    scalarResources: undefined,
  };
}

// An IPv6 internal/external address is replaced by a later IPv4 one, never the other way round.
function addresses(items: ReadonlyArray<{ type?: string; address?: string }> | undefined): NodeAddresses {
  let hostname: string | undefined;
  let internalIP: string | undefined;
  let externalIP: string | undefined;
  for (const a of items ?? []) {
    const address = a.address ?? "";
    if (a.type === "Hostname") hostname = str(address);
    else if (a.type === "InternalIP" && preferIPv4(internalIP, address)) internalIP = str(address);
    else if (a.type === "ExternalIP" && preferIPv4(externalIP, address)) externalIP = str(address);
  }
  return {
    hostname,
    internalIP,
    externalIP,
    all: mapList(items, (a) => ({ type: a.type ?? "", address: a.address ?? "" })),
  };
}

function preferIPv4(current: string | undefined, candidate: string): boolean {
  return !current || (current.includes(":") && !candidate.includes(":"));
}

// Atoi of allocatable pods, falling back to capacity; a non-integer quantity counts as 0.
function podCapacity(allocatable: string | undefined, capacity: string | undefined): number {
  return atoi(allocatable) || atoi(capacity);
}

function atoi(text: string | undefined): number {
  return text && /^[+-]?\d+$/.test(text) ? Number.parseInt(text, 10) : 0;
}

function pressure(conditions: readonly KubeNodeCondition[] | undefined): PressureFlags {
  const isTrue = (type: string) => optBool(conditions?.some((c) => c.type === type && c.status === "True"));
  return {
    memoryPressure: isTrue("MemoryPressure"),
    diskPressure: isTrue("DiskPressure"),
    pidPressure: isTrue("PIDPressure"),
    networkUnavailable: isTrue("NetworkUnavailable"),
  };
}
