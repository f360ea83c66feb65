/**
 * The simulator's live churn writes what a real cluster writes (kubelet pod status, controller status, events,
 * node heartbeats, moving metrics), deterministically per seed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type FakeApiServer, type KubeObject, startFakeApiServer } from "./fake_apiserver.ts";
import { simulateCluster } from "./simulator.ts";
import type { Json } from "./simulator/random.ts";

type Obj = KubeObject & Json;

/** A server with a simulated cluster whose timers are off; the test drives the churn by hand. */
async function quietCluster(seed: number, pods = 60) {
  const server = await startFakeApiServer({ defaultNamespaces: false });
  const sim = simulateCluster(server, {
    pods,
    seed,
    now: Date.UTC(2025, 5, 1, 12),
    nodeHeartbeatSeconds: 0,
    metricsWindowSeconds: 0,
    eventTtlSeconds: 0,
  });
  return { server, sim };
}

/** What changed, ignoring times and generated random suffixes' timing: names and status shapes. */
function fingerprint(server: FakeApiServer): string {
  const pods = server.list<Obj>("pods").map((p) => {
    const status = p.status as Json;
    const main = ((status.containerStatuses as Json[] | undefined) ?? [])[0];
    return `${p.metadata?.name}:${status.phase}:${main?.ready}:${main?.restartCount}`;
  });
  const deployments = server.list<Obj>("deployments").map((d) =>
    JSON.stringify((d.status as Json).readyReplicas)
  );
  const events = server.list<Obj>("events").map((e) => `${e.metadata?.name}:${e.reason}:${e.count}`);
  return JSON.stringify([pods.sort(), deployments, events.sort()]);
}

function isReady(pod: Obj): boolean {
  const status = pod.status as Json;
  const main = ((status.containerStatuses as Json[] | undefined) ?? [])[0];
  return status.phase === "Running" && main?.ready === true;
}

Deno.test("simulator churn is deterministic per seed", async () => {
  const a = await quietCluster(21);
  const b = await quietCluster(21);
  const c = await quietCluster(22);
  try {
    for (let i = 0; i < 80; i++) [a, b, c].forEach((x) => x.sim.step());
    assert.deepEqual(fingerprint(a.server), fingerprint(b.server));
    assert.deepEqual(a.sim.counts, b.sim.counts);
    assert.notDeepEqual(fingerprint(a.server), fingerprint(c.server));
  } finally {
    for (const x of [a, b, c]) await x.server.close();
  }
});

Deno.test("simulator churn writes kubelet pod status, controller status and events that agree", async () => {
  const { server, sim } = await quietCluster(5, 80);
  try {
    const rv0 = new Map(
      server.list("deployments").map((d) => [d.metadata?.name, d.metadata?.resourceVersion]),
    );
    const restarts0 = server.list<Obj>("pods").reduce(
      (n, p) =>
        n +
        Number((((p.status as Json).containerStatuses as Json[] | undefined) ?? [])[0]?.restartCount ?? 0),
      0,
    );
    for (let i = 0; i < 300; i++) sim.step();
    sim.settle();
    const counts = sim.counts;
    assert.ok(counts.podStatus > 50, `kubelet pod status writes (${counts.podStatus})`);
    assert.ok(counts.podAdded > 10 && counts.podDeleted === counts.podAdded, JSON.stringify(counts));
    assert.ok(counts.controllerStatus > 50, `controller status writes (${counts.controllerStatus})`);
    assert.ok(counts.eventsAdded > 100 && counts.eventsRepeated > 0, JSON.stringify(counts));
    const pods = server.list<Obj>("pods");
    assert.deepEqual(pods.length, 80, "replacements keep the pod count");
    const restarts = pods.reduce(
      (n, p) =>
        n +
        Number((((p.status as Json).containerStatuses as Json[] | undefined) ?? [])[0]?.restartCount ?? 0),
      0,
    );
    assert.notDeepEqual(restarts, restarts0, "containers restarted");
    // Every deployment the controllers wrote agrees with its pods once the follow-ups ran.
    let written = 0;
    for (const d of server.list<Obj>("deployments")) {
      if (d.metadata?.resourceVersion === rv0.get(d.metadata?.name)) continue;
      written++;
      const mine = pods.filter((p) =>
        p.metadata?.namespace === d.metadata?.namespace &&
        (p.metadata?.labels as Record<string, string>)?.app === d.metadata?.name
      );
      const status = d.status as Json;
      assert.deepEqual(status.replicas, mine.length, `${d.metadata?.name} replicas`);
      assert.deepEqual(status.readyReplicas, mine.filter(isReady).length, `${d.metadata?.name} ready`);
      assert.deepEqual(status.observedGeneration, d.metadata?.generation);
      const rs = server.list<Obj>("replicasets").find((r) =>
        r.metadata?.namespace === d.metadata?.namespace &&
        r.metadata?.ownerReferences?.[0]?.name === d.metadata?.name && Number((r.spec as Json).replicas) > 0
      );
      assert.deepEqual((rs?.status as Json).readyReplicas, status.readyReplicas);
    }
    assert.ok(written > 5, `deployment status was written (${written})`);
    // Replacements went through pending and scheduling to running, with the kubelet's events.
    const reasons = new Set(server.list<Obj>("events").map((e) => e.reason));
    for (const reason of ["Killing", "Scheduled", "Pulled", "Created", "Started"]) {
      assert.ok(reasons.has(reason), reason);
    }
  } finally {
    await server.close();
  }
});

Deno.test("simulator node heartbeats, moving metrics and event expiry run on their timers", async () => {
  const server = await startFakeApiServer({ defaultNamespaces: false });
  try {
    const sim = simulateCluster(server, {
      pods: 30,
      nodes: 3,
      seed: 9,
      nodeHeartbeatSeconds: 0.3,
      metricsWindowSeconds: 0.1,
      eventTtlSeconds: 0.05,
    });
    const usage = () => JSON.stringify(server.list<Obj>("pods.metrics.k8s.io").map((m) => m.containers));
    const nodeUsage = () => JSON.stringify(server.list<Obj>("nodes.metrics.k8s.io").map((m) => m.usage));
    const heartbeats = () =>
      server.list<Obj>("nodes").map((n) => ((n.status as Json).conditions as Json[])[0].lastHeartbeatTime);
    const [u0, n0, h0] = [usage(), nodeUsage(), heartbeats()];
    for (let i = 0; i < 40; i++) sim.step();
    const events = server.list("events").length;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (sim.counts.metricsWindows < 2 || sim.counts.nodeStatus < 3)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(sim.counts.metricsWindows >= 2 && sim.counts.nodeStatus >= 3, JSON.stringify(sim.counts));
    assert.notDeepEqual(usage(), u0, "pod usage moves per window");
    assert.notDeepEqual(nodeUsage(), n0, "node usage moves per window");
    sim.settle();
    const podNames = new Set(server.list("pods").map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
    const served = server.list("pods.metrics.k8s.io").map((m) =>
      `${m.metadata?.namespace}/${m.metadata?.name}`
    );
    assert.ok(
      served.length > 20 && served.every((key) => podNames.has(key)),
      "PodMetrics follow the live pods",
    );
    assert.ok(heartbeats().every((h, i) => h !== h0[i]), "every node posted its status");
    sim.step(); // expires the events older than the TTL
    assert.ok(sim.counts.eventsExpired > 0, JSON.stringify(sim.counts));
    assert.ok(server.list("events").length < events);
    sim.stop();
  } finally {
    await server.close();
  }
});
