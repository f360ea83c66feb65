/**
 * The command service against a hostile or broken Master: each refusal names its rule and setting, and is shown
 * by what reached the (fake) API server — nothing.
 */
import assert from "node:assert/strict";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { Command } from "../../../model/mod.ts";
import type { CommandServiceOptions } from "../../../agent/service/commands/mod.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { type CommandTestEnv, startCommandService } from "./_setup.ts";

const NOW = Date.UTC(2026, 4, 6, 7, 8, 9);

function setup(options: CommandServiceOptions = {}): Promise<CommandTestEnv> {
  return startCommandService({ clock: new FakeClock(NOW), service: { clusterId: "prod-eu", ...options } });
}

let nextId = 0;
function command(fields: Partial<Command>): Command {
  return {
    id: `h-${++nextId}`,
    clusterId: "prod-eu",
    action: "scale",
    createdAt: new Date(NOW - 1_000).toISOString(),
    ...fields,
  };
}

function deployment(name: string, namespace: string): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "web:1" }] },
      },
    },
  };
}

/** Requests that reached the API server after the fixtures were loaded. */
function reached(env: CommandTestEnv): string[] {
  return env.fake.requests.map((r) => `${r.method} ${r.path}`);
}

Deno.test("the agent's own namespace and kube-system are protected whatever AGENT_PROTECTED_NAMESPACES says", async () => {
  await using env = await setup({ ownNamespace: "atlhyper", protectedNamespaces: ["prod"] });
  env.fake.apply(deployment("atlhyper-agent", "atlhyper"));
  env.fake.resetRequestLog();
  for (const namespace of ["atlhyper", "kube-system", "prod"]) {
    const result = await env.service.execute(command({
      action: "update_image",
      namespace,
      name: "atlhyper-agent",
      params: { image: "evil.example/agent:pwn" },
    }));
    assert.equal(result.success, false);
    assert.match(
      result.error ?? "",
      new RegExp(`namespace "${namespace}" is protected: .*AGENT_PROTECTED_NAMESPACES`),
    );
  }
  assert.deepEqual(reached(env), []);
});

Deno.test("update_image refuses images outside AGENT_IMAGE_ALLOWLIST before any request", async () => {
  await using env = await setup({ imageAllowlist: ["ghcr.io/acme"] });
  env.fake.apply(deployment("web", "shop"));
  env.fake.resetRequestLog();
  for (const image of ["docker.io/evil/web:1", "ghcr.io/acmecorp/web:1", "ghcr.io/acme.evil/web:1"]) {
    const refused = await env.service.execute(
      command({ action: "update_image", namespace: "shop", name: "web", params: { image } }),
    );
    assert.match(
      refused.error ?? "",
      /is not allowed: it matches no prefix of AGENT_IMAGE_ALLOWLIST \(ghcr.io\/acme\)/,
    );
  }
  assert.deepEqual(reached(env), []);
  const allowed = await env.service.execute(
    command({
      action: "update_image",
      namespace: "shop",
      name: "web",
      params: { image: "ghcr.io/acme/web:2" },
    }),
  );
  assert.equal(allowed.success, true, String(allowed.error));
  assert.deepEqual(reached(env), [
    "GET /apis/apps/v1/namespaces/shop/deployments/web",
    "PATCH /apis/apps/v1/namespaces/shop/deployments/web",
  ]);
});

Deno.test("'.', '..' and other non-names never become a request", async () => {
  await using env = await setup();
  env.fake.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
  env.fake.resetRequestLog();
  const hostile: Partial<Command>[] = [
    { action: "delete_pod", namespace: "shop", name: ".." },
    { action: "delete_pod", namespace: "payments", name: "." },
    { action: "delete_pod", namespace: "..", name: "x" },
    { action: "cordon", name: ".." },
    { action: "drain", name: "node/../.." },
    { action: "scale", namespace: "shop", name: "web%2F..", params: { replicas: 1 } },
    { action: "get_logs", namespace: "shop", name: "api\u0000" },
    { action: "dynamic", namespace: "..", name: "x", params: { command: "get", kind: "Pod" } },
    { action: "dynamic", namespace: "shop", name: "..", params: { command: "get", kind: "Pod" } },
    { action: "dynamic", namespace: "..", params: { command: "list", kind: "ConfigMap" } },
    { action: "dynamic", namespace: "shop", name: "Web", params: { command: "get", kind: "Service" } },
  ];
  for (const fields of hostile) {
    const result = await env.service.execute(command(fields));
    assert.equal(result.success, false, JSON.stringify(fields));
    assert.match(result.error ?? "", /^invalid (name|namespace) /, JSON.stringify(fields));
  }
  assert.deepEqual(reached(env), []);
  assert.ok(env.fake.get("v1", "namespaces", undefined, "shop"), "the namespace still exists");
});

