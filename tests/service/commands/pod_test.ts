import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Command } from "../../../model/mod.ts";
import type { CommandServiceOptions } from "../../../agent/service/commands/mod.ts";
import { type CommandTestEnv, startCommandService } from "./_setup.ts";

function setup(options: CommandServiceOptions = {}): Promise<CommandTestEnv> {
  return startCommandService({ server: { podGraceScale: 0 }, service: options });
}

let nextId = 0;
function command(fields: Partial<Command>): Command {
  return {
    id: `p-${++nextId}`,
    clusterId: "test",
    action: "get_logs",
    createdAt: "0001-01-01T00:00:00Z",
    ...fields,
  };
}

function pod(name: string, namespace: string, containers: string[]): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      containers: containers.map((c) => ({ name: c, image: `${c}:1` })),
      terminationGracePeriodSeconds: 0,
    },
  };
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function lines(count: number, prefix = "line"): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);
}

Deno.test("get_logs returns the tail of the log: 100 lines by default, at most 200", async (t) => {
  await using env = await setup();
  env.fake.apply(pod("api", "shop", ["app"]));
  env.fake.setPodLogs("shop", "api", "app", lines(300));
  const target = { namespace: "shop", name: "api", kind: "Pod" };

  await t.step("default tail", async () => {
    const result = await env.service.execute(command(target));
    assert.equal(result.success, true);
    const text = result.output ?? "";
    assert.equal(text.split("\n").filter((l) => l !== "").length, 100);
    assert.ok(text.startsWith("line 201\n") && text.endsWith("line 300\n"));
  });

  await t.step("tailLines and the AI's tail_lines", async () => {
    const camel = await env.service.execute(command({ ...target, params: { tailLines: 3 } }));
    assert.equal(camel.output, "line 298\nline 299\nline 300\n");
    const snake = await env.service.execute(command({ ...target, params: { tail_lines: 2 } }));
    assert.equal(snake.output, "line 299\nline 300\n");
  });

  await t.step("a request above the cap is cut to 200", async () => {
    const result = await env.service.execute(command({ ...target, params: { tailLines: 5000 } }));
    assert.equal((result.output ?? "").split("\n").filter((l) => l !== "").length, 200);
    const query = env.fake.requests.at(-1)?.query;
    assert.equal(query?.tailLines, "200");
    assert.equal(query?.limitBytes, String(1024 * 1024));
  });

  await t.step("timestamps and previous reach the API server", async () => {
    env.fake.setPodLogs("shop", "api", "app", ["crashed"], { previous: true });
    const result = await env.service.execute(
      command({ ...target, params: { previous: true, timestamps: true, sinceSeconds: 3600 } }),
    );
    assert.match(result.output ?? "", /^\d{4}-\d\d-\d\dT\S+Z crashed\n$/);
  });
});

Deno.test("get_logs picks the container: the named one, else the first non-sidecar one", async () => {
  await using env = await setup();
  env.fake.apply(pod("api", "shop", ["linkerd-proxy", "app", "worker"]));
  env.fake.setPodLogs("shop", "api", "linkerd-proxy", ["proxy says hi"]);
  env.fake.setPodLogs("shop", "api", "app", ["app says hi"]);
  env.fake.setPodLogs("shop", "api", "worker", ["worker says hi"]);
  const auto = await env.service.execute(command({ namespace: "shop", name: "api" }));
  assert.equal(auto.output, "app says hi\n");
  const named = await env.service.execute(
    command({ namespace: "shop", name: "api", params: { container: "worker" } }),
  );
  assert.equal(named.output, "worker says hi\n");
  const wrong = await env.service.execute(
    command({ namespace: "shop", name: "api", params: { container: "db" } }),
  );
  assert.equal(wrong.success, false);
  assert.match(wrong.error ?? "", /container db is not valid for pod api/);
});

Deno.test("get_logs reports a missing pod and a forbidden log read", async () => {
  await using env = await setup();
  const missing = await env.service.execute(command({ namespace: "shop", name: "ghost" }));
  assert.equal(missing.error, 'pod "ghost" not found in namespace "shop"');
  env.fake.apply(pod("api", "shop", ["app"]));
  env.fake.setPodLogs("shop", "api", "app", ["hello"]);
  env.fake.forbid("pods", ["get"]);
  const logsOnly = await env.service.execute(command({ namespace: "shop", name: "api" }));
  assert.equal(logsOnly.output, "hello\n");
  env.fake.allow();
  env.fake.forbid("pods/log");
  const forbidden = await env.service.execute(
    command({ namespace: "shop", name: "api", params: { container: "app" } }),
  );
  assert.match(forbidden.error ?? "", /^forbidden: the agent may not get pods\/log in namespace "shop"/);
});

