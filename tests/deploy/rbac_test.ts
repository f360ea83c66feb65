/**
 * The deployment manifests against the code: the kustomizations render, the ClusterRoles grant exactly what
 * `requiredPermissions()` derives from the agent's requests (nothing less, nothing more, no wildcards), the opt-in
 * components, the HA and go-compatible overlays add exactly their rules and settings, and the Deployment is hardened.
 *
 * Rendering needs `kubectl` (with its built-in kustomize); without it those tests are skipped with a message.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { ConfigMap, Container, Service } from "kubernetes-types/core/v1.d.ts";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.d.ts";
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
} from "kubernetes-types/rbac/v1.d.ts";
import { loadConfig } from "../../agent/config.ts";
import { RESOURCES } from "../../agent/informer/mod.ts";
import { COMMAND_HANDLERS, type Permission, requiredPermissions } from "../../agent/service/commands/mod.ts";

const KUSTOMIZE_ROOT = new URL("../../deploy/kubernetes/", import.meta.url);
const NAMESPACE = "atlhyper";
const SERVICE_ACCOUNT = "atlhyper-agent";
/** Every kustomization that can be built on its own (components are rendered through `overlays/full`). */
const RENDERABLE = ["base", "overlays/ha", "overlays/full", "overlays/go-compatible"] as const;
type Renderable = typeof RENDERABLE[number];

/** A rendered object: enough of the shape to find it, the rest through the kubernetes-types casts below. */
interface KubeDoc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

async function hasKubectl(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("kubectl", {
      args: ["version", "--client"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

const KUBECTL = await hasKubectl();
if (!KUBECTL) {
  console.warn(
    "tests/deploy/rbac_test.ts: kubectl not found on PATH, skipping the rendering tests " +
      "(install kubectl >= 1.14, which includes kustomize, to run them)",
  );
}

const renders = new Map<Renderable, Promise<KubeDoc[]>>();

/** `kubectl kustomize deploy/kubernetes/<dir>`, parsed; rendered once per run. */
function render(dir: Renderable): Promise<KubeDoc[]> {
  let rendered = renders.get(dir);
  if (!rendered) {
    rendered = (async () => {
      const path = new URL(dir, KUSTOMIZE_ROOT).pathname;
      const { success, stdout, stderr } = await new Deno.Command("kubectl", { args: ["kustomize", path] })
        .output();
      const decoder = new TextDecoder();
      assert.ok(success, `kubectl kustomize ${dir} failed: ${decoder.decode(stderr)}`);
      const docs = parseAllDocuments(decoder.decode(stdout));
      return docs.map((doc, index) => {
        assert.deepEqual(doc.errors, [], `${dir}: document ${index + 1} does not parse`);
        return doc.toJS() as KubeDoc;
      });
    })();
    renders.set(dir, rendered);
  }
  return rendered;
}

function all<T>(docs: KubeDoc[], kind: string): T[] {
  return docs.filter((doc) => doc.kind === kind) as T[];
}

function one<T>(docs: KubeDoc[], kind: string, name?: string): T {
  const found = docs.filter((doc) =>
    doc.kind === kind && (name === undefined || doc.metadata?.name === name)
  );
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0] as T;
}

/** `group|resource|verb` of every grant; rules carrying a wildcard or non-resource URLs fail the test. */
function ruleTriples(rules: readonly PolicyRule[] | undefined, where: string): Set<string> {
  const triples = new Set<string>();
  for (const rule of rules ?? []) {
    assert.equal(rule.nonResourceURLs, undefined, `${where}: grants non-resource URLs`);
    for (const list of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames]) {
      assert.ok(
        !(list ?? []).some((entry) => entry.includes("*")),
        `${where}: wildcard in ${JSON.stringify(rule)}`,
      );
    }
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) triples.add(`${group}|${resource}|${verb}`);
      }
    }
  }
  return triples;
}

function permissionTriples(permissions: readonly Permission[]): Set<string> {
  const triples = new Set<string>();
  for (const { group, resource, verbs } of permissions) {
    for (const verb of verbs) triples.add(`${group}|${resource}|${verb}`);
  }
  return triples;
}

