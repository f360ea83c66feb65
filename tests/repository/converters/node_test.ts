import assert from "node:assert/strict";
import { convertNode } from "../../../agent/repository/converters/mod.ts";
import { ZERO_TIME } from "../../../model/mod.ts";
import { fixture } from "../../support/fixtures/mod.ts";

Deno.test("convertNode() builds roles from the three role label keys only", () => {
  assert.deepEqual(convertNode(fixture("nodes", "cp-1")).summary.roles, ["control-plane"]);
  assert.deepEqual(
    convertNode(fixture("nodes", "worker-1")).summary.roles,
    ["worker"],
    "the value is ignored",
  );
  const raw = fixture("nodes", "worker-2");
  raw.metadata = {
    ...raw.metadata,
    labels: {
      "node-role.kubernetes.io/master": "",
      "node-role.kubernetes.io/gpu": "",
      "kubernetes.io/os": "linux",
    },
  };
  assert.deepEqual(convertNode(raw).summary.roles, ["master"]);
  raw.metadata = { ...raw.metadata, labels: { "kubernetes.io/os": "linux" } };
  assert.equal(convertNode(raw).summary.roles, undefined, "no roles are omitted");
});

Deno.test("convertNode() reports the Ready condition's status, Unknown when missing", () => {
  assert.equal(convertNode(fixture("nodes", "cp-1")).summary.ready, "True");
  assert.equal(convertNode(fixture("nodes", "worker-2")).summary.ready, "Unknown");
  const base = fixture("nodes", "worker-1");
  const raw = { ...base, status: { ...base.status, conditions: [] } };
  assert.equal(convertNode(raw).summary.ready, "Unknown");
});

Deno.test("convertNode() prefers IPv4 internal and external addresses", () => {
  const cp = convertNode(fixture("nodes", "cp-1")).addresses;
  assert.equal(cp.internalIP, "192.168.1.10", "a later IPv4 replaces an IPv6");
  assert.equal(cp.hostname, "cp-1");
  assert.equal(cp.all?.length, 3);
  const worker = convertNode(fixture("nodes", "worker-1")).addresses;
  assert.equal(worker.externalIP, "203.0.113.11");
  const base = fixture("nodes", "worker-1");
  const raw = {
    ...base,
    status: {
      ...base.status,
      addresses: [{ type: "InternalIP", address: "10.0.0.1" }, { type: "InternalIP", address: "fd00::1" }],
    },
  };
  assert.equal(convertNode(raw).addresses.internalIP, "10.0.0.1", "an IPv6 never replaces an IPv4");
});

Deno.test("convertNode() copies quantities and defaults missing ones to 0", () => {
  const node = convertNode(fixture("nodes", "cp-1"));
  assert.deepEqual(JSON.parse(JSON.stringify(node.capacity)), {
    cpu: "4",
    memory: "16318588Ki",
    pods: "110",
    ephemeralStorage: "102626232Ki",
  });
  assert.equal(node.allocatable.cpu, "3800m");
  const base = fixture("nodes", "cp-1");
  const raw = { ...base, status: { ...base.status, allocatable: { cpu: "2" } } };
  const sparse = convertNode(raw);
  assert.equal(sparse.allocatable.memory, "0");
  assert.equal(sparse.allocatable.pods, "0");
  assert.equal(sparse.allocatable.ephemeralStorage, "0");
  assert.equal(sparse.metrics.pods.capacity, 110, "pod capacity falls back to capacity.pods");
});

Deno.test("convertNode() always sends metrics with pressure flags from True conditions", () => {
  const worker = convertNode(fixture("nodes", "worker-1")).metrics;
  assert.deepEqual(JSON.parse(JSON.stringify(worker)), {
    cpu: { usage: "", allocatable: "7910m", capacity: "8" },
    memory: { usage: "", allocatable: "32351432Ki", capacity: "32863432Ki" },
    pods: { used: 0, capacity: 110 },
    pressure: { memoryPressure: true, diskPressure: true, pidPressure: true },
  });
  assert.equal(JSON.stringify(convertNode(fixture("nodes", "cp-1")).metrics.pressure), "{}");
  assert.deepEqual(JSON.parse(JSON.stringify(convertNode(fixture("nodes", "worker-2")).metrics.pressure)), {
    networkUnavailable: true,
  }, "Unknown is not True");
});

Deno.test("convertNode() reports schedulability, taints and conditions", () => {
  const node = convertNode(fixture("nodes", "worker-2"));
  assert.equal(node.summary.schedulable, false);
  assert.equal(node.spec.unschedulable, true);
  assert.equal(node.taints?.length, 3);
  assert.deepEqual(node.taints?.[0], {
    key: "node.kubernetes.io/unreachable",
    value: undefined,
    effect: "NoSchedule",
    timeAdded: "2025-03-20T10:01:00Z",
  });
  assert.equal(node.conditions?.length, 5);
  assert.equal(node.conditions?.[4].lastHeartbeatTime, "2025-03-20T10:00:00Z");
  const cp = convertNode(fixture("nodes", "cp-1"));
  assert.equal(cp.taints?.[0].timeAdded, undefined);
  assert.equal(convertNode(fixture("nodes", "worker-1")).taints?.[0].value, "shop");
  assert.deepEqual(cp.spec.podCIDRs, ["10.244.0.0/24", "fd00:10:244::/64"]);
  assert.equal(cp.info.kubeletVersion, "v1.30.4");
  assert.equal(cp.info.osImage, "Ubuntu 24.04.1 LTS");
  assert.equal(cp.summary.creationTime, "2025-01-05T09:58:00Z");
  assert.equal(
    convertNode(fixture("nodes", "worker-1")).spec.providerID,
    "aws:///eu-west-1a/i-0abc123def4567890",
  );
});

Deno.test("convertNode() sends the zero time for missing condition times", () => {
  const base = fixture("nodes", "cp-1");
  const raw = { ...base, status: { ...base.status, conditions: [{ type: "Ready", status: "True" }] } };
  const node = convertNode(raw);
  assert.equal(node.conditions?.[0].lastHeartbeatTime, ZERO_TIME);
  assert.equal(node.conditions?.[0].lastTransitionTime, ZERO_TIME);
});
