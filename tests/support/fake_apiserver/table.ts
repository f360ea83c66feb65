/**
 * Server-side printing: `meta.k8s.io/v1` Table and PartialObjectMetadata answers, as `kubectl get` requests with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns follow the real printers for common kinds.
 *
 * @module
 */

import type { ResourceInfo } from "./resources.ts";
import { isObj, metaOf, type Obj } from "./types.ts";

/** What the client asked for in `Accept`. */
export type OutputShape = "object" | "table" | "metadata";

/** Reads `as=Table` / `as=PartialObjectMetadata(List)` from an Accept header. */
export function outputShape(accept: string | null): OutputShape {
  if (!accept) return "object";
  for (const range of accept.split(",")) {
    const params = range.split(";").map((p) => p.trim());
    const as = params.find((p) => p.startsWith("as="))?.slice(3);
    const group = params.find((p) => p.startsWith("g="))?.slice(2);
    if (group !== undefined && group !== "meta.k8s.io") continue;
    if (as === "Table") return "table";
    if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return "metadata";
    if (as === undefined) return "object";
  }
  return "object";
}

/** Formats an age like kubectl (`duration.HumanDuration`). */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (years < 8) return `${years}y${Math.floor(hours / 24) % 365}d`;
  return `${years}y`;
}

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (obj: Obj) => string | number;
}

function age(obj: Obj): string {
  const created = metaOf(obj).creationTimestamp;
  if (typeof created !== "string") return "<unknown>";
  return humanDuration(Date.now() - Date.parse(created));
}

