/**
 * The simulator's pod generator: pods of a deployment's current ReplicaSet with full specs, statuses (running,
 * restarted, crash-looping or pending), managedFields and PodMetrics, plus the pod template their Deployment and
 * ReplicaSets share. Deterministic given its {@linkcode Random}.
 *
 * @module
 */

import type { KubeObject } from "../fake_apiserver/types.ts";
import { HEX, type Json, NAME_CHARS, type Random, time } from "./random.ts";

/** A deployment the builder decided on: its pods, ReplicaSets and Services follow from it. */
export interface DeploymentPlan {
  namespace: string;
  app: string;
  name: string;
  replicas: number;
  uid: string;
  labels: Record<string, string>;
  revisions: { hash: string; uid: string; image: string; created: number }[];
  created: number;
  port: number;
  sidecar: boolean;
}

/** A node and how many pod IPs it has handed out. */
export interface NodePlan {
  name: string;
  ip: string;
  index: number;
  pods: number;
}

/** `fieldsV1` as the server records it for the fields present in `value`. */
function fieldsOf(value: unknown): Json {
  const out: Json = {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) return out;
  for (const [key, child] of Object.entries(value as Json)) {
    if (child === undefined) continue;
    if (Array.isArray(child)) {
      const keyed: Json = {};
      for (const item of child) {
        if (typeof item !== "object" || item === null) continue;
        const rec = item as Json;
        const k = rec.name !== undefined
          ? `k:{"name":"${rec.name}"}`
          : rec.type !== undefined
          ? `k:{"type":"${rec.type}"}`
          : rec.containerPort !== undefined
          ? `k:{"containerPort":${rec.containerPort},"protocol":"${rec.protocol ?? "TCP"}"}`
          : rec.mountPath !== undefined
          ? `k:{"mountPath":"${rec.mountPath}"}`
          : rec.ip !== undefined
          ? `k:{"ip":"${rec.ip}"}`
          : rec.uid !== undefined
          ? `k:{"uid":"${rec.uid}"}`
          : undefined;
        if (k) keyed[k] = { ".": {}, ...fieldsOf(rec) };
      }
      out[`f:${key}`] = Object.keys(keyed).length ? { ".": {}, ...keyed } : {};
    } else if (typeof child === "object" && child !== null) {
      const nested = fieldsOf(child);
      out[`f:${key}`] = Object.keys(nested).length ? { ".": {}, ...nested } : {};
    } else {
      out[`f:${key}`] = {};
    }
  }
  return out;
}

/** What a {@linkcode PodGenerator} draws on. */
export interface PodGeneratorOptions {
  /** The cluster's PRNG, shared with the other generators so one seed fixes everything. */
  rand: Random;
  /** "Now" for generated timestamps. */
  now: number;
  /** The nodes pods are scheduled on (filled by the builder before the first pod). */
  nodes: NodePlan[];
  /** Whether running pods get PodMetrics. */
  metrics: boolean;
}

/** Generates pods (and the pod template) of planned deployments. */
export class PodGenerator {
  readonly #rand: Random;
  readonly #now: number;
  readonly #nodes: NodePlan[];
  readonly #metrics: boolean;

  constructor(options: PodGeneratorOptions) {
    this.#rand = options.rand;
    this.#now = options.now;
    this.#nodes = options.nodes;
    this.#metrics = options.metrics;
  }

