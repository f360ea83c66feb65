import assert from "node:assert/strict";
import {
  convertCronJob,
  convertDaemonSet,
  convertDeployment,
  convertJob,
  convertReplicaSet,
  convertStatefulSet,
  REDACTED,
} from "../../../agent/repository/converters/mod.ts";
import { ZERO_TIME } from "../../../model/mod.ts";
import { fixture } from "../../support/fixtures/mod.ts";

Deno.test("convertDeployment() summarises replicas, strategy and selector", () => {
  const web = convertDeployment(fixture("deployments", "web"));
  assert.deepEqual(JSON.parse(JSON.stringify(web.summary)), {
    name: "web",
    namespace: "shop",
    strategy: "RollingUpdate",
    replicas: 3,
    updated: 3,
    ready: 3,
    available: 3,
    createdAt: "2025-02-01T12:00:00Z",
    age: "",
    selector: "app=web",
  });
  assert.deepEqual(web.spec.strategy, {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
  });
  assert.equal(web.spec.revisionHistoryLimit, 10);
  assert.equal(web.spec.progressDeadlineSeconds, 600);
  const api = convertDeployment(fixture("deployments", "api"));
  assert.deepEqual(
    api.spec.strategy?.rollingUpdate,
    { maxUnavailable: "0", maxSurge: "1" },
    "IntOrString as text",
  );
  assert.equal(api.summary.paused, true);
  assert.equal(api.summary.unavailable, 2);
  assert.equal(api.status.collisionCount, 0, "a Go *int32 keeps 0");
  assert.deepEqual(api.spec.selector?.matchExpressions, [{
    key: "tier",
    operator: "In",
    values: ["backend", "api"],
  }]);
});

Deno.test("convertDeployment() sends 0 replicas when unset and always a strategy", () => {
  const base = fixture("deployments", "web");
  const raw = {
    ...base,
    spec: { selector: {}, template: {}, ...base.spec, replicas: undefined, strategy: undefined },
  };
  const d = convertDeployment(raw);
  assert.equal(d.summary.replicas, 0);
  assert.equal(d.spec.replicas, undefined);
  assert.deepEqual(d.spec.strategy, { type: "", rollingUpdate: undefined });
});

Deno.test("convertDeployment() walks the conditions into a rollout phase and badges", async (t) => {
  await t.step("Available and Progressing", () => {
    assert.deepEqual(convertDeployment(fixture("deployments", "web")).rollout, {
      phase: "Available",
      message: 'ReplicaSet "web-7d9c6b8f5d" has successfully progressed.',
      badges: ["Available", "Progressing"],
    });
  });
  await t.step("ProgressDeadlineExceeded fails, Paused is a badge", () => {
    assert.deepEqual(convertDeployment(fixture("deployments", "api")).rollout, {
      phase: "Failed",
      message: 'ReplicaSet "api-5f6d7c8b9" has timed out progressing.',
      badges: ["Failed", "Paused"],
    });
  });
  await t.step("ReplicaFailure fails after Available", () => {
    const rollout = convertDeployment(fixture("deployments", "coredns")).rollout;
    assert.equal(rollout?.phase, "Failed");
    assert.deepEqual(rollout?.badges, ["Available", "Progressing", "ReplicaFailure"]);
  });
  await t.step("no conditions is Unknown without badges", () => {
    const base = fixture("deployments", "web");
    const raw = { ...base, status: { ...base.status, conditions: [] } };
    assert.deepEqual(convertDeployment(raw).rollout, {
      phase: "Unknown",
      message: undefined,
      badges: undefined,
    });
  });
});

Deno.test("convertDeployment() keeps template metadata, drops last-applied, keeps condition times", () => {
  const web = convertDeployment(fixture("deployments", "web"));
  assert.deepEqual(web.template.labels, { app: "web" });
  assert.deepEqual(web.template.annotations, {
    "kubectl.kubernetes.io/restartedAt": "2025-03-18T09:29:55Z",
    "linkerd.io/inject": "enabled",
  });
  assert.deepEqual(web.annotations, { "deployment.kubernetes.io/revision": "7" });
  assert.equal(web.template.containers[0].envs?.find((e) => e.name === "DB_PASSWORD")?.value, REDACTED);
  assert.equal(web.status.conditions?.[0].lastUpdateTime, "2025-03-18T09:31:00Z");
  const base = fixture("deployments", "web");
  const raw = { ...base, status: { ...base.status, conditions: [{ type: "Available", status: "True" }] } };
  assert.equal(convertDeployment(raw).status.conditions?.[0].lastUpdateTime, ZERO_TIME);
});

Deno.test("convertStatefulSet() derives the rollout like Go, Degraded unreachable (§10.2)", async (t) => {
  await t.step("complete", () => {
    const sts = convertStatefulSet(fixture("statefulSets", "postgres"));
    assert.deepEqual(sts.rollout, { phase: "Complete", message: undefined, badges: undefined });
  });
  await t.step("updating with a new revision", () => {
    const sts = convertStatefulSet(fixture("statefulSets", "redis"));
    assert.deepEqual(sts.rollout, {
      phase: "Progressing",
      message: "Rolling update in progress",
      badges: ["Updating", "NewRevision"],
    });
  });
  await t.step("nothing ready is Scaling, not Degraded", () => {
    const sts = convertStatefulSet(fixture("statefulSets", "zookeeper"));
    assert.deepEqual(sts.rollout, {
      phase: "Progressing",
      message: "Waiting for pods to be ready",
      badges: ["Scaling"],
    });
  });
});

