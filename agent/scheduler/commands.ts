/**
 * The command loops: one long poll per topic (`ops` and `ai`, master-protocol §1.3), run concurrently. A received
 * command is handed to the {@linkcode CommandExecutor} and runs under its own deadline, never under the poll's
 * (the Go agent's quirk, §1.5); the loop polls again at once without waiting for it. Every result is reported,
 * with retries on network errors and 5xx for up to two minutes; a result given up on is logged with its command
 * id. Delivery is at most once, so a command that reached us must never disappear silently.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { isRetriableMasterError, type MasterGateway, MasterProtocolError } from "../gateway/mod.ts";
import type { Command, Result } from "../../model/mod.ts";
import { errorText, type Logger, LogThrottle, noopLogger, suppressedProperty } from "../log.ts";
import { bounded } from "../text.ts";

/** The Master's two queues: `ai` carries the AI tool calls, `ops` everything else. */
export const COMMAND_TOPICS: readonly string[] = ["ops", "ai"];
/** Default `AGENT_COMMAND_POLL_INTERVAL`: pause after an empty poll. */
export const DEFAULT_POLL_INTERVAL_MS = 100;
/** Poll errors back off from this delay, doubling (the Go agent's schedule). */
export const DEFAULT_POLL_BACKOFF_INITIAL_MS = 100;
/** ... up to this delay. */
export const DEFAULT_POLL_BACKOFF_MAX_MS = 30_000;
/** Repeated poll failures are logged at most this often. */
export const DEFAULT_POLL_ERROR_LOG_INTERVAL_MS = 30_000;
/** A result is retried for this long: the deployer, the longest waiter on the Master, waits 120 s. */
export const DEFAULT_RESULT_RETRY_FOR_MS = 120_000;
/** First delay between result attempts; doubles up to {@linkcode DEFAULT_RESULT_RETRY_MAX_MS}. */
export const DEFAULT_RESULT_RETRY_INITIAL_MS = 1_000;
/** Longest delay between result attempts. */
export const DEFAULT_RESULT_RETRY_MAX_MS = 15_000;
/** Timeout of one result attempt (capped by the time left in the retry window). */
export const DEFAULT_RESULT_TIMEOUT_MS = 30_000;
/**
 * Commands received and not yet reported before polling pauses. Above the executor's own concurrency limit on
 * purpose: a command waiting in the executor's queue is as safe as one waiting in the Master's, and polling on
 * keeps the `ai` topic responsive.
 */
export const DEFAULT_MAX_IN_FLIGHT = 32;

/** Runs one command. Never throws: every outcome, including a timeout, is a {@linkcode Result}. */
export interface CommandExecutor {
  /** `topic` is the queue the command came from: the executor applies that topic's policy. */
  execute(command: Command, options?: { signal?: AbortSignal; topic?: string }): Promise<Result>;
}

/** What one poll did, for metrics hooks. */
export type PollOutcome =
  | { ok: true; topic: string; command?: Command }
  | { ok: false; topic: string; error: unknown };

/** How a command ended, for metrics hooks. */
export interface CommandOutcome {
  /** The command that ran. */
  command: Command;
  /** Topic it was polled from. */
  topic: string;
  /** The result sent to the Master. */
  result: Result;
  /** Execution time as the loop measured it, in milliseconds. */
  durationMs: number;
  /** Whether the Master acknowledged the result. */
  reported: boolean;
  /** Result attempts made. */
  attempts: number;
}

/** Counters of the command loops. */
export interface CommandStats {
  /** Polls answered by the Master. */
  polls: number;
  /** Polls that failed. */
  pollErrors: number;
  /** Poll answers carrying a command we could not decode (the command is lost on the Master's side). */
  malformedCommands: number;
  /** Commands received. */
  received: number;
  /** Commands whose result was a success. */
  succeeded: number;
  /** Commands whose result was a failure. */
  failed: number;
  /** Results the Master acknowledged. */
  resultsReported: number;
  /** Result posts retried. */
  resultRetries: number;
  /** Results abandoned after the retries (logged with the command id). */
  resultsGivenUp: number;
  /** Commands received and not yet reported. */
  inFlight: number;
}

