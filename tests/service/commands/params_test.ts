import assert from "node:assert/strict";
import type { Command } from "../../../model/mod.ts";
import { KubeApiError } from "../../../agent/sdk/mod.ts";
import {
  describeError,
  mainContainer,
  ParamReader,
  ParamsError,
  requireName,
  requireNamespacedTarget,
  rfc3339Seconds,
  truncateBytes,
} from "../../../agent/service/commands/_params.ts";
import { checkPolicy, isProtectedNamespace } from "../../../agent/service/commands/_policy.ts";

function command(fields: Partial<Command>): Command {
  return { id: "c1", clusterId: "k", action: "scale", createdAt: "0001-01-01T00:00:00Z", ...fields };
}

Deno.test("ParamReader names the bad field and the expected type", () => {
  const params = new ParamReader("scale", { replicas: "3", flag: 1, name: 5 });
  assert.throws(
    () => params.requiredInteger("replicas", { min: 0, max: 10 }),
    new ParamsError("invalid scale params: replicas must be an integer between 0 and 10"),
  );
  assert.throws(() => params.boolean("flag"), /invalid scale params: flag must be a boolean/);
  assert.throws(() => params.string("name"), /invalid scale params: name must be a string/);
  assert.throws(() => params.requiredString("image"), /invalid scale params: image is required/);
  assert.throws(
    () => new ParamReader("scale", {}).requiredInteger("replicas", { min: 0, max: 10 }),
    /invalid scale params: replicas is required \(an integer between 0 and 10\)/,
  );
  assert.throws(() => new ParamReader("x", [1]), /invalid x params: params must be an object/);
  assert.throws(() => new ParamReader("x", { n: 1.5 }).integer("n"), /n must be an integer/);
  assert.throws(() => new ParamReader("x", { n: -1 }).integer("n", { min: 0 }), /n must be an integer >= 0/);
});

Deno.test("ParamReader accepts alternative spellings and treats null and empty as absent", () => {
  const params = new ParamReader("get_logs", { tail_lines: 50, container: "", previous: null });
  assert.equal(params.integer(["tailLines", "tail_lines"]), 50);
  assert.equal(params.string("container"), undefined);
  assert.equal(params.boolean("previous"), undefined);
  assert.equal(new ParamReader("x", undefined).string("a"), undefined);
});

Deno.test("requireNamespacedTarget reports which part of the target is missing", () => {
  assert.deepEqual(requireNamespacedTarget(command({ namespace: "ns", name: "a" })), {
    namespace: "ns",
    name: "a",
  });
  assert.throws(() => requireNamespacedTarget(command({})), /^ParamsError: namespace and name are required$/);
  assert.throws(() => requireNamespacedTarget(command({ name: "a" })), /namespace is required/);
  assert.throws(() => requireNamespacedTarget(command({ namespace: "ns", name: " " })), /name is required/);
  assert.throws(() => requireName(command({}), "node"), /name is required: the node to act on/);
});

Deno.test("checkPolicy refuses by allow-list, read-only mode, feature flags and protected namespaces", () => {
  assert.equal(checkPolicy({}, { action: "get_logs", namespace: "kube-system" }), undefined);
  assert.match(checkPolicy({ allowedActions: ["get_logs"] }, { action: "scale" }) ?? "", /not allowed/);
  assert.equal(checkPolicy({ allowedActions: [] }, { action: "scale", namespace: "a" }), undefined);
  assert.match(checkPolicy({ readOnly: true }, { action: "drain" }) ?? "", /read-only/);
  assert.equal(checkPolicy({ readOnly: true }, { action: "dynamic" }), undefined);
  assert.match(checkPolicy({}, { action: "get_secret" }) ?? "", /AGENT_ALLOW_SECRET_READ/);
  assert.equal(checkPolicy({ allowSecretRead: true }, { action: "get_secret" }), undefined);
  assert.match(checkPolicy({}, { action: "apply_manifests" }) ?? "", /AGENT_ALLOW_APPLY/);
  assert.match(
    checkPolicy({}, { action: "scale", namespace: "kube-system" }) ?? "",
    /"kube-system" is protected/,
  );
  // The setting adds to kube-system and the agent's own namespace; it never unprotects them.
  for (const namespace of ["kube-system", "atlhyper", "prod"]) {
    assert.match(
      checkPolicy({ protectedNamespaces: ["prod"], ownNamespace: "atlhyper" }, {
        action: "scale",
        namespace,
      }) ??
        "",
      new RegExp(`"${namespace}" is protected: .*kube-system and the agent's own namespace always are`),
    );
  }
  assert.equal(checkPolicy({ protectedNamespaces: [] }, { action: "scale", namespace: "shop" }), undefined);
  // Nodes are cluster-scoped: a stray namespace on a node command does not refuse it.
  assert.equal(checkPolicy({}, { action: "cordon", namespace: "kube-system" }), undefined);
  assert.equal(isProtectedNamespace({ protectedNamespaces: ["prod"] }, "prod"), true);
  assert.equal(isProtectedNamespace({}, undefined), false);
});

Deno.test("describeError turns 404 and 403 answers into readable messages", () => {
  const notFound = new KubeApiError({
    status: 404,
    method: "GET",
    path: "/apis/apps/v1/namespaces/shop/deployments/web/scale",
  });
  assert.equal(describeError(notFound), 'deployment "web" not found in namespace "shop"');
  const node = new KubeApiError({ status: 404, method: "PATCH", path: "/api/v1/nodes/n1" });
  assert.equal(describeError(node), 'node "n1" not found');
  const forbidden = new KubeApiError({
    status: 403,
    method: "POST",
    path: "/api/v1/namespaces/a/pods/p/eviction",
    message: "nope",
  });
  assert.match(
    describeError(forbidden),
    /^forbidden: the agent may not create pods\/eviction in namespace "a"/,
  );
  assert.match(describeError(forbidden), /RBAC/);
  const conflict = new KubeApiError({
    status: 409,
    method: "PUT",
    path: "/apis/networking.k8s.io/v1/namespaces/a/ingresses/i",
    message: "stale",
  });
  assert.equal(describeError(conflict), 'Cannot update ingress "i" in namespace "a": 409 stale');
  assert.equal(describeError("plain"), "plain");
});

Deno.test("truncateBytes cuts on a character boundary", () => {
  assert.equal(truncateBytes("abc", 10), "abc");
  assert.equal(truncateBytes("a".repeat(20), 5), "aaaaa");
  assert.equal(truncateBytes("aé".repeat(10), 4), "aéa");
  assert.equal(truncateBytes("€€", 4), "€");
});

Deno.test("rfc3339Seconds and mainContainer format and choose like the Go agent", () => {
  assert.equal(rfc3339Seconds(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), "2026-01-02T03:04:05Z");
  assert.equal(mainContainer([{ name: "linkerd-proxy" }, { name: "app" }])?.name, "app");
  assert.equal(mainContainer([{ name: "istio-proxy" }])?.name, "istio-proxy");
  assert.equal(mainContainer([]), undefined);
});
