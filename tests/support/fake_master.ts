/**
 * A faithful in-process stand-in for the AtlHyper Master's AgentSDK server (master-protocol §1): the four agent
 * endpoints with the Master's exact paths, status codes and `http.Error` texts, at-most-once command delivery with
 * a long-poll hold, and Go-decoder type checks on results. Everything received is recorded with timestamps.
 *
 * A control API lets tests and other processes drive it: `POST /control/commands`, `GET /control/snapshots/latest`,
 * `GET /control/results/<id>[?waitMs=]`, `GET /control/heartbeats`, `GET /control/stats`, `POST|DELETE
 * /control/faults`.
 *
 * Run it on its own with `deno run -A tests/support/fake_master.ts --port 8081 [--hostname 127.0.0.1]
 * [--hold-ms 60000]`; it prints `listening on <url>` and serves until SIGINT or SIGTERM.
 *
 * @module
 */

import { type Clock, systemClock } from "../../agent/clock.ts";
import type { Command } from "../../model/mod.ts";

/** The Master's default long-poll hold (`MASTER_TIMEOUT_COMMAND_POLL`). */
export const DEFAULT_HOLD_MS = 60_000;

/** A canned answer for matching requests, used to inject failures. */
export interface FaultRule {
  /** Exact request path, for example `/agent/snapshot`. */
  path: string;
  /** Only this method; any method when absent. */
  method?: string;
  /** Answer status; default 500. */
  status?: number;
  /** Answer body; default `Internal error\n` (or nothing for 204). */
  body?: string;
  /** Answer `Content-Type`; default `text/plain; charset=utf-8`. */
  contentType?: string;
  /** How many requests get this answer; default 1, negative means every request. */
  times?: number;
  /** Waits this long before answering (also holds healthy-looking slow answers). */
  delayMs?: number;
}

/** Options of {@linkcode startFakeMaster}. */
export interface FakeMasterOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
  /** How long an empty poll is held before `{"hasCommand":false}`; default 60 s like the Master. */
  holdMs?: number;
  /** Timestamps and hold timers; default the system clock. */
  clock?: Clock;
  /** Faults armed from the start. */
  faults?: FaultRule[];
  /**
   * Extra check of a decoded snapshot, standing in for Go's typed decoding: return a message to reject the
   * snapshot with 400 `Invalid JSON` (the message is recorded in `rejectedSnapshots`).
   */
  validateSnapshot?: (snapshot: Record<string, unknown>) => string | undefined;
}

/** A request as it arrived. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  receivedAt: number;
  /** The status the fake answered with. */
  status?: number;
  /** True when a fault rule answered. */
  fault?: boolean;
}

/** An accepted snapshot. */
export interface RecordedSnapshot {
  clusterId: string;
  receivedAt: number;
  snapshot: Record<string, unknown>;
  /** True when the body was gzipped. */
  gzip: boolean;
  /** Body size on the wire. */
  wireBytes: number;
  /** Size of the decoded JSON. */
  rawBytes: number;
  headers: Record<string, string>;
}

/** A snapshot answered with 400, and why. */
export interface RejectedSnapshot {
  receivedAt: number;
  reason: string;
  detail?: string;
}

/** An accepted heartbeat. */
export interface RecordedHeartbeat {
  clusterId: string;
  receivedAt: number;
  headers: Record<string, string>;
}

/** An accepted result. */
export interface RecordedResult {
  commandId: string;
  receivedAt: number;
  result: Record<string, unknown>;
  headers: Record<string, string>;
}

/** How a poll ended. */
export type PollOutcome = "waiting" | "command" | "empty" | "disconnected" | "lost";

/** One `GET /agent/commands`. */
export interface RecordedPoll {
  clusterId: string;
  topic: string;
  startedAt: number;
  endedAt?: number;
  outcome: PollOutcome;
  commandId?: string;
}

/** A command popped for a poller that was gone: the Master loses it (at-most-once delivery). */
export interface LostCommand {
  command: Command;
  topic: string;
  lostAt: number;
}

/** A command as tests enqueue it: `action` is required; `id` and `createdAt` are generated when absent. */
export type CommandInput = Partial<Command> & { action: string };

