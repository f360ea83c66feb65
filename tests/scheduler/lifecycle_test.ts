import assert from "node:assert/strict";
import {
  HttpMasterGateway,
  MasterError,
  type MasterGateway,
  type MasterRequestOptions,
  NetworkError,
  type PushSnapshotResult,
} from "../../agent/gateway/mod.ts";
import {
  CommandLoops,
  createShutdownHandler,
  HeartbeatLoop,
  installSignalHandlers,
  Lifecycle,
  PushLoop,
  startLoops,
} from "../../agent/scheduler/mod.ts";
import type { Command, Result } from "../../model/mod.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { startFakeMaster } from "../support/fake_master.ts";
import { recordingLogger } from "./_support.ts";
import { nextTurn, waitFor } from "../support/wait.ts";

interface PendingPoll {
  topic: string;
  aborted: boolean;
  resolve(command: Command | null): void;
}

class FakeGateway implements MasterGateway {
  pushes = 0;
  heartbeats: number[] = [];
  polls: PendingPoll[] = [];
  reported: Result[] = [];
  resultError?: Error;
  #clock: FakeClock;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  pushSnapshot(json: string | Uint8Array): Promise<PushSnapshotResult> {
    this.pushes++;
    return Promise.resolve({ status: 200, rawBytes: json.length, gzipBytes: 1 });
  }

  heartbeat(): Promise<void> {
    this.heartbeats.push(this.#clock.now());
    return Promise.resolve();
  }

  pollCommand(topic: string, signal?: AbortSignal): Promise<Command | null> {
    const { promise, resolve, reject } = Promise.withResolvers<Command | null>();
    const poll: PendingPoll = { topic, aborted: false, resolve };
    signal?.addEventListener("abort", () => {
      poll.aborted = true;
      reject(new NetworkError("aborted", "GET", "/agent/commands"));
    }, { once: true });
    this.polls.push(poll);
    return promise;
  }

  postResult(result: Result, options: MasterRequestOptions = {}): Promise<void> {
    if (options.signal?.aborted) {
      return Promise.reject(new NetworkError("aborted", "POST", "/agent/result"));
    }
    if (this.resultError) return Promise.reject(this.resultError);
    this.reported.push(result);
    return Promise.resolve();
  }
}

/** Runs until finished by the test, or until its signal aborts when `honourAbort` is set. */
class FakeExecutor {
  calls: { command: Command; finish(failure?: string): void }[] = [];
  honourAbort = false;

  execute(command: Command, options: { signal?: AbortSignal } = {}): Promise<Result> {
    const { promise, resolve } = Promise.withResolvers<Result>();
    const finish = (failure?: string) =>
      resolve({
        commandId: command.id,
        success: failure === undefined,
        ...(failure ? { error: failure } : {}),
        executedAt: "2026-01-01T00:00:00Z",
      });
    if (this.honourAbort) {
      options.signal?.addEventListener("abort", () => finish("command aborted: agent is stopping"), {
        once: true,
      });
    }
    this.calls.push({ command, finish });
    return promise;
  }
}

const COMMAND: Command = {
  id: "cmd-7",
  clusterId: "c1",
  action: "restart",
  createdAt: "0001-01-01T00:00:00Z",
};

function setup() {
  const clock = new FakeClock();
  const gateway = new FakeGateway(clock);
  const executor = new FakeExecutor();
  const logger = recordingLogger();
  const producer = { build: () => ({ json: '{"clusterId":"c1"}' }) };
  const push = new PushLoop({ gateway, producer }, { clock, logger });
  const heartbeat = new HeartbeatLoop(gateway, { clock, logger });
  const commands = new CommandLoops({ gateway, executor }, { clock, logger, topics: ["ops"] });
  const lifecycle = new Lifecycle({ push, heartbeat, commands }, { clock, logger });
  return { clock, gateway, executor, logger, lifecycle, commands };
}