/** Exact set equality, reporting what is missing and what is extra. */
function assertSameGrants(actual: Set<string>, expected: Set<string>, where: string): void {
  const missing = [...expected].filter((triple) => !actual.has(triple)).sort();
  const extra = [...actual].filter((triple) => !expected.has(triple)).sort();
  assert.deepEqual(
    { missing, extra },
    { missing: [], extra: [] },
    `${where} differs from requiredPermissions() (group|resource|verb)`,
  );
}

function agentContainer(deployment: Deployment): Container {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  assert.equal(containers.length, 1, "the agent pod has one container");
  return containers[0];
}

/** The agent's settings as the pod sees them: the ConfigMap its envFrom references. */
function agentSettings(docs: KubeDoc[]): Record<string, string> {
  const deployment = one<Deployment>(docs, "Deployment", "atlhyper-agent");
  const ref = agentContainer(deployment).envFrom?.find((source) => source.configMapRef)?.configMapRef?.name;
  assert.ok(ref, "the Deployment takes its settings from a ConfigMap");
  return one<ConfigMap>(docs, "ConfigMap", ref).data ?? {};
}

// ---- requiredPermissions(): no kubectl needed ----------------------------------------------------------------

Deno.test("requiredPermissions() covers the informers, metrics, the cluster id and every handler", () => {
  const required = requiredPermissions();
  const base = permissionTriples(required.base);
  for (const resource of Object.values(RESOURCES)) {
    for (const verb of ["list", "watch"]) {
      assert.ok(base.has(`${resource.group}|${resource.plural}|${verb}`), `${verb} ${resource.plural}`);
    }
  }
  for (const triple of ["metrics.k8s.io|pods|list", "metrics.k8s.io|nodes|list", "|namespaces|get"]) {
    assert.ok(base.has(triple), triple);
  }
  const everything = new Set([
    ...base,
    ...permissionTriples(required.secretRead),
    ...permissionTriples(required.apply),
  ]);
  for (const handler of Object.values(COMMAND_HANDLERS)) {
    assert.ok(handler.permissions.length > 0, `${handler.action} declares its permissions`);
    for (const triple of permissionTriples(handler.permissions)) {
      assert.ok(everything.has(triple), `${handler.action}: ${triple}`);
    }
  }
  for (const list of Object.values(required)) {
    for (const permission of list as readonly Permission[]) {
      assert.ok(
        !permission.group.includes("*") && !permission.resource.includes("*"),
        JSON.stringify(permission),
      );
      assert.ok(!permission.verbs.includes("*"), JSON.stringify(permission));
    }
  }
});

Deno.test("requiredPermissions() keeps secret values and apply out of the base rules", () => {
  const required = requiredPermissions();
  const base = permissionTriples(required.base);
  assert.ok(!base.has("|secrets|get"), "the base role must not read single Secrets");
  assert.deepEqual([...permissionTriples(required.secretRead)].sort(), ["|secrets|get", "|secrets|list"]);
  for (const triple of permissionTriples(required.apply)) {
    assert.match(triple, /\|(create|patch)$/, "server-side apply needs create and patch only");
  }
  assert.ok(!base.has("apps|deployments|create"), "creating objects is apply's, not the base's");
  assert.deepEqual(
    [...permissionTriples(required.leaderElection)].sort(),
    [
      "coordination.k8s.io|leases|create",
      "coordination.k8s.io|leases|get",
      "coordination.k8s.io|leases|update",
    ],
  );
});

// ---- rendered manifests ----------------------------------------------------------------------------------------

Deno.test({
  name: "every kustomization renders, with unique objects in the atlhyper namespace",
  ignore: !KUBECTL,
  async fn() {
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);
    for (const dir of RENDERABLE) {
      const docs = await render(dir);
      assert.ok(docs.length > 0, `${dir} renders objects`);
      const ids = docs.map((doc) => `${doc.kind}/${doc.metadata?.namespace ?? ""}/${doc.metadata?.name}`);
      assert.equal(new Set(ids).size, ids.length, `${dir}: duplicate objects`);
      for (const doc of docs) {
        assert.ok(doc.apiVersion && doc.kind && doc.metadata?.name, `${dir}: incomplete object`);
        const expected = clusterScoped.has(doc.kind) ? undefined : NAMESPACE;
        assert.equal(
          doc.metadata.namespace,
          expected,
          `${dir}: namespace of ${doc.kind}/${doc.metadata.name}`,
        );
      }
      one<{ metadata: { name: string } }>(docs, "Namespace", NAMESPACE);
      one(docs, "ServiceAccount", SERVICE_ACCOUNT);
    }
  },
});

