/**
 * `dynamic`: the AI's read-only window on the cluster. Only GET, only on paths built from a fixed kind table (no
 * caller-supplied path), lists capped at 200 items and the answer at 2 MiB, `metadata.managedFields` stripped
 * (30–60 % of an object and useless to a reader), and a compact text table for AI `list` requests.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { KubeApiError, KubeResponseTooLargeError, resourcePath } from "../../sdk/mod.ts";
import { redactKubeObject, redactText } from "../../repository/converters/mod.ts";
import { formatBytes } from "../../http.ts";
import {
  apiDetail,
  byteLength,
  CommandError,
  type Handler,
  type HandlerContext,
  ParamReader,
  ParamsError,
  truncateBytes,
} from "./_params.ts";
import type { SafetyPolicy } from "./_policy.ts";
import { formatListTable } from "./_dynamic_table.ts";
import { bounded, quote } from "../../text.ts";

/** Items per list request, forced for `list` and `get_events`. */
export const DYNAMIC_LIST_LIMIT = 200;
/** Upper bound of the output; larger answers are cut (lists lose whole items, so the JSON stays valid). */
export const DYNAMIC_MAX_BYTES = 2 * 1024 * 1024;
/**
 * Bytes of the API server's answer read at most, enforced while reading (then the command fails and says how to
 * narrow the query). Twice the output cap: managedFields and the redaction usually shrink an answer by a third
 * to a half, and parsing costs about three times the text, so one `dynamic` read stays near 15 MB of memory.
 */
export const DYNAMIC_READ_MAX_BYTES = 4 * 1024 * 1024;

/** One readable kind: where it lives and whether it is namespaced. */
interface KindInfo {
  kind: string;
  group?: string;
  version: string;
  plural: string;
  clusterScoped?: boolean;
}

/** The only kinds `dynamic` reads (master-protocol §3); anything else is `unsupported kind`. */
const KINDS: readonly KindInfo[] = [
  { kind: "Pod", version: "v1", plural: "pods" },
  { kind: "Node", version: "v1", plural: "nodes", clusterScoped: true },
  { kind: "Service", version: "v1", plural: "services" },
  { kind: "ConfigMap", version: "v1", plural: "configmaps" },
  { kind: "Secret", version: "v1", plural: "secrets" },
  { kind: "Event", version: "v1", plural: "events" },
  { kind: "Namespace", version: "v1", plural: "namespaces", clusterScoped: true },
  { kind: "PersistentVolume", version: "v1", plural: "persistentvolumes", clusterScoped: true },
  { kind: "PersistentVolumeClaim", version: "v1", plural: "persistentvolumeclaims" },
  { kind: "ServiceAccount", version: "v1", plural: "serviceaccounts" },
  { kind: "ResourceQuota", version: "v1", plural: "resourcequotas" },
  { kind: "LimitRange", version: "v1", plural: "limitranges" },
  { kind: "Endpoints", version: "v1", plural: "endpoints" },
  { kind: "Deployment", group: "apps", version: "v1", plural: "deployments" },
  { kind: "StatefulSet", group: "apps", version: "v1", plural: "statefulsets" },
  { kind: "DaemonSet", group: "apps", version: "v1", plural: "daemonsets" },
  { kind: "ReplicaSet", group: "apps", version: "v1", plural: "replicasets" },
  { kind: "Job", group: "batch", version: "v1", plural: "jobs" },
  { kind: "CronJob", group: "batch", version: "v1", plural: "cronjobs" },
  { kind: "Ingress", group: "networking.k8s.io", version: "v1", plural: "ingresses" },
  { kind: "NetworkPolicy", group: "networking.k8s.io", version: "v1", plural: "networkpolicies" },
  {
    kind: "HorizontalPodAutoscaler",
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
  },
];

/** Short names accepted besides the kinds themselves. */
const ALIASES: Record<string, string> = { hpa: "HorizontalPodAutoscaler" };

const DYNAMIC_COMMANDS = ["get", "list", "describe", "get_events"] as const;
type DynamicCommand = typeof DYNAMIC_COMMANDS[number];

/** Validated params of `dynamic`. */
export interface DynamicParams {
  command: DynamicCommand;
  info: KindInfo;
  /** The API path to GET (built from the table, never from the caller). */
  path: string;
  query: Record<string, string | number>;
  /** Render lists as a text table (AI `list` requests). */
  table: boolean;
  /** Apply the snapshot's redaction (AGENT_REDACT_ENV, default true). */
  redact: boolean;
}

/** Resolves a kind of the table; case-insensitive, plus the `HPA` alias. */
function findKind(kind: string): KindInfo | undefined {
  const lower = kind.toLowerCase();
  const canonical = ALIASES[lower]?.toLowerCase() ?? lower;
  return KINDS.find((info) => info.kind.toLowerCase() === canonical);
}

