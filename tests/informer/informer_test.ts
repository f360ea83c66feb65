import assert from "node:assert/strict";
import { Informer, type InformerOptions } from "../../agent/informer/informer.ts";
import { stripObject } from "../../agent/informer/resources.ts";
import { createKubeClient, type HttpKubeClient } from "../../agent/sdk/client.ts";
import { NoAuth } from "../../agent/sdk/auth.ts";
import type { KubeObject } from "../../agent/sdk/types.ts";
import { type FakeApiServer, type RequestLogEntry, startFakeApiServer } from "../support/fake_apiserver.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { waitFor } from "../support/wait.ts";

function clientFor(server: FakeApiServer): HttpKubeClient {
  return createKubeClient({ server: server.url, auth: new NoAuth(), namespace: "default", source: "test" });
}

function pod(name: string, namespace = "default", extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app: "web" } },
    spec: { containers: [{ name: "app", image: "nginx:1" }] },
    ...extra,
  } as KubeObject;
}

/** Idle watchdogs sleep at least the minimum server watch timeout (the 2 min idle and 30 s open limits raised). */
const WATCHDOG_MIN_MS = 300_000;
const SLOW_WATCHDOG = { idleTimeoutMs: 2 * WATCHDOG_MIN_MS, openTimeoutMs: 2 * WATCHDOG_MIN_MS };

const FAST: Partial<InformerOptions<KubeObject>> = {
  ...SLOW_WATCHDOG,
  backoff: { initialMs: 10, maxMs: 100 },
  random: () => 0.5,
};

function podInformer(
  client: HttpKubeClient,
  options: Partial<InformerOptions<KubeObject>> = {},
): Informer<KubeObject> {
  return new Informer<KubeObject>(client, {
    path: "/api/v1/pods",
    transform: (o) => stripObject(o),
    ...FAST,
    ...options,
  });
}

function lists(requests: readonly RequestLogEntry[], path = "/api/v1/pods"): RequestLogEntry[] {
  return requests.filter((r) => r.path === path && !r.watch);
}

function watches(requests: readonly RequestLogEntry[], path = "/api/v1/pods"): RequestLogEntry[] {
  return requests.filter((r) => r.path === path && r.watch);
}

