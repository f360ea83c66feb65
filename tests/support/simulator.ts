/**
 * Workload simulator: generates a realistic, deterministic cluster (nodes, namespaces, deployments with
 * ReplicaSet history, pods with full specs/statuses/managedFields, services, endpoints, configmaps, secrets,
 * PodDisruptionBudgets, events, metrics) and optionally animates it with churn on a fake API server.
 *
 * ```ts
 * const server = await startFakeApiServer();
 * const sim = simulateCluster(server, { pods: 300, churnPerMinute: 120, seed: 7 });
 * // ...
 * sim.stop();
 * await server.close();
 * ```
 *
 * @module
 */

import type { KubeObject, LogGenerator } from "./fake_apiserver/types.ts";
import { type ChurnCounts, type ChurnTarget, ClusterChurn } from "./simulator/churn.ts";
import { type DeploymentPlan, type NodePlan, PodGenerator } from "./simulator/pods.ts";
import { b64, hash, HEX, type Json, microTime, NAME_CHARS, Random, time } from "./simulator/random.ts";

/** Options of {@linkcode generateCluster} and {@linkcode simulateCluster}. */
export interface SimulationOptions {
  /** PRNG seed; the same seed and options give the same objects (default 1). */
  seed?: number;
  /** Pods in total (default 60). */
  pods?: number;
  /** Nodes (default `ceil(pods / 30)`, at least 1). */
  nodes?: number;
  /** Application namespaces (default `ceil(pods / 40)`, between 1 and 10). */
  namespaces?: number;
  /** Deployments (default `ceil(pods / 4)`). */
  deployments?: number;
  /** Services per deployment (default 1). */
  servicesPerDeployment?: number;
  /** ConfigMaps besides `kube-root-ca.crt` (default one per deployment). */
  configmaps?: number;
  /** Secrets (default one per deployment). */
  secrets?: number;
  /** Events (default equal to pods). */
  events?: number;
  /**
   * Pod changes per minute by the churn timer (default 0: a static cluster). Each change brings the writes a real
   * cluster makes for it: kubelet pod status, ReplicaSet and Deployment status, events (see `simulator/churn.ts`).
   */
  churnPerMinute?: number;
  /**
   * Each node's kubelet posts its status (condition heartbeats) once per this many seconds, nodes spread over the
   * period (default 300, the kubelet's `nodeStatusReportFrequency`, when `churnPerMinute` > 0; else 0 = never).
   */
  nodeHeartbeatSeconds?: number;
  /**
   * metrics-server publishes new pod and node usage every this many seconds (default 15, its finest resolution,
   * when `churnPerMinute` > 0 and metrics are on; else 0 = the generated values stay).
   */
  metricsWindowSeconds?: number;
  /** Events written by the churn are deleted after this many seconds (default 3600, the API server's TTL). */
  eventTtlSeconds?: number;
  /** Also generate PodMetrics/NodeMetrics (default `true`). */
  metrics?: boolean;
  /**
   * "Now" for generated timestamps (ms since the epoch). `generateCluster` defaults to a fixed instant
   * (2025-06-01T12:00:00Z) so its output is fully deterministic; `simulateCluster` defaults to the real clock.
   */
  now?: number;
}

/** What the simulator needs from a server; {@linkcode FakeApiServer} provides it. */
export interface SimulationTarget extends ChurnTarget {
  /** Install the default log generator. */
  setLogGenerator(generator: LogGenerator | undefined): void;
  /** Run a hook when the server closes. */
  onClose(hook: () => void): void;
}

/** A running simulation. */
export interface Simulation {
  /** Objects generated at start. */
  readonly generated: number;
  /** Churn steps done so far. */
  readonly steps: number;
  /** Writes the churn made so far, by kind. */
  readonly counts: Readonly<ChurnCounts>;
  /** Performs one churn step now (deterministic given the seed), independent of the timer. */
  step(): void;
  /** Performs the follow-up writes of earlier steps now (a pod being replaced becomes ready, ...). */
  settle(): void;
  /** Stops the churn timers (also happens when the server closes). */
  stop(): void;
}

const FIXED_NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const NAMESPACES = [
  "shop",
  "payments",
  "search",
  "identity",
  "analytics",
  "platform",
  "media",
  "ops",
  "ml",
  "edge",
];
const APPS = [
  "api",
  "web",
  "checkout",
  "cart",
  "catalog",
  "auth",
  "worker",
  "gateway",
  "recommender",
  "billing",
  "notifier",
  "inventory",
  "orders",
  "profile",
  "reports",
  "ingest",
  "scheduler",
  "cache",
  "frontend",
  "pricing",
];

