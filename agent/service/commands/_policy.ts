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

/** Namespaces protected whatever the configuration says: breaking them breaks the cluster. */
export const DEFAULT_PROTECTED_NAMESPACES: readonly string[] = ["kube-system"];

/**
 * Actions the `ai` topic may run when AGENT_AI_ALLOWED_ACTIONS is not set: the reads, minus `get_secret` (a
 * prompt-injected AI asking for secret values is the classic exfiltration path; list it explicitly to allow it).
 */
export const DEFAULT_AI_ALLOWED_ACTIONS: readonly Action[] = ["get_logs", "get_configmap", "dynamic"];

/** The safety settings of a {@linkcode CommandService}; all optional, with the safe defaults. */
export interface SafetyPolicy {
  /** Refuse every mutating action (AGENT_READ_ONLY). Default `false`. */
  readOnly?: boolean;
  /** Actions allowed to run (AGENT_ALLOWED_ACTIONS); empty or absent allows all. Names match exactly. */
  allowedActions?: readonly string[];
  /**
   * Actions commands of the `ai` topic may run (AGENT_AI_ALLOWED_ACTIONS), on top of `allowedActions`.
   * Default {@linkcode DEFAULT_AI_ALLOWED_ACTIONS}.
   */
  aiAllowedActions?: readonly string[];
  /**
   * Namespaces where mutations are refused besides kube-system and `ownNamespace`, which are always protected
   * (AGENT_PROTECTED_NAMESPACES adds to them).
   */
  protectedNamespaces?: readonly string[];
  /**
   * The agent's own namespace (POD_NAMESPACE, else the service account's): always protected, because a new image
   * there would run with the agent's own service account, and the Master usually runs there too.
   */
  ownNamespace?: string;
  /**
   * Registry/repository prefixes `update_image` may set (AGENT_IMAGE_ALLOWLIST); empty or absent allows any
   * image. `ghcr.io/acme` allows `ghcr.io/acme/web:1.2` and `ghcr.io/acme:1`, not `ghcr.io/acmecorp/x`.
   */
  imageAllowlist?: readonly string[];
  /** Allow `get_secret` and `dynamic` reads of Secrets (AGENT_ALLOW_SECRET_READ). Default `false`. */
  allowSecretRead?: boolean;
  /** Allow `apply_manifests` (AGENT_ALLOW_APPLY). Default `false`. */
  allowApply?: boolean;
  /** Redact `dynamic` reads like snapshots (AGENT_REDACT_ENV). Default `true`. */
  redact?: boolean;
}

/** True when `value` names an action of {@linkcode ACTIONS}. */
export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

/** Every protected namespace: kube-system, the agent's own and the configured ones, without repeats. */
export function protectedNamespaces(policy: SafetyPolicy): string[] {
  const all = [...DEFAULT_PROTECTED_NAMESPACES];
  if (policy.ownNamespace) all.push(policy.ownNamespace);
  all.push(...(policy.protectedNamespaces ?? []));
  return [...new Set(all)];
}

/** True when mutations in `namespace` are refused by `policy`. */
export function isProtectedNamespace(policy: SafetyPolicy, namespace: string | undefined): boolean {
  if (!namespace) return false;
  return protectedNamespaces(policy).includes(namespace);
}

/** The refusal text for a mutation in a protected namespace. */
export function protectedNamespaceMessage(namespace: string): string {
  return `namespace "${namespace}" is protected: mutating actions are refused there (kube-system and the ` +
    "agent's own namespace always are; AGENT_PROTECTED_NAMESPACES adds more)";
}

/** True when `image` starts with one of the allow-list's registry/repository prefixes (or the list is empty). */
export function isImageAllowed(policy: SafetyPolicy, image: string): boolean {
  const allowlist = policy.imageAllowlist ?? [];
  if (allowlist.length === 0) return true;
  return allowlist.some((prefix) => {
    const base = prefix.replace(/\/+$/, "");
    if (image === base) return true;
    if (!image.startsWith(base)) return false;
    // A prefix ends at a path, tag or digest boundary: `ghcr.io/acme` must not allow `ghcr.io/acmecorp/x`.
    return prefix.endsWith("/") || ["/", ":", "@"].includes(image[base.length]);
  });
}

/** Where a command came from: its poll topic (`ops`, `ai`); a command claiming `source: "ai"` counts as ai. */
export interface CommandOrigin {
  /** Topic the command was polled from. */
  topic?: string;
  /** The command's own `source` field. */
  source?: string;
}

/** True when the command is subject to the `ai` topic's policy. */
export function isAiOrigin(origin: CommandOrigin): boolean {
  return origin.topic === "ai" || origin.source === "ai";
}

/**
 * Checks an action against the policy before anything runs. Returns the refusal reason, or `undefined` when the
 * action may run. Per-object checks (applied manifests, drained pods) happen in the handlers.
 */
export function checkPolicy(
  policy: SafetyPolicy,
  target: { action: Action; namespace?: string } & CommandOrigin,
): string | undefined {
  const { action, namespace } = target;
  const allowed = policy.allowedActions ?? [];
  if (allowed.length > 0 && !allowed.includes(action)) {
    return `action "${action}" is not allowed on this agent (AGENT_ALLOWED_ACTIONS)`;
  }
  if (isAiOrigin(target)) {
    const aiAllowed = policy.aiAllowedActions ?? DEFAULT_AI_ALLOWED_ACTIONS;
    if (!aiAllowed.includes(action)) {
      return `action "${action}" is not allowed from the ai topic (AGENT_AI_ALLOWED_ACTIONS; default ` +
        `${DEFAULT_AI_ALLOWED_ACTIONS.join(",")})`;
    }
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
