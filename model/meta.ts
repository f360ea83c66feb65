/**
 * Shared pieces of the wire model (master-protocol §2.0, §2.2): time strings, common metadata, selectors,
 * tolerations, pod templates and containers. Field names are the exact JSON names the Master's Go structs use;
 * an optional property is an `omitempty` field in Go.
 *
 * @module
 */

/**
 * A Go `time.Time` on the wire: an RFC 3339 string, or {@linkcode ZERO_TIME} when the value is unset. Never `""`,
 * which the Master's decoder rejects.
 */
export type Time = string;

/** A Go `string` field that holds a `time.Format(time.RFC3339)` value; any string decodes. */
export type StrTime = string;

/** A `map[string]string`: labels, annotations, selectors, resource lists. */
export type StringMap = Record<string, string>;

/** Go's zero `time.Time` as `encoding/json` writes it: what a missing non-omitempty time becomes. */
export const ZERO_TIME: Time = "0001-01-01T00:00:00Z";

/** Metadata embedded flat in the CommonMeta-based models (ReplicaSet, Job, CronJob, ConfigMap, Secret, PV, PVC, Event). */
export interface CommonMeta {
  /** Kubernetes UID. */
  uid: string;
  /** Object name. */
  name: string;
  /** Namespace; absent for cluster-scoped objects. */
  namespace?: string;
  /** A literal the converter sets: `"ReplicaSet"`, `"Job"`, ... */
  kind: string;
  /** Never set by the Go agent; kept for completeness. */
  nodeName?: string;
  /** Kind of `ownerReferences[0]`. */
  ownerKind?: string;
  /** Name of `ownerReferences[0]`. */
  ownerName?: string;
  /** Object labels. */
  labels?: StringMap;
  /** Creation timestamp. */
  createdAt: Time;
}

/** A reference to another object (Event `involvedObject`). */
export interface ResourceRef {
  /** Kind of the referenced object. */
  kind: string;
  /** Namespace of the referenced object. */
  namespace?: string;
  /** Name of the referenced object. */
  name: string;
  /** UID of the referenced object. */
  uid?: string;
}

/** A loose reference to another object (Service backend endpoints). */
export interface K8sRef {
  /** Kind of the referenced object. */
  kind?: string;
  /** Namespace of the referenced object. */
  namespace?: string;
  /** Name of the referenced object. */
  name?: string;
  /** UID of the referenced object. */
  uid?: string;
}

/** A label selector with structured expressions. */
export interface LabelSelector {
  /** Labels that must all match exactly. */
  matchLabels?: StringMap;
  /** Set-based requirements that must all match. */
  matchExpressions?: LabelExpr[];
}

/** One `matchExpressions` entry. */
export interface LabelExpr {
  /** Label key the requirement applies to. */
  key: string;
  /** Operator: `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  operator: string;
  /** Values for `In` and `NotIn`. */
  values?: string[];
}

/** A pod toleration. */
export interface Toleration {
  /** Taint key the toleration matches; empty matches all keys. */
  key?: string;
  /** `Exists` or `Equal`. */
  operator?: string;
  /** Taint value to match with `Equal`. */
  value?: string;
  /** Taint effect to match; empty matches all effects. */
  effect?: string;
  /** A Go `*int64`: present (even `0`) whenever Kubernetes sets it. */
  tolerationSeconds?: number;
}

/**
 * Affinity, reduced to presence flags. Each field holds {@linkcode AFFINITY_CONFIGURED} when that affinity is set;
 * an affinity present but empty is sent as `{}` (master-protocol §10.7).
 */
export interface Affinity {
  /** Set when node affinity is configured. */
  nodeAffinity?: string;
  /** Set when pod affinity is configured. */
  podAffinity?: string;
  /** Set when pod anti-affinity is configured. */
  podAntiAffinity?: string;
}

/** The literal the Go agent writes for a configured affinity ("configured" in Chinese); the UI shows it as is. */
export const AFFINITY_CONFIGURED = "\u5df2\u914d\u7f6e";

/** A status condition of a StatefulSet, DaemonSet or Job. */
export interface WorkloadCondition {
  /** Condition type, e.g. `Available`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** Machine-readable reason of the last transition. */
  reason?: string;
  /** Human-readable details. */
  message?: string;
  /** Last time the condition was updated. */
  lastUpdateTime?: StrTime;
  /** Last time the status changed. */
  lastTransitionTime?: StrTime;
}

