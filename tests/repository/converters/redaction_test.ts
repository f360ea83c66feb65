/**
 * The redaction snapshots and `dynamic` reads share, table-driven with realistic values.
 */
import assert from "node:assert/strict";
import {
  convertPod,
  isSensitiveEnvName,
  LAST_APPLIED_ANNOTATION,
  redactArgv,
  REDACTED,
  redactEnvValue,
  redactKubeObject,
  redactText,
} from "../../../agent/repository/converters/mod.ts";

const R = REDACTED;

Deno.test("isSensitiveEnvName() covers pass/pwd/secret/token/key/credential/auth/dsn/private", () => {
  for (
    const name of [
      "DB_PASS",
      "MYSQL_ROOT_PWD",
      "client_secret",
      "SLACK_TOKEN",
      "ENCRYPTION_KEY",
      "GOOGLE_APPLICATION_CREDENTIALS",
      "OAUTH_CALLBACK",
      "SENTRY_DSN",
      "PrivateRepo",
    ]
  ) assert.ok(isSensitiveEnvName(name), name);
  for (const name of ["LOG_LEVEL", "DATABASE_URL", "PORT", "NODE_ENV"]) {
    assert.ok(!isSensitiveEnvName(name), name);
  }
});

Deno.test("redactEnvValue() hides sensitive names whole and credentials inside other values", () => {
  const cases: [string, string, string][] = [
    ["DB_PASSWORD", "hunter2", R],
    ["SENTRY_DSN", "https://abc123@o1.ingest.sentry.io/42", R],
    ["DATABASE_URL", "postgres://app:s3cret@db.shop.svc:5432/app", "postgres://***@db.shop.svc:5432/app"],
    ["REDIS_URL", "redis://:s3cret@redis:6379/0", "redis://***@redis:6379/0"],
    ["AMQP_URL", "amqp://guest:guest@rabbitmq:5672/", "amqp://***@rabbitmq:5672/"],
    [
      "JAVA_OPTS",
      "-Xmx512m -Djavax.net.ssl.keyStorePassword=changeit",
      `-Xmx512m -Djavax.net.ssl.keyStorePassword=${R}`,
    ],
    [
      "WEBHOOK",
      "https://hooks.example.com/x?token=abc&team=1",
      `https://hooks.example.com/x?token=${R}&team=1`,
    ],
    ["UPSTREAM", "http://api.shop.svc:8080", "http://api.shop.svc:8080"],
    ["LOG_LEVEL", "debug", "debug"],
  ];
  for (const [name, value, expected] of cases) assert.equal(redactEnvValue(name, value), expected, name);
});

Deno.test("redactArgv() hides secret-looking flags in commands, args and probes", () => {
  const cases: [string[], string[]][] = [
    [["--password=hunter2", "--port=5432"], [`--password=${R}`, "--port=5432"]],
    [["--token", "abc123", "--verbose"], ["--token", R, "--verbose"]],
    [["--db-password", "$(DB_PASSWORD)"], ["--db-password", "$(DB_PASSWORD)"]],
    [["--tls-private-key-file=/etc/tls/tls.key"], ["--tls-private-key-file=/etc/tls/tls.key"]],
    [["--auth-token=", "x"], ["--auth-token=", "x"]],
    [["redis-cli", "-a", "s3cret", "ping"], ["redis-cli", "-a", R, "ping"]],
    [["/usr/bin/mysqladmin", "-uroot", "-ps3cret", "ping"], [
      "/usr/bin/mysqladmin",
      "-uroot",
      `-p${R}`,
      "ping",
    ]],
    [["sh", "-c", "redis-cli -a s3cret ping | grep PONG"], [
      "sh",
      "-c",
      `redis-cli -a ${R} ping | grep PONG`,
    ]],
    [["sh", "-c", "mysqladmin -u root -ps3cret ping"], ["sh", "-c", `mysqladmin -u root -p${R} ping`]],
    [["sh", "-c", "PGPASSWORD=s3cret psql -h db -c 'select 1'"], [
      "sh",
      "-c",
      `PGPASSWORD=${R} psql -h db -c 'select 1'`,
    ]],
    [["curl", "-f", "http://admin:admin@localhost:8080/health"], [
      "curl",
      "-f",
      "http://***@localhost:8080/health",
    ]],
    [["nginx", "-g", "daemon off;"], ["nginx", "-g", "daemon off;"]],
    [["-p", "8080"], ["-p", "8080"]],
  ];
  for (const [argv, expected] of cases) assert.deepEqual(redactArgv(argv), expected, argv.join(" "));
  assert.equal(redactText(""), "");
});

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "api-0",
    namespace: "shop",
    uid: "u1",
    annotations: { [LAST_APPLIED_ANNOTATION]: '{"env":"DB_PASSWORD=hunter2"}', team: "payments" },
    managedFields: [{ manager: "kubectl" }],
  },
  spec: {
    containers: [{
      name: "api",
      image: "shop/api:1",
      command: ["/api", "--db-password=hunter2"],
      args: ["--token", "abc123"],
      env: [
        { name: "DB_PASSWORD", value: "hunter2" },
        { name: "DATABASE_URL", value: "postgres://app:hunter2@db:5432/app" },
        { name: "FROM_SECRET", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        { name: "LOG_LEVEL", value: "info" },
      ],
      livenessProbe: { exec: { command: ["sh", "-c", "redis-cli -a hunter2 ping"] } },
      lifecycle: { preStop: { exec: { command: ["curl", "http://u:hunter2@localhost/drain"] } } },
    }],
    initContainers: [{ name: "init", image: "busybox", args: ["--secret=hunter2"] }],
  },
};

Deno.test("redactKubeObject() applies the snapshot's redaction to raw objects and lists", () => {
  const list = { kind: "PodList", metadata: {}, items: [pod] };
  const redacted = redactKubeObject(list);
  const text = JSON.stringify(redacted);
  assert.ok(!text.includes("hunter2"), text);
  assert.ok(!text.includes("abc123"), text);
  assert.ok(!text.includes("managedFields"));
  assert.ok(!text.includes(LAST_APPLIED_ANNOTATION));
  const item = (redacted as typeof list).items[0];
  assert.equal(item.metadata.annotations.team, "payments");
  const container = item.spec.containers[0];
  assert.deepEqual(container.env.map((e: { value?: string }) => e.value), [
    R,
    "postgres://***@db:5432/app",
    undefined,
    "info",
  ]);
  assert.deepEqual(container.args, ["--token", R]);
  // The input is not modified.
  assert.equal(pod.spec.containers[0].env[0].value, "hunter2");
  // Templates of workloads are redacted too.
  const deployment = { kind: "Deployment", spec: { template: { metadata: {}, spec: pod.spec } } };
  assert.ok(!JSON.stringify(redactKubeObject(deployment)).includes("hunter2"));
  assert.equal(redactKubeObject("text"), "text");
});

Deno.test("the snapshot's pod converter uses the same widened redaction", () => {
  const converted = JSON.stringify(convertPod(pod as Parameters<typeof convertPod>[0], {}));
  assert.ok(!converted.includes("hunter2"), converted);
  assert.ok(!converted.includes("abc123"), converted);
  const plain = JSON.stringify(convertPod(pod as Parameters<typeof convertPod>[0], { redactEnv: false }));
  assert.ok(plain.includes("hunter2"), "AGENT_REDACT_ENV=false turns it off");
});
