/**
 * Agent configuration from environment variables: the Go agent's names and defaults (master-protocol §4) plus
 * ours. Every value is validated up front; all bad settings are reported together and start-up stops (the Go agent
 * silently falls back to defaults, which hides typos).
 *
 * @module
 */

import { ACTIONS, DEFAULT_AI_ALLOWED_ACTIONS, nameProblem } from "./service/commands/mod.ts";
import { RESOURCE_NAMES } from "./informer/mod.ts";
import { withoutUserinfo } from "./text.ts";

/** The parsed configuration. Durations are milliseconds. */
export interface AgentConfig {
  /** Cluster id; empty means the UID of the kube-system namespace (`AGENT_CLUSTER_ID`). */
  clusterId: string;
  /** Master AgentSDK base URL; default `http://localhost:8081` (`AGENT_MASTER_URL`). */
  masterUrl: string;
  /** Bearer token sent to the Master; empty for none (`AGENT_MASTER_TOKEN`). */
  masterToken: string;
  /** Path of a PEM CA bundle for an HTTPS Master (`AGENT_MASTER_CA_FILE`). */
  masterCaFile: string;
  /** Kubeconfig context; empty means the current context (`AGENT_KUBE_CONTEXT`). */
  kubeContext: string;
  /** Snapshot push period; default 10 s (`AGENT_SNAPSHOT_INTERVAL`). */
  snapshotIntervalMs: number;
  /**
   * `interval` (default): one push per interval plus one follow-up per executed command; `change`: also soon after
   * every change (`AGENT_PUSH_MODE`).
   */
  pushMode: "interval" | "change";
  /** Minimum gap between change-triggered pushes in `change` mode; default 1 s (`AGENT_SNAPSHOT_MIN_GAP`). */
  snapshotMinGapMs: number;
  /** Pause after an empty command poll; default 100 ms (`AGENT_COMMAND_POLL_INTERVAL`). */
  commandPollIntervalMs: number;
  /** Heartbeat period; default 15 s, at most 44 s (`AGENT_HEARTBEAT_INTERVAL`). */
  heartbeatIntervalMs: number;
  /** Timeout of a snapshot push; default 90 s (`AGENT_TIMEOUT_HTTP_CLIENT`). */
  httpClientTimeoutMs: number;
  /** After this long, log the kinds holding the first push back; default 30 s (`AGENT_TIMEOUT_SNAPSHOT_COLLECT`). */
  snapshotCollectTimeoutMs: number;
  /** Client timeout of one command long poll; default 90 s, at least 61 s (`AGENT_TIMEOUT_COMMAND_POLL`). */
  commandPollTimeoutMs: number;
  /** Timeout of one heartbeat; default 10 s (`AGENT_TIMEOUT_HEARTBEAT`). */
  heartbeatTimeoutMs: number;
  /** Minimum log level; default `info` (`AGENT_LOG_LEVEL`). */
  logLevel: "debug" | "info" | "warning" | "error";
  /** Log output format; default `text` (`AGENT_LOG_FORMAT`). */
  logFormat: "text" | "json";
  /** Namespaces to watch; empty means all (`AGENT_NAMESPACES`). */
  namespaces: string[];
  /** Kinds (plurals) not to watch (`AGENT_DISABLED_KINDS`). */
  disabledKinds: string[];
  /** Use streaming lists when the server supports them; default true (`AGENT_STREAMING_LIST`). */
  streamingList: boolean;
  /** A watch silent this long is replaced; default 2 min (`AGENT_WATCH_IDLE_TIMEOUT`). */
  watchIdleTimeoutMs: number;
  /** Metrics-server poll period; default 60 s, metrics-server's own default resolution (`AGENT_METRICS_INTERVAL`). */
  metricsIntervalMs: number;
  /** Send sensitive-looking env literals as `[redacted]`; default true (`AGENT_REDACT_ENV`). */
  redactEnv: boolean;
  /** Reject every mutating command; default false (`AGENT_READ_ONLY`). */
  readOnly: boolean;
  /** Command allow-list; empty means all (`AGENT_ALLOWED_ACTIONS`). */
  allowedActions: string[];
  /** Actions the `ai` topic may run; default the reads but get_secret (`AGENT_AI_ALLOWED_ACTIONS`). */
  aiAllowedActions: string[];
  /**
   * Namespaces where mutating commands are refused, besides kube-system and the agent's own namespace, which
   * always are (`AGENT_PROTECTED_NAMESPACES`).
   */
  protectedNamespaces: string[];
  /** Registry/repository prefixes `update_image` may set; empty allows any (`AGENT_IMAGE_ALLOWLIST`). */
  imageAllowlist: string[];
  /** Commands created longer ago are refused as stale; default 10 min (`AGENT_COMMAND_MAX_AGE`). */
  commandMaxAgeMs: number;
  /** Allow `get_secret`, which returns plaintext values; default false (`AGENT_ALLOW_SECRET_READ`). */
  allowSecretRead: boolean;
  /** Allow `apply_manifests`; default false (`AGENT_ALLOW_APPLY`). */
  allowApply: boolean;
  /** Deadline of one command; default 30 s (`AGENT_COMMAND_TIMEOUT`). */
  commandTimeoutMs: number;
  /** Commands running at once; default 4, 1 to 64 (`AGENT_MAX_CONCURRENT_COMMANDS`). */
  maxConcurrentCommands: number;
  /** On SIGTERM, how long running commands may finish; default 20 s (`AGENT_SHUTDOWN_GRACE`). */
  shutdownGraceMs: number;
  /** Listen address of the health and metrics server; default `:8082`, empty disables it (`AGENT_HEALTH_ADDR`). */
  healthAddr: string;
  /** Run several replicas where only the Lease holder talks to the Master; default false (`AGENT_LEADER_ELECTION`). */
  leaderElection: boolean;
  /** Namespace of the Lease; empty means the service account's (`AGENT_LEADER_ELECTION_NAMESPACE`). */
  leaderElectionNamespace: string;
  /** Name of the Lease; default `atlhyper-agent` (`AGENT_LEADER_ELECTION_NAME`). */
  leaderElectionName: string;
  /** Identity in the Lease; empty means the hostname (`AGENT_POD_NAME`). */
  podName: string;
}

