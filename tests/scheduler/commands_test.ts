import assert from "node:assert/strict";
import {
  MasterError,
  MasterProtocolError,
  type MasterRequestOptions,
  NetworkError,
} from "../../agent/gateway/mod.ts";
import { CommandLoops, type CommandOutcome } from "../../agent/scheduler/mod.ts";
import type { Command, Result } from "../../model/mod.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { recordingLogger } from "./_support.ts";
import { nextTurn, waitFor } from "../support/wait.ts";

interface PendingPoll {
  topic: string;
  resolve(command: Command | null): void;
  reject(error: unknown): void;
}

type ResultAnswer = "ok" | Error;

/** Polls stay pending until the test answers them, unless `autoPoll` answers at once. */
class FakeGateway {
  polls: PendingPoll[] = [];
  autoPoll?: (topic: string) => Command | null | Error;
  resultAttempts: { result: Result; at: number; options: MasterRequestOptions }[] = [];
  reported: Result[] = [];
  resultAnswers: ResultAnswer[] = [];
  defaultResultAnswer: ResultAnswer = "ok";
  #clock: FakeClock;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  pollCommand(topic: string, signal?: AbortSignal): Promise<Command | null> {
    const auto = this.autoPoll?.(topic);
    if (auto !== undefined) return auto instanceof Error ? Promise.reject(auto) : Promise.resolve(auto);
    const { promise, resolve, reject } = Promise.withResolvers<Command | null>();
    signal?.addEventListener("abort", () => {
      reject(new NetworkError("aborted", "GET", "/agent/commands", { cause: signal.reason }));
    }, { once: true });
    this.polls.push({ topic, resolve, reject });
    return promise;
  }

  postResult(result: Result, options: MasterRequestOptions = {}): Promise<void> {
    this.resultAttempts.push({ result, at: this.#clock.now(), options });
    if (options.signal?.aborted) {
      return Promise.reject(new NetworkError("aborted", "POST", "/agent/result"));
    }
    const answer = this.resultAnswers.shift() ?? this.defaultResultAnswer;
    if (answer instanceof Error) return Promise.reject(answer);
    this.reported.push(result);
    return Promise.resolve();
  }
}

/** Executions stay pending until the test finishes them. */
class FakeExecutor {
  calls: { command: Command; signal?: AbortSignal; topic?: string; finish(success?: boolean): void }[] = [];
  throwNext = false;
  #clock: FakeClock;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  execute(command: Command, options: { signal?: AbortSignal; topic?: string } = {}): Promise<Result> {
    if (this.throwNext) {
      this.throwNext = false;
      return Promise.reject(new Error("handler table is broken"));
    }
    const { promise, resolve } = Promise.withResolvers<Result>();
    const startedAt = new Date(this.#clock.now()).toISOString();
    this.calls.push({
      command,
      signal: options.signal,
      topic: options.topic,
      finish: (success = true) =>
        resolve({
          commandId: command.id,
          success,
          output: "done",
          execTime: 5_000_000,
          executedAt: startedAt,
        }),
    });
    return promise;
  }
}

function command(id: string, source = "web"): Command {
  return {
    id,
    clusterId: "c1",
    action: "restart",
    kind: "Deployment",
    namespace: "ns",
    name: "web",
    source,
    createdAt: "0001-01-01T00:00:00Z",
  };
}

function setup(options: { topics?: string[]; maxInFlight?: number } = {}) {
  const clock = new FakeClock();
  const gateway = new FakeGateway(clock);
  const executor = new FakeExecutor(clock);
  const logger = recordingLogger();
  const outcomes: CommandOutcome[] = [];
  const loops = new CommandLoops({ gateway, executor }, {
    clock,
    logger,
    onCommand: (o) => outcomes.push(o),
    ...options,
  });
  return { clock, gateway, executor, logger, outcomes, loops, controller: new AbortController() };
}

Deno.test("CommandLoops polls ops and ai concurrently and re-polls at once after a command", async () => {
  const { clock, gateway, executor, loops, controller, outcomes } = setup();
  const run = loops.run(controller.signal);
  await waitFor(() => gateway.polls.length === 2, "both polls");
  assert.deepEqual(gateway.polls.map((p) => p.topic).sort(), ["ai", "ops"]);
  const ops = gateway.polls.find((p) => p.topic === "ops");
  ops?.resolve(command("c-1"));
  await waitFor(() => gateway.polls.length === 3, "the re-poll");
  assert.equal(gateway.polls[2].topic, "ops");
  assert.deepEqual(clock.sleeps, [], "no pause after a command");
  const slept = clock.waitForSleep();
  gateway.polls[2].resolve(null);
  await slept;
  assert.deepEqual(clock.sleeps, [100], "poll interval after an empty answer");

  assert.equal(executor.calls.length, 1);
  executor.calls[0].finish();
  await loops.idle();
  assert.equal(gateway.reported[0].commandId, "c-1");
  assert.equal(outcomes[0].reported, true);
  assert.equal(loops.stats.succeeded, 1);
  controller.abort();
  await run;
});

Deno.test("CommandLoops backs off poll errors from 100 ms to 30 s and throttles the log", async () => {
  const { clock, gateway, logger, loops, controller } = setup({ topics: ["ops"] });
  let failing = true;
  gateway.autoPoll = () =>
    failing
      ? new MasterError({ status: 500, method: "GET", path: "/agent/commands", body: "Internal error" })
      : null;
  let slept = clock.waitForSleep();
  const run = loops.run(controller.signal);
  await slept;
  for (let i = 1; i < 12; i++) {
    slept = clock.waitForSleep();
    clock.fireNext();
    await slept;
  }
  assert.deepEqual(clock.sleeps, [
    100,
    200,
    400,
    800,
    1_600,
    3_200,
    6_400,
    12_800,
    25_600,
    30_000,
    30_000,
    30_000,
  ]);
  const warnings = logger.entries.filter((e) => e.level === "warn");
  // Failures at 0, 100, 300, ..., 25 500, 51 100, 81 100, 111 100 ms: the first, then one line per 30 s.
  assert.equal(warnings.length, 4);
  assert.equal(warnings[0].properties?.failures, 1);
  assert.equal(warnings[1].properties?.failures, 10);
  assert.equal(warnings[1].properties?.suppressed, 8);
  assert.equal(loops.stats.pollErrors, 12);

  failing = false;
  slept = clock.waitForSleep();
  clock.fireNext();
  await slept;
  assert.equal(clock.sleeps.at(-1), 100, "poll interval after recovering");
  assert.ok(logger.entries.some((e) => e.message === "Command polling recovered"));

  failing = true;
  slept = clock.waitForSleep();
  clock.fireNext();
  await slept;
  assert.equal(clock.sleeps.at(-1), 100, "the backoff starts over");
  assert.equal(
    logger.entries.filter((e) => e.level === "warn").length,
    5,
    "a new streak logs its first failure",
  );
  controller.abort();
  await run;
});

Deno.test("CommandLoops runs a command under its own signal and keeps polling meanwhile", async () => {
  const { gateway, executor, loops, controller } = setup({ topics: ["ops"] });
  const run = loops.run(controller.signal);
  await waitFor(() => gateway.polls.length === 1, "the first poll");
  gateway.polls[0].resolve(command("c-1"));
  await waitFor(() => gateway.polls.length === 2, "the next poll");
  assert.equal(executor.calls.length, 1);
  assert.equal(loops.inFlight, 1);
  assert.deepEqual(loops.runningIds(), ["c-1"]);

  controller.abort();
  await run;
  assert.equal(executor.calls[0].signal?.aborted, false, "stopping the poll does not abort the command");
  executor.calls[0].finish();
  await loops.idle();
  assert.equal(gateway.reported.length, 1);
  assert.equal(loops.inFlight, 0);
});

Deno.test("CommandLoops retries a result for 2 minutes, then logs the give-up with the command id", async () => {
  const { clock, gateway, executor, logger, loops, controller, outcomes } = setup({ topics: ["ops"] });
  gateway.defaultResultAnswer = new MasterError({
    status: 503,
    method: "POST",
    path: "/agent/result",
    body: "",
  });
  const run = loops.run(controller.signal);
  await waitFor(() => gateway.polls.length === 1, "the first poll");
  gateway.polls[0].resolve(command("cmd-42"));
  await waitFor(() => executor.calls.length === 1, "the execution");
  executor.calls[0].finish();
  const gaveUp = () => logger.entries.some((e) => e.message === "Gave up reporting command result");
  while (!gaveUp()) {
    await waitFor(() => clock.pending > 0 || gaveUp(), "a retry sleep or the give-up");
    if (!gaveUp()) clock.fireNext();
  }
  const t0 = gateway.resultAttempts[0].at;
  assert.deepEqual(
    gateway.resultAttempts.map((a) => a.at - t0),
    [0, 1_000, 3_000, 7_000, 15_000, 30_000, 45_000, 60_000, 75_000, 90_000, 105_000, 120_000],
  );
  const entry = logger.entries.find((e) => e.level === "error");
  assert.equal(entry?.properties?.commandId, "cmd-42");
  assert.equal(entry?.properties?.attempts, 12);
  assert.equal(logger.entries.filter((e) => e.level === "warn").length, 1, "retries log once");
  assert.ok(
    (gateway.resultAttempts.at(-1)?.options.timeoutMs ?? 0) <= 1_000,
    "the last attempt fits the window",
  );
  assert.equal(loops.stats.resultsGivenUp, 1);
  assert.equal(outcomes[0].reported, false);
  await loops.idle();
  controller.abort();
  await run;
});

Deno.test("CommandLoops reports after a network error, and gives up at once on a 4xx", async (t) => {
  await t.step("network error, then success", async () => {
    const { clock, gateway, executor, loops, controller, outcomes } = setup({ topics: ["ops"] });
    gateway.resultAnswers = [new NetworkError("connection", "POST", "/agent/result")];
    const run = loops.run(controller.signal);
    await waitFor(() => gateway.polls.length === 1, "the first poll");
    gateway.polls[0].resolve(command("c-1"));
    await waitFor(() => executor.calls.length === 1, "the execution");
    const slept = clock.waitForSleep();
    executor.calls[0].finish();
    await slept;
    assert.equal(clock.sleeps.at(-1), 1_000);
    clock.fireNext();
    await loops.idle();
    assert.equal(gateway.reported.length, 1);
    assert.equal(outcomes[0].attempts, 2);
    controller.abort();
    await run;
  });
  await t.step("400 rejected", async () => {
    const { gateway, executor, logger, loops, controller } = setup({ topics: ["ops"] });
    gateway.resultAnswers = [
      new MasterError({ status: 400, method: "POST", path: "/agent/result", body: "Invalid JSON" }),
    ];
    const run = loops.run(controller.signal);
    await waitFor(() => gateway.polls.length === 1, "the first poll");
    gateway.polls[0].resolve(command("c-400"));
    await waitFor(() => executor.calls.length === 1, "the execution");
    executor.calls[0].finish();
    await loops.idle();
    const entry = logger.entries.find((e) => e.level === "error");
    assert.equal(entry?.properties?.commandId, "c-400");
    assert.equal(entry?.properties?.reason, "rejected by master");
    assert.equal(gateway.resultAttempts.length, 1);
    controller.abort();
    await run;
  });
});

Deno.test("CommandLoops turns an executor exception into a failed result", async () => {
  const { gateway, executor, loops, controller } = setup({ topics: ["ops"] });
  executor.throwNext = true;
  const run = loops.run(controller.signal);
  await waitFor(() => gateway.polls.length === 1, "the first poll");
  gateway.polls[0].resolve(command("c-boom"));
  await waitFor(() => gateway.reported.length === 1, "the result");
  const result = gateway.reported[0];
  assert.equal(result.commandId, "c-boom");
  assert.equal(result.success, false);
  assert.match(result.error ?? "", /^Cannot execute command: handler table is broken/);
  assert.equal(typeof result.executedAt, "string");
  controller.abort();
  await run;
});

Deno.test("CommandLoops pauses polling while too many commands are unreported", async () => {
  const { gateway, executor, loops, controller } = setup({ topics: ["ops"], maxInFlight: 1 });
  const run = loops.run(controller.signal);
  await waitFor(() => gateway.polls.length === 1, "the first poll");
  gateway.polls[0].resolve(command("c-1"));
  await waitFor(() => executor.calls.length === 1, "the execution");
  await nextTurn();
  assert.equal(gateway.polls.length, 1, "no poll while the slot is taken");
  executor.calls[0].finish();
  await waitFor(() => gateway.polls.length === 2, "the poll after the result");
  controller.abort();
  await run;
});

Deno.test("CommandLoops logs every undecodable command as an error", async () => {
  const { clock, gateway, logger, loops, controller } = setup({ topics: ["ops"] });
  let count = 0;
  gateway.autoPoll =
    () => (count++ < 2 ? new MasterProtocolError("Cannot decode command: id is missing") : null);
  let slept = clock.waitForSleep();
  const run = loops.run(controller.signal);
  await slept;
  slept = clock.waitForSleep();
  clock.fireNext();
  await slept;
  assert.equal(logger.entries.filter((e) => e.level === "error").length, 2);
  assert.equal(loops.stats.malformedCommands, 2);
  controller.abort();
  await run;
});

Deno.test("CommandLoops hands each command its topic and leaves the one info line to the executor", async () => {
  const { gateway, executor, loops, controller, logger } = setup();
  const run = loops.run(controller.signal);
  await waitFor(() => gateway.polls.length === 2, "both polls");
  gateway.polls.find((p) => p.topic === "ai")?.resolve(command("from-ai", "ai"));
  gateway.polls.find((p) => p.topic === "ops")?.resolve(command("from-ops"));
  await waitFor(() => executor.calls.length === 2, "both commands");
  assert.deepEqual(
    executor.calls.map((c) => [c.command.id, c.topic]).sort(),
    [["from-ai", "ai"], ["from-ops", "ops"]],
  );
  for (const call of executor.calls) call.finish();
  await loops.idle();
  // The CommandService logs one info line per command (outcome, duration); the loop adds only debug lines.
  assert.deepEqual(logger.entries.filter((e) => e.level !== "debug"), []);
  controller.abort();
  await run;
});
