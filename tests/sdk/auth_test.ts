import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BasicAuth,
  type ExecConfig,
  ExecCredentialAuth,
  NoAuth,
  StaticTokenAuth,
  TokenFileAuth,
} from "../../agent/sdk/auth.ts";
import { KubeConfigError } from "../../agent/sdk/errors.ts";
import { ExecPlugin } from "./testdata/exec_plugin.ts";
import { FakeClock } from "../support/fake_clock.ts";

const TESTDATA = join(import.meta.dirname ?? ".", "testdata");
const V1 = "client.authentication.k8s.io/v1";
const V1BETA1 = "client.authentication.k8s.io/v1beta1";
const EXPIRY = "2030-01-01T00:00:00Z";
const EXPIRY_MS = Date.parse(EXPIRY);

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof KubeConfigError, `expected a KubeConfigError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

function throwsWith(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof KubeConfigError, `expected a KubeConfigError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

function execConfig(plugin: ExecPlugin, overrides: Partial<ExecConfig> = {}): ExecConfig {
  return { apiVersion: V1, command: plugin.command, interactiveMode: "Never", ...overrides };
}

function tokenResponse(apiVersion: string, extra: Record<string, unknown> = {}): unknown {
  return { apiVersion, kind: "ExecCredential", status: { token: "token-COUNT", ...extra } };
}

Deno.test("static providers return their fixed credentials", async () => {
  assert.deepEqual(await new NoAuth().credentials(), {});
  assert.equal(new NoAuth("client certificate").description, "client certificate");
  assert.deepEqual(await new StaticTokenAuth("abc").credentials(), { token: "abc" });
  const basic = new BasicAuth("admin", "secret");
  assert.deepEqual(await basic.credentials(), { basic: { username: "admin", password: "secret" } });
  assert.equal(basic.description, `basic auth user "admin"`);
  const aborted = AbortSignal.abort(new Error("stop"));
  await assert.rejects(new StaticTokenAuth("abc").credentials(aborted), /stop/);
});

