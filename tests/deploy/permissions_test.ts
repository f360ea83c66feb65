import assert from "node:assert/strict";
import { IGNORED_SETTINGS, SETTINGS } from "../../agent/config.ts";
import { permissionFlags, startFlags } from "../../deploy/compile.ts";

const denoJson = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url))) as {
  tasks: Record<string, string>;
};

function envList(flags: string[]): string[] {
  const flag = flags.find((f) => f.startsWith("--allow-env="));
  return flag ? flag.slice("--allow-env=".length).split(",") : [];
}

Deno.test("start task grants exactly the narrow permission set", async () => {
  const flags = await startFlags();
  assert.deepEqual(flags.map((f) => f.split("=")[0]).sort(), [
    "--allow-env",
    "--allow-net",
    "--allow-read",
    "--allow-sys",
  ]);
  assert.ok(!flags.includes("-A") && !flags.includes("--allow-all"));
  assert.ok(!flags.some((f) => f.startsWith("--allow-run") || f.startsWith("--allow-write")));
  assert.equal(flags.find((f) => f.startsWith("--allow-sys")), "--allow-sys=hostname,osRelease");
});

Deno.test("start task allows every variable the agent reads and nothing unlisted", async () => {
  const env = envList(await startFlags());
  for (const setting of SETTINGS) {
    assert.ok(env.includes(setting.env), `${setting.env} missing from --allow-env`);
  }
  for (const name of IGNORED_SETTINGS) assert.ok(env.includes(name), `${name} missing from --allow-env`);
  const standard = [
    "KUBECONFIG",
    "HOME",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "POD_NAMESPACE",
    "LOG_TOKENS",
    "LOG_STREAM",
  ];
  for (const name of standard) assert.ok(env.includes(name), `${name} missing from --allow-env`);
  const known = new Set([...SETTINGS.map((s) => s.env), ...IGNORED_SETTINGS, ...standard]);
  assert.deepEqual(env.filter((name) => !known.has(name)), []);
});

Deno.test("start:exec and snapshot tasks use the start flags; only start:exec may run plugins", async () => {
  const start = await startFlags();
  assert.deepEqual(permissionFlags(denoJson.tasks["snapshot"]), start);
  assert.deepEqual(permissionFlags(denoJson.tasks["start:exec"]), [...start, "--allow-run"]);
});

Deno.test("the Dockerfile compiles through the compile task, so the image has the start flags", async () => {
  const dockerfile = await Deno.readTextFile(new URL("../../deploy/Dockerfile", import.meta.url));
  assert.match(dockerfile, /RUN deno task compile --output \/app\/atlhyper-agent/);
  assert.match(dockerfile, /FROM gcr\.io\/distroless\/cc-debian12:nonroot/);
  assert.match(dockerfile, /FROM denoland\/deno:[a-z]+-2\.9\.6 AS build/);
});
