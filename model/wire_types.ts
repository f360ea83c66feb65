/**
 * The wire-type table: for every field of every structure the Master decodes, the JSON type Go's
 * `encoding/json` expects and whether the field is `omitempty`. One wrong type anywhere makes the Master reject
 * the whole snapshot with 400, so tests walk real snapshots against this table.
 *
 * The table is typed against the model interfaces ({@linkcode WireFields}), so a model field without a table
 * entry, or an entry without a model field, is a compile error.
 *
 * @module
 */

import type { Command, Result } from "./command.ts";
import type {
  ConfigMap,
  Namespace,
  NamespaceResources,
  NamespaceStatus,
  NamespaceSummary,
  Secret,
} from "./config.ts";
import type { Event } from "./event.ts";
import type {
  Affinity,
  CommonMeta,
  ContainerDetail,
  ContainerPort,
  EnvVar,
  K8sRef,
  LabelExpr,
  LabelSelector,
  PodTemplate,
  Probe,
  ResourceRef,
  Toleration,
  VolumeMount,
  VolumeSpec,
  WorkloadCondition,
  WorkloadRollout,
} from "./meta.ts";
import type {
  BackendEndpoint,
  BackendSummary,
  EndpointPort,
  Ingress,
  IngressBackend,
  IngressPath,
  IngressResourceRef,
  IngressRule,
  IngressServiceBackend,
  IngressSpec,
  IngressStatus,
  IngressSummary,
  IngressTls,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicyRule,
  Service,
  ServiceBackends,
  ServiceNetwork,
  ServicePort,
  ServiceSpec,
  ServiceSummary,
} from "./network.ts";
import type {
  Node,
  NodeAddr,
  NodeAddresses,
  NodeCondition,
  NodeInfo,
  NodeMetrics,
  NodeResourceMetric,
  NodeResources,
  NodeSpec,
  NodeSummary,
  NodeTaint,
  PodCountMetric,
  PressureFlags,
} from "./node.ts";
import type { Pod, PodCondition, PodContainerDetail, PodSpec, PodStatus, PodSummary } from "./pod.ts";
import type { LimitRange, LimitRangeItem, ResourceQuota, ServiceAccount } from "./policy.ts";
import type { ClusterSnapshot, ClusterSummary } from "./snapshot.ts";
import type { PersistentVolume, PersistentVolumeClaim } from "./storage.ts";
import type {
  CronJob,
  DaemonSet,
  DaemonSetSpec,
  DaemonSetStatus,
  DaemonSetSummary,
  Deployment,
  DeploymentCondition,
  DeploymentSpec,
  DeploymentStatus,
  DeploymentStrategy,
  DeploymentSummary,
  Job,
  PvcRetentionPolicy,
  ReplicaSet,
  ReplicaSetBrief,
  RollingUpdateStrategy,
  StatefulSet,
  StatefulSetSpec,
  StatefulSetStatus,
  StatefulSetSummary,
  UpdateStrategy,
  VolumeClaimTemplate,
} from "./workloads.ts";

/**
 * A leaf JSON type as Go decodes it:
 * - `string`; `int` (a JSON integer: a fraction is a 400); `float`; `bool`;
 * - `time`: a Go `time.Time`, an RFC 3339 string (the zero time when unset) or `null`, never `""`;
 * - `strTime`: a Go string holding an RFC 3339 time (any string decodes);
 * - `stringMap`: a `map[string]string`;
 * - `json`: free-form (`map[string]any`).
 */
export type WireScalar = "string" | "int" | "float" | "bool" | "time" | "strTime" | "stringMap" | "json";

/** A Go slice of some element type. */
export interface WireArray {
  /** Element type. */
  readonly array: WireType;
}

/** A Go struct: its JSON fields by name. */
export interface WireObject {
  /** The model type name, for messages. */
  readonly name: string;
  /** Fields by JSON name. */
  readonly fields: Readonly<Record<string, WireField>>;
}

/** Any wire type. */
export type WireType = WireScalar | WireArray | WireObject;

/**
 * When Go writes the field:
 * - `required`: always (no `omitempty`);
 * - `omitempty`: only when not empty (`""`, `0`, `false`, empty slice or map, nil pointer); a struct is never empty;
 * - `pointer`: an `omitempty` pointer to a scalar, written whenever set, even as `0` or `false`.
 */
export type Presence = "required" | "omitempty" | "pointer";

