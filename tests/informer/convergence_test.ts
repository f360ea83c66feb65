/**
 * Randomised convergence: for several seeds, an {@linkcode InformerSet} watches six kinds while a deterministic
 * pseudo-random sequence of creates, updates and deletes runs against the fake API server, interleaved with
 * faults (closed, stalled and compacted watches, 500/429/reset answers, expired continue tokens). Once the
 * faults stop, every store must hold exactly the fake's objects, object by object.
 */

import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { InformerSet, type InformerSetOptions } from "../../agent/informer/informer_set.ts";
import { type ResourceName, RESOURCES, stripObject } from "../../agent/informer/resources.ts";
import { NoAuth } from "../../agent/sdk/auth.ts";
import { createKubeClient } from "../../agent/sdk/client.ts";
import type { KubeObject } from "../../agent/sdk/types.ts";
import { type FakeApiServer, type RequestFilter, startFakeApiServer } from "../support/fake_apiserver.ts";

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS = [
  "pods",
  "configmaps",
  "services",
  "deployments",
  "nodes",
  "namespaces",
] as const satisfies readonly ResourceName[];
type Kind = typeof KINDS[number];

/** Namespaces the operations touch; `gamma` is outside the scope of scoped runs. */
const OP_NAMESPACES = ["alpha", "beta", "gamma"];
const SCOPE = ["alpha", "beta"];
const NAMES_PER_SCOPE = 8;
const OPERATIONS = 160;

function collectionPath(kind: Kind): string {
  const resource = RESOURCES[kind];
  return resource.group ? `/apis/${resource.group}/${resource.version}/` : `/api/${resource.version}/`;
}

/** Requests of one kind in any scope (`/api/v1/pods`, `/api/v1/namespaces/alpha/pods`, ...). */
function kindFilter(kind: Kind): RequestFilter {
  const prefix = collectionPath(kind);
  return (request) => request.path.startsWith(prefix) && request.path.endsWith(`/${kind}`);
}

/** A new revision of an object; `rev` changes on every update so every write is a real change. */
function build(kind: Kind, namespace: string, name: string, rev: number, random: () => number): KubeObject {
  const labels = { app: name, rev: String(rev) };
  const annotations = random() < 0.3
    ? { "kubectl.kubernetes.io/last-applied-configuration": `{"rev":${rev}}`, note: `r${rev}` }
    : undefined;
  const metadata = { name, namespace, labels, ...(annotations ? { annotations } : {}) };
  switch (kind) {
    case "pods":
      return {
        apiVersion: "v1",
        kind: "Pod",
        metadata,
        spec: { containers: [{ name: "app", image: `img:${rev}` }] },
      } as KubeObject;
    case "configmaps":
      return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata,
        data: { rev: String(rev), blob: "x".repeat(Math.floor(random() * 64)) },
      } as KubeObject;
    case "services":
      return {
        apiVersion: "v1",
        kind: "Service",
        metadata,
        spec: { selector: { app: name }, ports: [{ port: 80 + (rev % 10) }] },
      } as KubeObject;
    case "deployments":
      return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata,
        spec: {
          replicas: rev % 5,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: "app", image: `img:${rev}` }] },
          },
        },
      } as KubeObject;
    case "nodes":
      return {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, labels, ...(annotations ? { annotations } : {}) },
        spec: { unschedulable: rev % 2 === 0 },
      } as KubeObject;
    case "namespaces":
      return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } } as KubeObject;
  }
}

function keyOf(object: KubeObject): string {
  const meta = object.metadata;
  return meta?.namespace ? `${meta.namespace}/${meta.name}` : `${meta?.name}`;
}

/** What a store must hold for an object: the stripped object without type meta (list items carry none). */
function normalise(object: KubeObject): KubeObject {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = stripObject(object);
  return rest;
}

function expected(
  server: FakeApiServer,
  kind: Kind,
  scope: readonly string[] | undefined,
): Map<string, KubeObject> {
  const namespaced = RESOURCES[kind].namespaced;
  const objects = server.list(kind).filter((o) =>
    !namespaced || !scope || scope.includes(o.metadata?.namespace ?? "")
  );
  return new Map(objects.map((o) => [keyOf(o), normalise(o)]));
}

