import assert from "node:assert/strict";
import type { Command } from "../../../model/mod.ts";
import type { KubeClient, RequestOptions } from "../../../agent/sdk/mod.ts";
import { KubeApiError } from "../../../agent/sdk/mod.ts";
import {
  type CommandLogger,
  type CommandOutcome,
  CommandService,
  type CommandServiceOptions,
} from "../../../agent/service/commands/mod.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import { nextTurn, waitFor } from "../../support/wait.ts";

/** A client whose every call fails unless the test supplies it; `get` is the one the tests script. */
function stubClient(get: (path: string, options?: RequestOptions) => Promise<unknown>): KubeClient {
  const unexpected = () => Promise.reject(new Error("Unexpected call"));
  return {
    server: "http://stub",
    defaultNamespace: "default",
    get: <T>(path: string, options?: RequestOptions) => get(path, options) as Promise<T>,
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: unexpected }) }),
    watch: unexpected,
    create: unexpected,
    replace: unexpected,
    patch: unexpected,
    delete: unexpected,
    logs: unexpected,
    raw: unexpected,
    close() {},
  };
}

let nextId = 0;
function command(fields: Partial<Command>): Command {
  return {
    id: `cmd-${++nextId}`,
    clusterId: "test",
    action: "get_configmap",
    namespace: "default",
    name: "cfg",
    createdAt: "0001-01-01T00:00:00Z",
    ...fields,
  };
}

interface LogLine {
  level: string;
  message: string;
  properties?: Record<string, unknown>;
}

function recordingLogger(lines: LogLine[]): CommandLogger {
  return {
    info: (message, properties) => lines.push({ level: "info", message, properties }),
    warn: (message, properties) => lines.push({ level: "warn", message, properties }),
    error: (message, properties) => lines.push({ level: "error", message, properties }),
  };
}

/** A `get` that hangs until released (or aborted, when `honourSignal`). */
function gate(options: { honourSignal?: boolean } = {}) {
  const waiting: (() => void)[] = [];
  let started = 0;
  const get = (_path: string, request?: RequestOptions) => {
    started++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    waiting.push(() => resolve({ data: { k: "v" } }));
    if (options.honourSignal) {
      request?.signal?.addEventListener("abort", () => reject(request.signal?.reason), { once: true });
    }
    return promise;
  };
  return {
    get,
    get started() {
      return started;
    },
    releaseAll() {
      for (const release of waiting.splice(0)) release();
    },
  };
}

function service(client: KubeClient, options: CommandServiceOptions = {}): CommandService {
  return new CommandService(client, { clock: new FakeClock(), ...options });
}

Deno.test("CommandService.execute builds a Go-compatible Result", async () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 3, 4, 5, 6, 789));
  const svc = new CommandService(stubClient(() => Promise.resolve({ data: { a: "1" } })), { clock });
  const result = await svc.execute(command({ id: "r1" }));
  assert.deepEqual(result, {
    commandId: "r1",
    success: true,
    output: '{"a":"1"}',
    execTime: 0,
    executedAt: "2026-03-03T04:05:06.789Z",
  });
});

Deno.test("CommandService.execute rejects unknown actions and exec", async () => {
  const svc = service(stubClient(() => Promise.reject(new Error("no call expected"))));
  for (const action of ["exec", "reboot", ""]) {
    const result = await svc.execute(command({ action }));
    assert.equal(result.success, false);
    assert.equal(result.error, `unknown action: "${action}"`);
    assert.equal(result.output, undefined);
    assert.ok(Number.isInteger(result.execTime));
  }
  assert.deepEqual(svc.counters(), { unknown: { rejected: 3 } });
});