  /** Next pod IP inside the node's podCIDR (10.244.<node>.0/24). */
  #podIp(node: NodePlan): string {
    const n = node.pods++;
    return `10.244.${node.index % 256}.${(n % 250) + 2}`;
  }

  /** The pod template of `d` running `image`, as its Deployment and ReplicaSets carry it. */
  template(d: DeploymentPlan, image: string): Json {
    const containers: Json[] = [{
      name: d.app,
      image,
      imagePullPolicy: "IfNotPresent",
      ports: [{ name: "http", containerPort: d.port, protocol: "TCP" }, {
        name: "metrics",
        containerPort: 9102,
        protocol: "TCP",
      }],
      env: [
        { name: "LOG_LEVEL", value: this.#rand.pick(["info", "debug", "warn"]) },
        { name: "DB_PASSWORD", value: `s3cr3t-${this.#rand.chars(NAME_CHARS, 8)}` },
        { name: "API_KEY", valueFrom: { secretKeyRef: { name: `${d.app}-secrets`, key: "api-key" } } },
        {
          name: "FEATURE_FLAGS",
          valueFrom: { configMapKeyRef: { name: `${d.app}-config`, key: "feature-flags", optional: true } },
        },
        { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
        { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
      ],
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      livenessProbe: {
        httpGet: { path: "/healthz", port: d.port, scheme: "HTTP" },
        initialDelaySeconds: 10,
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
      readinessProbe: {
        httpGet: { path: "/ready", port: d.port, scheme: "HTTP" },
        timeoutSeconds: 1,
        periodSeconds: 5,
        successThreshold: 1,
        failureThreshold: 3,
      },
      volumeMounts: [
        { name: "config", mountPath: "/etc/app", readOnly: true },
        { name: "secrets", mountPath: "/var/run/secrets/app", readOnly: true },
      ],
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
    }];
    if (d.sidecar) {
      containers.push({
        name: "log-shipper",
        image: "cr.fluentbit.io/fluent/fluent-bit:3.1.9",
        imagePullPolicy: "IfNotPresent",
        resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { memory: "64Mi" } },
        volumeMounts: [{ name: "config", mountPath: "/fluent-bit/etc", readOnly: true }],
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
      });
    }
    return {
      containers,
      volumes: [
        { name: "config", configMap: { name: `${d.app}-config`, defaultMode: 420 } },
        { name: "secrets", secret: { secretName: `${d.app}-secrets`, defaultMode: 420 } },
      ],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "default",
      serviceAccount: "default",
      securityContext: {},
      schedulerName: "default-scheduler",
      enableServiceLinks: true,
    };
  }

  /** The controller manager's fieldsV1 of a ReplicaSet's pods; shared by its pods (objects are never mutated). */
  #controllerFields(
    d: DeploymentPlan,
    hash: string,
    image: string,
    labels: Json,
    ownerReferences: Json[],
  ): Json {
    const key = `${d.namespace}/${d.name}/${hash}`;
    let fields = this.#fieldCache.get(key);
    if (!fields) {
      fields = {
        "f:metadata": fieldsOf({ generateName: "x", labels, ownerReferences }),
        "f:spec": fieldsOf(this.template(d, image)),
      };
      this.#fieldCache.set(key, fields);
    }
    return fields;
  }

  #fieldCache = new Map<string, Json>();

  /** A pod of the deployment's current ReplicaSet, and its PodMetrics when it runs. */
  pod(d: DeploymentPlan, suffix: string): { pod: KubeObject; metrics?: KubeObject } {
    const rev = d.revisions[d.revisions.length - 1];
    const name = `${d.name}-${rev.hash}-${suffix}`;
    const roll = this.#rand.next();
    const state = roll < 0.03 ? "pending" : roll < 0.08 ? "crashloop" : roll < 0.15 ? "restarted" : "running";
    const node = this.#rand.pick(this.#nodes);
    const created = Math.max(rev.created, this.#rand.ago(this.#now, 20 * 86400, 60));
    const started = created + 2000;
    const spec: Json = { ...this.template(d, rev.image) };
    spec.containers = (spec.containers as Json[]).map((c) => ({
      ...c,
      volumeMounts: [
        ...(c.volumeMounts as Json[]),
        {
          name: `kube-api-access-${suffix}`,
          mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
          readOnly: true,
        },
      ],
    }));
    spec.volumes = [
      ...(spec.volumes as Json[]),
      {
        name: `kube-api-access-${suffix}`,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            {
              downwardAPI: {
                items: [{
                  path: "namespace",
                  fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" },
                }],
              },
            },
          ],
          defaultMode: 420,
        },
      },
    ];
    spec.tolerations = [
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ];
    spec.priority = 0;
    spec.preemptionPolicy = "PreemptLowerPriority";
    const podIp = state === "pending" ? undefined : this.#podIp(node);
    if (state !== "pending") spec.nodeName = node.name;
    const containerNames = (spec.containers as Json[]).map((c) => ({
      name: String(c.name),
      image: String(c.image),
    }));
    const ready = state === "running" || state === "restarted";
    const status: Json = { phase: state === "pending" ? "Pending" : "Running", qosClass: "Burstable" };
    if (state === "pending") {
      status.conditions = [{
        type: "PodScheduled",
        status: "False",
        lastProbeTime: null,
        lastTransitionTime: time(created),
        reason: "Unschedulable",
        message:
          `0/${this.#nodes.length} nodes are available: ${this.#nodes.length} Insufficient cpu. preemption: 0/${this.#nodes.length} nodes are available: ${this.#nodes.length} No preemption victims found for incoming pod.`,
      }];
    } else {
      const cond = (type: string, ok: boolean, at: number, reason?: string) => ({
        type,
        status: ok ? "True" : "False",
        lastProbeTime: null,
        lastTransitionTime: time(at),
        ...(reason ? { reason, message: `containers with unready status: [${d.app}]` } : {}),
      });
      status.conditions = [
        cond("PodReadyToStartContainers", true, started),
        cond("Initialized", true, created + 1000),
        cond("Ready", ready, started + 8000, ready ? undefined : "ContainersNotReady"),
        cond("ContainersReady", ready, started + 8000, ready ? undefined : "ContainersNotReady"),
        cond("PodScheduled", true, created),
      ];
      status.hostIP = node.ip;
      status.hostIPs = [{ ip: node.ip }];
      status.podIP = podIp;
      status.podIPs = [{ ip: podIp }];
      status.startTime = time(created + 1000);
      status.containerStatuses = containerNames.map((c, index) => {
        const main = index === 0;
        const restarts = main && state === "crashloop"
          ? this.#rand.int(5, 40)
          : main && state === "restarted"
          ? this.#rand.int(1, 3)
          : 0;
        const base: Json = {
          name: c.name,
          ready: main ? ready : true,
          restartCount: restarts,
          image: c.image,
          imageID: `${c.image.split(":")[0]}@sha256:${this.#rand.chars(HEX, 64)}`,
          containerID: `containerd://${this.#rand.chars(HEX, 64)}`,
          started: main ? state !== "crashloop" : true,
          volumeMounts: [],
        };
        if (main && state === "crashloop") {
          base.state = {
            waiting: {
              reason: "CrashLoopBackOff",
              message: `back-off 5m0s restarting failed container=${c.name} pod=${name}_${d.namespace}`,
            },
          };
          base.lastState = {
            terminated: {
              exitCode: 1,
              reason: "Error",
              startedAt: time(this.#now - 400_000),
              finishedAt: time(this.#now - 390_000),
              containerID: `containerd://${this.#rand.chars(HEX, 64)}`,
            },
          };
        } else {
          base.state = { running: { startedAt: time(started + (restarts ? 3_600_000 : 0)) } };
          base.lastState = restarts
            ? {
              terminated: {
                exitCode: 137,
                reason: "OOMKilled",
                startedAt: time(started),
                finishedAt: time(started + 3_500_000),
                containerID: `containerd://${this.#rand.chars(HEX, 64)}`,
              },
            }
            : {};
        }
        delete base.volumeMounts;
        return base;
      });
    }
    const uid = this.#rand.uid();
    const labels = { ...d.labels, "pod-template-hash": rev.hash };
    const ownerReferences = [{
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: `${d.name}-${rev.hash}`,
      uid: rev.uid,
      controller: true,
      blockOwnerDeletion: true,
    }];
    const managedFields = [
      {
        manager: "kube-controller-manager",
        operation: "Update",
        apiVersion: "v1",
        time: time(created),
        fieldsType: "FieldsV1",
        fieldsV1: this.#controllerFields(d, rev.hash, rev.image, labels, ownerReferences),
      },
      {
        manager: "kubelet",
        operation: "Update",
        apiVersion: "v1",
        time: time(started + 8000),
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:status": fieldsOf({
            conditions: status.conditions,
            hostIP: 1,
            hostIPs: status.hostIPs,
            phase: 1,
            podIP: 1,
            podIPs: status.podIPs,
            startTime: 1,
            containerStatuses: 1,
          }),
        },
        subresource: "status",
      },
    ];
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        generateName: `${d.name}-${rev.hash}-`,
        namespace: d.namespace,
        uid,
        creationTimestamp: time(created),
        labels,
        annotations: {
          "kubectl.kubernetes.io/default-container": d.app,
          "prometheus.io/scrape": "true",
          "prometheus.io/port": "9102",
        },
        ownerReferences,
        managedFields,
      },
      spec,
      status,
    } as KubeObject;
    const metrics = this.#metrics && state !== "pending"
      ? this.podMetrics(d.namespace, name, labels, containerNames.map((c) => c.name))
      : undefined;
    return { pod, metrics };
  }

  /** The PodMetrics of a running pod. */
  podMetrics(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    containers: string[],
  ): KubeObject {
    return {
      apiVersion: "metrics.k8s.io/v1beta1",
      kind: "PodMetrics",
      metadata: { name, namespace, creationTimestamp: time(this.#now), labels },
      timestamp: time(this.#now - 5000),
      window: "18.12s",
      containers: containers.map((c) => ({
        name: c,
        usage: {
          cpu: `${this.#rand.int(1_000_000, 400_000_000)}n`,
          memory: `${this.#rand.int(20_000, 480_000)}Ki`,
        },
      })),
    } as KubeObject;
  }
}