Deno.test({
  name: "the base ClusterRole grants exactly requiredPermissions().base",
  ignore: !KUBECTL,
  async fn() {
    const docs = await render("base");
    const roles = all<ClusterRole>(docs, "ClusterRole");
    assert.deepEqual(roles.map((role) => role.metadata?.name), ["atlhyper-agent"]);
    assert.deepEqual(all(docs, "Role"), [], "the base needs no namespaced Role");
    const granted = ruleTriples(roles[0].rules, "ClusterRole atlhyper-agent");
    assertSameGrants(granted, permissionTriples(requiredPermissions().base), "ClusterRole atlhyper-agent");
    for (const rule of roles[0].rules ?? []) {
      assert.equal(rule.resourceNames, undefined, "the base rules are not limited by name");
    }
    const binding = one<ClusterRoleBinding>(docs, "ClusterRoleBinding", "atlhyper-agent");
    assert.deepEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "atlhyper-agent",
    });
    assert.deepEqual(binding.subjects, [{
      kind: "ServiceAccount",
      name: SERVICE_ACCOUNT,
      namespace: NAMESPACE,
    }]);
  },
});

Deno.test({
  name: "the secret-read and apply components add exactly their rules and settings",
  ignore: !KUBECTL,
  async fn() {
    const base = await render("base");
    const full = await render("overlays/full");
    const required = requiredPermissions();
    const expectations = [
      {
        name: "atlhyper-agent-secret-read",
        permissions: required.secretRead,
        setting: "AGENT_ALLOW_SECRET_READ",
      },
      { name: "atlhyper-agent-apply", permissions: required.apply, setting: "AGENT_ALLOW_APPLY" },
    ];
    // The base role is untouched, and only the two component roles are added.
    assert.deepEqual(
      one<ClusterRole>(full, "ClusterRole", "atlhyper-agent"),
      one<ClusterRole>(base, "ClusterRole", "atlhyper-agent"),
    );
    assert.deepEqual(
      all<ClusterRole>(full, "ClusterRole").map((role) => role.metadata?.name).sort(),
      ["atlhyper-agent", ...expectations.map((e) => e.name)].sort(),
    );
    const baseSettings = agentSettings(base);
    const fullSettings = agentSettings(full);
    for (const { name, permissions, setting } of expectations) {
      const role = one<ClusterRole>(full, "ClusterRole", name);
      assertSameGrants(ruleTriples(role.rules, `ClusterRole ${name}`), permissionTriples(permissions), name);
      const binding = one<ClusterRoleBinding>(full, "ClusterRoleBinding", name);
      assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name });
      assert.deepEqual(binding.subjects, [{
        kind: "ServiceAccount",
        name: SERVICE_ACCOUNT,
        namespace: NAMESPACE,
      }]);
      assert.equal(baseSettings[setting], "false", `${setting} is off in the base`);
      assert.equal(fullSettings[setting], "true", `${setting} is on with the component`);
    }
    // Nothing else in the settings changes.
    const { AGENT_ALLOW_SECRET_READ: _s, AGENT_ALLOW_APPLY: _a, ...restFull } = fullSettings;
    const { AGENT_ALLOW_SECRET_READ: _bs, AGENT_ALLOW_APPLY: _ba, ...restBase } = baseSettings;
    assert.deepEqual(restFull, restBase);
  },
});

