import assert from "node:assert/strict";
import { nodeUsageMap, podUsageMap, SnapshotService } from "../../agent/service/mod.ts";
import {
  CLUSTER_SNAPSHOT_WIRE,
  COMMAND_WIRE,
  RESULT_WIRE,
  type WireField,
  type WireObject,
  type WireType,
} from "../../model/mod.ts";
import {
  convertedFixtures,
  FIXTURE_NOW,
  fixtureSource,
  kubeFixtures,
  nodeMetricsFixture,
  PLANTED,
  podMetricsFixture,
} from "../support/fixtures/mod.ts";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const INT32 = 2 ** 31;

/** Walks a decoded JSON value against the wire table, as Go's decoder plus our omitempty promises would. */
class WireWalker {
  readonly errors: string[] = [];
  readonly seen = new Set<string>();

  check(value: unknown, type: WireType, path: string): void {
    if (typeof type === "string") return this.#scalar(value, type, path);
    if ("array" in type) {
      if (!Array.isArray(value)) return this.#fail(path, "an array", value);
      value.forEach((item, i) => this.check(item, type.array, `${path}[${i}]`));
      return;
    }
    this.#object(value, type, path);
  }

  #object(value: unknown, type: WireObject, path: string): void {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.#fail(path, `an object ${type.name}`, value);
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!(key in type.fields)) this.errors.push(`${path}.${key}: unknown field of ${type.name}`);
    }
    for (const [key, field] of Object.entries(type.fields)) {
      const fieldPath = `${path}.${key}`;
      if (!(key in record)) {
        if (field.presence === "required") this.errors.push(`${fieldPath}: required field missing`);
        continue;
      }
      this.seen.add(`${type.name}.${key}`);
      const item = record[key];
      if (field.presence === "omitempty" && isEmpty(item, field)) {
        this.errors.push(`${fieldPath}: omitempty field sent empty (${JSON.stringify(item)})`);
      }
      this.check(item, field.type, fieldPath);
    }
  }

  #scalar(value: unknown, type: Exclude<WireType, object>, path: string): void {
    switch (type) {
      case "string":
      case "strTime":
        if (typeof value !== "string") this.#fail(path, "a string", value);
        return;
      case "int":
        if (typeof value !== "number" || !Number.isSafeInteger(value)) this.#fail(path, "an integer", value);
        else if (Math.abs(value) >= INT32 * 2 ** 21) this.#fail(path, "an int64", value);
        return;
      case "float":
        if (typeof value !== "number" || !Number.isFinite(value)) this.#fail(path, "a number", value);
        return;
      case "bool":
        if (typeof value !== "boolean") this.#fail(path, "a boolean", value);
        return;
      case "time":
        if (value !== null && (typeof value !== "string" || !RFC3339.test(value))) {
          this.#fail(path, "an RFC 3339 time or null", value);
        }
        return;
      case "stringMap":
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          return this.#fail(path, "a string map", value);
        }
        for (const [k, v] of Object.entries(value)) {
          if (typeof v !== "string") this.#fail(`${path}.${k}`, "a string", v);
        }
        return;
      case "json":
        return;
    }
  }

  #fail(path: string, expected: string, value: unknown): void {
    this.errors.push(`${path}: expected ${expected}, got ${JSON.stringify(value)}`);
  }
}

// Go's omitempty: "", 0, false, empty slice or map; a struct (object type) is never empty.
function isEmpty(value: unknown, field: WireField): boolean {
  if (typeof field.type === "object" && !("array" in field.type)) return false;
  if (value === "" || value === 0 || value === false || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value as object).length === 0;
  return false;
}

// Every `Type.field` of the table, each struct counted once wherever it is used.
function allTableFields(type: WireType, out: Set<string>): Set<string> {
  if (typeof type === "string") return out;
  if ("array" in type) return allTableFields(type.array, out);
  for (const [key, field] of Object.entries(type.fields)) {
    const name = `${type.name}.${key}`;
    if (out.has(name)) continue;
    out.add(name);
    allTableFields(field.type, out);
  }
  return out;
}

