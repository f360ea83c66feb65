import assert from "node:assert/strict";
import { InformerSet, type InformerSetOptions, type KindStatus } from "../../agent/informer/informer_set.ts";
import type { ResourceName, SecretKeys } from "../../agent/informer/resources.ts";
import { NoAuth } from "../../agent/sdk/auth.ts";
import { createKubeClient, type HttpKubeClient } from "../../agent/sdk/client.ts";
import type { KubeObject } from "../../agent/sdk/types.ts";
import { type FakeApiServer, startFakeApiServer } from "../support/fake_apiserver.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { waitFor } from "../support/wait.ts";

function clientFor(server: FakeApiServer): HttpKubeClient {
  return createKubeClient({ server: server.url, auth: new NoAuth(), namespace: "default", source: "test" });
}

const FAST: InformerSetOptions["informer"] = { backoff: { initialMs: 5, maxMs: 50 }, random: () => 0.5 };

function pod(name: string, namespace: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: { containers: [{ name: "app", image: "nginx:1" }] },
    ...extra,
  } as KubeObject;
}

function configMap(name: string, namespace: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data } as KubeObject;
}

function namespace(name: string): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}

function names(objects: readonly unknown[]): string[] {
  return objects.map((o) => {
    const meta = (o as KubeObject).metadata;
    return meta?.namespace ? `${meta.namespace}/${meta.name}` : `${meta?.name}`;
  }).sort();
}

function statusOf(set: InformerSet, kind: ResourceName): KindStatus {
  const status = set.status().find((s) => s.kind === kind);
  assert.ok(status, `no status for ${kind}`);
  return status;
}

/** A set that is stopped and whose client is closed when the test leaves the scope. */
function startSet(client: HttpKubeClient, options: InformerSetOptions): InformerSet & AsyncDisposable {
  const set = new InformerSet(client, { informer: FAST, ...options }) as InformerSet & AsyncDisposable;
  set[Symbol.asyncDispose] = async () => {
    await set.stop();
    client.close();
  };
  set.start();
  return set;
}

Deno.test("InformerSet reports forbidden and missing kinds without blocking ready() when the server denies or lacks them", async (t) => {
  await using server = await startFakeApiServer();
  server.apply(pod("a", "default"));
  server.apply(configMap("c", "default"));
  server.forbid("secrets");
  server.disableResource("ingresses");
  const errors: string[] = [];
  await using set = startSet(clientFor(server), {
    resources: ["pods", "secrets", "configmaps", "ingresses"],
    informer: { ...FAST, unavailableRetryMs: 50 },
    onError: (kind, error) => errors.push(`${kind}:${error.kind}`),
  });

  await t.step("ready() resolves with the unavailable kinds listed", async () => {
    const result = await set.ready({ timeoutMs: 5_000 });
    assert.deepEqual(result, {
      ready: true,
      pending: [],
      unavailable: ["secrets", "ingresses"],
      degraded: [],
    });
  });

  await t.step("status() names the health of every kind", () => {
    const secrets = statusOf(set, "secrets");
    assert.equal(secrets.health, "forbidden");
    assert.equal(secrets.synced, false);
    assert.equal(secrets.lastError?.kind, "forbidden");
    assert.match(secrets.lastError?.message ?? "", /403/);
    const ingresses = statusOf(set, "ingresses");
    assert.equal(ingresses.health, "missing");
    assert.equal(ingresses.lastError?.kind, "missing");
    assert.equal(ingresses.informers[0].path, "/apis/networking.k8s.io/v1/ingresses");
    for (const kind of ["pods", "configmaps"] as const) {
      const status = statusOf(set, kind);
      assert.equal(status.health, "ok");
      assert.equal(status.synced, true);
      assert.equal(status.objects, 1);
    }
    assert.ok(errors.includes("secrets:forbidden"));
    assert.ok(errors.includes("ingresses:missing"));
    assert.equal(set.store("secrets").size, 0);
  });

  await t.step("a kind that becomes allowed and served syncs on its slow retry", async () => {
    server.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" } });
    server.allow("secrets");
    server.enableResource("ingresses");
    await waitFor(() => set.readiness().unavailable.length === 0, "the retried kinds");
    assert.deepEqual(set.readiness(), { ready: true, pending: [], unavailable: [], degraded: [] });
    assert.equal(statusOf(set, "secrets").health, "ok");
    assert.equal(statusOf(set, "ingresses").health, "ok");
    assert.deepEqual(names(set.store("secrets").list()), ["default/s"]);
  });
});

