import assert from "node:assert/strict";
import {
  ConfigError,
  formatDuration,
  helpText,
  loadConfig,
  parseDuration,
  SETTINGS,
} from "../agent/config.ts";

Deno.test("parseDuration() reads Go duration syntax", () => {
  assert.equal(parseDuration("10s"), 10_000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("2h45m0.5s"), 9_900_500);
  assert.equal(parseDuration("0"), 0);
  for (const bad of ["", "10", "s", "10 s", "1x", "-5s", "ten seconds"]) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(100), "100ms");
});

Deno.test("loadConfig() applies the Go agent's defaults", () => {
  const config = loadConfig({});
  assert.equal(config.masterUrl, "http://localhost:8081");
  assert.equal(config.snapshotIntervalMs, 10_000);
  assert.equal(config.pushMode, "interval", "the cadence the Master's analytics assume");
  assert.equal(config.commandPollIntervalMs, 100);
  assert.equal(config.heartbeatIntervalMs, 15_000);
  assert.equal(config.commandPollTimeoutMs, 90_000);
  assert.equal(config.logLevel, "info");
  assert.equal(config.logFormat, "text");
  // kube-system and the agent's own namespace are protected by the command service itself; the setting adds.
  assert.deepEqual(config.protectedNamespaces, []);
  assert.deepEqual(config.aiAllowedActions, ["get_logs", "get_configmap", "dynamic"]);
  assert.deepEqual(config.imageAllowlist, []);
  assert.equal(config.commandMaxAgeMs, 600_000);
  assert.equal(config.readOnly, false);
  assert.equal(config.maxConcurrentCommands, 4);
  assert.equal(config.healthAddr, ":8082");
});

Deno.test("loadConfig() parses overrides and trims a trailing slash of the master URL", () => {
  const config = loadConfig({
    AGENT_MASTER_URL: "http://master:8081/",
    AGENT_SNAPSHOT_INTERVAL: "1m30s",
    AGENT_NAMESPACES: "a, b,,c",
    AGENT_READ_ONLY: "true",
    AGENT_LOG_LEVEL: "WARN",
    AGENT_MAX_CONCURRENT_COMMANDS: "8",
    AGENT_PUSH_MODE: "Change",
  });
  assert.equal(config.masterUrl, "http://master:8081");
  assert.equal(config.snapshotIntervalMs, 90_000);
  assert.deepEqual(config.namespaces, ["a", "b", "c"]);
  assert.equal(config.readOnly, true);
  assert.equal(config.logLevel, "warning");
  assert.equal(config.maxConcurrentCommands, 8);
  assert.equal(config.pushMode, "change");
});

