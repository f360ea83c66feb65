/**
 * End to end: the real agent process keeps the Master's cadence under churn (one push per interval) and adds one
 * follow-up push for a command that changed the cluster, none for a refused one (issue 13).
 */
import assert from "node:assert/strict";
import { startFakeApiServer } from "../support/fake_apiserver.ts";
import { startFakeMaster } from "../support/fake_master.ts";
import { startAgent } from "./_agent_process.ts";

/** The trigger of every push the agent logged (JSON lines at debug level), in order. */
function pushTriggers(output: string): string[] {
  const triggers: string[] = [];
  for (const line of output.split("\n")) {
    if (!line.includes('"Snapshot pushed"')) continue;
    const record = JSON.parse(line) as { properties?: { trigger?: string } };
    triggers.push(record.properties?.trigger ?? "?");
  }
  return triggers;
}

function replicasOf(snapshot: Record<string, unknown> | undefined, namespace: string, name: string) {
  const deployments = (snapshot?.deployments ?? []) as {
    summary?: { namespace?: string; name?: string; replicas?: number };
  }[];
  return deployments.find((d) => d.summary?.namespace === namespace && d.summary?.name === name)?.summary
    ?.replicas;
}

Deno.test("agent process pushes once per interval under churn, plus one follow-up for an executed scale only", async () => {
  // 600 changes a minute: the old change-triggered loop pushed about once a second here.
  await using server = await startFakeApiServer({ simulate: { pods: 30, seed: 13, churnPerMinute: 600 } });
  await using master = startFakeMaster({ holdMs: 2_000 });
  await using agent = await startAgent(server, master, {
    env: { AGENT_SNAPSHOT_INTERVAL: "6s", AGENT_LOG_LEVEL: "debug" },
  });
  await master.waitFor(() => master.snapshots.length > 0, { timeoutMs: 20_000 }).catch((e) => {
    throw new Error(`${e.message}\n${agent.output().slice(-3_000)}`);
  });
  await master.waitForPoller("ops", { timeoutMs: 20_000 });
  const podVersions = () =>
    new Map(server.list("pods").map((p) => [p.metadata?.name, p.metadata?.resourceVersion]));
  const before = podVersions();
  const deployment = server.list("deployments")[0];
  const namespace = deployment.metadata?.namespace ?? "";
  const name = deployment.metadata?.name ?? "";

  // Refused by the agent's own policy: changes nothing, so it earns no follow-up.
  const refused = master.enqueue({
    action: "scale",
    kind: "Deployment",
    namespace: "kube-system",
    name: "x",
    params: { replicas: 1 },
  });
  assert.equal((await master.waitForResult(refused, { timeoutMs: 10_000 })).result.success, false);
  const scaled = master.enqueue({
    action: "scale",
    kind: "Deployment",
    namespace,
    name,
    params: { replicas: 9 },
  });
  assert.equal((await master.waitForResult(scaled, { timeoutMs: 10_000 })).result.success, true);
  await master.waitFor(() => replicasOf(master.snapshots.at(-1)?.snapshot, namespace, name) === 9, {
    timeoutMs: 10_000,
  });
  // Then the beat, 6 s after the first push, and the one after it: churn goes on all the time.
  await master.waitFor(() => pushTriggers(agent.output()).filter((t) => t === "interval").length >= 2, {
    timeoutMs: 20_000,
  });
  const triggers = pushTriggers(agent.output());
  assert.deepEqual(
    triggers.slice(0, 4),
    ["initial", "command", "interval", "interval"],
    agent.output().slice(-3_000),
  );
  assert.equal(master.rejectedSnapshots.length, 0);
  const after = podVersions();
  const churned = [...new Set([...before.keys(), ...after.keys()])].filter((k) =>
    before.get(k) !== after.get(k)
  );
  assert.ok(churned.length >= 5, `the simulator churned pods meanwhile (${churned.length} changed)`);
  const beats = master.snapshots.slice(-2).map((s) => s.receivedAt);
  assert.ok(beats[1] - beats[0] >= 5_000, `beats ${beats[1] - beats[0]} ms apart, not one per change`);
  assert.equal(await agent.terminate(), 0);
});
