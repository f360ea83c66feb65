import assert from "node:assert/strict";
import { MasterError, MasterNetworkError, type PushSnapshotResult } from "../../agent/gateway/mod.ts";
import {
  type BuiltSnapshot,
  type ChangeSource,
  PushLoop,
  type PushOutcome,
  type SnapshotProducer,
} from "../../agent/scheduler/mod.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { recordingLogger } from "./_support.ts";
import { nextTurn, waitFor } from "../support/wait.ts";

interface PushCall {
  json: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** A gateway whose pushes stay pending until the test settles them. */
class FakeGateway {
  calls: PushCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  #clock: FakeClock;
  latencyMs = 0;
  compressMs?: number;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  pushSnapshot(
    json: string | Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<PushSnapshotResult> {
    const text = typeof json === "string" ? json : new TextDecoder().decode(json);
    const { promise, resolve, reject } = Promise.withResolvers<PushSnapshotResult>();
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const done = () => this.inFlight--;
    options.signal?.addEventListener("abort", () => reject(options.signal?.reason), { once: true });
    this.calls.push({
      json: text,
      resolve: () => {
        this.#clock.advance(this.latencyMs);
        resolve({ status: 200, rawBytes: text.length, gzipBytes: 7, compressMs: this.compressMs });
      },
      reject,
    });
    return promise.finally(done);
  }
}

class FakeProducer implements SnapshotProducer {
  version = 0;
  builds = 0;
  failNext = false;
  build(): BuiltSnapshot {
    this.builds++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error("Cannot build snapshot: store not synced");
    }
    return { json: JSON.stringify({ clusterId: "c1", version: this.version }) };
  }
}

class FakeChanges implements ChangeSource {
  listeners = new Set<() => void>();
  #ready = Promise.withResolvers<void>();
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  ready(): Promise<void> {
    return this.#ready.promise;
  }
  markReady(): void {
    this.#ready.resolve();
  }
  failReady(error: Error): void {
    this.#ready.reject(error);
  }
  fire(): void {
    for (const listener of this.listeners) listener();
  }
}

function setup(options: { changes?: boolean } = {}) {
  const clock = new FakeClock();
  const gateway = new FakeGateway(clock);
  const producer = new FakeProducer();
  const changes = options.changes === false ? undefined : new FakeChanges();
  const logger = recordingLogger();
  const outcomes: PushOutcome[] = [];
  const loop = new PushLoop({ gateway, producer, changes }, {
    clock,
    logger,
    onPush: (outcome) => outcomes.push(outcome),
  });
  const controller = new AbortController();
  return { clock, gateway, producer, changes, logger, outcomes, loop, controller, t0: clock.now() };
}

Deno.test("PushLoop pushes as soon as the sources are ready, then every interval", async () => {
  const { clock, gateway, changes, loop, controller } = setup();
  const run = loop.run(controller.signal);
  await nextTurn();
  assert.equal(gateway.calls.length, 0, "no push before ready");
  changes?.markReady();
  await waitFor(() => gateway.calls.length === 1, "the first push");
  assert.equal(loop.stats.lastTrigger, "initial");
  const slept = clock.waitForSleep();
  gateway.calls[0].resolve();
  await slept;
  assert.equal(clock.sleeps.at(-1), 10_000);
  clock.advance(9_999);
  await nextTurn();
  assert.equal(gateway.calls.length, 1);
  clock.advance(1);
  await waitFor(() => gateway.calls.length === 2, "the interval push");
  assert.equal(loop.stats.lastTrigger, "interval");
  controller.abort();
  await run;
  assert.equal(changes?.listeners.size, 0, "unsubscribed from changes");
});

Deno.test("PushLoop pushes soon after a change, at most once per minimum gap", async () => {
  const { clock, gateway, producer, changes, loop, controller, t0 } = setup();
  changes?.markReady();
  const run = loop.run(controller.signal);
  await waitFor(() => gateway.calls.length === 1, "the first push");
  let slept = clock.waitForSleep();
  gateway.calls[0].resolve();
  await slept;

  // A burst right after a push waits for the minimum gap, and is one push.
  slept = clock.waitForSleep();
  changes?.fire();
  await slept;
  assert.equal(clock.sleeps.at(-1), 1_000);
  changes?.fire();
  changes?.fire();
  await nextTurn();
  clock.advance(1_000);
  await waitFor(() => gateway.calls.length === 2, "the change push");
  assert.equal(clock.now() - t0, 1_000);
  assert.equal(loop.stats.lastTrigger, "change");
  slept = clock.waitForSleep();
  gateway.calls[1].resolve();
  await slept;
  assert.equal(clock.sleeps.at(-1), 10_000, "the interval restarts after a change push");

  // A change long after the last push only waits for the short change delay.
  clock.advance(5_000);
  slept = clock.waitForSleep();
  changes?.fire();
  await slept;
  assert.equal(clock.sleeps.at(-1), 100);
  clock.advance(100);
  await waitFor(() => gateway.calls.length === 3, "the second change push");
  assert.equal(producer.builds, 3);
  assert.equal(loop.stats.changesSeen, 4);
  controller.abort();
  await run;
});

Deno.test("PushLoop spaces change pushes by four times the last push's local work when it is slow", async () => {
  const { clock, gateway, changes, loop, controller, t0 } = setup();
  gateway.compressMs = 600; // a large cluster: compressing takes 600 ms (the Master's answer time does not count)
  gateway.latencyMs = 600;
  changes?.markReady();
  const run = loop.run(controller.signal);
  await waitFor(() => gateway.calls.length === 1, "the first push");
  let slept = clock.waitForSleep();
  gateway.calls[0].resolve();
  await slept;
  slept = clock.waitForSleep();
  changes?.fire();
  await slept;
  // 600 ms of local work at a 25 % duty cycle: the next push starts 2.4 s after the previous one, not 1 s.
  const wait = clock.sleeps.at(-1) ?? 0;
  assert.equal(clock.now() - t0 + wait, 2_400);
  clock.advance(wait);
  await waitFor(() => gateway.calls.length === 2, "the change push");
  assert.equal(clock.now() - t0, 2_400);
  controller.abort();
  await run;
});

Deno.test("PushLoop never overlaps pushes and sends the newest snapshot instead of waiting ones", async () => {
  const { clock, gateway, producer, changes, loop, controller } = setup();
  changes?.markReady();
  const run = loop.run(controller.signal);
  await waitFor(() => gateway.calls.length === 1, "the first push");
  for (let v = 1; v <= 5; v++) {
    producer.version = v;
    changes?.fire();
    clock.advance(600);
    await nextTurn();
  }
  assert.equal(gateway.calls.length, 1, "nothing starts while a push is in flight");
  gateway.calls[0].resolve();
  // That push took 3 s, so the duty-cycle cap (not this test's subject) decides when the next one starts.
  await waitFor(() => {
    if (gateway.calls.length < 2) clock.fireNext();
    return gateway.calls.length === 2;
  }, "the follow-up push");
  assert.equal(JSON.parse(gateway.calls[1].json).version, 5);
  assert.equal(producer.builds, 2, "built at send time: five changes, one build");
  assert.equal(gateway.maxInFlight, 1);
  controller.abort();
  await run;
});

Deno.test("PushLoop backs off after failures, rebuilds each time and throttles its warnings", async () => {
  const { clock, gateway, producer, changes, logger, loop, controller, t0 } = setup();
  changes?.markReady();
  const run = loop.run(controller.signal);
  const failAt: number[] = [];
  for (let i = 0; i < 7; i++) {
    await waitFor(() => gateway.calls.length === i + 1, `push ${i + 1}`);
    failAt.push(clock.now() - t0);
    const slept = clock.waitForSleep();
    gateway.calls[i].reject(new MasterNetworkError("connection", "POST", "/agent/snapshot"));
    await slept;
    if (i === 0) {
      // A change during the backoff does not cut it short.
      clock.advance(400);
      const again = clock.waitForSleep();
      changes?.fire();
      await again;
      assert.equal(clock.sleeps.at(-1), 600);
    }
    clock.fireNext();
  }
  assert.deepEqual(failAt, [0, 1_000, 3_000, 7_000, 15_000, 25_000, 35_000]);
  assert.equal(producer.builds, 7);
  const stats = loop.stats;
  assert.equal(stats.pushesFailed, 7);
  assert.equal(stats.consecutiveFailures, 7);
  assert.match(stats.lastError ?? "", /connection/);
  const warnings = logger.entries.filter((e) => e.level === "warn");
  assert.equal(warnings.length, 2, "first failure, then one line per 30 s");
  assert.equal(warnings[1].properties?.suppressed, 5);

  await waitFor(() => gateway.calls.length === 8, "push 8");
  const slept = clock.waitForSleep();
  gateway.calls[7].resolve();
  await slept;
  assert.equal(clock.sleeps.at(-1), 10_000);
  assert.equal(loop.stats.consecutiveFailures, 0);
  assert.ok(logger.entries.some((e) => e.level === "info" && e.message === "Snapshot push recovered"));
  controller.abort();
  await run;
});

Deno.test("PushLoop counts a build failure and retries with a fresh build", async () => {
  const { clock, gateway, producer, logger, loop, controller, outcomes } = setup({ changes: false });
  producer.failNext = true;
  const slept = clock.waitForSleep();
  const run = loop.run(controller.signal);
  await slept;
  assert.equal(gateway.calls.length, 0);
  assert.equal(loop.stats.buildsFailed, 1);
  assert.equal(logger.entries[0].message, "Cannot build snapshot");
  assert.deepEqual(outcomes.map((o) => o.ok ? "ok" : o.stage), ["build"]);
  clock.fireNext();
  await waitFor(() => gateway.calls.length === 1, "the retry");
  assert.equal(loop.stats.lastTrigger, "retry");
  controller.abort();
  await run;
});

Deno.test("PushLoop exposes counters and calls the metrics hook", async () => {
  const { clock, gateway, loop, controller, outcomes } = setup({ changes: false });
  gateway.latencyMs = 250;
  const run = loop.run(controller.signal);
  await waitFor(() => gateway.calls.length === 1, "the first push");
  const slept = clock.waitForSleep();
  gateway.calls[0].resolve();
  await slept;
  const stats = loop.stats;
  assert.equal(stats.pushesOk, 1);
  assert.equal(stats.lastLatencyMs, 250);
  assert.equal(stats.lastRawBytes, gateway.calls[0].json.length);
  assert.equal(stats.lastGzipBytes, 7);
  assert.equal(stats.lastSuccessAt, clock.now());
  assert.deepEqual(outcomes, [{
    ok: true,
    trigger: "initial",
    latencyMs: 250,
    buildMs: 0,
    rawBytes: gateway.calls[0].json.length,
    gzipBytes: 7,
    status: 200,
  }]);
  controller.abort();
  await run;
});

Deno.test("PushLoop pushes anyway when readiness fails, and stops cleanly before readiness", async (t) => {
  await t.step("readiness fails", async () => {
    const { gateway, changes, logger, loop, controller } = setup();
    changes?.failReady(new Error("Kinds not synced: pods"));
    const run = loop.run(controller.signal);
    await waitFor(() => gateway.calls.length === 1, "the first push");
    assert.match(String(logger.entries[0].properties?.error), /pods/);
    controller.abort();
    await run;
  });
  await t.step("stopped before ready", async () => {
    const { gateway, loop, controller } = setup();
    const run = loop.run(controller.signal);
    controller.abort();
    await run;
    assert.equal(gateway.calls.length, 0);
  });
  await t.step("a 400 from the Master is a counted failure too", async () => {
    const { clock, gateway, loop, controller } = setup({ changes: false });
    const run = loop.run(controller.signal);
    await waitFor(() => gateway.calls.length === 1, "the first push");
    const slept = clock.waitForSleep();
    gateway.calls[0].reject(
      new MasterError({ status: 400, method: "POST", path: "/agent/snapshot", body: "x" }),
    );
    await slept;
    assert.equal(loop.stats.pushesFailed, 1);
    controller.abort();
    await run;
  });
});
