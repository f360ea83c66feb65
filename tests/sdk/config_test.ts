import assert from "node:assert/strict";
import { join } from "node:path";
import { denoOs, type OsSeam } from "../../agent/sdk/_os.ts";
import { loadConnectionConfig } from "../../agent/sdk/config.ts";
import { KubeConfigError } from "../../agent/sdk/errors.ts";

const TESTDATA = join(import.meta.dirname ?? ".", "testdata");
const MERGE_A = join(TESTDATA, "merge_a.yaml");
const MERGE_B = join(TESTDATA, "merge_b.yaml");
const NESTED = join(TESTDATA, "nested", "config");
const SERVICE_ENV = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

/** The real file system with a fake environment and home directory. */
function fakeOs(env: Record<string, string>, home?: string): OsSeam {
  return { ...denoOs, env: (name) => env[name], homeDir: () => home };
}

/** A temporary home directory with `.kube/config` copied from a fixture, and a service account directory. */
async function sandbox(): Promise<{ home: string; serviceAccountDir: string } & AsyncDisposable> {
  const root = await Deno.makeTempDir({ prefix: "connection_config_" });
  const home = join(root, "home");
  const serviceAccountDir = join(root, "serviceaccount");
  await Deno.mkdir(join(home, ".kube"), { recursive: true });
  await Deno.mkdir(serviceAccountDir);
  await Deno.copyFile(MERGE_B, join(home, ".kube", "config"));
  await Deno.writeTextFile(join(serviceAccountDir, "token"), "sa-token");
  await Deno.copyFile(join(TESTDATA, "ca.crt"), join(serviceAccountDir, "ca.crt"));
  await Deno.writeTextFile(join(serviceAccountDir, "namespace"), "atlhyper");
  return {
    home,
    serviceAccountDir,
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof KubeConfigError, `expected a KubeConfigError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("loadConnectionConfig() resolves sources in order", async (t) => {
  await using box = await sandbox();
  const { home, serviceAccountDir } = box;
  const everything = {
    AGENT_KUBECONFIG: NESTED,
    KUBECONFIG: `${MERGE_A}:${MERGE_B}`,
    ...SERVICE_ENV,
  };

  await t.step("AGENT_KUBECONFIG first", async () => {
    const config = await loadConnectionConfig({ os: fakeOs(everything, home), serviceAccountDir });
    assert.equal(config.source, `kubeconfig ${NESTED} (context files)`);
    assert.equal(config.server, "https://127.0.0.1:40123");
  });
  await t.step("then KUBECONFIG, merged", async () => {
    const { AGENT_KUBECONFIG: _, ...env } = everything;
    const config = await loadConnectionConfig({ os: fakeOs(env, home), serviceAccountDir });
    assert.equal(config.source, `kubeconfig ${MERGE_A}:${MERGE_B} (context a-ctx)`);
    assert.deepEqual(await config.auth.credentials(), { token: "a-token" });
  });
  await t.step("then the in-cluster service account", async () => {
    const config = await loadConnectionConfig({ os: fakeOs(SERVICE_ENV, home), serviceAccountDir });
    assert.equal(config.source, `in-cluster (service account ${serviceAccountDir})`);
    assert.equal(config.server, "https://10.96.0.1:443");
    assert.equal(config.namespace, "atlhyper");
    assert.deepEqual(await config.auth.credentials(), { token: "sa-token" });
  });
  await t.step("then ~/.kube/config", async () => {
    const config = await loadConnectionConfig({ os: fakeOs({}, home), serviceAccountDir });
    assert.equal(config.source, `kubeconfig ${join(home, ".kube", "config")} (context b-ctx)`);
    assert.equal(config.server, "https://only-b.example:6443");
  });
  await t.step("an explicit context overrides current-context", async () => {
    const config = await loadConnectionConfig({ os: fakeOs({}, home), context: "shared-ctx" });
    assert.equal(config.source, `kubeconfig ${join(home, ".kube", "config")} (context shared-ctx)`);
  });
});

Deno.test("loadConnectionConfig() skips missing KUBECONFIG entries but not all of them", async (t) => {
  await t.step("skips a missing entry and an empty one", async () => {
    const os = fakeOs({ KUBECONFIG: `${join(TESTDATA, "missing.yaml")}::${MERGE_B}` });
    const config = await loadConnectionConfig({ os });
    assert.equal(config.source, `kubeconfig ${MERGE_B} (context b-ctx)`);
  });
  await t.step("fails when no entry exists, without falling back", async () => {
    const os = fakeOs({ KUBECONFIG: join(TESTDATA, "missing.yaml"), ...SERVICE_ENV });
    await rejectsWith(
      loadConnectionConfig({ os }),
      /^Cannot read kubeconfig ".*missing.yaml": file not found$/,
    );
  });
  await t.step("fails when AGENT_KUBECONFIG names a missing file", async () => {
    const os = fakeOs({ AGENT_KUBECONFIG: "/nowhere/config", KUBECONFIG: MERGE_A });
    await rejectsWith(
      loadConnectionConfig({ os }),
      /^Cannot read kubeconfig "\/nowhere\/config": file not found$/,
    );
  });
});

Deno.test("loadConnectionConfig() lists what it tried when nothing is found", async (t) => {
  await using box = await sandbox();
  await t.step("with a home directory", async () => {
    const emptyHome = join(box.home, "empty");
    await rejectsWith(
      loadConnectionConfig({ os: fakeOs({}, emptyHome) }),
      new RegExp(
        "^Cannot find a Kubernetes configuration: tried AGENT_KUBECONFIG \\(unset\\), KUBECONFIG \\(unset\\), " +
          "in-cluster service account \\(KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT unset\\), " +
          `"${emptyHome}/.kube/config" \\(file not found\\)$`,
      ),
    );
  });
  await t.step("without a home directory", async () => {
    await rejectsWith(loadConnectionConfig({ os: fakeOs({}) }), /~\/.kube\/config \(HOME unset\)$/);
  });
});

Deno.test("loadConnectionConfig() rejects a context with the in-cluster configuration", async () => {
  await using box = await sandbox();
  await rejectsWith(
    loadConnectionConfig({
      os: fakeOs(SERVICE_ENV),
      context: "dev",
      serviceAccountDir: box.serviceAccountDir,
    }),
    /^Cannot select context "dev": the in-cluster configuration has no contexts/,
  );
});