Deno.test("CommandService.execute never throws on malformed commands", async () => {
  const svc = service(stubClient(() => Promise.reject(new Error("no call expected"))));
  const bad = [
    null,
    { id: 5, action: "scale" },
    { id: "x1", action: "scale", params: "replicas=3", namespace: "a", name: "b" },
    { id: "x2", action: "scale", params: { replicas: "3" }, namespace: "a", name: "b" },
    { id: "x3", action: "scale", params: { replicas: 10_001 }, namespace: "a", name: "b" },
    { id: "x4", action: "scale", params: { replicas: -1 }, namespace: "a", name: "b" },
    { id: "x5", action: "scale", params: { replicas: 2.5 }, namespace: "a", name: "b" },
    { id: "x6", action: "scale", params: {}, namespace: "a", name: "b" },
    { id: "x7", action: "scale", params: { replicas: 1 } },
    { id: "x8", action: "get_logs", params: { tailLines: "10" }, namespace: "a", name: "b" },
    { id: "x9", action: "update_image", params: { image: 7 }, namespace: "a", name: "b" },
    { id: "x10", action: "delete", kind: "Deployment", namespace: "a", name: "b" },
    { id: "x11", action: "dynamic", params: { command: "delete", kind: "Pod" } },
    { id: "x12", action: "dynamic", params: { command: "list", kind: "Widget" } },
    { id: "x13", action: "cordon" },
    { id: "x14", action: "get_configmap", namespace: "a" },
  ];
  const errors = [];
  for (const input of bad) {
    const result = await svc.execute(input as unknown as Command);
    assert.equal(result.success, false);
    errors.push(result.error);
  }
  assert.deepEqual(errors, [
    "invalid command: not an object",
    "invalid scale params: replicas is required (an integer between 0 and 10000)",
    "invalid scale params: params must be an object",
    "invalid scale params: replicas must be an integer between 0 and 10000",
    "invalid scale params: replicas must be an integer between 0 and 10000",
    "invalid scale params: replicas must be an integer between 0 and 10000",
    "invalid scale params: replicas must be an integer between 0 and 10000",
    "invalid scale params: replicas is required (an integer between 0 and 10000)",
    "namespace and name are required",
    "invalid get_logs params: tailLines must be an integer",
    "invalid update_image params: image must be a string",
    'delete of kind "Deployment" is not supported: only Pod can be deleted',
    'invalid dynamic params: command must be one of get, list, describe, get_events (got "delete")',
    'unsupported kind: "Widget"',
    "name is required: the node to act on",
    'name is required (target namespace "a")',
  ]);
});

Deno.test("CommandService enforces the safety policy before any API call", async () => {
  const calls: string[] = [];
  const client = stubClient((path) => {
    calls.push(path);
    return Promise.resolve({});
  });
  const scale = { action: "scale", namespace: "shop", name: "web", params: { replicas: 2 } };
  const cases: [CommandServiceOptions, Partial<Command>, RegExp][] = [
    [{ readOnly: true }, scale, /read-only \(AGENT_READ_ONLY=true\)/],
    [{ readOnly: true }, { action: "drain", name: "n1" }, /read-only/],
    [
      { readOnly: true, allowApply: true },
      { action: "apply_manifests", params: { manifests: "a: 1" } },
      /read-only/,
    ],
    [{ allowedActions: ["get_logs"] }, scale, /"scale" is not allowed on this agent/],
    [{}, { ...scale, namespace: "kube-system" }, /namespace "kube-system" is protected/],
    [{ protectedNamespaces: ["shop"] }, scale, /namespace "shop" is protected/],
    [{}, { action: "get_secret", namespace: "a", name: "s" }, /AGENT_ALLOW_SECRET_READ/],
    [{}, { action: "apply_manifests", params: { manifests: "a: 1" } }, /AGENT_ALLOW_APPLY/],
    [{}, { action: "dynamic", params: { command: "list", kind: "Secret" } }, /AGENT_ALLOW_SECRET_READ/],
  ];
  for (const [options, fields, expected] of cases) {
    const result = await service(client, options).execute(command(fields));
    assert.equal(result.success, false);
    assert.match(result.error ?? "", expected);
  }
  assert.deepEqual(calls, []);
  // Reads stay allowed in read-only mode and in protected namespaces.
  const read = await service(client, { readOnly: true }).execute(command({ namespace: "kube-system" }));
  assert.equal(read.success, true);
});

Deno.test("CommandService maps API errors to readable messages", async () => {
  const svc = service(stubClient((path) =>
    Promise.reject(
      new KubeApiError({
        status: path.includes("missing") ? 404 : 403,
        method: "GET",
        path,
        message: "denied",
      }),
    )
  ));
  const missing = await svc.execute(command({ name: "missing" }));
  assert.equal(missing.error, 'configmap "missing" not found in namespace "default"');
  const forbidden = await svc.execute(command({ name: "cfg" }));
  assert.match(
    forbidden.error ?? "",
    /^forbidden: the agent may not get configmaps in namespace "default"; .*RBAC/,
  );
  assert.deepEqual(svc.counters(), { get_configmap: { failure: 2 } });
});

