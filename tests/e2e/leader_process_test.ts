/**
 * End to end: two agent processes (`agent/main.ts`) with `AGENT_LEADER_ELECTION=true` share one Lease on the fake
 * API server; only the holder talks to the fake Master, and a SIGTERM hands the Lease to the other at once.
 */
import assert from "node:assert/strict";
import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import { type FakeApiServer, startFakeApiServer } from "../support/fake_apiserver.ts";
import { type FakeMaster, startFakeMaster } from "../support/fake_master.ts";
import { type AgentProcess, startAgent } from "./_agent_process.ts";

const LEASE = "atlhyper-agent";
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** One agent process with leader election on, in the Lease's namespace. */
function startCandidate(
  server: FakeApiServer,
  master: FakeMaster,
  env: Record<string, string>,
): Promise<AgentProcess> {
  return startAgent(server, master, {
    // Whole-permission flags rather than the `start` task's narrow set (agent_test.ts covers that set).
    flags: ["--allow-net", "--allow-read", "--allow-env", "--allow-sys"],
    env: {
      // Any free port: two processes cannot share the default :8082.
      AGENT_HEALTH_ADDR: "127.0.0.1:0",
      AGENT_LEADER_ELECTION: "true",
      AGENT_LEADER_ELECTION_NAMESPACE: "default",
      ...env,
    },
  });
}

function lease(server: FakeApiServer): Lease | undefined {
  return server.get<Lease>("coordination.k8s.io/v1", "leases", "default", LEASE);
}

/** Everything a process sent to the Master, told apart by its cluster ID. */
function traffic(master: FakeMaster, clusterId: string): number {
  return master.polls.filter((p) => p.clusterId === clusterId).length +
    master.heartbeats.filter((h) => h.clusterId === clusterId).length +
    master.snapshots.filter((s) => s.clusterId === clusterId).length;
}

Deno.test("two agent processes: only the lease holder talks to the Master, and SIGTERM hands over", async () => {
  await using server = await startFakeApiServer({ simulate: { pods: 5, seed: 7 } });
  await using master = startFakeMaster({ holdMs: 1_000 });
  // Distinct cluster IDs only so the test can tell the processes' traffic apart.
  await using a = await startCandidate(server, master, {
    AGENT_POD_NAME: "agent-a",
    AGENT_CLUSTER_ID: "e2e-a",
  });
  await using b = await startCandidate(server, master, {
    AGENT_POD_NAME: "agent-b",
    AGENT_CLUSTER_ID: "e2e-b",
  });
  const output = () => `--- agent-a\n${a.output()}\n--- agent-b\n${b.output()}`;

  await master.waitFor(() => Boolean(lease(server)?.spec?.holderIdentity), { timeoutMs: 15_000 })
    .catch((e) => {
      throw new Error(`${e.message}\n${output()}`);
    });
  const holder = String(lease(server)?.spec?.holderIdentity);
  const [leader, follower] = holder === "agent-a" ? [a, b] : [b, a];
  const [leaderId, followerId] = holder === "agent-a" ? ["e2e-a", "e2e-b"] : ["e2e-b", "e2e-a"];
  await master.waitFor(() => master.polls.some((p) => p.clusterId === leaderId), { timeoutMs: 10_000 });
  // Both processes run (the follower keeps its caches warm), yet only the holder polls, beats and pushes: watch
  // the Master over two of the leader's snapshot intervals (2 s each), the follower sending nothing meanwhile.
  await master.waitFor(
    () =>
      master.snapshots.filter((s) => s.clusterId === leaderId).length >= 2 &&
      master.heartbeats.some((h) => h.clusterId === leaderId),
    { timeoutMs: 15_000 },
  ).catch((e) => {
    throw new Error(`${e.message}\n${output()}`);
  });
  assert.equal(traffic(master, followerId), 0, output());
  const spec = lease(server)?.spec;
  assert.equal(spec?.holderIdentity, holder);
  assert.equal(spec?.leaseDurationSeconds, 15);
  assert.equal(spec?.leaseTransitions, 0);
  assert.match(String(spec?.renewTime), MICRO_TIME);

  // Graceful stop: the leader releases, the follower takes over on its next poll (2 s retry period, not 15 s).
  const stoppedAt = Date.now();
  assert.equal(await leader.terminate(), 0, output());
  assert.match(leader.output(), /Released the lease/);
  // The wait outlasts the lease so that a takeover by expiry (a failed release) is seen and fails the assertion
  // below rather than the wait.
  await master.waitFor(() => master.polls.some((p) => p.clusterId === followerId), { timeoutMs: 25_000 })
    .catch((e) => {
      throw new Error(`${e.message}\n${output()}`);
    });
  const takeoverMs = Date.now() - stoppedAt;
  if (Deno.env.get("LEADER_TIMINGS") === "1") console.log(`takeover after SIGTERM: ${takeoverMs} ms`);
  assert.ok(takeoverMs < 15_000, `took over in ${takeoverMs} ms, before the 15 s lease could expire`);
  const after = lease(server)?.spec;
  assert.notEqual(after?.holderIdentity, holder);
  assert.equal(after?.leaseTransitions, 1);

  assert.equal(await follower.terminate(), 0, output());
  assert.equal(lease(server)?.spec?.holderIdentity, "", "released on SIGTERM");
});
