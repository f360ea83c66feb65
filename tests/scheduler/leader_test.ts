/**
 * Leader election on the fake clock: every candidate shares one {@linkcode FakeClock} and one in-memory Lease API,
 * the follower jitter is injected, and time moves one timer at a time, so each test states the exact moment a
 * candidate takes over or steps down. One test at the end runs over HTTP against the fake API server.
 */
import assert from "node:assert/strict";
import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import { NoAuth } from "../../agent/sdk/auth.ts";
import { createKubeClient } from "../../agent/sdk/client.ts";
import {
  DEFAULT_ERROR_LOG_INTERVAL_MS,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  defaultLeaderIdentity,
  FOLLOWER_JITTER_FACTOR,
  formatMicroTime,
  LeaderElector,
  type LeaderElectorOptions,
} from "../../agent/scheduler/mod.ts";
import type { KubeClient } from "../../agent/sdk/types.ts";
import { startFakeApiServer } from "../support/fake_apiserver.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { nextTurn, waitFor } from "../support/wait.ts";
import { FakeLeaseApi } from "./_fake_leases.ts";
import { recordingLogger } from "./_support.ts";

// client-go's defaults: on the fake clock they cost nothing.
const LEASE_MS = DEFAULT_LEASE_DURATION_MS;
const RENEW_DEADLINE_MS = DEFAULT_RENEW_DEADLINE_MS;
const RETRY_MS = DEFAULT_RETRY_PERIOD_MS;
/** The injected jitter draw: followers wait `RETRY_MS * (1 + 0.5 * FOLLOWER_JITTER_FACTOR)` = 2.2 s. */
const JITTER = 0.5;
const FOLLOWER_WAIT_MS = RETRY_MS * (1 + JITTER * FOLLOWER_JITTER_FACTOR);
const T0 = Date.UTC(2026, 0, 1);
const NAMESPACE = "default";
const NAME = "atlhyper-agent";
const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${NAME}`;
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** The candidates, their shared clock and Lease API, and the check that two never lead at once. */
class World {
  readonly clock = new FakeClock(T0);
  readonly api = new FakeLeaseApi(this.clock);
  readonly candidates: Candidate[] = [];
  /** Times a candidate started leading while another still led. */
  overlaps = 0;

  candidate(identity: string, options: Partial<LeaderElectorOptions> = {}): Candidate {
    const candidate = new Candidate(this, identity, options);
    this.candidates.push(candidate);
    return candidate;
  }

  lease(): Lease | undefined {
    return this.api.get(LEASE_PATH);
  }

  /** Fires the timers due up to `at` in time order, letting every candidate react after each; ends at `at`. */
  async runUntil(at: number): Promise<void> {
    while (true) {
      await this.#settle();
      const next = this.clock.nextDue;
      if (next === undefined || next > at) break;
      this.clock.fireNext();
    }
    this.clock.advance(at - this.clock.now());
    await this.#settle();
  }

  /** Fires timers in time order until `condition` holds; fails after `limitMs` of fake time. */
  async runUntilTrue(condition: () => boolean, what: string, limitMs = 10 * LEASE_MS): Promise<void> {
    const limit = this.clock.now() + limitMs;
    while (true) {
      await this.#settle();
      if (condition()) return;
      const next = this.clock.nextDue;
      if (next === undefined || next > limit) throw new Error(`No ${what} within ${limitMs} ms of fake time`);
      this.clock.fireNext();
    }
  }

  /**
   * Everything runs on promises and the fake clock, so one event-loop turn lets every reaction to the last timer
   * finish.
   */
  #settle(): Promise<void> {
    return nextTurn();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.api.unhang();
    for (const candidate of this.candidates) candidate.stop.abort();
    let settled = false;
    const all = Promise.all(this.candidates.map((c) => c.run)).then(() => settled = true);
    for (let i = 0; !settled && i < 1_000; i++) {
      await this.#settle();
      if (!settled) this.clock.fireNext();
    }
    await all;
  }
}

/** One candidate on the world's clock and Lease API, with a record of its callbacks (in fake-clock time). */
class Candidate {
  readonly elector: LeaderElector;
  readonly logger = recordingLogger();
  readonly stop = new AbortController();
  readonly client: KubeClient;
  started: number[] = [];
  stopped: number[] = [];
  newLeaders: string[] = [];
  termSignals: AbortSignal[] = [];
  run?: Promise<void>;

  constructor(world: World, identity: string, options: Partial<LeaderElectorOptions>) {
    this.client = world.api.client(identity);
    this.elector = new LeaderElector(this.client, {
      namespace: NAMESPACE,
      name: NAME,
      identity,
      clock: world.clock,
      random: () => JITTER,
      logger: this.logger,
      onStartedLeading: (signal) => {
        if (world.candidates.some((c) => c !== this && c.elector.isLeader)) world.overlaps++;
        this.started.push(world.clock.now());
        this.termSignals.push(signal);
      },
      onStoppedLeading: () => {
        this.stopped.push(world.clock.now());
      },
      onNewLeader: (leader) => {
        this.newLeaders.push(leader);
      },
      ...options,
    });
  }

  start(): this {
    this.run = this.elector.run(this.stop.signal);
    return this;
  }

  /** Times of this candidate's successful Lease writes. */
  writes(world: World): number[] {
    return world.api.requests
      .filter((r) => r.by === this.elector.identity && r.verb !== "get" && r.status < 300)
      .map((r) => r.at);
  }

  warnings(): number {
    return this.logger.entries.filter((e) => e.level === "warn").length;
  }
}

Deno.test("formatMicroTime writes RFC 3339 with microseconds in UTC", () => {
  assert.equal(formatMicroTime(Date.UTC(2026, 0, 1)), "2026-01-01T00:00:00.000000Z");
  assert.equal(formatMicroTime(Date.UTC(2026, 4, 17, 8, 9, 10, 123)), "2026-05-17T08:09:10.123000Z");
});

Deno.test("defaultLeaderIdentity is unique per call and carries the host name", () => {
  const a = defaultLeaderIdentity();
  const b = defaultLeaderIdentity();
  assert.notEqual(a, b);
  assert.ok(a.startsWith(`${Deno.hostname()}_`), a);
});

Deno.test("LeaderElector rejects timings client-go would reject", () => {
  const client = new FakeLeaseApi(new FakeClock()).client("me");
  const base = { namespace: "ns", name: "lease", identity: "me" };
  assert.throws(
    () => new LeaderElector(client, { ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
    /lease duration must be longer than the renew deadline/,
  );
  assert.throws(
    () => new LeaderElector(client, { ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
    /renew deadline must be longer than the retry period/,
  );
  assert.throws(
    () => new LeaderElector(client, { ...base, retryPeriodMs: 0 }),
    /retry period must be positive/,
  );
  assert.throws(() => new LeaderElector(client, { ...base, name: "" }), /Lease name must not be empty/);
  const elector = new LeaderElector(client, base);
  assert.equal(elector.isLeader, false);
  assert.equal(elector.leader, undefined);
  assert.equal(elector.identity, "me");
});

Deno.test("of two candidates racing to create the lease one leads, renews every retry period, and the other follows", async () => {
  await using world = new World();
  const a = world.candidate("agent-a").start();
  const b = world.candidate("agent-b").start();
  // Both read 404 before either create lands: the second create gets 409 AlreadyExists.
  await world.runUntil(T0 + 3 * LEASE_MS);
  assert.deepEqual(
    world.api.requests.filter((r) => r.verb === "create").map((r) => [r.by, r.status]),
    [["agent-a", 201], ["agent-b", 409]],
  );
  assert.equal(world.overlaps, 0, "never two leaders at once");
  assert.deepEqual(a.started, [T0]);
  assert.deepEqual(a.stopped, []);
  assert.deepEqual(b.started, []);
  assert.equal(b.elector.leader, "agent-a");
  assert.equal(a.elector.leader, "agent-a");
  assert.deepEqual(b.newLeaders, ["agent-a"]);
  assert.deepEqual(a.newLeaders, ["agent-a"]);

  // The create, then one renewal every retry period: 2 s, 4 s, ... 44 s.
  const renewals = Array.from({ length: 22 }, (_, i) => T0 + (i + 1) * RETRY_MS);
  assert.deepEqual(a.writes(world), [T0, ...renewals]);
  const stats = a.elector.stats;
  assert.equal(stats.isLeader, true);
  assert.equal(stats.acquisitions, 1);
  assert.equal(stats.renewals, 22);
  assert.equal(stats.failures, 0);
  assert.equal(b.elector.stats.acquisitions, 0);
  assert.equal(b.elector.stats.conflicts, 1);
  assert.equal(b.elector.stats.failures, 0, "a lost race is no failure");
  assert.deepEqual(b.writes(world), [], "the follower only reads");

  const spec = world.lease()?.spec;
  assert.equal(spec?.holderIdentity, "agent-a");
  assert.equal(spec?.leaseDurationSeconds, 15);
  assert.equal(spec?.leaseTransitions, 0, "created by the first holder");
  assert.match(String(spec?.renewTime), MICRO_TIME);
  assert.equal(spec?.acquireTime, formatMicroTime(T0), "acquireTime is when the term started");
  assert.equal(spec?.renewTime, formatMicroTime(renewals.at(-1) ?? 0));
});

Deno.test("followers poll every retry period stretched by the injected jitter draw", async (t) => {
  for (const draw of [0, 0.5, 0.999]) {
    await t.step(`draw ${draw}`, async () => {
      await using world = new World();
      world.candidate("agent-a").start();
      await world.runUntil(T0 + 1_000);
      const b = world.candidate("agent-b", { random: () => draw }).start();
      await world.runUntil(T0 + 1_000 + 5 * RETRY_MS);
      const polls = world.api.requests.filter((r) => r.by === "agent-b").map((r) => r.at);
      const gaps = polls.slice(1).map((at, i) => at - polls[i]);
      const expected = RETRY_MS * (1 + draw * FOLLOWER_JITTER_FACTOR);
      assert.ok(gaps.length >= 3, `polled ${polls.length} times`);
      for (const gap of gaps) assert.ok(Math.abs(gap - expected) < 0.01, `gap ${gap}, expected ${expected}`);
      assert.equal(b.elector.isLeader, false);
    });
  }
});

Deno.test("a leader stopping with release hands over at the follower's next poll and counts a transition", async () => {
  await using world = new World();
  let holderWhenStopped: string | undefined;
  const a = world.candidate("agent-a", {
    releaseOnStop: true,
    onStoppedLeading: () => {
      // The agent stops talking to the Master before anyone else may lead.
      holderWhenStopped = world.lease()?.spec?.holderIdentity;
      a.stopped.push(world.clock.now());
    },
  }).start();
  await world.runUntil(T0 + 1_000);
  const b = world.candidate("agent-b").start();
  await world.runUntil(T0 + 5_000);
  assert.equal(b.elector.leader, "agent-a");

  const stoppedAt = world.clock.now();
  a.stop.abort();
  await world.runUntil(stoppedAt);
  await a.run;
  assert.equal(a.elector.isLeader, false);
  assert.equal(holderWhenStopped, "agent-a");
  assert.equal(a.elector.stats.releases, 1);
  assert.deepEqual(a.stopped, [stoppedAt]);
  assert.equal(world.lease()?.spec?.holderIdentity, "", "released");

  await world.runUntilTrue(() => b.elector.isLeader, "takeover");
  // b polls at 1 s + k × 2.2 s; the first poll after the release (5.4 s) takes the lease, far before expiry.
  assert.deepEqual(b.started, [T0 + 1_000 + 2 * FOLLOWER_WAIT_MS]);
  assert.ok(b.started[0] - stoppedAt <= FOLLOWER_WAIT_MS);
  assert.equal(world.overlaps, 0);
  const spec = world.lease()?.spec;
  assert.equal(spec?.holderIdentity, "agent-b");
  assert.equal(spec?.leaseTransitions, 1);
  assert.equal(spec?.leaseDurationSeconds, 15);
  assert.equal(spec?.acquireTime, formatMicroTime(b.started[0]), "acquireTime restarts with the new holder");
});

Deno.test("a crashed leader (no release) is replaced one lease duration after the follower saw its last renewal", async () => {
  await using world = new World();
  const a = world.candidate("agent-a", { releaseOnStop: false }).start();
  await world.runUntil(T0 + 1_000);
  const b = world.candidate("agent-b").start();
  await world.runUntil(T0 + 5_000);
  a.stop.abort();
  await world.runUntil(T0 + 5_000);
  await a.run;
  assert.equal(a.elector.stats.releases, 0);
  assert.equal(world.lease()?.spec?.holderIdentity, "agent-a", "the lease still names the dead leader");
  const lastRenewal = a.writes(world).at(-1) ?? 0;
  assert.equal(lastRenewal, T0 + 4_000);

  await world.runUntilTrue(() => b.elector.isLeader, "takeover");
  // b saw the 4 s renewal at its 5.4 s poll; expiry is judged from that observation on its own clock, and b's
  // last wait is cut short to land exactly on it.
  const sawLastRenewal = T0 + 1_000 + 2 * FOLLOWER_WAIT_MS;
  assert.deepEqual(b.started, [sawLastRenewal + LEASE_MS]);
  assert.ok(b.started[0] >= lastRenewal + LEASE_MS, "never before the lease could have expired");
  assert.equal(world.overlaps, 0);
  const spec = world.lease()?.spec;
  assert.equal(spec?.holderIdentity, "agent-b");
  assert.equal(spec?.leaseTransitions, 1);
  assert.equal(spec?.acquireTime, formatMicroTime(b.started[0]));
});

Deno.test("a leader that cannot renew (403) steps down exactly at the renew deadline and competes again", async () => {
  await using world = new World();
  const a = world.candidate("agent-a").start();
  await world.runUntil(T0 + 5_000);
  world.api.forbid("update");
  // Renewals at 6, 8, 10 and 12 s fail; the 4 s renewal plus the 10 s deadline ends the term at 14 s.
  await world.runUntil(T0 + 14_000 - 1);
  assert.equal(a.elector.isLeader, true, "still leading 1 ms before the deadline");
  await world.runUntil(T0 + 14_000);
  assert.deepEqual(a.stopped, [T0 + 4_000 + RENEW_DEADLINE_MS]);
  assert.ok(a.stopped[0] < T0 + 4_000 + LEASE_MS, "before any follower may consider the lease expired");
  assert.equal(a.elector.isLeader, false);
  assert.equal(a.termSignals[0].aborted, true, "the term's signal aborts with the leadership");
  const stats = a.elector.stats;
  assert.equal(stats.stepDowns, 1);
  assert.equal(stats.failures, 4);
  assert.match(String(stats.lastError), /403/);
  assert.ok(a.logger.entries.some((e) => e.level === "warn" && /renew deadline/.test(e.message)));

  // Still a candidate: once writes work again it takes the lease back (it still names it: no transition).
  await world.runUntil(T0 + 30_000);
  assert.equal(a.elector.isLeader, false);
  world.api.allow();
  await world.runUntilTrue(() => a.elector.isLeader, "re-election");
  assert.equal(a.started.length, 2);
  assert.ok(a.started[1] - (T0 + 30_000) <= FOLLOWER_WAIT_MS, "on the next poll");
  assert.equal(a.elector.stats.acquisitions, 2);
  assert.equal(a.elector.stats.consecutiveFailures, 0);
  assert.equal(world.lease()?.spec?.leaseTransitions, 0);
});

Deno.test("a leader whose renewals fail (503) steps down; nobody leads until writes work, then one does", async () => {
  await using world = new World();
  const a = world.candidate("agent-a").start();
  await world.runUntil(T0 + 1_000);
  const b = world.candidate("agent-b").start();
  await world.runUntil(T0 + 5_000);
  world.api.failNext(1_000, 503, "update");
  await world.runUntil(T0 + 14_000);
  assert.deepEqual(a.stopped, [T0 + 14_000]);
  await world.runUntil(T0 + 40_000);
  assert.ok(!a.elector.isLeader && !b.elector.isLeader, "neither can write the lease");
  world.api.allow();
  await world.runUntilTrue(() => a.elector.isLeader || b.elector.isLeader, "a new leader");
  assert.ok(world.clock.now() - (T0 + 40_000) <= FOLLOWER_WAIT_MS);
  assert.equal(world.overlaps, 0);
});

Deno.test("a leader whose renewal hangs steps down at the renew deadline", async () => {
  await using world = new World();
  const a = world.candidate("agent-a").start();
  await world.runUntil(T0 + 5_000);
  world.api.hang = true;
  await world.runUntil(T0 + 14_000 - 1);
  assert.equal(a.elector.isLeader, true, "the hung renewal (6 s) has not run out the deadline yet");
  await world.runUntil(T0 + 14_000);
  assert.deepEqual(a.stopped, [T0 + 4_000 + RENEW_DEADLINE_MS]);
  assert.equal(a.elector.stats.failures, 1, "the renewal cut off by the deadline counts as a failure");
});

Deno.test("a 409 on renewal is re-read: still ours, the leader stays leader and keeps other fields", async () => {
  await using world = new World();
  const a = world.candidate("agent-a").start();
  await world.runUntil(T0 + 5_000);
  // Someone else touches the Lease (a label) without changing the record: our cached resourceVersion is stale.
  const current = world.lease();
  assert.ok(current?.metadata);
  world.api.put(LEASE_PATH, { ...current, metadata: { ...current.metadata, labels: { touched: "yes" } } });
  await world.runUntil(T0 + 7_000);
  assert.equal(a.elector.stats.conflicts, 1);
  // And an injected one.
  world.api.failNext(1, 409, "update");
  await world.runUntil(T0 + 20_000);
  assert.equal(a.elector.stats.conflicts, 2);
  assert.equal(a.elector.stats.renewals, 10, "every renewal from 2 s to 20 s succeeded, two after a re-read");
  assert.equal(a.elector.isLeader, true);
  assert.deepEqual(a.stopped, [], "no step-down");
  assert.equal(a.elector.stats.failures, 0);
  assert.equal(world.lease()?.metadata?.labels?.touched, "yes", "writes keep other fields");
});

Deno.test("a leader that finds another holder steps down at once and takes over when that holder expires", async () => {
  await using world = new World();
  const a = world.candidate("agent-a").start();
  await world.runUntil(T0 + 5_000);
  const current = world.lease();
  assert.ok(current?.spec);
  const now = formatMicroTime(world.clock.now());
  world.api.put(LEASE_PATH, {
    ...current,
    spec: {
      ...current.spec,
      holderIdentity: "intruder",
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 5,
    },
  });
  // The renewal at 6 s gets 409, re-reads, and finds the intruder.
  await world.runUntil(T0 + 6_000);
  assert.deepEqual(a.stopped, [T0 + 6_000]);
  assert.equal(a.elector.leader, "intruder");
  assert.equal(a.elector.stats.conflicts, 1);
  assert.equal(a.elector.stats.stepDowns, 1);

  // The intruder never renews: one lease duration after agent-a saw it (6 s), agent-a takes over again.
  await world.runUntil(T0 + 6_000 + LEASE_MS - 1);
  assert.equal(a.elector.isLeader, false);
  await world.runUntilTrue(() => a.elector.isLeader, "the retake");
  assert.deepEqual(a.started, [T0, T0 + 6_000 + LEASE_MS]);
  assert.deepEqual(a.newLeaders, ["agent-a", "intruder", "agent-a"]);
  const spec = world.lease()?.spec;
  assert.equal(spec?.holderIdentity, "agent-a");
  assert.equal(spec?.leaseTransitions, 6);
});

Deno.test("a follower judges expiry by its own observation, not by renewTime", async () => {
  await using world = new World();
  // A holder whose clock is far behind ours: its renewTime looks an hour old, but the record is fresh to us.
  const stale = formatMicroTime(T0 - 3_600_000);
  world.api.put(LEASE_PATH, {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: { holderIdentity: "skewed", leaseDurationSeconds: 15, acquireTime: stale, renewTime: stale },
  });
  const b = world.candidate("agent-b").start();
  await world.runUntilTrue(() => b.elector.isLeader, "takeover");
  assert.deepEqual(b.started, [T0 + LEASE_MS], "a full lease duration from the first read");
  assert.equal(world.lease()?.spec?.leaseTransitions, 1);
});

Deno.test("a holder advertising a longer lease duration is respected", async () => {
  await using world = new World();
  const now = formatMicroTime(T0);
  world.api.put(LEASE_PATH, {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: { holderIdentity: "slow", leaseDurationSeconds: 30, acquireTime: now, renewTime: now },
  });
  const b = world.candidate("agent-b").start();
  await world.runUntil(T0 + 30_000 - 1);
  assert.equal(b.elector.isLeader, false, "30 s are not over yet");
  await world.runUntilTrue(() => b.elector.isLeader, "takeover");
  assert.deepEqual(b.started, [T0 + 30_000]);
});

Deno.test("run() twice at once is refused, follower failures are logged once per interval, and a stop is prompt", async () => {
  await using world = new World();
  world.api.forbid("get");
  const a = world.candidate("agent-a").start();
  await assert.rejects(() => a.elector.run(a.stop.signal), /already running/);
  await world.runUntil(T0 + DEFAULT_ERROR_LOG_INTERVAL_MS - 1);
  assert.ok(a.elector.stats.failures >= 10, `counted every failed poll (${a.elector.stats.failures})`);
  assert.equal(a.warnings(), 1, "repeated failures throttled");
  await world.runUntil(T0 + DEFAULT_ERROR_LOG_INTERVAL_MS + FOLLOWER_WAIT_MS);
  assert.equal(a.warnings(), 2, "one more line once the interval has passed");

  let resolved = false;
  a.stop.abort();
  a.run?.then(() => resolved = true);
  await nextTurn();
  assert.equal(resolved, true, "resolved without any time passing");
  assert.deepEqual(a.stopped, [], "a follower has no leadership to stop");
});

Deno.test("a graceful stop waits for onStoppedLeading's promise before releasing, at most the renew deadline", async (t) => {
  await t.step("the stop work finishes", async () => {
    await using world = new World();
    const stopWork = Promise.withResolvers<void>();
    const a = world.candidate("agent-a", { releaseOnStop: true, onStoppedLeading: () => stopWork.promise })
      .start();
    await world.runUntil(T0 + 3_000);
    a.stop.abort();
    await world.runUntil(T0 + 5_000);
    assert.equal(a.termSignals[0].aborted, true);
    assert.equal(
      world.lease()?.spec?.holderIdentity,
      "agent-a",
      "still held while the agent stops its loops",
    );
    stopWork.resolve();
    await world.runUntil(T0 + 5_000);
    await a.run;
    assert.equal(world.lease()?.spec?.holderIdentity, "");
    assert.equal(a.elector.leader, undefined, "released: no leader");
  });
  await t.step("the stop work hangs", async () => {
    await using world = new World();
    const a = world.candidate("agent-a", {
      releaseOnStop: true,
      onStoppedLeading: () => new Promise(() => {}),
    })
      .start();
    await world.runUntil(T0 + 3_000);
    a.stop.abort();
    await world.runUntil(T0 + 3_000 + RENEW_DEADLINE_MS - 1);
    assert.equal(world.lease()?.spec?.holderIdentity, "agent-a");
    await world.runUntil(T0 + 3_000 + RENEW_DEADLINE_MS);
    await a.run;
    assert.equal(world.lease()?.spec?.holderIdentity, "", "released once the renew deadline passed");
  });
});

Deno.test("over HTTP against the fake API server: racing creates get 201 and 409, and a release hands over", async () => {
  await using server = await startFakeApiServer();
  // Both GETs answer 404 before either POST arrives.
  server.setLatency(30);
  const clients = ["agent-a", "agent-b"].map(() =>
    createKubeClient({ server: server.url, auth: new NoAuth(), namespace: NAMESPACE, source: "test" })
  );
  const stops = [new AbortController(), new AbortController()];
  let overlaps = 0;
  const electors: LeaderElector[] = clients.map((client, i) =>
    new LeaderElector(client, {
      namespace: NAMESPACE,
      name: NAME,
      identity: `agent-${"ab"[i]}`,
      releaseOnStop: true,
      // Short real timings, client-go's ratios.
      leaseDurationMs: 1_500,
      renewDeadlineMs: 1_000,
      retryPeriodMs: 100,
      onStartedLeading: () => {
        if (electors.some((e, j) => j !== i && e.isLeader)) overlaps++;
      },
    })
  );
  const runs = electors.map((elector, i) => elector.run(stops[i].signal));
  try {
    await waitFor(() => electors.some((e) => e.isLeader), "a leader");
    const posts = server.requests.filter((r) => r.method === "POST" && r.path.endsWith("/leases"));
    assert.deepEqual(posts.map((r) => r.status).sort(), [201, 409]);
    const leader = electors.findIndex((e) => e.isLeader);
    const follower = 1 - leader;
    assert.equal(electors[follower].stats.failures, 0, "a lost race is no failure");
    server.setLatency(0);
    stops[leader].abort();
    await runs[leader];
    assert.equal(electors[leader].stats.releases, 1);
    await waitFor(() => electors[follower].isLeader, "the follower to take over");
    const lease = server.get<Lease>("coordination.k8s.io/v1", "leases", NAMESPACE, NAME);
    assert.equal(lease?.spec?.holderIdentity, electors[follower].identity);
    assert.equal(lease?.spec?.leaseTransitions, 1);
    assert.equal(overlaps, 0);
  } finally {
    for (const stop of stops) stop.abort();
    await Promise.all(runs);
    for (const client of clients) client.close();
  }
});
