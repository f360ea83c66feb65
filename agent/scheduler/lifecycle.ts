/**
 * Start and orderly stop of the agent's loops. Stopping happens in the order that loses nothing: polling ends
 * first (so no new command is popped off the Master's at-most-once queue), running commands get a grace period to
 * finish and report their results, and only then do the heartbeat and push loops stop, so the Master keeps seeing
 * the agent online while it drains.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { MasterGateway } from "../gateway/mod.ts";
import { type CommandExecutor, CommandLoops, type CommandLoopsOptions } from "./commands.ts";
import { type CacheLookup, reportEffects } from "./effects.ts";
import { HeartbeatLoop, type HeartbeatLoopOptions } from "./heartbeat.ts";
import { errorText, type Logger, noopLogger } from "../log.ts";
import { type ChangeSource, PushLoop, type PushLoopOptions, type SnapshotProducer } from "./push.ts";

/** Default shutdown grace period for running commands. */
export const DEFAULT_GRACE_PERIOD_MS = 20_000;
/** After the grace period, how long aborted commands get to finish and report before they are abandoned. */
export const DEFAULT_HARD_STOP_MS = 2_000;

/** A loop that runs until its signal aborts and never throws. */
export interface RunnableLoop {
  run(signal: AbortSignal): Promise<void>;
}

/** The command side as the lifecycle needs it ({@linkcode CommandLoops} satisfies it). */
export interface DrainableLoop extends RunnableLoop {
  readonly inFlight: number;
  runningIds(): string[];
  idle(): Promise<void>;
  abortRunning(reason?: unknown): void;
  abandon(reason?: unknown): void;
}

/** The loops one {@linkcode Lifecycle} manages; each is optional. */
export interface LifecycleLoops {
  push?: RunnableLoop;
  heartbeat?: RunnableLoop;
  commands?: DrainableLoop;
}

/** Options of {@linkcode Lifecycle}. */
export interface LifecycleOptions {
  clock?: Clock;
  logger?: Logger;
  /** How long running commands may take to finish and report after a stop; default 20 s. */
  gracePeriodMs?: number;
  /** How long aborted commands get after the grace period; default 2 s. */
  hardStopMs?: number;
}

/** Where a {@linkcode Lifecycle} is. */
export type LifecycleState = "created" | "running" | "stopping" | "stopped";

/** Starts the loops and stops them in order. */
export class Lifecycle {
  readonly #loops: LifecycleLoops;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #graceMs: number;
  readonly #hardStopMs: number;
  readonly #pollStop = new AbortController();
  readonly #restStop = new AbortController();
  #state: LifecycleState = "created";
  #commandsRun: Promise<void> = Promise.resolve();
  #otherRuns: Promise<void>[] = [];
  #stopped?: Promise<void>;

  /** Creates the lifecycle over the loops it starts and stops. */
  constructor(loops: LifecycleLoops, options: LifecycleOptions = {}) {
    this.#loops = loops;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? noopLogger;
    this.#graceMs = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
    this.#hardStopMs = options.hardStopMs ?? DEFAULT_HARD_STOP_MS;
  }

  /** Where the lifecycle is. */
  get state(): LifecycleState {
    return this.#state;
  }

  /** Starts every loop; calling it again is a no-op. */
  start(): void {
    if (this.#state !== "created") return;
    this.#state = "running";
    const { push, heartbeat, commands } = this.#loops;
    if (commands) this.#commandsRun = this.#guard("commands", commands.run(this.#pollStop.signal));
    if (heartbeat) this.#otherRuns.push(this.#guard("heartbeat", heartbeat.run(this.#restStop.signal)));
    if (push) this.#otherRuns.push(this.#guard("push", push.run(this.#restStop.signal)));
    this.#logger.info("Agent loops started", {
      push: Boolean(push),
      heartbeat: Boolean(heartbeat),
      commands: Boolean(commands),
    });
  }

  /** Stops polling, drains running commands within the grace period, then stops the rest; idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#state = "stopping";
    const commands = this.#loops.commands;
    this.#pollStop.abort(new Error("Agent is stopping"));
    await this.#commandsRun;
    if (commands && commands.inFlight > 0) {
      this.#logger.info("Waiting for running commands", {
        commands: commands.runningIds(),
        gracePeriodMs: this.#graceMs,
      });
      if (!(await this.#within(commands.idle(), this.#graceMs))) {
        this.#logger.warn("Grace period over; aborting running commands", {
          commands: commands.runningIds(),
        });
        commands.abortRunning(new Error("Grace period over"));
        if (!(await this.#within(commands.idle(), this.#hardStopMs))) {
          // Each pending report logs its own give-up; an executor that ignores its signal is abandoned here.
          commands.abandon(new Error("Agent is stopping"));
          if (!(await this.#within(commands.idle(), this.#hardStopMs))) {
            this.#logger.error("Abandoning commands that did not stop", { commands: commands.runningIds() });
          }
        }
      }
    }
    this.#restStop.abort(new Error("Agent is stopping"));
    await Promise.all(this.#otherRuns);
    this.#state = "stopped";
    this.#logger.info("Agent loops stopped");
  }

  /** True when `promise` settled within `ms`. */
  async #within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    const timer = new AbortController();
    const expired = this.#clock.sleep(ms, timer.signal).then(() => false, () => false);
    try {
      return await Promise.race([promise.then(() => true, () => true), expired]);
    } finally {
      timer.abort();
    }
  }

  /** The loops never throw by contract; if one does, say so instead of losing it in an unhandled rejection. */
  #guard(name: string, run: Promise<void>): Promise<void> {
    return run.catch((error) => {
      this.#logger.error("Agent loop ended with an error", {
        loop: name,
        error: errorText(error),
      });
    });
  }
}

