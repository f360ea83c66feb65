import assert from "node:assert/strict";
import type { InformerStatus, KindStatus } from "../../agent/informer/mod.ts";
import { AgentMetrics } from "../../agent/observability/metrics.ts";
import type { CommandOutcome } from "../../agent/scheduler/mod.ts";
import type { Command } from "../../model/mod.ts";
import { FakeClock } from "../support/fake_clock.ts";

const START = Date.UTC(2026, 0, 1);

type Labels = Record<string, string>;

interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

/** Parses the Prometheus text format (enough of it for prom-client's output). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `Unparsable metrics line: ${line}`);
    const labels: Labels = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function find(samples: Sample[], name: string, labels: Labels = {}): Sample[] {
  return samples.filter((s) =>
    s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value)
  );
}

/** The value of the one sample matching; fails when there is none or several. */
function value(samples: Sample[], name: string, labels: Labels = {}): number {
  const found = find(samples, name, labels);
  assert.equal(found.length, 1, `Expected one sample ${name} ${JSON.stringify(labels)}, got ${found.length}`);
  return found[0].value;
}

async function scrape(metrics: AgentMetrics): Promise<Sample[]> {
  return parse(await metrics.metricsText());
}

function informer(
  overrides: Omit<Partial<InformerStatus>, "counters"> & { counters?: Partial<InformerStatus["counters"]> } =
    {},
): InformerStatus {
  const { counters, ...rest } = overrides;
  return {
    path: "/api/v1/pods",
    synced: true,
    health: "ok" as const,
    objects: 0,
    resourceVersion: "1",
    lastContactAt: 0,
    ...rest,
    counters: {
      events: { added: 0, modified: 0, deleted: 0, bookmark: 0 },
      relists: 0,
      watchRestarts: 0,
      errors: {},
      lastEventAt: 0,
      ...counters,
    },
  };
}

function command(action: string): Command {
  return { id: "c-1", clusterId: "cluster", action, createdAt: "2026-01-01T00:00:00Z" };
}

