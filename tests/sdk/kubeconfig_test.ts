import assert from "node:assert/strict";
import { join } from "node:path";
import { KubeConfigError } from "../../agent/sdk/errors.ts";
import {
  type KubeConfig,
  loadKubeconfig,
  mergeKubeconfigs,
  parseKubeconfig,
  resolveKubeconfig,
} from "../../agent/sdk/kubeconfig.ts";
import { ExecPlugin } from "./testdata/exec_plugin.ts";

const TESTDATA = join(import.meta.dirname ?? ".", "testdata");
const INLINE = join(TESTDATA, "inline.yaml");
const CA_PEM = await Deno.readTextFile(join(TESTDATA, "ca.crt"));
const CERT_PEM = await Deno.readTextFile(join(TESTDATA, "client.crt"));
const KEYS = {
  rsa: await Deno.readTextFile(join(TESTDATA, "client-rsa.key")),
  pkcs8: await Deno.readTextFile(join(TESTDATA, "client-pkcs8.key")),
  ec: await Deno.readTextFile(join(TESTDATA, "client-ec.key")),
};

function base64(text: string): string {
  return new TextEncoder().encode(text).toBase64();
}

/**
 * A one-context kubeconfig (anchored in testdata/) with the given cluster and user mappings as YAML lines.
 */
