/**
 * Agent configuration from environment variables: the Go agent's names and defaults (master-protocol §4) plus
 * ours. Every value is validated up front; all bad settings are reported together and start-up stops (the Go agent
 * silently falls back to defaults, which hides typos).
 *
 * @module
 */

/** The parsed configuration. Durations are milliseconds. */
export interface AgentConfig {
  clusterId: string;
  masterUrl: string;
  masterToken: string;
  masterCaFile: string;
  kubeconfig: string;
  kubeContext: string;
  snapshotIntervalMs: number;
  snapshotMinGapMs: number;
  commandPollIntervalMs: number;
  heartbeatIntervalMs: number;
  httpClientTimeoutMs: number;
  snapshotCollectTimeoutMs: number;
  commandPollTimeoutMs: number;
  heartbeatTimeoutMs: number;
  logLevel: "debug" | "info" | "warning" | "error";
  logFormat: "text" | "json";
  namespaces: string[];
  disabledKinds: string[];
  streamingList: boolean;
  metricsIntervalMs: number;
  redactEnv: boolean;
  readOnly: boolean;
  allowedActions: string[];
  protectedNamespaces: string[];
  allowSecretRead: boolean;
  allowApply: boolean;
  commandTimeoutMs: number;
  maxConcurrentCommands: number;
  shutdownGraceMs: number;
  healthAddr: string;
  leaderElection: boolean;
  leaderElectionNamespace: string;
  leaderElectionName: string;
  podName: string;
}

type Kind = "string" | "url" | "duration" | "bool" | "int" | "list" | "addr" | "enum";

/** One environment variable. */
export interface Setting {
  env: string;
  key: keyof AgentConfig;
  kind: Kind;
  default: string;
  help: string;
  /** Allowed values of an `enum`. */
  values?: readonly string[];
  /** Inclusive bounds of an `int` or `duration` (milliseconds). */
  min?: number;
  max?: number;
  /** Read for compatibility with the Go agent; has no effect here. */
  ignored?: boolean;
}

/** Every setting, in `--help` order. */
export const SETTINGS: readonly Setting[] = [
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
    env: "AGENT_KUBECONFIG",
    key: "kubeconfig",
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
    help: "push a snapshot at least this often",
  },
  {
    env: "AGENT_SNAPSHOT_MIN_GAP",
    key: "snapshotMinGapMs",
    kind: "duration",
    default: "1s",
    min: 0,
    help: "minimum gap between change-triggered pushes",
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
    help: "wait this long for informers before the first push (then push what synced)",
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
    values: ["debug", "info", "warning", "warn", "error"],
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
    help: "comma-separated namespaces to watch; empty = all",
  },
  {
    env: "AGENT_DISABLED_KINDS",
    key: "disabledKinds",
    kind: "list",
    default: "",
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
    env: "AGENT_METRICS_INTERVAL",
    key: "metricsIntervalMs",
    kind: "duration",
    default: "30s",
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
    help: "comma-separated command allow-list; empty = all",
  },
  {
    env: "AGENT_PROTECTED_NAMESPACES",
    key: "protectedNamespaces",
    kind: "list",
    default: "kube-system",
    help: "namespaces where mutating commands are refused",
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
];

/** Go agent settings we accept and ignore (OpenTelemetry / ClickHouse is not part of this agent). */
export const IGNORED_SETTINGS: readonly string[] = [
  "AGENT_OTEL_CACHE_TTL",
  "AGENT_CLICKHOUSE_ENDPOINT",
  "AGENT_CLICKHOUSE_DATABASE",
  "AGENT_CLICKHOUSE_TIMEOUT",
];

/** Every bad setting at once. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** One line per bad setting. */
  readonly problems: string[];

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

function parseValue(setting: Setting, raw: string): { value?: unknown; problem?: string } {
  const text = raw.trim();
  const bad = (why: string) => ({ problem: `${setting.env}=${JSON.stringify(raw)}: ${why}` });
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
    case "list":
      return { value: text.split(",").map((s) => s.trim()).filter(Boolean) };
    case "addr": {
      if (text === "") return { value: "" };
      const match = /^(.*):(\d{1,5})$/.exec(text);
      if (!match || Number(match[2]) > 65535) return bad('must be "host:port" or ":port"');
      return { value: text };
    }
    case "enum": {
      const lower = text.toLowerCase();
      if (!setting.values?.includes(lower)) return bad(`must be one of ${setting.values?.join(", ")}`);
      return { value: lower === "warn" ? "warning" : lower };
    }
  }
}

/** Reads every setting from `env`; throws {@linkcode ConfigError} listing all bad values. */
export function loadConfig(env: Record<string, string | undefined>): AgentConfig {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const setting of SETTINGS) {
    const raw = env[setting.env];
    // An empty value means "default", as in the Go agent, except for an address, where it switches the server off.
    const useDefault = raw === undefined || (raw === "" && setting.kind !== "addr");
    const { value, problem } = parseValue(setting, useDefault ? setting.default : raw ?? "");
    if (problem) problems.push(problem);
    else config[setting.key] = value;
  }
  if (problems.length) throw new ConfigError(problems);
  return config as unknown as AgentConfig;
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