Deno.test("InformerSet.ready() returns ready:false naming the kind that never syncs when the timeout ends", async (t) => {
  await using server = await startFakeApiServer();
  server.apply(configMap("c", "default"));
  // Every LIST and WATCH of configmaps fails with 500 until the faults are cleared.
  server.failNext(1_000_000, 500, "/api/v1/configmaps");
  await using set = startSet(clientFor(server), { resources: ["pods", "configmaps", "namespaces"] });

  await t.step("the timeout ends the wait with the failing kind pending", async () => {
    const result = await set.ready({ timeoutMs: 300 });
    assert.deepEqual(result, { ready: false, pending: ["configmaps"], unavailable: [], degraded: [] });
    const configmaps = statusOf(set, "configmaps");
    assert.equal(configmaps.health, "failing");
    assert.equal(configmaps.lastError?.kind, "server");
    assert.equal(statusOf(set, "pods").synced, true);
    assert.equal(statusOf(set, "namespaces").synced, true);
    assert.ok(
      server.requests.filter((r) => r.path === "/api/v1/configmaps").length >= 3,
      "the failing kind keeps retrying",
    );
  });

  await t.step("an aborted signal ends the wait the same way", async () => {
    const controller = new AbortController();
    const pending = set.ready({ signal: controller.signal });
    controller.abort();
    assert.deepEqual(await pending, { ready: false, pending: ["configmaps"], unavailable: [], degraded: [] });
  });

  await t.step("once the server recovers ready() resolves", async () => {
    const pending = set.ready({ timeoutMs: 5_000 });
    server.clearFaults();
    assert.deepEqual(await pending, { ready: true, pending: [], unavailable: [], degraded: [] });
    assert.equal(statusOf(set, "configmaps").health, "ok");
    assert.deepEqual(names(set.store("configmaps").list()), ["default/c"]);
  });
});

