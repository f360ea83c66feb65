/**
 * Safety rules enforced by the agent itself, whatever the Master sends: read-only mode, an action allow-list,
 * protected namespaces, and the two dangerous actions (`get_secret`, `apply_manifests`) off unless enabled.
 *
 * @module
 */

/** Every action this agent executes; anything else (including `exec`) is an unknown action. */
export const ACTIONS = [
  "scale",
  "restart",
  "update_image",
  "get_logs",
  "get_configmap",
  "get_secret",
  "delete",
  "delete_pod",
  "cordon",
  "uncordon",
  "drain",
  "dynamic",
  "apply_manifests",
] as const;

/** An action name of {@linkcode ACTIONS}. */
export type Action = typeof ACTIONS[number];

/** Actions that change the cluster; read-only mode refuses all of them. */
export const MUTATING_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  "scale",
  "restart",
  "update_image",
  "delete",
  "delete_pod",
  "cordon",
  "uncordon",
  "drain",
  "apply_manifests",
]);

/** Mutating actions whose target namespace is the command's `namespace`. */
const NAMESPACED_MUTATIONS: ReadonlySet<Action> = new Set<Action>([
  "scale",
  "restart",
  "update_image",
  "delete",
  "delete_pod",
]);

/** Namespaces protected when the configuration says nothing: breaking them breaks the cluster. */
export const DEFAULT_PROTECTED_NAMESPACES: readonly string[] = ["kube-system"];

/** The safety settings of a {@linkcode CommandService}; all optional, with the safe defaults. */
export interface SafetyPolicy {
  /** Refuse every mutating action (AGENT_READ_ONLY). Default `false`. */
  readOnly?: boolean;
  /** Actions allowed to run (AGENT_ALLOWED_ACTIONS); empty or absent allows all. Names match exactly. */
  allowedActions?: readonly string[];
  /** Namespaces where mutations are refused (AGENT_PROTECTED_NAMESPACES). Default `["kube-system"]`. */
  protectedNamespaces?: readonly string[];
  /** Allow `get_secret` and `dynamic` reads of Secrets (AGENT_ALLOW_SECRET_READ). Default `false`. */
  allowSecretRead?: boolean;
  /** Allow `apply_manifests` (AGENT_ALLOW_APPLY). Default `false`. */
  allowApply?: boolean;
}

/** True when `value` names an action of {@linkcode ACTIONS}. */
export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

/** True when mutations in `namespace` are refused by `policy`. */
export function isProtectedNamespace(policy: SafetyPolicy, namespace: string | undefined): boolean {
  if (!namespace) return false;
  const protectedNamespaces = policy.protectedNamespaces ?? DEFAULT_PROTECTED_NAMESPACES;
  return protectedNamespaces.includes(namespace);
}

/** The refusal text for a mutation in a protected namespace. */
export function protectedNamespaceMessage(namespace: string): string {
  return `namespace "${namespace}" is protected: mutating actions are refused there (AGENT_PROTECTED_NAMESPACES)`;
}

/**
 * Checks an action against the policy before anything runs. Returns the refusal reason, or `undefined` when the
 * action may run. Per-object checks (applied manifests, drained pods) happen in the handlers.
 */
export function checkPolicy(
  policy: SafetyPolicy,
  target: { action: Action; namespace?: string },
): string | undefined {
  const { action, namespace } = target;
  const allowed = policy.allowedActions ?? [];
  if (allowed.length > 0 && !allowed.includes(action)) {
    return `action "${action}" is not allowed on this agent (AGENT_ALLOWED_ACTIONS)`;
  }
  const mutating = MUTATING_ACTIONS.has(action);
  if (mutating && policy.readOnly) {
    return `action "${action}" is refused: the agent is read-only (AGENT_READ_ONLY=true)`;
  }
  if (action === "get_secret" && !policy.allowSecretRead) {
    return "get_secret is disabled: set AGENT_ALLOW_SECRET_READ=true to allow reading secrets";
  }
  if (action === "apply_manifests" && !policy.allowApply) {
    return "apply_manifests is disabled: set AGENT_ALLOW_APPLY=true to allow it";
  }
  // Node actions are cluster-scoped and apply_manifests names its namespaces per object: those handlers check
  // each pod or object themselves, so a stray `namespace` on their command must not refuse them.
  if (NAMESPACED_MUTATIONS.has(action) && isProtectedNamespace(policy, namespace)) {
    return protectedNamespaceMessage(namespace ?? "");
  }
  return undefined;
}