Deno.test("CommandService times out a command at its deadline even when the call ignores the signal", async () => {
  const clock = new FakeClock();
  const hanging = gate();
  const svc = new CommandService(stubClient(hanging.get), { clock, commandTimeoutMs: 30_000 });
  let settled = false;
  const pending = svc.execute(command({ id: "slow" })).finally(() => settled = true);
  await waitFor(() => hanging.started === 1, "the call to start");
  clock.advance(29_999);
  // The deadline runs on the fake clock alone: one event-loop turn lets any due continuation run.
  await nextTurn();
  assert.equal(settled, false, "still running 1 ms before the deadline");
  assert.equal(svc.running, 1);
  clock.advance(1);
  const result = await pending;
  assert.equal(result.success, false);
  assert.equal(result.error, "command timed out after 30s");
  assert.equal(result.execTime, 30_000 * 1_000_000);
  assert.equal(svc.running, 0);
  assert.deepEqual(svc.counters(), { get_configmap: { timeout: 1 } });
  hanging.releaseAll();
});

Deno.test("CommandService passes the deadline signal to API calls", async () => {
  const clock = new FakeClock();
  const hanging = gate({ honourSignal: true });
  const svc = new CommandService(stubClient(hanging.get), { clock, commandTimeoutMs: 1_500 });
  let settled = false;
  const pending = svc.execute(command({})).finally(() => settled = true);
  await waitFor(() => hanging.started === 1, "the call to start");
  clock.advance(1_499);
  await nextTurn();
  assert.equal(settled, false, "the call's signal has not aborted before the deadline");
  clock.advance(1);
  assert.equal((await pending).error, "command timed out after 1.5s");
});

Deno.test("CommandService answers a duplicate id with the first result without re-executing", async (t) => {
  const hanging = gate();
  const svc = service(stubClient(hanging.get));
  await t.step("a duplicate arriving while the first runs awaits the same result", async () => {
    const first = svc.execute(command({ id: "dup" }));
    const second = svc.execute(command({ id: "dup", action: "scale" }));
    await waitFor(() => hanging.started === 1, "the first call");
    hanging.releaseAll();
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(b, a);
    assert.equal(a.output, '{"k":"v"}');
    assert.equal(hanging.started, 1);
  });
  await t.step("a later duplicate gets the stored result", async () => {
    const again = await svc.execute(command({ id: "dup" }));
    assert.equal(again.output, '{"k":"v"}');
    assert.equal(hanging.started, 1);
    // Each duplicate is counted under the action it claimed.
    assert.deepEqual(svc.counters(), {
      get_configmap: { success: 1, duplicate: 1 },
      scale: { duplicate: 1 },
    });
  });
});

Deno.test("CommandService forgets the least recently seen results beyond its capacity, never the ids", async () => {
  let calls = 0;
  const clock = new FakeClock();
  const svc = service(stubClient(() => Promise.resolve({ data: { n: String(++calls) } })), {
    dedupCapacity: 2,
    clock,
  });
  await svc.execute(command({ id: "a" }));
  await svc.execute(command({ id: "b" }));
  await svc.execute(command({ id: "a" })); // refreshes a
  await svc.execute(command({ id: "c" })); // evicts b's result
  assert.equal(calls, 3);
  assert.equal((await svc.execute(command({ id: "a" }))).output, '{"n":"1"}');
  // b's result is gone but its id is remembered for the whole max-age window: it does not run again.
  const again = await svc.execute(command({ id: "b" }));
  assert.equal(calls, 3);
  assert.equal(again.success, false);
  assert.match(again.error ?? "", /^duplicate command id: first received at .*, not run again/);
  // After the window the id is forgotten; such a command would be refused as stale by its createdAt anyway.
  clock.advance(10 * 60_000 + 1);
  await svc.execute(command({ id: "d" }));
  assert.equal((await svc.execute(command({ id: "b" }))).output, '{"n":"5"}');
});

