import assert from "node:assert/strict";
import type { Command } from "../../../model/mod.ts";
import type { CommandServiceOptions } from "../../../agent/service/commands/mod.ts";
import { DYNAMIC_MAX_BYTES, stripManagedFields } from "../../../agent/service/commands/dynamic.ts";
import { formatListTable } from "../../../agent/service/commands/_dynamic_table.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { type CommandTestEnv, startCommandService } from "./_setup.ts";

const NOW = Date.UTC(2026, 0, 10);

function setup(options: CommandServiceOptions = {}): Promise<CommandTestEnv> {
  return startCommandService({ clock: new FakeClock(NOW), service: options });
}

let nextId = 0;
function dynamic(params: Record<string, unknown>, fields: Partial<Command> = {}): Command {
  return {
    id: `y-${++nextId}`,
    clusterId: "test",
    action: "dynamic",
    params,
    createdAt: "0001-01-01T00:00:00Z",
    ...fields,
  };
}

const MANAGED = [{
  manager: "kubectl",
  operation: "Update",
  apiVersion: "v1",
  fieldsType: "FieldsV1",
  fieldsV1: {},
}];

type Fake = Awaited<ReturnType<typeof setup>>["fake"];

function seed(fake: Fake): void {
  for (
    const [name, app, phase] of [["api-1", "api", "Running"], ["api-2", "api", "Pending"], [
      "db-0",
      "db",
      "Running",
    ]]
  ) {
    fake.apply(
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name,
          namespace: "shop",
          labels: { app },
          creationTimestamp: "2026-01-09T00:00:00Z",
          managedFields: MANAGED,
        },
        spec: { nodeName: "n1", containers: [{ name: "c", image: "c:1" }] },
        status: { phase, containerStatuses: [{ name: "c", ready: phase === "Running", restartCount: 2 }] },
      } as Parameters<Fake["apply"]>[0],
    );
  }
  fake.apply(
    {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "n1",
        labels: { "node-role.kubernetes.io/control-plane": "" },
        managedFields: MANAGED,
      },
      status: { conditions: [{ type: "Ready", status: "True" }], nodeInfo: { kubeletVersion: "v1.33.1" } },
    } as Parameters<Fake["apply"]>[0],
  );
  for (const [name, kind, object] of [["e1", "Pod", "api-1"], ["e2", "Pod", "db-0"], ["e3", "Node", "n1"]]) {
    fake.apply(
      {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace: "shop" },
        involvedObject: { kind, name: object, namespace: "shop" },
        type: "Warning",
        reason: "BackOff",
        message: `restarting ${object}\nagain`,
        lastTimestamp: "2026-01-09T23:59:00Z",
      } as Parameters<Fake["apply"]>[0],
    );
  }
}

Deno.test("dynamic get and describe return the object without managedFields", async () => {
  await using env = await setup();
  seed(env.fake);
  const result = await env.service.execute(
    dynamic({ command: "get", kind: "Pod" }, { namespace: "shop", name: "api-1" }),
  );
  assert.equal(result.success, true, result.error ?? "");
  const pod = JSON.parse(result.output ?? "");
  assert.equal(pod.metadata.name, "api-1");
  assert.equal(pod.metadata.managedFields, undefined);
  const node = await env.service.execute(dynamic({ command: "describe", kind: "Node" }, { name: "n1" }));
  assert.equal(JSON.parse(node.output ?? "").metadata.name, "n1");
  assert.deepEqual(env.fake.requests.map((r) => `${r.method} ${r.path}`), [
    "GET /api/v1/namespaces/shop/pods/api-1",
    "GET /api/v1/nodes/n1",
  ]);
  // The API server does send managedFields: the handler is what removes them.
  const raw = await (await fetch(`${env.fake.url}/api/v1/namespaces/shop/pods/api-1`)).json();
  assert.equal(raw.metadata.managedFields.length, 1);
});

