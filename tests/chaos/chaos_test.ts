/**
 * Chaos suite: the real agent process against the fake API server (behind a TCP proxy that can black-hole the
 * network) and the fake Master, through the failures a production agent meets. Every case asserts that the
 * Master's latest snapshot converges to the API server's objects (names, and uids where the wire model has them)
 * within its bound, that the process is still running with a bounded RSS, and that SIGTERM ends it with 0.
 *
 * The CI variant uses a small cluster and short timings (a 3 s watch idle timeout, bookmarks every second) and
 * takes well under a minute. `CHAOS_LONG=1` runs the long variant: a 2,000-pod cluster, the default 2 min
 * idle timeout and a 130 s black hole, checked against the targets (≤ 3 min after a black hole heals,
 * ≤ 10 s after an API-server restart).
 */
import assert from "node:assert/strict";
import { type FakeApiServer, type KubeObject, startFakeApiServer } from "../support/fake_apiserver.ts";
import { type FakeMaster, startFakeMaster } from "../support/fake_master.ts";
import { converged, differences, freePort, startChaosAgent, TcpProxy } from "./_support.ts";

const LONG = Deno.env.get("CHAOS_LONG") === "1";
const FIXTURES = new URL("../support/fixtures/small_cluster.yaml", import.meta.url).pathname;

/** Bounds of each case; the long variant uses the production timings and the targets. */
const BOUND = LONG
  ? { initialMs: 120_000, restartMs: 10_000, stormMs: 60_000, blackHoleMs: 180_000, masterMs: 30_000 }
  : { initialMs: 30_000, restartMs: 10_000, stormMs: 45_000, blackHoleMs: 20_000, masterMs: 20_000 };
const BLACK_HOLE_MS = LONG ? 130_000 : 5_000;
const RSS_LIMIT_BYTES = (LONG ? 300 : 250) * 1024 * 1024;

function pod(name: string, namespace = "demo"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app: "chaos" } },
    spec: { nodeName: "node-a", containers: [{ name: "app", image: "nginx:1" }] },
    status: { phase: "Running" },
  } as KubeObject;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first server holds the cluster; a restarted one (`initialResourceVersion` given) is loaded by the test. */
async function startApiServer(port: number, initialResourceVersion?: number): Promise<FakeApiServer> {
  const restarted = initialResourceVersion !== undefined;
  return await startFakeApiServer({
    port,
    // Real servers send a bookmark about once a minute; the CI variant scales that down with the idle timeout.
    bookmarkIntervalMs: LONG ? 60_000 : 1_000,
    ...(restarted ? { initialResourceVersion, defaultNamespaces: false } : {}),
    // No churn: convergence is an exact comparison of the latest snapshot with the server.
    ...(restarted ? {} : LONG ? { simulate: { pods: 2_000, seed: 12 } } : { fixtures: FIXTURES }),
  });
}

/** Kinds whose objects the fake cannot reload as they are (generated metrics): left to the new server. */
function reloadable(objects: KubeObject[]): KubeObject[] {
  return objects.filter((o) => !(o.apiVersion ?? "").startsWith("metrics.k8s.io"));
}