/** Builds the objects of a cluster. */
class ClusterBuilder {
  readonly rand: Random;
  readonly now: number;
  readonly options: Required<
    Omit<
      SimulationOptions,
      "now" | "seed" | "nodeHeartbeatSeconds" | "metricsWindowSeconds" | "eventTtlSeconds"
    >
  >;
  readonly objects: KubeObject[] = [];
  readonly nodes: NodePlan[] = [];
  readonly namespaces: string[] = [];
  readonly deployments: DeploymentPlan[] = [];
  readonly pods: { namespace: string; name: string; deployment: DeploymentPlan }[] = [];
  readonly podGenerator: PodGenerator;

  constructor(options: SimulationOptions, now: number) {
    this.rand = new Random(options.seed ?? 1);
    this.now = now;
    const pods = Math.max(0, options.pods ?? 60);
    const deployments = Math.max(1, options.deployments ?? Math.ceil(pods / 4));
    this.options = {
      pods,
      nodes: Math.max(1, options.nodes ?? Math.ceil(pods / 30)),
      namespaces: Math.max(1, options.namespaces ?? Math.min(10, Math.max(1, Math.ceil(pods / 40)))),
      deployments,
      servicesPerDeployment: Math.max(0, options.servicesPerDeployment ?? 1),
      configmaps: Math.max(0, options.configmaps ?? deployments),
      secrets: Math.max(0, options.secrets ?? deployments),
      events: Math.max(0, options.events ?? pods),
      churnPerMinute: Math.max(0, options.churnPerMinute ?? 0),
      metrics: options.metrics ?? true,
    };
    this.podGenerator = new PodGenerator({
      rand: this.rand,
      now,
      nodes: this.nodes,
      metrics: this.options.metrics,
    });
  }

  ago(maxSeconds: number, minSeconds = 0): number {
    return this.rand.ago(this.now, maxSeconds, minSeconds);
  }

  build(): KubeObject[] {
    this.#namespaces();
    this.#nodes();
    this.#plans();
    for (const d of this.deployments) this.#deployment(d);
    this.#configmaps();
    this.#secrets();
    this.#events();
    return this.objects;
  }