/** The rollout state the agent derives for a workload. */
export interface WorkloadRollout {
  /** Rollout phase. */
  phase: string;
  /** Human-readable description of the rollout. */
  message?: string;
  /** Short status tags shown next to the phase. */
  badges?: string[];
}

/** A pod template of a workload. `labels`/`annotations` are filled for Deployments only. */
export interface PodTemplate {
  /** Labels of the pod template. */
  labels?: StringMap;
  /** Annotations of the pod template. */
  annotations?: StringMap;
  /** Containers of the pod template. */
  containers: ContainerDetail[];
  /** Volumes of the pod template. */
  volumes?: VolumeSpec[];
  /** Service account the pods run as. */
  serviceAccountName?: string;
  /** Node labels the pods must be scheduled on. */
  nodeSelector?: StringMap;
  /** Taints the pods tolerate. */
  tolerations?: Toleration[];
  /** Affinity settings of the pods. */
  affinity?: Affinity;
  /** RuntimeClass of the pods. */
  runtimeClassName?: string;
  /** Names of the image pull secrets. */
  imagePullSecrets?: string[];
  /** Whether the pods use the host's network namespace. */
  hostNetwork?: boolean;
  /** DNS policy of the pods. */
  dnsPolicy?: string;
}

/** One container of a pod spec or template. */
export interface ContainerDetail {
  /** Container name. */
  name: string;
  /** Container image. */
  image: string;
  /** `Always`, `IfNotPresent` or `Never`. */
  imagePullPolicy?: string;
  /** Ports the container exposes. */
  ports?: ContainerPort[];
  /** Environment variables. */
  envs?: EnvVar[];
  /** Volumes mounted into the container. */
  volumeMounts?: VolumeMount[];
  /** Resource requests, by resource name. */
  requests?: StringMap;
  /** Resource limits, by resource name. */
  limits?: StringMap;
  /** Liveness probe. */
  livenessProbe?: Probe;
  /** Readiness probe. */
  readinessProbe?: Probe;
  /** Startup probe. */
  startupProbe?: Probe;
  /** Entrypoint override. */
  command?: string[];
  /** Arguments to the entrypoint. */
  args?: string[];
  /** Working directory. */
  workingDir?: string;
}

/** A container port. */
export interface ContainerPort {
  /** Port name. */
  name?: string;
  /** Port number on the container. */
  containerPort: number;
  /** `TCP`, `UDP` or `SCTP`. */
  protocol?: string;
  /** Port number on the host. */
  hostPort?: number;
}

/**
 * An environment variable. `valueFrom` is a short reference: `configmap:<name>`, `secret:<name>`,
 * `field:<fieldPath>` or `resource:<resource>`.
 */
export interface EnvVar {
  /** Variable name. */
  name: string;
  /** Literal value. */
  value?: string;
  /** Short reference to the value's source. */
  valueFrom?: string;
}

/** A volume mount of a container. */
export interface VolumeMount {
  /** Name of the volume to mount. */
  name: string;
  /** Path inside the container. */
  mountPath: string;
  /** Sub-path within the volume. */
  subPath?: string;
  /** Whether the mount is read-only. */
  readOnly?: boolean;
}

/** The kinds of volume the Master knows. */
export type VolumeType =
  | "ConfigMap"
  | "Secret"
  | "EmptyDir"
  | "PVC"
  | "HostPath"
  | "Projected"
  | "DownwardAPI"
  | "Other";

/** A pod volume, reduced to its type and main source. */
export interface VolumeSpec {
  /** Volume name. */
  name: string;
  /** Volume type. */
  type: VolumeType;
  /** Main source, e.g. the ConfigMap, Secret, claim name or host path. */
  source?: string;
}

/** How a probe checks the container; gRPC probes give `""`. */
export type ProbeType = "httpGet" | "tcpSocket" | "exec" | "";

/** A liveness, readiness or startup probe. */
export interface Probe {
  /** How the probe checks the container. */
  type: ProbeType;
  /** HTTP path of an `httpGet` probe. */
  path?: string;
  /** Numeric ports only: a named port is omitted. */
  port?: number;
  /** The exec argv joined with spaces. */
  command?: string;
  /** Seconds after start before the first probe. */
  initialDelaySeconds?: number;
  /** Seconds between probes. */
  periodSeconds?: number;
  /** Seconds before a probe times out. */
  timeoutSeconds?: number;
  /** Consecutive successes needed to count as passing. */
  successThreshold?: number;
  /** Consecutive failures needed to count as failing. */
  failureThreshold?: number;
}