/** What the items of a `list` setting must be. */
type ListItems = "action" | "kind" | "namespace";

/**
 * The kinds that can fill a field of type `T`, with the options each takes: a `duration` cannot fill a `string`, an
 * `enum` lists only values of the field's union (`aliases` maps other spellings onto them).
 */
type KindOf<T> = [T] extends [boolean] ? { kind: "bool" }
  : [T] extends [number] ? {
      kind: "duration" | "int";
      /** Inclusive bounds (milliseconds for a `duration`). */
      min?: number;
      max?: number;
    }
  : [T] extends [string[]] ? {
      kind: "list";
      /** Items checked against the known actions, watched kinds or the namespace name rule. */
      items?: ListItems;
    }
  : string extends T ? { kind: "string" | "url" | "addr" }
  : [T] extends [string] ? {
      kind: "enum";
      /** The allowed values, compared in lower case. */
      values: readonly T[];
      /** Other accepted spellings and the value each stands for. */
      aliases?: Readonly<Record<string, T>>;
    }
  : never;

/** One environment variable and the field of {@linkcode AgentConfig} it fills. */
type ConfigSetting<K extends keyof AgentConfig> =
  & {
    env: string;
    /** The field it fills. */
    key: K;
    /** The text used when the variable is unset (or empty, except for an `addr`). */
    default: string;
    help: string;
  }
  & KindOf<AgentConfig[K]>;

/** A variable another layer reads itself; listed here for `--help` and the env permission. */
interface ExternalSetting {
  env: string;
  key?: undefined;
  kind: "string";
  default: string;
  help: string;
}

/**
 * One environment variable: a mapped type keyed on {@linkcode AgentConfig}, so a setting whose kind cannot produce
 * its field's type does not compile.
 */
export type Setting = { [K in keyof AgentConfig]-?: ConfigSetting<K> }[keyof AgentConfig] | ExternalSetting;

