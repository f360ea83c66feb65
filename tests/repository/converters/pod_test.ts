import assert from "node:assert/strict";
import { convertPod, REDACTED } from "../../../agent/repository/converters/mod.ts";
import { AFFINITY_CONFIGURED, ZERO_TIME } from "../../../model/mod.ts";
import { fixture } from "../../support/fixtures/mod.ts";

Deno.test("convertPod() counts ready containers against spec containers and sums restarts", () => {
  const running = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k"));
  assert.equal(running.status.ready, "2/2");
  assert.equal(running.status.restarts, 1);
  const unscheduled = convertPod(fixture("pods", "web-7d9c6b8f5d-pq7zn"));
  assert.equal(unscheduled.status.ready, "0/2");
  assert.equal(unscheduled.status.restarts, 0);
  const crashing = convertPod(fixture("pods", "batch-runner-7b5d9-zt8kq"));
  assert.equal(crashing.status.restarts, 4);
});

Deno.test("convertPod() sends an empty ready text for a pod without containers", () => {
  const pod = fixture("pods", "debug-shell");
  pod.spec = { ...pod.spec, containers: [] };
  assert.equal(convertPod(pod).status.ready, "");
});

Deno.test("convertPod() keeps the raw phase and excludes init containers from restarts", () => {
  const pod = convertPod(fixture("pods", "migrate-db-9sd8f"));
  assert.equal(pod.status.phase, "Succeeded");
  assert.equal(pod.status.restarts, 0);
  assert.equal(pod.initContainers?.[0].name, "wait-for-db");
});

Deno.test("convertPod() derives reason and message with sidecars last", async (t) => {
  await t.step("a running ready pod has no reason", () => {
    const pod = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k"));
    assert.equal(pod.status.reason, undefined);
    assert.equal(pod.status.message, undefined);
  });
  await t.step(
    "an app container's waiting reason overrides the Ready condition, even after a sidecar",
    () => {
      const pod = convertPod(fixture("pods", "api-5f6d7c8b9-qw2rt"));
      assert.equal(pod.status.reason, "ImagePullBackOff");
      assert.equal(pod.status.message, 'Back-off pulling image "registry.example.com/shop/api:2.4.0"');
    },
  );
  await t.step("the Ready condition's reason wins over a sidecar's (§10.1)", () => {
    const pod = convertPod(fixture("pods", "worker-6c4d8b7f9-abcde"));
    assert.equal(pod.status.reason, "ContainersNotReady");
    assert.equal(pod.status.message, "containers with unready status: [linkerd-proxy]");
  });
  await t.step("a sidecar's reason fills a still-empty reason", () => {
    const pod = convertPod(fixture("pods", "batch-runner-7b5d9-zt8kq"));
    assert.equal(pod.status.reason, "CrashLoopBackOff");
  });
  await t.step("a terminated reason explains a Failed pod", () => {
    const pod = convertPod(fixture("pods", "report-28912345-7xk2p"));
    assert.equal(pod.status.reason, "OOMKilled");
    assert.equal(pod.status.message, "Memory limit exceeded");
  });
  await t.step("a Succeeded pod keeps the Ready condition's reason", () => {
    assert.equal(convertPod(fixture("pods", "migrate-db-9sd8f")).status.reason, "PodCompleted");
  });
  await t.step("status.reason (Evicted) is not used", () => {
    const base = fixture("pods", "debug-shell");
    const raw = { ...base, status: { ...base.status, reason: "Evicted", phase: "Failed" } };
    assert.equal(convertPod(raw).status.reason, undefined);
  });
});

