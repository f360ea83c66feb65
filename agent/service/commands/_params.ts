/**
 * What every handler shares: the {@linkcode Handler} contract, typed parameter parsing that names the bad field,
 * target checks, and the mapping of Kubernetes errors to messages an operator can act on.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import type { Clock } from "../../clock.ts";
import { KubeApiError, type KubeClient, resourcePath } from "../../sdk/mod.ts";
import type { Action, SafetyPolicy } from "./_policy.ts";
import { quote } from "../../text.ts";

/** Everything a handler may use while it runs. */
export interface HandlerContext {
  /** The Kubernetes client; pass {@linkcode HandlerContext.signal} to every call. */
  readonly client: KubeClient;
  /** Aborts at the command's deadline or when the caller cancels. */
  readonly signal: AbortSignal;
  /** Time source (timestamps, backoff). */
  readonly clock: Clock;
  /** The command being executed. */
  readonly command: Command;
  /** Clock time (ms since the epoch) at which the command's deadline expires. */
  readonly deadline: number;
  /** The safety policy, for per-object checks (applied objects, drained pods, secret reads). */
  readonly policy: SafetyPolicy;
}

/** An opt-in setting whose permissions the agent needs only when the operator enables it. */
export type PermissionOptIn =
  /** AGENT_ALLOW_SECRET_READ: `get_secret` and `dynamic` reads of Secrets. */
  | "secretRead"
  /** AGENT_ALLOW_APPLY: `apply_manifests`. */
  | "apply";

/**
 * One Kubernetes RBAC permission: verbs on a resource of an API group, the shape of a `ClusterRole` rule with a
 * single resource.
 */
export interface Permission {
  /** API group, `""` for core. */
  readonly group: string;
  /** Lower-case plural; a subresource is written `pods/log`. */
  readonly resource: string;
  /** RBAC verbs: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`. */
  readonly verbs: readonly string[];
  /**
   * Needed only with this opt-in enabled (e.g. `dynamic` reading Secrets). Permissions of `get_secret` and
   * `apply_manifests` are opt-in by their action and need not say so.
   */
  readonly optIn?: PermissionOptIn;
}

/**
 * One action: `parseParams` validates params and target before anything touches the cluster (throwing
 * {@linkcode ParamsError}), `run` performs it and returns the result's `output`.
 */
export interface Handler<P, A extends Action = Action> {
  /** The action this handler serves. */
  readonly action: A;
  /**
   * Every Kubernetes request `run` can make, as RBAC permissions; the deployment's roles are derived from (and
   * tested against) these, so a handler that starts making a new request must declare it here.
   */
  readonly permissions: readonly Permission[];
  /**
   * Validates the command; throws {@linkcode ParamsError} naming the bad field or missing target, or when the
   * policy refuses what the params ask for (e.g. a `dynamic` read of Secrets).
   */
  parseParams(command: Command, policy: SafetyPolicy): P;
  /** Executes the action; resolves to the output text (`""` when there is none). */
  run(params: P, context: HandlerContext): Promise<string>;
}

/** Bad params or a missing target: the command is rejected before any API call. */
export class ParamsError extends Error {
  override readonly name = "ParamsError";
}

/** A failed command that still has output to report (e.g. a partial drain). */
export class CommandError extends Error {
  override readonly name = "CommandError";
  /** Output to send alongside the error. */
  readonly output?: string;

  constructor(message: string, options?: { output?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.output = options?.output;
  }
}

/** Bounds of an integer parameter. */
export interface IntegerBounds {
  min?: number;
  max?: number;
}

/**
 * Reads typed params of one action. Errors read `invalid <action> params: <field> must be ...` so the operator
 * knows which field to fix; unknown fields are ignored, as the Go agent does.
 */
export class ParamReader {
  readonly #action: string;
  readonly #params: Record<string, unknown>;