/** Every setting, in `--help` order. */
const TABLE = [
  {
    env: "AGENT_CLUSTER_ID",
    key: "clusterId",
    kind: "string",
    default: "",
    help: "cluster id; empty = UID of the kube-system namespace",
  },
  {
    env: "AGENT_MASTER_URL",
    key: "masterUrl",
    kind: "url",
    default: "http://localhost:8081",
    help: "Master AgentSDK base URL",
  },
  {
    env: "AGENT_MASTER_TOKEN",
    key: "masterToken",
    kind: "string",
    default: "",
    help: "bearer token sent to the Master (optional)",
  },
  {
    env: "AGENT_MASTER_CA_FILE",
    key: "masterCaFile",
    kind: "string",
    default: "",
    help: "PEM CA bundle for an HTTPS Master",
  },
  {
    // No field: the Kubernetes connection layer (`loadConnectionConfig`) reads it, first in its lookup order.
    env: "AGENT_KUBECONFIG",
    kind: "string",
    default: "",
    help: "kubeconfig path; then KUBECONFIG, in-cluster, ~/.kube/config",
  },
  {
    env: "AGENT_KUBE_CONTEXT",
    key: "kubeContext",
    kind: "string",
    default: "",
    help: "kubeconfig context; empty = current-context",
  },
  {
    env: "AGENT_SNAPSHOT_INTERVAL",
    key: "snapshotIntervalMs",
    kind: "duration",
    default: "10s",
    min: 1000,
    help: "push a snapshot this often (the Master's analytics assume 10s)",
  },
  {
    env: "AGENT_PUSH_MODE",
    key: "pushMode",
    kind: "enum",
    default: "interval",
    values: ["interval", "change"],
    help:
      "interval (one push per interval, plus one after each executed command) or change (also after changes)",
  },
  {
    env: "AGENT_SNAPSHOT_MIN_GAP",
    key: "snapshotMinGapMs",
    kind: "duration",
    default: "1s",
    min: 0,
    help: "minimum gap between change-triggered pushes (AGENT_PUSH_MODE=change)",
  },
  {
    env: "AGENT_COMMAND_POLL_INTERVAL",
    key: "commandPollIntervalMs",
    kind: "duration",
    default: "100ms",
    min: 0,
    help: "pause after an empty command poll",
  },
  {
    env: "AGENT_HEARTBEAT_INTERVAL",
    key: "heartbeatIntervalMs",
    kind: "duration",
    default: "15s",
    min: 1000,
    max: 44_000,
    help: "heartbeat period (the Master marks agents offline after 45s)",
  },
  {
    env: "AGENT_TIMEOUT_HTTP_CLIENT",
    key: "httpClientTimeoutMs",
    kind: "duration",
    default: "90s",
    min: 1000,
    help: "timeout of a snapshot push",
  },
  {
    env: "AGENT_TIMEOUT_SNAPSHOT_COLLECT",
    key: "snapshotCollectTimeoutMs",
    kind: "duration",
    default: "30s",
    min: 1000,
    help: "after this long, log which kinds still hold the first push back (unsynced)",
  },
  {
    env: "AGENT_TIMEOUT_COMMAND_POLL",
    key: "commandPollTimeoutMs",
    kind: "duration",
    default: "90s",
    min: 61_000,
    help: "client timeout of one long poll; must exceed the Master's 60s hold",
  },
  {
    env: "AGENT_TIMEOUT_HEARTBEAT",
    key: "heartbeatTimeoutMs",
    kind: "duration",
    default: "10s",
    min: 100,
    help: "timeout of one heartbeat",
  },
  {
    env: "AGENT_LOG_LEVEL",
    key: "logLevel",
    kind: "enum",
    default: "info",
    values: ["debug", "info", "warning", "error"],
    aliases: { warn: "warning" },
    help: "debug, info, warning or error",
  },
  {
    env: "AGENT_LOG_FORMAT",
    key: "logFormat",
    kind: "enum",
    default: "text",
    values: ["text", "json"],
    help: "text or json lines",
  },
  {
    env: "AGENT_NAMESPACES",
    key: "namespaces",
    kind: "list",
    default: "",
    items: "namespace",
    help: "comma-separated namespaces to watch; empty = all",
  },
  {
    env: "AGENT_DISABLED_KINDS",
    key: "disabledKinds",
    kind: "list",
    default: "",
    items: "kind",
    help: "comma-separated kinds (plurals) not to watch, e.g. secrets,events",
  },
  {
    env: "AGENT_STREAMING_LIST",
    key: "streamingList",
    kind: "bool",
    default: "true",
    help: "use streaming lists (sendInitialEvents) when the server supports them",
  },
  {
    env: "AGENT_WATCH_IDLE_TIMEOUT",
    key: "watchIdleTimeoutMs",
    kind: "duration",
    default: "2m",
    min: 1000,
    help: "replace a watch silent this long (servers bookmark once a minute)",
  },
  {
    env: "AGENT_METRICS_INTERVAL",
    key: "metricsIntervalMs",
    kind: "duration",
    default: "60s",
    min: 1000,
    help: "metrics-server poll period",
  },
  {
    env: "AGENT_REDACT_ENV",
    key: "redactEnv",
    kind: "bool",
    default: "true",
    help: "send sensitive-looking env literals as [redacted]",
  },
  {
    env: "AGENT_READ_ONLY",
    key: "readOnly",
    kind: "bool",
    default: "false",
    help: "reject every mutating command",
  },
  {
    env: "AGENT_ALLOWED_ACTIONS",
    key: "allowedActions",
    kind: "list",
    default: "",
    items: "action",
    help: "comma-separated command allow-list; empty = all",
  },
  {
    env: "AGENT_AI_ALLOWED_ACTIONS",
    key: "aiAllowedActions",
    kind: "list",
    default: DEFAULT_AI_ALLOWED_ACTIONS.join(","),
    items: "action",
    help: "actions commands of the ai topic may run (AGENT_ALLOWED_ACTIONS applies too)",
  },
  {
    env: "AGENT_PROTECTED_NAMESPACES",
    key: "protectedNamespaces",
    kind: "list",
    default: "",
    items: "namespace",
    help: "more namespaces where mutating commands are refused (kube-system and the agent's own always are)",
  },
  {
    env: "AGENT_IMAGE_ALLOWLIST",
    key: "imageAllowlist",
    kind: "list",
    default: "",
    help: "registry/repository prefixes update_image may set, e.g. ghcr.io/acme; empty = any image",
  },
  {
    env: "AGENT_ALLOW_SECRET_READ",
    key: "allowSecretRead",
    kind: "bool",
    default: "false",
    help: "allow get_secret (returns plaintext values)",
  },
  {
    env: "AGENT_ALLOW_APPLY",
    key: "allowApply",
    kind: "bool",
    default: "false",
    help: "allow apply_manifests",
  },
  {
    env: "AGENT_COMMAND_TIMEOUT",
    key: "commandTimeoutMs",
    kind: "duration",
    default: "30s",
    min: 1000,
    help: "deadline of one command",
  },
  {
    env: "AGENT_COMMAND_MAX_AGE",
    key: "commandMaxAgeMs",
    kind: "duration",
    default: "10m",
    min: 10_000,
    help: "refuse commands created longer ago than this as stale; ids are remembered this long",
  },
  {
    env: "AGENT_MAX_CONCURRENT_COMMANDS",
    key: "maxConcurrentCommands",
    kind: "int",
    default: "4",
    min: 1,
    max: 64,
    help: "commands running at once",
  },
  {
    env: "AGENT_SHUTDOWN_GRACE",
    key: "shutdownGraceMs",
    kind: "duration",
    default: "20s",
    min: 0,
    help: "on SIGTERM, let running commands finish this long",
  },
  {
    env: "AGENT_HEALTH_ADDR",
    key: "healthAddr",
    kind: "addr",
    default: ":8082",
    help: "listen address of /healthz, /readyz, /health, /metrics; empty = off",
  },
  {
    env: "AGENT_LEADER_ELECTION",
    key: "leaderElection",
    kind: "bool",
    default: "false",
    help: "run several replicas; only the Lease holder talks to the Master",
  },
  {
    env: "AGENT_LEADER_ELECTION_NAMESPACE",
    key: "leaderElectionNamespace",
    kind: "string",
    default: "",
    help: "namespace of the Lease; empty = the service account's",
  },
  {
    env: "AGENT_LEADER_ELECTION_NAME",
    key: "leaderElectionName",
    kind: "string",
    default: "atlhyper-agent",
    help: "name of the Lease",
  },
  {
    env: "AGENT_POD_NAME",
    key: "podName",
    kind: "string",
    default: "",
    help: "identity in the Lease; empty = hostname",
  },
] satisfies Setting[];