Deno.test("InformerSet opens one watch per namespace and ignores the others when namespaces are given", async (t) => {
  await using server = await startFakeApiServer();
  for (const ns of ["a", "b", "c"]) {
    server.apply(namespace(ns));
    server.apply(pod(`p-${ns}`, ns));
    server.apply(configMap(`cm-${ns}`, ns));
  }
  server.apply({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
  await using set = startSet(clientFor(server), {
    resources: ["pods", "configmaps", "nodes", "namespaces"],
    namespaces: ["a", "b"],
  });
  const ready = await set.ready({ timeoutMs: 5_000 });
  assert.equal(ready.ready, true);

  await t.step("one informer and one watch per namespace for namespaced kinds", async () => {
    assert.deepEqual(statusOf(set, "pods").informers.map((i) => i.path), [
      "/api/v1/namespaces/a/pods",
      "/api/v1/namespaces/b/pods",
    ]);
    assert.deepEqual(statusOf(set, "nodes").informers.map((i) => i.path), ["/api/v1/nodes"]);
    for (const path of ["/api/v1/namespaces/a/pods", "/api/v1/namespaces/b/configmaps"]) {
      await server.waitForWatch({ path: new RegExp(`^${path}$`) });
    }
    await server.waitForWatch({ path: /^\/api\/v1\/(nodes|namespaces)$/ }, { count: 2 });
    await server.waitForWatch(undefined, { count: 6 });
    assert.equal(server.openWatches(), 6, "2 pods + 2 configmaps + nodes + namespaces");
    const paths = new Set(server.requests.map((r) => r.path));
    assert.deepEqual([...paths].sort(), [
      "/api/v1/namespaces",
      "/api/v1/namespaces/a/configmaps",
      "/api/v1/namespaces/a/pods",
      "/api/v1/namespaces/b/configmaps",
      "/api/v1/namespaces/b/pods",
      "/api/v1/nodes",
    ], "no cluster-wide request for namespaced kinds, nothing for namespace c");
  });

  await t.step("the stores hold the scoped namespaces only; cluster-scoped kinds are complete", () => {
    assert.deepEqual(names(set.store("pods").list()), ["a/p-a", "b/p-b"]);
    assert.deepEqual(names(set.store("configmaps").list()), ["a/cm-a", "b/cm-b"]);
    assert.deepEqual(names(set.store("pods").listNamespace("b")), ["b/p-b"]);
    assert.equal(set.store("pods").get("c", "p-c"), undefined);
    assert.deepEqual(names(set.store("nodes").list()), ["n1"]);
    assert.deepEqual(names(set.store("namespaces").list()), [
      "a",
      "b",
      "c",
      "default",
      "kube-node-lease",
      "kube-public",
      "kube-system",
    ]);
  });

  await t.step("live changes in other namespaces never reach the stores", async () => {
    server.apply(pod("late-c", "c"));
    server.apply(pod("late-a", "a"));
    server.apply(pod("late-b", "b"));
    server.remove("v1", "configmaps", "c", "cm-c");
    server.remove("v1", "configmaps", "b", "cm-b");
    await waitFor(
      () => set.store("pods").size === 4 && set.store("configmaps").size === 1,
      "the live events",
    );
    assert.deepEqual(names(set.store("pods").list()), ["a/late-a", "a/p-a", "b/late-b", "b/p-b"]);
    assert.deepEqual(names(set.store("configmaps").list()), ["a/cm-a"]);
  });
});

Deno.test("InformerSet starts nothing for a kind when it is disabled", async () => {
  await using server = await startFakeApiServer();
  server.apply(pod("a", "default"));
  await using set = startSet(clientFor(server), {
    resources: ["pods", "secrets", "events", "configmaps"],
    disabled: ["secrets", "events"],
  });
  assert.deepEqual(set.kinds, ["pods", "configmaps"]);
  assert.deepEqual((await set.ready({ timeoutMs: 5_000 })).ready, true);
  assert.deepEqual(set.status().map((s) => s.kind), ["pods", "configmaps"]);
  assert.equal(set.store("secrets").size, 0);
  assert.deepEqual(set.store("secrets").list(), []);
  assert.equal(set.store("events").get("default", "x"), undefined);
  assert.equal(
    server.requests.filter((r) => r.path.endsWith("/secrets") || r.path.endsWith("/events")).length,
    0,
    "no request for a disabled kind",
  );
  assert.deepEqual(names(set.store("pods").list()), ["default/a"]);
});

Deno.test("InformerSet.onChange() names the changed kinds once when a burst falls in one window", async (t) => {
  await using server = await startFakeApiServer();
  const clock = new FakeClock(Date.now());
  const client = clientFor(server);
  const set = new InformerSet(client, {
    resources: ["pods", "configmaps", "services"],
    clock,
    changeCoalesceMs: 50,
    informer: FAST,
  });
  const calls: string[][] = [];
  const unsubscribe = set.onChange((kinds) => calls.push([...kinds].sort()));
  /** Fires the pending coalescing sleeps (never watchdog timers, which are minutes long). */
  const flush = () => {
    while (clock.hasPending({ maxMs: 50 })) clock.fireNext({ maxMs: 50 });
  };
  set.start();
  try {
    await t.step("the initial sync of every kind is announced once", async () => {
      await set.ready({ timeoutMs: 5_000 });
      await server.waitForWatch(undefined, { count: 3 });
      flush();
      await waitFor(() => calls.length > 0, "the first notification");
      assert.deepEqual(calls, [["configmaps", "pods", "services"]]);
      calls.length = 0;
    });

    await t.step("30 changes over two kinds give one call", async () => {
      for (let i = 0; i < 20; i++) server.apply(pod(`p-${i}`, "default"));
      for (let i = 0; i < 10; i++) server.apply(configMap(`cm-${i}`, "default"));
      await waitFor(() => set.store("pods").size === 20 && set.store("configmaps").size === 10, "the burst");
      assert.deepEqual(calls, [], "nothing before the coalescing window ends");
      assert.ok(clock.hasPending({ maxMs: 50 }), "one coalescing window is armed");
      flush();
      await waitFor(() => calls.length > 0, "the notification");
      assert.deepEqual(calls, [["configmaps", "pods"]]);
    });

    await t.step("the next window starts afresh and names only its kinds", async () => {
      server.apply({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "svc", namespace: "default" },
        spec: { ports: [{ port: 80 }] },
      });
      server.remove("v1", "pods", "default", "p-0");
      await waitFor(
        () => set.store("services").size === 1 && set.store("pods").size === 19,
        "the second burst",
      );
      flush();
      await waitFor(() => calls.length > 1, "the second notification");
      assert.deepEqual(calls, [["configmaps", "pods"], ["pods", "services"]]);
    });

    await t.step("an unsubscribed listener hears nothing more", async () => {
      unsubscribe();
      server.apply(pod("after", "default"));
      await waitFor(() => set.store("pods").get("default", "after") !== undefined, "the change");
      assert.equal(clock.hasPending({ maxMs: 50 }), false, "no window is armed without listeners");
      assert.equal(calls.length, 2);
    });
  } finally {
    await set.stop();
    client.close();
  }
});

Deno.test("InformerSet.stop() aborts open watches and releases ready() callers when informers are running", async (t) => {
  await using server = await startFakeApiServer();
  server.apply(pod("a", "default"));
  server.failNext(1_000_000, 500, (r) => r.path.endsWith("/services"));
  const client = clientFor(server);
  const set = new InformerSet(client, {
    resources: ["pods", "configmaps", "nodes", "namespaces", "services"],
    namespaces: ["default", "other"],
    informer: FAST,
  });
  set.start();
  await server.waitForWatch(undefined, { count: 6 });
  await waitFor(() => set.readiness().pending.join() === "services", "every other kind to sync");
  const waiting = set.ready();

  await t.step("every informer had a stream open", () => {
    assert.equal(server.openWatches(), 6, "pods and configmaps in 2 namespaces, nodes, namespaces");
  });

  await t.step("stop() ends every stream on the server and resolves ready() as not ready", async () => {
    await set.stop();
    assert.deepEqual(await waiting, {
      ready: false,
      pending: ["services"],
      unavailable: [],
      degraded: [],
    });
    await waitFor(() => server.openWatches() === 0, "the server to see every watch closed");
    const after = server.requests.length;
    server.clearFaults();
    client.close();
    assert.equal(server.requests.length, after, "nothing is retried after stop()");
  });

  await t.step("ready() after stop() does not hang", async () => {
    assert.equal((await set.ready()).ready, false);
  });
});

Deno.test("InformerSet resets the client's connections when every watch went idle", async (t) => {
  await using server = await startFakeApiServer();
  const client = clientFor(server);
  let resets = 0;
  const counting: HttpKubeClient = {
    ...client,
    resetConnections: () => {
      resets++;
      client.resetConnections();
    },
  };
  const idle = new Set<string>();
  await using set = startSet(counting, {
    resources: ["pods", "configmaps"],
    // No server-side timeout: only the watchdog (100 ms of silence) ends a stalled stream.
    informer: { ...FAST, watchTimeoutSeconds: { min: 0, max: 0 }, idleGraceMs: 100 },
    onError: (kind, error) => error.kind === "idle" && idle.add(kind),
  });
  await set.ready({ timeoutMs: 5_000 });
  await server.waitForWatch(undefined, { count: 2 });

  await t.step("a stall of every stream fires every watchdog and then one pool reset", async () => {
    server.setStall(true);
    await waitFor(() => resets > 0, "the connection reset");
    assert.deepEqual([...idle].sort(), ["configmaps", "pods"]);
  });

  await t.step("the informers recover once the server answers again", async () => {
    server.setStall(false);
    server.apply(pod("after-stall", "default"));
    await waitFor(
      () => set.store("pods").get("default", "after-stall") !== undefined,
      "the event after the stall",
    );
    assert.equal(statusOf(set, "pods").informers[0].counters.relists, 0, "a stall is healed by re-watching");
  });
});

Deno.test("InformerSet resets idle connections even when a kind is forbidden", async () => {
  await using server = await startFakeApiServer();
  server.forbid("secrets");
  const client = clientFor(server);
  let resets = 0;
  const counting: HttpKubeClient = {
    ...client,
    resetConnections: () => {
      resets++;
      client.resetConnections();
    },
  };
  await using set = startSet(counting, {
    resources: ["pods", "configmaps", "secrets"],
    informer: { ...FAST, watchTimeoutSeconds: { min: 0, max: 0 }, idleGraceMs: 100 },
  });
  await set.ready({ timeoutMs: 5_000 });
  await server.waitForWatch(undefined, { count: 2 });
  server.setStall(true);
  await waitFor(() => resets > 0, "a reset although secrets never opened a stream");
  server.setStall(false);
});

Deno.test("InformerSet.onChange() tells a late subscriber only about changes after it subscribed", async () => {
  await using server = await startFakeApiServer();
  const clock = new FakeClock();
  await using set = startSet(clientFor(server), {
    resources: ["pods", "services"],
    clock,
    changeCoalesceMs: 50,
  });
  await set.ready({ timeoutMs: 5_000 });
  const heard: string[][] = [];
  set.onChange((kinds) => heard.push([...kinds].sort()));
  server.apply(pod("late", "default"));
  await waitFor(() => set.store("pods").get("default", "late") !== undefined, "the pod");
  await waitFor(() => {
    clock.fireNext({ maxMs: 50 });
    return heard.length > 0;
  }, "the notification");
  assert.deepEqual(heard, [["pods"]]);
});

Deno.test("InformerSet stores transformed objects when a kind has a transform and stripped ones otherwise", async (t) => {
  await using server = await startFakeApiServer();
  server.apply(pod("a", "default", {
    metadata: {
      name: "a",
      namespace: "default",
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": '{"big":true}',
        keep: "me",
      },
      managedFields: [{ manager: "kubectl", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: {} }],
    },
  }));
  server.apply(configMap("c", "default", { one: "1", two: "2" }));
  const transformed: string[] = [];
  await using set = startSet(clientFor(server), {
    resources: ["pods", "configmaps"],
    transforms: {
      configmaps: (object) => {
        const cm = object as KubeObject & { data?: Record<string, string> };
        transformed.push(cm.metadata?.name ?? "");
        return { name: cm.metadata?.name, keys: Object.keys(cm.data ?? {}).sort() };
      },
    },
  });
  await set.ready({ timeoutMs: 5_000 });

  await t.step("the configured transform shapes listed objects", () => {
    assert.deepEqual(set.store("configmaps").list(), [{ name: "c", keys: ["one", "two"] }]);
  });

  await t.step("kinds without a transform lose managedFields and the last-applied annotation", () => {
    const stored = set.store<KubeObject>("pods").get("default", "a");
    assert.ok(stored);
    assert.equal(stored.metadata?.managedFields, undefined);
    assert.deepEqual(stored.metadata?.annotations, { keep: "me" });
    assert.equal(stored.metadata?.name, "a");
  });

  await t.step("live events go through the same transform", async () => {
    server.apply(configMap("c", "default", { three: "3" }));
    await waitFor(() => transformed.length >= 2, "the live event");
    await waitFor(
      () =>
        JSON.stringify(set.store("configmaps").list()) === JSON.stringify([{ name: "c", keys: ["three"] }]),
      "the transformed update",
    );
  });
});