  constructor(action: string, params: unknown) {
    this.#action = action;
    if (params === undefined || params === null) {
      this.#params = {};
    } else if (typeof params === "object" && !Array.isArray(params)) {
      this.#params = params as Record<string, unknown>;
    } else {
      throw new ParamsError(`invalid ${action} params: params must be an object`);
    }
  }

  /** Throws a {@linkcode ParamsError} for `field`. */
  fail(field: string, problem: string): never {
    throw new ParamsError(`invalid ${this.#action} params: ${field} ${problem}`);
  }

  /** The first of `names` that is present (not `undefined`/`null`), with its name. */
  #pick(names: readonly string[]): [string, unknown] | undefined {
    for (const name of names) {
      const value = this.#params[name];
      if (value !== undefined && value !== null) return [name, value];
    }
    return undefined;
  }

  /** An optional string; `""` counts as absent. Several names are alternative spellings, first wins. */
  string(names: string | readonly string[]): string | undefined {
    const found = this.#pick(typeof names === "string" ? [names] : names);
    if (!found) return undefined;
    const [name, value] = found;
    if (typeof value !== "string") this.fail(name, "must be a string");
    return value === "" ? undefined : value;
  }

  /** A required non-empty string. */
  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value.trim() === "") this.fail(name, "is required");
    return value;
  }

  /** An optional integer within bounds (JSON numbers only: Go rejects strings for int fields too). */
  integer(names: string | readonly string[], bounds: IntegerBounds = {}): number | undefined {
    const found = this.#pick(typeof names === "string" ? [names] : names);
    if (!found) return undefined;
    const [name, value] = found;
    const { min, max } = bounds;
    if (typeof value !== "number" || !Number.isSafeInteger(value)) this.fail(name, integerProblem(bounds));
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      this.fail(name, integerProblem(bounds));
    }
    return value;
  }

  /** A required integer within bounds. */
  requiredInteger(name: string, bounds: IntegerBounds = {}): number {
    const value = this.integer(name, bounds);
    if (value === undefined) {
      this.fail(name, `is required (${integerProblem(bounds).replace("must be ", "")})`);
    }
    return value;
  }

  /** An optional boolean. */
  boolean(name: string): boolean | undefined {
    const found = this.#pick([name]);
    if (!found) return undefined;
    if (typeof found[1] !== "boolean") this.fail(name, "must be a boolean");
    return found[1];
  }
}

function integerProblem({ min, max }: IntegerBounds): string {
  if (min !== undefined && max !== undefined) return `must be an integer between ${min} and ${max}`;
  if (min !== undefined) return `must be an integer >= ${min}`;
  if (max !== undefined) return `must be an integer <= ${max}`;
  return "must be an integer";
}

/** A namespaced target. */
export interface NamespacedTarget {
  namespace: string;
  name: string;
}

/** Requires `namespace` and `name` on the command (Go's wording: `namespace and name are required`). */
export function requireNamespacedTarget(command: Command): NamespacedTarget {
  const namespace = nonEmpty(command.namespace);
  const name = nonEmpty(command.name);
  if (!namespace && !name) throw new ParamsError("namespace and name are required");
  if (!namespace) throw new ParamsError(`namespace is required (target name ${quote(name)})`);
  if (!name) throw new ParamsError(`name is required (target namespace ${quote(namespace)})`);
  return { namespace, name };
}

/** The `apps/v1` path of the Deployment a command targets (`scale` adds its scale subresource). */
export function deploymentPath(target: NamespacedTarget, subresource?: "scale"): string {
  return resourcePath({
    group: "apps",
    version: "v1",
    plural: "deployments",
    namespace: target.namespace,
    name: target.name,
    subresource,
  });
}

