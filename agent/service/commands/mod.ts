/**
 * {@linkcode CommandService}: executes the Master's operational commands against Kubernetes. A typed dispatch
 * table maps each action to its handler; the service adds what every command needs: the safety policy, a
 * per-command deadline, de-duplication of command ids, a bound on concurrent commands, one log line and one
 * counter per command. `execute` never throws: every command becomes a `Result`.
 *
 * @module
 */

import type { Command, Result } from "../../../model/mod.ts";
import { type Clock, systemClock } from "../../clock.ts";
import type { Logger } from "../../log.ts";
import { KubeApiError, type KubeClient, NetworkError } from "../../sdk/mod.ts";
import { applyManifestsHandler } from "./apply_manifests.ts";
import { cordonHandler, uncordonHandler } from "./cordon.ts";
import { deleteHandler, deletePodHandler } from "./delete_pod.ts";
import { drainHandler } from "./drain.ts";
import { dynamicHandler } from "./dynamic.ts";
import { getConfigMapHandler } from "./get_configmap.ts";
import { getLogsHandler } from "./get_logs.ts";
import { getSecretHandler } from "./get_secret.ts";
import { restartHandler } from "./restart.ts";
import { scaleHandler } from "./scale.ts";
import { updateImageHandler } from "./update_image.ts";
import { CommandError, describeError, type Handler, type HandlerContext, ParamsError } from "./_params.ts";
import { type Action, checkPolicy, isAction, type SafetyPolicy } from "./_policy.ts";
import { checkCommandNames } from "./_names.ts";
import { bounded, quote } from "../../text.ts";
import { ZERO_TIME } from "../../../model/mod.ts";

export {
  type Action,
  ACTIONS,
  DEFAULT_AI_ALLOWED_ACTIONS,
  DEFAULT_PROTECTED_NAMESPACES,
  isImageAllowed,
  MUTATING_ACTIONS,
  protectedNamespaces,
  type SafetyPolicy,
} from "./_policy.ts";
export { checkCommandNames, nameProblem, type NameRule, nameRuleOf } from "./_names.ts";
export type { Handler, HandlerContext } from "./_params.ts";
export type { DrainReport } from "./drain.ts";
export type { ApplyManifestsResult } from "./apply_manifests.ts";
export {
  type Permission,
  type PermissionOptIn,
  type RequiredPermissions,
  requiredPermissions,
} from "./_permissions.ts";

/** Deadline of one command when the configuration gives none (AGENT_COMMAND_TIMEOUT). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
/** Commands running at once when the configuration gives no bound (AGENT_MAX_CONCURRENT_COMMANDS). */
export const DEFAULT_MAX_CONCURRENT_COMMANDS = 4;
/** Command ids remembered for de-duplication; the Master never resends an old id, so recent ones suffice. */
export const DEFAULT_DEDUP_CAPACITY = 1_000;
/**
 * Characters of remembered outputs and errors: a thousand 1 MiB log tails must not be kept for de-duplication
 * in an agent with a 128 MiB memory limit, so large results are forgotten first, oldest first.
 */
export const DEFAULT_DEDUP_MAX_CHARS = 8 * 1024 * 1024;
/**
 * Default AGENT_COMMAND_MAX_AGE: a command older than this is refused as stale. The Master's queue holds commands
 * for seconds; ten minutes covers an agent restart and generous clock skew, not a replay from last week.
 */
export const DEFAULT_COMMAND_MAX_AGE_MS = 10 * 60_000;
/**
 * Ids remembered for de-duplication within the max-age window (about 100 bytes each, so ≤ 10 MB). A Master
 * sending more distinct ids than this in one window makes the oldest be forgotten early, with a warning.
 */
export const DEFAULT_DEDUP_MAX_IDS = 100_000;
/**
 * Longest command id accepted (the Master sends 36-character UUIDs). Ids are remembered for the whole max-age
 * window, so a Master sending megabyte ids must not be able to fill the memory with them.
 */
export const MAX_COMMAND_ID_CHARS = 256;
/** Longest error text of a result: an API server or a handler may quote remote input at length. */
export const MAX_RESULT_ERROR_CHARS = 4_096;
/** Longest error text in a log line. */
const MAX_LOG_ERROR_CHARS = 1_000;