/** One field of a {@linkcode WireObject}. */
export interface WireField {
  /** Wire type of the field. */
  readonly type: WireType;
  /** When Go writes the field. */
  readonly presence: Presence;
}

/** The table entries of a model type: exactly one per property. */
export type WireFields<T> = { readonly [K in keyof T]-?: WireField };

function req(type: WireType): WireField {
  return { type, presence: "required" };
}

function opt(type: WireType): WireField {
  return { type, presence: "omitempty" };
}

function ptr(type: WireType): WireField {
  return { type, presence: "pointer" };
}

function arr(type: WireType): WireArray {
  return { array: type };
}

function obj<T>(name: string, fields: WireFields<T>): WireObject {
  return { name, fields };
}

// ---- shared (§2.2) ----

const COMMON_META: WireFields<CommonMeta> = {
  uid: req("string"),
  name: req("string"),
  namespace: opt("string"),
  kind: req("string"),
  nodeName: opt("string"),
  ownerKind: opt("string"),
  ownerName: opt("string"),
  labels: opt("stringMap"),
  createdAt: req("time"),
};

const RESOURCE_REF = obj<ResourceRef>("ResourceRef", {
  kind: req("string"),
  namespace: opt("string"),
  name: req("string"),
  uid: opt("string"),
});

const K8S_REF = obj<K8sRef>("K8sRef", {
  kind: opt("string"),
  namespace: opt("string"),
  name: opt("string"),
  uid: opt("string"),
});

const LABEL_SELECTOR = obj<LabelSelector>("LabelSelector", {
  matchLabels: opt("stringMap"),
  matchExpressions: opt(arr(obj<LabelExpr>("LabelExpr", {
    key: req("string"),
    operator: req("string"),
    values: opt(arr("string")),
  }))),
});

const TOLERATION = obj<Toleration>("Toleration", {
  key: opt("string"),
  operator: opt("string"),
  value: opt("string"),
  effect: opt("string"),
  tolerationSeconds: ptr("int"),
});

const AFFINITY = obj<Affinity>("Affinity", {
  nodeAffinity: opt("string"),
  podAffinity: opt("string"),
  podAntiAffinity: opt("string"),
});

const WORKLOAD_CONDITION = obj<WorkloadCondition>("WorkloadCondition", {
  type: req("string"),
  status: req("string"),
  reason: opt("string"),
  message: opt("string"),
  lastUpdateTime: opt("strTime"),
  lastTransitionTime: opt("strTime"),
});

const WORKLOAD_ROLLOUT = obj<WorkloadRollout>("WorkloadRollout", {
  phase: req("string"),
  message: opt("string"),
  badges: opt(arr("string")),
});

const PROBE = obj<Probe>("Probe", {
  type: req("string"),
  path: opt("string"),
  port: opt("int"),
  command: opt("string"),
  initialDelaySeconds: opt("int"),
  periodSeconds: opt("int"),
  timeoutSeconds: opt("int"),
  successThreshold: opt("int"),
  failureThreshold: opt("int"),
});

const CONTAINER_DETAIL_FIELDS: WireFields<ContainerDetail> = {
  name: req("string"),
  image: req("string"),
  imagePullPolicy: opt("string"),
  ports: opt(arr(obj<ContainerPort>("ContainerPort", {
    name: opt("string"),
    containerPort: req("int"),
    protocol: opt("string"),
    hostPort: opt("int"),
  }))),
  envs: opt(arr(obj<EnvVar>("EnvVar", {
    name: req("string"),
    value: opt("string"),
    valueFrom: opt("string"),
  }))),
  volumeMounts: opt(arr(obj<VolumeMount>("VolumeMount", {
    name: req("string"),
    mountPath: req("string"),
    subPath: opt("string"),
    readOnly: opt("bool"),
  }))),
  requests: opt("stringMap"),
  limits: opt("stringMap"),
  livenessProbe: opt(PROBE),
  readinessProbe: opt(PROBE),
  startupProbe: opt(PROBE),
  command: opt(arr("string")),
  args: opt(arr("string")),
  workingDir: opt("string"),
};

const VOLUME_SPEC = obj<VolumeSpec>("VolumeSpec", {
  name: req("string"),
  type: req("string"),
  source: opt("string"),
});

