/**
 * The kubectl-style text table `dynamic` answers to AI `list` requests: a few telling columns per kind instead of
 * full JSON, so a whole list fits in a prompt. The first line is `<Kind> (<n>):`, or `<Kind>: 0 items`.
 *
 * @module
 */

type Item = Record<string, unknown>;
type Column = readonly [header: string, cell: (item: Item, now: number) => string];

/** Options of {@linkcode formatListTable}. */
export interface ListTableOptions {
  /** Kind to name in the title when the list does not say (`PodList` → `Pod`). */
  kind: string;
  /** Clock time in ms, for the AGE column. */
  now: number;
}

/** Longest event message shown; the rest is cut with `...`. */
const MAX_MESSAGE_CHARS = 80;

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = (current as Item)[key];
  }
  return current;
}

function str(value: unknown, ...path: string[]): string {
  const found = field(value, ...path);
  return typeof found === "string" ? found : "";
}

function int(value: unknown, ...path: string[]): number {
  const found = field(value, ...path);
  return typeof found === "number" && Number.isFinite(found) ? Math.trunc(found) : 0;
}

function list(value: unknown, ...path: string[]): unknown[] {
  const found = field(value, ...path);
  return Array.isArray(found) ? found : [];
}

/** kubectl's short age: `45s`, `12m`, `3h`, `5d` (`<unknown>` without a parseable time). */
function age(timestamp: string, now: number): string {
  const time = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(time)) return "<unknown>";
  const seconds = Math.max(0, Math.floor((now - time) / 1000));
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d`;
  if (seconds >= 3_600) return `${Math.floor(seconds / 3_600)}h`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m`;
  return `${seconds}s`;
}

const NAME: Column = ["NAME", (item) => str(item, "metadata", "name")];
const NAMESPACE: Column = ["NAMESPACE", (item) => str(item, "metadata", "namespace") || "<none>"];
const AGE: Column = ["AGE", (item, now) => age(str(item, "metadata", "creationTimestamp"), now)];

function podStatus(item: Item): string {
  if (field(item, "metadata", "deletionTimestamp")) return "Terminating";
  // A waiting or terminated container explains a pod better than its phase (CrashLoopBackOff, OOMKilled).
  for (const status of list(item, "status", "containerStatuses")) {
    const reason = str(status, "state", "waiting", "reason") || str(status, "state", "terminated", "reason");
    if (reason) return reason;
  }
  return str(item, "status", "phase") || str(item, "status", "reason") || "Unknown";
}

function podReady(item: Item): string {
  const statuses = list(item, "status", "containerStatuses");
  const total = list(item, "spec", "containers").length || statuses.length;
  const ready = statuses.filter((s) => field(s, "ready") === true).length;
  return `${ready}/${total}`;
}

function nodeStatus(item: Item): string {
  const ready = list(item, "status", "conditions").find((c) => str(c, "type") === "Ready");
  let status = ready === undefined ? "Unknown" : str(ready, "status") === "True" ? "Ready" : "NotReady";
  if (field(item, "spec", "unschedulable") === true) status += ",SchedulingDisabled";
  return status;
}

function nodeRoles(item: Item): string {
  const labels = field(item, "metadata", "labels");
  const prefix = "node-role.kubernetes.io/";
  const roles = Object.keys(typeof labels === "object" && labels !== null ? labels : {})
    .filter((key) => key.startsWith(prefix) && key.length > prefix.length)
    .map((key) => key.slice(prefix.length))
    .sort();
  return roles.length > 0 ? roles.join(",") : "<none>";
}