/** What the command loops talk to. */
export interface CommandLoopsDeps {
  gateway: Pick<MasterGateway, "pollCommand" | "postResult">;
  executor: CommandExecutor;
}

/** Options of {@linkcode CommandLoops}. */
export interface CommandLoopsOptions {
  /** Time source; the system clock by default. */
  clock?: Clock;
  /** Where the loops log; silent by default. */
  logger?: Logger;
  /** Topics to poll; default `ops` and `ai`. */
  topics?: readonly string[];
  /** Pause after an empty poll; default 100 ms. */
  pollIntervalMs?: number;
  /** First delay after a poll error, doubling; default 100 ms. */
  pollBackoffInitialMs?: number;
  /** Longest delay between failing polls; default 30 s. */
  pollBackoffMaxMs?: number;
  /** After the first failure of a streak, poll errors are logged at most this often; default 30 s. */
  pollErrorLogIntervalMs?: number;
  /** How long a result is retried; default 120 s. */
  resultRetryForMs?: number;
  /** First delay between result attempts, doubling; default 1 s. */
  resultRetryInitialMs?: number;
  /** Longest delay between result attempts; default 15 s. */
  resultRetryMaxMs?: number;
  /** Timeout of one result attempt; default 30 s. */
  resultTimeoutMs?: number;
  /** Polling pauses while this many commands are unreported; default 32. */
  maxInFlight?: number;
  /** Called after every poll (metrics); exceptions are ignored. */
  onPoll?: (outcome: PollOutcome) => void;
  /** Called once per command after its result was reported or given up on; exceptions are ignored. */
  onCommand?: (outcome: CommandOutcome) => void;
}

interface Running {
  command: Command;
  topic: string;
  done: Promise<void>;
}

/**
 * The poll loops plus the commands they started. `run()` polls until its signal aborts; running commands carry on
 * after that until {@linkcode CommandLoops.idle} resolves, or until {@linkcode CommandLoops.abortRunning} and
 * {@linkcode CommandLoops.abandon} cut them short.
 */
