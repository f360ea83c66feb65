import assert from "node:assert/strict";
import { MUTATING_ACTIONS } from "../../agent/service/commands/mod.ts";
import {
  type CommandExecutor,
  EFFECT_TARGETS,
  type EffectProbe,
  effectProbe,
  type EffectTarget,
  reportEffects,
} from "../../agent/scheduler/mod.ts";
import type { Command, Result } from "../../model/mod.ts";

function command(action: string, target: Partial<Command> = {}): Command {
  return { id: `id-${action}`, clusterId: "c1", action, createdAt: "2026-01-01T00:00:00Z", ...target };
}

Deno.test("every mutating action has an effect target, and no read has one", () => {
  assert.deepEqual(Object.keys(EFFECT_TARGETS).sort(), [...MUTATING_ACTIONS].sort());
  assert.deepEqual(EFFECT_TARGETS.scale(command("scale", { namespace: "ns", name: "web" })), {
    kind: "deployments",
    namespace: "ns",
    name: "web",
  });
  assert.deepEqual(EFFECT_TARGETS.delete(command("delete", { kind: "Pod", namespace: "ns", name: "p" })), {
    kind: "pods",
    namespace: "ns",
    name: "p",
  });
  assert.deepEqual(EFFECT_TARGETS.drain(command("drain", { name: "node-1" })), {
    kind: "nodes",
    namespace: "",
    name: "node-1",
  });
  assert.equal(EFFECT_TARGETS.apply_manifests(command("apply_manifests")), null);
});

Deno.test("an effect probe fires when the stored object is replaced or removed, not before", () => {
  const store = new Map<string, object>([["ns/web", { rv: "1" }]]);
  const lookup = (t: EffectTarget) => store.get(`${t.namespace}/${t.name}`);
  const probe = effectProbe({ kind: "deployments", namespace: "ns", name: "web" }, lookup);
  assert.equal(probe.observed(), false);
  store.set("ns/other", { rv: "2" });
  assert.equal(probe.observed(), false, "another object's change is not the effect");
  store.set("ns/web", { rv: "3" });
  assert.equal(probe.observed(), true);
  const gone = effectProbe({ kind: "pods", namespace: "ns", name: "web" }, lookup);
  store.delete("ns/web");
  assert.equal(gone.observed(), true, "a deletion is an effect");
  assert.equal(effectProbe(null, lookup).observed(), false, "no target: never (the wait bound decides)");
});

Deno.test("reportEffects probes before running, reports only successful mutations, and never breaks a command", async () => {
  const store = new Map<string, object>([["ns/web", { rv: "1" }]]);
  const reported: { probe: EffectProbe; command: Command }[] = [];
  let succeed = true;
  const inner: CommandExecutor = {
    execute(c): Promise<Result> {
      // The watch event lands while the API call is still answering.
      if (c.action === "scale") store.set("ns/web", { rv: String(Math.random()) });
      return Promise.resolve({ commandId: c.id, success: succeed, executedAt: "2026-01-01T00:00:00Z" });
    },
  };
  const executor = reportEffects(inner, {
    lookup: (t) => store.get(`${t.namespace}/${t.name}`),
    onEffect: (probe, c) => reported.push({ probe, command: c }),
  });
  await executor.execute(command("scale", { namespace: "ns", name: "web", params: { replicas: 2 } }));
  assert.equal(reported.length, 1);
  assert.equal(reported[0].probe.observed(), true, "the change seen during execution counts");
  await executor.execute(command("get_logs", { namespace: "ns", name: "web" }));
  await executor.execute(command("nonsense"));
  assert.equal(reported.length, 1, "reads and unknown actions earn no follow-up");
  succeed = false;
  await executor.execute(command("scale", { namespace: "ns", name: "web" }));
  assert.equal(reported.length, 1, "a refused or failed command earns no follow-up");

  succeed = true;
  const throwing = reportEffects(inner, {
    lookup: () => {
      throw new Error("store gone");
    },
    onEffect: () => {
      throw new Error("push loop gone");
    },
  });
  const result = await throwing.execute(command("cordon", { name: "node-1" }));
  assert.equal(result.success, true);
});
