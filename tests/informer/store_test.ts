import assert from "node:assert/strict";
import { objectKey, StoreWriter, UnionStore } from "../../agent/informer/store.ts";
import { secretKeysOnly, stripObject } from "../../agent/informer/resources.ts";
import { Informer } from "../../agent/informer/informer.ts";
import { InformerSet } from "../../agent/informer/informer_set.ts";
import { stubKubeClient } from "../support/stub_kube_client.ts";

Deno.test("StoreWriter swaps a relist in atomically and reports vanished keys", () => {
  const writer = new StoreWriter<{ v: number }>();
  const store = writer.reader();
  writer.startBuffer();
  writer.buffer("a/x", { v: 1 });
  writer.buffer("a/y", { v: 1 });
  assert.equal(store.size, 0, "the buffer is invisible until committed");
  assert.equal(store.synced, false);
  assert.deepEqual(writer.commitBuffer(), { deleted: [], size: 2 });
  assert.equal(store.synced, true);
  const before = store.list();
  writer.startBuffer();
  writer.buffer("a/y", { v: 2 });
  writer.buffer("b/z", { v: 2 });
  assert.equal(store.get("a", "x")?.v, 1, "readers see the old view during a relist");
  assert.deepEqual(writer.commitBuffer(), { deleted: ["a/x"], size: 2 });
  assert.equal(store.get("a", "x"), undefined);
  assert.equal(store.get("a", "y")?.v, 2);
  assert.equal(before.length, 2, "a list taken before the swap is unaffected");
  assert.deepEqual(store.listNamespace("b"), [{ v: 2 }]);
});

Deno.test("StoreWriter.reader() is one read-only object: no mutator is reachable from it at runtime", () => {
  const writer = new StoreWriter<number>();
  const reader = writer.reader();
  assert.equal(writer.reader(), reader, "one reader per writer");
  const mutators = ["set", "delete", "buffer", "startBuffer", "commitBuffer", "clear", "reader"];
  const names = new Set<string>();
  for (let o: object | null = reader; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  }
  assert.deepEqual(
    [...names].sort(),
    ["constructor", "get", "list", "listNamespace", "ready", "size", "synced", "values"],
    "the reader's whole surface",
  );
  for (const name of mutators) {
    assert.equal(name in reader, false, `${name} is not reachable from the reader`);
  }
  assert.equal(reader instanceof StoreWriter, false);
  assert.throws(() => {
    (reader as unknown as { size: number }).size = 0;
  }, TypeError);
  writer.set("n", 1);
  assert.equal(reader.get("", "n"), 1, "the reader sees the writer's changes");
});

Deno.test("informers and the informer set hand out stores without mutators", () => {
  const client = stubKubeClient({});
  const informer = new Informer(client, { path: "/api/v1/pods", transform: (o) => o });
  const set = new InformerSet(client, { resources: ["pods", "nodes"], namespaces: ["a", "b"] });
  for (const store of [informer.store, set.store("pods"), set.store("nodes"), set.store("secrets")]) {
    for (const name of ["set", "delete", "buffer", "startBuffer", "commitBuffer"]) {
      assert.equal(name in store, false, `${name} is not reachable`);
    }
  }
});

Deno.test("StoreWriter.ready() resolves on the first commit only", async () => {
  const writer = new StoreWriter<number>();
  const store = writer.reader();
  let ready = false;
  const waiting = store.ready().then(() => ready = true);
  writer.set("n", 1);
  await Promise.resolve();
  assert.equal(ready, false, "live events before a list do not make a store synced");
  writer.commitBuffer();
  await waiting;
  assert.equal(ready, true);
});

Deno.test("objectKey() and UnionStore combine per-namespace stores", () => {
  assert.equal(objectKey("ns", "a"), "ns/a");
  assert.equal(objectKey(undefined, "node-1"), "node-1");
  const a = new StoreWriter<string>();
  const b = new StoreWriter<string>();
  a.set("x/1", "a1");
  b.set("y/1", "b1");
  const union = new UnionStore([a.reader(), b.reader()]);
  assert.equal(union.size, 2);
  assert.deepEqual(union.list().sort(), ["a1", "b1"]);
  assert.equal(union.get("y", "1"), "b1");
  assert.equal(union.synced, false);
  a.commitBuffer();
  b.commitBuffer();
  assert.equal(union.synced, true);
});

Deno.test("stripObject() drops managedFields and last-applied without touching the input", () => {
  const input = {
    kind: "Pod",
    metadata: {
      name: "p",
      managedFields: [{ manager: "kubectl" }],
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", keep: "me" },
    },
    spec: { containers: [] },
  };
  const stripped = stripObject(input);
  assert.deepEqual(stripped, {
    kind: "Pod",
    metadata: { name: "p", annotations: { keep: "me" } },
    spec: { containers: [] },
  });
  assert.ok(input.metadata.managedFields, "input untouched");
  const onlyLastApplied = stripObject({
    metadata: { name: "q", annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } },
  });
  assert.deepEqual(onlyLastApplied, { metadata: { name: "q" } });
});

Deno.test("secretKeysOnly() keeps metadata, type and key names, never values", () => {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "prod", managedFields: [{ manager: "x" }] },
    type: "Opaque",
    data: { password: btoa("hunter2"), user: btoa("admin") },
    stringData: { token: "plain" },
  };
  const kept = secretKeysOnly(secret);
  assert.deepEqual(kept, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "prod" },
    type: "Opaque",
    dataKeys: ["password", "user"],
  });
  const text = JSON.stringify(kept);
  assert.ok(!text.includes(btoa("hunter2")) && !text.includes("plain"));
});
