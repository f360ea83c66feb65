/**
 * The push loop's hold: while the change source names a reason (a kind never synced because the API server could
 * not be read), nothing is sent, the reason is logged once per interval, liveness still hears from the loop, and
 * the push follows as soon as the change that ends the hold arrives.
 */
import assert from "node:assert/strict";
import type { PushSnapshotResult } from "../../agent/gateway/mod.ts";
import { type ChangeSource, PushLoop } from "../../agent/scheduler/mod.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { recordingLogger } from "./_support.ts";
import { nextTurn as tick, waitFor as until } from "../support/wait.ts";

class HeldChanges implements ChangeSource {
  listeners = new Set<() => void>();
  reason: string | undefined = "never synced: pods (network: connection refused)";
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  ready(): Promise<void> {
    return Promise.resolve();
  }
  holdReason(): string | undefined {
    return this.reason;
  }
  fire(): void {
    for (const listener of this.listeners) listener();
  }
}

Deno.test("PushLoop sends nothing while held, logs the reason once per interval, and pushes when the hold ends", async () => {
  const clock = new FakeClock();
  const t0 = clock.now();
  const pushed: number[] = [];
  const gateway = {
    pushSnapshot: (): Promise<PushSnapshotResult> => {
      pushed.push(clock.now() - t0);
      return Promise.resolve({ status: 200, rawBytes: 10, gzipBytes: 5 });
    },
  };
  let builds = 0;
  const producer = { build: () => ({ json: `{"n":${++builds}}` }) };
  const changes = new HeldChanges();
  const logger = recordingLogger();
  const held: string[] = [];
  const loop = new PushLoop({ gateway, producer, changes }, {
    clock,
    logger,
    snapshotIntervalMs: 10_000,
    onHeld: (reason) => held.push(reason),
  });
  const controller = new AbortController();
  const run = loop.run(controller.signal);

  await until(() => held.length === 1, "the first held push");
  assert.equal(builds, 0, "a held push does not even build");
  const warnings = () => logger.entries.filter((e) => e.message.startsWith("Snapshot held back"));
  assert.equal(warnings().length, 1);
  assert.equal(warnings()[0].properties?.reason, changes.reason);

  // Changes of other kinds while held: re-checked at the change cadence, still one log line per interval.
  clock.advance(1_000);
  await tick();
  changes.fire();
  clock.advance(1_000);
  await until(() => held.length === 2, "the held change push");
  assert.equal(warnings().length, 1, "one log line per interval");
  assert.equal(loop.stats.consecutiveFailures, 0, "a hold is not a failure: no retry backoff");

  // The next interval is held again and logged again.
  clock.advance(10_000);
  await until(() => held.length === 3, "the held interval push");
  assert.equal(warnings().length, 2);
  assert.deepEqual(pushed, []);

  // The informer syncs: its change ends the hold and is pushed after the minimum gap, not at the next interval.
  const syncedAt = clock.now();
  changes.reason = undefined;
  changes.fire();
  await tick();
  clock.advance(1_000); // the minimum gap after the (held) push attempt

  await until(() => pushed.length === 1, "the push after the hold");
  assert.ok(clock.now() - syncedAt <= 1_000, "the hold ends at the change, not the next interval");
  assert.equal(loop.stats.pushesHeld, 3);
  assert.ok(logger.entries.some((e) => e.message.startsWith("Snapshot pushed: the kinds that held it back")));
  controller.abort();
  await run;
});
