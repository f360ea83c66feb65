import assert from "node:assert/strict";
import { type MasterRequestOptions, NetworkError } from "../../agent/gateway/mod.ts";
import { HeartbeatLoop, type HeartbeatOutcome } from "../../agent/scheduler/mod.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { recordingLogger } from "./_support.ts";

/** Answers heartbeats from a script: `ok`, `fail`, or a latency to spend on the fake clock first. */
class FakeGateway {
  beats: { at: number; options: MasterRequestOptions }[] = [];
  script: ("ok" | "fail")[] = [];
  latencyMs = 0;
  #clock: FakeClock;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  heartbeat(options: MasterRequestOptions = {}): Promise<void> {
    this.beats.push({ at: this.#clock.now(), options });
    this.#clock.advance(this.latencyMs);
    const next = this.script.shift() ?? "ok";
    if (next === "fail") {
      return Promise.reject(new NetworkError("connection", "POST", "/agent/heartbeat"));
    }
    return Promise.resolve();
  }
}

Deno.test("HeartbeatLoop sends one heartbeat at start-up, then one per interval", async () => {
  const clock = new FakeClock();
  const gateway = new FakeGateway(clock);
  const loop = new HeartbeatLoop(gateway, { clock, heartbeatTimeoutMs: 10_000 });
  const controller = new AbortController();
  let slept = clock.waitForSleep();
  const run = loop.run(controller.signal);
  await slept;
  assert.equal(gateway.beats.length, 1, "no waiting for the first interval");
  assert.equal(gateway.beats[0].options.timeoutMs, 10_000);
  assert.equal(clock.sleeps.at(-1), 15_000);
  for (let i = 0; i < 3; i++) {
    slept = clock.waitForSleep();
    clock.fireNext();
    await slept;
  }
  const t0 = gateway.beats[0].at;
  assert.deepEqual(gateway.beats.map((b) => b.at - t0), [0, 15_000, 30_000, 45_000]);
  assert.equal(loop.stats.sent, 4);
  controller.abort();
  await run;
});

Deno.test("HeartbeatLoop keeps a fixed rate when the Master is slow", async () => {
  const clock = new FakeClock();
  const gateway = new FakeGateway(clock);
  gateway.latencyMs = 4_000;
  const loop = new HeartbeatLoop(gateway, { clock });
  const controller = new AbortController();
  const slept = clock.waitForSleep();
  const run = loop.run(controller.signal);
  await slept;
  assert.equal(clock.sleeps.at(-1), 11_000);
  assert.equal(loop.stats.lastLatencyMs, 4_000);
  controller.abort();
  await run;
});

Deno.test("HeartbeatLoop logs and counts failures and keeps going", async () => {
  const clock = new FakeClock();
  const gateway = new FakeGateway(clock);
  gateway.script = ["fail", "fail", "ok"];
  const logger = recordingLogger();
  const outcomes: HeartbeatOutcome[] = [];
  const loop = new HeartbeatLoop(gateway, { clock, logger, onHeartbeat: (o) => outcomes.push(o) });
  const controller = new AbortController();
  let slept = clock.waitForSleep();
  const run = loop.run(controller.signal);
  await slept;
  for (let i = 0; i < 2; i++) {
    slept = clock.waitForSleep();
    clock.fireNext();
    await slept;
  }
  const stats = loop.stats;
  assert.equal(stats.failed, 2);
  assert.equal(stats.sent, 1);
  assert.equal(stats.consecutiveFailures, 0);
  assert.equal(stats.lastSuccessAt, clock.now());
  assert.deepEqual(logger.entries.filter((e) => e.level !== "debug").map((e) => `${e.level} ${e.message}`), [
    "warn Cannot send heartbeat",
    "warn Cannot send heartbeat",
    "info Heartbeat recovered",
  ]);
  assert.deepEqual(outcomes.map((o) => o.ok), [false, false, true]);
  controller.abort();
  await run;
});