/** The dispatch table: one handler per action; a missing or mismatched entry is a compile error. */
export const COMMAND_HANDLERS = {
  scale: scaleHandler,
  restart: restartHandler,
  update_image: updateImageHandler,
  get_logs: getLogsHandler,
  get_configmap: getConfigMapHandler,
  get_secret: getSecretHandler,
  delete: deleteHandler,
  delete_pod: deletePodHandler,
  cordon: cordonHandler,
  uncordon: uncordonHandler,
  drain: drainHandler,
  dynamic: dynamicHandler,
  apply_manifests: applyManifestsHandler,
} as const satisfies { readonly [A in Action]: Handler<unknown, A> };

/** How one command ended; the label of logs, counters and {@linkcode CommandServiceOptions.onCompleted}. */
export type CommandOutcome =
  /** The handler succeeded. */
  | "success"
  /** The handler ran and failed (API error, partial drain, ...). */
  | "failure"
  /** Refused before any API call: unknown action, policy, bad params or missing target. */
  | "rejected"
  /** The deadline passed (waiting for a slot counts). */
  | "timeout"
  /** The caller's signal aborted it (shutdown). */
  | "cancelled"
  /** A repeated command id, answered with the first result without running again. */
  | "duplicate";

/**
 * The part of the agent's {@linkcode Logger} the service reports every command to: `info` for routine events,
 * `warn` for refused, failed or timed-out commands, `error` for failures that point at a bug.
 */
export type CommandLogger = Pick<Logger, "info" | "warn" | "error">;

/** Options of {@linkcode CommandService}: the safety policy plus limits, time, logging and metrics. */
export interface CommandServiceOptions extends SafetyPolicy {
  /** Time source for deadlines, timestamps and backoff. Default: the system clock. */
  clock?: Clock;
  /** Receives one line per command. Default: silent. */
  logger?: CommandLogger;
  /** Deadline of one command in ms, slot waiting included. Default {@linkcode DEFAULT_COMMAND_TIMEOUT_MS}. */
  commandTimeoutMs?: number;
  /** Commands running at once; others wait. Default {@linkcode DEFAULT_MAX_CONCURRENT_COMMANDS}. */
  maxConcurrentCommands?: number;
  /** Command ids remembered for de-duplication. Default {@linkcode DEFAULT_DEDUP_CAPACITY}. */
  dedupCapacity?: number;
  /** Total characters of remembered outputs and errors. Default {@linkcode DEFAULT_DEDUP_MAX_CHARS}. */
  dedupMaxChars?: number;
  /**
   * The agent's cluster id: a command naming another cluster is refused. Commands without a cluster id are
   * accepted (the Master routes by the poll's `cluster_id`). Absent: not checked.
   */
  clusterId?: string;
  /**
   * Commands created longer ago than this are refused as stale (AGENT_COMMAND_MAX_AGE); ids are remembered at
   * least this long for de-duplication. Default {@linkcode DEFAULT_COMMAND_MAX_AGE_MS}.
   */
  commandMaxAgeMs?: number;
  /** Ids remembered within the max-age window. Default {@linkcode DEFAULT_DEDUP_MAX_IDS}. */
  dedupMaxIds?: number;
  /**
   * The Master's clock minus the agent's, in ms (from the Master's `Date` headers), when known: a command's age is
   * measured on the Master's clock, the one that wrote `createdAt`. Default: the clocks are assumed to agree.
   */
  masterClockOffsetMs?: () => number | undefined;
  /**
   * Called once per command (metrics hook). `action` is `"unknown"` for actions outside the table, so a
   * misbehaving Master cannot blow up label cardinality.
   */
  onCompleted?: (action: string, outcome: CommandOutcome, durationMs: number) => void;
}

/** Options of {@linkcode CommandService.execute}. */
export interface ExecuteOptions {
  /** Cancels the command (agent shutdown); it then fails with `command cancelled`. */
  signal?: AbortSignal;
  /** Topic the command was polled from (`ops`, `ai`): `ai` commands get the ai policy. */
  topic?: string;
}

