/**
 * Failure paths of the informers that must heal by themselves and tell the truth meanwhile: a server that comes
 * back behind our resourceVersion, a watch that goes silent, an unreachable server that answers again, kinds that
 * never synced, and error logs that stay readable.
 */
import assert from "node:assert/strict";
import { Informer } from "../../agent/informer/informer.ts";
import { type ErrorReport, InformerSet, type RecoveryReport } from "../../agent/informer/informer_set.ts";
import type { InformerError } from "../../agent/informer/errors.ts";
import { stripObject } from "../../agent/informer/resources.ts";
import { createKubeClient, type HttpKubeClient } from "../../agent/sdk/client.ts";
import { NoAuth } from "../../agent/sdk/auth.ts";
import type { KubeObject } from "../../agent/sdk/types.ts";
import { type FakeApiServer, startFakeApiServer } from "../support/fake_apiserver.ts";
import { FakeClock } from "../support/fake_clock.ts";

function clientFor(url: string): HttpKubeClient {
  return createKubeClient({ server: url, auth: new NoAuth(), namespace: "default", source: "test" });
}

function pod(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { containers: [{ name: "app", image: "nginx:1" }] },
  } as KubeObject;
}

/** Polls `condition` with real time; only to wait for an asynchronous effect, never to measure. */
async function until(condition: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function podNames(informer: Informer<KubeObject>): string[] {
  return informer.store.list().map((p) => p.metadata?.name ?? "").sort();
}

Deno.test("Informer relists at once, with a consistent read, when the server comes back behind its resourceVersion", async () => {
  const first = await startFakeApiServer({ initialResourceVersion: 50_000 });
  first.apply(pod("old-a"));
  first.apply(pod("old-b"));
  const port = first.port;
  const client = clientFor(first.url);
  const clock = new FakeClock();
  const errors: InformerError[] = [];
  const informer = new Informer<KubeObject>(client, {
    path: "/api/v1/pods",
    transform: stripObject,
    clock,
    random: () => 0,
    onError: (error) => errors.push(error),
  });
  informer.start();
  let second: FakeApiServer | undefined;
  try {
    await until(() => informer.store.synced && first.openWatches("/api/v1/pods") > 0, "the first sync");
    const oldVersion = Number(informer.status().resourceVersion);
    assert.ok(oldVersion > 50_000);

    // etcd restored from an older backup behind the same address: other objects, lower resourceVersions.
    await first.close();
    second = await startFakeApiServer({ port, initialResourceVersion: 1_000 });
    second.apply(pod("new-c"));
    // The dropped connection is a transport failure: fire its backoff pauses until the server is asked again.
    await until(() => {
      if (clock.hasPending({ maxMs: 20_000 })) clock.fireNext({ maxMs: 20_000 });
      return podNames(informer).join() === "new-c";
    }, "the store to show the new server's objects only");

    const tooLarge = errors.find((e) => e.tooLarge);
    assert.ok(tooLarge, `a too-large answer was seen: ${JSON.stringify(errors)}`);
    assert.equal(tooLarge.kind, "expired");
    const lists = second.requests.filter((r) => r.path === "/api/v1/pods" && !r.watch);
    assert.equal(lists.length, 1, "one relist, not one at the old version first");
    assert.equal(lists[0].query.resourceVersion ?? "", "", "the relist is a consistent read");
    const staleWatch = second.requests.find((r) => r.watch && Number(r.query.resourceVersion) === oldVersion);
    assert.ok(staleWatch, "the agent resumed from its old version and was told it is too large");
    // The pause after "too large" was 0: the relist did not wait for an error backoff.
    const index = errors.indexOf(tooLarge);
    assert.equal(index, errors.length - 1, "no other error after it");
    assert.ok(clock.sleeps.includes(0), `an immediate relist: ${clock.sleeps.join(", ")}`);
    assert.equal(informer.status().health, "ok");
  } finally {
    await informer.stop();
    client.close();
    await first.close();
    await second?.close();
  }
});

Deno.test("Informer replaces a watch silent for two bookmark periods (2 min), not after 5-10 min", async () => {
  await using server = await startFakeApiServer();
  server.apply(pod("a"));
  const client = clientFor(server.url);
  const clock = new FakeClock();
  const errors: string[] = [];
  const informer = new Informer<KubeObject>(client, {
    path: "/api/v1/pods",
    transform: stripObject,
    clock,
    random: () => 0,
    onError: (error) => errors.push(error.kind),
  });
  informer.start();
  try {
    await until(() => informer.store.synced && server.openWatches("/api/v1/pods") === 1, "the watch");
    // A black hole: the stream stays open and sends nothing.
    server.stallWatches("/api/v1/pods");
    const advance = async (ms: number) => {
      for (let done = 0; done < ms; done += 1_000) {
        clock.advance(1_000);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    await advance(118_000);
    assert.equal(errors.length, 0, `a quiet minute and a half is not yet dead: ${errors.join()}`);
    await advance(3_000);
    await until(() => errors.includes("idle"), "the watchdog");
    await until(() => {
      if (clock.hasPending({ maxMs: 2_000 })) clock.fireNext({ maxMs: 2_000 });
      return informer.status().counters.watchRestarts >= 1;
    }, "the replacement watch");
    // The server answered the new watch: the transport failure is over even before a quiet kind's next bookmark.
    assert.equal(informer.status().health, "ok");
    assert.equal(informer.status().failingSince, undefined);
    server.apply(pod("b"));
    await until(() => podNames(informer).join() === "a,b", "events on the new watch");
  } finally {
    await informer.stop();
    client.close();
  }
});

Deno.test("InformerSet holds the snapshot for kinds that never synced, reports errors throttled, recoveries, and readiness", async (t) => {
  await using server = await startFakeApiServer();
  server.apply(pod("a"));
  server.forbid("secrets");
  const client = clientFor(server.url);
  const clock = new FakeClock();
  const reports: ErrorReport[] = [];
  const recoveries: RecoveryReport[] = [];
  let configmapErrors = 0;
  const set = new InformerSet(client, {
    resources: ["pods", "configmaps", "secrets"],
    clock,
    informer: { backoff: { initialMs: 100, maxMs: 100, jitter: 0 }, random: () => 0 },
    onError: (kind) => kind === "configmaps" && configmapErrors++,
    onErrorReport: (report) => reports.push(report),
    onRecovered: (report) => recoveries.push(report),
  });
  server.failNext(1_000, 500, { path: "/api/v1/configmaps" });
  set.start();
  try {
    await t.step("a kind failing before its first sync holds the push; forbidden ones do not", async () => {
      await until(() => set.status().find((s) => s.kind === "pods")?.synced === true, "pods");
      await until(() => set.snapshotHold()?.includes("configmaps (server") === true, "the hold");
      const hold = set.snapshotHold() ?? "";
      assert.ok(!hold.includes("pods") && !hold.includes("secrets"), hold);
      assert.equal(set.readiness().ready, false);
    });

    await t.step("errors are reported once, then once a minute with the count left out", async () => {
      await until(() => {
        if (clock.hasPending({ maxMs: 100 })) clock.fireNext({ maxMs: 100 });
        return configmapErrors >= 20;
      }, "20 failures");
      const configmaps = reports.filter((r) => r.kind === "configmaps");
      assert.equal(configmaps.length, 1, "20 failures within a minute: one line");
      clock.advance(60_000);
      await until(() => reports.filter((r) => r.kind === "configmaps").length === 2, "the summary");
      const summary = reports.filter((r) => r.kind === "configmaps")[1];
      assert.ok(summary.suppressed >= 19, `suppressed ${summary.suppressed}`);
      assert.equal(reports.filter((r) => r.kind === "secrets").length, 1, "a forbidden kind: one line");
    });

    await t.step("the recovery is reported when it happens and releases the hold", async () => {
      server.clearFaults();
      await until(() => {
        if (clock.hasPending({ maxMs: 100 })) clock.fireNext({ maxMs: 100 });
        return recoveries.some((r) => r.kind === "configmaps");
      }, "the recovery");
      const recovery = recoveries.find((r) => r.kind === "configmaps");
      assert.ok(recovery && recovery.errors > 20 && recovery.failedForMs >= 60_000, JSON.stringify(recovery));
      assert.equal(set.snapshotHold(), undefined);
      assert.equal(set.readiness().ready, true);
    });

    await t.step(
      "a synced kind failing longer than the threshold fails readiness, without holding pushes",
      async () => {
        server.failNext(100_000, 500, { path: "/api/v1/pods" });
        server.closeWatches("/api/v1/pods");
        await until(() => set.status().find((s) => s.kind === "pods")?.health === "failing", "pods failing");
        assert.equal(set.readiness().ready, true, "a short failure is not yet a degraded kind");
        clock.advance(151_000);
        const readiness = set.readiness();
        // Bookmarks of the fake run on real time: on the fake clock the healthy configmaps heard nothing either.
        assert.deepEqual(readiness.degraded, ["pods", "configmaps"]);
        assert.equal(readiness.ready, false);
        assert.match(set.status().find((s) => s.kind === "pods")?.degraded ?? "", /failing for 15\d s/);
        assert.match(
          set.status().find((s) => s.kind === "configmaps")?.degraded ?? "",
          /no answer .* for 15\d s/,
        );
        assert.equal(set.snapshotHold(), undefined, "its last picture is stale, not empty: pushes go on");
        server.clearFaults();
      },
    );
  } finally {
    await set.stop();
    client.close();
  }
});

Deno.test("InformerSet retries at once when an unreachable API server answers again, not after a 30 s backoff", async () => {
  const first = await startFakeApiServer();
  first.apply(pod("a"));
  const port = first.port;
  const client = clientFor(first.url);
  const clock = new FakeClock();
  const start = clock.now();
  // A long backoff stands for one grown during a long outage: only the probe can end it early.
  const set = new InformerSet(client, {
    resources: ["pods"],
    clock,
    informer: { backoff: { initialMs: 30_000, maxMs: 30_000, jitter: 0 }, random: () => 0 },
  });
  set.start();
  let second: FakeApiServer | undefined;
  try {
    await until(() => set.readiness().ready && first.openWatches() === 1, "the first sync");
    await first.close();
    await until(() => set.status()[0].health === "failing", "the dropped watch");
    // One probe while the server is down...
    await until(() => clock.hasPending({ maxMs: 2_000 }), "the first probe to be planned");
    clock.fireNext({ maxMs: 2_000 });
    await until(() => clock.hasPending({ maxMs: 2_000 }), "the next probe to be planned");
    second = await startFakeApiServer({ port });
    second.apply(pod("a"));
    second.apply(pod("b"));
    // ...and one once it is back: the informer's 30 s pause ends at once.
    clock.fireNext({ maxMs: 2_000 });
    await until(() => set.store<KubeObject>("pods").list().length === 2, "the relist after the wake-up");
    assert.ok(second.requests.some((r) => r.path === "/version"), "the probe asked /version");
    assert.ok(clock.now() - start < 30_000, "healed before the informer's own 30 s backoff ended");
  } finally {
    await set.stop();
    client.close();
    await first.close();
    await second?.close();
  }
});
