/**
 * The agent's RBAC needs, derived from the code that makes the requests: the informers' resource table (list +
 * watch), the metrics-server poller, the cluster-id lookup, every command handler's declared
 * {@linkcode Handler.permissions}, and leader election. `deploy/kubernetes/` grants exactly these rules, and
 * `tests/deploy/rbac_test.ts` checks the rendered manifests against {@linkcode requiredPermissions}.
 *
 * @module
 */

import { RESOURCES } from "../../informer/mod.ts";
import { NODE_METRICS_PATH, POD_METRICS_PATH } from "../metrics.ts";
// A cycle with mod.ts (which re-exports this module) is harmless: the table is read only when the function runs.
import { COMMAND_HANDLERS } from "./mod.ts";
import type { Handler, Permission, PermissionOptIn } from "./_params.ts";
import type { Action } from "./_policy.ts";

export type { Permission, PermissionOptIn } from "./_params.ts";

/** The agent's rules, split by what switches them on; each list merged per resource and sorted. */
export interface RequiredPermissions {
  /** Always needed: informers, metrics-server, the cluster id, and every command that is on by default. */
  readonly base: readonly Permission[];
  /** AGENT_ALLOW_SECRET_READ=true: `get_secret` and `dynamic` reads of Secrets. */
  readonly secretRead: readonly Permission[];
  /** AGENT_ALLOW_APPLY=true: `apply_manifests` (the common kinds; operators extend them for others). */
  readonly apply: readonly Permission[];
  /** AGENT_LEADER_ELECTION=true: the Lease in the agent's own namespace (a namespaced Role). */
  readonly leaderElection: readonly Permission[];
}

/** Actions that are off unless the operator enables them, and the opt-in that enables each. */
const OPT_IN_ACTIONS: Partial<Record<Action, PermissionOptIn>> = {
  "get_secret": "secretRead",
  "apply_manifests": "apply",
};

/** The default cluster id is the UID of the `kube-system` namespace (agent/agent.ts). */
const CLUSTER_ID_PERMISSIONS: readonly Permission[] = [{ group: "", resource: "namespaces", verbs: ["get"] }];

/** The Lease the leader elector reads, creates when missing, and renews (agent/scheduler/leader.ts). */
const LEADER_ELECTION_PERMISSIONS: readonly Permission[] = [
  { group: "coordination.k8s.io", resource: "leases", verbs: ["get", "create", "update"] },
];

/** Canonical verb order in generated rules: reads first, then writes. */
const VERB_ORDER = ["get", "list", "watch", "create", "update", "patch", "delete"];

/**
 * The permission a collection GET needs, from an API path such as `/apis/metrics.k8s.io/v1beta1/pods`
 * (a GET of a collection is the `list` verb).
 */
function listPermission(path: string): Permission {
  const parts = path.split("/").filter((part) => part !== "");
  if (parts[0] === "api" && parts.length === 3) return { group: "", resource: parts[2], verbs: ["list"] };
  if (parts[0] === "apis" && parts.length === 4) {
    return { group: parts[1], resource: parts[3], verbs: ["list"] };
  }
  throw new Error(`not a cluster-wide collection path: ${path}`);
}

/** Merges permissions per group and resource, with sorted unique verbs, sorted by group then resource. */
function merge(permissions: Iterable<Permission>): Permission[] {
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const { group, resource, verbs } of permissions) {
    const key = `${group}/${resource}`;
    let entry = byResource.get(key);
    if (!entry) {
      entry = { group, resource, verbs: new Set() };
      byResource.set(key, entry);
    }
    for (const verb of verbs) entry.verbs.add(verb);
  }
  return [...byResource.values()]
    .sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource))
    .map(({ group, resource, verbs }) => ({ group, resource, verbs: [...verbs].sort(compareVerbs) }));
}

function compareVerbs(a: string, b: string): number {
  const rank = (verb: string) => {
    const index = VERB_ORDER.indexOf(verb);
    return index < 0 ? VERB_ORDER.length : index;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/**
 * Every RBAC rule the agent needs, split into the base role, the two opt-in roles and the leader-election Role.
 * The opt-in lists are complete on their own (they may repeat a base rule, e.g. `list secrets`), so each
 * deploy component grants exactly its list.
 */
export function requiredPermissions(): RequiredPermissions {
  const base: Permission[] = [
    ...Object.values(RESOURCES).map((r) => ({
      group: r.group,
      resource: r.plural,
      verbs: ["list", "watch"],
    })),
    listPermission(POD_METRICS_PATH),
    listPermission(NODE_METRICS_PATH),
    ...CLUSTER_ID_PERMISSIONS,
  ];
  const optIn: Record<PermissionOptIn, Permission[]> = { secretRead: [], apply: [] };
  const handlers: readonly Handler<unknown>[] = Object.values(COMMAND_HANDLERS);
  for (const handler of handlers) {
    for (const permission of handler.permissions) {
      const gate = permission.optIn ?? OPT_IN_ACTIONS[handler.action];
      if (gate) optIn[gate].push(permission);
      else base.push(permission);
    }
  }
  // `optIn` is a marker of the handler's declaration, not part of a rule.
  const strip = (list: Permission[]) =>
    list.map(({ group, resource, verbs }) => ({ group, resource, verbs }));
  return {
    base: merge(strip(base)),
    secretRead: merge(strip(optIn.secretRead)),
    apply: merge(strip(optIn.apply)),
    leaderElection: merge(LEADER_ELECTION_PERMISSIONS),
  };
}
