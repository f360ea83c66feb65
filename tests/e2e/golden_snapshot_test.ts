/**
 * Golden test: the fixture cluster served by the fake API server, read by the real `snapshot` command in its own
 * process, must produce the reviewed `golden_snapshot.json` (times and ages normalised, lists sorted).
 * Regenerate after a reviewed change with `UPDATE_GOLDEN=1 deno test -A tests/e2e/golden_snapshot_test.ts`.
 */
import assert from "node:assert/strict";
import { kubeFixtures, nodeMetricsFixture, podMetricsFixture } from "../support/fixtures/mod.ts";
import { type KubeObject, startFakeApiServer } from "../support/fake_apiserver.ts";

const GOLDEN = new URL("./golden_snapshot.json", import.meta.url);
const CLI = new URL("../../agent/snapshot_cli.ts", import.meta.url).pathname;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Replaces values that depend on when the test runs, and sorts lists whose order is the store's. */
function normalise(value: Json, key = ""): Json {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalise(v));
    return key === "" ? items : items.sort((a, b) => identity(a).localeCompare(identity(b)));
  }
  if (value && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "age") out[k] = "<age>";
      else if (k === "fetchedAt") out[k] = "<fetchedAt>";
      else out[k] = normalise(v, k);
    }
    return out;
  }
  return value;
}

function identity(value: Json): string {
  if (!value || typeof value !== "object" || Array.isArray(value)) return JSON.stringify(value);
  const summary = (value.summary ?? value) as { [key: string]: Json };
  return `${summary.namespace ?? ""}/${summary.name ?? JSON.stringify(value)}`;
}

Deno.test("snapshot command turns the fixture cluster into the reviewed golden snapshot", async () => {
  const fixtures = kubeFixtures();
  const objects = Object.values(fixtures).flat() as KubeObject[];
  // No generated default namespaces: their creation time would be the time of the run.
  await using server = await startFakeApiServer({ fixtures: objects, defaultNamespaces: false });
  for (const item of podMetricsFixture().items ?? []) {
    const containers = (item.containers ?? []).map((c) => ({
      name: c.name ?? "",
      cpu: c.usage?.cpu ?? "0",
      memory: c.usage?.memory ?? "0",
    }));
    server.setPodMetrics(item.metadata?.namespace ?? "", item.metadata?.name ?? "", containers);
  }
  for (const item of nodeMetricsFixture().items ?? []) {
    server.setNodeMetrics(item.metadata?.name ?? "", {
      cpu: item.usage?.cpu ?? "0",
      memory: item.usage?.memory ?? "0",
    });
  }
  const dir = await Deno.makeTempDir();
  try {
    const kubeconfig = `${dir}/kubeconfig`;
    await server.writeKubeconfig(kubeconfig);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-read", "--allow-env", "--allow-sys", CLI],
      env: { AGENT_KUBECONFIG: kubeconfig, AGENT_CLUSTER_ID: "golden-cluster", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const snapshot = normalise(JSON.parse(new TextDecoder().decode(output.stdout)));
    if (Deno.env.get("UPDATE_GOLDEN")) {
      await Deno.writeTextFile(GOLDEN, JSON.stringify(snapshot, null, 2) + "\n");
    }
    const golden = JSON.parse(await Deno.readTextFile(GOLDEN));
    assert.deepEqual(snapshot, golden);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("snapshot command exits 1 naming the kinds that never synced", async () => {
  await using server = await startFakeApiServer();
  server.failNext(1_000, 500, { path: "/apis/apps/v1/deployments" });
  const dir = await Deno.makeTempDir();
  try {
    const kubeconfig = `${dir}/kubeconfig`;
    await server.writeKubeconfig(kubeconfig);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        CLI,
        "--summary",
        "--timeout",
        "2s",
      ],
      env: { AGENT_KUBECONFIG: kubeconfig, AGENT_CLUSTER_ID: "c", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1, stderr);
    assert.match(stderr, /did not sync within 2000 ms: deployments/);
    assert.equal(new TextDecoder().decode(output.stdout), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("snapshot command exits 1 with a clear message when the cluster cannot be reached", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kubeconfig = `${dir}/kubeconfig`;
    await Deno.writeTextFile(
      kubeconfig,
      "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:9'}}]\n" +
        "users: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-read", "--allow-env", "--allow-sys", CLI],
      env: { AGENT_KUBECONFIG: kubeconfig, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1, stderr);
    assert.match(stderr, /Cannot build a snapshot: Cannot read the kube-system namespace/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