function setPath(target: unknown, path: (string | number)[], value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

function builtSnapshotJson(): string {
  const pods = podUsageMap(podMetricsFixture());
  const nodes = nodeUsageMap(nodeMetricsFixture());
  const service = new SnapshotService(fixtureSource(), {
    clusterId: "cluster-1",
    clock: { now: () => FIXTURE_NOW, sleep: () => Promise.resolve() },
    usage: { podUsage: () => pods, nodeUsage: () => nodes },
  });
  return service.build().json();
}

// Fields no fixture can show: the agent never fills them (master-protocol §2), or Kubernetes never sets them
// (StatefulSet and DaemonSet controllers write no conditions, and workload conditions have no update time).
const NEVER_SENT = [
  ...["nodeName", "ownerKind", "ownerName"].flatMap((f) =>
    ["ConfigMap", "Secret", "PersistentVolume", "PersistentVolumeClaim", "Event", "CronJob"].map((t) =>
      `${t}.${f}`
    )
  ),
  "ReplicaSet.nodeName",
  "Job.nodeName",
  "PersistentVolume.namespace",
  "Event.labels",
  "Deployment.replicaSets",
  ...["name", "namespace", "revision", "replicas", "ready", "available", "image", "createdAt", "age"].map((
    f,
  ) => `ReplicaSetBrief.${f}`),
  "Service.backends",
  "ServiceBackends.summary",
  "ServiceBackends.ports",
  "ServiceBackends.endpoints",
  ...["ready", "notReady", "total", "slices", "updated"].map((f) => `BackendSummary.${f}`),
  ...["name", "port", "protocol", "appProtocol"].map((f) => `EndpointPort.${f}`),
  ...["address", "ready", "nodeName", "zone", "targetRef"].map((f) => `BackendEndpoint.${f}`),
  ...["kind", "namespace", "name", "uid"].map((f) => `K8sRef.${f}`),
  "IngressResourceRef.namespace",
  "NodeSummary.badges",
  "NodeSummary.reason",
  "NodeSummary.message",
  "NodeResources.scalarResources",
  "StatefulSetStatus.conditions",
  "DaemonSetStatus.conditions",
  "WorkloadCondition.lastUpdateTime",
];

Deno.test("CLUSTER_SNAPSHOT_WIRE accepts a snapshot built from realistic fixtures", () => {
  const walker = new WireWalker();
  walker.check(JSON.parse(builtSnapshotJson()), CLUSTER_SNAPSHOT_WIRE, "$");
  assert.deepEqual(walker.errors, []);
  const unseen = [...allTableFields(CLUSTER_SNAPSHOT_WIRE, new Set())].filter((f) => !walker.seen.has(f));
  // Coverage guard: the fixtures exercise the whole table, so a wrong type cannot hide in an unvisited field.
  assert.deepEqual(unseen.filter((f) => !NEVER_SENT.includes(f)), []);
});

Deno.test("CLUSTER_SNAPSHOT_WIRE accepts a snapshot with absent kinds and empty lists", () => {
  const service = new SnapshotService({}, {
    clusterId: "empty",
    clock: { now: () => FIXTURE_NOW, sleep: () => Promise.resolve() },
  });
  const snapshot = JSON.parse(service.build().json());
  const walker = new WireWalker();
  walker.check(snapshot, CLUSTER_SNAPSHOT_WIRE, "$");
  assert.deepEqual(walker.errors, []);
  assert.deepEqual(snapshot.pods, []);
  assert.equal("replicaSets" in snapshot, false);
});

Deno.test("the wire walker rejects what Go's decoder or omitempty would not accept", () => {
  const json = JSON.parse(builtSnapshotJson());
  const cases: [string, (string | number)[], unknown, RegExp][] = [
    ["fraction in an int", ["pods", 0, "status", "restarts"], 1.5, /restarts: expected an integer/],
    ["empty time", ["pods", 0, "summary", "createdAt"], "", /createdAt: expected an RFC 3339 time/],
    ["unknown field", ["nodes", 0, "summary", "surprise"], 1, /surprise: unknown field/],
    ["empty omitempty", ["pods", 0, "labels"], {}, /labels: omitempty field sent empty/],
    ["null required list", ["events"], null, /events: expected an array/],
    ["number map value", ["pods", 0, "labels"], { a: 1 }, /labels.a: expected a string/],
  ];
  for (const [name, path, value, expected] of cases) {
    const copy = structuredClone(json);
    setPath(copy, path, value);
    const walker = new WireWalker();
    walker.check(copy, CLUSTER_SNAPSHOT_WIRE, "$");
    assert.ok(walker.errors.some((e) => expected.test(e)), `${name}: ${walker.errors.join("; ")}`);
  }
});

Deno.test("COMMAND_WIRE and RESULT_WIRE describe the command round trip", () => {
  const walker = new WireWalker();
  walker.check(
    {
      id: "c0ffee",
      clusterId: "cluster-1",
      action: "scale",
      kind: "Deployment",
      namespace: "shop",
      name: "web",
      params: { replicas: 3 },
      source: "web",
      createdAt: "2025-03-20T12:00:00+08:00",
    },
    COMMAND_WIRE,
    "$",
  );
  walker.check(
    { commandId: "c0ffee", success: true, execTime: 12_345_678, executedAt: "2025-03-20T04:00:00.5Z" },
    RESULT_WIRE,
    "$",
  );
  assert.deepEqual(walker.errors, []);
});

Deno.test("SnapshotService never sends secret values, config values or sensitive env literals", () => {
  const json = builtSnapshotJson();
  assert.ok(!json.includes(PLANTED), "no planted marker reaches the snapshot");
  assert.ok(!json.includes("last-applied-configuration"));
  for (const secret of kubeFixtures().secrets) {
    for (const value of Object.values(secret.data ?? {})) assert.ok(!json.includes(value), "no base64 value");
  }
  assert.ok(json.includes('"value":"[redacted]"'));
  assert.ok(json.includes('"dataKeys":["password","username"]'));
});

Deno.test("SnapshotService sends env literals only when redactEnv is false, and still no secrets", () => {
  const service = new SnapshotService(fixtureSource(convertedFixtures({ redactEnv: false })), {
    clusterId: "cluster-1",
    clock: { now: () => FIXTURE_NOW, sleep: () => Promise.resolve() },
  });
  const json = service.build().json();
  assert.ok(json.includes("PLANTED-ENV-PASSWORD"));
  assert.ok(!json.includes("PLANTED-SECRET-DATA"));
  assert.ok(!json.includes("PLANTED-CONFIGMAP-VALUE"));
  assert.ok(!json.includes("PLANTED-LAST-APPLIED"));
});
