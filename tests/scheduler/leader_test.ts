import assert from "node:assert/strict";
import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import { NoAuth } from "../../agent/sdk/auth.ts";
import { createKubeClient, type HttpKubeClient } from "../../agent/sdk/client.ts";
import {
  defaultLeaderIdentity,
  formatMicroTime,
  LeaderElector,
  type LeaderElectorOptions,
} from "../../agent/scheduler/mod.ts";
import { type FakeApiServer, startFakeApiServer } from "../support/fake_apiserver.ts";
import { recordingLogger } from "./_support.ts";

// Short timings, same ratios as client-go's 15 s / 10 s / 2 s.
const LEASE_MS = 600;
const RENEW_DEADLINE_MS = 400;
const RETRY_MS = 100;
/** Scheduling and HTTP round trips on a loaded CI machine. */
const SLACK_MS = 300;
const NAMESPACE = "default";
const NAME = "atlhyper-agent";
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const TIMINGS = Deno.env.get("LEADER_TIMINGS") === "1";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
  }
}

function report(label: string, ms: number): void {
  if (TIMINGS) console.log(`${label}: ${ms} ms`);
}

/** One candidate with its own client, stop switch, and a record of its callbacks. */
class Candidate {
  readonly elector: LeaderElector;
  readonly client: HttpKubeClient;
  readonly logger = recordingLogger();
  readonly stop = new AbortController();
  started: number[] = [];
  stopped: number[] = [];
  newLeaders: string[] = [];
  termSignals: AbortSignal[] = [];
  run?: Promise<void>;