/** Options of {@linkcode FakeMaster.enqueue}. */
export interface EnqueueOptions {
  /** Overrides the Master's routing (`source == "ai"` → `ai`, else `ops`). */
  topic?: string;
}

/** Options of the `waitFor…` helpers. */
export interface WaitOptions {
  /** Default 5 s. */
  timeoutMs?: number;
}

/** A running fake Master. */
export interface FakeMaster extends AsyncDisposable {
  /** Base URL without a trailing slash, for example `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly snapshots: RecordedSnapshot[];
  readonly rejectedSnapshots: RejectedSnapshot[];
  readonly heartbeats: RecordedHeartbeat[];
  readonly results: RecordedResult[];
  readonly polls: RecordedPoll[];
  readonly lostCommands: LostCommand[];
  /** Queues a command like the Master's `CreateCommand`; returns its id. */
  enqueue(command: CommandInput, options?: EnqueueOptions): string;
  /** Commands queued and not yet handed out, per topic. */
  pending(topic?: string): Command[];
  /** Polls currently held open on `topic`. */
  waitingPollers(topic?: string): number;
  /** Arms a fault rule. */
  injectFault(rule: FaultRule): void;
  /** Disarms every fault rule. */
  clearFaults(): void;
  /** Resolves with the result of `commandId` once it arrived; rejects after the timeout. */
  waitForResult(commandId: string, options?: WaitOptions): Promise<RecordedResult>;
  /** Resolves once `predicate` holds (checked after every recorded event); rejects after the timeout. */
  waitFor(predicate: () => boolean, options?: WaitOptions): Promise<void>;
  /** Resolves once a poll is held open on `topic` (default `ops`). */
  waitForPoller(topic?: string, options?: WaitOptions): Promise<void>;
  /** Answers every held poll, stops listening and waits for in-flight requests; idempotent. */
  close(): Promise<void>;
}

interface Waiter {
  clusterId: string;
  topic: string;
  settle(command: Command | null): void;
}

interface QueuedCommand {
  command: Command;
  topic: string;
}

interface ArmedFault extends FaultRule {
  remaining: number;
}

const TEXT_PLAIN = "text/plain; charset=utf-8";
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const AGENT_PATHS: Record<string, string> = {
  "/agent/snapshot": "POST",
  "/agent/heartbeat": "POST",
  "/agent/commands": "GET",
  "/agent/result": "POST",
};

/** Starts a fake Master listening on a local port. */
export function startFakeMaster(options: FakeMasterOptions = {}): FakeMaster {
  return new FakeMasterServer(options);
}

class FakeMasterServer implements FakeMaster {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[] = [];
  readonly snapshots: RecordedSnapshot[] = [];
  readonly rejectedSnapshots: RejectedSnapshot[] = [];
  readonly heartbeats: RecordedHeartbeat[] = [];
  readonly results: RecordedResult[] = [];
  readonly polls: RecordedPoll[] = [];
  readonly lostCommands: LostCommand[] = [];
  readonly #clock: Clock;
  readonly #holdMs: number;
  readonly #validateSnapshot?: (snapshot: Record<string, unknown>) => string | undefined;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #closing = new AbortController();
  #queue: QueuedCommand[] = [];
  #waiters: Waiter[] = [];
  #faults: ArmedFault[] = [];
  #listeners = new Set<() => void>();
  #closed?: Promise<void>;