Deno.test({
  name:
    "chaos: the agent converges after API-server restarts, a 500/429 storm, a black hole and Master failures",
  // Sockets of the proxy and the restarted servers end asynchronously; the process checks below are the point.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const apiPort = freePort();
    let server = await startApiServer(apiPort);
    const proxy = new TcpProxy(() => ({ hostname: "127.0.0.1", port: apiPort }));
    const masterPort = freePort();
    let master: FakeMaster = startFakeMaster({ port: masterPort, holdMs: 2_000 });
    const healthPort = freePort();
    const agent = await startChaosAgent(proxy.url, master, {
      AGENT_SNAPSHOT_INTERVAL: "1s",
      AGENT_HEARTBEAT_INTERVAL: "1s",
      AGENT_TIMEOUT_HEARTBEAT: "1s",
      AGENT_TIMEOUT_HTTP_CLIENT: "2s",
      AGENT_TIMEOUT_SNAPSHOT_COLLECT: "2s",
      AGENT_HEALTH_ADDR: `127.0.0.1:${healthPort}`,
      ...(LONG ? {} : { AGENT_WATCH_IDLE_TIMEOUT: "3s" }),
    });
    const timings: Record<string, number> = {};
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      return { status: response.status, body: await response.json() };
    };
    try {
      await t.step("initial sync", async () => {
        timings.initial = await converged(master, server, BOUND.initialMs, agent.output);
        const ready = await readyz();
        assert.equal(ready.status, 200, JSON.stringify(ready.body));
      });

      await t.step("API server restarted with the same state", async () => {
        const objects = reloadable(server.objects());
        const resourceVersion = Number(server.currentResourceVersion());
        await server.close();
        await sleep(1_500); // long enough for every watch to fail and back off
        server = await startApiServer(apiPort, resourceVersion);
        server.load(objects);
        server.apply(pod("after-restart"));
        timings.restartSameState = await converged(master, server, BOUND.restartMs, agent.output);
      });

      await t.step("API server restarted from an older state with lower resourceVersions", async () => {
        await server.close();
        await sleep(1_000);
        server = await startFakeApiServer({
          port: apiPort,
          initialResourceVersion: 100,
          bookmarkIntervalMs: 1_000,
        });
        server.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "restored" } });
        server.apply({ apiVersion: "v1", kind: "Node", metadata: { name: "node-restored" }, spec: {} });
        server.apply(pod("restored-1", "restored"));
        server.apply(pod("restored-2", "restored"));
        server.apply({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "settings", namespace: "restored" },
          data: { a: "1" },
        });
        timings.restartOlderState = await converged(master, server, BOUND.restartMs, agent.output);
        const pods = (master.snapshots.at(-1)?.snapshot.pods ?? []) as unknown[];
        assert.equal(pods.length, 2, "nothing of the old cluster is left");
      });

      await t.step("a storm of 500 and 429 answers", async () => {
        // About two failures per kind: with client-go's backoff (0.8 s doubling, jitter up to 2x) that heals in
        // seconds; a longer storm is the long variant's business.
        server.failNext(LONG ? 40 : 20, 500);
        server.failNext(LONG ? 40 : 20, 429);
        server.closeWatches();
        server.apply(pod("after-storm", "restored"));
        timings.storm = await converged(master, server, BOUND.stormMs, agent.output);
      });

      await t.step("a network black hole, then the network heals", async () => {
        proxy.blackHole();
        server.apply(pod("during-black-hole", "restored"));
        await sleep(BLACK_HOLE_MS);
        assert.ok(differences(master, server).includes("pods"), "nothing crossed the black hole");
        proxy.heal();
        timings.blackHole = await converged(master, server, BOUND.blackHoleMs, agent.output);
      });

      await t.step("the Master is down, then back", async () => {
        await master.close();
        server.apply(pod("while-master-down", "restored"));
        await sleep(2_000);
        master = startFakeMaster({ port: masterPort, holdMs: 2_000 });
        timings.masterDown = await converged(master, server, BOUND.masterMs, agent.output);
      });

      await t.step("the Master hangs, then answers garbage", async () => {
        for (const path of ["/agent/snapshot", "/agent/heartbeat"]) {
          master.injectFault({ path, delayMs: 3_000, times: 2 });
        }
        server.apply(pod("while-master-hangs", "restored"));
        timings.masterHangs = await converged(master, server, BOUND.masterMs, agent.output);
        const garbage = { status: 200, body: "<html>not json", contentType: "text/html", times: 5 };
        for (const path of ["/agent/commands", "/agent/heartbeat", "/agent/result"]) {
          master.injectFault({ path, ...garbage });
        }
        master.injectFault({ path: "/agent/snapshot", status: 502, body: "<html>bad gateway", times: 3 });
        server.apply(pod("while-master-garbles", "restored"));
        timings.masterGarbage = await converged(master, server, BOUND.masterMs, agent.output);
        const heartbeats = master.heartbeats.length;
        await master.waitFor(() => master.heartbeats.length > heartbeats, { timeoutMs: 10_000 });
      });

      await t.step("still running, bounded memory, ready, exit 0 on SIGTERM", async () => {
        assert.equal(agent.exitCode(), undefined, agent.output().slice(-2_000));
        const rss = await agent.rssBytes();
        if (rss !== undefined) assert.ok(rss < RSS_LIMIT_BYTES, `RSS ${Math.round(rss / 1048576)} MiB`);
        // Every kind answers again: readiness follows within a bookmark period at most.
        const deadline = Date.now() + (LONG ? 60_000 : 10_000);
        let ready = await readyz();
        while (ready.status !== 200 && Date.now() < deadline) {
          await sleep(500);
          ready = await readyz();
        }
        assert.equal(ready.status, 200, JSON.stringify(ready.body));
        const informerWarnings = agent.output().split("\n").filter((l) => l.includes("Informer error for"));
        timings.informerWarningLines = informerWarnings.length;
        timings.rssMiB = rss === undefined ? -1 : Math.round(rss / 1048576);
        assert.equal(await agent.terminate(), 0);
        assert.doesNotMatch(agent.output(), /Pushing before every kind synced/);
        console.log(`chaos timings (ms unless named): ${JSON.stringify(timings)}`);
      });
    } finally {
      await agent.terminate();
      await proxy.close();
      await server.close();
      await master.close();
    }
  },
});

