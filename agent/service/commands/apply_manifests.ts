/**
 * `apply_manifests`: server-side apply of multi-document YAML (or JSON), as the GitOps deployer sends it. Each
 * object's resource is found through discovery (cached per run), namespaced objects without a namespace go to
 * `default`, and each object succeeds or fails on its own: the output counts them and joins the errors. The
 * command itself fails only when there is nothing to apply, the YAML does not parse, or discovery fails.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import type { Command } from "../../../model/mod.ts";
import { KubeApiError, type KubeClient, resourcePath } from "../../sdk/mod.ts";
import {
  CommandError,
  describeError,
  type Handler,
  type HandlerContext,
  ParamReader,
  ParamsError,
} from "./_params.ts";
import { isProtectedNamespace, protectedNamespaceMessage } from "./_policy.ts";
import { nameProblem, nameRuleOf } from "./_names.ts";
import { bounded, quote } from "../../text.ts";
import { isRecord } from "../../json.ts";

/** The field manager our applies are recorded under. */
export const FIELD_MANAGER = "atlhyper-agent";
/** Namespace of namespaced objects that name none (what `kubectl apply` does with the default context). */
const DEFAULT_NAMESPACE = "default";

/** Validated params of `apply_manifests`. */
export interface ApplyManifestsParams {
  /** The parsed objects, in document order. */
  objects: unknown[];
}

/** The JSON output of `apply_manifests` (the Go agent's shape). */
export interface ApplyManifestsResult {
  resourceTotal: number;
  resourceChanged: number;
  errorMessage?: string;
}

function parseParams(command: Command): ApplyManifestsParams {
  const params = new ParamReader("apply_manifests", command.params);
  const manifests = params.requiredString("manifests");
  // `path` is informational (where the deployer read the files); accept it only as a string.
  params.string("path");
  // Kubernetes YAML is YAML 1.1 (go-yaml): `0644` is octal and `yes` a boolean, which 1.2 would read differently.
  const documents = parseAllDocuments(manifests, { version: "1.1" });
  const objects: unknown[] = [];
  for (const [index, document] of documents.entries()) {
    const error = document.errors[0];
    if (error) throw new ParamsError(`failed to parse manifests: document ${index + 1}: ${error.message}`);
    const value = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    // A `kind: List` wraps objects, as `kubectl get -o yaml` writes them.
    if (isRecord(value) && value.kind === "List" && Array.isArray(value.items)) objects.push(...value.items);
    else objects.push(value);
  }
  if (objects.length === 0) {
    throw new ParamsError("invalid apply_manifests params: manifests contains no objects");
  }
  return { objects };
}

/** One entry of an APIResourceList. */
interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** Resolves kinds to resources through discovery, one request per group version and run. */
class Discovery {
  readonly #client: KubeClient;
  readonly #signal: AbortSignal;
  readonly #cache = new Map<string, Promise<ApiResource[] | undefined>>();

  constructor(client: KubeClient, signal: AbortSignal) {
    this.#client = client;
    this.#signal = signal;
  }

  /** The resource serving `kind` in `apiVersion`, or `undefined` when the server does not know it. */
  async find(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    let resources = this.#cache.get(apiVersion);
    if (!resources) {
      resources = this.#fetch(apiVersion);
      this.#cache.set(apiVersion, resources);
    }
    // Subresources (`pods/status`) share the kind of their parent; only top-level names are addressable.
    return (await resources)?.find((r) => r.kind === kind && !r.name.includes("/"));
  }

  async #fetch(apiVersion: string): Promise<ApiResource[] | undefined> {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      const { body } = await this.#client.raw(path, { signal: this.#signal });
      const list = JSON.parse(body) as { resources?: ApiResource[] };
      return Array.isArray(list.resources) ? list.resources : [];
    } catch (error) {
      // An unknown group version is the object's problem; anything else means discovery itself is broken.
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw new CommandError(`discovery failed for ${apiVersion}: ${describeError(error)}`, { cause: error });
    }
  }
}

const API_VERSION = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+[a-z0-9]*$/;

