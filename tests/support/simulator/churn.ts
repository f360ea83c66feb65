/**
 * The simulator's live churn: the writes a running cluster makes, applied to a fake API server.
 *
 * One churn step is one pod change, followed by the writes the cluster's components make because of it:
 * - 45 %: a container restarts or fails its readiness probe. The kubelet writes the pod status twice (not ready,
 *   then ready again a step later: conditions, container statuses, restart count), the ReplicaSet and Deployment
 *   controllers write their status twice (ready/available replicas down, then up, observedGeneration), plus one
 *   event (`BackOff` or `Unhealthy`). A pod that was not ready (crash-looping) gets one status write and the event.
 * - 30 %: the pod is replaced. DELETED, controller status down, `Killing` event; the replacement is ADDED pending,
 *   then bound to a node (`Scheduled`), started by the kubelet (`Pulled`, `Created`, `Started`, containers not
 *   ready) and ready (controller status up, PodMetrics served): four pod writes over three later steps.
 * - 25 %: an event: a new one, or (half the time, when the simulator wrote warnings) a repeat of a warning that
 *   bumps its `count` / `series.count`, as the event recorder does.
 * Follow-up writes run at the start of later steps (deterministic given the seed); a pod with pending follow-ups
 * only gets events until they are done. Events the churn wrote expire after `eventTtlMs` (DELETED), like the API
 * server's one-hour event TTL.
 *
 * Besides the steps, on their own timers: every node's kubelet posts its status (`lastHeartbeatTime` of every
 * condition) once per `nodeHeartbeatMs` (the kubelet's `nodeStatusReportFrequency`, 5 min by default; nodes
 * spread evenly over the period), and metrics-server publishes a new usage window for every pod and node every
 * `metricsWindowMs` (its resolution; values move per window, derived from the seed, the object and the window
 * number, so they are deterministic without drawing on the shared PRNG).
 *
 * Not modelled: Leases (kubelet heartbeats every 10 s; the agent does not watch Leases), Endpoints and
 * EndpointSlices (not watched either), rollouts (new ReplicaSets) and node failures.
 *
 * @module
 */

import type { KubeObject } from "../fake_apiserver/types.ts";
import type { DeploymentPlan, NodePlan, PodGenerator } from "./pods.ts";
import { hash, HEX, type Json, microTime, NAME_CHARS, Random, time } from "./random.ts";

