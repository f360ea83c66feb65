import assert from "node:assert/strict";
import { parse } from "yaml";
import { IGNORED_SETTINGS, SETTINGS } from "../../agent/config.ts";
import {
  permissionFlags,
  permissionSetFlags,
  permissionSetName,
  startEnv,
  startFlags,
  taskEnv,
  v8Flags,
} from "../../deploy/compile.ts";

const ROOT = new URL("../../", import.meta.url);
const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
  tasks: Record<string, string>;
};

function envList(flags: string[]): string[] {
  const flag = flags.find((f) => f.startsWith("--allow-env="));
  return flag ? flag.slice("--allow-env=".length).split(",") : [];
}

Deno.test("start task grants exactly the narrow permission set", async () => {
  const all = await startFlags();
  // The V8 settings ride along (the compile step and the benchmarks run the agent exactly as `start` does).
  assert.deepEqual(all.filter((f) => f.startsWith("--v8-flags=")), ["--v8-flags=--max-semi-space-size=1"]);
  const flags = all.filter((f) => !f.startsWith("--v8-flags="));
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

Deno.test("start, start:exec and snapshot load the one agent permission set; only start:exec may run plugins", () => {
  for (const task of ["start", "start:exec", "snapshot"]) {
    assert.equal(permissionSetName(denoJson.tasks[task]), "agent", `${task} loads -P=agent`);
  }
  assert.deepEqual(permissionFlags(denoJson.tasks["start"]), []);
  assert.deepEqual(permissionFlags(denoJson.tasks["snapshot"]), []);
  assert.deepEqual(permissionFlags(denoJson.tasks["start:exec"]), ["--allow-run"]);
});

Deno.test("no task command line is long: `deno task` echoes it before running", () => {
  for (const [name, command] of Object.entries(denoJson.tasks)) {
    assert.ok(command.length <= 200, `task ${name} is ${command.length} characters long`);
  }
});

Deno.test("permissionSetFlags() spells a deno.json permission set out as flags, refusing shapes it does not know", () => {
  assert.deepEqual(
    permissionSetFlags({ env: ["A", "B"], read: true, write: false, net: { allow: ["h:1"], deny: ["h:2"] } }),
    ["--allow-net=h:1", "--deny-net=h:2", "--allow-read", "--allow-env=A,B"],
  );
  assert.throws(() => permissionSetFlags({ all: true }), /unsupported all/);
  assert.throws(() => permissionSetFlags({ read: { ignore: true } }), /unsupported read.ignore/);
  assert.throws(() => permissionSetFlags({ env: [] }), /Cannot turn env.allow/);
  assert.equal(permissionSetName("deno run -P agent/main.ts"), "default");
  assert.equal(permissionSetName("deno run --permission-set=x main.ts"), "x");
  assert.equal(permissionSetName("deno run --allow-net main.ts"), undefined);
});

/** What a process may do, as it sees it: every variable of the set, one that is not, and the other permissions. */
async function grants(flags: string[], variables: string[]): Promise<unknown> {
  const probe = `
    const q = (d) => Deno.permissions.querySync(d).state;
    const env = Object.fromEntries(${
    JSON.stringify(variables)
  }.map((v) => [v, q({ name: "env", variable: v })]));
    const sys = Object.fromEntries(["hostname", "osRelease", "loadavg"].map((k) => [k, q({ name: "sys", kind: k })]));
    console.log(JSON.stringify({
      env, sys, net: q({ name: "net" }), read: q({ name: "read" }), write: q({ name: "write" }),
      run: q({ name: "run" }), ffi: q({ name: "ffi" }), anyEnv: q({ name: "env" }),
    }));`;
  const file = await Deno.makeTempFile({ suffix: ".js" });
  try {
    await Deno.writeTextFile(file, probe);
    const output = await new Deno.Command(Deno.execPath(), {
      // The probe lives outside the repository: name the config whose permission set `-P` loads.
      args: ["run", "--no-prompt", "--config", new URL("deno.json", ROOT).pathname, ...flags, file],
      cwd: ROOT.pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    return JSON.parse(new TextDecoder().decode(output.stdout));
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("startFlags() grants what `deno run -P=agent` grants, variable by variable", async () => {
  const flags = await startFlags();
  const variables = [...envList(flags), "NOT_AN_AGENT_SETTING"];
  const bySet = await grants(["-P=agent"], variables);
  assert.deepEqual(await grants(flags.filter((f) => !f.startsWith("--v8-flags=")), variables), bySet);
  const env = (bySet as { env: Record<string, string> }).env;
  assert.equal(env["AGENT_MASTER_URL"], "granted");
  assert.equal(env["NOT_AN_AGENT_SETTING"], "prompt", "the probe can tell a missing grant");
});

Deno.test("the Dockerfile compiles through the compile task, so the image has the start flags", async () => {
  const dockerfile = await Deno.readTextFile(new URL("../../deploy/Dockerfile", import.meta.url));
  assert.match(dockerfile, /RUN deno task compile --output \/app\/atlhyper-agent/);
  assert.match(dockerfile, /FROM gcr\.io\/distroless\/cc-debian12:nonroot/);
  assert.match(dockerfile, /FROM denoland\/deno:[a-z]+-2\.9\.6 AS build/);
});

Deno.test("startFlags() returns the set's flags, the task's own flags, then its V8 settings", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const write = (start: string, permissions?: unknown) =>
      Deno.writeTextFile(file, JSON.stringify({ permissions, tasks: { start } }));
    await write("deno run -P=agent --allow-run --v8-flags=--max-old-space-size=256 agent/main.ts", {
      agent: { net: true, env: ["A"] },
    });
    assert.deepEqual(await startFlags(new URL(`file://${file}`)), [
      "--allow-net",
      "--allow-env=A",
      "--allow-run",
      "--v8-flags=--max-old-space-size=256",
    ]);
    await write("deno run --allow-net --v8-flags=--jitless agent/main.ts");
    assert.deepEqual(await startFlags(new URL(`file://${file}`)), ["--allow-net", "--v8-flags=--jitless"]);
    await write("deno run -P=missing agent/main.ts", { agent: { net: true } });
    await assert.rejects(startFlags(new URL(`file://${file}`)), /permission set "missing"/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("the runtime settings ship identically: start tasks, Dockerfile ENV, Deployment env and V8 flags", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const env = await startEnv();
  assert.deepEqual(env, { MALLOC_MMAP_THRESHOLD_: "65536", MALLOC_TRIM_THRESHOLD_: "131072" });
  for (const task of ["start", "start:exec", "snapshot"]) {
    assert.deepEqual(taskEnv(denoJson.tasks[task]), env, `${task} sets the same environment`);
    assert.deepEqual(
      v8Flags(denoJson.tasks[task]),
      v8Flags(denoJson.tasks.start),
      `${task} has the same V8 flags`,
    );
  }
  const dockerfile = await Deno.readTextFile(new URL("../../deploy/Dockerfile", import.meta.url));
  for (const [name, value] of Object.entries(env)) {
    assert.match(
      dockerfile,
      new RegExp(`ENV[^\\n]*(\\\\\\n[^\\n]*)*\\b${name}=${value}\\b`),
      `Dockerfile ENV ${name}`,
    );
  }
  const deployment = parse(
    await Deno.readTextFile(new URL("../../deploy/kubernetes/base/deployment.yaml", import.meta.url)),
  ) as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  const containerEnv = new Map(
    deployment.spec.template.spec.containers[0].env.map((e) => [e.name, e.value]),
  );
  for (const [name, value] of Object.entries(env)) {
    assert.equal(containerEnv.get(name), value, `Deployment ${name}`);
  }
  // The Deployment repeats the start task's V8 flags and adds only the old-space cap sized with its memory limit.
  const startV8 = v8Flags(denoJson.tasks.start).map((f) => f.slice("--v8-flags=".length)).join(",").split(
    ",",
  );
  const deployed = (containerEnv.get("DENO_V8_FLAGS") ?? "").split(",");
  assert.deepEqual(deployed.filter((f) => !f.startsWith("--max-old-space-size=")), startV8);
  assert.equal(deployed.filter((f) => f.startsWith("--max-old-space-size=")).length, 1);
});