Deno.test("dynamic list forces limit=200, passes the label selector and strips every item", async () => {
  await using env = await setup();
  seed(env.fake);
  const result = await env.service.execute(
    dynamic({ command: "list", kind: "Pod", label_selector: "app=api" }, {
      namespace: "shop",
      source: "web",
    }),
  );
  const list = JSON.parse(result.output ?? "");
  assert.deepEqual(list.items.map((p: { metadata: { name: string } }) => p.metadata.name), [
    "api-1",
    "api-2",
  ]);
  for (const item of list.items) assert.equal(item.metadata.managedFields, undefined);
  const request = env.fake.requests.at(-1);
  assert.equal(request?.path, "/api/v1/namespaces/shop/pods");
  assert.deepEqual(request?.query, { labelSelector: "app=api", limit: "200" });
  // Cluster-scoped kinds and lists without a namespace use the all-namespaces path.
  await env.service.execute(dynamic({ command: "list", kind: "Node" }, { namespace: "shop" }));
  assert.equal(env.fake.requests.at(-1)?.path, "/api/v1/nodes");
  await env.service.execute(dynamic({ command: "list", kind: "deployment" }));
  assert.equal(env.fake.requests.at(-1)?.path, "/apis/apps/v1/deployments");
  await env.service.execute(dynamic({ command: "list", kind: "HPA" }, { namespace: "shop" }));
  assert.equal(
    env.fake.requests.at(-1)?.path,
    "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers",
  );
  assert.ok(env.fake.requests.every((r) => r.method === "GET"));
});

Deno.test("dynamic list from the AI answers with a kubectl-style table", async () => {
  await using env = await setup();
  seed(env.fake);
  const pods = await env.service.execute(
    dynamic({ command: "list", kind: "Pod" }, { namespace: "shop", source: "ai" }),
  );
  const lines = (pods.output ?? "").trimEnd().split("\n");
  assert.equal(lines[0], "Pod (3):");
  assert.match(lines[1], /^NAME\s+NAMESPACE\s+READY\s+STATUS\s+RESTARTS\s+NODE\s+AGE$/);
  assert.match(lines[2], /^api-1\s+shop\s+1\/1\s+Running\s+2\s+n1\s+1d$/);
  assert.match(lines[3], /^api-2\s+shop\s+0\/1\s+Pending\s+2\s+n1\s+1d$/);
  // Columns line up.
  assert.equal(lines[2].indexOf("shop"), lines[1].indexOf("NAMESPACE"));
  const nodes = await env.service.execute(dynamic({ command: "list", kind: "Node" }, { source: "ai" }));
  assert.match(
    nodes.output ?? "",
    /^Node \(1\):\nNAME\s+STATUS\s+ROLES\s+VERSION\s+AGE\nn1\s+Ready\s+control-plane\s+v1\.33\.1\s+/,
  );
  const none = await env.service.execute(dynamic({ command: "list", kind: "Deployment" }, { source: "ai" }));
  assert.equal(none.output, "Deployment: 0 items");
  // Only `list` becomes a table; get stays JSON.
  const get = await env.service.execute(
    dynamic({ command: "get", kind: "Pod" }, { namespace: "shop", name: "db-0", source: "ai" }),
  );
  assert.equal(JSON.parse(get.output ?? "").kind, "Pod");
});

Deno.test("dynamic get_events filters by the involved object", async () => {
  await using env = await setup();
  seed(env.fake);
  const result = await env.service.execute(
    dynamic({ command: "get_events", involved_kind: "Pod", involved_name: "db-0" }, { namespace: "shop" }),
  );
  const events = JSON.parse(result.output ?? "");
  assert.deepEqual(events.items.map((e: { metadata: { name: string } }) => e.metadata.name), ["e2"]);
  const request = env.fake.requests.at(-1);
  assert.equal(request?.path, "/api/v1/namespaces/shop/events");
  assert.deepEqual(request?.query, {
    fieldSelector: "involvedObject.kind=Pod,involvedObject.name=db-0",
    limit: "200",
  });
  const byKind = await env.service.execute(dynamic({ command: "get_events", involved_kind: "Node" }));
  assert.equal(JSON.parse(byKind.output ?? "").items.length, 1);
  assert.equal(env.fake.requests.at(-1)?.path, "/api/v1/events");
});