Deno.test("CommandService forgets the oldest results when remembered outputs exceed their size budget", async () => {
  let calls = 0;
  const svc = service(stubClient(() => Promise.resolve({ data: { n: String(++calls) } })), {
    dedupMaxChars: 12,
  });
  await svc.execute(command({ id: "a" })); // 9 characters of output
  await svc.execute(command({ id: "b" })); // 18 in all: a's result is forgotten
  assert.equal((await svc.execute(command({ id: "b" }))).output, '{"n":"2"}');
  const again = await svc.execute(command({ id: "a" }));
  assert.match(again.error ?? "", /duplicate command id/);
  assert.equal(calls, 2);
});

Deno.test("CommandService runs at most maxConcurrentCommands at once; waiting counts against the deadline", async () => {
  const clock = new FakeClock();
  const hanging = gate();
  const svc = new CommandService(stubClient(hanging.get), {
    clock,
    maxConcurrentCommands: 2,
    commandTimeoutMs: 10_000,
  });
  const results = [1, 2, 3, 4].map(() => svc.execute(command({})));
  await waitFor(() => hanging.started === 2, "two calls");
  assert.equal(svc.running, 2);
  assert.equal(svc.waiting, 2);
  hanging.releaseAll();
  await waitFor(() => hanging.started === 4, "the waiting commands to start");
  hanging.releaseAll();
  for (const result of await Promise.all(results)) assert.equal(result.success, true);
  assert.equal(svc.running, 0);

  const blockers = [svc.execute(command({})), svc.execute(command({}))];
  await waitFor(() => hanging.started === 6, "two blocking calls");
  const queued = svc.execute(command({}));
  await waitFor(() => svc.waiting === 1, "the third to queue");
  clock.advance(10_000);
  const timedOut = await queued;
  assert.equal(timedOut.error, "command timed out after 10s");
  assert.equal(svc.waiting, 0);
  assert.equal(hanging.started, 6);
  await Promise.all(blockers);
  hanging.releaseAll();
});

Deno.test("CommandService cancels commands when the caller's signal aborts", async () => {
  const hanging = gate();
  const svc = service(stubClient(hanging.get));
  const controller = new AbortController();
  const pending = svc.execute(command({}), { signal: controller.signal });
  await waitFor(() => hanging.started === 1, "the call");
  controller.abort(new Error("agent shutting down"));
  const result = await pending;
  assert.equal(result.error, "command cancelled: agent shutting down");
  assert.deepEqual(svc.counters(), { get_configmap: { cancelled: 1 } });
  hanging.releaseAll();
});

Deno.test("CommandService logs and counts every command once", async () => {
  const lines: LogLine[] = [];
  const completed: [string, CommandOutcome, number][] = [];
  const svc = service(stubClient(() => Promise.resolve({ data: {} })), {
    logger: recordingLogger(lines),
    onCompleted: (action, outcome, ms) => completed.push([action, outcome, ms]),
  });
  await svc.execute(command({ id: "l1", source: "web" }), { topic: "ops" });
  await svc.execute(command({ id: "l2", action: "exec" }), { topic: "ops" });
  await svc.execute(command({ id: "l1" }), { topic: "ops" });
  // One line per command: id, action, target, outcome and duration in the message and in the properties.
  assert.deepEqual(lines.map((l) => [l.level, l.message]), [
    ["info", "Command l1 get_configmap default/cfg succeeded in 0 ms"],
    ["warn", "Command l2 exec default/cfg rejected in 0 ms"],
    ["info", "Command l1 get_configmap default/cfg answered as a duplicate in 0 ms"],
  ]);
  assert.deepEqual(lines[0].properties, {
    commandId: "l1",
    action: "get_configmap",
    topic: "ops",
    source: "web",
    target: "default/cfg",
    outcome: "success",
    durationMs: 0,
  });
  assert.equal(lines[1].properties?.error, 'unknown action: "exec"');
  assert.deepEqual(completed, [["get_configmap", "success", 0], ["unknown", "rejected", 0], [
    "get_configmap",
    "duplicate",
    0,
  ]]);
});

Deno.test("CommandService survives a throwing logger and metrics hook", async () => {
  const broken = () => {
    throw new Error("broken");
  };
  const svc = service(stubClient(() => Promise.resolve({ data: { a: "b" } })), {
    logger: { info: broken, warn: broken, error: broken },
    onCompleted: broken,
  });
  assert.equal((await svc.execute(command({}))).success, true);
});