function storeNames(informer: Informer<KubeObject>): string[] {
  return informer.store.list().map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`).sort();
}

Deno.test("Informer syncs more objects than one page through paginated LIST", async () => {
  await using server = await startFakeApiServer();
  for (let i = 0; i < 1_203; i++) server.apply(pod(`p-${String(i).padStart(4, "0")}`));
  const client = clientFor(server);
  const informer = podInformer(client, { pageSize: 500 });
  informer.start();
  await informer.store.ready();
  assert.equal(informer.store.size, 1_203);
  const listed = lists(server.requests);
  assert.equal(listed.length, 3, "three pages of at most 500");
  assert.equal(listed[0].query.limit, "500");
  assert.equal(listed[0].query.resourceVersion, "0");
  assert.ok(listed[1].query.continue && listed[2].query.continue);
  await server.waitForWatch("/api/v1/pods");
  const watch = watches(server.requests)[0];
  assert.equal(watch.query.resourceVersion, informer.status().resourceVersion);
  assert.equal(watch.query.allowWatchBookmarks, "true");
  const timeout = Number(watch.query.timeoutSeconds);
  assert.ok(timeout >= 300 && timeout <= 600, `timeoutSeconds ${timeout}`);
  assert.equal(informer.store.get("default", "p-0000")?.metadata?.name, "p-0000");
  await informer.stop();
  client.close();
});

Deno.test("Informer syncs through a streaming list and resumes without resending sendInitialEvents", async () => {
  await using server = await startFakeApiServer();
  for (let i = 0; i < 20; i++) server.apply(pod(`p-${i}`));
  const client = clientFor(server);
  const informer = podInformer(client, { streamingList: { enabled: true } });
  informer.start();
  await informer.store.ready();
  assert.equal(informer.store.size, 20);
  assert.equal(lists(server.requests).length, 0, "no LIST with streaming lists");
  const first = watches(server.requests)[0];
  assert.equal(first.query.sendInitialEvents, "true");
  assert.equal(first.query.resourceVersionMatch, "NotOlderThan");
  server.apply(pod("late"));
  await waitFor(
    () => informer.store.get("default", "late") !== undefined,
    "the live event after the stream list",
  );
  server.closeWatches("/api/v1/pods");
  await server.waitForWatch("/api/v1/pods");
  const resumed = watches(server.requests)[1];
  assert.equal(resumed.query.sendInitialEvents, undefined, "a resumed watch never resends sendInitialEvents");
  assert.equal(resumed.query.resourceVersion, informer.status().resourceVersion);
  assert.equal(lists(server.requests).length, 0);
  await informer.stop();
  client.close();
});

Deno.test("Informer falls back to LIST after a 422 and remembers it", async () => {
  await using server = await startFakeApiServer({ watchList: false });
  server.apply(pod("a"));
  const client = clientFor(server);
  const support = { enabled: true };
  const pods = podInformer(client, { streamingList: support });
  const configmaps = new Informer<KubeObject>(client, {
    path: "/api/v1/configmaps",
    transform: stripObject,
    streamingList: support,
    ...FAST,
  });
  pods.start();
  await pods.store.ready();
  configmaps.start();
  await configmaps.store.ready();
  assert.equal(pods.store.size, 1);
  const refused = server.requests.filter((r) => r.query.sendInitialEvents === "true");
  assert.equal(refused.length, 1, "the 422 is learnt once for every informer sharing the client");
  assert.equal(refused[0].status, 422);
  assert.equal(lists(server.requests).length, 1);
  assert.equal(lists(server.requests, "/api/v1/configmaps").length, 1);
  server.closeWatches();
  await server.waitForWatch("/api/v1/pods");
  assert.equal(server.requests.filter((r) => r.query.sendInitialEvents === "true").length, 1);
  await Promise.all([pods.stop(), configmaps.stop()]);
  client.close();
});

Deno.test("Informer re-watches from the last resourceVersion when a watch ends cleanly", async () => {
  await using server = await startFakeApiServer();
  server.apply(pod("a"));
  const client = clientFor(server);
  const informer = podInformer(client);
  informer.start();
  await informer.store.ready();
  await server.waitForWatch("/api/v1/pods");
  server.apply(pod("b"));
  await waitFor(() => informer.store.size === 2, "pod b");
  const rv = informer.status().resourceVersion;
  server.resetRequestLog();
  assert.equal(server.closeWatches("/api/v1/pods"), 1);
  await server.waitForRequest({ path: "/api/v1/pods", watch: true });
  assert.equal(lists(server.requests).length, 0, "no relist");
  assert.equal(watches(server.requests)[0].query.resourceVersion, rv);
  server.apply(pod("c"));
  await waitFor(() => informer.store.size === 3, "pod c on the new watch");
  assert.equal(informer.status().counters.watchRestarts, 1);
  assert.equal(informer.status().counters.relists, 0);
  await informer.stop();
  client.close();
});

Deno.test("Informer relists after 410 and drops objects deleted while it was not watching", async (t) => {
  await using server = await startFakeApiServer();
  for (const name of ["a", "b", "c"]) server.apply(pod(name));
  const client = clientFor(server);
  const informer = podInformer(client);
  informer.start();
  await informer.store.ready();
  await server.waitForWatch("/api/v1/pods");
  const lastRv = informer.status().resourceVersion;

  await t.step("events missed during a stall are compacted away", async () => {
    server.setStall(true);
    server.remove("v1", "pods", "default", "b");
    server.apply(pod("d"));
    server.compact();
    server.resetRequestLog();
    server.setStall(false);
    server.closeWatches("/api/v1/pods");
    await waitFor(() => lists(server.requests).length > 0, "the relist");
  });

  await t.step("the relist tries the last resourceVersion first", async () => {
    await waitFor(
      () => storeNames(informer).join() === "default/a,default/c,default/d",
      "the relisted store",
    );
    assert.equal(lists(server.requests)[0].query.resourceVersion, lastRv);
    assert.equal(informer.store.get("default", "b"), undefined);
    assert.equal(informer.status().counters.relists, 1);
    assert.equal(informer.status().counters.errors.expired, 1);
  });
  await informer.stop();
  client.close();
});

Deno.test("Informer follows bookmarks so a reconnect after a quiet period does not relist", async () => {
  await using server = await startFakeApiServer({ bookmarkIntervalMs: 30 });
  server.apply(pod("a"));
  const client = clientFor(server);
  const informer = podInformer(client);
  informer.start();
  await informer.store.ready();
  const listRv = informer.status().resourceVersion;
  // Other kinds move the global resourceVersion; only bookmarks tell the pod watch about it.
  for (let i = 0; i < 5; i++) {
    server.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `cm-${i}`, namespace: "default" },
    });
  }
  const current = server.currentResourceVersion();
  await waitFor(() => informer.status().resourceVersion === current, "a bookmark at the current version");
  assert.notEqual(current, listRv);
  assert.ok(informer.status().counters.events.bookmark > 0);
  server.compact();
  server.resetRequestLog();
  server.closeWatches("/api/v1/pods");
  await server.waitForRequest({ path: "/api/v1/pods", watch: true });
  await server.waitForWatch("/api/v1/pods");
  assert.equal(watches(server.requests)[0].query.resourceVersion, current);
  assert.equal(lists(server.requests).length, 0, "no relist: the bookmark version is still in the history");
  assert.equal(informer.status().counters.relists, 0);
  await informer.stop();
  client.close();
});

Deno.test("Informer replaces a stalled stream when its watchdog fires", async () => {
  await using server = await startFakeApiServer();
  server.apply(pod("a"));
  const client = clientFor(server);
  const informer = podInformer(client, { watchTimeoutSeconds: { min: 0, max: 0 }, idleGraceMs: 150 });
  informer.start();
  await informer.store.ready();
  await server.waitForWatch("/api/v1/pods");
  server.setStall(true);
  server.apply(pod("b"));
  await waitFor(() => (informer.status().counters.errors.idle ?? 0) >= 1, "the idle watchdog");
  server.setStall(false);
  await waitFor(
    () => informer.store.get("default", "b") !== undefined,
    "the event replayed on the new stream",
  );
  assert.equal(informer.status().counters.relists, 0, "a stall is healed by a re-watch, not a relist");
  await informer.stop();
  client.close();
});

Deno.test("Informer backs off through bursts of 500, 429 and connection failures, then recovers", async (t) => {
  await using server = await startFakeApiServer();
  server.apply(pod("a"));
  const client = clientFor(server);
  const clock = new FakeClock();
  const informer = new Informer<KubeObject>(client, {
    path: "/api/v1/pods",
    transform: stripObject,
    clock,
    random: () => 0,
    ...SLOW_WATCHDOG,
    onError: (e) => errors.push(e.kind),
  });
  const errors: string[] = [];

  /** Fires backoff pauses (never watchdog timers) until `done()`; returns the pauses requested meanwhile. */
  async function drive(done: () => boolean): Promise<number[]> {
    const start = clock.sleeps.length;
    await waitFor(() => {
      if (clock.hasPending({ maxMs: WATCHDOG_MIN_MS - 1 })) clock.fireNext({ maxMs: WATCHDOG_MIN_MS - 1 });
      return done();
    }, "recovery");
    return clock.sleeps.slice(start).filter((ms) => ms < WATCHDOG_MIN_MS);
  }

  await t.step("500s on LIST follow 800 ms doubling", async () => {
    server.failNext(6, 500, { path: "/api/v1/pods", watch: false });
    informer.start();
    const sleeps = await drive(() => informer.store.synced);
    assert.deepEqual(sleeps, [800, 1_600, 3_200, 6_400, 12_800, 25_600]);
    assert.equal(lists(server.requests).length, 7, "one request per backoff step, no tight loop");
    assert.equal(informer.status().counters.errors.server, 6);
  });

  await t.step(
    "429 on WATCH waits at least Retry-After and the schedule restarted after the sync",
    async () => {
      await server.waitForWatch("/api/v1/pods");
      server.resetRequestLog();
      server.failNext(3, 429, { path: "/api/v1/pods", watch: true });
      clock.advance(60_000); // the watch was healthy for a minute: its end is not a "short watch"
      server.closeWatches("/api/v1/pods");
      const sleeps = await drive(() => server.openWatches("/api/v1/pods") > 0);
      assert.deepEqual(errors.slice(-3), ["throttled", "throttled", "throttled"]);
      assert.deepEqual(sleeps.slice(0, 3), [1_000, 1_600, 3_200]);
      assert.equal(watches(server.requests).length, 4);
    },
  );

  await t.step("dropped connections back off too, and live events flow again afterwards", async () => {
    server.resetRequestLog();
    server.failNext(4, "reset", { path: "/api/v1/pods", watch: true });
    clock.advance(180_000); // healthy for 3 minutes: the schedule starts over
    server.closeWatches("/api/v1/pods");
    const sleeps = await drive(() => server.openWatches("/api/v1/pods") > 0);
    assert.equal(sleeps.length >= 4, true);
    assert.deepEqual(sleeps.slice(0, 4), [800, 1_600, 3_200, 6_400]);
    // Deno's fetch replays a request once when a pooled connection drops, so the log may hold extra entries.
    assert.ok(watches(server.requests).filter((r) => r.status === 0).length >= 4);
    assert.ok((informer.status().counters.errors.network ?? 0) >= 4);
    server.apply(pod("after"));
    await waitFor(() => informer.store.get("default", "after") !== undefined, "a live event after recovery");
  });
  await informer.stop();
  client.close();
});

Deno.test("Informer reports a forbidden kind and retries it slowly", async () => {
  await using server = await startFakeApiServer();
  server.forbid("secrets");
  const client = clientFor(server);
  const clock = new FakeClock();
  const informer = new Informer<KubeObject>(client, {
    path: "/api/v1/secrets",
    transform: stripObject,
    clock,
  });
  informer.start();
  await clock.waitForSleep();
  assert.equal(informer.status().health, "forbidden");
  assert.match(informer.status().lastError?.message ?? "", /forbidden/);
  assert.deepEqual(clock.sleeps, [180_000], "minutes, not the ordinary backoff");
  server.allow("secrets");
  clock.fireNext();
  await informer.store.ready();
  assert.equal(informer.status().health, "ok");
  await informer.stop();
  client.close();
});

Deno.test("Informer counts an object its transform cannot convert and keeps serving the rest", async () => {
  await using server = await startFakeApiServer();
  server.apply(pod("good"));
  server.apply(pod("bad"));
  const client = clientFor(server);
  const errors: string[] = [];
  const informer = podInformer(client, {
    transform: (object) => {
      if (object.metadata?.name?.startsWith("bad")) throw new Error("unexpected shape");
      return stripObject(object);
    },
    onError: (error) => errors.push(error.message),
  });
  informer.start();
  await informer.store.ready();
  assert.deepEqual(storeNames(informer), ["default/good"]);
  server.apply(pod("bad-2"));
  server.apply(pod("later"));
  await waitFor(
    () => informer.store.get("default", "later") !== undefined,
    "events after a failed transform",
  );
  assert.equal(informer.status().counters.errors.transform, 2);
  assert.match(errors[0], /Cannot convert (Pod|object) "default\/bad": unexpected shape/);
  assert.equal(informer.status().health, "ok");
  await informer.stop();
  client.close();
});