Deno.test("AgentMetrics exports informer state read from the source at scrape time", async (t) => {
  const clock = new FakeClock(START);
  let kinds: KindStatus[] = [
    {
      kind: "pods",
      synced: true,
      health: "ok",
      objects: 5,
      informers: [
        informer({
          objects: 3,
          counters: {
            events: { added: 3, modified: 10, deleted: 1, bookmark: 2 },
            relists: 1,
            watchRestarts: 4,
            errors: { network: 2, expired: 1 },
            lastEventAt: START - 2_000,
          },
        }),
        informer({
          path: "/api/v1/namespaces/b/pods",
          objects: 2,
          counters: {
            events: { added: 2, modified: 5, deleted: 0, bookmark: 1 },
            watchRestarts: 1,
            errors: { network: 1 },
            lastEventAt: START - 500,
          },
        }),
      ],
    },
    {
      kind: "secrets",
      synced: false,
      health: "forbidden",
      objects: 0,
      lastError: { kind: "forbidden", phase: "list", message: "403 forbidden" },
      informers: [informer({ path: "/api/v1/secrets", synced: false, health: "forbidden" })],
    },
  ];
  let reads = 0;
  const metrics = new AgentMetrics({
    clock,
    informers: () => {
      reads++;
      return kinds;
    },
  });

  await t.step("sums counters over the informers of a kind", async () => {
    const samples = await scrape(metrics);
    assert.equal(reads, 1, "one status read per scrape");
    assert.equal(value(samples, "atlhyper_agent_informer_objects", { kind: "pods" }), 5);
    assert.equal(value(samples, "atlhyper_agent_informer_synced", { kind: "pods" }), 1);
    assert.equal(value(samples, "atlhyper_agent_informer_synced", { kind: "secrets" }), 0);
    assert.equal(value(samples, "atlhyper_agent_informer_events_total", { kind: "pods", type: "added" }), 5);
    assert.equal(
      value(samples, "atlhyper_agent_informer_events_total", { kind: "pods", type: "modified" }),
      15,
    );
    assert.equal(
      value(samples, "atlhyper_agent_informer_events_total", { kind: "pods", type: "deleted" }),
      1,
    );
    assert.equal(
      value(samples, "atlhyper_agent_informer_events_total", { kind: "pods", type: "bookmark" }),
      3,
    );
    assert.equal(
      value(samples, "atlhyper_agent_informer_events_total", { kind: "secrets", type: "added" }),
      0,
    );
    assert.equal(value(samples, "atlhyper_agent_informer_relists_total", { kind: "pods" }), 1);
    assert.equal(value(samples, "atlhyper_agent_informer_watch_restarts_total", { kind: "pods" }), 5);
    assert.equal(
      value(samples, "atlhyper_agent_informer_errors_total", { kind: "pods", reason: "network" }),
      3,
    );
    assert.equal(
      value(samples, "atlhyper_agent_informer_errors_total", { kind: "pods", reason: "expired" }),
      1,
    );
    assert.equal(find(samples, "atlhyper_agent_informer_errors_total", { kind: "secrets" }).length, 0);
  });

  await t.step("reports health as one series per state with 1 for the current one", async () => {
    const samples = await scrape(metrics);
    const states = find(samples, "atlhyper_agent_informer_health", { kind: "secrets" });
    assert.equal(states.length, 5);
    assert.deepEqual(states.filter((s) => s.value === 1).map((s) => s.labels.state), ["forbidden"]);
    assert.equal(value(samples, "atlhyper_agent_informer_health", { kind: "pods", state: "ok" }), 1);
  });

  await t.step("measures the seconds since the latest event with the injected clock", async () => {
    clock.advance(1_500);
    const samples = await scrape(metrics);
    assert.equal(value(samples, "atlhyper_agent_informer_last_event_age_seconds", { kind: "pods" }), 2);
    assert.equal(
      find(samples, "atlhyper_agent_informer_last_event_age_seconds", { kind: "secrets" }).length,
      0,
    );
  });

  await t.step("follows the source when kinds change between scrapes", async () => {
    kinds = [{ ...kinds[0], objects: 7 }];
    const samples = await scrape(metrics);
    assert.equal(value(samples, "atlhyper_agent_informer_objects", { kind: "pods" }), 7);
    assert.equal(find(samples, "atlhyper_agent_informer_objects", { kind: "secrets" }).length, 0);
    assert.equal(find(samples, "atlhyper_agent_informer_health", { kind: "secrets" }).length, 0);
  });
});

Deno.test("AgentMetrics scrapes without informer series when the source is missing or throws", async () => {
  const metrics = new AgentMetrics();
  assert.equal(find(await scrape(metrics), "atlhyper_agent_informer_objects").length, 0);
  metrics.setInformerSource(() => {
    throw new Error("informers gone");
  });
  const samples = await scrape(metrics);
  assert.equal(find(samples, "atlhyper_agent_informer_objects").length, 0);
  assert.equal(value(samples, "atlhyper_agent_leader"), 0);
});

