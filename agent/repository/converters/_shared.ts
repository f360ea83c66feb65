/**
 * Helpers shared by the converters: Go `encoding/json` emulation (omitempty, zero times, integers), metadata,
 * selectors, and the pod-template pieces (containers, probes, env, volumes) used by pods and every workload.
 *
 * Converters build NEW objects holding only what the snapshot needs. An optional field that is empty is left
 * `undefined`: `JSON.stringify` drops it exactly like Go's `omitempty`, and every object of a kind keeps the same
 * shape (no `delete`, which would push V8 into dictionary mode).
 *
 * @module
 */

import type {
  Affinity as KubeAffinity,
  Container,
  EnvVar as KubeEnvVar,
  PodSpec as KubePodSpec,
  PodTemplateSpec,
  Probe as KubeProbe,
  Toleration as KubeToleration,
  Volume,
} from "kubernetes-types/core/v1.d.ts";
import type { LabelSelector as KubeLabelSelector, ObjectMeta } from "kubernetes-types/meta/v1.d.ts";
import {
  type Affinity,
  AFFINITY_CONFIGURED,
  type CommonMeta,
  type ContainerDetail,
  type EnvVar,
  type LabelSelector,
  type PodTemplate,
  type Probe,
  type StringMap,
  type StrTime,
  type Time,
  type Toleration,
  type VolumeSpec,
  type WorkloadCondition,
  ZERO_TIME,
} from "../../../model/mod.ts";

/** Options shared by the converters. */
export interface ConvertOptions {
  /**
   * Replace literal env values whose name looks sensitive with {@linkcode REDACTED} (default `true`;
   * `AGENT_REDACT_ENV=false` turns it off).
   */
  redactEnv?: boolean;
}

/** What a redacted env value is sent as. */
export const REDACTED = "[redacted]";

/** The annotation `kubectl apply` leaves behind: a full copy of the object, secrets included. Never sent. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

const SIDECAR_CONTAINERS: ReadonlySet<string> = new Set(["linkerd-proxy", "linkerd-init"]);

/** Service-mesh sidecars whose reasons only count when nothing else explains a pod's state. */
export function isSidecar(containerName: string): boolean {
  return SIDECAR_CONTAINERS.has(containerName);
}

// ---- redaction (shared by snapshots and `dynamic` reads) ----

// Case-insensitive substrings of names (env vars, flags, assignments) whose values are redacted by default.
const SENSITIVE_NAME = /pass|pwd|secret|token|key|credential|auth|dsn|private/i;