Deno.test("Lifecycle.stop() ends polling, lets a running command finish and report, then stops the rest", async () => {
  const { clock, gateway, executor, lifecycle } = setup();
  lifecycle.start();
  assert.equal(lifecycle.state, "running");
  await waitFor(() => gateway.polls.length === 1 && gateway.heartbeats.length === 1, "start-up");
  gateway.polls[0].resolve(COMMAND);
  await waitFor(
    () => executor.calls.length === 1 && gateway.polls.length === 2,
    "the command and the next poll",
  );

  let stopped = false;
  const stopping = lifecycle.stop().then(() => stopped = true);
  assert.equal(lifecycle.state, "stopping");
  await waitFor(() => gateway.polls[1].aborted, "the poll abort");
  // Heartbeats go on while commands drain, so the Master keeps the agent online.
  clock.advance(15_000);
  await waitFor(() => gateway.heartbeats.length === 2, "a heartbeat during the drain");
  assert.equal(stopped, false);

  executor.calls[0].finish();
  await stopping;
  assert.equal(lifecycle.state, "stopped");
  assert.deepEqual(gateway.reported.map((r) => r.commandId), ["cmd-7"]);
  assert.equal(gateway.polls.length, 2, "no poll after stop");
  assert.equal(clock.pending, 0, "no timer left behind");
  assert.equal(lifecycle.stop(), lifecycle.stop(), "stop is idempotent");
});

Deno.test("Lifecycle.stop() aborts commands after the grace period and still reports their results", async () => {
  const { clock, gateway, executor, logger, lifecycle } = setup();
  executor.honourAbort = true;
  lifecycle.start();
  await waitFor(() => gateway.polls.length === 1, "the first poll");
  gateway.polls[0].resolve(COMMAND);
  await waitFor(() => executor.calls.length === 1, "the command");
  const t0 = clock.now();
  const graceStarted = clock.waitForSleep();
  const stopping = lifecycle.stop();
  await graceStarted;
  assert.equal(clock.sleeps.at(-1), 20_000);
  clock.advance(20_000);
  await stopping;
  assert.equal(clock.now() - t0, 20_000);
  assert.ok(logger.entries.some((e) => e.message === "Grace period over; aborting running commands"));
  assert.equal(gateway.reported.length, 1);
  assert.equal(gateway.reported[0].success, false);
  assert.match(gateway.reported[0].error ?? "", /aborted/);
});

Deno.test("Lifecycle.stop() abandons a result it cannot deliver and logs it with the command id", async () => {
  const { clock, gateway, executor, logger, lifecycle, commands } = setup();
  gateway.resultError = new MasterError({ status: 503, method: "POST", path: "/agent/result", body: "" });
  lifecycle.start();
  await waitFor(() => gateway.polls.length === 1, "the first poll");
  gateway.polls[0].resolve(COMMAND);
  await waitFor(() => executor.calls.length === 1, "the command");
  executor.calls[0].finish();
  const t0 = clock.now();
  let stopped = false;
  const stopping = lifecycle.stop().then(() => stopped = true);
  while (!stopped && clock.now() - t0 < 60_000) {
    clock.advance(500);
    await nextTurn();
    await nextTurn();
  }
  await stopping;
  const elapsed = clock.now() - t0;
  assert.ok(elapsed >= 22_000 && elapsed <= 23_000, `grace plus hard stop, got ${elapsed} ms`);
  const gaveUp = logger.entries.find((e) => e.message === "Gave up reporting command result");
  assert.equal(gaveUp?.properties?.commandId, "cmd-7");
  assert.equal(gaveUp?.properties?.reason, "agent stopping");
  assert.equal(commands.inFlight, 0);
});

