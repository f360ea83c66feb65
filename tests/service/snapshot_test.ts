import assert from "node:assert/strict";
import { nodeUsageMap, podUsageMap, SnapshotService, type SnapshotSource } from "../../agent/service/mod.ts";
import { convertPod, packAll, packItem } from "../../agent/repository/mod.ts";
import type { Clock } from "../../agent/clock.ts";
import type { ClusterSnapshot, SnapshotListField } from "../../model/mod.ts";
import {
  type ConvertedFixtures,
  convertedFixtures,
  fixture,
  FIXTURE_NOW,
  fixtureSource,
  nodeMetricsFixture,
  podMetricsFixture,
} from "../support/fixtures/mod.ts";

function clockAt(ms: number): Clock & { ms: number } {
  const clock = { ms, now: () => clock.ms, sleep: () => Promise.resolve() };
  return clock;
}

function usage() {
  const pods = podUsageMap(podMetricsFixture());
  const nodes = nodeUsageMap(nodeMetricsFixture());
  return { podUsage: () => pods, nodeUsage: () => nodes };
}

function build(source: SnapshotSource = fixtureSource()): ClusterSnapshot {
  return new SnapshotService(source, { clusterId: "cluster-1", clock: clockAt(FIXTURE_NOW), usage: usage() })
    .build().snapshot();
}

Deno.test("SnapshotService.build() computes the cluster summary (§2.1)", () => {
  assert.deepEqual(build().summary, {
    totalNodes: 3,
    readyNodes: 2,
    totalPods: 10,
    runningPods: 4,
    pendingPods: 4,
    failedPods: 1,
    totalDeployments: 3,
    healthyDeployments: 1,
    totalStatefulSets: 3,
    totalDaemonSets: 2,
    totalServices: 6,
    totalIngresses: 2,
    totalNamespaces: 5,
    totalEvents: 5,
    warningEvents: 3,
  });
});

Deno.test("SnapshotService.build() counts resources per namespace and attaches quotas and limit ranges", () => {
  const namespaces = new Map(build().namespaces.map((ns) => [ns.summary.name, ns]));
  const shop = namespaces.get("shop");
  assert.deepEqual(shop?.resources, {
    pods: 7,
    podsRunning: 1,
    podsPending: 4,
    podsFailed: 1,
    podsSucceeded: 1,
    deployments: 2,
    statefulSets: 3,
    daemonSets: 0,
    replicaSets: 2,
    jobs: 2,
    cronJobs: 1,
    services: 4,
    ingresses: 2,
    networkPolicies: 2,
    configMaps: 2,
    secrets: 4,
    serviceAccounts: 2,
    pvcs: 2,
  });
  assert.deepEqual(shop?.quotas?.map((q) => [q.name, q.age]), [["shop-quota", "47d"], [
    "shop-not-best-effort",
    "47d",
  ]]);
  assert.deepEqual(shop?.limitRanges?.map((l) => l.name), ["shop-limits"]);
  const system = namespaces.get("kube-system")?.resources;
  assert.equal(system?.pods, 2);
  assert.equal(system?.podsRunning, 2);
  assert.equal(system?.deployments, 1);
  assert.equal(system?.daemonSets, 1);
  assert.equal(system?.configMaps, 1);
  assert.equal(system?.serviceAccounts, 1);
  assert.equal(namespaces.get("monitoring")?.limitRanges?.[0].items.length, 0);
  assert.equal(namespaces.get("old-feature")?.resources.pods, 0);
  assert.equal(namespaces.get("default")?.quotas, undefined, "no quotas are omitted");
});

