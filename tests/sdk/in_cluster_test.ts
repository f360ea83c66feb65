import assert from "node:assert/strict";
import { join } from "node:path";
import { denoOs, type OsSeam } from "../../agent/sdk/_os.ts";
import { KubeConfigError } from "../../agent/sdk/errors.ts";
import { inClusterServer, isInCluster, loadInClusterConfig } from "../../agent/sdk/in_cluster.ts";
import { FakeClock } from "../support/fake_clock.ts";

const TESTDATA = join(import.meta.dirname ?? ".", "testdata");
const CA_PEM = await Deno.readTextFile(join(TESTDATA, "ca.crt"));

/** The real file system with a fake environment and, optionally, no read permission. */
function fakeOs(env: Record<string, string>, options: { canRead?: boolean } = {}): OsSeam {
  return {
    ...denoOs,
    env: (name) => env[name],
    homeDir: () => undefined,
    canRead: () => Promise.resolve(options.canRead ?? true),
  };
}

/** A temporary directory standing in for the service account mount. */
async function serviceAccountDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "serviceaccount_" });
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  return dir;
}

const SERVICE_ENV = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

Deno.test("inClusterServer() brackets IPv6 hosts", () => {
  assert.equal(inClusterServer("10.96.0.1", "443"), "https://10.96.0.1:443");
  assert.equal(inClusterServer("fd00:10:96::1", "443"), "https://[fd00:10:96::1]:443");
  assert.equal(inClusterServer("[fd00::1]", "6443"), "https://[fd00::1]:6443");
  assert.equal(inClusterServer("kubernetes.default.svc", "443"), "https://kubernetes.default.svc:443");
});

Deno.test("isInCluster() needs both service variables", () => {
  assert.equal(isInCluster({ os: fakeOs(SERVICE_ENV) }), true);
  assert.equal(isInCluster({ os: fakeOs({ KUBERNETES_SERVICE_HOST: "10.96.0.1" }) }), false);
  assert.equal(isInCluster({ os: fakeOs({}) }), false);
});

Deno.test("loadInClusterConfig() reads the service account and re-reads a rotated token", async (t) => {
  const dir = await serviceAccountDir({ token: "sa-token-1\n", "ca.crt": CA_PEM, namespace: "atlhyper\n" });
  try {
    const clock = new FakeClock(0);
    const config = await loadInClusterConfig({ os: fakeOs(SERVICE_ENV), clock, serviceAccountDir: dir });

    await t.step("builds the connection from the environment and the files", async () => {
      assert.equal(config.server, "https://10.96.0.1:443");
      assert.equal(config.caPem, CA_PEM);
      assert.equal(config.namespace, "atlhyper");
      assert.equal(config.source, `in-cluster (service account ${dir})`);
      assert.equal(config.auth.description, `token file ${join(dir, "token")}`);
      assert.deepEqual(await config.auth.credentials(), { token: "sa-token-1" });
    });
    await t.step("picks up a rotated token after a minute", async () => {
      await Deno.writeTextFile(join(dir, "token"), "sa-token-2\n");
      assert.deepEqual(await config.auth.credentials(), { token: "sa-token-1" });
      clock.advance(60_000);
      assert.deepEqual(await config.auth.credentials(), { token: "sa-token-2" });
    });
    await t.step("picks up a rotated token at once after invalidate()", async () => {
      await Deno.writeTextFile(join(dir, "token"), "sa-token-3\n");
      config.auth.invalidate();
      assert.deepEqual(await config.auth.credentials(), { token: "sa-token-3" });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadInClusterConfig() uses an IPv6 host, POD_NAMESPACE and the default namespace", async (t) => {
  const dir = await serviceAccountDir({ token: "t", "ca.crt": CA_PEM });
  try {
    await t.step("brackets the IPv6 service host", async () => {
      const os = fakeOs({ KUBERNETES_SERVICE_HOST: "fd00:10:96::1", KUBERNETES_SERVICE_PORT: "6443" });
      const config = await loadInClusterConfig({ os, serviceAccountDir: dir });
      assert.equal(config.server, "https://[fd00:10:96::1]:6443");
    });
    await t.step("defaults the namespace when the file is missing", async () => {
      const config = await loadInClusterConfig({ os: fakeOs(SERVICE_ENV), serviceAccountDir: dir });
      assert.equal(config.namespace, "default");
    });
    await t.step("prefers POD_NAMESPACE", async () => {
      const os = fakeOs({ ...SERVICE_ENV, POD_NAMESPACE: "from-downward-api" });
      const config = await loadInClusterConfig({ os, serviceAccountDir: dir });
      assert.equal(config.namespace, "from-downward-api");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadInClusterConfig() fails clearly when the service account is unusable", async (t) => {
  const dir = await serviceAccountDir({ "ca.crt": CA_PEM });
  try {
    const fails = async (os: OsSeam, pattern: RegExp) => {
      await assert.rejects(loadInClusterConfig({ os, serviceAccountDir: dir }), (error: unknown) => {
        assert.ok(error instanceof KubeConfigError);
        assert.match(error.message, pattern);
        return true;
      });
    };
    await t.step("without the service variables", async () => {
      await fails(fakeOs({}), /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set/);
    });
    await t.step("with a port that is not a number", async () => {
      await fails(
        fakeOs({ ...SERVICE_ENV, KUBERNETES_SERVICE_PORT: "https" }),
        /KUBERNETES_SERVICE_PORT "https" is not a port/,
      );
    });
    await t.step("without read permission, instead of prompting", async () => {
      await fails(
        fakeOs(SERVICE_ENV, { canRead: false }),
        new RegExp(`^Cannot read service account file ".*token": lacking --allow-read=${dir}`),
      );
    });
    await t.step("without a token file", async () => {
      await fails(fakeOs(SERVICE_ENV), /^Cannot read token file ".*token": file not found$/);
    });
    await t.step("without a CA file", async () => {
      await Deno.writeTextFile(join(dir, "token"), "t");
      await Deno.remove(join(dir, "ca.crt"));
      await fails(fakeOs(SERVICE_ENV), /^Cannot read service account CA ".*ca.crt": file not found$/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