/** Per-action counts of outcomes. */
export type CommandCounters = Record<string, Partial<Record<CommandOutcome, number>>>;

interface Outcome {
  outcome: CommandOutcome;
  output?: string;
  error?: string;
  /** The error was not one the agent expects (a bug): logged at error level. */
  unexpected?: boolean;
}

/** Why the command's own signal aborted. */
class DeadlineExceeded extends Error {
  override readonly name = "DeadlineExceeded";
}

/** Executes commands; see the module documentation. */
export class CommandService {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #logger?: CommandLogger;
  readonly #policy: SafetyPolicy;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #dedupCapacity: number;
  readonly #onCompleted?: CommandServiceOptions["onCompleted"];
  readonly #dedupMaxChars: number;
  /** Results by command id, least recently seen first; `size` is known once the result is. */
  readonly #results = new Map<string, { result: Promise<Result>; size: number }>();
  /** Ids first seen within the max-age window, oldest first, with the time they were first seen. */
  readonly #seen = new Map<string, number>();
  readonly #clusterId?: string;
  readonly #maxAgeMs: number;
  readonly #dedupMaxIds: number;
  readonly #masterClockOffsetMs?: () => number | undefined;
  #resultChars = 0;
  readonly #counters: CommandCounters = {};
  readonly #waiters: (() => void)[] = [];
  #active = 0;