const POD_TEMPLATE = obj<PodTemplate>("PodTemplate", {
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
  containers: req(arr(obj<ContainerDetail>("ContainerDetail", CONTAINER_DETAIL_FIELDS))),
  volumes: opt(arr(VOLUME_SPEC)),
  serviceAccountName: opt("string"),
  nodeSelector: opt("stringMap"),
  tolerations: opt(arr(TOLERATION)),
  affinity: opt(AFFINITY),
  runtimeClassName: opt("string"),
  imagePullSecrets: opt(arr("string")),
  hostNetwork: opt("bool"),
  dnsPolicy: opt("string"),
});

// ---- Pod (§2.3) ----

const POD_CONTAINER_DETAIL = obj<PodContainerDetail>("PodContainerDetail", {
  ...CONTAINER_DETAIL_FIELDS,
  state: req("string"),
  stateReason: opt("string"),
  stateMessage: opt("string"),
  ready: req("bool"),
  restartCount: req("int"),
  lastTerminationReason: opt("string"),
  lastTerminationMessage: opt("string"),
  lastTerminationTime: opt("strTime"),
});

/** `Pod`. */
export const POD_WIRE: WireObject = obj<Pod>("Pod", {
  summary: req(obj<PodSummary>("PodSummary", {
    name: req("string"),
    namespace: req("string"),
    nodeName: opt("string"),
    ownerKind: opt("string"),
    ownerName: opt("string"),
    createdAt: req("time"),
    age: req("string"),
  })),
  spec: req(obj<PodSpec>("PodSpec", {
    restartPolicy: opt("string"),
    serviceAccountName: opt("string"),
    nodeSelector: opt("stringMap"),
    tolerations: opt(arr(TOLERATION)),
    affinity: opt(AFFINITY),
    dnsPolicy: opt("string"),
    hostNetwork: opt("bool"),
    runtimeClassName: opt("string"),
    priorityClassName: opt("string"),
    terminationGracePeriodSeconds: ptr("int"),
    imagePullSecrets: opt(arr("string")),
  })),
  status: req(obj<PodStatus>("PodStatus", {
    phase: req("string"),
    ready: req("string"),
    restarts: req("int"),
    qosClass: opt("string"),
    podIP: opt("string"),
    podIPs: opt(arr("string")),
    hostIP: opt("string"),
    reason: opt("string"),
    message: opt("string"),
    conditions: opt(arr(obj<PodCondition>("PodCondition", {
      type: req("string"),
      status: req("string"),
      reason: opt("string"),
      message: opt("string"),
      lastTransitionTime: opt("strTime"),
    }))),
    cpuUsage: opt("string"),
    memoryUsage: opt("string"),
  })),
  containers: req(arr(POD_CONTAINER_DETAIL)),
  initContainers: opt(arr(POD_CONTAINER_DETAIL)),
  volumes: opt(arr(VOLUME_SPEC)),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

// ---- Node (§2.4) ----

const NODE_RESOURCES = obj<NodeResources>("NodeResources", {
  cpu: opt("string"),
  memory: opt("string"),
  pods: opt("string"),
  ephemeralStorage: opt("string"),
  scalarResources: opt("stringMap"),
});

const NODE_RESOURCE_METRIC = obj<NodeResourceMetric>("NodeResourceMetric", {
  usage: req("string"),
  allocatable: opt("string"),
  capacity: opt("string"),
  utilPct: opt("float"),
});

/** `Node`. */
export const NODE_WIRE: WireObject = obj<Node>("Node", {
  summary: req(obj<NodeSummary>("NodeSummary", {
    name: req("string"),
    roles: opt(arr("string")),
    ready: req("string"),
    schedulable: req("bool"),
    age: req("string"),
    creationTime: req("time"),
    badges: opt(arr("string")),
    reason: opt("string"),
    message: opt("string"),
  })),
  spec: req(obj<NodeSpec>("NodeSpec", {
    podCIDRs: opt(arr("string")),
    providerID: opt("string"),
    unschedulable: opt("bool"),
  })),
  capacity: req(NODE_RESOURCES),
  allocatable: req(NODE_RESOURCES),
  addresses: req(obj<NodeAddresses>("NodeAddresses", {
    hostname: opt("string"),
    internalIP: opt("string"),
    externalIP: opt("string"),
    all: opt(arr(obj<NodeAddr>("NodeAddr", { type: req("string"), address: req("string") }))),
  })),
  info: req(obj<NodeInfo>("NodeInfo", {
    osImage: opt("string"),
    operatingSystem: opt("string"),
    architecture: opt("string"),
    kernelVersion: opt("string"),
    containerRuntimeVersion: opt("string"),
    kubeletVersion: opt("string"),
    kubeProxyVersion: opt("string"),
  })),
  conditions: opt(arr(obj<NodeCondition>("NodeCondition", {
    type: req("string"),
    status: req("string"),
    reason: opt("string"),
    message: opt("string"),
    lastHeartbeatTime: req("time"),
    lastTransitionTime: req("time"),
  }))),
  taints: opt(arr(obj<NodeTaint>("NodeTaint", {
    key: req("string"),
    value: opt("string"),
    effect: req("string"),
    timeAdded: ptr("time"),
  }))),
  labels: opt("stringMap"),
  metrics: req(obj<NodeMetrics>("NodeMetrics", {
    cpu: req(NODE_RESOURCE_METRIC),
    memory: req(NODE_RESOURCE_METRIC),
    pods: req(obj<PodCountMetric>("PodCountMetric", {
      used: req("int"),
      capacity: req("int"),
      utilPct: opt("float"),
    })),
    // A struct field: `omitempty` never drops it.
    pressure: req(obj<PressureFlags>("PressureFlags", {
      memoryPressure: opt("bool"),
      diskPressure: opt("bool"),
      pidPressure: opt("bool"),
      networkUnavailable: opt("bool"),
    })),
  })),
});

// ---- Workloads (§2.5–§2.7) ----

const UPDATE_STRATEGY = obj<UpdateStrategy>("UpdateStrategy", {
  type: opt("string"),
  partition: ptr("int"),
  maxUnavailable: opt("string"),
  maxSurge: opt("string"),
});

/** `Deployment`. */
export const DEPLOYMENT_WIRE: WireObject = obj<Deployment>("Deployment", {
  summary: req(obj<DeploymentSummary>("DeploymentSummary", {
    name: req("string"),
    namespace: req("string"),
    strategy: req("string"),
    replicas: req("int"),
    updated: req("int"),
    ready: req("int"),
    available: req("int"),
    unavailable: opt("int"),
    paused: opt("bool"),
    createdAt: req("time"),
    age: req("string"),
    selector: opt("string"),
  })),
  spec: req(obj<DeploymentSpec>("DeploymentSpec", {
    replicas: ptr("int"),
    selector: opt(LABEL_SELECTOR),
    strategy: opt(obj<DeploymentStrategy>("DeploymentStrategy", {
      type: req("string"),
      rollingUpdate: opt(obj<RollingUpdateStrategy>("RollingUpdateStrategy", {
        maxUnavailable: opt("string"),
        maxSurge: opt("string"),
      })),
    })),
    minReadySeconds: opt("int"),
    revisionHistoryLimit: ptr("int"),
    progressDeadlineSeconds: ptr("int"),
  })),
  template: req(POD_TEMPLATE),
  status: req(obj<DeploymentStatus>("DeploymentStatus", {
    observedGeneration: opt("int"),
    replicas: req("int"),
    updatedReplicas: opt("int"),
    readyReplicas: opt("int"),
    availableReplicas: opt("int"),
    unavailableReplicas: opt("int"),
    collisionCount: ptr("int"),
    conditions: opt(arr(obj<DeploymentCondition>("DeploymentCondition", {
      type: req("string"),
      status: req("string"),
      reason: opt("string"),
      message: opt("string"),
      lastUpdateTime: req("time"),
      lastTransitionTime: req("time"),
    }))),
  })),
  rollout: opt(WORKLOAD_ROLLOUT),
  replicaSets: opt(arr(obj<ReplicaSetBrief>("ReplicaSetBrief", {
    name: req("string"),
    namespace: req("string"),
    revision: opt("string"),
    replicas: req("int"),
    ready: req("int"),
    available: req("int"),
    image: opt("string"),
    createdAt: req("time"),
    age: req("string"),
  }))),
  annotations: opt("stringMap"),
  labels: opt("stringMap"),
});

/** `StatefulSet`. */
export const STATEFUL_SET_WIRE: WireObject = obj<StatefulSet>("StatefulSet", {
  summary: req(obj<StatefulSetSummary>("StatefulSetSummary", {
    name: req("string"),
    namespace: req("string"),
    replicas: req("int"),
    ready: req("int"),
    current: req("int"),
    updated: req("int"),
    available: req("int"),
    createdAt: req("time"),
    age: req("string"),
    serviceName: opt("string"),
    selector: opt("string"),
  })),
  spec: req(obj<StatefulSetSpec>("StatefulSetSpec", {
    replicas: ptr("int"),
    serviceName: opt("string"),
    podManagementPolicy: opt("string"),
    updateStrategy: opt(UPDATE_STRATEGY),
    revisionHistoryLimit: ptr("int"),
    minReadySeconds: opt("int"),
    persistentVolumeClaimRetentionPolicy: opt(obj<PvcRetentionPolicy>("PvcRetentionPolicy", {
      whenDeleted: opt("string"),
      whenScaled: opt("string"),
    })),
    selector: opt(LABEL_SELECTOR),
    volumeClaimTemplates: opt(arr(obj<VolumeClaimTemplate>("VolumeClaimTemplate", {
      name: req("string"),
      accessModes: opt(arr("string")),
      storageClass: opt("string"),
      storage: opt("string"),
      selector: opt("stringMap"),
    }))),
  })),
  template: req(POD_TEMPLATE),
  status: req(obj<StatefulSetStatus>("StatefulSetStatus", {
    observedGeneration: opt("int"),
    replicas: req("int"),
    readyReplicas: opt("int"),
    currentReplicas: opt("int"),
    updatedReplicas: opt("int"),
    availableReplicas: opt("int"),
    currentRevision: opt("string"),
    updateRevision: opt("string"),
    collisionCount: ptr("int"),
    conditions: opt(arr(WORKLOAD_CONDITION)),
  })),
  rollout: opt(WORKLOAD_ROLLOUT),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

/** `DaemonSet`. */
export const DAEMON_SET_WIRE: WireObject = obj<DaemonSet>("DaemonSet", {
  summary: req(obj<DaemonSetSummary>("DaemonSetSummary", {
    name: req("string"),
    namespace: req("string"),
    desiredNumberScheduled: req("int"),
    currentNumberScheduled: req("int"),
    numberReady: req("int"),
    numberAvailable: req("int"),
    numberUnavailable: req("int"),
    numberMisscheduled: req("int"),
    updatedNumberScheduled: req("int"),
    createdAt: req("time"),
    age: req("string"),
    selector: opt("string"),
  })),
  spec: req(obj<DaemonSetSpec>("DaemonSetSpec", {
    updateStrategy: opt(UPDATE_STRATEGY),
    minReadySeconds: opt("int"),
    revisionHistoryLimit: ptr("int"),
    selector: opt(LABEL_SELECTOR),
  })),
  template: req(POD_TEMPLATE),
  status: req(obj<DaemonSetStatus>("DaemonSetStatus", {
    observedGeneration: opt("int"),
    desiredNumberScheduled: req("int"),
    currentNumberScheduled: req("int"),
    numberReady: req("int"),
    numberAvailable: opt("int"),
    numberUnavailable: opt("int"),
    numberMisscheduled: req("int"),
    updatedNumberScheduled: opt("int"),
    collisionCount: ptr("int"),
    conditions: opt(arr(WORKLOAD_CONDITION)),
  })),
  rollout: opt(WORKLOAD_ROLLOUT),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

/** `ReplicaSet`. */
export const REPLICA_SET_WIRE: WireObject = obj<ReplicaSet>("ReplicaSet", {
  ...COMMON_META,
  replicas: req("int"),
  readyReplicas: req("int"),
  availableReplicas: req("int"),
  selector: opt("stringMap"),
});

/** `Job`. */
export const JOB_WIRE: WireObject = obj<Job>("Job", {
  ...COMMON_META,
  active: req("int"),
  succeeded: req("int"),
  failed: req("int"),
  complete: req("bool"),
  completions: ptr("int"),
  parallelism: ptr("int"),
  backoffLimit: ptr("int"),
  template: req(POD_TEMPLATE),
  conditions: opt(arr(WORKLOAD_CONDITION)),
  startTime: ptr("time"),
  finishTime: ptr("time"),
});

/** `CronJob`. */
export const CRON_JOB_WIRE: WireObject = obj<CronJob>("CronJob", {
  ...COMMON_META,
  schedule: req("string"),
  suspend: req("bool"),
  concurrencyPolicy: opt("string"),
  successfulJobsHistoryLimit: ptr("int"),
  failedJobsHistoryLimit: ptr("int"),
  template: req(POD_TEMPLATE),
  activeJobs: req("int"),
  lastScheduleTime: ptr("time"),
  lastSuccessfulTime: ptr("time"),
});

// ---- Network (§2.8, §2.9, §2.12) ----

/** `Service`. */
export const SERVICE_WIRE: WireObject = obj<Service>("Service", {
  summary: req(obj<ServiceSummary>("ServiceSummary", {
    name: req("string"),
    namespace: req("string"),
    type: req("string"),
    createdAt: req("time"),
    age: req("string"),
    portsCount: req("int"),
    hasSelector: req("bool"),
    badges: opt(arr("string")),
    clusterIP: opt("string"),
    externalName: opt("string"),
  })),
  spec: req(obj<ServiceSpec>("ServiceSpec", {
    type: req("string"),
    sessionAffinity: opt("string"),
    sessionAffinityTimeoutSeconds: ptr("int"),
    externalTrafficPolicy: opt("string"),
    internalTrafficPolicy: opt("string"),
    ipFamilies: opt(arr("string")),
    ipFamilyPolicy: opt("string"),
    clusterIPs: opt(arr("string")),
    externalIPs: opt(arr("string")),
    loadBalancerClass: opt("string"),
    loadBalancerSourceRanges: opt(arr("string")),
    publishNotReadyAddresses: opt("bool"),
    allocateLoadBalancerNodePorts: ptr("bool"),
    healthCheckNodePort: opt("int"),
    externalName: opt("string"),
  })),
  ports: opt(arr(obj<ServicePort>("ServicePort", {
    name: opt("string"),
    protocol: req("string"),
    port: req("int"),
    targetPort: req("string"),
    nodePort: opt("int"),
    appProtocol: opt("string"),
  }))),
  selector: opt("stringMap"),
  network: req(obj<ServiceNetwork>("ServiceNetwork", {
    clusterIPs: opt(arr("string")),
    externalIPs: opt(arr("string")),
    loadBalancerIngress: opt(arr("string")),
    ipFamilies: opt(arr("string")),
    ipFamilyPolicy: opt("string"),
    externalTrafficPolicy: opt("string"),
    internalTrafficPolicy: opt("string"),
  })),
  backends: opt(obj<ServiceBackends>("ServiceBackends", {
    summary: req(obj<BackendSummary>("BackendSummary", {
      ready: req("int"),
      notReady: req("int"),
      total: req("int"),
      slices: opt("int"),
      updated: req("time"),
    })),
    ports: opt(arr(obj<EndpointPort>("EndpointPort", {
      name: opt("string"),
      port: req("int"),
      protocol: req("string"),
      appProtocol: opt("string"),
    }))),
    endpoints: opt(arr(obj<BackendEndpoint>("BackendEndpoint", {
      address: req("string"),
      ready: req("bool"),
      nodeName: opt("string"),
      zone: opt("string"),
      targetRef: opt(K8S_REF),
    }))),
  })),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

const INGRESS_BACKEND = obj<IngressBackend>("IngressBackend", {
  type: req("string"),
  service: opt(obj<IngressServiceBackend>("IngressServiceBackend", {
    name: req("string"),
    portName: opt("string"),
    portNumber: opt("int"),
  })),
  resource: opt(obj<IngressResourceRef>("IngressResourceRef", {
    apiGroup: opt("string"),
    kind: req("string"),
    name: req("string"),
    namespace: opt("string"),
  })),
});

/** `Ingress`. */
export const INGRESS_WIRE: WireObject = obj<Ingress>("Ingress", {
  summary: req(obj<IngressSummary>("IngressSummary", {
    name: req("string"),
    namespace: req("string"),
    createdAt: req("time"),
    age: req("string"),
    ingressClass: opt("string"),
    hostsCount: req("int"),
    pathsCount: req("int"),
    tlsEnabled: req("bool"),
    hosts: opt(arr("string")),
  })),
  spec: req(obj<IngressSpec>("IngressSpec", {
    ingressClassName: opt("string"),
    defaultBackend: opt(INGRESS_BACKEND),
    rules: opt(arr(obj<IngressRule>("IngressRule", {
      host: opt("string"),
      paths: req(arr(obj<IngressPath>("IngressPath", {
        path: req("string"),
        pathType: req("string"),
        backend: opt(INGRESS_BACKEND),
      }))),
    }))),
    tls: opt(arr(obj<IngressTls>("IngressTls", {
      hosts: opt(arr("string")),
      secretName: opt("string"),
    }))),
  })),
  status: req(obj<IngressStatus>("IngressStatus", { loadBalancer: opt(arr("string")) })),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

const NETWORK_POLICY_RULE = obj<NetworkPolicyRule>("NetworkPolicyRule", {
  peers: opt(arr(obj<NetworkPolicyPeer>("NetworkPolicyPeer", {
    type: req("string"),
    selector: opt("string"),
    cidr: opt("string"),
    except: opt(arr("string")),
  }))),
  ports: opt(arr(obj<NetworkPolicyPort>("NetworkPolicyPort", {
    protocol: req("string"),
    port: req("string"),
    endPort: ptr("int"),
  }))),
});

/** `NetworkPolicy`. */
export const NETWORK_POLICY_WIRE: WireObject = obj<NetworkPolicy>("NetworkPolicy", {
  name: req("string"),
  namespace: req("string"),
  createdAt: req("strTime"),
  age: req("string"),
  podSelector: opt("string"),
  policyTypes: opt(arr("string")),
  ingressRuleCount: req("int"),
  egressRuleCount: req("int"),
  ingressRules: opt(arr(NETWORK_POLICY_RULE)),
  egressRules: opt(arr(NETWORK_POLICY_RULE)),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

// ---- Policy (§2.12) ----

/** `ResourceQuota`. */
export const RESOURCE_QUOTA_WIRE: WireObject = obj<ResourceQuota>("ResourceQuota", {
  name: req("string"),
  namespace: req("string"),
  createdAt: req("strTime"),
  age: req("string"),
  scopes: opt(arr("string")),
  hard: opt("stringMap"),
  used: opt("stringMap"),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

/** `LimitRange`. */
export const LIMIT_RANGE_WIRE: WireObject = obj<LimitRange>("LimitRange", {
  name: req("string"),
  namespace: req("string"),
  createdAt: req("strTime"),
  age: req("string"),
  items: req(arr(obj<LimitRangeItem>("LimitRangeItem", {
    type: req("string"),
    default: opt("stringMap"),
    defaultRequest: opt("stringMap"),
    max: opt("stringMap"),
    min: opt("stringMap"),
    maxLimitRequestRatio: opt("stringMap"),
  }))),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

/** `ServiceAccount`. */
export const SERVICE_ACCOUNT_WIRE: WireObject = obj<ServiceAccount>("ServiceAccount", {
  name: req("string"),
  namespace: req("string"),
  createdAt: req("strTime"),
  age: req("string"),
  secretsCount: req("int"),
  imagePullSecretsCount: req("int"),
  automountServiceAccountToken: ptr("bool"),
  secretNames: opt(arr("string")),
  imagePullSecretNames: opt(arr("string")),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

// ---- Namespace, ConfigMap, Secret (§2.10) ----

/** `Namespace`. */
export const NAMESPACE_WIRE: WireObject = obj<Namespace>("Namespace", {
  summary: req(obj<NamespaceSummary>("NamespaceSummary", {
    name: req("string"),
    createdAt: req("strTime"),
    age: req("string"),
  })),
  status: req(obj<NamespaceStatus>("NamespaceStatus", { phase: req("string") })),
  resources: req(obj<NamespaceResources>("NamespaceResources", {
    pods: req("int"),
    podsRunning: req("int"),
    podsPending: req("int"),
    podsFailed: req("int"),
    podsSucceeded: req("int"),
    deployments: req("int"),
    statefulSets: req("int"),
    daemonSets: req("int"),
    replicaSets: req("int"),
    jobs: req("int"),
    cronJobs: req("int"),
    services: req("int"),
    ingresses: req("int"),
    networkPolicies: req("int"),
    configMaps: req("int"),
    secrets: req("int"),
    serviceAccounts: req("int"),
    pvcs: req("int"),
  })),
  quotas: opt(arr(RESOURCE_QUOTA_WIRE)),
  limitRanges: opt(arr(LIMIT_RANGE_WIRE)),
  labels: opt("stringMap"),
  annotations: opt("stringMap"),
});

/** `ConfigMap`. */
export const CONFIG_MAP_WIRE: WireObject = obj<ConfigMap>("ConfigMap", {
  ...COMMON_META,
  dataKeys: opt(arr("string")),
});

/** `Secret`. */
export const SECRET_WIRE: WireObject = obj<Secret>("Secret", {
  ...COMMON_META,
  type: req("string"),
  dataKeys: opt(arr("string")),
});

// ---- Storage (§2.12) ----

/** `PersistentVolume`. */
export const PERSISTENT_VOLUME_WIRE: WireObject = obj<PersistentVolume>("PersistentVolume", {
  ...COMMON_META,
  capacity: req("string"),
  phase: req("string"),
  storageClass: opt("string"),
  accessModes: opt(arr("string")),
  reclaimPolicy: opt("string"),
  volumeSourceType: opt("string"),
  claimRefName: opt("string"),
  claimRefNamespace: opt("string"),
});

/** `PersistentVolumeClaim`. */
export const PERSISTENT_VOLUME_CLAIM_WIRE: WireObject = obj<PersistentVolumeClaim>("PersistentVolumeClaim", {
  ...COMMON_META,
  phase: req("string"),
  volumeName: req("string"),
  storageClass: opt("string"),
  accessModes: opt(arr("string")),
  requestedCapacity: opt("string"),
  actualCapacity: opt("string"),
  volumeMode: opt("string"),
});

// ---- Event (§2.11) ----

/** `Event`. */
export const EVENT_WIRE: WireObject = obj<Event>("Event", {
  ...COMMON_META,
  type: req("string"),
  reason: req("string"),
  message: req("string"),
  source: opt("string"),
  involvedObject: req(RESOURCE_REF),
  count: req("int"),
  firstTimestamp: req("time"),
  lastTimestamp: req("time"),
});

// ---- Top level (§2.1) ----

/** `ClusterSnapshot`: the body of `POST /agent/snapshot`. */
export const CLUSTER_SNAPSHOT_WIRE: WireObject = obj<ClusterSnapshot>("ClusterSnapshot", {
  clusterId: req("string"),
  fetchedAt: req("time"),
  pods: req(arr(POD_WIRE)),
  deployments: req(arr(DEPLOYMENT_WIRE)),
  statefulSets: req(arr(STATEFUL_SET_WIRE)),
  daemonSets: req(arr(DAEMON_SET_WIRE)),
  replicaSets: opt(arr(REPLICA_SET_WIRE)),
  jobs: opt(arr(JOB_WIRE)),
  cronJobs: opt(arr(CRON_JOB_WIRE)),
  services: req(arr(SERVICE_WIRE)),
  ingresses: req(arr(INGRESS_WIRE)),
  namespaces: req(arr(NAMESPACE_WIRE)),
  configMaps: req(arr(CONFIG_MAP_WIRE)),
  secrets: opt(arr(SECRET_WIRE)),
  resourceQuotas: opt(arr(RESOURCE_QUOTA_WIRE)),
  limitRanges: opt(arr(LIMIT_RANGE_WIRE)),
  networkPolicies: opt(arr(NETWORK_POLICY_WIRE)),
  serviceAccounts: opt(arr(SERVICE_ACCOUNT_WIRE)),
  pvs: opt(arr(PERSISTENT_VOLUME_WIRE)),
  pvcs: opt(arr(PERSISTENT_VOLUME_CLAIM_WIRE)),
  nodes: req(arr(NODE_WIRE)),
  events: req(arr(EVENT_WIRE)),
  summary: req(obj<ClusterSummary>("ClusterSummary", {
    totalNodes: req("int"),
    readyNodes: req("int"),
    totalPods: req("int"),
    runningPods: req("int"),
    pendingPods: req("int"),
    failedPods: req("int"),
    totalDeployments: req("int"),
    healthyDeployments: req("int"),
    totalStatefulSets: req("int"),
    totalDaemonSets: req("int"),
    totalServices: req("int"),
    totalIngresses: req("int"),
    totalNamespaces: req("int"),
    totalEvents: req("int"),
    warningEvents: req("int"),
  })),
});

// ---- Commands (§1.3, §1.4) ----

/** `Command`: one command in the answer of `GET /agent/commands`. */
export const COMMAND_WIRE: WireObject = obj<Command>("Command", {
  id: req("string"),
  clusterId: req("string"),
  action: req("string"),
  kind: opt("string"),
  namespace: opt("string"),
  name: opt("string"),
  params: opt("json"),
  source: opt("string"),
  createdBy: opt("string"),
  createdAt: req("time"),
});

/** `Result`: the body of `POST /agent/result`. */
export const RESULT_WIRE: WireObject = obj<Result>("Result", {
  commandId: req("string"),
  success: req("bool"),
  output: opt("string"),
  error: opt("string"),
  execTime: opt("int"),
  executedAt: req("time"),
});
