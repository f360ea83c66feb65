import assert from "node:assert/strict";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { Command } from "../../../model/mod.ts";
import type { CommandServiceOptions } from "../../../agent/service/commands/mod.ts";
import { RESTARTED_AT_ANNOTATION } from "../../../agent/service/commands/restart.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { type CommandTestEnv, startCommandService } from "./_setup.ts";

function setup(options: CommandServiceOptions = {}): Promise<CommandTestEnv> {
  return startCommandService({ clock: new FakeClock(Date.UTC(2026, 4, 6, 7, 8, 9)), service: options });
}

let nextId = 0;
function command(fields: Partial<Command>): Command {
  return {
    id: `d-${++nextId}`,
    clusterId: "test",
    action: "scale",
    createdAt: "0001-01-01T00:00:00Z",
    ...fields,
  };
}

function deployment(
  name: string,
  namespace: string,
  containers: { name: string; image: string }[],
): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers } },
    },
  };
}

function stored(
  fake: Awaited<ReturnType<typeof setup>>["fake"],
  namespace: string,
  name: string,
): Deployment {
  const found = fake.get<Deployment>("apps/v1", "deployments", namespace, name);
  assert.ok(found, `deployment ${namespace}/${name} exists`);
  return found;
}

Deno.test("scale sets spec.replicas through the scale subresource", async () => {
  await using env = await setup();
  env.fake.apply(deployment("web", "shop", [{ name: "app", image: "web:1" }]));
  const result = await env.service.execute(
    command({ kind: "Deployment", namespace: "shop", name: "web", params: { replicas: 5 } }),
  );
  assert.deepEqual([result.success, result.output, result.error], [true, "", undefined]);
  assert.equal(stored(env.fake, "shop", "web").spec?.replicas, 5);
  const paths = env.fake.requests.map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(paths, [
    "GET /apis/apps/v1/namespaces/shop/deployments/web/scale",
    "PUT /apis/apps/v1/namespaces/shop/deployments/web/scale",
  ]);
  const zero = await env.service.execute(
    command({ namespace: "shop", name: "web", params: { replicas: 0 } }),
  );
  assert.equal(zero.success, true);
  assert.equal(stored(env.fake, "shop", "web").spec?.replicas, 0);
});

Deno.test("scale reports a missing deployment and a forbidden update readably", async () => {
  await using env = await setup();
  const missing = await env.service.execute(
    command({ namespace: "shop", name: "nope", params: { replicas: 1 } }),
  );
  assert.equal(missing.error, 'deployment "nope" not found in namespace "shop"');
  env.fake.apply(deployment("web", "shop", [{ name: "app", image: "web:1" }]));
  env.fake.forbid("deployments/scale", ["update"]);
  const forbidden = await env.service.execute(
    command({ namespace: "shop", name: "web", params: { replicas: 3 } }),
  );
  assert.equal(forbidden.success, false);
  assert.match(
    forbidden.error ?? "",
    /^forbidden: the agent may not update deployments\.apps\/scale in namespace "shop"/,
  );
  assert.equal(stored(env.fake, "shop", "web").spec?.replicas, 2);
});

Deno.test("restart stamps the pod template with kubectl's restartedAt annotation", async () => {
  await using env = await setup();
  env.fake.apply(deployment("web", "shop", [{ name: "app", image: "web:1" }]));
  const result = await env.service.execute(command({ action: "restart", namespace: "shop", name: "web" }));
  assert.deepEqual([result.success, result.output], [true, ""]);
  const annotations = stored(env.fake, "shop", "web").spec?.template.metadata?.annotations;
  assert.equal(annotations?.[RESTARTED_AT_ANNOTATION], "2026-05-06T07:08:09Z");
  const missing = await env.service.execute(command({ action: "restart", namespace: "shop", name: "gone" }));
  assert.equal(missing.error, 'deployment "gone" not found in namespace "shop"');
});

Deno.test("update_image changes the named container or the first non-sidecar one", async (t) => {
  await using env = await setup();
  env.fake.apply(
    deployment("web", "shop", [
      { name: "linkerd-proxy", image: "proxy:1" },
      { name: "app", image: "web:1" },
      { name: "worker", image: "worker:1" },
    ]),
  );
  const images = () => stored(env.fake, "shop", "web").spec?.template.spec?.containers.map((c) => c.image);

  await t.step("the named container", async () => {
    const result = await env.service.execute(
      command({
        action: "update_image",
        namespace: "shop",
        name: "web",
        params: { container: "worker", image: "w:2" },
      }),
    );
    assert.deepEqual([result.success, result.output], [true, ""]);
    assert.deepEqual(images(), ["proxy:1", "web:1", "w:2"]);
  });

  await t.step("the first non-sidecar container when none is named", async () => {
    const result = await env.service.execute(
      command({ action: "update_image", namespace: "shop", name: "web", params: { image: "web:2" } }),
    );
    assert.equal(result.success, true);
    assert.deepEqual(images(), ["proxy:1", "web:2", "w:2"]);
  });

  await t.step("an unknown container or a missing image is an error", async () => {
    const unknown = await env.service.execute(
      command({
        action: "update_image",
        namespace: "shop",
        name: "web",
        params: { container: "db", image: "x" },
      }),
    );
    assert.equal(unknown.error, "container db not found in deployment web");
    const noImage = await env.service.execute(
      command({ action: "update_image", namespace: "shop", name: "web", params: { container: "app" } }),
    );
    assert.equal(noImage.error, "invalid update_image params: image is required");
    assert.deepEqual(images(), ["proxy:1", "web:2", "w:2"]);
  });
});

Deno.test("mutations are refused in read-only mode and in protected namespaces without touching the cluster", async () => {
  await using env = await setup({ readOnly: false, protectedNamespaces: ["kube-system", "prod"] });
  env.fake.apply(deployment("web", "prod", [{ name: "app", image: "web:1" }]));
  env.fake.resetRequestLog();
  const result = await env.service.execute(
    command({ namespace: "prod", name: "web", params: { replicas: 9 } }),
  );
  assert.match(result.error ?? "", /namespace "prod" is protected/);
  assert.equal(env.fake.requests.length, 0);
  await using readOnly = await setup({ readOnly: true });
  readOnly.fake.apply(deployment("web", "shop", [{ name: "app", image: "web:1" }]));
  readOnly.fake.resetRequestLog();
  for (const action of ["scale", "restart", "update_image"]) {
    const refused = await readOnly.service.execute(
      command({ action, namespace: "shop", name: "web", params: { replicas: 9, image: "x:2" } }),
    );
    assert.match(refused.error ?? "", /read-only/);
  }
  assert.equal(readOnly.fake.requests.length, 0);
  assert.equal(stored(env.fake, "prod", "web").spec?.replicas, 2);
});

Deno.test("a command exceeding its deadline fails with a timeout while the API server is slow", async () => {
  await using env = await setup({ clock: undefined, commandTimeoutMs: 100 });
  env.fake.apply(deployment("web", "shop", [{ name: "app", image: "web:1" }]));
  env.fake.setLatency(2_000);
  const started = Date.now();
  const result = await env.service.execute(
    command({ namespace: "shop", name: "web", params: { replicas: 3 } }),
  );
  assert.equal(result.error, "command timed out after 100ms");
  assert.ok(Date.now() - started < 1_500);
  env.fake.setLatency(0);
});
