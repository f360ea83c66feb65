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
  uid: string;
  name: string;
  namespace?: string;
  /** A literal the converter sets: `"ReplicaSet"`, `"Job"`, ... */
  kind: string;
  /** Never set by the Go agent; kept for completeness. */
  nodeName?: string;
  /** Kind of `ownerReferences[0]`. */
  ownerKind?: string;
  /** Name of `ownerReferences[0]`. */
  ownerName?: string;
  labels?: StringMap;
  createdAt: Time;
}

/** A reference to another object (Event `involvedObject`). */
export interface ResourceRef {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

/** A loose reference to another object (Service backend endpoints). */
export interface K8sRef {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

/** A label selector with structured expressions. */
export interface LabelSelector {
  matchLabels?: StringMap;
  matchExpressions?: LabelExpr[];
}

/** One `matchExpressions` entry. */
export interface LabelExpr {
  key: string;
  operator: string;
  values?: string[];
}

/** A pod toleration. */
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  /** A Go `*int64`: present (even `0`) whenever Kubernetes sets it. */
  tolerationSeconds?: number;
}

/**
 * Affinity, reduced to presence flags. Each field holds {@linkcode AFFINITY_CONFIGURED} when that affinity is set;
 * an affinity present but empty is sent as `{}` (master-protocol §10.7).
 */
export interface Affinity {
  nodeAffinity?: string;
  podAffinity?: string;
  podAntiAffinity?: string;
}

/** The literal the Go agent writes for a configured affinity ("configured" in Chinese); the UI shows it as is. */
export const AFFINITY_CONFIGURED = "\u5df2\u914d\u7f6e";

/** A status condition of a StatefulSet, DaemonSet or Job. */
export interface WorkloadCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: StrTime;
  lastTransitionTime?: StrTime;
}

/** The rollout state the agent derives for a workload. */
export interface WorkloadRollout {
  phase: string;
  message?: string;
  badges?: string[];
}

/** A pod template of a workload. `labels`/`annotations` are filled for Deployments only. */
export interface PodTemplate {
  labels?: StringMap;
  annotations?: StringMap;
  containers: ContainerDetail[];
  volumes?: VolumeSpec[];
  serviceAccountName?: string;
  nodeSelector?: StringMap;
  tolerations?: Toleration[];
  affinity?: Affinity;
  runtimeClassName?: string;
  /** Names of the image pull secrets. */
  imagePullSecrets?: string[];
  hostNetwork?: boolean;
  dnsPolicy?: string;
}

/** One container of a pod spec or template. */
export interface ContainerDetail {
  name: string;
  image: string;
  imagePullPolicy?: string;
  ports?: ContainerPort[];
  envs?: EnvVar[];
  volumeMounts?: VolumeMount[];
  requests?: StringMap;
  limits?: StringMap;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  command?: string[];
  args?: string[];
  workingDir?: string;
}

/** A container port. */
export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
  hostPort?: number;
}

/**
 * An environment variable. `valueFrom` is a short reference: `configmap:<name>`, `secret:<name>`,
 * `field:<fieldPath>` or `resource:<resource>`.
 */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: string;
}

/** A volume mount of a container. */
export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
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
  name: string;
  type: VolumeType;
  source?: string;
}

/** How a probe checks the container; gRPC probes give `""`. */
export type ProbeType = "httpGet" | "tcpSocket" | "exec" | "";

/** A liveness, readiness or startup probe. */
export interface Probe {
  type: ProbeType;
  path?: string;
  /** Numeric ports only: a named port is omitted. */
  port?: number;
  /** The exec argv joined with spaces. */
  command?: string;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}