Deno.test("convertStatefulSet() defaults replicas to 1 and reduces the spec", () => {
  const base = fixture("statefulSets", "postgres");
  const raw = {
    ...base,
    spec: { selector: {}, template: {}, serviceName: "", ...base.spec, replicas: undefined },
  };
  assert.equal(convertStatefulSet(raw).summary.replicas, 1);
  const sts = convertStatefulSet(fixture("statefulSets", "postgres"));
  assert.equal(sts.summary.serviceName, "postgres");
  assert.equal(sts.summary.selector, "app=postgres");
  assert.deepEqual(sts.spec.updateStrategy, {
    type: "RollingUpdate",
    partition: 0,
    maxUnavailable: undefined,
    maxSurge: undefined,
  });
  assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, {
    whenDeleted: "Retain",
    whenScaled: "Retain",
  });
  assert.deepEqual(JSON.parse(JSON.stringify(sts.spec.volumeClaimTemplates)), [
    {
      name: "data",
      accessModes: ["ReadWriteOnce"],
      storageClass: "standard",
      storage: "10Gi",
      selector: { tier: "db" },
    },
  ]);
  assert.equal(sts.template.labels, undefined, "only Deployments send template metadata");
  assert.equal(sts.template.containers[0].envs?.[0].valueFrom, "secret:db-credentials");
});

Deno.test("convertDaemonSet() adds Misscheduled and Unavailable badges", () => {
  const proxy = convertDaemonSet(fixture("daemonSets", "kube-proxy"));
  assert.deepEqual(proxy.rollout, {
    phase: "Progressing",
    message: "Waiting for pods to be ready",
    badges: ["Scaling", "Misscheduled", "Unavailable"],
  });
  assert.equal(proxy.summary.numberMisscheduled, 1);
  assert.deepEqual(proxy.spec.updateStrategy, {
    type: "RollingUpdate",
    partition: undefined,
    maxUnavailable: "1",
    maxSurge: "0",
  });
  const exporter = convertDaemonSet(fixture("daemonSets", "node-exporter"));
  assert.equal(exporter.rollout?.phase, "Complete");
  assert.equal(exporter.summary.numberUnavailable, 0, "summary counters are always sent");
  assert.equal(exporter.status.numberUnavailable, undefined, "status counters are omitempty");
  assert.equal(exporter.template.hostNetwork, true);
});

Deno.test("convertReplicaSet() reports the first owner and defaults replicas to 1 (§10.8)", () => {
  const rs = convertReplicaSet(fixture("replicaSets", "web-7d9c6b8f5d"));
  assert.equal(rs.kind, "ReplicaSet");
  assert.equal(rs.ownerKind, "Deployment");
  assert.equal(rs.ownerName, "web");
  assert.equal(rs.replicas, 3);
  assert.deepEqual(rs.selector, { app: "web", "pod-template-hash": "7d9c6b8f5d" });
  const orphan = convertReplicaSet(fixture("replicaSets", "legacy-frontend"));
  assert.equal(orphan.replicas, 1);
  assert.equal(orphan.readyReplicas, 0);
  assert.equal(orphan.ownerKind, undefined);
});

Deno.test("convertJob() marks only jobs with a completion time complete", () => {
  const failed = convertJob(fixture("jobs", "report-28912345"));
  assert.equal(failed.complete, false);
  assert.equal(failed.failed, 1);
  assert.equal(failed.backoffLimit, 0, "a Go *int32 keeps 0");
  assert.equal(failed.ownerKind, "CronJob");
  assert.equal(failed.startTime, "2025-03-20T03:00:00Z");
  assert.equal(failed.finishTime, undefined);
  assert.deepEqual(failed.conditions, [{
    type: "Failed",
    status: "True",
    reason: "BackoffLimitExceeded",
    message: "Job has reached the specified backoff limit",
    lastUpdateTime: undefined,
    lastTransitionTime: "2025-03-20T03:01:20Z",
  }]);
  const done = convertJob(fixture("jobs", "migrate-db"));
  assert.equal(done.complete, true);
  assert.equal(done.finishTime, "2025-03-10T07:01:05Z");
  assert.equal(done.template.containers[0].image, "registry.example.com/shop/migrate:1.0.0");
});

Deno.test("convertCronJob() counts active jobs and uses the job template", () => {
  const cron = convertCronJob(fixture("cronJobs", "report"));
  assert.equal(cron.kind, "CronJob");
  assert.equal(cron.schedule, "0 3 * * *");
  assert.equal(cron.suspend, false);
  assert.equal(cron.concurrencyPolicy, "Forbid");
  assert.equal(cron.activeJobs, 1);
  assert.equal(cron.successfulJobsHistoryLimit, 3);
  assert.equal(cron.failedJobsHistoryLimit, 1);
  assert.equal(cron.lastScheduleTime, "2025-03-20T03:00:00Z");
  assert.equal(cron.lastSuccessfulTime, "2025-03-19T03:02:11Z");
  assert.equal(cron.template.containers[0].name, "report");
  assert.equal(cron.ownerKind, undefined);
});