function field(obj: Obj, ...path: string[]): unknown {
  let current: unknown = obj;
  for (const key of path) current = isObj(current) ? current[key] : undefined;
  return current;
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

function podStatus(pod: Obj): string {
  if (field(pod, "metadata", "deletionTimestamp")) return "Terminating";
  const statuses = list(field(pod, "status", "containerStatuses"));
  for (const s of statuses) {
    const waiting = field(s, "state", "waiting", "reason");
    if (typeof waiting === "string") return waiting;
    const terminated = field(s, "state", "terminated", "reason");
    if (typeof terminated === "string") return terminated;
  }
  const reason = field(pod, "status", "reason");
  if (typeof reason === "string") return reason;
  const phase = field(pod, "status", "phase");
  return typeof phase === "string" ? phase : "Unknown";
}

const NAME: Column = {
  name: "Name",
  type: "string",
  format: "name",
  cell: (o) => String(metaOf(o).name ?? ""),
};
const AGE: Column = { name: "Age", type: "string", cell: age };

function since(value: unknown): string {
  if (typeof value !== "string") return "<unknown>";
  return humanDuration(Date.now() - Date.parse(value));
}

function eventLastSeen(o: Obj): string {
  const series = field(o, "series", "lastObservedTime");
  const stamp = field(o, "lastTimestamp") ?? series ?? field(o, "eventTime") ??
    field(o, "metadata", "creationTimestamp");
  return since(stamp);
}

function count(value: unknown): number {
  return isObj(value) ? Object.keys(value).length : 0;
}

const COLUMNS: Record<string, Column[]> = {
  Event: [
    { name: "Last Seen", type: "string", cell: eventLastSeen },
    { name: "Type", type: "string", cell: (o) => String(field(o, "type") ?? "") },
    { name: "Reason", type: "string", cell: (o) => String(field(o, "reason") ?? "") },
    {
      name: "Object",
      type: "string",
      cell: (o) =>
        `${String(field(o, "involvedObject", "kind") ?? "").toLowerCase()}/${
          field(o, "involvedObject", "name") ?? ""
        }`,
    },
    { name: "Message", type: "string", cell: (o) => String(field(o, "message") ?? "").trim() },
  ],
  ReplicaSet: [
    NAME,
    { name: "Desired", type: "integer", cell: (o) => Number(field(o, "spec", "replicas") ?? 0) },
    { name: "Current", type: "integer", cell: (o) => Number(field(o, "status", "replicas") ?? 0) },
    { name: "Ready", type: "integer", cell: (o) => Number(field(o, "status", "readyReplicas") ?? 0) },
    AGE,
  ],
  ConfigMap: [
    NAME,
    { name: "Data", type: "integer", cell: (o) => count(o.data) + count(o.binaryData) },
    AGE,
  ],
  Secret: [
    NAME,
    { name: "Type", type: "string", cell: (o) => String(o.type ?? "Opaque") },
    { name: "Data", type: "integer", cell: (o) => count(o.data) },
    AGE,
  ],
  Pod: [
    NAME,
    {
      name: "Ready",
      type: "string",
      cell: (o) => {
        const statuses = list(field(o, "status", "containerStatuses"));
        const total = list(field(o, "spec", "containers")).length;
        return `${statuses.filter((s) => s.ready === true).length}/${total}`;
      },
    },
    { name: "Status", type: "string", cell: podStatus },
    {
      name: "Restarts",
      type: "string",
      cell: (o) =>
        String(
          list(field(o, "status", "containerStatuses")).reduce((n, s) => n + Number(s.restartCount ?? 0), 0),
        ),
    },
    AGE,
    { name: "IP", type: "string", priority: 1, cell: (o) => String(field(o, "status", "podIP") ?? "<none>") },
    {
      name: "Node",
      type: "string",
      priority: 1,
      cell: (o) => String(field(o, "spec", "nodeName") ?? "<none>"),
    },
  ],
  Node: [
    NAME,
    {
      name: "Status",
      type: "string",
      cell: (o) => {
        const ready = list(field(o, "status", "conditions")).find((c) => c.type === "Ready");
        const base = ready?.status === "True" ? "Ready" : "NotReady";
        return field(o, "spec", "unschedulable") === true ? `${base},SchedulingDisabled` : base;
      },
    },
    {
      name: "Roles",
      type: "string",
      cell: (o) => {
        const labels = field(o, "metadata", "labels");
        const roles = isObj(labels)
          ? Object.keys(labels).filter((k) => k.startsWith("node-role.kubernetes.io/")).map((k) =>
            k.slice(24)
          )
          : [];
        return roles.length ? roles.join(",") : "<none>";
      },
    },
    AGE,
    {
      name: "Version",
      type: "string",
      cell: (o) => String(field(o, "status", "nodeInfo", "kubeletVersion") ?? ""),
    },
  ],
  Namespace: [NAME, {
    name: "Status",
    type: "string",
    cell: (o) => String(field(o, "status", "phase") ?? ""),
  }, AGE],
  Deployment: [
    NAME,
    {
      name: "Ready",
      type: "string",
      cell: (o) =>
        `${Number(field(o, "status", "readyReplicas") ?? 0)}/${Number(field(o, "spec", "replicas") ?? 0)}`,
    },
    { name: "Up-to-date", type: "integer", cell: (o) => Number(field(o, "status", "updatedReplicas") ?? 0) },
    { name: "Available", type: "integer", cell: (o) => Number(field(o, "status", "availableReplicas") ?? 0) },
    AGE,
  ],
  Service: [
    NAME,
    { name: "Type", type: "string", cell: (o) => String(field(o, "spec", "type") ?? "ClusterIP") },
    { name: "Cluster-IP", type: "string", cell: (o) => String(field(o, "spec", "clusterIP") ?? "<none>") },
    {
      name: "External-IP",
      type: "string",
      cell: (o) => {
        const ips = field(o, "spec", "externalIPs");
        return Array.isArray(ips) && ips.length ? ips.join(",") : "<none>";
      },
    },
    {
      name: "Port(s)",
      type: "string",
      cell: (o) => {
        const ports = list(field(o, "spec", "ports")).map((p) => `${p.port}/${p.protocol ?? "TCP"}`);
        return ports.length ? ports.join(",") : "<none>";
      },
    },
    AGE,
  ],
};

const DESCRIPTIONS: Record<string, string> = {
  Name:
    "Name must be unique within a namespace. Is required when creating resources, although some resources " +
    "may allow a client to request the generation of an appropriate name automatically. Name is primarily " +
    "intended for creation idempotence and configuration definition. Cannot be updated.",
  Age: "CreationTimestamp is a timestamp representing the server time when this object was created.",
};

/** PartialObjectMetadata of an object. */
export function partialMetadata(obj: Obj): Obj {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
}

/** Builds a Table for `objects`; `includeObject` is `None`, `Metadata` (default) or `Object`. */
export function toTable(
  info: ResourceInfo,
  objects: Obj[],
  listMeta: Obj,
  includeObject: string | undefined,
): Obj {
  const columns = COLUMNS[info.kind] ?? [NAME, AGE];
  const rows = objects.map((obj) => {
    const row: Obj = { cells: columns.map((c) => c.cell(obj)) };
    if (includeObject === "Object") row.object = obj;
    else if (includeObject !== "None") row.object = partialMetadata(obj);
    return row;
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: DESCRIPTIONS[c.name] ?? c.name,
      priority: c.priority ?? 0,
    })),
    rows,
  };
}