Deno.test("provenance: another cluster's command and a stale one are refused; clock skew is tolerated", async () => {
  await using env = await setup({ commandMaxAgeMs: 10 * 60_000 });
  env.fake.apply(deployment("web", "shop"));
  env.fake.resetRequestLog();
  const scale = { namespace: "shop", name: "web", params: { replicas: 3 } };
  const foreign = await env.service.execute(command({ ...scale, clusterId: "staging" }));
  assert.equal(
    foreign.error,
    'command is for cluster "staging", this agent is cluster "prod-eu": refused (AGENT_CLUSTER_ID)',
  );
  const stale = await env.service.execute(command({ ...scale, createdAt: "2023-05-06T07:08:09Z" }));
  assert.match(
    stale.error ?? "",
    /^command is stale: created 26304h0m0s ago .* older than AGENT_COMMAND_MAX_AGE=10m0s$/,
  );
  const borderline = await env.service.execute(
    command({ ...scale, createdAt: new Date(NOW - 10 * 60_000 - 1_000).toISOString() }),
  );
  assert.match(borderline.error ?? "", /is stale/);
  const garbled = await env.service.execute(command({ ...scale, createdAt: "yesterday" }));
  assert.match(garbled.error ?? "", /invalid createdAt "yesterday"/);
  assert.deepEqual(reached(env), []);
  // A Master clock five minutes ahead, a zero time (no creation time) and no cluster id are all fine.
  for (
    const fields of [
      { createdAt: new Date(NOW + 5 * 60_000).toISOString() },
      { createdAt: "0001-01-01T00:00:00Z" },
      { clusterId: "" },
    ]
  ) {
    const ok = await env.service.execute(command({ ...scale, ...fields }));
    assert.equal(ok.success, true, String(ok.error));
  }
});

Deno.test("command age is measured on the Master's clock when its offset is known", async () => {
  // The Master's clock runs 30 minutes behind ours: its fresh commands carry creation times 30 minutes "ago".
  let offset: number | undefined = -30 * 60_000;
  await using env = await setup({ masterClockOffsetMs: () => offset });
  env.fake.apply(deployment("web", "shop"));
  const scale = { namespace: "shop", name: "web", params: { replicas: 2 } };
  const masterNow = NOW - 30 * 60_000;
  const fresh = await env.service.execute(
    command({ ...scale, createdAt: new Date(masterNow - 2_000).toISOString() }),
  );
  assert.equal(fresh.success, true, String(fresh.error));
  const stale = await env.service.execute(
    command({ ...scale, createdAt: new Date(masterNow - 11 * 60_000).toISOString() }),
  );
  assert.match(stale.error ?? "", /^command is stale: created 11m0s ago/);
  // Without an offset (no answer from the Master yet) the agent's own clock is used.
  offset = undefined;
  const unknown = await env.service.execute(
    command({ ...scale, createdAt: new Date(masterNow).toISOString() }),
  );
  assert.match(unknown.error ?? "", /^command is stale: created 30m0s ago/);
});