/** What {@linkcode startLoops} wires together. */
export interface AgentLoopsDeps {
  gateway: MasterGateway;
  producer: SnapshotProducer;
  changes?: ChangeSource;
  executor: CommandExecutor;
  /** Reads the caches, so that a command that changed the cluster earns a follow-up push; none without it. */
  effects?: CacheLookup;
}

/** Options of {@linkcode startLoops}: those of every loop plus the lifecycle's. */
export interface StartLoopsOptions
  extends PushLoopOptions, HeartbeatLoopOptions, CommandLoopsOptions, LifecycleOptions {}

/** A started {@linkcode Lifecycle} plus its loops (for stats and health). */
export interface StartedLoops {
  /** The lifecycle that runs and stops the loops. */
  lifecycle: Lifecycle;
  /** The snapshot push loop. */
  push: PushLoop;
  /** The heartbeat loop. */
  heartbeat: HeartbeatLoop;
  /** The command poll and result loops. */
  commands: CommandLoops;
}

/** Builds the push, heartbeat and command loops and starts them under one {@linkcode Lifecycle}. */
export function startLoops(deps: AgentLoopsDeps, options: StartLoopsOptions = {}): StartedLoops {
  const push = new PushLoop(
    { gateway: deps.gateway, producer: deps.producer, changes: deps.changes },
    options,
  );
  const heartbeat = new HeartbeatLoop(deps.gateway, options);
  const executor = deps.effects
    ? reportEffects(deps.executor, { lookup: deps.effects, onEffect: (probe) => push.followUp(probe) })
    : deps.executor;
  const commands = new CommandLoops({ gateway: deps.gateway, executor }, options);
  const lifecycle = new Lifecycle({ push, heartbeat, commands }, options);
  lifecycle.start();
  return { lifecycle, push, heartbeat, commands };
}

/** Something that can be stopped (a {@linkcode Lifecycle}, or the whole agent). */
export interface Stoppable {
  stop(): Promise<void>;
}

/** Options of {@linkcode createShutdownHandler} and {@linkcode installSignalHandlers}. */
export interface ShutdownOptions {
  logger?: Logger;
  /** Ends the process; default `Deno.exit`. */
  exit?: (code: number) => void;
}

/**
 * The policy behind the signal listeners, kept apart so it is tested without signals: the first signal stops
 * gracefully and exits 0 (1 when stopping failed); a second one while stopping exits 1 at once, for operators
 * who really mean it.
 */
export function createShutdownHandler(
  target: Stoppable,
  options: ShutdownOptions = {},
): (signal: string) => Promise<void> {
  const logger = options.logger ?? noopLogger;
  const exit = options.exit ?? ((code: number) => Deno.exit(code));
  let stopping = false;
  return async (signal) => {
    if (stopping) {
      logger.warn("Second signal while stopping; exiting now", { signal });
      exit(1);
      return;
    }
    stopping = true;
    logger.info("Signal received; stopping", { signal });
    try {
      await target.stop();
    } catch (error) {
      logger.error("Cannot stop cleanly", { error: errorText(error) });
      exit(1);
      return;
    }
    exit(0);
  };
}

/** Wires SIGINT and SIGTERM to a graceful stop followed by `Deno.exit(0)`; returns a function that unwires them. */
export function installSignalHandlers(target: Stoppable, options: ShutdownOptions = {}): () => void {
  const handle = createShutdownHandler(target, options);
  const listeners: [Deno.Signal, () => void][] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const listener = () => void handle(signal);
    try {
      Deno.addSignalListener(signal, listener);
      listeners.push([signal, listener]);
    } catch {
      // Windows has no SIGTERM listener; SIGINT (Ctrl+C) still works there.
    }
  }
  return () => {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  };
}