  /** Creates the service over an API client. */
  constructor(client: KubeClient, options: CommandServiceOptions = {}) {
    this.#client = client;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#policy = {
      readOnly: options.readOnly,
      allowedActions: options.allowedActions,
      aiAllowedActions: options.aiAllowedActions,
      protectedNamespaces: options.protectedNamespaces,
      ownNamespace: options.ownNamespace,
      imageAllowlist: options.imageAllowlist,
      redact: options.redact,
      allowSecretRead: options.allowSecretRead,
      allowApply: options.allowApply,
    };
    this.#timeoutMs = positive(options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);
    this.#maxConcurrent = Math.floor(
      positive(options.maxConcurrentCommands, DEFAULT_MAX_CONCURRENT_COMMANDS),
    );
    this.#dedupCapacity = Math.floor(positive(options.dedupCapacity, DEFAULT_DEDUP_CAPACITY));
    this.#dedupMaxChars = positive(options.dedupMaxChars, DEFAULT_DEDUP_MAX_CHARS);
    this.#onCompleted = options.onCompleted;
    this.#clusterId = options.clusterId || undefined;
    this.#maxAgeMs = positive(options.commandMaxAgeMs, DEFAULT_COMMAND_MAX_AGE_MS);
    this.#dedupMaxIds = Math.floor(positive(options.dedupMaxIds, DEFAULT_DEDUP_MAX_IDS));
    this.#masterClockOffsetMs = options.masterClockOffsetMs;
  }

  /** Commands holding a slot right now. */
  get running(): number {
    return this.#active;
  }

  /** Commands waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** A copy of the outcome counts per action. */
  counters(): CommandCounters {
    return structuredClone(this.#counters);
  }

  /**
   * Executes one command and resolves to its `Result`; never rejects. A command id seen before resolves to the
   * first result (awaiting it if it is still running) without executing again.
   */
  execute(command: Command, options: ExecuteOptions = {}): Promise<Result> {
    const id = typeof command?.id === "string" ? command.id : "";
    const topic = options.topic ?? "";
    const previous = id ? this.#results.get(id) : undefined;
    if (previous) {
      // Refresh the entry: the LRU forgets the least recently seen ids first.
      this.#results.delete(id);
      this.#results.set(id, previous);
      return this.#duplicate(command, topic, previous.result);
    }
    if (id.length > MAX_COMMAND_ID_CHARS) {
      // Answered (the result carries the id whole, so the Master can match it) but never remembered.
      const error =
        `invalid command id: ${id.length} characters, at most ${MAX_COMMAND_ID_CHARS} are accepted`;
      return this.#execute(command, { topic, refusal: { outcome: "rejected", error } });
    }
    const firstSeen = id ? this.#rememberId(id) : undefined;
    if (firstSeen !== undefined) {
      // Seen within the window, result already forgotten (size budget): never run it twice.
      return this.#execute(command, {
        topic,
        refusal: { outcome: "duplicate", error: duplicateMessage(firstSeen) },
      });
    }
    const result = this.#execute(command, { topic, signal: options.signal });
    if (id) {
      const entry = { result, size: 0 };
      this.#results.set(id, entry);
      this.#trimResults();
      result.then((done) => {
        if (this.#results.get(id) !== entry) return;
        entry.size = (done.output?.length ?? 0) + (done.error?.length ?? 0);
        this.#resultChars += entry.size;
        this.#trimResults();
      });
    }
    return result;
  }

  /** Forgets the least recently seen results beyond the count and size budgets. */
  #trimResults(): void {
    for (const [id, entry] of this.#results) {
      if (this.#results.size <= this.#dedupCapacity && this.#resultChars <= this.#dedupMaxChars) break;
      this.#results.delete(id);
      this.#resultChars -= entry.size;
    }
  }

  /**
   * Remembers `id` for at least the max-age window. Returns when it was first seen if it was already remembered,
   * `undefined` for a new id.
   */
  #rememberId(id: string): number | undefined {
    const now = this.#clock.now();
    const seen = this.#seen.get(id);
    if (seen !== undefined) return seen;
    for (const [old, at] of this.#seen) {
      if (now - at <= this.#maxAgeMs && this.#seen.size < this.#dedupMaxIds) break;
      this.#seen.delete(old);
      if (now - at <= this.#maxAgeMs) {
        this.#warn("Forgetting a command id inside the de-duplication window: too many distinct ids", {
          commandId: bounded(old),
          remembered: this.#seen.size,
        });
      }
    }
    this.#seen.set(id, now);
    return undefined;
  }

  async #duplicate(command: Command, topic: string, previous: Promise<Result>): Promise<Result> {
    const start = this.#clock.now();
    const result = await previous;
    this.#record(command, topic, { outcome: "duplicate" }, this.#clock.now() - start);
    return result;
  }

  #warn(message: string, properties: Record<string, unknown>): void {
    try {
      this.#logger?.warn(message, properties);
    } catch {
      // A broken logger is not the command's problem.
    }
  }

  async #execute(
    command: Command,
    options: { topic: string; signal?: AbortSignal; refusal?: Outcome },
  ): Promise<Result> {
    const start = this.#clock.now();
    let outcome: Outcome;
    try {
      outcome = options.refusal ?? await this.#dispatch(command, start + this.#timeoutMs, options);
    } catch (error) {
      // #dispatch handles every expected error; this is a last line of defence so execute never rejects.
      outcome = { outcome: "failure", error: describeError(error), unexpected: true };
    }
    const end = this.#clock.now();
    const success = outcome.outcome === "success";
    const result: Result = {
      commandId: typeof command?.id === "string" ? command.id : "",
      success,
      // Go omits an empty output; we send "" on success so every successful result has one.
      ...(success
        ? { output: outcome.output ?? "" }
        : outcome.output === undefined
        ? {}
        : { output: outcome.output }),
      ...(success ? {} : { error: bounded(outcome.error || "command failed", MAX_RESULT_ERROR_CHARS) }),
      // Go's time.Duration: integer nanoseconds (a fraction would make the Master answer 400).
      execTime: Math.max(0, Math.round((end - start) * 1_000_000)),
      executedAt: new Date(start).toISOString(),
    };
    this.#record(command, options.topic, outcome, end - start);
    return result;
  }

  async #dispatch(
    command: Command,
    deadline: number,
    options: { topic: string; signal?: AbortSignal },
  ): Promise<Outcome> {
    const external = options.signal;
    if (typeof command !== "object" || command === null) {
      return { outcome: "rejected", error: "invalid command: not an object" };
    }
    const action = typeof command.action === "string" ? command.action : "";
    if (!isAction(action)) return { outcome: "rejected", error: `unknown action: ${quote(action)}` };
    const provenance = this.#checkProvenance(command);
    if (provenance) return { outcome: "rejected", error: provenance };
    const refusal = checkPolicy(this.#policy, {
      action,
      namespace: typeof command.namespace === "string" ? command.namespace : undefined,
      topic: options.topic,
      source: typeof command.source === "string" ? command.source : undefined,
    });
    if (refusal) return { outcome: "rejected", error: refusal };
    const names = checkCommandNames(command, targetKind(command));
    if (names) return { outcome: "rejected", error: names };
    const handler: Handler<unknown> = COMMAND_HANDLERS[action];
    let params: unknown;
    try {
      params = handler.parseParams(command, this.#policy);
    } catch (error) {
      if (error instanceof ParamsError) return { outcome: "rejected", error: error.message };
      return { outcome: "rejected", error: `invalid ${action} params: ${describeError(error)}` };
    }
    return await this.#run(handler, params, { command, deadline, external });
  }

  async #run(
    handler: Handler<unknown>,
    params: unknown,
    options: { command: Command; deadline: number; external?: AbortSignal },
  ): Promise<Outcome> {
    const { command, deadline, external } = options;
    const controller = new AbortController();
    const disarm = new AbortController();
    this.#clock.sleep(Math.max(0, deadline - this.#clock.now()), disarm.signal).then(
      () =>
        controller.abort(new DeadlineExceeded(`command timed out after ${formatDuration(this.#timeoutMs)}`)),
      () => {},
    );
    const onCancel = () => controller.abort(external?.reason);
    if (external?.aborted) onCancel();
    else external?.addEventListener("abort", onCancel, { once: true });
    const signal = controller.signal;
    try {
      await this.#acquire(signal);
      try {
        const context: HandlerContext = {
          client: this.#client,
          signal,
          clock: this.#clock,
          command,
          deadline,
          policy: this.#policy,
        };
        // The race makes the deadline hold even for a call that ignores its signal.
        const output = await raceAbort(handler.run(params, context), signal);
        return { outcome: "success", output };
      } finally {
        this.#release();
      }
    } catch (error) {
      if (signal.aborted) {
        const reason = signal.reason;
        if (reason instanceof DeadlineExceeded) return { outcome: "timeout", error: reason.message };
        const detail = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
        return { outcome: "cancelled", error: detail ? `command cancelled: ${detail}` : "command cancelled" };
      }
      if (error instanceof CommandError) {
        return { outcome: "failure", error: error.message, output: error.output };
      }
      if (error instanceof ParamsError) return { outcome: "rejected", error: error.message };
      const expected = error instanceof KubeApiError || error instanceof NetworkError ||
        (error instanceof Error && error.name !== "TypeError" && error.name !== "ReferenceError");
      return { outcome: "failure", error: describeError(error), unexpected: !expected };
    } finally {
      disarm.abort();
      external?.removeEventListener("abort", onCancel);
    }
  }

  /** Refuses a command for another cluster, or one created longer ago than the max age. */
  #checkProvenance(command: Command): string | undefined {
    const clusterId: unknown = command.clusterId;
    if (
      this.#clusterId && typeof clusterId === "string" && clusterId !== "" && clusterId !== this.#clusterId
    ) {
      return `command is for cluster ${quote(clusterId)}, this agent is cluster "${this.#clusterId}": ` +
        "refused (AGENT_CLUSTER_ID)";
    }
    const createdAt: unknown = command.createdAt;
    if (typeof createdAt !== "string" || createdAt === "" || createdAt === ZERO_TIME) return undefined;
    const created = Date.parse(createdAt);
    if (Number.isNaN(created)) {
      return `invalid createdAt ${quote(createdAt)}: not an RFC 3339 time`;
    }
    // Measured on the Master's clock when its offset is known; a creation time in the future is clock skew
    // (or the Date header's one-second resolution), not a reason to refuse.
    let offset = 0;
    try {
      offset = this.#masterClockOffsetMs?.() ?? 0;
    } catch {
      // No offset: compare with our own clock.
    }
    const age = this.#clock.now() + (Number.isFinite(offset) ? offset : 0) - created;
    if (age > this.#maxAgeMs) {
      return `command is stale: created ${formatAge(age)} ago (${bounded(createdAt, 40)}), older than ` +
        `AGENT_COMMAND_MAX_AGE=${formatAge(this.#maxAgeMs)}`;
    }
    return undefined;
  }

  /** Waits for a slot; the wait ends with the signal's reason when the deadline passes first. */
  async #acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#active < this.#maxConcurrent) {
      this.#active++;
      return;
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const waiter = () => resolve();
    this.#waiters.push(waiter);
    const onAbort = () => {
      const index = this.#waiters.indexOf(waiter);
      // Still queued: leave the queue. Already handed a slot: the caller's finally gives it back.
      if (index >= 0) {
        this.#waiters.splice(index, 1);
        reject(signal.reason);
      }
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await promise;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Hands the slot to the next waiter, or frees it. */
  #release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#active--;
  }

  #record(command: Command, topic: string, outcome: Outcome, durationMs: number): void {
    const rawAction = typeof command?.action === "string" ? command.action : "";
    const action = isAction(rawAction) ? rawAction : "unknown";
    const perAction = this.#counters[action] ??= {};
    perAction[outcome.outcome] = (perAction[outcome.outcome] ?? 0) + 1;
    // Everything here but the outcome and the duration came from the Master: bounded, never echoed whole.
    const field = (value: unknown) => typeof value === "string" ? bounded(value) : "";
    const target = describeTarget(command);
    const properties: Record<string, unknown> = {
      commandId: field(command?.id),
      action: field(rawAction),
      topic,
      source: field(command?.source),
      target,
      outcome: outcome.outcome,
      durationMs: Math.round(durationMs),
    };
    if (outcome.error) properties.error = bounded(outcome.error, MAX_LOG_ERROR_CHARS);
    const message = `Command ${field(command?.id)} ${field(rawAction) || "(no action)"}` +
      `${target ? ` ${target}` : ""} ${OUTCOME_VERBS[outcome.outcome]} in ${Math.round(durationMs)} ms`;
    // Logging and metrics must never turn a finished command into a failure.
    try {
      const logger = this.#logger;
      if (logger) {
        if (outcome.outcome === "success" || outcome.outcome === "duplicate") {
          logger.info(message, properties);
        } else if (outcome.unexpected) logger.error(message, properties);
        else logger.warn(message, properties);
      }
    } catch {
      // A broken logger is not the command's problem.
    }
    try {
      this.#onCompleted?.(action, outcome.outcome, durationMs);
    } catch {
      // Nor is a broken metrics hook.
    }
  }
}