/** Requires `name` on the command (cluster-scoped targets such as nodes). */
export function requireName(command: Command, what: string): string {
  const name = nonEmpty(command.name);
  if (!name) throw new ParamsError(`name is required: the ${what} to act on`);
  return name;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

const VERBS: Record<string, string> = {
  GET: "get",
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

/** What a request path addresses: `/apis/apps/v1/namespaces/x/deployments/y/scale` → deployments.apps "y". */
interface PathTarget {
  group: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function parsePath(path: string): PathTarget | undefined {
  const parts = path.split("/").filter((p) => p !== "").map((p) => decodeURIComponent(p));
  let rest: string[];
  let group = "";
  if (parts[0] === "api" && parts.length >= 3) {
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0) return undefined;
  return { group, plural: rest[0], namespace, name: rest[1], subresource: rest[2] };
}

/** `deployments` → `deployment`, `ingresses` → `ingress`, `networkpolicies` → `networkpolicy`. */
function singular(plural: string): string {
  if (plural === "endpoints") return plural;
  if (plural.endsWith("ies")) return plural.slice(0, -3) + "y";
  if (plural.endsWith("sses")) return plural.slice(0, -2);
  if (plural.endsWith("s")) return plural.slice(0, -1);
  return plural;
}

/**
 * Turns any error into the text of a failed Result. Kubernetes answers become readable: a 404 names the missing
 * object (`deployment "x" not found in namespace "y"`), a 403 names the verb and resource the agent's RBAC role
 * lacks; everything else keeps its own message.
 */
export function describeError(error: unknown): string {
  if (error instanceof KubeApiError) return describeApiError(error);
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The server's own message: the Status message, else the text body the error was built from. */
export function apiDetail(error: KubeApiError): string {
  if (error.body?.message) return error.body.message;
  const marker = `": ${error.status} `;
  const at = error.message.indexOf(marker);
  return at >= 0 ? error.message.slice(at + marker.length) : error.apiMessage;
}

function describeApiError(error: KubeApiError): string {
  const target = parsePath(error.path);
  if (!target) return error.message;
  const kind = singular(target.plural);
  const where = target.namespace ? ` in namespace "${target.namespace}"` : "";
  if (error.status === 404 && target.name) {
    return `${kind} "${target.name}" not found${where}`;
  }
  if (error.status === 403) {
    const verb = VERBS[error.method] ?? error.method.toLowerCase();
    const resource = (target.group ? `${target.plural}.${target.group}` : target.plural) +
      (target.subresource && target.name ? `/${target.subresource}` : "");
    const scope = target.namespace ? `in namespace "${target.namespace}"` : "cluster-wide";
    return `forbidden: the agent may not ${verb} ${resource} ${scope}; ` +
      `grant this verb to its service account's RBAC role (${apiDetail(error)})`;
  }
  const object = target.name ? `${kind} "${target.name}"${where}` : `${target.plural}${where}`;
  const verb = VERBS[error.method] ?? error.method.toLowerCase();
  return `Cannot ${verb} ${object}: ${error.status} ${apiDetail(error)}`;
}

/** RFC 3339 with second precision, as Go's `time.Format(time.RFC3339)` writes UTC times. */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

const encoder = new TextEncoder();

/** UTF-8 size of a string. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateBytes(text: string, maxBytes: number): string {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: short strings need no encoding at all.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** Names of mesh sidecars; a pod's "main" container is the first one not listed here. */
const SIDECAR_CONTAINERS: ReadonlySet<string> = new Set([
  "linkerd-proxy",
  "linkerd-init",
  "istio-proxy",
  "istio-init",
]);

/** True for a known service-mesh sidecar container name. */
export function isSidecarContainer(name: string): boolean {
  return SIDECAR_CONTAINERS.has(name);
}

/** The first container that is not a sidecar, else the first one, else `undefined`. */
export function mainContainer<T extends { name?: string }>(
  containers: readonly T[] | undefined,
): T | undefined {
  if (!containers || containers.length === 0) return undefined;
  return containers.find((c) => !isSidecarContainer(c.name ?? "")) ?? containers[0];
}

/**
 * Bytes read at most for one object the Master names (`get_configmap`, `get_secret`): etcd stores objects of up
 * to about 1.5 MiB, so a larger answer is not one we should hold.
 */
export const MAX_OBJECT_BYTES = 4 * 1024 * 1024;