/** The fields of {@linkcode AgentConfig} no setting fills; `SETTINGS` does not compile unless this is `never`. */
type Unfilled = Exclude<keyof AgentConfig, (typeof TABLE)[number]["key"]>;

/** Every setting, in `--help` order; every field of {@linkcode AgentConfig} is filled by one. */
export const SETTINGS: readonly Setting[] & ([Unfilled] extends [never] ? unknown : { unfilled: Unfilled }) =
  TABLE;

/** Go agent settings we accept and ignore (OpenTelemetry / ClickHouse is not part of this agent). */
export const IGNORED_SETTINGS: readonly string[] = [
  "AGENT_OTEL_CACHE_TTL",
  "AGENT_CLICKHOUSE_ENDPOINT",
  "AGENT_CLICKHOUSE_DATABASE",
  "AGENT_CLICKHOUSE_TIMEOUT",
];

/** Every bad setting at once. */
export class ConfigError extends Error {
  /** Error name, `ConfigError`. */
  override readonly name = "ConfigError";
  /** One line per bad setting. */
  readonly problems: string[];

  /** Builds the error from the list of problems. */
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses Go `time.ParseDuration` syntax (`10s`, `1m30s`, `250ms`, `1.5h`) into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  const pattern = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < trimmed.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(trimmed);
    if (!match) return undefined;
    total += Number(match[1]) * DURATION_UNITS[match[2]];
    index = pattern.lastIndex;
  }
  return index > 0 ? Math.round(total) : undefined;
}

