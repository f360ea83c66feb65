import assert from "node:assert/strict";
import { objectKey, StoreWriter, UnionStore } from "../../agent/informer/store.ts";
import { secretKeysOnly, stripObject } from "../../agent/informer/resources.ts";

Deno.test("StoreWriter swaps a relist in atomically and reports vanished keys", () => {
  const store = new StoreWriter<{ v: number }>();
  store.startBuffer();
  store.buffer("a/x", { v: 1 });
  store.buffer("a/y", { v: 1 });
  assert.equal(store.size, 0, "the buffer is invisible until committed");
  assert.equal(store.synced, false);
  assert.deepEqual(store.commitBuffer(), { deleted: [], size: 2 });
  assert.equal(store.synced, true);
  const before = store.list();
  store.startBuffer();
  store.buffer("a/y", { v: 2 });
  store.buffer("b/z", { v: 2 });
  assert.equal(store.get("a", "x")?.v, 1, "readers see the old view during a relist");
  assert.deepEqual(store.commitBuffer(), { deleted: ["a/x"], size: 2 });
  assert.equal(store.get("a", "x"), undefined);
  assert.equal(store.get("a", "y")?.v, 2);
  assert.equal(before.length, 2, "a list taken before the swap is unaffected");
  assert.deepEqual(store.listNamespace("b"), [{ v: 2 }]);
});

Deno.test("StoreWriter.ready() resolves on the first commit only", async () => {
  const store = new StoreWriter<number>();
  let ready = false;
  const waiting = store.ready().then(() => ready = true);
  store.set("n", 1);
  await Promise.resolve();
  assert.equal(ready, false, "live events before a list do not make a store synced");
  store.commitBuffer();
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
  const union = new UnionStore([a, b]);
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