function actual(set: InformerSet, kind: Kind): Map<string, KubeObject> {
  return new Map(set.store<KubeObject>(kind).list().map((o) => [keyOf(o), normalise(o)]));
}

function sameContents(a: Map<string, KubeObject>, b: Map<string, KubeObject>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (!isDeepStrictEqual(value, b.get(key))) return false;
  return true;
}

function sorted(map: Map<string, KubeObject>): [string, KubeObject][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Waits a few real milliseconds so streams and informers interleave with the writes (pacing, not measuring). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Scenario {
  seed: number;
  streamingList: boolean;
  scope?: readonly string[];
  bookmarkIntervalMs: number;
}

interface Tally {
  operations: Record<"create" | "update" | "delete", number>;
  faults: Record<string, number>;
}

/** Applies the random operations and faults of one seed; leaves the fake quiet (no faults, no stall). */
async function churn(server: FakeApiServer, random: () => number): Promise<Tally> {
  const tally: Tally = { operations: { create: 0, update: 0, delete: 0 }, faults: {} };
  const revisions = new Map<string, number>();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let stallOps = 0;
  const fault = (name: string) => tally.faults[name] = (tally.faults[name] ?? 0) + 1;

  for (let i = 0; i < OPERATIONS; i++) {
    if (i === OPERATIONS / 2) {
      // One guaranteed relist for every informer: stall everything, move on, compact, then end the streams.
      server.setStall(true);
      for (let j = 0; j < 5; j++) {
        server.apply(build("configmaps", "alpha", `forced-${j}`, i, random));
      }
      server.compact();
      server.setStall(false);
      server.closeWatches();
      stallOps = 0;
      fault("forced compaction");
    }

    const kind = pick(KINDS);
    const namespaced = RESOURCES[kind].namespaced;
    const namespace = namespaced ? pick(OP_NAMESPACES) : "";
    const name = kind === "namespaces"
      ? `extra-${Math.floor(random() * 4)}`
      : `${kind.slice(0, -1)}-${Math.floor(random() * NAMES_PER_SCOPE)}`;
    const apiVersion = kind === "deployments" ? "apps/v1" : "v1";
    const exists = server.get(apiVersion, kind, namespace || undefined, name) !== undefined;
    const key = `${kind}/${namespace}/${name}`;
    if (exists && random() < 0.3) {
      server.remove(apiVersion, kind, namespace || undefined, name);
      tally.operations.delete++;
    } else {
      const rev = (revisions.get(key) ?? 0) + 1;
      revisions.set(key, rev);
      server.apply(build(kind, namespace, name, rev, random));
      tally.operations[exists ? "update" : "create"]++;
    }

    if (stallOps > 0 && --stallOps === 0) server.setStall(false);
    if (random() < 0.12) {
      const target = random() < 0.5 ? kindFilter(pick(KINDS)) : undefined;
      switch (Math.floor(random() * 7)) {
        case 0:
          server.closeWatches(target);
          fault("closeWatches");
          break;
        case 1:
          server.stallWatches(target);
          fault("stallWatches");
          break;
        case 2:
          if (stallOps === 0) {
            server.setStall(true);
            stallOps = 1 + Math.floor(random() * 6);
            fault("setStall");
          }
          break;
        case 3:
          server.compact();
          fault("compact");
          break;
        case 4: {
          const action = pick([500, 500, 429, "reset"] as const);
          server.failNext(1 + Math.floor(random() * 3), action, target);
          fault(`failNext ${action}`);
          break;
        }
        case 5:
          server.expireContinueTokens();
          fault("expireContinueTokens");
          break;
        case 6:
          server.closeWatches(target);
          server.compact();
          fault("closeWatches+compact");
          break;
      }
    }
    if (random() < 0.6) await pause(Math.floor(random() * 4));
  }
  server.setStall(false);
  server.clearFaults();
  return tally;
}

async function runScenario(scenario: Scenario): Promise<void> {
  await using server = await startFakeApiServer({
    historySize: 12,
    bookmarkIntervalMs: scenario.bookmarkIntervalMs,
  });
  for (const ns of OP_NAMESPACES) {
    server.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  }
  const random = prng(scenario.seed);
  // A head start so the first lists need several pages.
  for (const kind of ["pods", "configmaps"] as const) {
    for (const ns of OP_NAMESPACES) {
      for (let i = 0; i < NAMES_PER_SCOPE; i += 2) {
        server.apply(build(kind, ns, `${kind.slice(0, -1)}-${i}`, 1, random));
      }
    }
  }
  const client = createKubeClient({
    server: server.url,
    auth: new NoAuth(),
    namespace: "default",
    source: "test",
  });
  const options: InformerSetOptions = {
    resources: KINDS,
    streamingList: scenario.streamingList,
    informer: {
      backoff: { initialMs: 5, maxMs: 50 },
      watchTimeoutSeconds: { min: 1, max: 2 },
      idleGraceMs: 200,
      pageSize: 7,
      unavailableRetryMs: 50,
      random: prng(scenario.seed ^ 0x5eed),
    },
  };
  if (scenario.scope) options.namespaces = scenario.scope;
  const set = new InformerSet(client, options);
  set.start();
  try {
    const tally = await churn(server, random);

    const converged = () =>
      KINDS.every((kind) => sameContents(actual(set, kind), expected(server, kind, scenario.scope)));
    const deadline = Date.now() + 20_000;
    while (!converged() && Date.now() < deadline) await pause(20);
    for (const kind of KINDS) {
      assert.deepEqual(
        sorted(actual(set, kind)),
        sorted(expected(server, kind, scenario.scope)),
        `seed ${scenario.seed}: the ${kind} store differs from the fake`,
      );
    }

    const statuses = set.status();
    const informers = statuses.flatMap((s) => s.informers);
    const relists = informers.reduce((n, i) => n + i.counters.relists, 0);
    const restarts = informers.reduce((n, i) => n + i.counters.watchRestarts, 0);
    const errors: Record<string, number> = {};
    for (const informer of informers) {
      for (const [kind, count] of Object.entries(informer.counters.errors)) {
        errors[kind] = (errors[kind] ?? 0) + count;
      }
    }
    assert.ok(relists >= informers.length, `seed ${scenario.seed}: every informer relisted (${relists})`);
    assert.ok(restarts > informers.length, `seed ${scenario.seed}: watches restarted (${restarts})`);
    assert.ok((errors.expired ?? 0) > 0, `seed ${scenario.seed}: 410s happened ${JSON.stringify(errors)}`);
    assert.ok(
      Object.keys(errors).length >= 2,
      `seed ${scenario.seed}: several kinds of failure hit ${JSON.stringify(errors)}`,
    );
    assert.ok(tally.operations.delete > 0 && tally.operations.update > 0 && tally.operations.create > 0);
    assert.equal(
      informers.length,
      scenario.scope ? 4 * scenario.scope.length + 2 : KINDS.length,
      "one informer per scope",
    );
    for (const status of statuses) assert.equal(status.synced, true, `${status.kind} synced`);
  } finally {
    await set.stop();
    client.close();
  }
}

const SCENARIOS: Scenario[] = [
  { seed: 1, streamingList: false, bookmarkIntervalMs: 60_000 },
  { seed: 2, streamingList: true, bookmarkIntervalMs: 60_000 },
  { seed: 3, streamingList: false, scope: SCOPE, bookmarkIntervalMs: 150 },
  { seed: 4, streamingList: true, scope: SCOPE, bookmarkIntervalMs: 60_000 },
  { seed: 5, streamingList: false, bookmarkIntervalMs: 150 },
];

Deno.test("InformerSet stores converge on the fake's state when random writes meet random faults", async (t) => {
  for (const scenario of SCENARIOS) {
    const label = [
      `seed ${scenario.seed}`,
      scenario.streamingList ? "streaming lists" : "paged lists",
      scenario.scope ? `namespaces ${scenario.scope.join(",")}` : "all namespaces",
      scenario.bookmarkIntervalMs < 1_000 ? "frequent bookmarks" : "no bookmarks",
    ].join(", ");
    await t.step(label, () => runScenario(scenario));
  }
});