  constructor(options: FakeMasterOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
    this.#validateSnapshot = options.validateSnapshot;
    for (const rule of options.faults ?? []) this.injectFault(rule);
    this.#server = Deno.serve({
      port: options.port ?? 0,
      hostname: options.hostname ?? "127.0.0.1",
      onListen: () => {},
    }, (request, info) => this.#handle(request, info));
    const addr = this.#server.addr;
    this.port = addr.port;
    const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
    this.url = `http://${host}:${addr.port}`;
  }

  enqueue(input: CommandInput, options: EnqueueOptions = {}): string {
    const command = this.#buildCommand(input);
    const topic = options.topic ?? (command.source === "ai" ? "ai" : "ops");
    // Hand it straight to a held poll when one matches: that is the moment the Master's bus pops it.
    const waiter = this.#waiters.find((w) => w.topic === topic && matches(command, w.clusterId));
    if (waiter) waiter.settle(command);
    else this.#queue.push({ command, topic });
    this.#notify();
    return command.id;
  }

  pending(topic?: string): Command[] {
    return this.#queue.filter((q) => topic === undefined || q.topic === topic).map((q) => q.command);
  }

  waitingPollers(topic?: string): number {
    return this.#waiters.filter((w) => topic === undefined || w.topic === topic).length;
  }

  injectFault(rule: FaultRule): void {
    const times = rule.times ?? 1;
    this.#faults.push({ ...rule, remaining: times < 0 ? Number.POSITIVE_INFINITY : times });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  async waitForResult(commandId: string, options: WaitOptions = {}): Promise<RecordedResult> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const found = await this.#waitUntil(() => this.results.find((r) => r.commandId === commandId), timeoutMs);
    if (!found) throw new Error(`No result for command "${commandId}" within ${timeoutMs} ms`);
    return found;
  }

  async waitFor(predicate: () => boolean, options: WaitOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const ok = await this.#waitUntil(() => predicate() || undefined, timeoutMs);
    if (!ok) throw new Error(`Condition not met within ${timeoutMs} ms`);
  }

  waitForPoller(topic = "ops", options: WaitOptions = {}): Promise<void> {
    return this.waitFor(() => this.waitingPollers(topic) > 0, options);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new Error("Fake master closed"));
      for (const waiter of [...this.#waiters]) waiter.settle(null);
      await this.#server.shutdown();
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #handle(request: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
    const url = new URL(request.url);
    const record: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(request.headers),
      receivedAt: this.#clock.now(),
    };
    this.requests.push(record);
    let response: Response;
    try {
      const fault = this.#takeFault(request.method, url.pathname);
      if (fault) {
        record.fault = true;
        response = await this.#answerFault(fault, request);
      } else {
        response = await this.#route(request, url, info);
      }
    } catch (error) {
      // The real Master answers internal failures with 500 `Internal error`; a bug in the fake should look alike
      // to the agent but stay visible to the test author.
      console.error("Fake master handler failed:", error);
      response = goError("Internal error", 500);
    }
    record.status = response.status;
    this.#notify();
    return response;
  }

  #route(request: Request, url: URL, info: Deno.ServeHandlerInfo): Promise<Response> | Response {
    const path = url.pathname;
    const method = AGENT_PATHS[path];
    if (method) {
      if (request.method !== method) return goError("Method not allowed", 405);
      switch (path) {
        case "/agent/snapshot":
          return this.#snapshot(request);
        case "/agent/heartbeat":
          return this.#heartbeat(request);
        case "/agent/commands":
          return this.#poll(request, url, info);
        case "/agent/result":
          return this.#result(request);
      }
    }
    if (path === "/health") return new Response("ok", { headers: { "Content-Type": TEXT_PLAIN } });
    if (path.startsWith("/control/")) return this.#control(request, url);
    // ServeMux's answer for an unknown path, including `/agent/snapshot/`.
    return goError("404 page not found", 404);
  }

  async #snapshot(request: Request): Promise<Response> {
    const now = this.#clock.now();
    const wire = new Uint8Array(await request.arrayBuffer());
    const encoding = request.headers.get("Content-Encoding") ?? "";
    const gzipped = encoding.split(",").some((t) => t.trim().toLowerCase() === "gzip") ||
      (wire.length >= 2 && wire[0] === 0x1f && wire[1] === 0x8b);
    let raw: Uint8Array = wire;
    if (gzipped) {
      try {
        raw = await gunzip(wire);
      } catch (error) {
        return this.#rejectSnapshot(now, "Invalid gzip", error);
      }
    }
    let decoded: unknown;
    try {
      decoded = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
    } catch (error) {
      return this.#rejectSnapshot(now, "Invalid JSON", error);
    }
    // Go decodes into a struct: anything but an object, or a non-string clusterId, is a type error.
    if (!isRecord(decoded)) return this.#rejectSnapshot(now, "Invalid JSON", "not an object");
    if (
      decoded.clusterId !== undefined && decoded.clusterId !== null && typeof decoded.clusterId !== "string"
    ) {
      return this.#rejectSnapshot(now, "Invalid JSON", "clusterId is not a string");
    }
    const problem = this.#validateSnapshot?.(decoded);
    if (problem) return this.#rejectSnapshot(now, "Invalid JSON", problem);
    // The header wins over the body without a mismatch error, exactly like the Master.
    const header = request.headers.get("X-Cluster-ID") ?? "";
    const clusterId = header || (typeof decoded.clusterId === "string" ? decoded.clusterId : "");
    if (!clusterId) return this.#rejectSnapshot(now, "cluster_id is required");
    decoded.clusterId = clusterId;
    this.snapshots.push({
      clusterId,
      receivedAt: now,
      snapshot: decoded,
      gzip: gzipped,
      wireBytes: wire.length,
      rawBytes: raw.length,
      headers: Object.fromEntries(request.headers),
    });
    return okJson();
  }

  #rejectSnapshot(receivedAt: number, reason: string, detail?: unknown): Response {
    const text = detail instanceof Error ? detail.message : detail === undefined ? undefined : String(detail);
    this.rejectedSnapshots.push({ receivedAt, reason, ...(text ? { detail: text } : {}) });
    return goError(reason, 400);
  }

  async #heartbeat(request: Request): Promise<Response> {
    // The Master never reads the body; drain it so the connection stays usable.
    await request.body?.cancel();
    const clusterId = request.headers.get("X-Cluster-ID") ?? "";
    if (!clusterId) return goError("X-Cluster-ID header is required", 400);
    this.heartbeats.push({
      clusterId,
      receivedAt: this.#clock.now(),
      headers: Object.fromEntries(request.headers),
    });
    return okJson();
  }

  async #poll(request: Request, url: URL, info: Deno.ServeHandlerInfo): Promise<Response> {
    const clusterId = url.searchParams.get("cluster_id") ?? "";
    if (!clusterId) return goError("cluster_id is required", 400);
    const topic = url.searchParams.get("topic") || "ops";
    const poll: RecordedPoll = { clusterId, topic, startedAt: this.#clock.now(), outcome: "waiting" };
    this.polls.push(poll);
    const index = this.#queue.findIndex((q) => q.topic === topic && matches(q.command, clusterId));
    let command: Command | null = null;
    if (index >= 0) {
      command = this.#queue.splice(index, 1)[0].command;
    } else if (!this.#closing.signal.aborted) {
      command = await this.#hold(request, clusterId, topic);
    }
    poll.endedAt = this.#clock.now();
    if (command) {
      poll.commandId = command.id;
      // Popped is popped: a poller that went away takes the command with it, as on the real bus.
      if (request.signal.aborted) {
        poll.outcome = "lost";
        this.lostCommands.push({ command, topic, lostAt: poll.endedAt });
      } else {
        poll.outcome = "command";
        const lost = command;
        info.completed.catch(() => {
          poll.outcome = "lost";
          this.lostCommands.push({ command: lost, topic, lostAt: this.#clock.now() });
          this.#notify();
        });
      }
      return json({ hasCommand: true, command: encodeCommand(command) });
    }
    poll.outcome = request.signal.aborted ? "disconnected" : "empty";
    return json({ hasCommand: false });
  }

  async #hold(request: Request, clusterId: string, topic: string): Promise<Command | null> {
    const { promise, resolve } = Promise.withResolvers<Command | null>();
    const stopTimer = new AbortController();
    const waiter: Waiter = {
      clusterId,
      topic,
      settle: (command) => {
        // Leaving the list in the same tick is what keeps a command from being handed to two polls or to none.
        const at = this.#waiters.indexOf(waiter);
        if (at < 0) return;
        this.#waiters.splice(at, 1);
        resolve(command);
      },
    };
    const onGone = () => waiter.settle(null);
    this.#waiters.push(waiter);
    this.#notify();
    request.signal.addEventListener("abort", onGone);
    this.#clock.sleep(this.#holdMs, AbortSignal.any([stopTimer.signal, this.#closing.signal]))
      .then(onGone, onGone);
    try {
      return await promise;
    } finally {
      request.signal.removeEventListener("abort", onGone);
      stopTimer.abort();
      this.#notify();
    }
  }

  async #result(request: Request): Promise<Response> {
    let decoded: unknown;
    try {
      decoded = JSON.parse(await request.text());
    } catch {
      return goError("Invalid JSON", 400);
    }
    if (!isRecord(decoded) || !goDecodesResult(decoded)) return goError("Invalid JSON", 400);
    const commandId = typeof decoded.commandId === "string" ? decoded.commandId : "";
    if (!commandId) return goError("command_id is required", 400);
    this.results.push({
      commandId,
      receivedAt: this.#clock.now(),
      result: decoded,
      headers: Object.fromEntries(request.headers),
    });
    return okJson();
  }

  async #control(request: Request, url: URL): Promise<Response> {
    const path = url.pathname;
    if (path === "/control/commands") {
      if (request.method !== "POST") return goError("Method not allowed", 405);
      const body = await readJson(request);
      if (body instanceof Response) return body;
      if (!isRecord(body) || typeof body.action !== "string" || !body.action) {
        return goError("action is required", 400);
      }
      const topic = url.searchParams.get("topic") ?? undefined;
      const id = this.enqueue(body as CommandInput, topic ? { topic } : {});
      return json({ id });
    }
    if (path === "/control/snapshots/latest") {
      const latest = this.snapshots.at(-1);
      if (!latest) return goError("no snapshot yet", 404);
      return json({
        clusterId: latest.clusterId,
        receivedAt: new Date(latest.receivedAt).toISOString(),
        gzip: latest.gzip,
        wireBytes: latest.wireBytes,
        rawBytes: latest.rawBytes,
        snapshot: latest.snapshot,
      });
    }
    if (path.startsWith("/control/results/")) {
      const id = decodeURIComponent(path.slice("/control/results/".length));
      const waitMs = Math.max(0, Number(url.searchParams.get("waitMs") ?? 0) || 0);
      const found = this.results.find((r) => r.commandId === id) ??
        (waitMs > 0
          ? await this.#waitUntil(() => this.results.find((r) => r.commandId === id), waitMs)
          : undefined);
      if (!found) return goError("no result yet", 404);
      return json({ ...found.result, receivedAt: new Date(found.receivedAt).toISOString() });
    }
    if (path === "/control/heartbeats") {
      return json(this.heartbeats.map((h) => ({
        clusterId: h.clusterId,
        receivedAt: new Date(h.receivedAt).toISOString(),
      })));
    }
    if (path === "/control/stats") {
      return json({
        snapshots: this.snapshots.length,
        rejectedSnapshots: this.rejectedSnapshots.length,
        heartbeats: this.heartbeats.length,
        results: this.results.length,
        polls: this.polls.length,
        waitingPollers: { ops: this.waitingPollers("ops"), ai: this.waitingPollers("ai") },
        pending: { ops: this.pending("ops").length, ai: this.pending("ai").length },
        lostCommands: this.lostCommands.map((l) => ({ id: l.command.id, topic: l.topic })),
      });
    }
    if (path === "/control/faults") {
      if (request.method === "DELETE") {
        this.clearFaults();
        return json({ status: "ok" });
      }
      if (request.method !== "POST") return goError("Method not allowed", 405);
      const body = await readJson(request);
      if (body instanceof Response) return body;
      const rules = Array.isArray(body) ? body : [body];
      for (const rule of rules) {
        if (!isRecord(rule) || typeof rule.path !== "string") return goError("path is required", 400);
        this.injectFault(rule as unknown as FaultRule);
      }
      return json({ status: "ok" });
    }
    return goError("404 page not found", 404);
  }

  #takeFault(method: string, path: string): ArmedFault | undefined {
    const fault = this.#faults.find((f) => f.path === path && (!f.method || f.method === method));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(this.#faults.indexOf(fault), 1);
    return fault;
  }

  async #answerFault(fault: FaultRule, request: Request): Promise<Response> {
    await request.body?.cancel();
    if (fault.delayMs) {
      await this.#clock.sleep(fault.delayMs, this.#closing.signal).catch(() => {});
    }
    const status = fault.status ?? 500;
    if (status === 204 || status === 304) return new Response(null, { status });
    const body = fault.body ?? "Internal error\n";
    return new Response(body, {
      status,
      headers: { "Content-Type": fault.contentType ?? TEXT_PLAIN, "X-Content-Type-Options": "nosniff" },
    });
  }

  #buildCommand(input: CommandInput): Command {
    const command: Command = {
      id: input.id || crypto.randomUUID(),
      clusterId: input.clusterId ?? "",
      action: input.action,
      createdAt: input.createdAt || new Date(this.#clock.now()).toISOString(),
    };
    if (input.kind) command.kind = input.kind;
    if (input.namespace) command.namespace = input.namespace;
    if (input.name) command.name = input.name;
    if (input.params && Object.keys(input.params).length > 0) command.params = input.params;
    if (input.source) command.source = input.source;
    if (input.createdBy) command.createdBy = input.createdBy;
    return command;
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Resolves with the first defined value of `probe`, or `undefined` after `timeoutMs` or on close. */
  async #waitUntil<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const first = probe();
    if (first !== undefined) return first;
    const { promise, resolve } = Promise.withResolvers<T | undefined>();
    const listener = () => {
      const value = probe();
      if (value !== undefined) resolve(value);
    };
    this.#listeners.add(listener);
    const stopTimer = new AbortController();
    this.#clock.sleep(timeoutMs, AbortSignal.any([stopTimer.signal, this.#closing.signal]))
      .then(() => resolve(undefined), () => resolve(probe()));
    try {
      return await promise;
    } finally {
      this.#listeners.delete(listener);
      stopTimer.abort();
    }
  }
}