/** Formats milliseconds the way Go prints durations (`1m30s`, `100ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return `${hours ? `${hours}h` : ""}${minutes ? `${minutes}m` : ""}${seconds ? `${seconds}s` : ""}`;
}

/** A parsed value: what any field of {@linkcode AgentConfig} can hold. */
type Value = AgentConfig[keyof AgentConfig];

function parseValue(setting: Setting, raw: string): { value?: Value; problem?: string } {
  const text = raw.trim();
  // A URL's userinfo is a credential: never echoed, not even in a configuration error.
  const shown = setting.kind === "url" ? withoutUserinfo(raw) : raw;
  const bad = (why: string) => ({ problem: `${setting.env}=${JSON.stringify(shown)}: ${why}` });
  switch (setting.kind) {
    case "string":
      return { value: text };
    case "url": {
      try {
        const url = new URL(text);
        if (url.protocol !== "http:" && url.protocol !== "https:") return bad("must be an http or https URL");
        return { value: text.replace(/\/+$/, "") };
      } catch {
        return bad("not a URL");
      }
    }
    case "duration": {
      const ms = parseDuration(text);
      if (ms === undefined) return bad('not a duration (Go syntax: "10s", "1m30s", "250ms")');
      if (setting.min !== undefined && ms < setting.min) {
        return bad(`must be at least ${formatDuration(setting.min)}`);
      }
      if (setting.max !== undefined && ms > setting.max) {
        return bad(`must be at most ${formatDuration(setting.max)}`);
      }
      return { value: ms };
    }
    case "bool": {
      const lower = text.toLowerCase();
      if (["true", "1", "yes", "on"].includes(lower)) return { value: true };
      if (["false", "0", "no", "off", ""].includes(lower)) return { value: false };
      return bad("must be true or false");
    }
    case "int": {
      if (!/^-?\d+$/.test(text)) return bad("must be an integer");
      const n = Number(text);
      if (setting.min !== undefined && n < setting.min) return bad(`must be at least ${setting.min}`);
      if (setting.max !== undefined && n > setting.max) return bad(`must be at most ${setting.max}`);
      return { value: n };
    }
    case "list": {
      const items = text.split(",").map((s) => s.trim()).filter(Boolean);
      if (text !== "" && items.length === 0) {
        return bad("has only separators; leave it empty for the default");
      }
      const unknown = items.filter((item) => listItemProblem(setting.items, item));
      if (unknown.length > 0) {
        return bad(
          `${unknown.map((item) => JSON.stringify(item)).join(", ")}: ${
            listItemProblem(setting.items, unknown[0])
          }`,
        );
      }
      return { value: items };
    }
    case "addr": {
      if (text === "") return { value: "" };
      const match = /^(.*):(\d{1,5})$/.exec(text);
      if (!match || Number(match[2]) > 65535) return bad('must be "host:port" or ":port"');
      return { value: text };
    }
    case "enum": {
      const lower = text.toLowerCase();
      for (const value of setting.values) if (value === lower) return { value };
      const alias = setting.aliases?.[lower];
      if (alias !== undefined) return { value: alias };
      return bad(`must be one of ${[...setting.values, ...Object.keys(setting.aliases ?? {})].join(", ")}`);
    }
  }
}

