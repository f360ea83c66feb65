/**
 * The reflector alone: watcher events in, store contents and counters out. The store is the real one; time is a
 * number the test sets.
 */
import assert from "node:assert/strict";
import type { InformerError } from "../../agent/informer/errors.ts";
import { Reflector } from "../../agent/informer/reflector.ts";
import { StoreWriter } from "../../agent/informer/store.ts";
import type { WatcherEvent } from "../../agent/informer/watcher.ts";
import type { KubeObject } from "../../agent/sdk/mod.ts";

interface Stored {
  name: string;
  version: string;
}

function pod(name: string, resourceVersion: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", resourceVersion, labels } };
}

/** A reflector over a real store, recording its callbacks; transforms of objects labelled `broken` throw. */
function setup() {
  const writer = new StoreWriter<Stored>();
  const store = writer.reader();
  let now = 1_000;
  const changes: number[] = [];
  const errors: InformerError[] = [];
  const reflector = new Reflector<Stored>({
    store: writer,
    transform: (object) => {
      if (object.metadata?.labels?.broken) throw new Error("unexpected shape");
      return { name: String(object.metadata?.name), version: String(object.metadata?.resourceVersion) };
    },
    now: () => now,
    onChange: () => changes.push(now),
    onError: (error) => errors.push(error),
  });
  const apply = (...events: WatcherEvent[]) => {
    for (const event of events) reflector.apply(event);
  };
  const names = () => store.list().map((s) => `${s.name}@${s.version}`).sort();
  return {
    store,
    reflector,
    changes,
    errors,
    apply,
    names,
    setNow: (ms: number) => now = ms,
  };
}

function list(resourceVersion: string, ...objects: KubeObject[]): WatcherEvent[] {
  return [
    { type: "init", streaming: false },
    ...objects.map((object): WatcherEvent => ({ type: "initApply", object })),
    { type: "initDone", resourceVersion },
  ];
}

const GONE: InformerError = { kind: "expired", phase: "watch", message: "too old" };

Deno.test("Reflector: a list lands in the store at its end, all at once; a relist drops vanished objects", () => {
  const { store, reflector, changes, apply, names, setNow } = setup();
  apply({ type: "init", streaming: false }, { type: "initApply", object: pod("a", "1") });
  assert.equal(store.size, 0, "nothing visible before initDone");
  assert.equal(store.synced, false);
  apply({ type: "initApply", object: pod("b", "2") }, { type: "initDone", resourceVersion: "5" });
  assert.deepEqual(names(), ["a@1", "b@2"]);
  assert.equal(store.synced, true);
  assert.equal(reflector.resourceVersion, "5");
  assert.equal(reflector.counters.relists, 0, "the first list is no relist");
  assert.deepEqual(changes, [1_000], "one change per list");
  assert.equal(reflector.counters.lastEventAt, 1_000);

  setNow(2_000);
  apply({ type: "init", streaming: true }, { type: "initApply", object: pod("b", "7") });
  assert.deepEqual(names(), ["a@1", "b@2"], "readers keep the old view during a relist");
  apply({ type: "initDone", resourceVersion: "9" });
  assert.deepEqual(names(), ["b@7"], "a vanished during the relist");
  assert.equal(reflector.counters.relists, 1);
  assert.equal(reflector.resourceVersion, "9");
  assert.deepEqual(changes, [1_000, 2_000]);
});

Deno.test("Reflector: live events change the store and the counters; a bookmark only moves the version", () => {
  const { reflector, changes, apply, names, setNow } = setup();
  apply(...list("5", pod("a", "1")));
  setNow(2_000);
  apply(
    { type: "apply", object: pod("b", "6"), added: true },
    { type: "apply", object: pod("a", "7"), added: false },
    { type: "delete", object: pod("b", "8") },
    { type: "delete", object: pod("never-seen", "9") },
  );
  assert.deepEqual(names(), ["a@7"]);
  assert.equal(reflector.resourceVersion, "9");
  assert.deepEqual(reflector.counters.events, { added: 1, modified: 1, deleted: 2, bookmark: 0 });
  assert.equal(changes.length, 5, "the list and each of the four events");

  setNow(3_000);
  apply({ type: "bookmark", resourceVersion: "12" });
  assert.equal(reflector.resourceVersion, "12");
  assert.equal(reflector.counters.events.bookmark, 1);
  assert.equal(reflector.counters.lastEventAt, 3_000, "a bookmark shows the stream is alive");
  assert.equal(changes.length, 5, "a bookmark changes nothing in the store");
});

Deno.test("Reflector: watches after the first count as restarts", () => {
  const { reflector, apply } = setup();
  apply({ type: "watchStarted", resourceVersion: "5" });
  assert.equal(reflector.counters.watchRestarts, 0);
  apply({ type: "watchStarted", resourceVersion: "5" }, { type: "watchStarted", resourceVersion: "6" });
  assert.equal(reflector.counters.watchRestarts, 2);
});

Deno.test("Reflector: errors are counted by kind and kept until the next healthy event", () => {
  const { reflector, errors, changes, apply, setNow } = setup();
  apply(...list("5"));
  setNow(2_000);
  apply({ type: "error", error: GONE }, { type: "error", error: GONE }, {
    type: "error",
    error: { kind: "network", phase: "watch", message: "reset" },
  });
  assert.deepEqual(reflector.counters.errors, { expired: 2, network: 1 });
  assert.equal(reflector.lastError?.kind, "network");
  assert.equal(errors.length, 3);
  assert.equal(reflector.counters.lastEventAt, 1_000, "an error is no sign of health");
  assert.equal(changes.length, 1);

  apply({ type: "bookmark", resourceVersion: "6" });
  assert.equal(reflector.lastError, undefined, "cleared by a healthy event");
  assert.deepEqual(reflector.counters.errors, { expired: 2, network: 1 }, "the counts stay");
});

Deno.test("Reflector: an object the transform rejects is counted and skipped, and a live one keeps its last good version", () => {
  const { reflector, errors, apply, names } = setup();
  apply(...list("5", pod("a", "1"), pod("bad", "2", { broken: "yes" })));
  assert.deepEqual(names(), ["a@1"], "the rejected object is left out of the list");
  apply({ type: "apply", object: pod("a", "3", { broken: "yes" }), added: false });
  assert.deepEqual(names(), ["a@1"], "the previous version stays rather than a hole");
  assert.equal(reflector.counters.errors.transform, 2);
  assert.deepEqual(errors.map((e) => e.kind), ["transform", "transform"]);
  assert.match(errors[0].message, /^Cannot convert Pod "ns\/bad": unexpected shape$/);
  assert.equal(reflector.counters.events.modified, 1, "the event itself still counts");
  assert.equal(reflector.resourceVersion, "3", "and still moves the version");
});
