import assert from "node:assert/strict";
import { MasterError, NetworkError, type PushSnapshotResult } from "../../agent/gateway/mod.ts";
import type { Command } from "../../model/mod.ts";
import {
  type BuiltSnapshot,
  type ChangeSource,
  type CommandExecutor,
  type EffectTarget,
  PushLoop,
  type PushLoopOptions,
  type PushOutcome,
  reportEffects,
  type SnapshotProducer,
} from "../../agent/scheduler/mod.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { recordingLogger } from "./_support.ts";
import { nextTurn, waitFor } from "../support/wait.ts";

interface PushCall {
  json: string;
  /** Clock time the push reached the gateway (its build is done by then). */
  at: number;
  settled: boolean;
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
    const call: PushCall = {
      json: text,
      at: this.#clock.now(),
      settled: false,
      resolve: () => {
        call.settled = true;
        this.#clock.advance(this.latencyMs);
        resolve({ status: 200, rawBytes: text.length, gzipBytes: 7, compressMs: this.compressMs });
      },
      reject: (error) => {
        call.settled = true;
        reject(error);
      },
    };
    this.calls.push(call);
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

/**
 * Starts the loop with the caches ready and lets its first push succeed; returns the running loop (wrapped: an
 * async function would wait for it).
 */
async function runPastFirstPush(env: ReturnType<typeof setup>): Promise<{ run: Promise<void> }> {
  env.changes?.markReady();
  const run = env.loop.run(env.controller.signal);
  await waitFor(() => env.gateway.calls.length === 1, "the first push");
  env.gateway.calls[0].resolve();
  await nextTurn();
  return { run };
}

function setup(options: { changes?: boolean } & PushLoopOptions = {}) {
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
    ...options,
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

/**
 * Runs the loop for `ms` of fake time under continuous churn (a change every `stepMs`), answering each push about
 * `pushMs` after it arrived.
 */
async function churn(
  env: ReturnType<typeof setup>,
  ms: number,
  options: { stepMs?: number; pushMs?: number; during?: (elapsed: number) => void } = {},
): Promise<void> {
  const stepMs = options.stepMs ?? 50;
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    env.producer.version++;
    env.changes?.fire();
    options.during?.(elapsed);
    await nextTurn();
    for (const call of env.gateway.calls) {
      if (!call.settled && env.clock.now() - call.at >= (options.pushMs ?? 0)) call.resolve();
    }
    env.clock.advance(stepMs);
  }
  // A push due at the window's last instant starts (and stays in flight).
  await nextTurn();
}

Deno.test("PushLoop pushes exactly once per interval under continuous churn, on a grid that push time does not shift", async () => {
  const env = setup();
  const { gateway, producer, changes, loop, controller, t0 } = env;
  changes?.markReady();
  const run = loop.run(controller.signal);
  await waitFor(() => gateway.calls.length === 1, "the first push");
  // A change every 100 ms for almost a minute, and every push takes 700 ms to build and send.
  await churn(env, 59_000, { stepMs: 100, pushMs: 700 });
  const starts = gateway.calls.map((c) => c.at - t0);
  assert.deepEqual(starts, [0, 10_000, 20_000, 30_000, 40_000, 50_000]);
  assert.deepEqual(loop.stats.lastTrigger, "interval");
  assert.ok(loop.stats.changesSeen >= 590, `${loop.stats.changesSeen} changes seen`);
  assert.equal(producer.builds, 6, "one build per push");
  assert.ok(
    JSON.parse(gateway.calls[5].json).version > JSON.parse(gateway.calls[4].json).version,
    "built at send time",
  );
  controller.abort();
  await run;
});

Deno.test("PushLoop drops a beat missed by a push slower than the interval instead of pushing back to back", async () => {
  const env = setup();
  const { gateway, changes, loop, controller, t0 } = env;
  changes?.markReady();
  const run = loop.run(controller.signal);
  await waitFor(() => gateway.calls.length === 1, "the first push");
  await churn(env, 45_000, { stepMs: 250, pushMs: 12_000 });
  // 0 → 12 s (the 10 s beat is missed and dropped), then on the grid: 20 s → 32 s, 40 s.
  assert.deepEqual(gateway.calls.map((c) => c.at - t0), [0, 20_000, 40_000]);
  assert.equal(gateway.maxInFlight, 1);
  controller.abort();
  await run;
});

/** A deployment in a fake informer store; the watch replaces the stored object when the new generation arrives. */
function fakeDeploymentStore() {
  const store = new Map<string, { generation: number }>([["default/web", { generation: 1 }]]);
  const lookup = (target: EffectTarget) => store.get(`${target.namespace}/${target.name}`);
  return {
    lookup,
    watchDelivers(generation: number) {
      store.set("default/web", { generation });
    },
  };
}

const SCALE: Command = {
  id: "cmd-1",
  clusterId: "c1",
  action: "scale",
  kind: "Deployment",
  namespace: "default",
  name: "web",
  params: { replicas: 3 },
  createdAt: "2026-01-01T00:00:00Z",
};

function fakeExecutor(success: boolean): CommandExecutor & { runs: number } {
  return {
    runs: 0,
    execute(command) {
      this.runs++;
      return Promise.resolve({
        commandId: command.id,
        success,
        ...(success ? {} : { error: "command refused: read-only mode" }),
        executedAt: "2026-01-01T00:00:00Z",
      });
    },
  };
}

Deno.test("PushLoop pushes one follow-up once the store shows a scale's new generation, then keeps the beat", async () => {
  const env = setup();
  const { clock, gateway, changes, loop, controller, t0 } = env;
  const store = fakeDeploymentStore();
  const executor = reportEffects(fakeExecutor(true), {
    lookup: store.lookup,
    onEffect: (p) => loop.followUp(p),
  });
  const { run } = await runPastFirstPush(env);
  clock.advance(3_000);

  let slept = clock.waitForSleep();
  const result = await executor.execute(SCALE);
  assert.equal(result.success, true);
  await slept;
  assert.equal(gateway.calls.length, 1, "no push before the effect is seen");
  assert.equal(clock.sleeps.at(-1), 1_000, "waits at most the bound for the effect");
  // Unrelated churn does not count as the effect.
  changes?.fire();
  clock.advance(200);
  await nextTurn();
  assert.equal(gateway.calls.length, 1);
  // The watch delivers the new generation 300 ms after the result.
  clock.advance(100);
  store.watchDelivers(2);
  changes?.fire();
  await waitFor(() => gateway.calls.length === 2, "the follow-up push");
  assert.equal(gateway.calls[1].at - t0, 3_300);
  assert.equal(loop.stats.lastTrigger, "command");
  slept = clock.waitForSleep();
  gateway.calls[1].resolve();
  await slept;
  assert.equal(clock.sleeps.at(-1), 6_700, "the next beat stays at 10 s");

  // One follow-up per command: later changes of the same deployment do not push again.
  await churn(env, 6_700, {
    stepMs: 100,
    during: (elapsed) => elapsed % 1_000 === 0 && store.watchDelivers(3 + elapsed),
  });
  assert.deepEqual(gateway.calls.map((c) => c.at - t0), [0, 3_300, 10_000]);
  assert.equal(loop.stats.followUpsRequested, 1);
  assert.equal(loop.stats.followUpsUnobserved, 0);
  controller.abort();
  await run;
});

Deno.test("PushLoop pushes no follow-up for a refused command", async () => {
  const env = setup();
  const { clock, gateway, loop, controller, t0 } = env;
  const store = fakeDeploymentStore();
  const refused = fakeExecutor(false);
  const executor = reportEffects(refused, { lookup: store.lookup, onEffect: (p) => loop.followUp(p) });
  const { run } = await runPastFirstPush(env);
  clock.advance(3_000);
  const result = await executor.execute(SCALE);
  assert.equal(result.success, false);
  assert.equal(refused.runs, 1);
  await churn(env, 7_000, { stepMs: 100 });
  assert.deepEqual(gateway.calls.map((c) => c.at - t0), [0, 10_000], "only the beats");
  assert.equal(loop.stats.followUpsRequested, 0);
  controller.abort();
  await run;
});

Deno.test("PushLoop sends a follow-up at the wait bound when nothing is observable, at most one per 2 s", async () => {
  const env = setup();
  const { clock, gateway, loop, controller, t0 } = env;
  const { run } = await runPastFirstPush(env);
  clock.advance(2_000);
  // Three commands within 600 ms whose effects never show on one object (apply_manifests, a no-op scale).
  const never = { observed: () => false };
  loop.followUp(never);
  await churn(env, 300, { stepMs: 100 });
  loop.followUp(never);
  await churn(env, 300, { stepMs: 100 });
  loop.followUp(never);
  // 2.0 s: first at its 1 s bound (3.0 s); the others are ready at 3.3 s and 3.6 s but wait for the 2 s gap (5.0 s).
  await churn(env, 7_400, { stepMs: 100 });
  assert.deepEqual(gateway.calls.map((c) => c.at - t0), [0, 3_000, 5_000, 10_000]);
  assert.deepEqual(env.outcomes.map((o) => o.trigger), ["initial", "command", "command"]);
  assert.equal(loop.stats.lastTrigger, "interval");
  assert.equal(loop.stats.followUpsRequested, 3);
  assert.equal(loop.stats.followUpsUnobserved, 3);
  controller.abort();
  await run;
});

Deno.test("PushLoop lets a beat within the wait bound carry a follow-up instead of pushing twice", async () => {
  const env = setup();
  const { clock, gateway, loop, controller, t0 } = env;
  const { run } = await runPastFirstPush(env);
  clock.advance(9_500);
  loop.followUp({ observed: () => true });
  await churn(env, 3_000, { stepMs: 100 });
  assert.deepEqual(gateway.calls.map((c) => c.at - t0), [0, 10_000]);
  assert.equal(loop.stats.lastTrigger, "interval");
  controller.abort();
  await run;
});

Deno.test("PushLoop in change mode pushes after changes and takes no follow-ups; interval mode ignores churn", async (t) => {
  await t.step("change mode", async () => {
    const env = setup({ pushMode: "change" });
    env.changes?.markReady();
    const run = env.loop.run(env.controller.signal);
    await waitFor(() => env.gateway.calls.length === 1, "the first push");
    env.loop.followUp({ observed: () => true });
    await churn(env, 5_000, { stepMs: 100 });
    // A change push per 1 s minimum gap (the default), none of them a follow-up.
    assert.deepEqual(env.gateway.calls.map((c) => c.at - env.t0), [0, 1_000, 2_000, 3_000, 4_000, 5_000]);
    assert.ok(env.outcomes.slice(1).every((o) => o.trigger === "change"));
    assert.equal(env.loop.stats.followUpsRequested, 0);
    assert.equal(env.loop.mode, "change");
    env.controller.abort();
    await run;
  });
  await t.step("interval mode (the default)", async () => {
    const env = setup();
    env.changes?.markReady();
    const run = env.loop.run(env.controller.signal);
    await waitFor(() => env.gateway.calls.length === 1, "the first push");
    await churn(env, 5_000, { stepMs: 100 });
    assert.equal(env.gateway.calls.length, 1);
    assert.equal(env.loop.mode, "interval");
    env.controller.abort();
    await run;
  });
});

Deno.test("PushLoop (change mode) pushes soon after a change, at most once per minimum gap", async () => {
  const { clock, gateway, producer, changes, loop, controller, t0 } = setup({ pushMode: "change" });
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

Deno.test("PushLoop (change mode) spaces change pushes by four times the last push's local work when it is slow", async () => {
  const { clock, gateway, changes, loop, controller, t0 } = setup({ pushMode: "change" });
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

Deno.test("PushLoop (change mode) never overlaps pushes and sends the newest snapshot instead of waiting ones", async () => {
  const { clock, gateway, producer, changes, loop, controller } = setup({ pushMode: "change" });
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

Deno.test("PushLoop (change mode) backs off after failures, rebuilds each time and throttles its warnings", async () => {
  const { clock, gateway, producer, changes, logger, loop, controller, t0 } = setup({ pushMode: "change" });
  changes?.markReady();
  const run = loop.run(controller.signal);
  const failAt: number[] = [];
  for (let i = 0; i < 7; i++) {
    await waitFor(() => gateway.calls.length === i + 1, `push ${i + 1}`);
    failAt.push(clock.now() - t0);
    const slept = clock.waitForSleep();
    gateway.calls[i].reject(new NetworkError("connection", "POST", "/agent/snapshot"));
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

Deno.test("PushLoop retries a failed push with backoff but never delays a beat for it", async () => {
  const { clock, gateway, producer, changes, loop, controller, t0 } = setup();
  changes?.markReady();
  const run = loop.run(controller.signal);
  for (let i = 0; i < 6; i++) {
    await waitFor(() => gateway.calls.length === i + 1, `push ${i + 1}`);
    const slept = clock.waitForSleep();
    gateway.calls[i].reject(new NetworkError("connection", "POST", "/agent/snapshot"));
    await slept;
    clock.fireNext();
  }
  // Backoff 1 s, 2 s, 4 s; the 8 s retry (15 s) would miss the 10 s beat, which goes first; then one per beat.
  assert.deepEqual(gateway.calls.map((c) => c.at - t0), [0, 1_000, 3_000, 7_000, 10_000, 20_000]);
  assert.equal(producer.builds, 6, "every attempt is a fresh build");
  assert.equal(loop.stats.consecutiveFailures, 6);
  controller.abort();
  await run;
});

Deno.test("PushLoop follows up an effect seen while a push was in flight, right after that push", async () => {
  const env = setup();
  const { clock, gateway, loop, controller, t0 } = env;
  const { run } = await runPastFirstPush(env);
  clock.advance(10_000);
  await waitFor(() => gateway.calls.length === 2, "the beat");
  // The beat's snapshot is built and on its way when a command's effect shows up in the caches.
  clock.advance(200);
  loop.followUp({ observed: () => true });
  await nextTurn();
  clock.advance(300);
  gateway.calls[1].resolve();
  await waitFor(() => gateway.calls.length === 3, "the follow-up");
  assert.deepEqual(gateway.calls.map((c) => c.at - t0), [0, 10_000, 10_500]);
  assert.equal(loop.stats.lastTrigger, "command");
  controller.abort();
  await run;
});
