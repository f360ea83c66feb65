import assert from "node:assert/strict";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { ConfigMap } from "kubernetes-types/core/v1.d.ts";
import type { Command } from "../../../model/mod.ts";
import type { ApplyManifestsResult, CommandServiceOptions } from "../../../agent/service/commands/mod.ts";
import { type CommandTestEnv, startCommandService } from "./_setup.ts";

function setup(options: CommandServiceOptions = {}): Promise<CommandTestEnv> {
  return startCommandService({ service: { allowApply: true, ...options } });
}

let nextId = 0;
function apply(manifests: unknown): Command {
  return {
    id: `a-${++nextId}`,
    clusterId: "test",
    action: "apply_manifests",
    params: { manifests, path: "apps/shop" },
    source: "deployer",
    createdAt: "0001-01-01T00:00:00Z",
  };
}

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
# No namespace: goes to default.
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: web:1
      volumes:
        - name: cfg
          configMap:
            name: settings
            defaultMode: 0644
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: sneaky
  namespace: kube-system
data: {a: b}
---
`;

Deno.test("apply_manifests creates objects by server-side apply and reports per-object errors", async (t) => {
  await using env = await setup();

  await t.step("creates what it can and names what it cannot", async () => {
    const result = await env.service.execute(apply(MANIFESTS));
    assert.equal(result.success, true, result.error ?? "");
    const output: ApplyManifestsResult = JSON.parse(result.output ?? "");
    assert.equal(output.resourceTotal, 5);
    assert.equal(output.resourceChanged, 3);
    assert.equal(
      output.errorMessage,
      'Widget/w1: no matches for kind "Widget" in version "example.com/v1"; ' +
        'ConfigMap/sneaky: namespace "kube-system" is protected: mutating actions are refused there ' +
        "(kube-system and the agent's own namespace always are; AGENT_PROTECTED_NAMESPACES adds more)",
    );
    assert.ok(env.fake.get("v1", "namespaces", undefined, "shop"));
    const settings = env.fake.get<ConfigMap>("v1", "configmaps", "default", "settings");
    assert.deepEqual(settings?.data, { mode: "blue" });
    const web = env.fake.get<Deployment>("apps/v1", "deployments", "shop", "web");
    assert.equal(web?.spec?.replicas, 2);
    // 0644 is octal in Kubernetes YAML.
    assert.equal(web?.spec?.template.spec?.volumes?.[0].configMap?.defaultMode, 0o644);
    assert.equal(env.fake.get("v1", "configmaps", "kube-system", "sneaky"), undefined);
  });

  await t.step("uses SSA with the agent's field manager and force", () => {
    const patches = env.fake.requests.filter((r) => r.method === "PATCH");
    assert.deepEqual(patches.map((r) => r.path), [
      "/api/v1/namespaces/shop",
      "/api/v1/namespaces/default/configmaps/settings",
      "/apis/apps/v1/namespaces/shop/deployments/web",
    ]);
    for (const patch of patches) {
      assert.deepEqual(patch.query, { fieldManager: "atlhyper-agent", force: "true" });
    }
    // Discovery once per group version.
    const discovery = env.fake.requests.filter((r) => r.method === "GET").map((r) => r.path);
    assert.deepEqual(discovery, ["/api/v1", "/apis/apps/v1", "/apis/example.com/v1"]);
  });

  await t.step("updates existing objects", async () => {
    const json = JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "shop" },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "app", image: "web:2" }] },
        },
      },
    });
    const result = await env.service.execute(apply(json));
    assert.deepEqual(JSON.parse(result.output ?? ""), { resourceTotal: 1, resourceChanged: 1 });
    const web = env.fake.get<Deployment>("apps/v1", "deployments", "shop", "web");
    assert.equal(web?.spec?.replicas, 4);
    assert.equal(web?.spec?.template.spec?.containers[0].image, "web:2");
  });
});

Deno.test("apply_manifests reports invalid objects one by one", async () => {
  await using env = await setup();
  const manifests = [
    "just a string",
    "kind: ConfigMap\nmetadata: {name: a}",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {}",
    "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: listed}}",
  ].join("\n---\n");
  const result = await env.service.execute(apply(manifests));
  assert.equal(result.success, true);
  assert.deepEqual(JSON.parse(result.output ?? ""), {
    resourceTotal: 4,
    resourceChanged: 1,
    errorMessage: "document is not an object; ConfigMap/a: apiVersion and kind are required; " +
      "ConfigMap/<no name>: metadata.name is required for apply",
  });
  assert.ok(env.fake.get("v1", "configmaps", "default", "listed"));
});

Deno.test("apply_manifests fails only without manifests, on bad YAML or when discovery fails", async () => {
  await using env = await setup();
  const missing = await env.service.execute(apply(undefined));
  assert.equal(missing.error, "invalid apply_manifests params: manifests is required");
  const blank = await env.service.execute(apply("  \n"));
  assert.equal(blank.error, "invalid apply_manifests params: manifests is required");
  const empty = await env.service.execute(apply("---\n---\n"));
  assert.equal(empty.error, "invalid apply_manifests params: manifests contains no objects");
  const broken = await env.service.execute(apply("a: [1, 2\nb: }"));
  assert.match(broken.error ?? "", /^failed to parse manifests: document 1: /);
  env.fake.failNext(1, 500, "/apis/apps/v1");
  const discovery = await env.service.execute(
    apply("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}"),
  );
  assert.equal(discovery.success, false);
  assert.match(discovery.error ?? "", /^discovery failed for apps\/v1: /);
  env.fake.forbid("configmaps", ["patch"]);
  const forbidden = await env.service.execute(apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}"));
  const output: ApplyManifestsResult = JSON.parse(forbidden.output ?? "");
  assert.equal(output.resourceChanged, 0);
  assert.match(output.errorMessage ?? "", /^ConfigMap\/c: forbidden: the agent may not patch configmaps/);
});