Deno.test("TokenFileAuth re-reads a rotated token after the refresh interval or invalidate()", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "token_file_" });
  try {
    const path = join(dir, "token");
    const clock = new FakeClock(0);
    const auth = new TokenFileAuth(path, { clock, refreshMs: 60_000 });
    assert.equal(auth.description, `token file ${path}`);

    await t.step("reads and trims the token on first use", async () => {
      await Deno.writeTextFile(path, "token-1\n");
      assert.deepEqual(await auth.credentials(), { token: "token-1" });
    });
    await t.step("keeps the cached token within the interval", async () => {
      await Deno.writeTextFile(path, "token-2\n");
      clock.advance(59_999);
      assert.deepEqual(await auth.credentials(), { token: "token-1" });
    });
    await t.step("re-reads once the interval passed", async () => {
      clock.advance(1);
      assert.deepEqual(await auth.credentials(), { token: "token-2" });
    });
    await t.step("re-reads at once after invalidate()", async () => {
      await Deno.writeTextFile(path, "token-3");
      assert.deepEqual(await auth.credentials(), { token: "token-2" });
      auth.invalidate();
      assert.deepEqual(await auth.credentials(), { token: "token-3" });
    });
    await t.step("keeps the last good token when a due re-read fails", async () => {
      await Deno.remove(path);
      clock.advance(60_000);
      assert.deepEqual(await auth.credentials(), { token: "token-3" });
    });
    await t.step("fails when the file is gone and the token was invalidated", async () => {
      auth.invalidate();
      await rejectsWith(auth.credentials(), /^Cannot read token file ".*token": file not found$/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TokenFileAuth uses the initial token until the first refresh is due", async () => {
  const clock = new FakeClock(1_000);
  const auth = new TokenFileAuth(join(TESTDATA, "nested", "token.txt"), { clock, initialToken: "startup" });
  assert.deepEqual(await auth.credentials(), { token: "startup" });
  clock.advance(60_000);
  assert.deepEqual(await auth.credentials(), { token: "nested-token" });
});

Deno.test("TokenFileAuth rejects an empty token file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "token_file_" });
  try {
    await Deno.writeTextFile(join(dir, "token"), " \n");
    const auth = new TokenFileAuth(join(dir, "token"));
    await rejectsWith(auth.credentials(), /^Cannot read token file ".*token": file is empty$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const apiVersion of [V1, V1BETA1]) {
  Deno.test(`ExecCredentialAuth caches ${apiVersion} credentials until shortly before expiry`, async (t) => {
    await using plugin = await ExecPlugin.create();
    await plugin.respond(tokenResponse(apiVersion, { expirationTimestamp: EXPIRY }));
    const clock = new FakeClock(EXPIRY_MS - 60_000);
    const auth = new ExecCredentialAuth(execConfig(plugin, { apiVersion }), { clock, refreshSkewMs: 10_000 });
    assert.equal(auth.description, `exec ${plugin.command}`);

    await t.step("runs the plugin on first use", async () => {
      assert.deepEqual(await auth.credentials(), { token: "token-1" });
      assert.equal(await plugin.invocations(), 1);
    });
    await t.step("sends a non-interactive ExecCredential request", async () => {
      assert.deepEqual(await plugin.execInfo(), {
        apiVersion,
        kind: "ExecCredential",
        spec: { interactive: false },
      });
    });
    await t.step("serves the cache until the refresh skew", async () => {
      clock.advance(49_999);
      assert.deepEqual(await auth.credentials(), { token: "token-1" });
      assert.equal(await plugin.invocations(), 1);
    });
    await t.step("runs again inside the refresh skew", async () => {
      clock.advance(1);
      assert.deepEqual(await auth.credentials(), { token: "token-2" });
      assert.equal(await plugin.invocations(), 2);
    });
    await t.step("runs again after expiry", async () => {
      await plugin.respond(tokenResponse(apiVersion, { expirationTimestamp: "2030-01-01T01:00:00Z" }));
      clock.advance(60_000);
      assert.deepEqual(await auth.credentials(), { token: "token-3" });
      assert.deepEqual(await auth.credentials(), { token: "token-3" });
      assert.equal(await plugin.invocations(), 3);
    });
  });
}

Deno.test("ExecCredentialAuth caches credentials without expiry until invalidate()", async (t) => {
  await using plugin = await ExecPlugin.create();
  await plugin.respond(tokenResponse(V1));
  const clock = new FakeClock(0);
  const auth = new ExecCredentialAuth(execConfig(plugin), { clock });

  await t.step("concurrent callers share one run", async () => {
    const results = await Promise.all([auth.credentials(), auth.credentials(), auth.credentials()]);
    assert.deepEqual(results, [{ token: "token-1" }, { token: "token-1" }, { token: "token-1" }]);
    assert.equal(await plugin.invocations(), 1);
  });
  await t.step("keeps the credentials however much time passes", async () => {
    clock.advance(365 * 24 * 3600_000);
    assert.deepEqual(await auth.credentials(), { token: "token-1" });
    assert.equal(await plugin.invocations(), 1);
  });
  await t.step("runs again after invalidate()", async () => {
    auth.invalidate();
    assert.deepEqual(await auth.credentials(), { token: "token-2" });
    assert.equal(await plugin.invocations(), 2);
  });
});

Deno.test("ExecCredentialAuth passes env, args and cluster info to the plugin", async () => {
  await using plugin = await ExecPlugin.create();
  await plugin.respond(tokenResponse(V1BETA1));
  const cluster = {
    server: "https://10.0.0.1:6443",
    "certificate-authority-data": "Q0E=",
    config: { audience: "agent" },
  };
  const auth = new ExecCredentialAuth(
    execConfig(plugin, {
      apiVersion: V1BETA1,
      args: ["get-token", "--cluster", "dev"],
      env: [{ name: "PLUGIN_GREETING", value: "hello plugin" }],
      provideClusterInfo: true,
    }),
    { cluster },
  );
  assert.deepEqual(await auth.credentials(), { token: "token-1" });
  assert.equal(await plugin.greeting(), "hello plugin");
  assert.deepEqual(await plugin.execInfo(), {
    apiVersion: V1BETA1,
    kind: "ExecCredential",
    spec: { interactive: false, cluster },
  });
});

Deno.test("ExecCredentialAuth returns a client certificate from the plugin", async () => {
  await using plugin = await ExecPlugin.create();
  const certPem = await Deno.readTextFile(join(TESTDATA, "client.crt"));
  const keyPem = await Deno.readTextFile(join(TESTDATA, "client-ec.key"));
  await plugin.respond({
    apiVersion: V1,
    kind: "ExecCredential",
    status: { clientCertificateData: certPem, clientKeyData: keyPem },
  });
  const auth = new ExecCredentialAuth(execConfig(plugin));
  assert.deepEqual(await auth.credentials(), { clientCert: { certPem, keyPem } });
});

Deno.test("ExecCredentialAuth reports plugin failures clearly", async (t) => {
  await t.step("a missing command, with the install hint", async () => {
    const auth = new ExecCredentialAuth({
      apiVersion: V1,
      command: "atlhyper-no-such-plugin",
      installHint: "Install it with: brew install atlhyper-plugin",
    });
    await rejectsWith(
      auth.credentials(),
      /^Cannot run exec credential plugin "atlhyper-no-such-plugin": command not found\nInstall it with: brew/,
    );
  });
  await t.step("a non-zero exit, with the exit code and stderr", async () => {
    await using plugin = await ExecPlugin.create();
    await plugin.respond("");
    await plugin.fail(3, "  error: refresh token expired\n\n");
    const auth = new ExecCredentialAuth(execConfig(plugin));
    await rejectsWith(
      auth.credentials(),
      /^Cannot run exec credential plugin ".*plugin.sh": exit code 3: error: refresh token expired$/,
    );
  });
  await t.step("output that is not JSON", async () => {
    await using plugin = await ExecPlugin.create();
    await plugin.respond("Please log in at https://example.com");
    const auth = new ExecCredentialAuth(execConfig(plugin));
    await rejectsWith(
      auth.credentials(),
      /^Cannot read the output of exec credential plugin ".*": not valid JSON/,
    );
  });
  await t.step("a mismatched apiVersion", async () => {
    await using plugin = await ExecPlugin.create();
    await plugin.respond(tokenResponse(V1BETA1));
    const auth = new ExecCredentialAuth(execConfig(plugin));
    await rejectsWith(
      auth.credentials(),
      /apiVersion "client.authentication.k8s.io\/v1beta1" does not match/,
    );
  });
  await t.step("a status without credentials", async () => {
    await using plugin = await ExecPlugin.create();
    await plugin.respond({ apiVersion: V1, kind: "ExecCredential", status: {} });
    const auth = new ExecCredentialAuth(execConfig(plugin));
    await rejectsWith(auth.credentials(), /"status" has neither a token nor a client certificate/);
  });
  await t.step("a certificate without a key", async () => {
    await using plugin = await ExecPlugin.create();
    await plugin.respond({ apiVersion: V1, kind: "ExecCredential", status: { clientCertificateData: "x" } });
    const auth = new ExecCredentialAuth(execConfig(plugin));
    await rejectsWith(auth.credentials(), /must be set together/);
  });
  await t.step("a plugin that runs past the timeout is killed", async () => {
    await using plugin = await ExecPlugin.create();
    await plugin.hang();
    const auth = new ExecCredentialAuth(execConfig(plugin), {
      clock: new FakeClock(0, { instant: true }),
      timeoutMs: 250,
    });
    await rejectsWith(auth.credentials(), /^Cannot run exec credential plugin ".*": timed out after 250 ms$/);
  });
});

Deno.test("ExecCredentialAuth rejects configurations the agent cannot honour", () => {
  throwsWith(
    () => new ExecCredentialAuth({ apiVersion: "client.authentication.k8s.io/v1alpha1", command: "aws" }),
    /^Cannot use exec credential plugin "aws": apiVersion "client.authentication.k8s.io\/v1alpha1" is no longer/,
  );
  throwsWith(
    () => new ExecCredentialAuth({ apiVersion: V1, command: "kubelogin", interactiveMode: "Always" }),
    /interactiveMode "Always" needs a terminal and the agent is never interactive/,
  );
  throwsWith(
    () => new ExecCredentialAuth({ apiVersion: V1, command: "kubelogin", interactiveMode: "Sometimes" }),
    /interactiveMode "Sometimes" is not one of/,
  );
  new ExecCredentialAuth({ apiVersion: V1, command: "kubelogin", interactiveMode: "IfAvailable" });
});

Deno.test("ExecCredentialAuth honours the caller's abort signal", async () => {
  const auth = new ExecCredentialAuth({ apiVersion: V1, command: "never-run" });
  await assert.rejects(auth.credentials(AbortSignal.abort(new Error("caller gave up"))), /caller gave up/);
});