/** What the churn writes to; the simulator's `SimulationTarget` provides it. */
export interface ChurnTarget {
  apply(obj: KubeObject): KubeObject;
  load(objects: Iterable<KubeObject>, options?: { adopt?: boolean }): number;
  remove(
    apiVersion: string,
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
  get(
    apiVersion: string,
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
}

/** A live pod the churn may pick. */
export interface LivePod {
  namespace: string;
  name: string;
  deployment: DeploymentPlan;
}

/** What the churn draws on from the cluster builder. */
export interface ChurnSource {
  rand: Random;
  podGenerator: PodGenerator;
  nodes: readonly NodePlan[];
  /** A generated event about a pod (the builder's, so churn events look like the initial ones). */
  event(target: { namespace: string; name: string; uid?: string; app?: string; node?: string }): KubeObject;
}

/** Rates of the churn (see the module documentation). */
export interface ChurnRates {
  /** Seed of the moving metrics values. */
  seed: number;
  /** Each node posts its status once per this period; 0 turns node heartbeats off. */
  nodeHeartbeatMs: number;
  /** metrics-server publishes new usage this often; 0 keeps the generated values. */
  metricsWindowMs: number;
  /** Events written by the churn are deleted this long after they were written; 0 keeps them. */
  eventTtlMs: number;
}

/** Counts of the writes made so far, by kind (for tests and the benchmark notes). */
export interface ChurnCounts {
  podStatus: number;
  podAdded: number;
  podDeleted: number;
  controllerStatus: number;
  eventsAdded: number;
  eventsRepeated: number;
  eventsExpired: number;
  nodeStatus: number;
  metricsWindows: number;
}

const METRICS = "metrics.k8s.io/v1beta1";

interface MetricsEntry {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  containers: string[];
}

interface FollowUp {
  due: number;
  run: () => void;
}

/** Applies the churn's writes; `step()` is one pod change, `start()` starts the node and metrics timers. */
export class ClusterChurn {
  readonly counts: ChurnCounts = {
    podStatus: 0,
    podAdded: 0,
    podDeleted: 0,
    controllerStatus: 0,
    eventsAdded: 0,
    eventsRepeated: 0,
    eventsExpired: 0,
    nodeStatus: 0,
    metricsWindows: 0,
  };
  readonly #server: ChurnTarget;
  readonly #source: ChurnSource;
  readonly #rates: ChurnRates;
  readonly #live: LivePod[];
  readonly #followUps: FollowUp[] = [];
  readonly #busy = new Set<string>();
  readonly #written: { namespace: string; name: string; at: number; warning: boolean }[] = [];
  readonly #podMetrics = new Map<string, MetricsEntry>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #steps = 0;
  #window = 0;
  #nextNode = 0;

  /**
   * @param server where the writes go
   * @param source the builder's PRNG, pod generator, nodes and event generator
   * @param live the pods the churn picks from (replaced in place)
   * @param objects the generated objects (to find the PodMetrics to refresh)
   * @param rates timer periods
   */
  constructor(
    server: ChurnTarget,
    source: ChurnSource,
    live: LivePod[],
    objects: readonly KubeObject[],
    rates: ChurnRates,
  ) {
    this.#server = server;
    this.#source = source;
    this.#live = live;
    this.#rates = rates;
    for (const object of objects) {
      if (object.kind !== "PodMetrics") continue;
      const meta = object.metadata ?? {};
      const containers = ((object as Json).containers as Json[] | undefined ?? []).map((c) => String(c.name));
      this.#trackMetrics(String(meta.namespace), String(meta.name), meta.labels ?? {}, containers);
    }
  }

  /** Steps done so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Starts the node-heartbeat and metrics-window timers (those whose period is not 0). */
  start(): void {
    const nodes = this.#source.nodes.length;
    if (this.#rates.nodeHeartbeatMs > 0 && nodes > 0) {
      this.#timers.push(setInterval(() => this.nodeHeartbeat(), this.#rates.nodeHeartbeatMs / nodes));
    }
    if (this.#rates.metricsWindowMs > 0) {
      this.#timers.push(setInterval(() => this.metricsWindow(), this.#rates.metricsWindowMs));
    }
  }

  /** Stops the timers; pending follow-ups are dropped. */
  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.length = 0;
  }

  /** Runs every pending follow-up now (tests: a settled cluster). */
  settle(): void {
    this.#runDue(Number.POSITIVE_INFINITY);
  }

  /** One pod change (after the follow-ups that are due). */
  step(): void {
    const step = ++this.#steps;
    this.#runDue(step);
    this.#expireEvents(Date.now());
    if (this.#live.length === 0) return;
    const rand = this.#source.rand;
    const index = rand.int(0, this.#live.length - 1);
    const target = this.#live[index];
    const roll = rand.next();
    const current = this.#server.get("v1", "pods", target.namespace, target.name) as Json | undefined;
    if (!current) {
      this.#live.splice(index, 1);
      return;
    }
    const busy = this.#busy.has(podKey(target));
    if (roll < 0.45 && !busy) this.#restart(target, current, step);
    else if (roll < 0.75 && !busy) this.#replace(index, target, current, step);
    else this.#eventStep(target, current);
  }

  /** One node posts its status (round robin): every condition's `lastHeartbeatTime` is now. */
  nodeHeartbeat(): void {
    const nodes = this.#source.nodes;
    if (nodes.length === 0) return;
    const plan = nodes[this.#nextNode++ % nodes.length];
    const node = this.#server.get("v1", "nodes", undefined, plan.name) as Json | undefined;
    if (!node) return;
    const now = time(Date.now());
    const status = node.status as Json;
    for (const condition of (status.conditions as Json[] | undefined) ?? []) {
      condition.lastHeartbeatTime = now;
    }
    this.#server.apply(node as KubeObject);
    this.counts.nodeStatus++;
  }

  /** metrics-server's next window: new usage for every running pod and every node. */
  metricsWindow(): void {
    const window = ++this.#window;
    const now = Date.now();
    const seconds = `${(this.#rates.metricsWindowMs / 1000).toFixed(0)}s`;
    const objects: KubeObject[] = [];
    for (const m of this.#podMetrics.values()) {
      objects.push(
        {
          apiVersion: METRICS,
          kind: "PodMetrics",
          metadata: { name: m.name, namespace: m.namespace, creationTimestamp: time(now), labels: m.labels },
          timestamp: time(now),
          window: seconds,
          containers: m.containers.map((c) => ({
            name: c,
            usage: this.#usage(
              `${m.namespace}/${m.name}/${c}`,
              window,
              1_000_000,
              400_000_000,
              20_000,
              480_000,
            ),
          })),
        } as KubeObject,
      );
    }
    for (const node of this.#source.nodes) {
      objects.push(
        {
          apiVersion: METRICS,
          kind: "NodeMetrics",
          metadata: {
            name: node.name,
            creationTimestamp: time(now),
            labels: { "kubernetes.io/hostname": node.name },
          },
          timestamp: time(now),
          window: seconds,
          usage: this.#usage(node.name, window, 200_000_000, 3_000_000_000, 2_000_000, 12_000_000),
        } as KubeObject,
      );
    }
    this.#server.load(objects, { adopt: true });
    this.counts.metricsWindows++;
  }

  // Usage of one container or node in a window: a stable base per object, ±30 % per window (CPU) and a slow
  // drift (memory), derived from the seed so no draw on the shared PRNG is needed.
  #usage(
    key: string,
    window: number,
    cpuMin: number,
    cpuMax: number,
    memMin: number,
    memMax: number,
  ): { cpu: string; memory: string } {
    const base = new Random(hash(`${this.#rates.seed}/${key}`));
    const cpuBase = base.int(cpuMin, cpuMax);
    const memBase = base.int(memMin, memMax);
    const moving = new Random(hash(`${this.#rates.seed}/${key}/${window}`));
    const cpu = Math.max(1, Math.round(cpuBase * (0.7 + 0.6 * moving.next())));
    const memory = Math.max(1, Math.round(memBase * (0.95 + 0.1 * moving.next())));
    return { cpu: `${cpu}n`, memory: `${memory}Ki` };
  }

  #trackMetrics(namespace: string, name: string, labels: Record<string, string>, containers: string[]): void {
    this.#podMetrics.set(`${namespace}/${name}`, { namespace, name, labels, containers });
  }

  #later(step: number, after: number, run: () => void): void {
    this.#followUps.push({ due: step + after, run });
  }