  constructor(server: FakeApiServer, identity: string, options: Partial<LeaderElectorOptions> = {}) {
    this.client = createKubeClient({
      server: server.url,
      auth: new NoAuth(),
      namespace: NAMESPACE,
      source: "test",
    });
    this.elector = new LeaderElector(this.client, {
      namespace: NAMESPACE,
      name: NAME,
      identity,
      logger: this.logger,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
      onStartedLeading: (signal) => {
        this.started.push(Date.now());
        this.termSignals.push(signal);
      },
      onStoppedLeading: () => {
        this.stopped.push(Date.now());
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

  async [Symbol.asyncDispose](): Promise<void> {
    this.stop.abort();
    await this.run;
    this.client.close();
  }
}

/** Samples how many candidates lead at once, every few milliseconds, until stopped. */
function sampleLeaders(candidates: readonly Candidate[]): { stop(): { max: number; samples: number } } {
  let max = 0;
  let samples = 0;
  const sample = () => {
    samples++;
    max = Math.max(max, candidates.filter((c) => c.elector.isLeader).length);
  };
  const timer = setInterval(sample, 2);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { max, samples };
    },
  };
}

function storedLease(server: FakeApiServer): Lease | undefined {
  return server.get<Lease>("coordination.k8s.io/v1", "leases", NAMESPACE, NAME);
}

function leasePath(server: FakeApiServer): string {
  return server.resourcePath("leases", NAMESPACE, NAME);
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
  const client = createKubeClient({
    server: "http://127.0.0.1:1",
    auth: new NoAuth(),
    namespace: "x",
    source: "t",
  });
  try {
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
  } finally {
    client.close();
  }
});

Deno.test("of two candidates exactly one leads, the other follows, and they are never both leaders", async () => {
  await using server = await startFakeApiServer();
  await using a = new Candidate(server, "agent-a");
  await using b = new Candidate(server, "agent-b");
  const sampler = sampleLeaders([a, b]);
  a.start();
  b.start();
  await waitFor("a leader", () => a.elector.isLeader || b.elector.isLeader);
  // Several lease durations: the leader keeps renewing and the follower never takes over.
  await sleep(LEASE_MS * 3);
  const { max, samples } = sampler.stop();
  assert.equal(max, 1, "never two leaders at once");
  assert.ok(samples > 100, `sampled often enough (${samples})`);

  const [leader, follower] = a.elector.isLeader ? [a, b] : [b, a];
  assert.equal(leader.started.length, 1);
  assert.equal(leader.stopped.length, 0);
  assert.equal(follower.started.length, 0);
  assert.equal(follower.elector.isLeader, false);
  assert.equal(follower.elector.leader, leader.elector.identity);
  assert.equal(leader.elector.leader, leader.elector.identity);
  assert.deepEqual(follower.newLeaders, [leader.elector.identity]);
  assert.deepEqual(leader.newLeaders, [leader.elector.identity]);
  const stats = leader.elector.stats;
  assert.equal(stats.isLeader, true);
  assert.equal(stats.acquisitions, 1);
  assert.ok(stats.renewals >= 10, `renews every retry period (${stats.renewals})`);
  assert.equal(stats.failures, 0);
  assert.equal(follower.elector.stats.acquisitions, 0);

  const lease = storedLease(server);
  assert.ok(lease?.spec);
  assert.equal(lease.spec.holderIdentity, leader.elector.identity);
  assert.equal(lease.spec.leaseDurationSeconds, 1, "600 ms written as whole seconds, rounded up");
  assert.equal(lease.spec.leaseTransitions, 0, "created by the first holder");
  assert.match(String(lease.spec.acquireTime), MICRO_TIME);
  assert.match(String(lease.spec.renewTime), MICRO_TIME);
  assert.ok(String(lease.spec.renewTime) > String(lease.spec.acquireTime), "renewed since acquired");
  const acquiredAt = Date.parse(String(lease.spec.acquireTime));
  assert.ok(Math.abs(acquiredAt - leader.started[0]) < SLACK_MS, "acquireTime is when the term started");
});

Deno.test("candidates racing to create the lease: one wins, the loser gets 409 and follows", async () => {
  await using server = await startFakeApiServer();
  // Both GETs answer 404 before either POST arrives.
  server.setLatency(30);
  await using a = new Candidate(server, "agent-a");
  await using b = new Candidate(server, "agent-b");
  const sampler = sampleLeaders([a, b]);
  a.start();
  b.start();
  await waitFor("a leader", () => a.elector.isLeader || b.elector.isLeader);
  await sleep(RETRY_MS * 3);
  assert.equal(sampler.stop().max, 1);
  const posts = server.requests.filter((r) => r.method === "POST" && r.path.endsWith("/leases"));
  assert.deepEqual(posts.map((r) => r.status).sort(), [201, 409]);
  const loser = a.elector.isLeader ? b : a;
  assert.ok(loser.elector.stats.conflicts >= 1);
  assert.equal(loser.elector.stats.failures, 0, "a lost race is no failure");
});

Deno.test("a leader stopping with release hands over at once and the follower counts a transition", async () => {
  await using server = await startFakeApiServer();
  let holderWhenStopped: string | undefined;
  await using a = new Candidate(server, "agent-a", {
    releaseOnStop: true,
    onStoppedLeading: () => {
      // The agent stops polling before anyone else may lead.
      holderWhenStopped = storedLease(server)?.spec?.holderIdentity;
      a.stopped.push(Date.now());
    },
  });
  a.start();
  await waitFor("agent-a to lead", () => a.elector.isLeader);
  await using b = new Candidate(server, "agent-b").start();
  await waitFor("agent-b to follow", () => b.elector.leader === "agent-a");
  await sleep(RETRY_MS * 2);

  const sampler = sampleLeaders([a, b]);
  const stoppedAt = Date.now();
  a.stop.abort();
  await a.run;
  assert.equal(a.elector.isLeader, false);
  assert.equal(holderWhenStopped, "agent-a");
  assert.equal(a.elector.stats.releases, 1);
  await waitFor("agent-b to take over", () => b.elector.isLeader);
  const takeoverMs = b.started[0] - stoppedAt;
  report("takeover after release", takeoverMs);
  assert.equal(sampler.stop().max, 1);
  // The follower polls every retry period (plus jitter) and no longer waits for the lease to expire.
  assert.ok(takeoverMs < RETRY_MS * 1.2 + SLACK_MS, `took over in ${takeoverMs} ms`);
  assert.ok(takeoverMs < LEASE_MS, `faster than expiry (${takeoverMs} ms)`);
  assert.equal(a.stopped.length, 1);

  const lease = storedLease(server);
  assert.equal(lease?.spec?.holderIdentity, "agent-b");
  assert.equal(lease?.spec?.leaseTransitions, 1);
  assert.equal(lease?.spec?.leaseDurationSeconds, 1);
});

Deno.test("a crashed leader (no release) is replaced after the lease duration, not before", async () => {
  await using server = await startFakeApiServer();
  await using a = new Candidate(server, "agent-a", { releaseOnStop: false });
  a.start();
  await waitFor("agent-a to lead", () => a.elector.isLeader);
  await using b = new Candidate(server, "agent-b").start();
  await waitFor("agent-b to follow", () => b.elector.leader === "agent-a");
  await sleep(RETRY_MS * 3);

  const sampler = sampleLeaders([a, b]);
  const killedAt = Date.now();
  a.stop.abort();
  await a.run;
  assert.equal(a.elector.stats.releases, 0);
  assert.equal(storedLease(server)?.spec?.holderIdentity, "agent-a", "the lease still names the dead leader");
  await waitFor("agent-b to take over", () => b.elector.isLeader);
  const takeoverMs = b.started[0] - killedAt;
  report("takeover after crash", takeoverMs);
  assert.equal(sampler.stop().max, 1);
  // The last renewal is at most a retry period old at the crash, and the follower saw it no earlier.
  assert.ok(takeoverMs >= LEASE_MS - RETRY_MS - 20, `waited for expiry (${takeoverMs} ms)`);
  assert.ok(takeoverMs <= LEASE_MS + RETRY_MS + SLACK_MS, `took over in ${takeoverMs} ms`);
  const lease = storedLease(server);
  assert.equal(lease?.spec?.holderIdentity, "agent-b");
  assert.equal(lease?.spec?.leaseTransitions, 1);
  assert.notEqual(lease?.spec?.acquireTime, undefined);
  assert.ok(
    Date.parse(String(lease?.spec?.acquireTime)) >= killedAt - 5,
    "acquireTime restarts with the new holder",
  );
});

Deno.test("a leader that cannot renew (403) steps down within the renew deadline and competes again", async () => {
  await using server = await startFakeApiServer();
  await using a = new Candidate(server, "agent-a");
  a.start();
  await waitFor("agent-a to lead", () => a.elector.isLeader);
  await sleep(RETRY_MS * 2);

  const blockedAt = Date.now();
  server.forbid("leases", ["update"]);
  await waitFor("the step-down", () => a.stopped.length === 1);
  const stepDownMs = a.stopped[0] - blockedAt;
  report("step-down after renewals fail (403)", stepDownMs);
  assert.equal(a.elector.isLeader, false);
  assert.ok(stepDownMs <= RENEW_DEADLINE_MS + RETRY_MS + 50, `stepped down in ${stepDownMs} ms`);
  assert.ok(stepDownMs < LEASE_MS, "before any follower may consider the lease expired");
  assert.equal(a.termSignals[0].aborted, true, "the term's signal aborts with the leadership");
  const stats = a.elector.stats;
  assert.equal(stats.stepDowns, 1);
  assert.ok(stats.failures >= 2, `counted the failed renewals (${stats.failures})`);
  assert.match(String(stats.lastError), /403/);
  assert.ok(a.logger.entries.some((e) => e.level === "warn" && /renew deadline/.test(e.message)));

  // Still a candidate: once writes work again it takes the lease back (it still names it: no transition).
  await sleep(RETRY_MS * 2);
  assert.equal(a.elector.isLeader, false);
  server.allow("leases");
  await waitFor("agent-a to lead again", () => a.elector.isLeader);
  assert.equal(a.started.length, 2);
  assert.equal(a.elector.stats.acquisitions, 2);
  assert.equal(a.elector.stats.consecutiveFailures, 0);
  assert.equal(storedLease(server)?.spec?.leaseTransitions, 0);
});

Deno.test("a leader whose renewals fail (503) steps down and the follower takes over", async () => {
  await using server = await startFakeApiServer();
  await using a = new Candidate(server, "agent-a");
  a.start();
  await waitFor("agent-a to lead", () => a.elector.isLeader);
  await using b = new Candidate(server, "agent-b").start();
  await waitFor("agent-b to follow", () => b.elector.leader === "agent-a");
  const sampler = sampleLeaders([a, b]);

  // Every write fails for a while (the follower cannot write either, so nobody leads in between).
  const blockedAt = Date.now();
  server.failNext(1_000, 503, { method: "PUT", path: leasePath(server) });
  await waitFor("the step-down", () => a.stopped.length === 1);
  const stepDownMs = a.stopped[0] - blockedAt;
  report("step-down after renewals fail (503)", stepDownMs);
  assert.ok(stepDownMs <= RENEW_DEADLINE_MS + RETRY_MS + 50, `stepped down in ${stepDownMs} ms`);
  server.clearFaults();
  await waitFor("a new leader", () => a.elector.isLeader || b.elector.isLeader);
  assert.equal(sampler.stop().max, 1);
});

Deno.test("a leader whose renewals hang steps down at the renew deadline", async () => {
  await using server = await startFakeApiServer();
  await using a = new Candidate(server, "agent-a");
  a.start();
  await waitFor("agent-a to lead", () => a.elector.isLeader);
  await sleep(RETRY_MS);
  const slowAt = Date.now();
  server.setLatency(LEASE_MS * 3);
  await waitFor("the step-down", () => a.stopped.length === 1);
  const stepDownMs = a.stopped[0] - slowAt;
  report("step-down when renewals hang", stepDownMs);
  assert.ok(stepDownMs <= RENEW_DEADLINE_MS + RETRY_MS + 50, `stepped down in ${stepDownMs} ms`);
  server.setLatency(0);
});

Deno.test("a 409 on renewal is re-read: still ours, the leader stays leader", async () => {
  await using server = await startFakeApiServer();
  await using a = new Candidate(server, "agent-a");
  a.start();
  await waitFor("agent-a to lead", () => a.elector.isLeader);
  // Someone else touches the Lease (a label) without changing the record: our cached resourceVersion is stale.
  const current = storedLease(server);
  assert.ok(current?.metadata);
  server.apply({ ...current, metadata: { ...current.metadata, labels: { touched: "yes" } } });
  await waitFor("a real conflict", () => a.elector.stats.conflicts >= 1);
  // And an injected one.
  server.failNext(1, 409, { method: "PUT", path: leasePath(server) });
  await waitFor("an injected conflict", () => a.elector.stats.conflicts >= 2);
  const renewals = a.elector.stats.renewals;
  await waitFor("renewals to continue", () => a.elector.stats.renewals >= renewals + 3);
  assert.equal(a.elector.isLeader, true);
  assert.equal(a.stopped.length, 0, "no step-down");
  assert.equal(a.elector.stats.failures, 0);
  assert.equal(storedLease(server)?.metadata?.labels?.touched, "yes", "writes keep other fields");
});

Deno.test("a leader that finds another holder steps down at once and takes over after that holder expires", async () => {
  await using server = await startFakeApiServer();
  await using a = new Candidate(server, "agent-a");
  a.start();
  await waitFor("agent-a to lead", () => a.elector.isLeader);
  const current = storedLease(server);
  assert.ok(current?.spec);
  const now = formatMicroTime(Date.now());
  const intrudedAt = Date.now();
  server.apply({
    ...current,
    spec: {
      ...current.spec,
      holderIdentity: "intruder",
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 5,
    },
  });
  await waitFor("the step-down", () => a.stopped.length === 1);
  const stepDownMs = a.stopped[0] - intrudedAt;
  assert.ok(stepDownMs <= RETRY_MS + SLACK_MS, `stepped down on the next renewal (${stepDownMs} ms)`);
  assert.equal(a.elector.leader, "intruder");
  assert.ok(a.elector.stats.conflicts >= 1);
  assert.equal(a.elector.stats.stepDowns, 1);

  // The intruder never renews: after the lease duration (observed locally) agent-a takes over again.
  await waitFor("agent-a to lead again", () => a.elector.isLeader);
  const retakeMs = a.started[1] - intrudedAt;
  assert.ok(retakeMs >= LEASE_MS - 20, `waited for the intruder's lease (${retakeMs} ms)`);
  assert.ok(retakeMs <= LEASE_MS + RETRY_MS * 2 + SLACK_MS, `retook in ${retakeMs} ms`);
  assert.deepEqual(a.newLeaders, ["agent-a", "intruder", "agent-a"]);
  const lease = storedLease(server);
  assert.equal(lease?.spec?.holderIdentity, "agent-a");
  assert.equal(lease?.spec?.leaseTransitions, 6);
});

Deno.test("a follower judges expiry by its own observation, not by renewTime", async () => {
  await using server = await startFakeApiServer();
  // A holder whose clock is far behind ours: its renewTime looks an hour old, but the record is fresh to us.
  const stale = formatMicroTime(Date.now() - 3_600_000);
  server.apply({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: { holderIdentity: "skewed", leaseDurationSeconds: 1, acquireTime: stale, renewTime: stale },
  });
  await using b = new Candidate(server, "agent-b").start();
  const startedAt = Date.now();
  await waitFor("agent-b to take over", () => b.elector.isLeader);
  const waitedMs = b.started[0] - startedAt;
  assert.ok(waitedMs >= LEASE_MS - 20, `waited a full lease duration (${waitedMs} ms)`);
  assert.equal(storedLease(server)?.spec?.leaseTransitions, 1);
});

Deno.test("a holder advertising a longer lease duration is respected", async () => {
  await using server = await startFakeApiServer();
  const now = formatMicroTime(Date.now());
  server.apply({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: { holderIdentity: "slow", leaseDurationSeconds: 2, acquireTime: now, renewTime: now },
  });
  await using b = new Candidate(server, "agent-b").start();
  await sleep(1_200);
  assert.equal(b.elector.isLeader, false, "2 s are not over yet");
  await waitFor("agent-b to take over", () => b.elector.isLeader, 2_000);
});

Deno.test("run() twice at once is refused, and stopping a follower resolves promptly", async () => {
  await using server = await startFakeApiServer();
  server.forbid("leases", ["get"]);
  await using a = new Candidate(server, "agent-a").start();
  await assert.rejects(() => a.elector.run(a.stop.signal), /already running/);
  await waitFor("a failure", () => a.elector.stats.failures >= 1);
  const warnings = a.logger.entries.filter((e) => e.level === "warn").length;
  await sleep(RETRY_MS * 3);
  assert.equal(
    a.logger.entries.filter((e) => e.level === "warn").length,
    warnings,
    "repeated failures throttled",
  );
  const stoppedAt = Date.now();
  a.stop.abort();
  await a.run;
  assert.ok(Date.now() - stoppedAt < 100);
  assert.equal(a.stopped.length, 0, "a follower has no leadership to stop");
});

Deno.test("a graceful stop waits for onStoppedLeading's promise before releasing", async () => {
  await using server = await startFakeApiServer();
  let holderAfterStopWork: string | undefined;
  await using a = new Candidate(server, "agent-a", {
    releaseOnStop: true,
    onStoppedLeading: async () => {
      await sleep(100);
      holderAfterStopWork = storedLease(server)?.spec?.holderIdentity;
    },
  });
  a.start();
  await waitFor("agent-a to lead", () => a.elector.isLeader);
  a.stop.abort();
  await a.run;
  assert.equal(a.termSignals[0].aborted, true);
  assert.equal(holderAfterStopWork, "agent-a", "still held while the agent stopped its loops");
  assert.equal(storedLease(server)?.spec?.holderIdentity, "");
  assert.equal(a.elector.leader, undefined, "released: no leader");
});
