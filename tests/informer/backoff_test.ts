import assert from "node:assert/strict";
import { Backoff, withBackoff } from "../../agent/informer/backoff.ts";
import { FakeClock } from "../support/fake_clock.ts";

Deno.test("Backoff doubles from 800 ms to a 30 s cap with jitter within [base, 2*base]", () => {
  const clock = new FakeClock();
  const low = new Backoff({ clock, random: () => 0 });
  const high = new Backoff({ clock, random: () => 0.999 });
  const lows = Array.from({ length: 10 }, () => low.next());
  const highs = Array.from({ length: 10 }, () => high.next());
  assert.deepEqual(lows, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000, 30000]);
  for (let i = 0; i < highs.length; i++) {
    assert.ok(highs[i] >= lows[i] && highs[i] <= Math.min(30_000, 2 * lows[i]), `step ${i}: ${highs[i]}`);
  }
});

Deno.test("Backoff starts over after reset() and after two minutes without failures", () => {
  const clock = new FakeClock();
  const backoff = new Backoff({ clock, random: () => 0 });
  backoff.next();
  backoff.next();
  assert.equal(backoff.next(), 3200);
  backoff.reset();
  assert.equal(backoff.next(), 800);
  assert.equal(backoff.next(), 1600);
  clock.advance(119_000);
  assert.equal(backoff.next(), 3200, "failures less than 2 min apart keep growing");
  clock.advance(121_000);
  assert.equal(backoff.next(), 800, "2 min of health resets");
});

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

Deno.test("withBackoff() sleeps after errors, resets on healthy events and never on init", async () => {
  const clock = new FakeClock();
  const backoff = new Backoff({ clock, random: () => 0 });
  const source = [
    { type: "init" },
    { type: "error", error: "a" },
    { type: "init" },
    { type: "error", error: "b" },
    { type: "initDone" },
    { type: "error", error: "c" },
  ];
  const seen: string[] = [];
  const done = (async () => {
    for await (
      const event of withBackoff(fromArray(source), {
        backoff,
        clock,
        signal: new AbortController().signal,
        healthy: new Set(["initDone"]),
      })
    ) seen.push(event.type);
  })();
  for (let i = 0; i < 3; i++) {
    await clock.waitForSleep();
    clock.fireNext();
  }
  await done;
  assert.deepEqual(clock.sleeps, [800, 1600, 800]);
  assert.deepEqual(seen, source.map((e) => e.type));
});

Deno.test("withBackoff() ends quietly when stopped during a pause", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  async function* errors() {
    while (true) yield { type: "error", error: "x" };
  }
  let count = 0;
  const done = (async () => {
    for await (
      const _ of withBackoff(errors(), {
        backoff: new Backoff({ clock }),
        clock,
        signal: controller.signal,
        healthy: new Set(),
      })
    ) count++;
  })();
  await clock.waitForSleep();
  controller.abort();
  await done;
  assert.equal(count, 1);
});