  #namespaces(): void {
    for (let i = 0; i < this.options.namespaces; i++) {
      const base = NAMESPACES[i % NAMESPACES.length];
      const name = i < NAMESPACES.length ? base : `${base}-${Math.floor(i / NAMESPACES.length) + 1}`;
      this.namespaces.push(name);
      this.objects.push({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name,
          uid: this.rand.uid(),
          creationTimestamp: time(this.ago(90 * 86400, 30 * 86400)),
          labels: {
            "kubernetes.io/metadata.name": name,
            team: this.rand.pick(["core", "growth", "data", "infra"]),
          },
        },
        spec: { finalizers: ["kubernetes"] },
        status: { phase: "Active" },
      } as KubeObject);
      this.objects.push({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: {
          name: "default",
          namespace: name,
          uid: this.rand.uid(),
          creationTimestamp: time(this.ago(90 * 86400, 30 * 86400)),
        },
      } as KubeObject);
      this.objects.push({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "kube-root-ca.crt",
          namespace: name,
          uid: this.rand.uid(),
          creationTimestamp: time(this.ago(90 * 86400, 30 * 86400)),
          annotations: {
            "kubernetes.io/description":
              "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
          },
        },
        data: { "ca.crt": "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n" },
      } as KubeObject);
    }
  }

  #nodes(): void {
    for (let i = 0; i < this.options.nodes; i++) {
      const name = `worker-${String(i + 1).padStart(3, "0")}`;
      const ip = `10.0.${Math.floor(i / 250)}.${(i % 250) + 10}`;
      this.nodes.push({ name, ip, index: i, pods: 0 });
      const created = this.ago(120 * 86400, 10 * 86400);
      const conditions = [
        ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
        ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
        ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
        ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
      ].map(([type, status, reason, message]) => ({
        type,
        status,
        lastHeartbeatTime: time(this.ago(40)),
        lastTransitionTime: time(created + 60_000),
        reason,
        message,
      }));
      this.objects.push({
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name,
          uid: this.rand.uid(),
          creationTimestamp: time(created),
          labels: {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": "m6i.xlarge",
            "topology.kubernetes.io/region": "eu-west-1",
            "topology.kubernetes.io/zone": `eu-west-1${"abc"[i % 3]}`,
            ...(i === 0 ? { "node-role.kubernetes.io/control-plane": "" } : {}),
          },
          annotations: {
            "node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true",
          },
        },
        spec: {
          podCIDR: `10.244.${i}.0/24`,
          podCIDRs: [`10.244.${i}.0/24`],
          providerID: `aws:///eu-west-1a/i-0${this.rand.chars(HEX, 16)}`,
        },
        status: {
          capacity: { cpu: "4", "ephemeral-storage": "104845292Ki", memory: "16106136Ki", pods: "110" },
          allocatable: {
            cpu: "3920m",
            "ephemeral-storage": "95551679124",
            memory: "15087256Ki",
            pods: "110",
          },
          conditions,
          addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: {
            machineID: this.rand.chars(HEX, 32),
            systemUUID: this.rand.uid(),
            bootID: this.rand.uid(),
            kernelVersion: "6.1.112-124.190.amzn2023.x86_64",
            osImage: "Amazon Linux 2023.6.20241212",
            containerRuntimeVersion: "containerd://1.7.23",
            kubeletVersion: "v1.32.0",
            kubeProxyVersion: "v1.32.0",
            operatingSystem: "linux",
            architecture: "amd64",
          },
          images: [],
        },
      } as KubeObject);
      if (this.options.metrics) {
        this.objects.push({
          apiVersion: "metrics.k8s.io/v1beta1",
          kind: "NodeMetrics",
          metadata: { name, creationTimestamp: time(this.now), labels: { "kubernetes.io/hostname": name } },
          timestamp: time(this.now - 5000),
          window: "20.05s",
          usage: {
            cpu: `${this.rand.int(200_000_000, 3_000_000_000)}n`,
            memory: `${this.rand.int(2_000_000, 12_000_000)}Ki`,
          },
        } as KubeObject);
      }
    }
  }

  #plans(): void {
    const { pods, deployments } = this.options;
    const base = Math.floor(pods / deployments);
    let extra = pods % deployments;
    for (let i = 0; i < deployments; i++) {
      const namespace = this.namespaces[i % this.namespaces.length];
      const appBase = APPS[Math.floor(i / this.namespaces.length) % APPS.length];
      const round = Math.floor(i / (this.namespaces.length * APPS.length));
      const app = round === 0 ? appBase : `${appBase}-${round + 1}`;
      const replicas = base + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
      const created = this.ago(60 * 86400, 2 * 86400);
      const revisionCount = this.rand.int(1, 3);
      const revisions = [];
      for (let r = 0; r < revisionCount; r++) {
        revisions.push({
          hash: this.rand.chars(NAME_CHARS, 10),
          uid: this.rand.uid(),
          image: `registry.example.com/${namespace}/${appBase}:1.${this.rand.int(0, 9)}.${r}`,
          created: created + r * ((this.now - created) / (revisionCount + 1)),
        });
      }
      this.deployments.push({
        namespace,
        app,
        name: app,
        replicas,
        uid: this.rand.uid(),
        labels: {
          app,
          "app.kubernetes.io/name": app,
          "app.kubernetes.io/part-of": namespace,
          tier: this.rand.pick(["backend", "frontend", "worker"]),
        },
        revisions,
        created,
        port: this.rand.pick([8080, 8000, 3000, 9090]),
        sidecar: this.rand.chance(0.3),
      });
    }
  }

  #deployment(d: DeploymentPlan): void {
    const current = d.revisions[d.revisions.length - 1];
    const template = this.podGenerator.template(d, current.image);
    const rolloutAt = current.created;
    this.objects.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: d.name,
        namespace: d.namespace,
        uid: d.uid,
        generation: d.revisions.length,
        creationTimestamp: time(d.created),
        labels: d.labels,
        annotations: { "deployment.kubernetes.io/revision": String(d.revisions.length) },
      },
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: { app: d.app } },
        template: { metadata: { labels: { ...d.labels } }, spec: template },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: d.revisions.length,
        replicas: d.replicas,
        updatedReplicas: d.replicas,
        readyReplicas: d.replicas,
        availableReplicas: d.replicas,
        conditions: [
          {
            type: "Available",
            status: "True",
            lastUpdateTime: time(rolloutAt + 60_000),
            lastTransitionTime: time(rolloutAt + 60_000),
            reason: "MinimumReplicasAvailable",
            message: "Deployment has minimum availability.",
          },
          {
            type: "Progressing",
            status: "True",
            lastUpdateTime: time(rolloutAt + 60_000),
            lastTransitionTime: time(d.created),
            reason: "NewReplicaSetAvailable",
            message: `ReplicaSet "${d.name}-${current.hash}" has successfully progressed.`,
          },
        ],
      },
    } as KubeObject);
    d.revisions.forEach((rev, index) => {
      const isCurrent = index === d.revisions.length - 1;
      const replicas = isCurrent ? d.replicas : 0;
      this.objects.push({
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: `${d.name}-${rev.hash}`,
          namespace: d.namespace,
          uid: rev.uid,
          generation: 1,
          creationTimestamp: time(rev.created),
          labels: { ...d.labels, "pod-template-hash": rev.hash },
          annotations: {
            "deployment.kubernetes.io/desired-replicas": String(d.replicas),
            "deployment.kubernetes.io/max-replicas": String(d.replicas + Math.ceil(d.replicas / 4)),
            "deployment.kubernetes.io/revision": String(index + 1),
          },
          ownerReferences: [{
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: d.name,
            uid: d.uid,
            controller: true,
            blockOwnerDeletion: true,
          }],
        },
        spec: {
          replicas,
          selector: { matchLabels: { app: d.app, "pod-template-hash": rev.hash } },
          template: {
            metadata: { labels: { ...d.labels, "pod-template-hash": rev.hash } },
            spec: isCurrent ? template : this.podGenerator.template(d, rev.image),
          },
        },
        status: isCurrent
          ? {
            replicas,
            fullyLabeledReplicas: replicas,
            readyReplicas: replicas,
            availableReplicas: replicas,
            observedGeneration: 1,
          }
          : { replicas: 0, observedGeneration: 2 },
      } as KubeObject);
    });
    const pods: KubeObject[] = [];
    for (let i = 0; i < d.replicas; i++) {
      const { pod, metrics } = this.podGenerator.pod(d, this.rand.chars(NAME_CHARS, 5));
      pods.push(pod);
      this.objects.push(pod);
      if (metrics) this.objects.push(metrics);
      this.pods.push({ namespace: d.namespace, name: String(pod.metadata?.name), deployment: d });
    }
    this.#services(d, pods);
    if (d.replicas >= 2 && this.rand.chance(0.5)) {
      this.objects.push({
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: {
          name: `${d.name}-pdb`,
          namespace: d.namespace,
          uid: this.rand.uid(),
          generation: 1,
          creationTimestamp: time(d.created),
        },
        spec: { minAvailable: Math.max(1, d.replicas - 1), selector: { matchLabels: { app: d.app } } },
        status: {
          observedGeneration: 1,
          disruptionsAllowed: 1,
          currentHealthy: d.replicas,
          desiredHealthy: d.replicas - 1,
          expectedPods: d.replicas,
        },
      } as KubeObject);
    }
  }

  #services(d: DeploymentPlan, pods: KubeObject[]): void {
    const podIps = pods
      .map((o) => ({
        ip: ((o as Json).status as Json).podIP as string | undefined,
        name: o.metadata?.name ?? "",
        node: ((o as Json).spec as Json).nodeName as string,
      }))
      .filter((p) => p.ip);
    for (let s = 0; s < this.options.servicesPerDeployment; s++) {
      const name = s === 0 ? d.name : s === 1 ? `${d.name}-headless` : `${d.name}-${s}`;
      const headless = s === 1;
      const ports = [{ name: "http", protocol: "TCP", port: 80, targetPort: d.port }];
      this.objects.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: this.#appMetadata(d, name),
        spec: {
          type: "ClusterIP",
          clusterIP: headless ? "None" : `10.96.${this.rand.int(0, 255)}.${this.rand.int(1, 254)}`,
          clusterIPs: headless ? ["None"] : undefined,
          selector: { app: d.app },
          ports,
          sessionAffinity: "None",
          ipFamilies: ["IPv4"],
          ipFamilyPolicy: "SingleStack",
          internalTrafficPolicy: "Cluster",
        },
        status: { loadBalancer: {} },
      } as KubeObject);
      this.objects.push({
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: this.#appMetadata(d, name),
        subsets: podIps.length
          ? [{
            addresses: podIps.map((p) => ({
              ip: p.ip,
              nodeName: p.node,
              targetRef: { kind: "Pod", namespace: d.namespace, name: p.name },
            })),
            ports: [{ name: "http", port: d.port, protocol: "TCP" }],
          }]
          : undefined,
      } as KubeObject);
    }
  }

  /** `count` objects spread over the deployments, named `<app>-<suffix>` in the first round, then numbered. */
  #perDeployment(count: number, suffix: string, make: (d: DeploymentPlan, metadata: Json) => Json): void {
    for (let i = 0; i < count; i++) {
      const d = this.deployments[i % this.deployments.length];
      const round = Math.floor(i / this.deployments.length);
      const name = round === 0 ? `${d.name}-${suffix}` : `${d.name}-${suffix}-${round + 1}`;
      this.objects.push(make(d, this.#appMetadata(d, name)) as KubeObject);
    }
  }

  /** Metadata of an object that belongs to deployment `d` (a Service, its Endpoints, a ConfigMap, a Secret). */
  #appMetadata(d: DeploymentPlan, name: string): Json {
    return {
      name,
      namespace: d.namespace,
      uid: this.rand.uid(),
      creationTimestamp: time(d.created),
      labels: { app: d.app },
    };
  }

  #configmaps(): void {
    this.#perDeployment(this.options.configmaps, "config", (d, metadata) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata,
      data: {
        "app.yaml": `server:\n  port: ${d.port}\n  gracefulShutdown: 20s\nfeatures:\n  newCheckout: ${
          this.rand.chance(0.5)
        }\n`,
        "feature-flags": "beta-ui,fast-path",
        LOG_FORMAT: "json",
      },
    }));
  }

  #secrets(): void {
    this.#perDeployment(this.options.secrets, "secrets", (_d, metadata) => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata,
      type: "Opaque",
      data: {
        "api-key": b64(`key-${this.rand.chars(HEX, 24)}`),
        "db-password": b64(`pw-${this.rand.chars(NAME_CHARS, 12)}`),
      },
    }));
  }

  event(
    target: { namespace: string; name: string; uid?: string; kind?: string; node?: string; app?: string },
  ): KubeObject {
    const kind = target.kind ?? "Pod";
    const roll = this.rand.next();
    const at = this.ago(3600);
    const id = `${target.name}.${this.rand.chars(HEX, 16)}`;
    const involvedObject = {
      kind,
      namespace: target.namespace,
      name: target.name,
      uid: target.uid ?? this.rand.uid(),
      apiVersion: kind === "Pod" ? "v1" : "apps/v1",
      ...(kind === "Pod" ? { fieldPath: `spec.containers{${target.app ?? "app"}}` } : {}),
    };
    const metadata = {
      name: id,
      namespace: target.namespace,
      uid: this.rand.uid(),
      creationTimestamp: time(at),
    };
    if (roll < 0.35) {
      // New-style event (events.k8s.io writers): eventTime + series, no firstTimestamp.
      const warning = this.rand.chance(0.5);
      return {
        apiVersion: "v1",
        kind: "Event",
        metadata,
        involvedObject,
        reason: warning ? "FailedScheduling" : "Scheduled",
        message: warning
          ? "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
          : `Successfully assigned ${target.namespace}/${target.name} to ${target.node ?? "worker-001"}`,
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: microTime(at),
        ...(warning
          ? { series: { count: this.rand.int(2, 30), lastObservedTime: microTime(at + 60_000) } }
          : {}),
        type: warning ? "Warning" : "Normal",
        action: warning ? "Scheduling" : "Binding",
        reportingComponent: "default-scheduler",
        reportingInstance: "default-scheduler-control-plane",
      } as unknown as KubeObject;
    }
    const options: [string, string, string][] = [
      ["Normal", "Pulled", `Container image "${target.app ?? "app"}" already present on machine`],
      ["Normal", "Created", `Created container: ${target.app ?? "app"}`],
      ["Normal", "Started", `Started container ${target.app ?? "app"}`],
      [
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${
          target.app ?? "app"
        } in pod ${target.name}_${target.namespace}(${involvedObject.uid})`,
      ],
      ["Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"],
      ["Normal", "Killing", `Stopping container ${target.app ?? "app"}`],
    ];
    const [type, reason, message] = this.rand.pick(options);
    const count = type === "Warning" ? this.rand.int(1, 50) : 1;
    return {
      apiVersion: "v1",
      kind: "Event",
      metadata,
      involvedObject,
      reason,
      message,
      source: { component: "kubelet", host: target.node ?? "worker-001" },
      firstTimestamp: time(at),
      lastTimestamp: time(at + (count - 1) * 30_000),
      count,
      type,
      eventTime: null,
      reportingComponent: "kubelet",
      reportingInstance: target.node ?? "worker-001",
    } as unknown as KubeObject;
  }

  #events(): void {
    const pods = this.objects.filter((o) => o.kind === "Pod");
    for (let i = 0; i < this.options.events; i++) {
      if (pods.length === 0) break;
      const pod = pods[this.rand.int(0, pods.length - 1)] as Json;
      const meta = pod.metadata as Json;
      this.objects.push(this.event({
        namespace: String(meta.namespace),
        name: String(meta.name),
        uid: String(meta.uid),
        node: (pod.spec as Json).nodeName as string | undefined,
        app: String((meta.labels as Json).app),
      }));
    }
  }
}

/** Generates a deterministic cluster without a server (e.g. for benchmarks). */
export function generateCluster(options: SimulationOptions = {}): KubeObject[] {
  return new ClusterBuilder(options, options.now ?? FIXED_NOW).build();
}

/** Default log lines of simulated containers: deterministic per pod and container. */
export function simulatedLogLines(
  pod: KubeObject,
  container: string,
  previous: boolean,
): string[] | undefined {
  const name = pod.metadata?.name ?? "pod";
  const rand = new Random(hash(`${name}/${container}/${previous}`));
  const statuses = (pod as Json).status as Json | undefined;
  const restarted = Array.isArray(statuses?.containerStatuses) &&
    (statuses.containerStatuses as Json[]).some((c) => c.name === container && Number(c.restartCount) > 0);
  if (previous && !restarted) return undefined;
  const lines: string[] = [];
  const paths = ["/api/v1/items", "/api/v1/orders", "/healthz", "/ready", "/metrics", "/api/v1/users/me"];
  for (let i = 0; i < 40; i++) {
    const status = rand.chance(0.05) ? 500 : rand.chance(0.1) ? 404 : 200;
    const level = status === 500 ? "ERROR" : "INFO";
    lines.push(
      `{"level":"${level}","msg":"request handled","container":"${container}","method":"GET","path":"${
        rand.pick(paths)
      }",` +
        `"status":${status},"duration_ms":${rand.int(1, 250)}}`,
    );
  }
  if (previous) lines.push(`{"level":"FATAL","msg":"out of memory","container":"${container}"}`);
  return lines;
}