Deno.test("AgentMetrics.recordPush counts outcomes by trigger and records latency and sizes", async () => {
  const clock = new FakeClock(START);
  const metrics = new AgentMetrics({ clock });
  const { recordPush } = metrics;
  recordPush({
    ok: true,
    trigger: "initial",
    latencyMs: 120,
    buildMs: 20,
    rawBytes: 50_000,
    gzipBytes: 4_000,
    status: 200,
  });
  clock.advance(10_000);
  recordPush({
    ok: true,
    trigger: "interval",
    latencyMs: 40,
    buildMs: 5,
    rawBytes: 60_000,
    gzipBytes: 5_000,
    status: 200,
  });
  recordPush({ ok: false, trigger: "change", stage: "push", latencyMs: 30_000, error: new Error("timeout") });
  recordPush({ ok: false, trigger: "retry", stage: "build", latencyMs: 1, error: new Error("bug") });
  const samples = await scrape(metrics);
  const pushes = "atlhyper_agent_snapshot_pushes_total";
  assert.equal(value(samples, pushes, { trigger: "initial", outcome: "success" }), 1);
  assert.equal(value(samples, pushes, { trigger: "interval", outcome: "success" }), 1);
  assert.equal(value(samples, pushes, { trigger: "change", outcome: "push_error" }), 1);
  assert.equal(value(samples, pushes, { trigger: "retry", outcome: "build_error" }), 1);
  // The failed build never reached the Master, so it is not a push latency.
  assert.equal(value(samples, "atlhyper_agent_snapshot_push_duration_seconds_count"), 3);
  assert.equal(value(samples, "atlhyper_agent_snapshot_push_duration_seconds_sum"), 30.16);
  assert.equal(value(samples, "atlhyper_agent_snapshot_push_duration_seconds_bucket", { le: "0.05" }), 1);
  assert.equal(value(samples, "atlhyper_agent_snapshot_raw_bytes"), 60_000);
  assert.equal(value(samples, "atlhyper_agent_snapshot_gzip_bytes"), 5_000);
  assert.equal(
    value(samples, "atlhyper_agent_snapshot_last_success_timestamp_seconds"),
    (START + 10_000) / 1000,
  );
  // Build time comes from recordSnapshotBuild only, so a build is never counted twice.
  assert.equal(value(samples, "atlhyper_agent_snapshot_build_seconds_count"), 0);
});

Deno.test("AgentMetrics exposes push and heartbeat outcome series at 0 before the first attempt", async () => {
  const samples = await scrape(new AgentMetrics());
  assert.equal(find(samples, "atlhyper_agent_snapshot_pushes_total").length, 15);
  assert.equal(
    value(samples, "atlhyper_agent_snapshot_pushes_total", { trigger: "change", outcome: "push_error" }),
    0,
  );
  assert.equal(
    value(samples, "atlhyper_agent_snapshot_pushes_total", { trigger: "command", outcome: "success" }),
    0,
  );
  assert.equal(value(samples, "atlhyper_agent_heartbeats_total", { outcome: "failure" }), 0);
});

Deno.test("AgentMetrics.recordSnapshotBuild observes build seconds and the raw size", async () => {
  const metrics = new AgentMetrics();
  const { recordSnapshotBuild } = metrics;
  recordSnapshotBuild(0.004, 1_000);
  recordSnapshotBuild(0.3, 2_000);
  recordSnapshotBuild(Number.NaN, -1);
  const samples = await scrape(metrics);
  assert.equal(value(samples, "atlhyper_agent_snapshot_build_seconds_count"), 2);
  assert.equal(value(samples, "atlhyper_agent_snapshot_build_seconds_bucket", { le: "0.005" }), 1);
  assert.equal(value(samples, "atlhyper_agent_snapshot_build_seconds_bucket", { le: "0.5" }), 2);
  assert.equal(value(samples, "atlhyper_agent_snapshot_raw_bytes"), 2_000);
});