Deno.test("startLoops() starts heartbeat, push and both polls, and stops them", async () => {
  const clock = new FakeClock();
  const gateway = new FakeGateway(clock);
  const started = startLoops({
    gateway,
    producer: { build: () => ({ json: '{"clusterId":"c1"}' }) },
    executor: new FakeExecutor(),
  }, { clock });
  await waitFor(
    () => gateway.heartbeats.length === 1 && gateway.pushes === 1 && gateway.polls.length === 2,
    "start",
  );
  assert.deepEqual(gateway.polls.map((p) => p.topic).sort(), ["ai", "ops"]);
  assert.equal(started.lifecycle.state, "running");
  await started.lifecycle.stop();
  assert.ok(gateway.polls.every((p) => p.aborted));
  assert.equal(started.push.stats.pushesOk, 1);
  assert.equal(started.heartbeat.stats.sent, 1);
  assert.equal(clock.pending, 0);
});

Deno.test("createShutdownHandler() stops then exits 0, and exits 1 on a second signal", async (t) => {
  await t.step("first and second signal", async () => {
    const exits: number[] = [];
    const { promise: release, resolve } = Promise.withResolvers<void>();
    let stops = 0;
    const handle = createShutdownHandler({
      stop: () => {
        stops++;
        return release;
      },
    }, { exit: (code) => exits.push(code) });
    const first = handle("SIGTERM");
    await handle("SIGINT");
    assert.deepEqual(exits, [1]);
    resolve();
    await first;
    assert.deepEqual(exits, [1, 0]);
    assert.equal(stops, 1);
  });
  await t.step("a failing stop exits 1", async () => {
    const exits: number[] = [];
    const logger = recordingLogger();
    const handle = createShutdownHandler({ stop: () => Promise.reject(new Error("boom")) }, {
      exit: (code) => exits.push(code),
      logger,
    });
    await handle("SIGTERM");
    assert.deepEqual(exits, [1]);
    assert.ok(logger.entries.some((e) => e.level === "error"));
  });
});

Deno.test({
  name: "installSignalHandlers() stops and exits 0 on SIGTERM, and its remover unwires it",
  // Deno has no signal listeners on Windows.
  ignore: Deno.build.os === "windows",
  fn: async () => {
    // A listener of the test's own keeps the default action (terminating this test process) away throughout.
    // SIGINT is not sent: `deno test` takes it as the user cancelling the run.
    let delivered = 0;
    const keepAlive = () => delivered++;
    Deno.addSignalListener("SIGTERM", keepAlive);
    try {
      let stops = 0;
      const exits: number[] = [];
      const remove = installSignalHandlers({
        stop: () => {
          stops++;
          return Promise.resolve();
        },
      }, { exit: (code) => exits.push(code) });
      Deno.kill(Deno.pid, "SIGTERM");
      await waitFor(() => exits.length === 1, "the exit after SIGTERM");
      assert.equal(stops, 1);
      assert.deepEqual(exits, [0]);

      remove();
      Deno.kill(Deno.pid, "SIGTERM");
      await waitFor(() => delivered === 2, "the second SIGTERM to reach the test's own listener");
      assert.equal(stops, 1, "no stop once unwired");
      assert.deepEqual(exits, [0], "no exit once unwired");
    } finally {
      Deno.removeSignalListener("SIGTERM", keepAlive);
    }
  },
});

Deno.test("startLoops() against the fake Master reports a command end to end and stops promptly", async () => {
  await using master = startFakeMaster({ holdMs: 200 });
  using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });
  const executor = {
    execute: (command: Command): Promise<Result> =>
      Promise.resolve({
        commandId: command.id,
        success: true,
        output: "ok",
        execTime: 1_500,
        executedAt: new Date(0).toISOString(),
      }),
  };
  const started = startLoops({
    gateway,
    producer: { build: () => ({ json: JSON.stringify({ clusterId: "c1", pods: [] }) }) },
    executor,
  });
  const id = master.enqueue({ action: "get_logs", source: "ai", clusterId: "c1" });
  const result = await master.waitForResult(id);
  assert.equal(result.result.output, "ok");
  await master.waitFor(() => master.snapshots.length === 1 && master.heartbeats.length === 1);
  await started.lifecycle.stop();
  assert.equal(started.commands.stats.resultsReported, 1);
});