/** Applies one object; resolves to `undefined` on success or the error text. */
async function applyOne(
  object: unknown,
  discovery: Discovery,
  context: HandlerContext,
): Promise<string | undefined> {
  if (!isRecord(object)) return "document is not an object";
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const kind = typeof object.kind === "string" ? object.kind : "";
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const label = `${bounded(kind || "<no kind>", 63)}/${bounded(name || "<no name>", 100)}`;
  if (!apiVersion || !kind) return `${label}: apiVersion and kind are required`;
  if (!API_VERSION.test(apiVersion)) return `${label}: invalid apiVersion ${quote(apiVersion, 100)}`;
  if (!name) return `${label}: metadata.name is required for apply`;
  const nameIssue = nameProblem(name, nameRuleOf(kind));
  if (nameIssue) return `${label}: invalid name ${quote(name, 100)}: ${nameIssue}`;
  const rawNamespace = metadata.namespace;
  if (typeof rawNamespace === "string" && rawNamespace !== "") {
    const namespaceIssue = nameProblem(rawNamespace, "dns1123-label");
    if (namespaceIssue) return `${label}: invalid namespace ${quote(rawNamespace, 100)}: ${namespaceIssue}`;
  }

  const resource = await discovery.find(apiVersion, kind);
  if (!resource) {
    return `${label}: no matches for kind ${quote(kind, 63)} in version ${quote(apiVersion, 100)}`;
  }

  let namespace: string | undefined;
  let body: Record<string, unknown>;
  if (resource.namespaced) {
    namespace = typeof metadata.namespace === "string" && metadata.namespace !== ""
      ? metadata.namespace
      : DEFAULT_NAMESPACE;
    body = { ...object, metadata: { ...metadata, namespace } };
    if (isProtectedNamespace(context.policy, namespace)) {
      return `${label}: ${protectedNamespaceMessage(namespace)}`;
    }
  } else {
    // A namespace on a cluster-scoped object is meaningless; the path decides.
    const { namespace: _ignored, ...rest } = metadata;
    body = { ...object, metadata: rest };
    if (kind === "Namespace" && apiVersion === "v1" && isProtectedNamespace(context.policy, name)) {
      return `${label}: ${protectedNamespaceMessage(name)}`;
    }
  }

  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const path = resourcePath({ group, version, plural: resource.name, namespace, name });
  try {
    await context.client.patch(path, "apply", body, {
      signal: context.signal,
      fieldManager: FIELD_MANAGER,
      force: true,
    });
    return undefined;
  } catch (error) {
    // The deadline or a cancellation ends the whole run, not just this object.
    if (context.signal.aborted) throw error;
    return `${label}: ${describeError(error)}`;
  }
}

async function run(params: ApplyManifestsParams, context: HandlerContext): Promise<string> {
  const discovery = new Discovery(context.client, context.signal);
  const errors: string[] = [];
  let changed = 0;
  // In order: a Namespace or CRD usually comes before the objects that need it.
  for (const object of params.objects) {
    const error = await applyOne(object, discovery, context);
    if (error === undefined) changed++;
    else errors.push(error);
  }
  const result: ApplyManifestsResult = { resourceTotal: params.objects.length, resourceChanged: changed };
  if (errors.length > 0) result.errorMessage = errors.join("; ");
  return JSON.stringify(result);
}

/** The `apply_manifests` handler. */
export const applyManifestsHandler: Handler<ApplyManifestsParams, "apply_manifests"> = {
  action: "apply_manifests",
  // Server-side apply is a PATCH, and the API server also checks `create` when the object does not exist yet.
  // It can target any kind; these are the common ones a deployer applies (deploy/kubernetes/components/apply
  // grants them). Secrets (a PATCH answer carries the data), RBAC objects and CRDs are left to the operator.
  permissions: [
    { group: "", resource: "namespaces", verbs: ["create", "patch"] },
    { group: "", resource: "configmaps", verbs: ["create", "patch"] },
    { group: "", resource: "services", verbs: ["create", "patch"] },
    { group: "", resource: "serviceaccounts", verbs: ["create", "patch"] },
    { group: "", resource: "persistentvolumeclaims", verbs: ["create", "patch"] },
    { group: "apps", resource: "deployments", verbs: ["create", "patch"] },
    { group: "apps", resource: "statefulsets", verbs: ["create", "patch"] },
    { group: "apps", resource: "daemonsets", verbs: ["create", "patch"] },
    { group: "batch", resource: "jobs", verbs: ["create", "patch"] },
    { group: "batch", resource: "cronjobs", verbs: ["create", "patch"] },
    { group: "networking.k8s.io", resource: "ingresses", verbs: ["create", "patch"] },
    { group: "networking.k8s.io", resource: "networkpolicies", verbs: ["create", "patch"] },
    { group: "autoscaling", resource: "horizontalpodautoscalers", verbs: ["create", "patch"] },
    { group: "policy", resource: "poddisruptionbudgets", verbs: ["create", "patch"] },
  ],
  parseParams,
  run,
};