function matches(command: Command, clusterId: string): boolean {
  return !command.clusterId || command.clusterId === clusterId;
}

/** The command JSON as Go's encoder writes `model_v3/command.Command` (omitempty fields dropped). */
function encodeCommand(command: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: command.id,
    clusterId: command.clusterId,
    action: command.action,
  };
  if (command.kind) out.kind = command.kind;
  if (command.namespace) out.namespace = command.namespace;
  if (command.name) out.name = command.name;
  if (command.params && Object.keys(command.params).length > 0) out.params = command.params;
  if (command.source) out.source = command.source;
  if (command.createdBy) out.createdBy = command.createdBy;
  out.createdAt = command.createdAt;
  return out;
}

/** Whether Go's `encoding/json` would decode this object into the Master's result request struct. */
function goDecodesResult(body: Record<string, unknown>): boolean {
  const optional = (value: unknown, check: (v: unknown) => boolean) =>
    value === undefined || value === null || check(value);
  const isString = (v: unknown) => typeof v === "string";
  return optional(body.commandId, isString) &&
    optional(body.clusterId, isString) &&
    optional(body.success, (v) => typeof v === "boolean") &&
    optional(body.output, isString) &&
    optional(body.error, isString) &&
    // int64: a fraction or an out-of-range number is a decode error.
    optional(body.execTime, (v) => typeof v === "number" && Number.isSafeInteger(v)) &&
    // time.Time: RFC 3339 only; `""` fails.
    optional(body.executedAt, (v) => typeof v === "string" && RFC3339.test(v));
}