/**
 * Loads a generated cluster into `server` (through its state API, so every object gets a resourceVersion and
 * watch event), installs the default log generator and, with `churnPerMinute`, starts the churn: pod changes
 * with the kubelet, controller and event writes that follow them, node status heartbeats, moving metrics and
 * event expiry (`simulator/churn.ts`). The timers stop on `stop()` or when the server closes.
 */
export function simulateCluster(server: SimulationTarget, options: SimulationOptions = {}): Simulation {
  const builder = new ClusterBuilder(options, options.now ?? Date.now());
  const objects = builder.build();
  const generated = server.load(objects, { adopt: true });
  server.setLogGenerator(simulatedLogLines);
  const perMinute = builder.options.churnPerMinute;
  const live = perMinute > 0;
  const seconds = (value: number | undefined, fallback: number) =>
    Math.max(0, value ?? (live ? fallback : 0)) * 1000;
  const churn = new ClusterChurn(
    server,
    builder,
    builder.pods.map((p) => ({ ...p })),
    objects,
    {
      seed: options.seed ?? 1,
      nodeHeartbeatMs: seconds(options.nodeHeartbeatSeconds, 300),
      metricsWindowMs: builder.options.metrics ? seconds(options.metricsWindowSeconds, 15) : 0,
      eventTtlMs: seconds(options.eventTtlSeconds, 3600),
    },
  );
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    churn.stop();
  };
  churn.start();
  if (perMinute > 0) {
    const tickMs = Math.max(20, 60_000 / perMinute);
    const perTick = (perMinute * tickMs) / 60_000;
    let budget = 0;
    timer = setInterval(() => {
      budget += perTick;
      while (budget >= 1) {
        budget--;
        churn.step();
      }
    }, tickMs);
  }
  server.onClose(stop);
  return {
    generated,
    get steps() {
      return churn.steps;
    },
    counts: churn.counts,
    step: () => churn.step(),
    settle: () => churn.settle(),
    stop,
  };
}