  #runDue(step: number): void {
    if (this.#followUps.length === 0) return;
    const due = this.#followUps.filter((f) => f.due <= step);
    if (due.length === 0) return;
    const rest = this.#followUps.filter((f) => f.due > step);
    this.#followUps.length = 0;
    this.#followUps.push(...rest);
    for (const followUp of due) followUp.run();
  }

  #applyPod(pod: Json): void {
    const managed = (pod.metadata as Json).managedFields as Json[] | undefined;
    const kubelet = managed?.find((m) => m.manager === "kubelet");
    if (kubelet) kubelet.time = time(Date.now());
    this.#server.apply(pod as KubeObject);
    this.counts.podStatus++;
  }

  /** Readiness of the pod's main container and its Ready/ContainersReady conditions. */
  #setReady(pod: Json, ready: boolean, at: number): void {
    const status = pod.status as Json;
    const main = ((status.containerStatuses as Json[] | undefined) ?? [])[0];
    if (main) {
      main.ready = ready;
      main.started = true;
    }
    for (const condition of (status.conditions as Json[] | undefined) ?? []) {
      if (condition.type !== "Ready" && condition.type !== "ContainersReady") continue;
      condition.status = ready ? "True" : "False";
      condition.lastTransitionTime = time(at);
      if (ready) {
        delete condition.reason;
        delete condition.message;
      } else {
        condition.reason = "ContainersNotReady";
        condition.message = `containers with unready status: [${main?.name ?? "app"}]`;
      }
    }
  }

  #restart(target: LivePod, pod: Json, step: number): void {
    const rand = this.#source.rand;
    const status = pod.status as Json;
    const main = ((status.containerStatuses as Json[] | undefined) ?? [])[0];
    const uid = String((pod.metadata as Json).uid);
    const node = (pod.spec as Json).nodeName as string | undefined;
    if (!main) {
      // A pending pod: the scheduler retries and repeats its warning.
      this.#eventStep(target, pod);
      return;
    }
    const now = Date.now();
    const wasReady = main.ready === true;
    const restart = rand.chance(0.5);
    if (restart) {
      main.restartCount = Number(main.restartCount ?? 0) + 1;
      main.lastState = {
        terminated: {
          exitCode: rand.pick([1, 137]),
          reason: rand.pick(["Error", "OOMKilled"]),
          startedAt: time(now - rand.int(60, 7200) * 1000),
          finishedAt: time(now),
          containerID: main.containerID,
        },
      };
      main.containerID = `containerd://${rand.chars(HEX, 64)}`;
      if (wasReady) main.state = { running: { startedAt: time(now) } };
    }
    this.#setReady(pod, false, now);
    this.#applyPod(pod);
    this.#podEvent(target, uid, node, restart ? "BackOff" : "Unhealthy");
    if (!wasReady) return;
    this.#controllerStatus(target.deployment);
    const key = podKey(target);
    this.#busy.add(key);
    this.#later(step, 1, () => {
      this.#busy.delete(key);
      const again = this.#server.get("v1", "pods", target.namespace, target.name) as Json | undefined;
      if (!again || String((again.metadata as Json).uid) !== uid) return;
      this.#setReady(again, true, Date.now());
      this.#applyPod(again);
      this.#controllerStatus(target.deployment);
    });
  }

  #replace(index: number, target: LivePod, old: Json, step: number): void {
    const rand = this.#source.rand;
    const oldMeta = old.metadata as Json;
    this.#server.remove("v1", "pods", target.namespace, target.name);
    this.counts.podDeleted++;
    if (this.#podMetrics.delete(podKey(target))) {
      this.#server.remove(METRICS, "PodMetrics", target.namespace, target.name);
    }
    this.#podEvent(target, String(oldMeta.uid), (old.spec as Json).nodeName as string | undefined, "Killing");

    const d = target.deployment;
    const generated = this.#source.podGenerator.pod(d, rand.chars(NAME_CHARS, 5));
    const final = generated.pod as Json;
    const meta = final.metadata as Json;
    const now = Date.now();
    meta.creationTimestamp = time(now);
    const name = String(meta.name);
    const uid = String(meta.uid);
    const spec = final.spec as Json;
    const nodeName = spec.nodeName as string | undefined;
    const finalStatus = final.status as Json;
    const next: LivePod = { namespace: target.namespace, name, deployment: d };
    this.#live[index] = next;
    const key = podKey(next);
    this.#busy.add(key);

    // ADDED: created by the ReplicaSet controller, not scheduled yet.
    const pending = structuredClone(final);
    delete (pending.spec as Json).nodeName;
    pending.status = { phase: "Pending", qosClass: finalStatus.qosClass };
    this.#server.apply(pending as KubeObject);
    this.counts.podAdded++;
    this.#controllerStatus(d);

    const current = () => {
      const pod = this.#server.get("v1", "pods", next.namespace, name) as Json | undefined;
      return pod && String((pod.metadata as Json).uid) === uid ? pod : undefined;
    };
    // Bound by the scheduler (or reported unschedulable).
    this.#later(step, 1, () => {
      const pod = current();
      if (!pod) {
        this.#busy.delete(key);
        return;
      }
      if (!nodeName) {
        pod.status = finalStatus;
        this.#applyPod(pod);
        this.#podEvent(next, uid, undefined, "FailedScheduling");
        this.#busy.delete(key);
        return;
      }
      (pod.spec as Json).nodeName = nodeName;
      pod.status = {
        phase: "Pending",
        qosClass: finalStatus.qosClass,
        conditions: [{
          type: "PodScheduled",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: time(now),
        }],
      };
      this.#applyPod(pod);
      this.#podEvent(next, uid, nodeName, "Scheduled");
    });
    if (!nodeName) return;
    // Started by the kubelet: running, not ready yet.
    this.#later(step, 2, () => {
      const pod = current();
      if (!pod) {
        this.#busy.delete(key);
        return;
      }
      const status = structuredClone(finalStatus);
      const at = Date.now();
      status.startTime = time(at);
      for (const c of (status.containerStatuses as Json[] | undefined) ?? []) {
        c.state = { running: { startedAt: time(at) } };
        c.lastState = {};
        c.restartCount = 0;
      }
      pod.status = status;
      this.#setReady(pod, false, at);
      this.#applyPod(pod);
      for (const reason of ["Pulled", "Created", "Started"]) this.#podEvent(next, uid, nodeName, reason);
    });
    // Ready (or crash-looping, as generated); metrics-server starts reporting it.
    this.#later(step, 3, () => {
      this.#busy.delete(key);
      const pod = current();
      if (!pod) return;
      const ready = ((finalStatus.containerStatuses as Json[] | undefined) ?? [])[0]?.ready === true;
      pod.status = finalStatus;
      this.#setReady(pod, ready, Date.now());
      this.#applyPod(pod);
      if (ready) this.#controllerStatus(d);
      const metrics = generated.metrics;
      if (metrics) {
        this.#server.apply(metrics);
        const containers = ((metrics as Json).containers as Json[]).map((c) => String(c.name));
        this.#trackMetrics(next.namespace, name, metrics.metadata?.labels ?? {}, containers);
      }
    });
  }

  /**
   * The ReplicaSet and Deployment controllers write what they observe: the deployment's pods, how many are ready
   * (and so available: the simulator sets no minReadySeconds), and the generation they acted on.
   */
  #controllerStatus(d: DeploymentPlan): void {
    let replicas = 0;
    let ready = 0;
    for (const p of this.#live) {
      if (p.deployment !== d) continue;
      const pod = this.#server.get("v1", "pods", p.namespace, p.name) as Json | undefined;
      if (!pod) continue;
      replicas++;
      const status = pod.status as Json | undefined;
      const main = ((status?.containerStatuses as Json[] | undefined) ?? [])[0];
      if (status?.phase === "Running" && main?.ready === true) ready++;
    }
    const rs = `${d.name}-${d.revisions[d.revisions.length - 1].hash}`;
    for (const [resource, name] of [["replicasets", rs], ["deployments", d.name]]) {
      const object = this.#server.get("apps/v1", resource, d.namespace, name) as Json | undefined;
      if (!object) continue;
      const status = (object.status ??= {}) as Json;
      status.replicas = replicas;
      status.readyReplicas = ready;
      status.availableReplicas = ready;
      status.observedGeneration = (object.metadata as Json).generation ?? status.observedGeneration;
      if (resource === "replicasets") status.fullyLabeledReplicas = replicas;
      else {
        status.updatedReplicas = replicas;
        if (replicas > ready) status.unavailableReplicas = replicas - ready;
        else delete status.unavailableReplicas;
      }
      this.#server.apply(object as KubeObject);
      this.counts.controllerStatus++;
    }
  }

  #podEvent(target: LivePod, uid: string, node: string | undefined, reason: string): void {
    const rand = this.#source.rand;
    const app = target.deployment.app;
    const now = Date.now();
    const warning = reason === "BackOff" || reason === "Unhealthy" || reason === "FailedScheduling";
    const messages: Record<string, string> = {
      BackOff:
        `Back-off restarting failed container ${app} in pod ${target.name}_${target.namespace}(${uid})`,
      Unhealthy: "Readiness probe failed: HTTP probe failed with statuscode: 503",
      FailedScheduling: "0/3 nodes are available: 3 Insufficient cpu.",
      Killing: `Stopping container ${app}`,
      Scheduled: `Successfully assigned ${target.namespace}/${target.name} to ${node ?? "worker-001"}`,
      Pulled: `Container image for "${app}" already present on machine`,
      Created: `Created container: ${app}`,
      Started: `Started container ${app}`,
    };
    const name = `${target.name}.${rand.chars(HEX, 16)}`;
    const scheduler = reason === "Scheduled" || reason === "FailedScheduling";
    this.#writeEvent({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: target.namespace, creationTimestamp: time(now) },
      involvedObject: {
        kind: "Pod",
        namespace: target.namespace,
        name: target.name,
        uid,
        apiVersion: "v1",
        ...(scheduler ? {} : { fieldPath: `spec.containers{${app}}` }),
      },
      reason,
      message: messages[reason] ?? reason,
      source: scheduler ? { component: "default-scheduler" } : { component: "kubelet", host: node },
      firstTimestamp: time(now),
      lastTimestamp: time(now),
      count: 1,
      type: warning ? "Warning" : "Normal",
      eventTime: null,
      reportingComponent: scheduler ? "default-scheduler" : "kubelet",
      reportingInstance: scheduler ? "default-scheduler-control-plane" : node ?? "",
    } as unknown as KubeObject, warning);
  }

  #writeEvent(event: KubeObject, warning: boolean): void {
    this.#server.apply(event);
    this.counts.eventsAdded++;
    const meta = event.metadata ?? {};
    this.#written.push({
      namespace: String(meta.namespace),
      name: String(meta.name),
      at: Date.now(),
      warning,
    });
  }

  /** A new event about the pod, or a repeat of a warning the churn wrote earlier. */
  #eventStep(target: LivePod, pod: Json): void {
    const rand = this.#source.rand;
    const meta = pod.metadata as Json;
    if (rand.chance(0.5) && this.#repeatWarning()) return;
    const event = this.#source.event({
      namespace: target.namespace,
      name: String(meta.name),
      uid: String(meta.uid),
      app: target.deployment.app,
      node: (pod.spec as Json).nodeName as string | undefined,
    }) as Json;
    // Written now: the generator dates its events in the past hour.
    const now = Date.now();
    (event.metadata as Json).creationTimestamp = time(now);
    if (event.lastTimestamp) event.lastTimestamp = time(now);
    if (event.eventTime) event.eventTime = microTime(now);
    this.#writeEvent(event as KubeObject, event.type === "Warning");
  }

  #repeatWarning(): boolean {
    const warnings = this.#written.filter((w) => w.warning);
    if (warnings.length === 0) return false;
    const pick = warnings[this.#source.rand.int(0, warnings.length - 1)];
    const event = this.#server.get("v1", "events", pick.namespace, pick.name) as Json | undefined;
    if (!event) return false;
    const now = Date.now();
    const series = event.series as Json | undefined;
    if (series) {
      series.count = Number(series.count ?? 1) + 1;
      series.lastObservedTime = microTime(now);
    } else {
      event.count = Number(event.count ?? 1) + 1;
      event.lastTimestamp = time(now);
    }
    this.#server.apply(event as KubeObject);
    this.counts.eventsRepeated++;
    return true;
  }

  #expireEvents(now: number): void {
    const ttl = this.#rates.eventTtlMs;
    if (ttl <= 0) return;
    let expired = 0;
    while (expired < this.#written.length && now - this.#written[expired].at >= ttl) {
      const e = this.#written[expired++];
      if (this.#server.remove("v1", "events", e.namespace, e.name)) this.counts.eventsExpired++;
    }
    if (expired > 0) this.#written.splice(0, expired);
  }
}

function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}