Deno.test("InformerSet keeps only the key names when it caches Secrets", async (t) => {
  await using server = await startFakeApiServer();
  const value = btoa("hunter2-very-secret");
  server.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db",
      namespace: "default",
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ data: { value } }),
      },
    },
    type: "Opaque",
    data: { password: value, user: btoa("admin") },
  } as KubeObject);
  for (const streamingList of [true, false]) {
    await t.step(
      `the ${streamingList ? "streaming list" : "paged list"} and live events keep key names only`,
      async () => {
        await using set = startSet(clientFor(server), { resources: ["secrets"], streamingList });
        await set.ready({ timeoutMs: 5_000 });
        const listed = set.store<SecretKeys>("secrets").get("default", "db");
        assert.ok(listed);
        assert.deepEqual(listed.dataKeys, ["password", "user"]);
        assert.equal(listed.type, "Opaque");
        assert.equal("data" in listed, false);
        assert.equal(JSON.stringify(set.store("secrets").list()).includes(value), false);

        server.apply({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: `live-${streamingList}`, namespace: "default" },
          type: "kubernetes.io/basic-auth",
          data: { password: value },
          stringData: { token: "plain-text-token" },
        } as KubeObject);
        await waitFor(
          () => set.store("secrets").get("default", `live-${streamingList}`) !== undefined,
          "the event",
        );
        const json = JSON.stringify(set.store("secrets").list());
        assert.equal(json.includes(value), false);
        assert.equal(json.includes("plain-text-token"), false);
        assert.equal(json.includes("hunter2"), false);
      },
    );
  }
});