/** Why one item of a checked list is wrong, or `undefined`. */
function listItemProblem(items: ListItems | undefined, item: string): string | undefined {
  switch (items) {
    case "action":
      return (ACTIONS as readonly string[]).includes(item)
        ? undefined
        : `unknown action (known: ${ACTIONS.join(", ")})`;
    case "kind":
      return (RESOURCE_NAMES as readonly string[]).includes(item)
        ? undefined
        : `unknown kind (known: ${RESOURCE_NAMES.join(", ")})`;
    case "namespace": {
      const problem = nameProblem(item, "dns1123-label");
      return problem ? `not a namespace name: ${problem}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Reads every setting from `env`; throws {@linkcode ConfigError} listing all bad values. */
export function loadConfig(env: Record<string, string | undefined>): AgentConfig {
  const config: Partial<Record<keyof AgentConfig, Value>> = {};
  const problems: string[] = [];
  for (const setting of SETTINGS) {
    if (setting.key === undefined) continue;
    const raw = env[setting.env];
    // An empty value means "default", as in the Go agent, except for an address, where it switches the server off.
    const useDefault = raw === undefined || (raw === "" && setting.kind !== "addr");
    const { value, problem } = parseValue(setting, useDefault ? setting.default : raw ?? "");
    if (problem) problems.push(problem);
    else config[setting.key] = value;
  }
  if (problems.length) throw new ConfigError(problems);
  if (!isComplete(config)) throw new Error("Cannot load configuration: a field has no setting");
  return config;
}

/**
 * True when every field has a value. Each value came from its own setting, whose kind the {@linkcode Setting}
 * type ties to the field's type, so presence is all that is left to check.
 */
function isComplete(
  config: Partial<Record<keyof AgentConfig, Value>>,
): config is typeof config & AgentConfig {
  return SETTINGS.every((setting) => setting.key === undefined || config[setting.key] !== undefined);
}

/** The `--help` text: every setting with its default. */
export function helpText(): string {
  const width = Math.max(...SETTINGS.map((s) => s.env.length));
  const lines = SETTINGS.map((s) => {
    const fallback = s.default === "" ? '""' : s.default;
    return `  ${s.env.padEnd(width)}  ${s.help} (default ${fallback})`;
  });
  return [
    "atlhyper-agent: watches a Kubernetes cluster, pushes snapshots to the AtlHyper Master and runs its commands.",
    "",
    "Configuration is read from environment variables:",
    ...lines,
    "",
    `Accepted for compatibility with the Go agent and ignored: ${IGNORED_SETTINGS.join(", ")}.`,
    "Durations use Go syntax (10s, 1m30s, 250ms). Invalid values stop start-up with exit code 2.",
  ].join("\n");
}

/** Reads the agent's variables one by one: `Deno.env.toObject()` would need access to every variable. */
export function readEnv(names: readonly string[]): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of names) {
    try {
      env[name] = Deno.env.get(name);
    } catch {
      // Not permitted (narrow --allow-env): the setting keeps its default.
    }
  }
  return env;
}