function single(cluster: string[], user: string[] = []): KubeConfig {
  const indent = (lines: string[]) => lines.map((line) => `      ${line}`).join("\n");
  return parseKubeconfig(
    [
      "current-context: dev",
      "clusters:",
      "  - name: dev-cluster",
      "    cluster:",
      indent(cluster),
      "users:",
      "  - name: dev-user",
      user.length > 0 ? `    user:\n${indent(user)}` : "    user: {}",
      "contexts:",
      "  - name: dev",
      "    context: { cluster: dev-cluster, user: dev-user }",
    ].join("\n"),
    INLINE,
  );
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof KubeConfigError, `expected a KubeConfigError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("loadKubeconfig() merges files first-wins per name", async (t) => {
  const a = join(TESTDATA, "merge_a.yaml");
  const b = join(TESTDATA, "merge_b.yaml");
  const config = await loadKubeconfig([a, join(TESTDATA, "missing.yaml"), b]);

  await t.step("skips missing files in the list", () => {
    assert.deepEqual(config.files, [a, b]);
  });
  await t.step("keeps the first definition of a shared name", () => {
    assert.equal(config.clusters.get("shared")?.file, a);
    assert.equal(config.users.get("shared-user")?.value.token, "a-token");
    assert.equal(config.contexts.get("shared-ctx")?.value.cluster, "only-a");
  });
  await t.step("keeps names that only later files define", () => {
    assert.equal(config.clusters.get("only-b")?.file, b);
    assert.equal(config.users.get("b-user")?.value.username, "admin");
    assert.deepEqual([...config.contexts.keys()].sort(), ["a-ctx", "b-ctx", "shared-ctx"]);
  });
  await t.step("takes current-context from the first file that sets it", async () => {
    assert.equal(config.currentContext, "a-ctx");
    const later = await loadKubeconfig([join(TESTDATA, "no_current.yaml"), b]);
    assert.equal(later.currentContext, "b-ctx");
  });
  await t.step("fails when none of the files exists", async () => {
    await rejectsWith(
      loadKubeconfig([join(TESTDATA, "missing-1.yaml"), join(TESTDATA, "missing-2.yaml")]),
      /^Cannot read kubeconfig any of ".*missing-1.yaml:.*missing-2.yaml": file not found$/,
    );
    await rejectsWith(
      loadKubeconfig(join(TESTDATA, "missing.yaml")),
      /^Cannot read kubeconfig ".*missing.yaml": file not found$/,
    );
  });
});

Deno.test("mergeKubeconfigs() of parsed documents matches loading the files", () => {
  const first = parseKubeconfig("clusters: [{name: x, cluster: {server: https://first}}]", "/a/config");
  const second = parseKubeconfig(
    "current-context: y\nclusters: [{name: x, cluster: {server: https://second}}]",
    "/b/config",
  );
  const merged = mergeKubeconfigs([first, second]);
  assert.deepEqual(merged.files, ["/a/config", "/b/config"]);
  assert.equal(merged.currentContext, "y");
  assert.equal(merged.clusters.get("x")?.value.server, "https://first");
});

Deno.test("resolveKubeconfig() uses current-context unless a context is given", async (t) => {
  const a = join(TESTDATA, "merge_a.yaml");
  const b = join(TESTDATA, "merge_b.yaml");
  const config = await loadKubeconfig([a, b]);

  await t.step("resolves current-context with the first file's cluster and user", async () => {
    const resolved = await resolveKubeconfig(config);
    assert.equal(resolved.server, "https://a.example:6443");
    assert.equal(resolved.namespace, "team-a");
    assert.equal(resolved.source, `kubeconfig ${a}:${b} (context a-ctx)`);
    assert.deepEqual(await resolved.auth.credentials(), { token: "a-token" });
    assert.equal(resolved.caPem, undefined);
  });
  await t.step("an explicit context overrides current-context", async () => {
    const resolved = await resolveKubeconfig(config, { context: "b-ctx" });
    assert.equal(resolved.server, "https://only-b.example:6443");
    assert.equal(resolved.namespace, "default");
    assert.equal(resolved.source, `kubeconfig ${a}:${b} (context b-ctx)`);
    assert.deepEqual(await resolved.auth.credentials(), { basic: { username: "admin", password: "secret" } });
  });
  await t.step("fails on an unknown context, listing the known ones", async () => {
    await rejectsWith(
      resolveKubeconfig(config, { context: "prod" }),
      /^Cannot find context "prod" in kubeconfig ".*merge_a.yaml:.*merge_b.yaml": known contexts are "a-ctx", /,
    );
  });
  await t.step("fails when no context is set or given", async () => {
    const none = parseKubeconfig("clusters: []", INLINE);
    await rejectsWith(resolveKubeconfig(none), /"current-context" is not set and no context was given/);
  });
});

Deno.test("resolveKubeconfig() resolves relative paths against the kubeconfig's directory", async (t) => {
  const path = join(TESTDATA, "nested", "config");
  const config = await loadKubeconfig(path);

  await t.step("certificate-authority, client-certificate and client-key files", async () => {
    const resolved = await resolveKubeconfig(config);
    assert.equal(resolved.server, "https://127.0.0.1:40123");
    assert.equal(resolved.caPem, CA_PEM);
    assert.equal(resolved.clientCertPem, CERT_PEM);
    assert.equal(resolved.clientKeyPem, KEYS.ec);
    assert.equal(resolved.namespace, "kube-system");
    assert.equal(resolved.auth.description, "client certificate");
    assert.deepEqual(await resolved.auth.credentials(), {});
  });
  await t.step("tokenFile", async () => {
    const resolved = await resolveKubeconfig(config, { context: "token-file" });
    assert.equal(resolved.auth.description, `token file ${join(TESTDATA, "nested", "token.txt")}`);
    assert.deepEqual(await resolved.auth.credentials(), { token: "nested-token" });
  });
});

Deno.test("resolveKubeconfig() supports every static auth form", async (t) => {
  const server = "server: https://dev.example:6443";

  await t.step("token", async () => {
    const resolved = await resolveKubeconfig(single([server], ["token: abc"]));
    assert.equal(resolved.auth.description, "token");
    assert.deepEqual(await resolved.auth.credentials(), { token: "abc" });
  });
  await t.step("tokenFile wins over token, like client-go", async () => {
    const resolved = await resolveKubeconfig(
      single([server], ["token: inline", `tokenFile: ${join(TESTDATA, "nested", "token.txt")}`]),
    );
    assert.deepEqual(await resolved.auth.credentials(), { token: "nested-token" });
  });
  await t.step("username and password", async () => {
    const resolved = await resolveKubeconfig(single([server], ["username: admin", "password: hunter2"]));
    assert.deepEqual(await resolved.auth.credentials(), {
      basic: { username: "admin", password: "hunter2" },
    });
  });
  for (const [kind, keyPem] of Object.entries(KEYS)) {
    await t.step(`client certificate and ${kind} key files`, async () => {
      const resolved = await resolveKubeconfig(
        single([server], ["client-certificate: client.crt", `client-key: client-${kind}.key`]),
      );
      assert.equal(resolved.clientCertPem, CERT_PEM);
      assert.equal(resolved.clientKeyPem, keyPem);
    });
    await t.step(`client certificate and ${kind} key data`, async () => {
      const resolved = await resolveKubeconfig(
        single([server], [
          `client-certificate-data: ${base64(CERT_PEM)}`,
          `client-key-data: ${base64(keyPem)}`,
        ]),
      );
      assert.equal(resolved.clientCertPem, CERT_PEM);
      assert.equal(resolved.clientKeyPem, keyPem);
    });
  }
  await t.step("certificate-authority file, absolute", async () => {
    const resolved = await resolveKubeconfig(
      single([server, `certificate-authority: ${join(TESTDATA, "ca.crt")}`]),
    );
    assert.equal(resolved.caPem, CA_PEM);
  });
  await t.step("certificate-authority-data wins over the file", async () => {
    const resolved = await resolveKubeconfig(
      single([server, "certificate-authority: missing.crt", `certificate-authority-data: ${base64(CA_PEM)}`]),
    );
    assert.equal(resolved.caPem, CA_PEM);
  });
  await t.step("no credentials", async () => {
    const resolved = await resolveKubeconfig(single([server]));
    assert.equal(resolved.auth.description, "none");
    assert.deepEqual(await resolved.auth.credentials(), {});
    assert.equal(resolved.clientCertPem, undefined);
  });
  await t.step("a server without a scheme gets https, trailing slashes go", async () => {
    const resolved = await resolveKubeconfig(single(["server: 10.0.0.1:6443//"]));
    assert.equal(resolved.server, "https://10.0.0.1:6443");
    const withPath = await resolveKubeconfig(single(["server: https://rancher.example/k8s/clusters/c-1/"]));
    assert.equal(withPath.server, "https://rancher.example/k8s/clusters/c-1");
  });
  await t.step("disable-compression and insecure-skip-tls-verify: false are accepted", async () => {
    const resolved = await resolveKubeconfig(
      single([server, "disable-compression: true", "insecure-skip-tls-verify: false"]),
    );
    assert.equal(resolved.server, "https://dev.example:6443");
  });
});

Deno.test("resolveKubeconfig() runs exec credential plugins with cluster info", async () => {
  await using plugin = await ExecPlugin.create();
  await plugin.respond({
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    status: { token: "t" },
  });
  const config = single(
    [
      "server: https://dev.example:6443/",
      "certificate-authority: ca.crt",
      "extensions:",
      "  - name: client.authentication.k8s.io/exec",
      "    extension: { audience: atlhyper }",
      "  - name: something-else",
      "    extension: { ignored: true }",
    ],
    [
      "exec:",
      "  apiVersion: client.authentication.k8s.io/v1",
      `  command: ${plugin.command}`,
      "  args: [token]",
      "  env: [{ name: PLUGIN_GREETING, value: from-kubeconfig }]",
      "  interactiveMode: IfAvailable",
      "  provideClusterInfo: true",
    ],
  );
  const resolved = await resolveKubeconfig(config);
  assert.equal(resolved.auth.description, `exec ${plugin.command}`);
  assert.deepEqual(await resolved.auth.credentials(), { token: "t" });
  assert.equal(await plugin.greeting(), "from-kubeconfig");
  assert.deepEqual(await plugin.execInfo(), {
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    spec: {
      interactive: false,
      cluster: {
        server: "https://dev.example:6443",
        "certificate-authority-data": base64(CA_PEM),
        config: { audience: "atlhyper" },
      },
    },
  });
});

Deno.test("resolveKubeconfig() resolves a relative exec command path against the kubeconfig", async () => {
  await using plugin = await ExecPlugin.create();
  await plugin.respond({
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    status: { token: "r" },
  });
  const config = parseKubeconfig(
    [
      "current-context: dev",
      "clusters: [{ name: c, cluster: { server: https://dev.example } }]",
      "users: [{ name: u, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh } } }]",
      "contexts: [{ name: dev, context: { cluster: c, user: u } }]",
    ].join("\n"),
    join(plugin.dir, "config"),
  );
  const resolved = await resolveKubeconfig(config);
  assert.deepEqual(await resolved.auth.credentials(), { token: "r" });
});

Deno.test("resolveKubeconfig() rejects unsupported settings, naming them and the way out", async (t) => {
  const server = "server: https://dev.example:6443";
  const cases: { name: string; cluster?: string[]; user?: string[]; pattern: RegExp }[] = [
    {
      name: "insecure-skip-tls-verify",
      cluster: [server, "insecure-skip-tls-verify: true"],
      pattern:
        /"insecure-skip-tls-verify: true" is not supported: .*--unsafely-ignore-certificate-errors=dev\.example$/,
    },
    {
      name: "tls-server-name",
      cluster: [server, "tls-server-name: kubernetes.default"],
      pattern: /"tls-server-name" is not supported: Deno's fetch cannot override the TLS server name/,
    },
    {
      name: "proxy-url",
      cluster: [server, "proxy-url: http://proxy:3128"],
      pattern: /"proxy-url" is not supported: .*HTTPS_PROXY/,
    },
    {
      name: "auth-provider",
      user: ["auth-provider: { name: gcp, config: {} }"],
      pattern: /"auth-provider \(gcp\)" is not supported: .*exec credential plugin.*gke-gcloud-auth-plugin/,
    },
    {
      name: "as",
      user: ["token: x", "as: admin"],
      pattern: /"as" is not supported: the agent does not impersonate/,
    },
    {
      name: "as-groups",
      user: ["token: x", "as-groups: [system:masters]"],
      pattern: /"as-groups" is not supported: the agent does not impersonate/,
    },
  ];
  for (const { name, cluster = [server], user = [], pattern } of cases) {
    await t.step(name, async () => {
      await rejectsWith(resolveKubeconfig(single(cluster, user)), pattern);
    });
  }
});

Deno.test("resolveKubeconfig() fails clearly on broken references and settings", async (t) => {
  const server = "server: https://dev.example:6443";
  await t.step("a context without a cluster", async () => {
    const config = parseKubeconfig("current-context: x\ncontexts: [{ name: x, context: {} }]", INLINE);
    await rejectsWith(
      resolveKubeconfig(config),
      /^Cannot use context "x" in ".*inline.yaml": "cluster" is not set$/,
    );
  });
  await t.step("a missing cluster", async () => {
    const config = parseKubeconfig(
      "current-context: x\ncontexts: [{ name: x, context: { cluster: c } }]",
      INLINE,
    );
    await rejectsWith(
      resolveKubeconfig(config),
      /^Cannot find cluster "c" of context "x" in kubeconfig ".*inline.yaml"$/,
    );
  });
  await t.step("a missing user", async () => {
    const config = parseKubeconfig(
      "current-context: x\nclusters: [{ name: c, cluster: { server: https://a } }]\n" +
        "contexts: [{ name: x, context: { cluster: c, user: u } }]",
      INLINE,
    );
    await rejectsWith(resolveKubeconfig(config), /^Cannot find user "u" of context "x" in kubeconfig/);
  });
  await t.step("a cluster without a server", async () => {
    await rejectsWith(
      resolveKubeconfig(single(["certificate-authority: ca.crt"])),
      /^Cannot use cluster "dev-cluster" in ".*inline.yaml": "server" is not set$/,
    );
  });
  await t.step("a missing certificate-authority file", async () => {
    await rejectsWith(
      resolveKubeconfig(single([server, "certificate-authority: nope.crt"])),
      /^Cannot read "certificate-authority" ".*testdata\/nope.crt" of cluster "dev-cluster" .*: file not found$/,
    );
  });
  await t.step("certificate-authority-data that is not base64", async () => {
    await rejectsWith(
      resolveKubeconfig(single([server, "certificate-authority-data: '%%%'"])),
      /^Cannot decode "certificate-authority-data" of cluster "dev-cluster" .*: not valid base64/,
    );
  });
  await t.step("a client certificate without a key", async () => {
    await rejectsWith(
      resolveKubeconfig(single([server], ["client-certificate: client.crt"])),
      /"client-certificate" is set without "client-key"; both \(file or -data\) are required together/,
    );
    await rejectsWith(
      resolveKubeconfig(single([server], [`client-key-data: ${base64(KEYS.rsa)}`])),
      /"client-key" is set without "client-certificate"/,
    );
  });
  await t.step("a key file that is not PEM", async () => {
    await rejectsWith(
      resolveKubeconfig(single([server], ["client-certificate: client.crt", "client-key: merge_a.yaml"])),
      /^Cannot use "client-key" ".*merge_a.yaml" of user "dev-user" .*: the file is not PEM$/,
    );
  });
  await t.step("two authentication methods", async () => {
    await rejectsWith(
      resolveKubeconfig(single([server], ["token: t", "username: u"])),
      /more than one authentication method is set \(token, username\/password\); keep only one/,
    );
  });
  await t.step("a missing tokenFile", async () => {
    await rejectsWith(
      resolveKubeconfig(single([server], ["tokenFile: gone.txt"])),
      /^Cannot read token file ".*testdata\/gone.txt": file not found$/,
    );
  });
  await t.step("an exec plugin with a retired apiVersion or interactiveMode Always", async () => {
    await rejectsWith(
      resolveKubeconfig(
        single([server], ["exec: { apiVersion: client.authentication.k8s.io/v1alpha1, command: aws }"]),
      ),
      /apiVersion "client.authentication.k8s.io\/v1alpha1" is no longer supported/,
    );
    await rejectsWith(
      resolveKubeconfig(
        single([server], [
          "exec: { apiVersion: client.authentication.k8s.io/v1, command: kubelogin, interactiveMode: Always }",
        ]),
      ),
      /interactiveMode "Always" needs a terminal/,
    );
  });
});

Deno.test("parseKubeconfig() rejects malformed documents naming the file", async (t) => {
  await t.step("malformed YAML", async () => {
    await rejectsWith(
      loadKubeconfig(join(TESTDATA, "malformed.yaml")),
      /^Cannot parse kubeconfig ".*malformed.yaml": malformed YAML: /,
    );
  });
  await t.step("a document that is not a mapping", () => {
    assert.throws(
      () => parseKubeconfig("- a\n- b", "/x/config"),
      /^KubeConfigError: Cannot parse kubeconfig "\/x\/config": the document is not a mapping$/,
    );
  });
  await t.step("a section that is not a list", () => {
    assert.throws(() => parseKubeconfig("clusters: {}", "/x/config"), /"clusters" must be a list/);
  });
  await t.step("an entry without a name", () => {
    assert.throws(
      () => parseKubeconfig("users: [{ user: {} }]", "/x/config"),
      /"users\[0\].name" must be a non-empty string/,
    );
  });
  await t.step("an empty file is an empty configuration", () => {
    const config = parseKubeconfig("", "/x/config");
    assert.equal(config.contexts.size, 0);
    assert.equal(config.currentContext, undefined);
  });
});