Deno.test({
  name: "the go-compatible overlay enables secret reads, apply and plain env values, and nothing else",
  ignore: !KUBECTL,
  async fn() {
    const base = await render("base");
    const full = await render("overlays/full");
    const go = await render("overlays/go-compatible");
    // Exactly the rules of the two opt-in components (checked against requiredPermissions() above), no more.
    const roles = (docs: KubeDoc[]) =>
      all<ClusterRole>(docs, "ClusterRole").sort((a, b) =>
        String(a.metadata?.name).localeCompare(b.metadata?.name ?? "")
      );
    assert.deepEqual(roles(go), roles(full));
    assert.deepEqual(all(go, "Role"), [], "no namespaced Role");
    const settings = agentSettings(go);
    const { AGENT_ALLOW_SECRET_READ, AGENT_ALLOW_APPLY, AGENT_REDACT_ENV, ...rest } = settings;
    assert.deepEqual(
      { AGENT_ALLOW_SECRET_READ, AGENT_ALLOW_APPLY, AGENT_REDACT_ENV },
      { AGENT_ALLOW_SECRET_READ: "true", AGENT_ALLOW_APPLY: "true", AGENT_REDACT_ENV: "false" },
    );
    const baseSettings = agentSettings(base);
    const { AGENT_ALLOW_SECRET_READ: _s, AGENT_ALLOW_APPLY: _a, AGENT_REDACT_ENV: _r, ...baseRest } =
      baseSettings;
    assert.deepEqual(rest, baseRest, "every other setting is the base's (protected namespaces included)");
    const config = loadConfig(settings);
    assert.equal(config.allowSecretRead, true);
    assert.equal(config.allowApply, true);
    assert.equal(config.redactEnv, false);
    assert.equal(loadConfig(baseSettings).redactEnv, true, "the base redacts");
  },
});

Deno.test({
  name: "the HA overlay adds the Lease Role, leader election, two spread replicas and a PDB",
  ignore: !KUBECTL,
  async fn() {
    const docs = await render("overlays/ha");
    const role = one<Role>(docs, "Role", "atlhyper-agent-leader-election");
    assert.equal(role.metadata?.namespace, NAMESPACE, "Leases only in the agent's own namespace");
    assertSameGrants(
      ruleTriples(role.rules, "Role atlhyper-agent-leader-election"),
      permissionTriples(requiredPermissions().leaderElection),
      "Role atlhyper-agent-leader-election",
    );
    const settings = agentSettings(docs);
    const config = loadConfig(settings);
    assert.equal(config.leaderElection, true);
    assert.equal(config.leaderElectionNamespace, "", "the Lease lives in the agent's own namespace");
    for (const rule of role.rules ?? []) {
      // `create` cannot be limited by name; everything else is limited to the agent's Lease.
      if (rule.verbs.includes("create")) assert.deepEqual(rule.verbs, ["create"]);
      else {assert.deepEqual(
          rule.resourceNames,
          [config.leaderElectionName],
          "the Role names the agent's Lease",
        );}
    }
    const binding = one<RoleBinding>(docs, "RoleBinding", "atlhyper-agent-leader-election");
    assert.equal(binding.metadata?.namespace, NAMESPACE);
    assert.deepEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "atlhyper-agent-leader-election",
    });
    assert.deepEqual(binding.subjects, [{
      kind: "ServiceAccount",
      name: SERVICE_ACCOUNT,
      namespace: NAMESPACE,
    }]);

    const deployment = one<Deployment>(docs, "Deployment", "atlhyper-agent");
    assert.equal(deployment.spec?.replicas, 2);
    const env = agentContainer(deployment).env ?? [];
    assert.equal(
      env.find((e) => e.name === "AGENT_POD_NAME")?.valueFrom?.fieldRef?.fieldPath,
      "metadata.name",
      "each replica has its own Lease identity",
    );
    const podLabels = deployment.spec?.template.metadata?.labels ?? {};
    const anti = deployment.spec?.template.spec?.affinity?.podAntiAffinity
      ?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    assert.equal(anti.length, 1);
    assert.equal(anti[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
    for (const [key, value] of Object.entries(anti[0].podAffinityTerm.labelSelector?.matchLabels ?? {})) {
      assert.equal(podLabels[key], value, "the anti-affinity selects the agent's own pods");
    }

    const pdb = one<PodDisruptionBudget>(docs, "PodDisruptionBudget", "atlhyper-agent");
    assert.equal(pdb.spec?.minAvailable, 1);
    assert.ok(Object.keys(pdb.spec?.selector?.matchLabels ?? {}).length > 0);
    for (const [key, value] of Object.entries(pdb.spec?.selector?.matchLabels ?? {})) {
      assert.equal(podLabels[key], value, "the PDB selects the agent's pods");
    }
    // The cluster-wide rules are the base's: HA adds no cluster-wide right.
    const base = await render("base");
    assert.deepEqual(all<ClusterRole>(docs, "ClusterRole"), all<ClusterRole>(base, "ClusterRole"));
  },
});