Deno.test("SnapshotService.build() fills node pod counts and usage against allocatable (§2.4)", () => {
  const nodes = new Map(build().nodes.map((n) => [n.summary.name, n.metrics]));
  assert.deepEqual(nodes.get("worker-1")?.pods, { used: 4, capacity: 110, utilPct: 3.64 });
  assert.deepEqual(nodes.get("worker-1")?.cpu, {
    usage: "1582450123n",
    allocatable: "7910m",
    capacity: "8",
    utilPct: 20.01,
  });
  assert.equal(nodes.get("worker-1")?.memory.utilPct, 75);
  assert.deepEqual(nodes.get("cp-1")?.cpu, {
    usage: "380m",
    allocatable: "3800m",
    capacity: "4",
    utilPct: 10,
  });
  assert.deepEqual(nodes.get("cp-1")?.pods, { used: 2, capacity: 110, utilPct: 1.82 });
  const idle = nodes.get("worker-2");
  assert.deepEqual(
    idle?.cpu,
    { usage: "", allocatable: "3800m", capacity: "4" },
    "no metrics: empty usage, no utilPct",
  );
  assert.equal(idle?.pods.used, 3);
});

Deno.test("SnapshotService.build() fills pod usage in forms the Master parses (§10.4)", () => {
  const pods = new Map(build().pods.map((p) => [p.summary.name, p.status]));
  assert.equal(pods.get("web-7d9c6b8f5d-x2x9k")?.cpuUsage, "1803137n", "1303137n + 500u, summed exactly");
  assert.equal(pods.get("web-7d9c6b8f5d-x2x9k")?.memoryUsage, "35472Ki");
  assert.equal(pods.get("coredns-7db6d8ff4d-lx9vw")?.cpuUsage, "2m");
  assert.equal(pods.get("coredns-7db6d8ff4d-lx9vw")?.memoryUsage, "12Mi");
  assert.equal(pods.get("debug-shell")?.cpuUsage, undefined);
  assert.ok(!("memoryUsage" in (pods.get("debug-shell") ?? {})));
});

Deno.test("SnapshotService.build() stamps identity, version and time-relative ages", () => {
  const clock = clockAt(FIXTURE_NOW);
  const service = new SnapshotService(fixtureSource(), { clusterId: "cluster-1", clock });
  const first = service.build();
  assert.equal(first.version, 1);
  assert.equal(first.fetchedAt, "2025-03-20T12:00:00.000Z");
  const snapshot = first.snapshot();
  assert.equal(snapshot.clusterId, "cluster-1");
  assert.ok(!("version" in snapshot), "no version on the wire: the upstream ClusterSnapshot has none");
  assert.equal(snapshot.fetchedAt, first.fetchedAt);
  const shell = (s: ClusterSnapshot) => s.pods.find((p) => p.summary.name === "debug-shell")?.summary.age;
  assert.equal(shell(snapshot), "1h");
  clock.ms += 2 * 86_400_000;
  const later = service.build();
  assert.equal(later.version, 2);
  assert.equal(shell(later.snapshot()), "2d", "cached fragments still get a fresh age");
  assert.equal(later.snapshot().nodes[0].summary.age, "76d");
});

// The fields a build fills; everything else must be the stored object's own JSON.
const BUILD_FIELDS: Partial<Record<SnapshotListField, string[][]>> = {
  pods: [["summary", "age"], ["status", "cpuUsage"], ["status", "memoryUsage"]],
  nodes: [["summary", "age"], ["metrics"]],
  namespaces: [["summary", "age"], ["resources"], ["quotas"], ["limitRanges"]],
  deployments: [["summary", "age"]],
  statefulSets: [["summary", "age"]],
  daemonSets: [["summary", "age"]],
  services: [["summary", "age"]],
  ingresses: [["summary", "age"]],
  resourceQuotas: [["age"]],
  limitRanges: [["age"]],
  networkPolicies: [["age"]],
  serviceAccounts: [["age"]],
};

function withoutBuildFields(value: unknown, field: SnapshotListField): unknown {
  const copy = JSON.parse(JSON.stringify(value));
  for (const path of BUILD_FIELDS[field] ?? []) {
    let target = copy;
    for (const key of path.slice(0, -1)) target = target[key];
    delete target[path[path.length - 1]];
  }
  return copy;
}