Deno.test({
  name:
    "chaos: with the API server unreachable at start the agent heartbeats, pushes nothing, and syncs once it answers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const apiPort = freePort(); // nothing listens yet: connection refused
    await using master = startFakeMaster({ holdMs: 2_000 });
    const healthPort = freePort();
    const agent = await startChaosAgent(`http://127.0.0.1:${apiPort}`, master, {
      AGENT_SNAPSHOT_INTERVAL: "1s",
      AGENT_HEARTBEAT_INTERVAL: "1s",
      AGENT_TIMEOUT_SNAPSHOT_COLLECT: "1s",
      AGENT_HEALTH_ADDR: `127.0.0.1:${healthPort}`,
    });
    let server: FakeApiServer | undefined;
    try {
      await master.waitFor(() => master.heartbeats.length >= 3, { timeoutMs: 20_000 });
      assert.equal(master.snapshots.length, 0, "no snapshot of an empty cluster");
      const readyz = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      assert.equal(readyz.status, 503);
      const body = await readyz.json();
      assert.ok(body.pending.includes("pods"), JSON.stringify(body));
      assert.match(agent.output(), /Snapshot held back/);
      const warnings = agent.output().split("\n").filter((l) => l.includes("Informer error for"));
      const kinds = new Set(warnings.map((l) => /Informer error for (\w+)/.exec(l)?.[1]));
      assert.ok(warnings.length <= kinds.size, `one warning per kind so far, got ${warnings.length}`);

      server = await startFakeApiServer({ port: apiPort, fixtures: FIXTURES });
      await converged(master, server, 15_000, agent.output);
      assert.ok(
        (master.snapshots[0].snapshot.pods as unknown[]).length > 0,
        "the first snapshot is not empty",
      );
      assert.match(agent.output(), /Informer for pods recovered/);
      assert.equal(await agent.terminate(), 0);
    } finally {
      await agent.terminate();
      await server?.close();
    }
  },
});

Deno.test({
  name: "chaos: SIGTERM while the API server accepts and never answers ends start-up with exit 0",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const proxy = new TcpProxy(() => ({ hostname: "127.0.0.1", port: 9 }));
    proxy.blackHole();
    await using master = startFakeMaster({ holdMs: 2_000 });
    // Without a cluster id the agent reads kube-system first: that request hangs.
    const agent = await startChaosAgent(proxy.url, master, { AGENT_CLUSTER_ID: "" });
    try {
      const deadline = Date.now() + 20_000;
      while (!agent.output().includes("Connecting to the API server")) {
        assert.ok(Date.now() < deadline, `no start-up line: ${agent.output()}`);
        await sleep(50);
      }
      assert.equal(await agent.terminate(), 0, agent.output());
      assert.match(agent.output(), /Stopped during start-up/);
    } finally {
      await agent.terminate();
      await proxy.close();
    }
  },
});