Deno.test({
  name: "the Deployment has probes, a hardened securityContext, resources and its settings",
  ignore: !KUBECTL,
  async fn() {
    for (const dir of RENDERABLE) {
      const docs = await render(dir);
      const deployment = one<Deployment>(docs, "Deployment", "atlhyper-agent");
      const pod = deployment.spec?.template.spec;
      assert.ok(pod);
      assert.equal(pod.serviceAccountName, SERVICE_ACCOUNT);
      assert.equal(pod.automountServiceAccountToken, true);
      assert.deepEqual(pod.securityContext?.seccompProfile, { type: "RuntimeDefault" });
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.runAsUser, 65532);
      assert.equal(pod.hostNetwork ?? false, false);
      assert.equal(pod.hostPID ?? false, false);

      const container = agentContainer(deployment);
      assert.equal(container.image, "atlhyper/atlhyper-agent:0.1.0");
      assert.deepEqual(container.ports, [{ name: "health", containerPort: 8082, protocol: "TCP" }]);
      assert.deepEqual(container.livenessProbe?.httpGet, { path: "/healthz", port: "health" });
      assert.deepEqual(container.readinessProbe?.httpGet, { path: "/readyz", port: "health" });
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
      assert.equal(container.securityContext?.privileged ?? false, false);
      assert.deepEqual(container.securityContext?.capabilities, { drop: ["ALL"] });
      assert.deepEqual(container.resources, {
        requests: { cpu: "50m", memory: "160Mi" },
        limits: { cpu: "500m", memory: "256Mi" },
      });

      const env = new Map((container.env ?? []).map((e) => [e.name, e]));
      assert.equal(env.get("AGENT_POD_NAME")?.valueFrom?.fieldRef?.fieldPath, "metadata.name");
      assert.equal(env.get("POD_NAMESPACE")?.valueFrom?.fieldRef?.fieldPath, "metadata.namespace");
      const secretRef = container.envFrom?.find((source) => source.secretRef)?.secretRef;
      assert.deepEqual(secretRef, { name: "atlhyper-agent-master-token", optional: true });
      one(docs, "Secret", "atlhyper-agent-master-token");

      // The settings are a valid agent configuration pointing at the Master's service.
      const settings = agentSettings(docs);
      assert.equal(settings.AGENT_CLUSTER_ID, "", "the cluster id defaults to the kube-system UID");
      const config = loadConfig(settings);
      assert.equal(config.masterUrl.replace(/\/$/, ""), "http://atlhyper-controller:8081");
      assert.equal(config.healthAddr, ":8082", "the probes and the Service use the health listener");

      const service = one<Service>(docs, "Service", "atlhyper-agent");
      assert.equal(service.spec?.type, "ClusterIP");
      assert.deepEqual(
        service.spec?.ports?.map((p) => [p.port, p.targetPort]),
        [[8082, "health"]],
      );
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      for (const [key, value] of Object.entries(service.spec?.selector ?? {})) {
        assert.equal(podLabels[key], value, "the Service selects the agent's pods");
      }
    }
  },
});

Deno.test({
  name: "no binding anywhere grants cluster-admin or a role outside the manifests",
  ignore: !KUBECTL,
  async fn() {
    const builtIn = new Set(["cluster-admin", "admin", "edit", "view"]);
    for (const dir of RENDERABLE) {
      const docs = await render(dir);
      const clusterRoles = new Set(all<ClusterRole>(docs, "ClusterRole").map((r) => r.metadata?.name));
      const roles = new Set(all<Role>(docs, "Role").map((r) => r.metadata?.name));
      const bindings = [
        ...all<ClusterRoleBinding>(docs, "ClusterRoleBinding"),
        ...all<RoleBinding>(docs, "RoleBinding"),
      ];
      assert.ok(bindings.length > 0);
      for (const binding of bindings) {
        const where = `${dir}: ${binding.kind} ${binding.metadata?.name}`;
        assert.ok(!builtIn.has(binding.roleRef.name), `${where} binds ${binding.roleRef.name}`);
        const defined = binding.roleRef.kind === "ClusterRole" ? clusterRoles : roles;
        assert.ok(
          defined.has(binding.roleRef.name),
          `${where} refers to a role these manifests do not define`,
        );
        for (const subject of binding.subjects ?? []) {
          assert.deepEqual(
            subject,
            { kind: "ServiceAccount", name: SERVICE_ACCOUNT, namespace: NAMESPACE },
            where,
          );
        }
      }
      for (const role of [...all<ClusterRole>(docs, "ClusterRole"), ...all<Role>(docs, "Role")]) {
        const where = `${dir}: ${role.kind} ${role.metadata?.name}`;
        ruleTriples(role.rules, where);
        assert.equal((role as ClusterRole).aggregationRule, undefined, `${where} aggregates other roles`);
        for (const rule of role.rules ?? []) {
          for (const verb of ["escalate", "bind", "impersonate"]) {
            assert.ok(!rule.verbs.includes(verb), `${where} grants ${verb}`);
          }
        }
      }
    }
  },
});