function servicePorts(item: Item): string {
  const ports = list(item, "spec", "ports").map((port) => {
    const nodePort = int(port, "nodePort");
    const protocol = str(port, "protocol") || "TCP";
    return nodePort > 0 ? `${int(port, "port")}:${nodePort}/${protocol}` : `${int(port, "port")}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(",") : "<none>";
}

function ingressHosts(item: Item): string {
  const hosts = list(item, "spec", "rules").map((rule) => str(rule, "host")).filter((h) => h !== "");
  return hosts.length > 0 ? hosts.join(",") : "*";
}

function eventMessage(item: Item): string {
  const message = str(item, "message");
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}...` : message;
}

function count(value: unknown): string {
  return typeof value === "object" && value !== null ? String(Object.keys(value).length) : "0";
}

/** Columns per kind; kinds not listed get NAME, NAMESPACE, AGE. */
const COLUMNS: Record<string, readonly Column[]> = {
  Pod: [
    NAME,
    NAMESPACE,
    ["READY", podReady],
    ["STATUS", podStatus],
    [
      "RESTARTS",
      (item) =>
        String(
          list(item, "status", "containerStatuses").reduce<number>((n, s) => n + int(s, "restartCount"), 0),
        ),
    ],
    ["NODE", (item) => str(item, "spec", "nodeName") || "<none>"],
    AGE,
  ],
  Node: [
    NAME,
    ["STATUS", nodeStatus],
    ["ROLES", nodeRoles],
    ["VERSION", (item) => str(item, "status", "nodeInfo", "kubeletVersion")],
    AGE,
  ],
  Deployment: [
    NAME,
    NAMESPACE,
    ["READY", (item) => `${int(item, "status", "readyReplicas")}/${int(item, "spec", "replicas")}`],
    ["UP-TO-DATE", (item) => String(int(item, "status", "updatedReplicas"))],
    ["AVAILABLE", (item) => String(int(item, "status", "availableReplicas"))],
    AGE,
  ],
  StatefulSet: [
    NAME,
    NAMESPACE,
    ["READY", (item) => `${int(item, "status", "readyReplicas")}/${int(item, "spec", "replicas")}`],
    AGE,
  ],
  DaemonSet: [
    NAME,
    NAMESPACE,
    ["DESIRED", (item) => String(int(item, "status", "desiredNumberScheduled"))],
    ["CURRENT", (item) => String(int(item, "status", "currentNumberScheduled"))],
    ["READY", (item) => String(int(item, "status", "numberReady"))],
    AGE,
  ],
  ReplicaSet: [
    NAME,
    NAMESPACE,
    ["DESIRED", (item) => String(int(item, "spec", "replicas"))],
    ["CURRENT", (item) => String(int(item, "status", "replicas"))],
    ["READY", (item) => String(int(item, "status", "readyReplicas"))],
    AGE,
  ],
  Service: [
    NAME,
    NAMESPACE,
    ["TYPE", (item) => str(item, "spec", "type") || "ClusterIP"],
    ["CLUSTER-IP", (item) => str(item, "spec", "clusterIP") || "<none>"],
    ["PORTS", servicePorts],
    AGE,
  ],
  Ingress: [NAME, NAMESPACE, ["HOSTS", ingressHosts], AGE],
  Job: [
    NAME,
    NAMESPACE,
    ["COMPLETIONS", (item) => `${int(item, "status", "succeeded")}/${int(item, "spec", "completions") || 1}`],
    AGE,
  ],
  CronJob: [
    NAME,
    NAMESPACE,
    ["SCHEDULE", (item) => str(item, "spec", "schedule")],
    ["SUSPEND", (item) => field(item, "spec", "suspend") === true ? "True" : "False"],
    ["LAST SCHEDULE", (item, now) => {
      const last = str(item, "status", "lastScheduleTime");
      return last ? age(last, now) : "<none>";
    }],
    AGE,
  ],
  PersistentVolumeClaim: [
    NAME,
    NAMESPACE,
    ["STATUS", (item) => str(item, "status", "phase")],
    ["VOLUME", (item) => str(item, "spec", "volumeName") || "<none>"],
    ["CAPACITY", (item) => str(item, "status", "capacity", "storage") || "<none>"],
    AGE,
  ],
  PersistentVolume: [
    NAME,
    ["CAPACITY", (item) => str(item, "spec", "capacity", "storage")],
    ["STATUS", (item) => str(item, "status", "phase")],
    ["CLAIM", (item) => {
      const claim = [str(item, "spec", "claimRef", "namespace"), str(item, "spec", "claimRef", "name")];
      return claim.some((part) => part !== "") ? claim.join("/") : "<none>";
    }],
    AGE,
  ],
  Namespace: [NAME, ["STATUS", (item) => str(item, "status", "phase")], AGE],
  ConfigMap: [NAME, NAMESPACE, ["DATA", (item) => count(field(item, "data"))], AGE],
  Secret: [
    NAME,
    NAMESPACE,
    ["TYPE", (item) => str(item, "type")],
    ["DATA", (item) => count(field(item, "data"))],
    AGE,
  ],
  Event: [
    NAMESPACE,
    ["TYPE", (item) => str(item, "type")],
    ["REASON", (item) => str(item, "reason")],
    ["OBJECT", (item) => `${str(item, "involvedObject", "kind")}/${str(item, "involvedObject", "name")}`],
    ["COUNT", (item) => String(int(item, "count") || 1)],
    ["MESSAGE", eventMessage],
    [
      "LAST SEEN",
      (item, now) =>
        age(
          str(item, "lastTimestamp") || str(item, "eventTime") || str(item, "metadata", "creationTimestamp"),
          now,
        ),
    ],
  ],
  HorizontalPodAutoscaler: [
    NAME,
    NAMESPACE,
    [
      "REFERENCE",
      (item) =>
        `${str(item, "spec", "scaleTargetRef", "kind")}/${str(item, "spec", "scaleTargetRef", "name")}`,
    ],
    ["MINPODS", (item) => String(int(item, "spec", "minReplicas") || 1)],
    ["MAXPODS", (item) => String(int(item, "spec", "maxReplicas"))],
    ["REPLICAS", (item) => String(int(item, "status", "currentReplicas"))],
    AGE,
  ],
};

const GENERIC: readonly Column[] = [NAME, NAMESPACE, AGE];

/** Cells must stay on one line: a newline in an event message would break the table apart. */
function clean(cell: string): string {
  return cell.replace(/[\r\n\t]+/g, " ");
}

/**
 * Renders a Kubernetes list object as a padded text table. Returns `undefined` when `value` is not a list (no
 * `items` array), so the caller can fall back to JSON.
 */
export function formatListTable(value: unknown, options: ListTableOptions): string | undefined {
  const items = field(value, "items");
  if (!Array.isArray(items)) return undefined;
  const listKind = str(value, "kind");
  const kind = listKind.endsWith("List") && listKind.length > 4 ? listKind.slice(0, -4) : options.kind;
  const objects = items.filter((item): item is Item => typeof item === "object" && item !== null);
  if (objects.length === 0) return `${kind}: 0 items`;
  const columns = COLUMNS[kind] ?? GENERIC;
  const rows = objects.map((item) => columns.map(([, cell]) => clean(cell(item, options.now))));
  const header = columns.map(([name]) => name);
  const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  return [`${kind} (${objects.length}):`, line(header), ...rows.map(line)].join("\n") + "\n";
}