Deno.test("the ai topic is read-only by default; AGENT_ALLOWED_ACTIONS applies to both topics", async () => {
  await using env = await setup();
  env.fake.apply(deployment("web", "shop"));
  env.fake.resetRequestLog();
  const scale = { namespace: "shop", name: "web", params: { replicas: 0 } };
  const viaTopic = await env.service.execute(command(scale), { topic: "ai" });
  assert.equal(
    viaTopic.error,
    'action "scale" is not allowed from the ai topic (AGENT_AI_ALLOWED_ACTIONS; default ' +
      "get_logs,get_configmap,dynamic)",
  );
  const viaSource = await env.service.execute(command({ ...scale, source: "ai" }), { topic: "ops" });
  assert.match(viaSource.error ?? "", /not allowed from the ai topic/);
  for (const action of ["drain", "get_secret", "delete_pod"]) {
    const refused = await env.service.execute(command({ action, name: "n", namespace: "shop" }), {
      topic: "ai",
    });
    assert.match(refused.error ?? "", /AGENT_AI_ALLOWED_ACTIONS/, action);
  }
  assert.deepEqual(reached(env), []);
  const read = await env.service.execute(
    command({
      action: "dynamic",
      namespace: "shop",
      name: "web",
      params: { command: "get", kind: "Deployment" },
    }),
    { topic: "ai" },
  );
  assert.equal(read.success, true, String(read.error));
  assert.equal((await env.service.execute(command(scale), { topic: "ops" })).success, true);

  await using opened = await setup({ aiAllowedActions: ["scale", "dynamic"], allowedActions: ["dynamic"] });
  const both = await opened.service.execute(command(scale), { topic: "ai" });
  assert.match(both.error ?? "", /not allowed on this agent \(AGENT_ALLOWED_ACTIONS\)/);
});

Deno.test("remote input is echoed bounded: a 1 MiB action makes a short result and a short log line", async () => {
  const lines: string[] = [];
  const record = (message: string, properties?: Record<string, unknown>) =>
    lines.push(message + JSON.stringify(properties ?? {}));
  await using env = await setup({ logger: { info: record, warn: record, error: record } });
  const huge = "x".repeat(1 << 20);
  const result = await env.service.execute(command({ action: huge, namespace: huge, name: huge }));
  assert.ok((result.error ?? "").length < 400, `${result.error?.length} characters`);
  assert.match(result.error ?? "", /^unknown action: "x{200}…" \(1048576 chars\)$/);
  // A megabyte id is answered (whole: the Master matches on it) but never remembered nor logged whole.
  const longId = await env.service.execute(command({ id: huge, action: "get_logs" }));
  assert.equal(longId.commandId, huge);
  assert.equal(longId.error, "invalid command id: 1048576 characters, at most 256 are accepted");
  assert.equal(lines.length, 2);
  for (const line of lines) assert.ok(line.length < 3_000, `${line.length} characters logged`);
  const params = await env.service.execute(
    command({ action: "dynamic", namespace: "shop", params: { command: huge } }),
  );
  assert.ok((params.error ?? "").length < 400, `${params.error?.length} characters`);
});

Deno.test("dynamic stops reading at its byte budget and says how to narrow the query", async () => {
  await using env = await setup();
  const big = "x".repeat(512 * 1024);
  for (let i = 0; i < 12; i++) {
    env.fake.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `big-${i}`, namespace: "bulk" },
        data: { big },
      } as Parameters<CommandTestEnv["fake"]["apply"]>[0],
    );
  }
  const result = await env.service.execute(
    command({ action: "dynamic", namespace: "bulk", params: { command: "list", kind: "ConfigMap" } }),
  );
  assert.equal(result.success, false);
  assert.match(
    result.error ?? "",
    /^the API server's answer is larger than the 4 MiB dynamic reads at most; reading stopped there: narrow the query: name a namespace, add a label_selector/,
  );
});

Deno.test("dynamic output goes through the snapshot's redaction", async () => {
  await using env = await setup();
  env.fake.apply(
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "api-0",
        namespace: "shop",
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"DB_PASSWORD":"hunter2"}' },
      },
      spec: {
        containers: [{
          name: "api",
          image: "shop/api:1",
          args: ["--token=hunter2"],
          env: [{ name: "DB_PASSWORD", value: "hunter2" }, {
            name: "DSN_URL",
            value: "mysql://u:hunter2@db/x",
          }],
          readinessProbe: { exec: { command: ["redis-cli", "-a", "hunter2", "ping"] } },
        }],
      },
    } as Parameters<CommandTestEnv["fake"]["apply"]>[0],
  );
  for (const params of [{ command: "get", kind: "Pod" }, { command: "list", kind: "Pod" }]) {
    const result = await env.service.execute(
      command({
        action: "dynamic",
        namespace: "shop",
        name: params.command === "get" ? "api-0" : undefined,
        params,
      }),
    );
    assert.equal(result.success, true, String(result.error));
    assert.ok(result.output?.includes("api-0"));
    assert.ok(!result.output?.includes("hunter2"), String(result.output));
    assert.ok(!result.output?.includes("last-applied-configuration"), String(result.output));
  }
});