/** Whether an env var (or flag) name looks like it holds a credential. */
export function isSensitiveEnvName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** `postgres://app:s3cret@db:5432/app` → `postgres://***@db:5432/app`; any userinfo goes, user alone too. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
/** `--db-password=x`, `-Dssl.keyStorePassword=x`, `--token x` (inside one string: a shell line, a probe). */
const SENSITIVE_FLAG =
  /(^|[\s"'])(--?[\w.-]*(?:pass|pwd|secret|token|key|credential|auth|dsn|private)[\w.-]*)(=|\s+)([^\s"']+)/gi;
/** `PGPASSWORD=x psql ...`, `export API_TOKEN=x`. */
const SENSITIVE_ASSIGNMENT = /(^|[\s;&|?"'])([A-Za-z_][A-Za-z0-9_]*)=([^\s;&|"']+)/g;
/** `redis-cli -a <pw>` (and `--pass` handled above) in a shell line. */
const REDIS_CLI_AUTH = /(\bredis-cli\b[^;&|\n]*?\s-a\s+)([^\s"']+)/g;
/** `mysql -p<pw>`, `mysqladmin -u root -p<pw> ping` in a shell line (`-p` alone prompts and stays). */
const MYSQL_PASSWORD = /(\b(?:mysql|mysqladmin|mysqldump|mariadb|mariadb-admin)\b[^;&|\n]*?\s-p)([^\s"']+)/g;

/** A value that only refers to another variable (`$(DB_PASS)`, `${TOKEN}`, `$TOKEN`) holds no secret itself. */
function isReference(value: string): boolean {
  return /^\$(\([A-Za-z_][A-Za-z0-9_]*\)|\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(value);
}

/** Values kept after a sensitive flag: references and absolute file paths (`--tls-private-key-file=/etc/...`). */
function keepValue(value: string): boolean {
  return isReference(value) || value.startsWith("/");
}

/**
 * Redacts secrets inside free text (an env value, one argument, a shell line, a probe command): URL userinfo,
 * values of secret-looking flags and assignments, `redis-cli -a <pw>`, `mysql -p<pw>`.
 */
export function redactText(text: string): string {
  if (text === "") return text;
  return text
    .replace(URL_USERINFO, "$1***@")
    .replace(
      SENSITIVE_FLAG,
      (all, before: string, flag: string, sep: string, value: string) =>
        keepValue(value) ? all : `${before}${flag}${sep}${REDACTED}`,
    )
    .replace(
      SENSITIVE_ASSIGNMENT,
      (all, before: string, name: string, value: string) =>
        isSensitiveEnvName(name) && !keepValue(value) ? `${before}${name}=${REDACTED}` : all,
    )
    .replace(
      REDIS_CLI_AUTH,
      (all, before: string, value: string) => isReference(value) ? all : before + REDACTED,
    )
    .replace(
      MYSQL_PASSWORD,
      (all, before: string, value: string) => isReference(value) ? all : before + REDACTED,
    );
}

const SENSITIVE_FLAG_ALONE = /^--?[\w.-]*(?:pass|pwd|secret|token|key|credential|auth|dsn|private)[\w.-]*$/i;
const REDIS_CLI = /(^|\/)redis-cli$/;
const MYSQL_CLIENT = /(^|\/)(mysql|mysqladmin|mysqldump|mariadb|mariadb-admin)$/;

/**
 * Redacts an argv (container `command`/`args`, an exec probe): each argument as {@linkcode redactText} does,
 * plus the argument after a secret-looking flag (`--token`, `abc`), after `-a` of `redis-cli`, and the attached
 * value of `-p<pw>` of the MySQL clients.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const redis = argv.some((arg) => REDIS_CLI.test(arg));
  const mysql = argv.some((arg) => MYSQL_CLIENT.test(arg));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const previous = i > 0 ? argv[i - 1] : "";
    const next = arg;
    if (
      i > 0 && !next.startsWith("-") && !keepValue(next) &&
      (SENSITIVE_FLAG_ALONE.test(previous) || (redis && previous === "-a"))
    ) {
      out.push(REDACTED);
    } else if (mysql && /^-p.+/.test(arg) && !isReference(arg.slice(2))) {
      out.push(`-p${REDACTED}`);
    } else {
      out.push(redactText(arg));
    }
  }
  return out;
}

/** One env literal: the whole value when the name looks sensitive, else the secrets inside it. */
export function redactEnvValue(name: string, value: string): string {
  return isSensitiveEnvName(name) ? REDACTED : redactText(value);
}

// ---- Go encoding emulation ----

/** A non-pointer Go `time.Time`: the value, or the zero time (never `""`). */
export function time(value: string | null | undefined): Time {
  return value ? value : ZERO_TIME;
}

/** A Go `*time.Time` with omitempty: the value, or absent. */
export function optTime(value: string | null | undefined): Time | undefined {
  return value ? value : undefined;
}

/** A non-omitempty Go string holding `time.Format(RFC3339)`: the zero time's text when unset. */
export function strTime(value: string | null | undefined): StrTime {
  return value ? value : ZERO_TIME;
}

/** An omitempty string: absent when empty. */
export function str(value: string | null | undefined): string | undefined {
  return value ? value : undefined;
}

/** A Go int: always an integer (Kubernetes numbers are integral, but a fraction would be a 400). */
export function int(value: number | null | undefined): number {
  return value ? Math.trunc(value) : 0;
}

/** An omitempty Go int: absent when zero. */
export function optInt(value: number | null | undefined): number | undefined {
  const n = int(value);
  return n === 0 ? undefined : n;
}

/** A Go `*int32`/`*int64` with omitempty: present (even `0`) whenever Kubernetes sets it. */
export function ptrInt(value: number | null | undefined): number | undefined {
  return value === undefined || value === null ? undefined : Math.trunc(value);
}

/** An omitempty bool: absent when false. */
export function optBool(value: boolean | null | undefined): true | undefined {
  return value ? true : undefined;
}

/** An omitempty slice: absent when empty. */
export function list<T>(items: readonly T[] | null | undefined): T[] | undefined {
  return items && items.length > 0 ? [...items] : undefined;
}

/** An omitempty slice built by mapping: absent when empty. */
export function mapList<I, O>(items: readonly I[] | null | undefined, fn: (item: I) => O): O[] | undefined {
  return items && items.length > 0 ? items.map(fn) : undefined;
}

/** An omitempty `map[string]string`: a copy with string values, absent when empty. */
export function stringMap(map: Readonly<Record<string, unknown>> | null | undefined): StringMap | undefined {
  if (!map) return undefined;
  let out: StringMap | undefined;
  for (const key in map) {
    const value = map[key];
    (out ??= {})[key] = typeof value === "string" ? value : String(value ?? "");
  }
  return out;
}

/** IntOrString as Go's `IntOrString.String()` writes it. */
export function intOrString(value: number | string | null | undefined): string {
  if (value === undefined || value === null) return "0";
  return typeof value === "number" ? String(Math.trunc(value)) : value;
}

/** An optional IntOrString: absent when unset. */
export function optIntOrString(value: number | string | null | undefined): string | undefined {
  return value === undefined || value === null ? undefined : intOrString(value);
}

// ---- metadata ----

/** Labels, absent when empty. */
export function labels(meta: ObjectMeta | undefined): StringMap | undefined {
  return stringMap(meta?.labels);
}

/** Annotations without {@linkcode LAST_APPLIED_ANNOTATION}, absent when empty. */
export function annotations(
  source: Readonly<Record<string, string>> | null | undefined,
): StringMap | undefined {
  if (!source) return undefined;
  let out: StringMap | undefined;
  for (const key in source) {
    if (key === LAST_APPLIED_ANNOTATION) continue;
    (out ??= {})[key] = source[key];
  }
  return out;
}

/** Kind and name of `ownerReferences[0]` (the first entry, not necessarily the controller, as in Go). */
export function owner(meta: ObjectMeta | undefined): { kind?: string; name?: string } {
  const first = meta?.ownerReferences?.[0];
  return { kind: str(first?.kind), name: str(first?.name) };
}

/** Options of {@linkcode commonMeta}. */
export interface CommonMetaOptions {
  /** Copy the labels (every CommonMeta kind but Event). */
  labels?: boolean;
  /** Report `ownerReferences[0]` (Pod, ReplicaSet, Job). */
  owner?: boolean;
  /** Report the namespace (not for cluster-scoped kinds). */
  namespaced?: boolean;
}

/** The flat CommonMeta fields of a resource, built in Go's field order. */
export function commonMeta(
  meta: ObjectMeta | undefined,
  kind: string,
  options: CommonMetaOptions,
): CommonMeta {
  const ref = options.owner ? owner(meta) : undefined;
  return {
    uid: meta?.uid ?? "",
    name: meta?.name ?? "",
    namespace: options.namespaced === false ? undefined : str(meta?.namespace),
    kind,
    nodeName: undefined,
    ownerKind: ref?.kind,
    ownerName: ref?.name,
    labels: options.labels ? labels(meta) : undefined,
    createdAt: time(meta?.creationTimestamp),
  };
}

// ---- selectors ----

/** `matchLabels` as `k=v,k=v` (Go iterates its map in random order; we keep the object's order). */
export function selectorString(
  matchLabels: Readonly<Record<string, string>> | undefined,
): string | undefined {
  if (!matchLabels) return undefined;
  const parts: string[] = [];
  for (const key in matchLabels) parts.push(`${key}=${matchLabels[key]}`);
  return parts.length > 0 ? parts.join(",") : undefined;
}

/** A label selector with its expressions; `matchLabelsOnly` drops the expressions (StatefulSet, DaemonSet). */
export function labelSelector(
  selector: KubeLabelSelector | undefined,
  matchLabelsOnly = false,
): LabelSelector | undefined {
  if (!selector) return undefined;
  return {
    matchLabels: stringMap(selector.matchLabels),
    matchExpressions: matchLabelsOnly ? undefined : mapList(selector.matchExpressions, (e) => ({
      key: e.key ?? "",
      operator: e.operator ?? "",
      values: list(e.values),
    })),
  };
}

/** Whether a label selector selects by anything (Go's `LabelSelector.Size() > 0` for a non-empty one). */
export function selectorHasTerms(selector: KubeLabelSelector | undefined): boolean {
  if (!selector) return false;
  return Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions?.length ?? 0) > 0;
}

/**
 * A label selector as Go's `json.Marshal` writes it: `matchLabels` (keys sorted) then `matchExpressions`,
 * each omitted when empty. NetworkPolicy selectors are sent as this text.
 */
export function goSelectorJson(selector: KubeLabelSelector): string {
  const out: {
    matchLabels?: StringMap;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  } = {};
  const keys = Object.keys(selector.matchLabels ?? {}).sort();
  if (keys.length > 0) {
    const sorted: StringMap = {};
    for (const key of keys) sorted[key] = selector.matchLabels?.[key] ?? "";
    out.matchLabels = sorted;
  }
  if (selector.matchExpressions && selector.matchExpressions.length > 0) {
    out.matchExpressions = selector.matchExpressions.map((e) => ({
      key: e.key ?? "",
      operator: e.operator ?? "",
      values: list(e.values),
    }));
  }
  return JSON.stringify(out);
}

/** Conditions of a StatefulSet, DaemonSet or Job. */
export function workloadConditions(
  conditions:
    | ReadonlyArray<
      {
        type?: string;
        status?: string;
        reason?: string;
        message?: string;
        lastUpdateTime?: string;
        lastTransitionTime?: string;
      }
    >
    | undefined,
): WorkloadCondition[] | undefined {
  return mapList(conditions, (c) => ({
    type: c.type ?? "",
    status: c.status ?? "",
    reason: str(c.reason),
    message: str(c.message),
    lastUpdateTime: str(c.lastUpdateTime),
    lastTransitionTime: str(c.lastTransitionTime),
  }));
}

// ---- pod template pieces ----

/** Pod tolerations. */
export function tolerations(items: readonly KubeToleration[] | undefined): Toleration[] | undefined {
  return mapList(items, (t) => ({
    key: str(t.key),
    operator: str(t.operator),
    value: str(t.value),
    effect: str(t.effect),
    tolerationSeconds: ptrInt(t.tolerationSeconds),
  }));
}

/** Affinity as presence flags; an empty affinity object stays `{}` (master-protocol §10.7). */
export function affinity(value: KubeAffinity | undefined): Affinity | undefined {
  if (!value) return undefined;
  return {
    nodeAffinity: value.nodeAffinity ? AFFINITY_CONFIGURED : undefined,
    podAffinity: value.podAffinity ? AFFINITY_CONFIGURED : undefined,
    podAntiAffinity: value.podAntiAffinity ? AFFINITY_CONFIGURED : undefined,
  };
}

/** Pod volumes reduced to type and main source. */
export function volumes(items: readonly Volume[] | undefined): VolumeSpec[] | undefined {
  return mapList(items, volumeSpec);
}

function volumeSpec(v: Volume): VolumeSpec {
  const name = v.name ?? "";
  if (v.configMap) return { name, type: "ConfigMap", source: str(v.configMap.name) };
  if (v.secret) return { name, type: "Secret", source: str(v.secret.secretName) };
  if (v.emptyDir) return { name, type: "EmptyDir", source: undefined };
  if (v.persistentVolumeClaim) return { name, type: "PVC", source: str(v.persistentVolumeClaim.claimName) };
  if (v.hostPath) return { name, type: "HostPath", source: str(v.hostPath.path) };
  if (v.projected) return { name, type: "Projected", source: undefined };
  if (v.downwardAPI) return { name, type: "DownwardAPI", source: undefined };
  return { name, type: "Other", source: undefined };
}

/** A probe: its type, numeric port only, exec argv joined with spaces (redacted unless `redactEnv` is false). */
export function probe(p: KubeProbe | undefined, options: ConvertOptions = {}): Probe | undefined {
  if (!p) return undefined;
  let type: Probe["type"] = "";
  let path: string | undefined;
  let port: number | undefined;
  let command: string | undefined;
  if (p.httpGet) {
    type = "httpGet";
    path = str(p.httpGet.path);
    port = numericPort(p.httpGet.port);
  } else if (p.tcpSocket) {
    type = "tcpSocket";
    port = numericPort(p.tcpSocket.port);
  } else if (p.exec) {
    type = "exec";
    const argv = p.exec.command ?? [];
    command = str((options.redactEnv === false ? argv : redactArgv(argv)).join(" "));
  }
  return {
    type,
    path,
    port,
    command,
    initialDelaySeconds: optInt(p.initialDelaySeconds),
    periodSeconds: optInt(p.periodSeconds),
    timeoutSeconds: optInt(p.timeoutSeconds),
    successThreshold: optInt(p.successThreshold),
    failureThreshold: optInt(p.failureThreshold),
  };
}

// A named port has IntVal 0 in Go, which omitempty drops.
function numericPort(port: number | string | undefined): number | undefined {
  return typeof port === "number" ? optInt(port) : undefined;
}

/** Env vars: literal values (redacted when the name looks sensitive) or a short `valueFrom` reference. */
export function envs(
  items: readonly KubeEnvVar[] | undefined,
  options: ConvertOptions,
): EnvVar[] | undefined {
  const redact = options.redactEnv !== false;
  return mapList(items, (e) => {
    const name = e.name ?? "";
    const value = str(e.value);
    return {
      name,
      value: value !== undefined && redact ? redactEnvValue(name, value) : value,
      valueFrom: valueFrom(e),
    };
  });
}

function valueFrom(e: KubeEnvVar): string | undefined {
  const from = e.valueFrom;
  if (!from) return undefined;
  if (from.configMapKeyRef) return `configmap:${from.configMapKeyRef.name ?? ""}`;
  if (from.secretKeyRef) return `secret:${from.secretKeyRef.name ?? ""}`;
  if (from.fieldRef) return `field:${from.fieldRef.fieldPath ?? ""}`;
  if (from.resourceFieldRef) return `resource:${from.resourceFieldRef.resource ?? ""}`;
  return undefined;
}

/** One container of a spec, without status. */
export function containerDetail(c: Container, options: ConvertOptions): ContainerDetail {
  return {
    name: c.name ?? "",
    image: c.image ?? "",
    imagePullPolicy: str(c.imagePullPolicy),
    ports: mapList(c.ports, (p) => ({
      name: str(p.name),
      containerPort: int(p.containerPort),
      protocol: str(p.protocol),
      hostPort: optInt(p.hostPort),
    })),
    envs: envs(c.env, options),
    volumeMounts: mapList(c.volumeMounts, (m) => ({
      name: m.name ?? "",
      mountPath: m.mountPath ?? "",
      subPath: str(m.subPath),
      readOnly: optBool(m.readOnly),
    })),
    requests: stringMap(c.resources?.requests),
    limits: stringMap(c.resources?.limits),
    livenessProbe: probe(c.livenessProbe, options),
    readinessProbe: probe(c.readinessProbe, options),
    startupProbe: probe(c.startupProbe, options),
    command: argvList(c.command, options),
    args: argvList(c.args, options),
    workingDir: str(c.workingDir),
  };
}

/** An omitempty argv, redacted unless `redactEnv` is false. */
function argvList(argv: readonly string[] | undefined, options: ConvertOptions): string[] | undefined {
  if (!argv || argv.length === 0) return undefined;
  return options.redactEnv === false ? [...argv] : redactArgv(argv);
}

/** Options of {@linkcode podTemplate}. */
export interface PodTemplateOptions extends ConvertOptions {
  /** Copy the template's labels and annotations (Deployments only, as in Go). */
  withMetadata?: boolean;
}

/** A workload's pod template. */
export function podTemplate(template: PodTemplateSpec | undefined, options: PodTemplateOptions): PodTemplate {
  const spec: KubePodSpec | undefined = template?.spec;
  return {
    labels: options.withMetadata ? labels(template?.metadata) : undefined,
    annotations: options.withMetadata ? annotations(template?.metadata?.annotations) : undefined,
    containers: (spec?.containers ?? []).map((c) => containerDetail(c, options)),
    volumes: volumes(spec?.volumes),
    serviceAccountName: str(spec?.serviceAccountName),
    nodeSelector: stringMap(spec?.nodeSelector),
    tolerations: tolerations(spec?.tolerations),
    affinity: affinity(spec?.affinity),
    runtimeClassName: str(spec?.runtimeClassName),
    imagePullSecrets: mapList(spec?.imagePullSecrets, (s) => s.name ?? ""),
    hostNetwork: optBool(spec?.hostNetwork),
    dnsPolicy: str(spec?.dnsPolicy),
  };
}

// ---- raw Kubernetes objects (`dynamic` reads) ----

type RawObject = Record<string, unknown>;

function isRawObject(value: unknown): value is RawObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const CONTAINER_LISTS: ReadonlySet<string> = new Set(["containers", "initContainers", "ephemeralContainers"]);
const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;

function redactExec(handler: unknown): unknown {
  if (!isRawObject(handler) || !isRawObject(handler.exec) || !Array.isArray(handler.exec.command)) {
    return handler;
  }
  const command = handler.exec.command.map((arg) => typeof arg === "string" ? arg : String(arg));
  return { ...handler, exec: { ...handler.exec, command: redactArgv(command) } };
}

function redactRawContainer(container: unknown): unknown {
  if (!isRawObject(container)) return container;
  const out: RawObject = { ...container };
  if (Array.isArray(container.env)) {
    out.env = container.env.map((e) => {
      if (!isRawObject(e) || typeof e.value !== "string") return e;
      return { ...e, value: redactEnvValue(typeof e.name === "string" ? e.name : "", e.value) };
    });
  }
  for (const field of ["command", "args"] as const) {
    const argv = container[field];
    if (Array.isArray(argv)) out[field] = redactArgv(argv.map((a) => typeof a === "string" ? a : String(a)));
  }
  for (const field of PROBES) if (field in container) out[field] = redactExec(container[field]);
  if (isRawObject(container.lifecycle)) {
    const lifecycle: RawObject = { ...container.lifecycle };
    for (const hook of ["postStart", "preStop"]) {
      if (hook in lifecycle) lifecycle[hook] = redactExec(lifecycle[hook]);
    }
    out.lifecycle = lifecycle;
  }
  return out;
}

function redactRawMetadata(metadata: RawObject): RawObject {
  const { managedFields: _managedFields, ...rest } = metadata;
  if (isRawObject(rest.annotations) && LAST_APPLIED_ANNOTATION in rest.annotations) {
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...annotations } = rest.annotations;
    return { ...rest, annotations };
  }
  return rest;
}

/**
 * A copy of a raw Kubernetes object or list with the snapshot's redaction: `metadata.managedFields` and the
 * last-applied annotation dropped everywhere (templates included), and in every container list (pods, workload
 * and job templates) sensitive env literals, secret-looking arguments and exec probe or hook commands redacted.
 * Secret `data` is not touched: reading Secrets is its own opt-in.
 */
export function redactKubeObject(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactKubeObject);
  if (!isRawObject(value)) return value;
  const out: RawObject = {};
  for (const key in value) {
    const field = value[key];
    if (key === "metadata" && isRawObject(field)) out[key] = redactKubeObject(redactRawMetadata(field));
    else if (CONTAINER_LISTS.has(key) && Array.isArray(field)) {
      out[key] = field.map((c) => redactKubeObject(redactRawContainer(c)));
    } else out[key] = redactKubeObject(field);
  }
  return out;
}