Deno.test("AgentMetrics records heartbeats, polls, commands, results and leadership", async () => {
  const clock = new FakeClock(START);
  const metrics = new AgentMetrics({ clock, leader: true });
  const { recordHeartbeat, recordPoll, recordCommand, recordCommandResult, setLeader } = metrics;
  recordHeartbeat({ ok: true, latencyMs: 5 });
  recordHeartbeat({ ok: false, latencyMs: 5, error: new Error("down") });
  recordPoll({ ok: true, topic: "ops", command: command("scale") });
  recordPoll({ ok: true, topic: "ops" });
  recordPoll({ ok: true, topic: "ai" });
  recordPoll({ ok: false, topic: "ai", error: new Error("502") });
  recordCommand("scale", "success", 250);
  recordCommand("scale", "failure", 2_000);
  recordCommand("unknown", "rejected", 0);
  const outcome: CommandOutcome = {
    command: command("scale"),
    topic: "ops",
    result: { commandId: "c-1", success: true, executedAt: "2026-01-01T00:00:00Z" },
    durationMs: 250,
    reported: true,
    attempts: 1,
  };
  recordCommandResult(outcome);
  recordCommandResult({ ...outcome, reported: false, attempts: 9 });

  let samples = await scrape(metrics);
  assert.equal(value(samples, "atlhyper_agent_heartbeats_total", { outcome: "success" }), 1);
  assert.equal(value(samples, "atlhyper_agent_heartbeats_total", { outcome: "failure" }), 1);
  assert.equal(value(samples, "atlhyper_agent_heartbeat_last_success_timestamp_seconds"), START / 1000);
  assert.equal(value(samples, "atlhyper_agent_command_polls_total", { topic: "ops", outcome: "command" }), 1);
  assert.equal(value(samples, "atlhyper_agent_command_polls_total", { topic: "ops", outcome: "empty" }), 1);
  assert.equal(value(samples, "atlhyper_agent_command_polls_total", { topic: "ai", outcome: "empty" }), 1);
  assert.equal(value(samples, "atlhyper_agent_command_polls_total", { topic: "ai", outcome: "error" }), 1);
  assert.equal(value(samples, "atlhyper_agent_commands_total", { action: "scale", outcome: "success" }), 1);
  assert.equal(value(samples, "atlhyper_agent_commands_total", { action: "scale", outcome: "failure" }), 1);
  assert.equal(
    value(samples, "atlhyper_agent_commands_total", { action: "unknown", outcome: "rejected" }),
    1,
  );
  assert.equal(value(samples, "atlhyper_agent_command_duration_seconds_count", { action: "scale" }), 2);
  assert.equal(value(samples, "atlhyper_agent_command_duration_seconds_sum", { action: "scale" }), 2.25);
  assert.equal(
    value(samples, "atlhyper_agent_command_results_total", { topic: "ops", outcome: "reported" }),
    1,
  );
  assert.equal(
    value(samples, "atlhyper_agent_command_results_total", { topic: "ops", outcome: "given_up" }),
    1,
  );
  assert.equal(value(samples, "atlhyper_agent_leader"), 1);

  setLeader(false);
  samples = await scrape(metrics);
  assert.equal(value(samples, "atlhyper_agent_leader"), 0);
});

Deno.test("AgentMetrics exports process metrics under their standard names without permissions", async () => {
  const metrics = new AgentMetrics({ version: "1.2.3" });
  const samples = await scrape(metrics);
  for (
    const name of [
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_heap_size_total_bytes",
    ]
  ) {
    assert.ok(value(samples, name) > 0, `${name} should be positive`);
  }
  assert.ok(value(samples, "process_cpu_seconds_total") > 0);
  assert.ok(value(samples, "process_cpu_user_seconds_total") > 0);
  assert.ok(value(samples, "process_cpu_system_seconds_total") >= 0);
  assert.ok(value(samples, "process_start_time_seconds") > 1_600_000_000);
  assert.equal(value(samples, "atlhyper_agent_info", { version: "1.2.3", deno: Deno.version.deno }), 1);

  const quiet = await scrape(new AgentMetrics({ processMetrics: false }));
  assert.equal(find(quiet, "process_resident_memory_bytes").length, 0);
});

Deno.test("AgentMetrics instances keep separate registries", async () => {
  const a = new AgentMetrics({ processMetrics: true });
  const b = new AgentMetrics({ processMetrics: true });
  a.recordHeartbeat({ ok: true, latencyMs: 1 });
  assert.equal(value(await scrape(a), "atlhyper_agent_heartbeats_total", { outcome: "success" }), 1);
  assert.equal(value(await scrape(b), "atlhyper_agent_heartbeats_total", { outcome: "success" }), 0);
  assert.match(a.contentType, /^text\/plain; version=0\.0\.4/);
});

Deno.test("AgentMetrics names every metric with the agent prefix or a standard process name", async () => {
  const text = await new AgentMetrics().metricsText();
  const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
  assert.ok(names.length > 20);
  for (const name of names) assert.match(name, /^(atlhyper_agent_|process_|nodejs_)/);
});