Deno.test("convertPod() merges spec containers with their status in spec order", () => {
  const pod = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k"));
  assert.deepEqual(pod.containers.map((c) => c.name), ["web", "linkerd-proxy"]);
  const web = pod.containers[0];
  assert.equal(web.image, "docker.io/library/nginx:1.27.1", "image comes from status");
  assert.equal(web.state, "running");
  assert.equal(web.ready, true);
  assert.equal(web.restartCount, 1);
  assert.equal(web.lastTerminationReason, "OOMKilled");
  assert.equal(web.lastTerminationTime, "2025-03-19T08:59:38Z");
  assert.deepEqual(web.requests, { cpu: "100m", memory: "128Mi" });
  assert.deepEqual(web.limits, { cpu: "500m", memory: "256Mi" });
  assert.deepEqual(web.command, ["/usr/local/bin/web"]);
  assert.equal(web.workingDir, "/app");
  const init = pod.initContainers?.[0];
  assert.equal(init?.state, "terminated");
  assert.equal(init?.stateReason, "Completed");
});

Deno.test("convertPod() reports waiting state and an empty state before any status", () => {
  const api = convertPod(fixture("pods", "api-5f6d7c8b9-qw2rt"));
  const app = api.containers.find((c) => c.name === "api");
  assert.equal(app?.state, "waiting");
  assert.equal(app?.stateReason, "ImagePullBackOff");
  const unscheduled = convertPod(fixture("pods", "web-7d9c6b8f5d-pq7zn"));
  assert.equal(unscheduled.containers[0].state, "");
  assert.equal(unscheduled.containers[0].ready, false);
  assert.equal(unscheduled.containers[0].image, "nginx:1.27.1", "image comes from spec without a status");
});