Deno.test({
  name:
    "the namespace enforces Pod Security restricted; the NetworkPolicy component opens only the metrics port",
  ignore: !KUBECTL,
  async fn() {
    for (const dir of RENDERABLE) {
      const docs = await render(dir);
      const namespace = one<KubeDoc>(docs, "Namespace", NAMESPACE);
      for (const mode of ["enforce", "warn", "audit"]) {
        assert.equal(
          namespace.metadata?.labels?.[`pod-security.kubernetes.io/${mode}`],
          "restricted",
          `${dir} ${mode}`,
        );
      }
    }
    const docs = await render("overlays/full");
    const policy = one<KubeDoc & { spec: Record<string, unknown> }>(
      docs,
      "NetworkPolicy",
      "atlhyper-agent-metrics",
    );
    assert.deepEqual(policy.spec, {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "atlhyper-agent" } },
      policyTypes: ["Ingress"],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        ports: [{ protocol: "TCP", port: 8082 }],
      }],
    });
    const podLabels = one<Deployment>(docs, "Deployment", "atlhyper-agent").spec?.template.metadata?.labels ??
      {};
    assert.equal(
      podLabels["app.kubernetes.io/name"],
      "atlhyper-agent",
      "the policy selects the agent's pods",
    );
    assert.equal(
      (await render("base")).filter((doc) => doc.kind === "NetworkPolicy").length,
      0,
      "opt-in only",
    );
  },
});

Deno.test({
  name: "deploy/README.md's own-overlay example renders: your image, your setting, your pull secret",
  ignore: !KUBECTL,
  async fn() {
    const readme = await Deno.readTextFile(new URL("../README.md", KUSTOMIZE_ROOT));
    const example = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((block) =>
      block.includes("images:")
    );
    assert.ok(example, "deploy/README.md shows an overlay with images:");
    // The example sits in deploy/kubernetes/overlays/mine; a temporary folder two levels deep stands in for it,
    // its `../../base` pointed at the real base (kustomize accepts relative paths only).
    const tmp = await Deno.makeTempDir();
    try {
      const dir = `${tmp}/overlays/mine`;
      await Deno.mkdir(dir, { recursive: true });
      const base = new URL("base", KUSTOMIZE_ROOT).pathname;
      const relativeBase = `${"../".repeat(dir.split("/").filter(Boolean).length)}${base.replace(/^\//, "")}`;
      await Deno.writeTextFile(`${dir}/kustomization.yaml`, example.replace("../../base", relativeBase));
      const { success, stdout, stderr } = await new Deno.Command("kubectl", { args: ["kustomize", dir] })
        .output();
      const decoder = new TextDecoder();
      assert.ok(success, decoder.decode(stderr));
      const docs = parseAllDocuments(decoder.decode(stdout)).map((doc) => doc.toJS() as KubeDoc);
      const deployment = one<Deployment>(docs, "Deployment", "atlhyper-agent");
      assert.equal(agentContainer(deployment).image, "registry.example.com/platform/atlhyper-agent:0.1.0");
      assert.equal(agentSettings(docs).AGENT_CLUSTER_ID, "prod-eu-1");
      assert.equal(
        agentSettings(docs).AGENT_MASTER_URL,
        "http://atlhyper-controller:8081",
        "merged, not replaced",
      );
      const account = one<{ imagePullSecrets?: { name: string }[] }>(docs, "ServiceAccount", SERVICE_ACCOUNT);
      assert.deepEqual(account.imagePullSecrets, [{ name: "my-registry" }]);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
