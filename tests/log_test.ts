import assert from "node:assert/strict";
import { errorText, LogThrottle, suppressedProperty } from "../agent/log.ts";
import { FakeClock } from "./support/fake_clock.ts";

const INTERVAL_MS = 30_000;

function throttle(clock: FakeClock): LogThrottle {
  return new LogThrottle({ intervalMs: INTERVAL_MS, now: () => clock.now() });
}

Deno.test("LogThrottle logs the first report, then one per interval with the count held back", () => {
  const clock = new FakeClock();
  const log = throttle(clock);
  assert.equal(log.active, false);
  assert.equal(log.admit(), 0, "the first failure is logged at once");
  assert.equal(log.active, true);
  clock.advance(1_000);
  assert.equal(log.admit(), undefined);
  clock.advance(INTERVAL_MS - 1_000 - 1);
  assert.equal(log.admit(), undefined, "one millisecond before the interval ends: still held back");
  clock.advance(1);
  assert.equal(log.admit(), 2, "at the boundary: logged, saying two were held back");
  assert.equal(log.admit(), undefined, "the interval starts again from the logged report");
  clock.advance(INTERVAL_MS);
  assert.equal(log.admit(), 1);
});

Deno.test("LogThrottle.reset() after a recovery logs the next outage's first failure at once", () => {
  const clock = new FakeClock();
  const log = throttle(clock);
  log.admit();
  log.admit();
  clock.advance(5_000);
  log.reset();
  assert.equal(log.active, false);
  assert.equal(log.admit(), 0, "logged without waiting for the interval, and the old count is gone");
  assert.equal(log.admit(), undefined);
});

Deno.test("LogThrottle.admit(true) logs now and restarts the interval", () => {
  const clock = new FakeClock();
  const log = throttle(clock);
  log.admit();
  clock.advance(1_000);
  assert.equal(log.admit(), undefined);
  assert.equal(log.admit(true), 1, "a forced report carries the count held back before it");
  clock.advance(INTERVAL_MS - 1);
  assert.equal(log.admit(), undefined, "the interval counts from the forced report");
  clock.advance(1);
  assert.equal(log.admit(), 1);
});

Deno.test("suppressedProperty() and errorText() shape log properties", () => {
  assert.deepEqual(suppressedProperty(0), {});
  assert.deepEqual(suppressedProperty(3), { suppressed: 3 });
  assert.equal(errorText(new TypeError("fetch failed")), "fetch failed");
  assert.equal(errorText("plain"), "plain");
  assert.equal(errorText(42), "42");
});