export class CommandLoops {
  readonly #gateway: Pick<MasterGateway, "pollCommand" | "postResult">;
  readonly #executor: CommandExecutor;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #topics: readonly string[];
  readonly #pollIntervalMs: number;
  readonly #backoffInitialMs: number;
  readonly #backoffMaxMs: number;
  readonly #errorLogIntervalMs: number;
  readonly #retryForMs: number;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #resultTimeoutMs: number;
  readonly #maxInFlight: number;
  readonly #onPoll?: (outcome: PollOutcome) => void;
  readonly #onCommand?: (outcome: CommandOutcome) => void;
  /** Aborted when the grace period is over: executions end then, not when polling ends. */
  readonly #executionStop = new AbortController();
  /** Aborted last: an aborted command still gets a short window to report its (failed) result. */
  readonly #reportStop = new AbortController();
  readonly #running = new Set<Running>();
  #slotWaiters: (() => void)[] = [];
  readonly #stats: Omit<CommandStats, "inFlight"> = {
    polls: 0,
    pollErrors: 0,
    malformedCommands: 0,
    received: 0,
    succeeded: 0,
    failed: 0,
    resultsReported: 0,
    resultRetries: 0,
    resultsGivenUp: 0,
  };

  /** Creates the loops over a gateway and an executor; they start on `run()`. */
  constructor(deps: CommandLoopsDeps, options: CommandLoopsOptions = {}) {
    this.#gateway = deps.gateway;
    this.#executor = deps.executor;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? noopLogger;
    this.#topics = options.topics ?? COMMAND_TOPICS;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.#backoffInitialMs = options.pollBackoffInitialMs ?? DEFAULT_POLL_BACKOFF_INITIAL_MS;
    this.#backoffMaxMs = options.pollBackoffMaxMs ?? DEFAULT_POLL_BACKOFF_MAX_MS;
    this.#errorLogIntervalMs = options.pollErrorLogIntervalMs ?? DEFAULT_POLL_ERROR_LOG_INTERVAL_MS;
    this.#retryForMs = options.resultRetryForMs ?? DEFAULT_RESULT_RETRY_FOR_MS;
    this.#retryInitialMs = options.resultRetryInitialMs ?? DEFAULT_RESULT_RETRY_INITIAL_MS;
    this.#retryMaxMs = options.resultRetryMaxMs ?? DEFAULT_RESULT_RETRY_MAX_MS;
    this.#resultTimeoutMs = options.resultTimeoutMs ?? DEFAULT_RESULT_TIMEOUT_MS;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.#onPoll = options.onPoll;
    this.#onCommand = options.onCommand;
  }

  /** A copy of the counters. */
  get stats(): CommandStats {
    return { ...this.#stats, inFlight: this.#running.size };
  }

  /** Commands received and not yet reported. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Ids of the commands received and not yet reported. */
  runningIds(): string[] {
    return [...this.#running].map((r) => r.command.id);
  }

  /** Polls every topic until `signal` aborts (in-flight polls are aborted with it); never throws. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#topics.map((topic) => this.#pollLoop(topic, signal)));
  }

  /** Resolves once every received command has been executed and its result reported or given up on. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) {
      await Promise.all([...this.#running].map((r) => r.done));
    }
  }

  /** Ends the grace period: aborts running executions; their results are still reported. */
  abortRunning(reason: unknown = new Error("Agent is stopping")): void {
    this.#executionStop.abort(reason);
  }

  /** Stops result reporting too: pending reports and retries end now, each give-up logged with its command id. */
  abandon(reason: unknown = new Error("Agent is stopping")): void {
    this.#executionStop.abort(reason);
    this.#reportStop.abort(reason);
  }

  async #pollLoop(topic: string, signal: AbortSignal): Promise<void> {
    let failures = 0;
    let backoffMs = 0;
    const errorLog = new LogThrottle({ intervalMs: this.#errorLogIntervalMs, now: () => this.#clock.now() });
    while (!signal.aborted) {
      if (!(await this.#waitForSlot(signal))) return;
      let command: Command | null;
      try {
        this.#stats.polls++;
        command = await this.#gateway.pollCommand(topic, signal);
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        this.#stats.pollErrors++;
        backoffMs = backoffMs === 0 ? this.#backoffInitialMs : Math.min(this.#backoffMaxMs, backoffMs * 2);
        if (error instanceof MasterProtocolError) {
          // The Master popped this command (at-most-once); it is gone for good, so this is never throttled.
          this.#stats.malformedCommands++;
          this.#logger.error("Received a command that cannot be decoded; it is lost", {
            topic,
            error: error.message,
          });
        } else {
          const suppressed = errorLog.admit();
          if (suppressed !== undefined) {
            this.#logger.warn("Cannot poll commands", {
              topic,
              error: errorText(error),
              failures,
              retryInMs: backoffMs,
              ...suppressedProperty(suppressed),
            });
          }
        }
        this.#emitPoll({ ok: false, topic, error });
        if (!(await this.#sleep(backoffMs, signal))) return;
        continue;
      }
      if (failures > 0) {
        this.#logger.info("Command polling recovered", { topic, failures });
        failures = 0;
        backoffMs = 0;
        errorLog.reset();
      }
      this.#emitPoll(command ? { ok: true, topic, command } : { ok: true, topic });
      if (command) {
        this.#start(command, topic);
        // Drain the queue: the next command may already be waiting.
        continue;
      }
      if (!(await this.#sleep(this.#pollIntervalMs, signal))) return;
    }
  }

  #start(command: Command, topic: string): void {
    this.#stats.received++;
    // The executor logs the one info line per command (outcome and duration); this is for debugging the loop.
    this.#logger.debug("Command received", { commandId: bounded(command.id), topic });
    const running: Running = { command, topic, done: Promise.resolve() };
    running.done = this.#execute(command, topic)
      .catch((error) => {
        // #execute handles every failure itself; reaching this is a bug, but the command must still be visible.
        this.#logger.error("Command handling failed unexpectedly", {
          commandId: bounded(command.id),
          error: errorText(error),
        });
      })
      .finally(() => {
        this.#running.delete(running);
        for (const wake of this.#slotWaiters.splice(0)) wake();
      });
    this.#running.add(running);
  }

  async #execute(command: Command, topic: string): Promise<void> {
    const startedAt = this.#clock.now();
    let result: Result;
    try {
      // The executor owns the per-command deadline; our signal only says "the grace period is over".
      result = await this.#executor.execute(command, { signal: this.#executionStop.signal, topic });
    } catch (error) {
      const message = `Cannot execute command: ${errorText(error)}`;
      this.#logger.error("Command executor threw", {
        commandId: bounded(command.id),
        error: bounded(message),
      });
      result = {
        commandId: command.id,
        success: false,
        error: message,
        execTime: (this.#clock.now() - startedAt) * 1_000_000,
        executedAt: new Date(startedAt).toISOString(),
      };
    }
    if (result.commandId !== command.id) result = { ...result, commandId: command.id };
    const durationMs = this.#clock.now() - startedAt;
    if (result.success) this.#stats.succeeded++;
    else this.#stats.failed++;
    this.#logger.debug("Command result ready", {
      commandId: bounded(command.id),
      success: result.success,
      durationMs,
    });
    const { reported, attempts } = await this.#report(result);
    try {
      this.#onCommand?.({ command, topic, result, durationMs, reported, attempts });
    } catch {
      // A metrics hook must never stop the loop.
    }
  }

  /** Posts a result, retrying network errors and 5xx until the retry window closes. */
  async #report(result: Result): Promise<{ reported: boolean; attempts: number }> {
    const commandId = bounded(result.commandId);
    const deadline = this.#clock.now() + this.#retryForMs;
    let delayMs = this.#retryInitialMs;
    for (let attempts = 1;; attempts++) {
      const remaining = deadline - this.#clock.now();
      try {
        await this.#gateway.postResult(result, {
          signal: this.#reportStop.signal,
          timeoutMs: Math.max(1_000, Math.min(this.#resultTimeoutMs, remaining)),
        });
        this.#stats.resultsReported++;
        if (attempts > 1) this.#logger.info("Result reported after retries", { commandId, attempts });
        return { reported: true, attempts };
      } catch (error) {
        const giveUp = (reason: string) => {
          this.#stats.resultsGivenUp++;
          this.#logger.error("Gave up reporting command result", {
            commandId,
            success: result.success,
            reason,
            attempts,
            error: errorText(error),
          });
          return { reported: false, attempts };
        };
        if (this.#reportStop.signal.aborted) return giveUp("agent stopping");
        if (!isRetriableMasterError(error)) return giveUp("rejected by master");
        const left = deadline - this.#clock.now();
        if (left <= 0) return giveUp(`retried for ${this.#retryForMs} ms`);
        this.#stats.resultRetries++;
        const waitMs = Math.min(delayMs, left);
        this.#logger[attempts === 1 ? "warn" : "debug"]("Cannot report command result; retrying", {
          commandId,
          attempts,
          retryInMs: waitMs,
          error: errorText(error),
        });
        if (!(await this.#sleep(waitMs, this.#reportStop.signal))) return giveUp("agent stopping");
        delayMs = Math.min(this.#retryMaxMs, delayMs * 2);
      }
    }
  }

  /** Waits while too many commands are unreported; false when `signal` aborted. */
  async #waitForSlot(signal: AbortSignal): Promise<boolean> {
    while (this.#running.size >= this.#maxInFlight) {
      if (signal.aborted) return false;
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#slotWaiters.push(resolve);
      const onAbort = () => resolve();
      signal.addEventListener("abort", onAbort, { once: true });
      await promise;
      signal.removeEventListener("abort", onAbort);
    }
    return !signal.aborted;
  }

  /** Sleeps on the injected clock; false when `signal` aborted. */
  async #sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.#clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }

  #emitPoll(outcome: PollOutcome): void {
    try {
      this.#onPoll?.(outcome);
    } catch {
      // A metrics hook must never stop the loop.
    }
  }
}