Deno.test("dynamic rejects what it does not serve and reports API errors", async () => {
  await using env = await setup();
  seed(env.fake);
  const cases: [Record<string, unknown>, Partial<Command>, string][] = [
    [{ command: "list", kind: "CustomThing" }, {}, 'unsupported kind: "CustomThing"'],
    [{ command: "get", kind: "Pod" }, { namespace: "shop" }, "name is required for get"],
    [{ command: "describe", kind: "Pod" }, { name: "api-1" }, "namespace is required for describe Pod"],
    [{ kind: "Pod" }, {}, "invalid dynamic params: command is required"],
    [{ command: "list" }, {}, "invalid dynamic params: kind is required"],
    [{ command: "list", kind: 3 }, {}, "invalid dynamic params: kind must be a string"],
  ];
  for (const [params, fields, error] of cases) {
    assert.equal((await env.service.execute(dynamic(params, fields))).error, error);
  }
  const missing = await env.service.execute(
    dynamic({ command: "get", kind: "Pod" }, { namespace: "shop", name: "x" }),
  );
  assert.match(missing.error ?? "", /^API returned status 404: \{"kind":"Status".*"reason":"NotFound"/);
  env.fake.forbid("pods", ["list"]);
  const forbidden = await env.service.execute(dynamic({ command: "list", kind: "Pod" }));
  assert.match(forbidden.error ?? "", /^API returned status 403: .*forbidden/);
});

Deno.test("dynamic reads secrets only when secret reads are enabled", async () => {
  await using env = await setup({ allowSecretRead: true });
  env.fake.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "shop" } });
  const result = await env.service.execute(
    dynamic({ command: "list", kind: "Secret" }, { namespace: "shop" }),
  );
  assert.equal(JSON.parse(result.output ?? "").items.length, 1);
});

Deno.test("dynamic caps the output at 2 MiB by dropping whole list items", async () => {
  await using env = await setup();
  const big = "x".repeat(100 * 1024);
  for (let i = 0; i < 30; i++) {
    env.fake.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `cm-${String(i).padStart(2, "0")}`, namespace: "shop" },
        data: { big },
      } as Parameters<Fake["apply"]>[0],
    );
  }
  const result = await env.service.execute(
    dynamic({ command: "list", kind: "ConfigMap" }, { namespace: "shop" }),
  );
  const output = result.output ?? "";
  assert.ok(new TextEncoder().encode(output).length <= DYNAMIC_MAX_BYTES);
  const list = JSON.parse(output);
  assert.ok(list.items.length >= 19 && list.items.length < 30, `kept ${list.items.length}`);
  assert.equal(list.metadata.remainingItemCount, 30 - list.items.length);
});

Deno.test("stripManagedFields and formatListTable handle odd input", () => {
  assert.equal(stripManagedFields("text"), "text");
  assert.deepEqual(
    stripManagedFields({ metadata: { name: "a", managedFields: [] }, items: [1, { metadata: {} }] }),
    {
      metadata: { name: "a" },
      items: [1, { metadata: {} }],
    },
  );
  assert.equal(formatListTable({ kind: "Thing" }, { kind: "Pod", now: NOW }), undefined);
  const generic = formatListTable(
    { kind: "EndpointsList", items: [{ metadata: { name: "e", namespace: "a", creationTimestamp: "bad" } }] },
    { kind: "Endpoints", now: NOW },
  );
  assert.equal(generic, "Endpoints (1):\nNAME  NAMESPACE  AGE\ne     a          <unknown>\n");
  const events = formatListTable(
    {
      items: [{ type: "Warning", reason: "X", message: "a\nb", involvedObject: { kind: "Pod", name: "p" } }],
    },
    { kind: "Event", now: NOW },
  );
  assert.match(events ?? "", /^Event \(1\):\n.*\n<none>\s+Warning\s+X\s+Pod\/p\s+1\s+a b\s+<unknown>\n$/);
});
