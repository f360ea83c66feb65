import assert from "node:assert/strict";
import type { Node, Pod } from "kubernetes-types/core/v1.d.ts";
import type { Command } from "../../../model/mod.ts";
import { createKubeClient } from "../../../agent/sdk/mod.ts";
import {
  CommandService,
  type CommandServiceOptions,
  type DrainReport,
} from "../../../agent/service/commands/mod.ts";
import { MAX_RETRY_DELAY_MS } from "../../../agent/service/commands/drain.ts";
import { type CommandTestEnv, startCommandService } from "./_setup.ts";
import { waitFor } from "../../support/wait.ts";

function setup(options: CommandServiceOptions = {}): Promise<CommandTestEnv> {
  return startCommandService({ server: { podGraceScale: 0 }, service: options });
}

let nextId = 0;
function command(fields: Partial<Command>): Command {
  return {
    id: `n-${++nextId}`,
    clusterId: "test",
    action: "cordon",
    createdAt: "0001-01-01T00:00:00Z",
    ...fields,
  };
}

function node(name: string): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, spec: {} };
}

interface PodSpec {
  node: string;
  owner?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function pod(namespace: string, name: string, spec: PodSpec): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      labels: spec.labels,
      annotations: spec.annotations,
      ownerReferences: spec.owner
        ? [{
          apiVersion: "apps/v1",
          kind: spec.owner,
          name: `${name}-owner`,
          uid: `${name}-uid`,
          controller: true,
        }]
        : undefined,
    },
    spec: { nodeName: spec.node, containers: [{ name: "c", image: "c:1" }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}

function unschedulable(fake: Awaited<ReturnType<typeof setup>>["fake"], name: string): boolean | undefined {
  return fake.get<Node>("v1", "nodes", undefined, name)?.spec?.unschedulable;
}

/** True when the pod is gone or terminating. */
function evicted(fake: Awaited<ReturnType<typeof setup>>["fake"], namespace: string, name: string): boolean {
  const found = fake.get<Pod>("v1", "pods", namespace, name);
  return found === undefined || found.metadata?.deletionTimestamp !== undefined;
}

Deno.test("cordon and uncordon flip spec.unschedulable", async () => {
  await using env = await setup();
  env.fake.apply(node("n1"));
  const cordoned = await env.service.execute(command({ kind: "Node", name: "n1" }));
  assert.deepEqual([cordoned.success, cordoned.output], [true, ""]);
  assert.equal(unschedulable(env.fake, "n1"), true);
  const uncordoned = await env.service.execute(command({ action: "uncordon", kind: "Node", name: "n1" }));
  assert.equal(uncordoned.success, true);
  assert.equal(unschedulable(env.fake, "n1"), false);
  const missing = await env.service.execute(command({ name: "n9" }));
  assert.equal(missing.error, 'node "n9" not found');
  env.fake.forbid("nodes", ["patch"]);
  const forbidden = await env.service.execute(command({ name: "n1" }));
  assert.match(forbidden.error ?? "", /^forbidden: the agent may not patch nodes cluster-wide/);
  const idle = createKubeClientStub();
  const readOnly = await new CommandService(idle, { readOnly: true }).execute(command({ name: "n1" }));
  idle.close();
  assert.match(readOnly.error ?? "", /read-only/);
});

/** A client that must never be called (policy refusals happen first). */
function createKubeClientStub() {
  return createKubeClient({
    server: "http://127.0.0.1:9",
    auth: {
      description: "none",
      credentials: () => Promise.reject(new Error("No call expected")),
      invalidate() {},
    },
    namespace: "default",
    source: "test",
  });
}

Deno.test("drain cordons, evicts the right pods and retries a disruption budget refusal", async (t) => {
  await using env = await setup();
  env.fake.apply(node("n1"));
  env.fake.apply(node("n2"));
  env.fake.apply(pod("shop", "web-1", { node: "n1", owner: "ReplicaSet" }));
  env.fake.apply(pod("shop", "bare", { node: "n1" }));
  env.fake.apply(pod("shop", "db-0", { node: "n1", owner: "StatefulSet", labels: { app: "db" } }));
  env.fake.apply(pod("shop", "logs-x", { node: "n1", owner: "DaemonSet" }));
  env.fake.apply(
    pod("kube-system", "etcd-n1", { node: "n1", annotations: { "kubernetes.io/config.mirror": "x" } }),
  );
  env.fake.apply(pod("kube-system", "coredns-1", { node: "n1", owner: "ReplicaSet" }));
  env.fake.apply(pod("shop", "web-2", { node: "n2", owner: "ReplicaSet" }));
  env.fake.apply(
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "db", namespace: "shop" },
      spec: { minAvailable: 1, selector: { matchLabels: { app: "db" } } },
    } as Parameters<typeof env.fake.apply>[0],
  );

  const pending = env.service.execute(command({ action: "drain", kind: "Node", name: "n1" }));

  await t.step("a budget refusal waits and retries", async () => {
    await waitFor(() => env.clock.sleeps.some((ms) => ms <= MAX_RETRY_DELAY_MS), "a retry backoff");
    assert.equal(unschedulable(env.fake, "n1"), true);
    assert.equal(evicted(env.fake, "shop", "db-0"), false);
    env.fake.remove("policy/v1", "poddisruptionbudgets", "shop", "db");
    env.clock.advance(MAX_RETRY_DELAY_MS);
  });

  await t.step("the report lists evicted and skipped pods", async () => {
    const result = await pending;
    assert.equal(result.success, true, result.error ?? "");
    const report: DrainReport = JSON.parse(result.output ?? "");
    assert.deepEqual(report.evicted.sort(), ["shop/bare", "shop/db-0", "shop/web-1"]);
    assert.deepEqual(report.notEvicted, []);
    assert.deepEqual(report.skipped.map((s) => s.pod).sort(), [
      "kube-system/coredns-1",
      "kube-system/etcd-n1",
      "shop/logs-x",
    ]);
    assert.match(report.skipped.find((s) => s.pod === "shop/logs-x")?.reason ?? "", /DaemonSet/);
    assert.match(report.skipped.find((s) => s.pod === "kube-system/etcd-n1")?.reason ?? "", /mirror/);
    assert.match(report.skipped.find((s) => s.pod === "kube-system/coredns-1")?.reason ?? "", /protected/);
  });

  await t.step("the cluster state matches the report", () => {
    for (const name of ["web-1", "bare", "db-0"]) assert.equal(evicted(env.fake, "shop", name), true, name);
    assert.equal(evicted(env.fake, "shop", "logs-x"), false);
    assert.equal(evicted(env.fake, "kube-system", "etcd-n1"), false);
    assert.equal(evicted(env.fake, "kube-system", "coredns-1"), false);
    assert.equal(evicted(env.fake, "shop", "web-2"), false);
    const evictions = env.fake.requests.filter((r) => r.path.endsWith("/eviction"));
    assert.ok(evictions.some((r) => r.status === 429));
  });
});

