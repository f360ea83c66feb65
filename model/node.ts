/**
 * The Node model (master-protocol §2.4).
 *
 * @module
 */

import type { StringMap, Time } from "./meta.ts";

/** A node as the Master receives it. */
export interface Node {
  summary: NodeSummary;
  spec: NodeSpec;
  capacity: NodeResources;
  allocatable: NodeResources;
  addresses: NodeAddresses;
  info: NodeInfo;
  conditions?: NodeCondition[];
  taints?: NodeTaint[];
  labels?: StringMap;
  /** Always present. Usage and pod counts are filled when a snapshot is built. */
  metrics: NodeMetrics;
}

/** Identity and health of a node. */
export interface NodeSummary {
  name: string;
  /** From the label keys `node-role.kubernetes.io/{master,control-plane,worker}`. */
  roles?: string[];
  /** Status of the `Ready` condition: `True`, `False` or `Unknown` (also when missing). */
  ready: string;
  schedulable: boolean;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
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
  podCIDRs?: string[];
  providerID?: string;
  unschedulable?: boolean;
}

/** Capacity or allocatable quantities; `"0"` when Kubernetes does not report one. */
export interface NodeResources {
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeralStorage?: string;
  /** Never set by the Go agent. */
  scalarResources?: StringMap;
}

/** Node addresses; internal and external IPs prefer IPv4. */
export interface NodeAddresses {
  hostname?: string;
  internalIP?: string;
  externalIP?: string;
  all?: NodeAddr[];
}

/** One entry of `status.addresses`. */
export interface NodeAddr {
  type: string;
  address: string;
}

/** `status.nodeInfo`. */
export interface NodeInfo {
  osImage?: string;
  operatingSystem?: string;
  architecture?: string;
  kernelVersion?: string;
  containerRuntimeVersion?: string;
  kubeletVersion?: string;
  kubeProxyVersion?: string;
}

/** A node condition. Both times are non-pointer Go `time.Time` fields: never omitted. */
export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime: Time;
  lastTransitionTime: Time;
}

/** A node taint. */
export interface NodeTaint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: Time;
}

/** Resource usage of a node (metrics-server) plus pod counts and pressure flags. */
export interface NodeMetrics {
  cpu: NodeResourceMetric;
  memory: NodeResourceMetric;
  pods: PodCountMetric;
  pressure: PressureFlags;
}

/** Usage of one resource against the node's allocatable amount. */
export interface NodeResourceMetric {
  /** `""` without metrics-server. */
  usage: string;
  allocatable?: string;
  capacity?: string;
  /** `round(usage / allocatable × 100, 2)`. */
  utilPct?: number;
}

/** Pods scheduled on the node against its pod capacity. */
export interface PodCountMetric {
  used: number;
  capacity: number;
  utilPct?: number;
}

/** Conditions with status `True`. */
export interface PressureFlags {
  memoryPressure?: boolean;
  diskPressure?: boolean;
  pidPressure?: boolean;
  networkUnavailable?: boolean;
}