function parseParams(command: Command, policy: SafetyPolicy): DynamicParams {
  const params = new ParamReader("dynamic", command.params);
  const verb = params.requiredString("command");
  if (!(DYNAMIC_COMMANDS as readonly string[]).includes(verb)) {
    params.fail("command", `must be one of ${DYNAMIC_COMMANDS.join(", ")} (got ${quote(verb)})`);
  }
  const dynamicCommand = verb as DynamicCommand;
  const kindName = dynamicCommand === "get_events" ? "Event" : params.requiredString("kind");
  const info = findKind(kindName);
  if (!info) throw new ParamsError(`unsupported kind: ${quote(kindName)}`);
  if (info.kind === "Secret" && !policy.allowSecretRead) {
    throw new ParamsError("reading secrets is disabled: set AGENT_ALLOW_SECRET_READ=true to allow it");
  }
  const labelSelector = params.string("label_selector");
  const involvedKind = params.string("involved_kind");
  const involvedName = params.string("involved_name");
  const namespace = command.namespace || undefined;
  const name = command.name || undefined;

  const query: Record<string, string | number> = {};
  let path: string;
  if (dynamicCommand === "list" || dynamicCommand === "get_events") {
    path = resourcePath({ ...info, namespace: info.clusterScoped ? undefined : namespace });
    if (labelSelector) query.labelSelector = labelSelector;
    if (dynamicCommand === "get_events") {
      const selectors = [];
      if (involvedKind) selectors.push(`involvedObject.kind=${involvedKind}`);
      if (involvedName) selectors.push(`involvedObject.name=${involvedName}`);
      if (selectors.length > 0) query.fieldSelector = selectors.join(",");
    }
    query.limit = DYNAMIC_LIST_LIMIT;
  } else {
    if (!name) throw new ParamsError(`name is required for ${dynamicCommand}`);
    if (!info.clusterScoped && !namespace) {
      throw new ParamsError(`namespace is required for ${dynamicCommand} ${info.kind}`);
    }
    path = resourcePath({ ...info, namespace: info.clusterScoped ? undefined : namespace, name });
  }
  return {
    command: dynamicCommand,
    info,
    path,
    query,
    table: dynamicCommand === "list" && command.source === "ai",
    redact: policy.redact !== false,
  };
}

/** Copies an object without `metadata.managedFields`. */
function withoutManagedFields(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  const metadata = object.metadata;
  if (typeof metadata !== "object" || metadata === null || !("managedFields" in metadata)) return object;
  const { managedFields: _dropped, ...rest } = metadata as Record<string, unknown>;
  return { ...object, metadata: rest };
}

/** Strips managedFields at the top level and from every `items[]` entry. */
export function stripManagedFields(value: unknown): unknown {
  const top = withoutManagedFields(value);
  if (typeof top !== "object" || top === null || Array.isArray(top)) return top;
  const object = top as Record<string, unknown>;
  if (!Array.isArray(object.items)) return object;
  return { ...object, items: object.items.map(withoutManagedFields) };
}

/** Serialises `value`, dropping trailing list items until the text fits in `maxBytes`. */
function capJson(value: unknown, maxBytes: number): string {
  const text = JSON.stringify(value);
  if (byteLength(text) <= maxBytes) return text;
  const object = value as Record<string, unknown>;
  if (typeof value !== "object" || value === null || !Array.isArray(object.items)) {
    // A single object over 2 MiB cannot be cut into valid JSON; cut the text, as the Go agent does.
    return truncateBytes(text, maxBytes);
  }
  const items = object.items as unknown[];
  const metadata = typeof object.metadata === "object" && object.metadata !== null
    ? object.metadata as Record<string, unknown>
    : {};
  const remaining = typeof metadata.remainingItemCount === "number" ? metadata.remainingItemCount : 0;
  // Measure the list without items (with the largest count it could carry), then add items while they fit.
  const shell = {
    ...object,
    metadata: { ...metadata, remainingItemCount: remaining + items.length },
    items: [],
  };
  let budget = maxBytes - byteLength(JSON.stringify(shell));
  let kept = 0;
  for (const item of items) {
    const size = byteLength(JSON.stringify(item)) + (kept > 0 ? 1 : 0);
    if (size > budget) break;
    budget -= size;
    kept++;
  }
  // remainingItemCount tells the reader how many items the cut left out.
  return JSON.stringify({
    ...object,
    metadata: { ...metadata, remainingItemCount: remaining + items.length - kept },
    items: items.slice(0, kept),
  });
}

async function run(params: DynamicParams, context: HandlerContext): Promise<string> {
  let body: string;
  try {
    ({ body } = await context.client.raw(params.path, {
      signal: context.signal,
      accept: "application/json",
      query: params.query,
      maxBytes: DYNAMIC_READ_MAX_BYTES,
    }));
  } catch (error) {
    if (error instanceof KubeResponseTooLargeError) {
      const narrow = params.command === "list" || params.command === "get_events"
        ? "narrow the query: name a namespace, add a label_selector (or involved_kind/involved_name for " +
          "events), or get single objects by name"
        : "the object itself is that large; read it with kubectl";
      throw new CommandError(
        `the API server's answer is larger than the ${formatBytes(DYNAMIC_READ_MAX_BYTES)} dynamic reads ` +
          `at most; reading stopped there: ${narrow}`,
        { cause: error },
      );
    }
    if (error instanceof KubeApiError) {
      const text = bounded(error.body ? JSON.stringify(error.body) : apiDetail(error), 1_000);
      throw new Error(`API returned status ${error.status}: ${text}`);
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON (a proxy page): nothing to redact structurally, but URL credentials still go.
    return truncateBytes(redactText(body), DYNAMIC_MAX_BYTES);
  }
  // The snapshot's redaction, managedFields and last-applied annotations included.
  const stripped = params.redact ? redactKubeObject(parsed) : stripManagedFields(parsed);
  if (params.table) {
    const table = formatListTable(stripped, { kind: params.info.kind, now: context.clock.now() });
    if (table !== undefined) return truncateBytes(table, DYNAMIC_MAX_BYTES);
  }
  return capJson(stripped, DYNAMIC_MAX_BYTES);
}

/** The `dynamic` handler. */
export const dynamicHandler: Handler<DynamicParams, "dynamic"> = {
  action: "dynamic",
  // `get`/`describe` GET one object, `list`/`get_events` a collection; Secrets only with AGENT_ALLOW_SECRET_READ.
  permissions: KINDS.map((info) => ({
    group: info.group ?? "",
    resource: info.plural,
    verbs: ["get", "list"],
    ...(info.kind === "Secret" ? { optIn: "secretRead" as const } : {}),
  })),
  parseParams,
  run,
};