Deno.test("SnapshotService JSON equals each stored object's own JSON outside build-time fields", () => {
  const converted: ConvertedFixtures = convertedFixtures();
  const snapshot = build(fixtureSource(converted));
  for (const field of Object.keys(converted) as SnapshotListField[]) {
    const sent = (snapshot[field] ?? []) as unknown[];
    assert.equal(sent.length, converted[field].length, field);
    converted[field].forEach((stored, i) => {
      assert.deepEqual(
        withoutBuildFields(sent[i], field),
        withoutBuildFields(stored, field),
        `${field}[${i}]`,
      );
    });
  }
});

Deno.test("SnapshotService re-serialises an object replaced in the store and keeps each build consistent", () => {
  const converted = convertedFixtures();
  let pods = packAll("pods", converted.pods);
  const source = { ...fixtureSource(converted), pods: { values: () => pods } };
  const service = new SnapshotService(source, { clusterId: "c", clock: clockAt(FIXTURE_NOW) });
  const before = service.build();
  const raw = fixture("pods", "debug-shell");
  const replaced = convertPod({ ...raw, status: { ...raw.status, phase: "Failed" } });
  pods = pods.map((p) => p.record.key.endsWith("/debug-shell") ? packItem("pods", replaced) : p);
  const after = service.build();
  const phase = (s: ClusterSnapshot) => s.pods.find((p) => p.summary.name === "debug-shell")?.status.phase;
  assert.equal(phase(after.snapshot()), "Failed");
  assert.equal(phase(before.snapshot()), "Running", "a build is a view of its own moment");
  assert.equal(after.summary.failedPods, before.summary.failedPods + 1);
});

Deno.test("SnapshotService sends [] for absent required kinds and omits empty optional lists (§10.3)", () => {
  const service = new SnapshotService({ pods: { values: () => [] } }, {
    clusterId: "c",
    clock: clockAt(FIXTURE_NOW),
  });
  const text = service.build().json();
  const snapshot = JSON.parse(text);
  for (const field of ["pods", "deployments", "statefulSets", "daemonSets", "services", "ingresses"]) {
    assert.deepEqual(snapshot[field], [], field);
  }
  for (const field of ["namespaces", "configMaps", "nodes", "events"]) {
    assert.deepEqual(snapshot[field], [], field);
  }
  for (const field of ["replicaSets", "jobs", "cronJobs", "secrets", "resourceQuotas", "limitRanges"]) {
    assert.equal(field in snapshot, false, field);
  }
  for (const field of ["networkPolicies", "serviceAccounts", "pvs", "pvcs", "otel"]) {
    assert.equal(field in snapshot, false, field);
  }
  assert.equal(snapshot.summary.totalPods, 0);
  assert.ok(!text.includes("null"));
});

Deno.test("BuiltSnapshot.json() is computed once and reports list counts", () => {
  const built = new SnapshotService(fixtureSource(), { clusterId: "c", clock: clockAt(FIXTURE_NOW) }).build();
  assert.equal(built.json(), built.json());
  assert.equal(built.counts.pods, 10);
  assert.equal(built.counts.pvs, 5);
  assert.equal(built.summary.totalNodes, 3);
});

Deno.test("SnapshotService ages stay right when the clock moves backwards", () => {
  const clock = clockAt(FIXTURE_NOW);
  const service = new SnapshotService(fixtureSource(), { clusterId: "c", clock });
  const age = () =>
    service.build().snapshot().pods.find((p) => p.summary.name === "debug-shell")?.summary.age;
  assert.equal(age(), "1h");
  clock.ms -= 30 * 60_000;
  assert.equal(age(), "30m");
  clock.ms += 3 * 86_400_000;
  assert.equal(age(), "3d");
});