Deno.test("convertPod() reduces probes to type, numeric port and joined command", () => {
  const web = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k")).containers[0];
  assert.deepEqual(web.livenessProbe, {
    type: "httpGet",
    path: "/healthz",
    port: 8080,
    command: undefined,
    initialDelaySeconds: 10,
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(web.readinessProbe?.port, undefined, "a named port is omitted");
  assert.equal(web.startupProbe?.type, "exec");
  assert.equal(web.startupProbe?.command, "sh -c test -f /tmp/ready");
  const shell = convertPod(fixture("pods", "debug-shell")).containers[0];
  assert.equal(shell.livenessProbe?.type, "tcpSocket");
  assert.equal(shell.livenessProbe?.port, undefined);
  assert.equal(shell.readinessProbe?.type, "", "gRPC probes have no type");
});

Deno.test("convertPod() shortens env references and redacts sensitive literals by default", () => {
  const envs = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k")).containers[0].envs;
  assert.deepEqual(envs, [
    { name: "LOG_LEVEL", value: "info", valueFrom: undefined },
    { name: "DB_PASSWORD", value: REDACTED, valueFrom: undefined },
    { name: "API_TOKEN", value: REDACTED, valueFrom: undefined },
    { name: "AWS_SECRET_ACCESS_KEY", value: REDACTED, valueFrom: undefined },
    { name: "DB_HOST", value: undefined, valueFrom: "configmap:shop-config" },
    { name: "DB_USER", value: undefined, valueFrom: "secret:db-credentials" },
    { name: "POD_NAME", value: undefined, valueFrom: "field:metadata.name" },
    { name: "CPU_LIMIT", value: undefined, valueFrom: "resource:limits.cpu" },
  ]);
  const shell = convertPod(fixture("pods", "debug-shell")).containers[0].envs;
  assert.equal(
    shell?.find((e) => e.name === "EMPTY_VALUE")?.value,
    undefined,
    "an empty literal stays absent",
  );
});

Deno.test("convertPod() sends env literals as they are with redactEnv false", () => {
  const envs = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k"), { redactEnv: false }).containers[0].envs;
  assert.equal(envs?.find((e) => e.name === "DB_PASSWORD")?.value, "PLANTED-ENV-PASSWORD");
});

Deno.test("convertPod() reduces volumes to type and source", () => {
  const volumes = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k")).volumes;
  assert.deepEqual(volumes?.map((v) => [v.name, v.type, v.source]), [
    ["config", "ConfigMap", "shop-config"],
    ["creds", "Secret", "db-credentials"],
    ["cache", "EmptyDir", undefined],
    ["data", "PVC", "data-web"],
    ["logs", "HostPath", "/var/log/web"],
    ["kube-api-access-7xq2m", "Projected", undefined],
    ["podinfo", "DownwardAPI", undefined],
    ["nfs-share", "Other", undefined],
    ["linkerd-identity-end-entity", "EmptyDir", undefined],
  ]);
});

Deno.test("convertPod() marks configured affinities and keeps an empty affinity as {} (§10.7)", () => {
  const web = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k"));
  assert.deepEqual(JSON.parse(JSON.stringify(web.spec.affinity)), {
    nodeAffinity: AFFINITY_CONFIGURED,
    podAffinity: AFFINITY_CONFIGURED,
    podAntiAffinity: AFFINITY_CONFIGURED,
  });
  const shell = convertPod(fixture("pods", "debug-shell"));
  assert.equal(JSON.stringify(shell.spec.affinity), "{}");
  assert.equal(convertPod(fixture("pods", "kube-apiserver-cp-1")).spec.affinity, undefined);
});

Deno.test("convertPod() copies the spec fields the Master shows", () => {
  const shell = convertPod(fixture("pods", "debug-shell"));
  assert.equal(shell.spec.runtimeClassName, "gvisor");
  assert.deepEqual(shell.spec.imagePullSecrets, ["regcred"]);
  assert.deepEqual(shell.spec.nodeSelector, { "kubernetes.io/hostname": "worker-1" });
  const apiserver = convertPod(fixture("pods", "kube-apiserver-cp-1"));
  assert.equal(apiserver.spec.hostNetwork, true);
  assert.equal(apiserver.spec.priorityClassName, "system-node-critical");
  assert.equal(apiserver.spec.serviceAccountName, undefined);
  assert.deepEqual(apiserver.spec.tolerations, [
    {
      key: undefined,
      operator: "Exists",
      value: undefined,
      effect: "NoExecute",
      tolerationSeconds: undefined,
    },
  ]);
  const raw = fixture("pods", "debug-shell");
  raw.spec = { ...raw.spec, containers: raw.spec?.containers ?? [], terminationGracePeriodSeconds: 0 };
  assert.equal(convertPod(raw).spec.terminationGracePeriodSeconds, 0, "a Go *int64 keeps 0");
});

Deno.test("convertPod() reports the first owner reference and IPs", () => {
  const apiserver = convertPod(fixture("pods", "kube-apiserver-cp-1"));
  assert.equal(apiserver.summary.ownerKind, "Node");
  assert.equal(apiserver.summary.ownerName, "cp-1");
  const raw = fixture("pods", "web-7d9c6b8f5d-x2x9k");
  raw.metadata = {
    ...raw.metadata,
    ownerReferences: [
      { apiVersion: "v1", kind: "Custom", name: "first", uid: "1" },
      ...(raw.metadata?.ownerReferences ?? []),
    ],
  };
  assert.equal(convertPod(raw).summary.ownerKind, "Custom", "ownerReferences[0], not the controller");
  const web = convertPod(fixture("pods", "web-7d9c6b8f5d-x2x9k"));
  assert.deepEqual(web.status.podIPs, ["10.244.1.23", "fd00:10:244:1::23"]);
  assert.equal(web.summary.createdAt, "2025-03-18T09:30:00Z");
  assert.equal(web.summary.age, "", "age is filled at build");
});

Deno.test("convertPod() strips the last-applied annotation and keeps the others", () => {
  const shell = convertPod(fixture("pods", "debug-shell"));
  assert.deepEqual(shell.annotations, { team: "platform" });
  assert.ok(!JSON.stringify(shell).includes("PLANTED-LAST-APPLIED"));
});

Deno.test("convertPod() sends the zero time for a missing creation timestamp", () => {
  const raw = fixture("pods", "debug-shell");
  raw.metadata = { ...raw.metadata, creationTimestamp: undefined };
  assert.equal(convertPod(raw).summary.createdAt, ZERO_TIME);
});

Deno.test("convertPod() builds a new object and leaves its input untouched", () => {
  const raw = fixture("pods", "web-7d9c6b8f5d-x2x9k");
  const before = structuredClone(raw);
  const pod = convertPod(raw);
  assert.deepEqual(raw, before);
  assert.notEqual(pod.labels, raw.metadata?.labels);
  assert.ok(!("managedFields" in pod));
});
