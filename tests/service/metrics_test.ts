import assert from "node:assert/strict";
import type { Clock } from "../../agent/clock.ts";
import {
  type MetricsLogger,
  MetricsPoller,
  NODE_METRICS_PATH,
  POD_METRICS_PATH,
} from "../../agent/service/mod.ts";
import type { RequestOptions } from "../../agent/sdk/mod.ts";
import { nodeMetricsFixture, podMetricsFixture } from "../support/fixtures/mod.ts";

/** A clock whose sleeps resolve only when the test advances time. */
class ManualClock implements Clock {
  ms = 0;
  readonly #sleepers: { until: number; resolve: () => void }[] = [];

  now(): number {
    return this.ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const sleeper = { until: this.ms + ms, resolve };
    this.#sleepers.push(sleeper);
    signal?.addEventListener("abort", () => {
      this.#sleepers.splice(this.#sleepers.indexOf(sleeper), 1);
      reject(signal.reason);
    }, { once: true });
    return promise;
  }

  /** Pending sleeps, with their wake-up times. */
  get pending(): number[] {
    return this.#sleepers.map((s) => s.until);
  }

  async advance(ms: number): Promise<void> {
    this.ms += ms;
    for (const s of this.#sleepers.filter((s) => s.until <= this.ms)) {
      this.#sleepers.splice(this.#sleepers.indexOf(s), 1);
      s.resolve();
    }
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

type Answer = unknown;

/** A `KubeClient.get` double answering from a per-path script; errors carry `status` like `KubeApiError`. */
class FakeClient {
  readonly calls: { path: string; signal?: AbortSignal }[] = [];
  answers: Record<string, Answer> = {};

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    this.calls.push({ path, signal: options?.signal });
    const answer = this.answers[path];
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(structuredClone(answer) as T);
  }
}

function apiError(status: number): Error {
  return Object.assign(new Error(`Cannot GET: ${status}`), { status });
}

class MemoryLogger implements MetricsLogger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
}

function setup() {
  const client = new FakeClient();
  client.answers = { [POD_METRICS_PATH]: podMetricsFixture(), [NODE_METRICS_PATH]: nodeMetricsFixture() };
  const clock = new ManualClock();
  const logger = new MemoryLogger();
  const poller = new MetricsPoller(client, {
    clock,
    logger,
    intervalMs: 15_000,
    unavailableRetryMs: 300_000,
  });
  return { client, clock, logger, poller };
}

Deno.test("MetricsPoller.pollOnce() sums container usage exactly and rewrites u as n", async () => {
  const { poller } = setup();
  assert.equal(await poller.pollOnce(), 15_000);
  assert.equal(poller.available, true);
  assert.deepEqual(poller.podUsage().get("shop/web-7d9c6b8f5d-x2x9k"), {
    cpu: "1803137n",
    memory: "35472Ki",
  });
  assert.deepEqual(poller.podUsage().get("kube-system/coredns-7db6d8ff4d-lx9vw"), {
    cpu: "2m",
    memory: "12Mi",
  });
  assert.deepEqual(poller.podUsage().get("kube-system/kube-apiserver-cp-1"), {
    cpu: "45123456n",
    memory: "412344Ki",
  });
  assert.deepEqual(poller.nodeUsage().get("cp-1"), { cpu: "380m", memory: "3951294Ki" });
  assert.deepEqual(poller.nodeUsage().get("worker-1"), { cpu: "1582450123n", memory: "24263574Ki" });
  assert.equal(poller.nodeUsage().size, 2);
});

Deno.test("MetricsPoller leaves usage empty when metrics-server is absent, logs once and retries slowly", async (t) => {
  const { client, logger, poller } = setup();
  await poller.pollOnce();
  client.answers = { [POD_METRICS_PATH]: apiError(404), [NODE_METRICS_PATH]: apiError(404) };
  await t.step("404 empties usage and asks for a 5 min pause", async () => {
    assert.equal(await poller.pollOnce(), 300_000);
    assert.equal(poller.podUsage().size, 0);
    assert.equal(poller.nodeUsage().size, 0);
    assert.equal(poller.available, false);
  });
  await t.step("a repeated 503 logs nothing new", async () => {
    client.answers = { [POD_METRICS_PATH]: apiError(503), [NODE_METRICS_PATH]: apiError(503) };
    assert.equal(await poller.pollOnce(), 300_000);
    assert.equal(logger.lines.filter((l) => l.includes("not available")).length, 1);
  });
  await t.step("recovery fills usage again and says so", async () => {
    client.answers = { [POD_METRICS_PATH]: podMetricsFixture(), [NODE_METRICS_PATH]: nodeMetricsFixture() };
    assert.equal(await poller.pollOnce(), 15_000);
    assert.equal(poller.podUsage().size, 4);
    assert.ok(logger.lines.at(-1)?.includes("available again"));
  });
});

Deno.test("MetricsPoller drops stale usage on other errors and keeps the normal interval", async () => {
  const { client, logger, poller } = setup();
  await poller.pollOnce();
  client.answers = { [POD_METRICS_PATH]: apiError(500), [NODE_METRICS_PATH]: nodeMetricsFixture() };
  assert.equal(await poller.pollOnce(), 15_000);
  assert.equal(poller.podUsage().size, 0);
  assert.equal(poller.nodeUsage().size, 2, "the part that answered is kept");
  assert.ok(logger.lines.some((l) => l.startsWith("warn Cannot read metrics.k8s.io")));
  client.answers[POD_METRICS_PATH] = new TypeError("connection reset");
  await poller.pollOnce();
  assert.equal(logger.lines.filter((l) => l.startsWith("warn")).length, 1, "one line per failure streak");
});

Deno.test("MetricsPoller.start() polls on its own interval and stop() clears everything", async () => {
  const { client, clock, poller } = setup();
  poller.start();
  poller.start();
  await flush();
  assert.equal(client.calls.length, 2, "first poll at once, a second start() does nothing");
  assert.ok(client.calls.every((c) => c.signal instanceof AbortSignal));
  assert.deepEqual(clock.pending, [15_000]);
  await clock.advance(14_999);
  assert.equal(client.calls.length, 2);
  await clock.advance(1);
  assert.equal(client.calls.length, 4);
  assert.equal(poller.podUsage().size, 4);
  await poller.stop();
  assert.equal(poller.podUsage().size, 0);
  assert.equal(poller.nodeUsage().size, 0);
  assert.deepEqual(clock.pending, [], "no timer outlives stop()");
  await clock.advance(60_000);
  assert.equal(client.calls.length, 4);
});