async function gunzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(data)]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The request's JSON body, or the 400 answer to send when it is not JSON. */
async function readJson(request: Request): Promise<unknown> {
  try {
    return JSON.parse(await request.text());
  } catch {
    return goError("Invalid JSON", 400);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Go's `http.Error`: plain text, a trailing newline, `nosniff`. */
function goError(message: string, status: number): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "Content-Type": TEXT_PLAIN, "X-Content-Type-Options": "nosniff" },
  });
}

function json(value: unknown, status = 200): Response {
  return new Response(`${JSON.stringify(value)}\n`, {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

function okJson(): Response {
  return json({ status: "ok" });
}

function parseArgs(args: string[]): FakeMasterOptions {
  const options: FakeMasterOptions = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const value = () => inline ?? args[++i];
    switch (flag) {
      case "--port":
        options.port = Number(value());
        break;
      case "--hostname":
        options.hostname = value();
        break;
      case "--hold-ms":
        options.holdMs = Number(value());
        break;
      default:
        throw new Error(`Cannot parse argument "${args[i]}": unknown flag`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const master = startFakeMaster(parseArgs(Deno.args));
  console.log(`listening on ${master.url}`);
  const { promise, resolve } = Promise.withResolvers<Deno.Signal>();
  Deno.addSignalListener("SIGINT", () => resolve("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => resolve("SIGTERM"));
  const signal = await promise;
  console.log(`received ${signal}, shutting down`);
  await master.close();
  Deno.exit(0);
}

if (import.meta.main) await main();
