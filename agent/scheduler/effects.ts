/**
 * Which cached object shows a command's effect, and the executor wrapper that tells the push loop about every
 * command that changed the cluster, so the Master sees the effect within about a second instead of at the next
 * beat (up to one snapshot interval later).
 *
 * @module
 */

import type { Command, Result } from "../../model/mod.ts";
import type { CommandExecutor } from "./commands.ts";
import type { EffectProbe } from "./push.ts";

/** The cached object a command writes: the informer kind (plural) and its key. */
export interface EffectTarget {
  /** Informer kind holding the object. */
  kind: "deployments" | "pods" | "nodes";
  /** Namespace; `""` for nodes. */
  namespace: string;
  /** Object name. */
  name: string;
}

/**
 * Every action that changes the cluster, with the object whose next watch event shows its effect; `null` when no
 * single object does (the follow-up then goes after the wait bound). The keys are the command service's mutating
 * actions (a test keeps them equal); reads are absent and earn no follow-up.
 */
export const EFFECT_TARGETS: Readonly<Record<string, (command: Command) => EffectTarget | null>> = {
  // The handlers write these Deployments through `apps/v1` (scale subresource, template patches).
  scale: (c) => namespaced("deployments", c),
  restart: (c) => namespaced("deployments", c),
  "update_image": (c) => namespaced("deployments", c),
  // A deleted pod is first MODIFIED (deletionTimestamp) or DELETED: either replaces the stored object.
  delete: (c) => namespaced("pods", c),
  "delete_pod": (c) => namespaced("pods", c),
  // `drain` cordons first; by the time its evictions are done the node's change is long in the cache.
  cordon: (c) => node(c),
  uncordon: (c) => node(c),
  drain: (c) => node(c),
  // Many objects, possibly of kinds not watched: no single one to wait for.
  "apply_manifests": () => null,
};

function namespaced(kind: EffectTarget["kind"], command: Command): EffectTarget | null {
  return command.namespace && command.name
    ? { kind, namespace: command.namespace, name: command.name }
    : null;
}

function node(command: Command): EffectTarget | null {
  return command.name ? { kind: "nodes", namespace: "", name: command.name } : null;
}

/** Reads one cached object (an informer store's `get`). */
export type CacheLookup = (target: EffectTarget) => unknown;

/**
 * A probe of `target`: informers replace the stored object on every watch event (a new resourceVersion), and
 * remove it on deletion, so the effect is visible once the entry is no longer the object seen before the command.
 * Without a target the probe never fires and the follow-up goes at the wait bound.
 */
export function effectProbe(target: EffectTarget | null, lookup: CacheLookup): EffectProbe {
  if (!target) return { observed: () => false };
  const before = lookup(target);
  return { observed: () => lookup(target) !== before };
}

/** Options of {@linkcode reportEffects}. */
export interface ReportEffectsOptions {
  /** Reads the caches (the informer stores). */
  lookup: CacheLookup;
  /** Receives one probe per command that changed the cluster (the push loop's `followUp`). */
  onEffect: (probe: EffectProbe, command: Command) => void;
}

/**
 * Wraps an executor so that every successful mutating command hands a probe of its target to `onEffect`. The probe
 * is taken before the command runs, so a watch event that arrives before the API call returns still counts.
 * Refused and failed commands changed nothing the snapshot could show, so they earn no follow-up.
 */
export function reportEffects(executor: CommandExecutor, options: ReportEffectsOptions): CommandExecutor {
  return {
    async execute(command: Command, executeOptions?: { signal?: AbortSignal }): Promise<Result> {
      const targetOf = typeof command?.action === "string" && Object.hasOwn(EFFECT_TARGETS, command.action)
        ? EFFECT_TARGETS[command.action]
        : undefined;
      let probe: EffectProbe | undefined;
      try {
        probe = targetOf ? effectProbe(targetOf(command), options.lookup) : undefined;
      } catch {
        // A cache that cannot be read must not cost the command: the follow-up goes at the wait bound.
        probe = { observed: () => false };
      }
      const result = await executor.execute(command, executeOptions);
      if (probe && result.success) {
        try {
          options.onEffect(probe, command);
        } catch {
          // A push loop that cannot take the hint must not turn a success into a failure.
        }
      }
      return result;
    },
  };
}