Deno.test("delete and delete_pod remove the pod; other kinds are refused", async () => {
  await using env = await setup();
  env.fake.apply(pod("a", "shop", ["app"]));
  env.fake.apply(pod("b", "shop", ["app"]));
  const deleted = await env.service.execute(
    command({
      action: "delete",
      kind: "Pod",
      namespace: "shop",
      name: "a",
      params: { gracePeriodSeconds: 0 },
    }),
  );
  assert.deepEqual([deleted.success, deleted.output], [true, ""]);
  assert.equal(env.fake.get("v1", "pods", "shop", "a"), undefined);
  const alias = await env.service.execute(command({ action: "delete_pod", namespace: "shop", name: "b" }));
  assert.equal(alias.success, true);
  assert.equal(env.fake.get("v1", "pods", "shop", "b"), undefined);
  const other = await env.service.execute(
    command({ action: "delete", kind: "Deployment", namespace: "shop", name: "web" }),
  );
  assert.equal(other.error, 'delete of kind "Deployment" is not supported: only Pod can be deleted');
  const gone = await env.service.execute(
    command({ action: "delete", kind: "Pod", namespace: "shop", name: "a" }),
  );
  assert.equal(gone.error, 'pod "a" not found in namespace "shop"');
  const badGrace = await env.service.execute(
    command({
      action: "delete",
      kind: "Pod",
      namespace: "shop",
      name: "b",
      params: { gracePeriodSeconds: "now" },
    }),
  );
  assert.equal(
    badGrace.error,
    "invalid delete params: gracePeriodSeconds must be an integer between 0 and 86400",
  );
});

Deno.test("get_configmap returns .data as JSON, null when empty", async () => {
  await using env = await setup();
  env.fake.apply(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cfg", namespace: "shop" },
      data: { "app.yaml": "port: 80\n", mode: "prod" },
      binaryData: { blob: "AAE=" },
    } as Parameters<typeof env.fake.apply>[0],
  );
  env.fake.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "empty", namespace: "shop" } });
  const result = await env.service.execute(
    command({ action: "get_configmap", namespace: "shop", name: "cfg" }),
  );
  assert.deepEqual(JSON.parse(result.output ?? ""), { "app.yaml": "port: 80\n", mode: "prod" });
  const empty = await env.service.execute(
    command({ action: "get_configmap", namespace: "shop", name: "empty" }),
  );
  assert.equal(empty.output, "null");
  const missing = await env.service.execute(command({ action: "get_configmap", name: "cfg" }));
  assert.equal(missing.error, 'namespace is required (target name "cfg")');
  const notFound = await env.service.execute(
    command({ action: "get_configmap", namespace: "shop", name: "x" }),
  );
  assert.equal(notFound.error, 'configmap "x" not found in namespace "shop"');
});

Deno.test("get_secret returns decoded values only when secret reads are enabled", async () => {
  await using env = await setup({ allowSecretRead: true });
  env.fake.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", namespace: "shop" },
      type: "Opaque",
      data: { user: base64("admin"), password: base64("s3cr3t ü") },
    } as Parameters<typeof env.fake.apply>[0],
  );
  env.fake.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "none", namespace: "shop" } });
  const result = await env.service.execute(command({ action: "get_secret", namespace: "shop", name: "db" }));
  assert.deepEqual(JSON.parse(result.output ?? ""), { user: "admin", password: "s3cr3t ü" });
  const empty = await env.service.execute(command({ action: "get_secret", namespace: "shop", name: "none" }));
  assert.equal(empty.output, "{}");

  await using locked = await setup();
  locked.fake.resetRequestLog();
  const refused = await locked.service.execute(
    command({ action: "get_secret", namespace: "shop", name: "db" }),
  );
  assert.match(refused.error ?? "", /get_secret is disabled/);
  assert.equal(locked.fake.requests.length, 0);
});