/** The kind whose naming rule applies to the command's name (`dynamic` names its kind in params). */
function targetKind(command: Command): string | undefined {
  if (command.action === "cordon" || command.action === "uncordon" || command.action === "drain") {
    return "Node";
  }
  if (command.action === "dynamic") {
    const params = command.params;
    const kind = typeof params === "object" && params !== null
      ? (params as Record<string, unknown>).kind
      : "";
    return typeof kind === "string" ? kind : undefined;
  }
  return typeof command.kind === "string" ? command.kind : undefined;
}

/** `Deployment shop/web`, `Node node-a`, `shop/web`; bounded; `""` without a target. */
function describeTarget(command: Command): string {
  const text = (value: unknown) => typeof value === "string" && value !== "" ? bounded(value) : "";
  const kind = text(command?.kind) || (command?.action === "dynamic" ? text(targetKind(command)) : "");
  const namespace = text(command?.namespace);
  const name = text(command?.name);
  const where = namespace && name ? `${namespace}/${name}` : namespace ? `${namespace}/*` : name;
  return [kind, where].filter((part) => part !== "").join(" ");
}

function duplicateMessage(firstSeenMs: number): string {
  return `duplicate command id: first received at ${new Date(firstSeenMs).toISOString()}, not run again ` +
    "(its result is no longer held)";
}

/** `90000` → `1m30s`, `3600000` → `1h0m0s` (whole seconds). */
function formatAge(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = seconds % 60;
  return h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
}

const OUTCOME_VERBS: Record<CommandOutcome, string> = {
  success: "succeeded",
  failure: "failed",
  rejected: "rejected",
  timeout: "timed out",
  cancelled: "cancelled",
  duplicate: "answered as a duplicate",
};

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** `30000` → `30s`, `1500` → `1.5s`, `250` → `250ms`. */
function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
