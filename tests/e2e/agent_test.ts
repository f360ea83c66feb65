/**
 * End to end: the real agent process (`agent/main.ts`) against the fake API server and the fake Master.
 */
import assert from "node:assert/strict";
import { type KubeObject, startFakeApiServer } from "../support/fake_apiserver.ts";
import { startFakeMaster } from "../support/fake_master.ts";
import { startAgent } from "./_agent_process.ts";

function names(list: unknown): string[] {
  return ((list ?? []) as { summary?: { name?: string; namespace?: string } }[])
    .map((p) => `${p.summary?.namespace}/${p.summary?.name}`).sort();
}

Deno.test("agent process pushes snapshots that match the cluster and follows changes", async () => {
  await using server = await startFakeApiServer({ simulate: { pods: 40, seed: 3 } });
  await using master = startFakeMaster({ holdMs: 2_000 });
  await using agent = await startAgent(server, master);
  await master.waitFor(() => master.snapshots.length > 0, { timeoutMs: 20_000 }).catch((e) => {
    throw new Error(`${e.message}\n${agent.output()}`);
  });
  const first = master.snapshots[0];
  assert.equal(first.clusterId, "e2e");
  assert.equal(first.gzip, true);
  const expected = server.list("pods").map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();
  assert.deepEqual(names(first.snapshot.pods), expected);
  assert.equal((first.snapshot.nodes as unknown[]).length, server.list("nodes").length);
  assert.ok(master.heartbeats.length >= 1, "a heartbeat at start-up");

  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "e2e-new-pod", namespace: "default" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  } as KubeObject;
  server.apply(pod);
  await master.waitFor(
    () => names(master.snapshots.at(-1)?.snapshot.pods).includes("default/e2e-new-pod"),
    { timeoutMs: 10_000 },
  );
  assert.equal(await agent.terminate(), 0, agent.output());
});

Deno.test("agent process round-trips a scale command and the deployment changes", async () => {
  await using server = await startFakeApiServer({ simulate: { pods: 10, seed: 4 } });
  await using master = startFakeMaster({ holdMs: 2_000 });
  await using agent = await startAgent(server, master);
  await master.waitForPoller("ops", { timeoutMs: 20_000 });
  const deployment = server.list("deployments")[0];
  const namespace = deployment.metadata?.namespace ?? "";
  const name = deployment.metadata?.name ?? "";
  const id = master.enqueue({
    action: "scale",
    kind: "Deployment",
    namespace,
    name,
    params: { replicas: 7 },
  });
  const { result } = await master.waitForResult(id, { timeoutMs: 10_000 });
  assert.equal(result.success, true, String(result.error));
  assert.equal(typeof result.execTime, "number");
  assert.ok(Number.isInteger(result.execTime));
  const after = server.get<KubeObject & { spec?: { replicas?: number } }>(
    "apps/v1",
    "deployments",
    namespace,
    name,
  );
  assert.equal(after?.spec?.replicas, 7);
  assert.equal(await agent.terminate(), 0);
});

Deno.test("agent process reports a long drain interrupted by SIGTERM before exiting 0", async () => {
  await using server = await startFakeApiServer();
  server.apply({ apiVersion: "v1", kind: "Node", metadata: { name: "node-a" }, spec: {} });
  const labels = { app: "guarded" };
  for (const name of ["guarded-1", "guarded-2"]) {
    server.apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", labels },
      spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox" }] },
      status: {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
      },
    } as KubeObject);
  }
  // minAvailable 2 of 2: every eviction is refused with 429, so the drain keeps retrying until stopped.
  server.apply({
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "guard", namespace: "default" },
    spec: { minAvailable: 2, selector: { matchLabels: labels } },
  } as KubeObject);
  await using master = startFakeMaster({ holdMs: 2_000 });
  await using agent = await startAgent(server, master, {
    env: { AGENT_COMMAND_TIMEOUT: "60s", AGENT_SHUTDOWN_GRACE: "2s" },
  });
  await master.waitForPoller("ops", { timeoutMs: 20_000 });
  const id = master.enqueue({ action: "drain", kind: "Node", name: "node-a" });
  await server.waitForRequest({ method: "POST", path: /\/eviction$/ }, { count: 2, timeoutMs: 10_000 });
  const code = await agent.terminate();
  assert.equal(code, 0, agent.output());
  const recorded = master.results.find((r) => r.commandId === id);
  assert.ok(recorded, `the drain result was reported before exit\n${agent.output()}`);
  assert.equal(recorded.result.success, false);
  assert.match(String(recorded.result.error ?? recorded.result.output), /guarded-1|evict|cancel/);
  const node = server.get<KubeObject & { spec?: { unschedulable?: boolean } }>(
    "v1",
    "nodes",
    undefined,
    "node-a",
  );
  assert.equal(node?.spec?.unschedulable, true, "cordoned first");
});