Deno.test("drain reports pods a budget keeps refusing and fails before the deadline", async () => {
  await using env = await setup({ commandTimeoutMs: 20_000 });
  env.fake.apply(node("n1"));
  env.fake.apply(pod("shop", "db-0", { node: "n1", owner: "StatefulSet", labels: { app: "db" } }));
  env.fake.apply(pod("shop", "web-1", { node: "n1", owner: "ReplicaSet" }));
  env.fake.apply(
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "db", namespace: "shop" },
      spec: { minAvailable: 1, selector: { matchLabels: { app: "db" } } },
    } as Parameters<typeof env.fake.apply>[0],
  );

  let finished = false;
  const pending = env.service.execute(command({ action: "drain", name: "n1" })).finally(() =>
    finished = true
  );
  // Advance the clock through each backoff as it starts, until the drain gives up.
  let seen = 0;
  while (!finished) {
    await waitFor(() => finished || env.clock.sleeps.length > seen, "the next sleep");
    for (; seen < env.clock.sleeps.length; seen++) {
      const ms = env.clock.sleeps[seen];
      if (ms <= MAX_RETRY_DELAY_MS) env.clock.advance(ms);
    }
  }
  const result = await pending;
  assert.equal(result.success, false);
  assert.match(result.error ?? "", /^drain of node "n1" incomplete: 1 of 2 pods not evicted \(shop\/db-0: /);
  assert.match(result.error ?? "", /disruption budget/);
  const report: DrainReport = JSON.parse(result.output ?? "");
  assert.deepEqual(report.evicted, ["shop/web-1"]);
  assert.equal(report.notEvicted.length, 1);
  assert.match(report.notEvicted[0].error, /disruption budget.*gave up at the command deadline/);
  assert.ok(env.clock.now() - Date.UTC(2026, 0, 1) < 20_000, "stopped before the deadline");
  assert.equal(evicted(env.fake, "shop", "db-0"), false);
});

Deno.test("drain needs a node name and fails readably when the node is missing", async () => {
  await using env = await setup();
  const noName = await env.service.execute(command({ action: "drain" }));
  assert.equal(noName.error, "name is required: the node to act on");
  const missing = await env.service.execute(command({ action: "drain", name: "ghost" }));
  assert.equal(missing.error, 'node "ghost" not found');
});