Deno.test("loadConfig() reports every bad setting at once", () => {
  const error = (() => {
    try {
      loadConfig({
        AGENT_SNAPSHOT_INTERVAL: "ten",
        AGENT_MASTER_URL: "ftp://x",
        AGENT_READ_ONLY: "maybe",
        AGENT_MAX_CONCURRENT_COMMANDS: "0",
        AGENT_TIMEOUT_COMMAND_POLL: "60s",
        AGENT_LOG_FORMAT: "xml",
        AGENT_HEALTH_ADDR: "8082",
        AGENT_PUSH_MODE: "watch",
      });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(error instanceof ConfigError);
  assert.equal(error.problems.length, 8);
  for (
    const env of [
      "AGENT_SNAPSHOT_INTERVAL",
      "AGENT_MASTER_URL",
      "AGENT_READ_ONLY",
      "AGENT_MAX_CONCURRENT_COMMANDS",
      "AGENT_TIMEOUT_COMMAND_POLL",
      "AGENT_LOG_FORMAT",
      "AGENT_HEALTH_ADDR",
      "AGENT_PUSH_MODE",
    ]
  ) assert.match(error.message, new RegExp(env));
  assert.match(error.message, /AGENT_PUSH_MODE="watch": must be one of interval, change/);
});

Deno.test("helpText() lists every setting with its default", () => {
  const text = helpText();
  for (const setting of SETTINGS) {
    assert.match(text, new RegExp(`${setting.env}\\s`));
  }
  assert.match(text, /AGENT_SNAPSHOT_INTERVAL .*\(default 10s\)/);
});

Deno.test("loadConfig() turns the health server off with an empty AGENT_HEALTH_ADDR", () => {
  assert.equal(loadConfig({ AGENT_HEALTH_ADDR: "" }).healthAddr, "");
  assert.equal(loadConfig({}).healthAddr, ":8082");
  assert.equal(
    loadConfig({ AGENT_MASTER_URL: "" }).masterUrl,
    "http://localhost:8081",
    "empty = default elsewhere",
  );
});

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("loadConfig() refuses unknown actions and kinds and separator-only lists, all at once", () => {
  const error = configError(
    () =>
      loadConfig({
        AGENT_ALLOWED_ACTIONS: "scal",
        AGENT_AI_ALLOWED_ACTIONS: "dynamic,exec",
        AGENT_DISABLED_KINDS: "pods,foo",
        AGENT_PROTECTED_NAMESPACES: " , ,",
        AGENT_NAMESPACES: "shop,../x",
        AGENT_COMMAND_MAX_AGE: "1s",
      }),
  );
  const problems = error.problems.join("\n");
  assert.equal(error.problems.length, 6, problems);
  assert.match(problems, /AGENT_ALLOWED_ACTIONS="scal": "scal": unknown action \(known: scale, /);
  assert.match(problems, /AGENT_AI_ALLOWED_ACTIONS="dynamic,exec": "exec": unknown action/);
  assert.match(problems, /AGENT_DISABLED_KINDS="pods,foo": "foo": unknown kind \(known: pods, /);
  assert.match(problems, /AGENT_PROTECTED_NAMESPACES=" , ,": has only separators/);
  assert.match(problems, /AGENT_NAMESPACES="shop,..\/x": "..\/x": not a namespace name/);
  assert.match(problems, /AGENT_COMMAND_MAX_AGE="1s": must be at least 10s/);
});

Deno.test("loadConfig() reads the new safety settings", () => {
  const config = loadConfig({
    AGENT_AI_ALLOWED_ACTIONS: "get_logs, dynamic",
    AGENT_IMAGE_ALLOWLIST: "ghcr.io/acme/,registry.example.com/team",
    AGENT_COMMAND_MAX_AGE: "2m",
    AGENT_PROTECTED_NAMESPACES: "prod",
  });
  assert.deepEqual(config.aiAllowedActions, ["get_logs", "dynamic"]);
  assert.deepEqual(config.imageAllowlist, ["ghcr.io/acme/", "registry.example.com/team"]);
  assert.equal(config.commandMaxAgeMs, 120_000);
  assert.deepEqual(config.protectedNamespaces, ["prod"]);
});

Deno.test("loadConfig() never echoes credentials of a bad master URL", () => {
  const error = configError(() => loadConfig({ AGENT_MASTER_URL: "ftp://admin:hunter2@master:21" }));
  assert.match(error.message, /AGENT_MASTER_URL="ftp:\/\/\*\*\*@master:21"/);
  assert.ok(!error.message.includes("hunter2"));
});

Deno.test("loadConfig() fills one field per setting; AGENT_KUBECONFIG is left to the connection layer", () => {
  const config = loadConfig({ AGENT_KUBECONFIG: "/tmp/kubeconfig" });
  const keys = SETTINGS.flatMap((setting) => setting.key === undefined ? [] : [setting.key]);
  assert.deepEqual(Object.keys(config).sort(), [...keys].sort());
  assert.equal(new Set(keys).size, keys.length, "no field is filled twice");
  assert.ok(!("kubeconfig" in config), "loadConnectionConfig() reads AGENT_KUBECONFIG itself");
  assert.ok(SETTINGS.some((setting) => setting.env === "AGENT_KUBECONFIG"), "still listed for --help");
});

Deno.test("an enum setting accepts its values and aliases, and names both when refusing", () => {
  assert.equal(loadConfig({ AGENT_LOG_LEVEL: "WARN" }).logLevel, "warning");
  assert.equal(loadConfig({ AGENT_LOG_LEVEL: "error" }).logLevel, "error");
  const error = configError(() => loadConfig({ AGENT_LOG_LEVEL: "loud" }));
  assert.match(error.message, /AGENT_LOG_LEVEL="loud": must be one of debug, info, warning, error, warn/);
});
