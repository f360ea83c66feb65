/**
 * The Node model (master-protocol §2.4).
 *
 * @module
 */

import type { StringMap, Time } from "./meta.ts";

/** A node as the Master receives it. */
export interface Node {
  /** Identity and health. */
  summary: NodeSummary;
  /** The parts of the spec the Master shows. */
  spec: NodeSpec;
  /** Total resources of the node. */
  capacity: NodeResources;
  /** Resources available to pods. */
  allocatable: NodeResources;
  /** Hostname and IP addresses. */
  addresses: NodeAddresses;
  /** OS, architecture and component versions. */
  info: NodeInfo;
  /** Node conditions. */
  conditions?: NodeCondition[];
  /** Node taints. */
  taints?: NodeTaint[];
  /** Labels of the node. */
  labels?: StringMap;
  /** Always present. Usage and pod counts are filled when a snapshot is built. */
  metrics: NodeMetrics;
}

/** Identity and health of a node. */
export interface NodeSummary {
  /** Node name. */
  name: string;
  /** From the label keys `node-role.kubernetes.io/{master,control-plane,worker}`. */
  roles?: string[];
  /** Status of the `Ready` condition: `True`, `False` or `Unknown` (also when missing). */
  ready: string;
  /** Whether new pods may be scheduled on the node. */
  schedulable: boolean;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** Creation timestamp. */
  creationTime: Time;
  /** Never set by the Go agent. */
  badges?: string[];
  /** Never set by the Go agent. */
  reason?: string;
  /** Never set by the Go agent. */
  message?: string;
}

/** The parts of the node spec the Master shows. */
export interface NodeSpec {
  /** Pod IP ranges assigned to the node. */
  podCIDRs?: string[];
  /** Cloud provider id of the node. */
  providerID?: string;
  /** Whether the node is cordoned. */
  unschedulable?: boolean;
}

/** Capacity or allocatable quantities; `"0"` when Kubernetes does not report one. */
export interface NodeResources {
  /** CPU quantity, e.g. `4`. */
  cpu?: string;
  /** Memory quantity, e.g. `16Gi`. */
  memory?: string;
  /** Pod count, as a quantity. */
  pods?: string;
  /** Ephemeral storage quantity. */
  ephemeralStorage?: string;
  /** Never set by the Go agent. */
  scalarResources?: StringMap;
}

/** Node addresses; internal and external IPs prefer IPv4. */
export interface NodeAddresses {
  /** Hostname. */
  hostname?: string;
  /** Internal IP. */
  internalIP?: string;
  /** External IP. */
  externalIP?: string;
  /** Every address with its type. */
  all?: NodeAddr[];
}

/** One entry of `status.addresses`. */
export interface NodeAddr {
  /** Address type, e.g. `InternalIP`. */
  type: string;
  /** The address. */
  address: string;
}

/** `status.nodeInfo`. */
export interface NodeInfo {
  /** OS image, e.g. `Ubuntu 22.04.4 LTS`. */
  osImage?: string;
  /** Operating system, e.g. `linux`. */
  operatingSystem?: string;
  /** CPU architecture, e.g. `amd64`. */
  architecture?: string;
  /** Kernel version. */
  kernelVersion?: string;
  /** Container runtime and version, e.g. `containerd://1.7.2`. */
  containerRuntimeVersion?: string;
  /** Kubelet version. */
  kubeletVersion?: string;
  /** Kube-proxy version. */
  kubeProxyVersion?: string;
}

/** A node condition. Both times are non-pointer Go `time.Time` fields: never omitted. */
export interface NodeCondition {
  /** Condition type, e.g. `Ready` or `MemoryPressure`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** Machine-readable reason of the last transition. */
  reason?: string;
  /** Human-readable details. */
  message?: string;
  /** Last time the kubelet reported the condition. */
  lastHeartbeatTime: Time;
  /** Last time the status changed. */
  lastTransitionTime: Time;
}

/** A node taint. */
export interface NodeTaint {
  /** Taint key. */
  key: string;
  /** Taint value. */
  value?: string;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
  effect: string;
  /** When the taint was added. */
  timeAdded?: Time;
}

/** Resource usage of a node (metrics-server) plus pod counts and pressure flags. */
export interface NodeMetrics {
  /** CPU usage. */
  cpu: NodeResourceMetric;
  /** Memory usage. */
  memory: NodeResourceMetric;
  /** Pods scheduled against pod capacity. */
  pods: PodCountMetric;
  /** Pressure conditions that are `True`. */
  pressure: PressureFlags;
}

/** Usage of one resource against the node's allocatable amount. */
export interface NodeResourceMetric {
  /** `""` without metrics-server. */
  usage: string;
  /** Allocatable quantity. */
  allocatable?: string;
  /** Capacity quantity. */
  capacity?: string;
  /** `round(usage / allocatable × 100, 2)`. */
  utilPct?: number;
}

/** Pods scheduled on the node against its pod capacity. */
export interface PodCountMetric {
  /** Pods scheduled on the node. */
  used: number;
  /** Pod capacity of the node. */
  capacity: number;
  /** `used / capacity` as a percentage. */
  utilPct?: number;
}

/** Conditions with status `True`. */
export interface PressureFlags {
  /** `MemoryPressure` is `True`. */
  memoryPressure?: boolean;
  /** `DiskPressure` is `True`. */
  diskPressure?: boolean;
  /** `PIDPressure` is `True`. */
  pidPressure?: boolean;
  /** `NetworkUnavailable` is `True`. */
  networkUnavailable?: boolean;
}
