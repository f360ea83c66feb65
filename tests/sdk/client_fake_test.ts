/**
 * The SDK end to end against the fake API server: configuration loaded from a kubeconfig on disk, every verb of
 * {@linkcode KubeClient} over HTTP with a bearer token, token-file rotation, and mutual TLS over HTTPS with
 * certificates from the fake and from an `openssl` run inside the test.
 *
 * The fake generates its own CA and never exposes the CA key, so a client certificate signed by the fake's CA
 * cannot be made here: the accepted certificates are the fake's, the rejected ones (another CA, a CA that did
 * not sign the server) are made by this test. A second step serves a PKI made entirely by this test through the
 * fake's own `node:https` transport.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConfigMap, Pod } from "kubernetes-types/core/v1.d.ts";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import { denoOs, type OsSeam } from "../../agent/sdk/_os.ts";
import { createKubeClient, type HttpKubeClient } from "../../agent/sdk/client.ts";
import { loadConnectionConfig } from "../../agent/sdk/config.ts";
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeApiError,
  NetworkError,
} from "../../agent/sdk/errors.ts";
import { resourcePath } from "../../agent/sdk/paths.ts";
import type { ConnectionConfig, KubeClient, Status } from "../../agent/sdk/types.ts";
import { type FakeApiServer, type KubeconfigOptions, startFakeApiServer } from "../support/fake_apiserver.ts";
import { listen } from "../support/fake_apiserver/transport.ts";
import { waitFor } from "../support/wait.ts";
import {
  certificates,
  clientExtensions,
  issueCertificate,
  makeCa,
  serverExtensions,
  toPkcs8,
} from "../support/fake_apiserver/tls.ts";

// ---------------------------------------------------------------- helpers

/** The real OS seam with an environment that holds only `env` (the process environment is never touched). */
function osWith(env: Record<string, string>): OsSeam {
  return { ...denoOs, env: (name) => env[name] };
}

/** Loads the connection exactly as the agent does, with `AGENT_KUBECONFIG` pointing at `path`. */
function loadFrom(path: string, tokenRefreshMs?: number): Promise<ConnectionConfig> {
  return loadConnectionConfig({ os: osWith({ AGENT_KUBECONFIG: path }), tokenRefreshMs });
}

/** A client for a kubeconfig written by the fake itself. */
async function clientFromFake(
  server: FakeApiServer,
  dir: string,
  options: KubeconfigOptions = {},
): Promise<{ client: HttpKubeClient; config: ConnectionConfig; path: string }> {
  const path = join(dir, `kubeconfig-${crypto.randomUUID()}.yaml`);
  await server.writeKubeconfig(path, options);
  const config = await loadFrom(path);
  return { client: createKubeClient(config, { timeoutMs: 10_000 }), config, path };
}

interface KubeconfigParts {
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  tokenFile?: string;
}

function b64(text: string): string {
  return new TextEncoder().encode(text).toBase64();
}

/** Writes a kubeconfig (JSON is YAML) with exactly the given parts; file paths stay as given. */
async function writeKubeconfig(path: string, parts: KubeconfigParts): Promise<void> {
  const cluster: Record<string, string> = { server: parts.server };
  if (parts.caPem) cluster["certificate-authority-data"] = b64(parts.caPem);
  const user: Record<string, string> = {};
  if (parts.certPem) user["client-certificate-data"] = b64(parts.certPem);
  if (parts.keyPem) user["client-key-data"] = b64(parts.keyPem);
  if (parts.tokenFile) user.tokenFile = parts.tokenFile;
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster }],
      users: [{ name: "u", user }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "shop" } }],
      "current-context": "ctx",
    }),
  );
}

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "client-fake-test-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** Asserts that `promise` rejects with a {@linkcode KubeApiError} and returns it. */
async function apiError(promise: Promise<unknown>): Promise<KubeApiError> {
  const error = await promise.then(
    () => assert.fail("expected a KubeApiError"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof KubeApiError, `expected a KubeApiError, got ${error}`);
  return error;
}

/** Asserts that `promise` rejects with a {@linkcode NetworkError} and returns it. */
async function networkError(promise: Promise<unknown>): Promise<NetworkError> {
  const error = await promise.then(
    () => assert.fail("expected a NetworkError"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof NetworkError, `expected a NetworkError, got ${error}`);
  return error;
}

function configMap(
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "shop", labels }, data };
}

const CM = resourcePath({ version: "v1", plural: "configmaps", namespace: "shop" });
const cmPath = (name: string) =>
  resourcePath({ version: "v1", plural: "configmaps", namespace: "shop", name });

// ---------------------------------------------------------------- HTTP with a bearer token

Deno.test("createKubeClient serves every verb against the fake when the kubeconfig holds a bearer token", async (t) => {
  await using server = await startFakeApiServer({ token: "s3cret" });
  server.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
  await withTempDir(async (dir) => {
    const { client, config, path } = await clientFromFake(server, dir, { namespace: "shop" });
    try {
      await t.step("loadConnectionConfig resolves the kubeconfig named by AGENT_KUBECONFIG", () => {
        assert.equal(config.server, server.url);
        assert.equal(config.namespace, "shop");
        assert.equal(config.auth.description, "token");
        assert.equal(config.caPem, undefined);
        assert.match(config.source, new RegExp(`kubeconfig ${path} \\(context fake\\)`));
        assert.equal(client.server, server.url);
        assert.equal(client.defaultNamespace, "shop");
      });

      await t.step("get returns one object and 404 is a typed NotFound", async () => {
        server.apply(configMap("one", { a: "1" }));
        const got = await client.get<ConfigMap>(cmPath("one"));
        assert.deepEqual(got.data, { a: "1" });
        assert.equal(
          got.metadata?.resourceVersion,
          server.get("v1", "configmaps", "shop", "one")?.metadata
            ?.resourceVersion,
        );
        const missing = await apiError(client.get(cmPath("nope")));
        assert.equal(missing.status, 404);
        assert.equal(missing.reason, "NotFound");
        assert.ok(isNotFound(missing));
        const authorized = server.requests.filter((r) => r.path === cmPath("one"));
        assert.equal(authorized.at(-1)?.status, 200, "the bearer token was accepted");
      });

      await t.step("list follows continue tokens over a consistent snapshot", async () => {
        for (let i = 0; i < 11; i++) {
          server.apply(configMap(`page-${String(i).padStart(2, "0")}`, { i: String(i) }, { group: "paged" }));
        }
        server.resetRequestLog();
        const pages = await collect(client.list<ConfigMap>(CM, { limit: 4, labelSelector: "group=paged" }));
        assert.deepEqual(pages.map((p) => p.items.length), [4, 4, 3]);
        const names = pages.flatMap((p) => p.items.map((o) => o.metadata?.name));
        assert.deepEqual(names, Array.from({ length: 11 }, (_, i) => `page-${String(i).padStart(2, "0")}`));
        assert.equal(new Set(pages.map((p) => p.metadata.resourceVersion)).size, 1, "one snapshot");
        assert.ok(pages[0].metadata.continue && pages[1].metadata.continue);
        assert.equal(pages[2].metadata.continue, undefined);
        assert.equal(pages[0].kind, "ConfigMapList");
        const sent = server.requests.filter((r) => r.path === CM);
        assert.equal(sent.length, 3);
        assert.equal(sent[0].query.continue, undefined);
        assert.equal(sent[1].query.continue, pages[0].metadata.continue);
        assert.equal(sent[1].query.labelSelector, "group=paged");
        assert.equal(sent[1].query.limit, "4");
      });

      await t.step("list restarts at a given continue token", async () => {
        const [first] = await collect(
          client.list<ConfigMap>(CM, { limit: 10, labelSelector: "group=paged" }),
        );
        const rest = await collect(
          client.list<ConfigMap>(CM, {
            limit: 10,
            labelSelector: "group=paged",
            continue: first.metadata.continue,
          }),
        );
        assert.deepEqual(rest.flatMap((p) => p.items.map((o) => o.metadata?.name)), ["page-10"]);
      });

      await t.step("create answers the stored object; a second create is AlreadyExists", async () => {
        const created = await client.create<ConfigMap>(CM, configMap("made", { k: "v" }), {
          fieldManager: "atlhyper",
        });
        assert.equal(created.metadata?.name, "made");
        assert.ok(created.metadata?.uid);
        assert.ok(created.metadata?.resourceVersion);
        assert.deepEqual(server.get<ConfigMap>("v1", "configmaps", "shop", "made")?.data, { k: "v" });
        const again = await apiError(client.create(CM, configMap("made", { k: "v" })));
        assert.equal(again.status, 409);
        assert.ok(isAlreadyExists(again));
        assert.ok(!isConflict(again));
        const dry = await client.create<ConfigMap>(CM, configMap("dry", {}), { dryRun: true });
        assert.equal(dry.metadata?.name, "dry");
        assert.equal(server.get("v1", "configmaps", "shop", "dry"), undefined, "dryRun stores nothing");
      });

      await t.step("replace needs the current resourceVersion and fails 409 on a stale one", async () => {
        const current = await client.get<ConfigMap>(cmPath("made"));
        const replaced = await client.replace<ConfigMap>(cmPath("made"), { ...current, data: { k: "v2" } });
        assert.deepEqual(replaced.data, { k: "v2" });
        assert.notEqual(replaced.metadata?.resourceVersion, current.metadata?.resourceVersion);
        const stale = await apiError(client.replace(cmPath("made"), { ...current, data: { k: "lost" } }));
        assert.equal(stale.status, 409);
        assert.equal(stale.reason, "Conflict");
        assert.ok(isConflict(stale));
        assert.equal(stale.method, "PUT");
        assert.equal(stale.path, cmPath("made"));
        assert.deepEqual(server.get<ConfigMap>("v1", "configmaps", "shop", "made")?.data, { k: "v2" });
      });

      await t.step("patch speaks merge, strategic, JSON patch and server-side apply", async () => {
        const merged = await client.patch<ConfigMap>(cmPath("made"), "merge", {
          data: { extra: "x", k: null },
        });
        assert.deepEqual(merged.data, { extra: "x" });

        const json = await client.patch<ConfigMap>(cmPath("made"), "json", [
          { op: "add", path: "/data/added", value: "y" },
          { op: "remove", path: "/data/extra" },
        ]);
        assert.deepEqual(json.data, { added: "y" });

        const deployPath = resourcePath({
          group: "apps",
          version: "v1",
          plural: "deployments",
          namespace: "shop",
        });
        const deployment: Deployment = {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web", namespace: "shop" },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: {
                containers: [{ name: "app", image: "nginx:1" }, { name: "sidecar", image: "envoy:1" }],
              },
            },
          },
        };
        await client.create(deployPath, deployment);
        // Strategic merge patches merge containers by name; a merge patch would have replaced the list.
        const strategic = await client.patch<Deployment>(`${deployPath}/web`, "strategic", {
          spec: { template: { spec: { containers: [{ name: "app", image: "nginx:2" }] } } },
        });
        assert.deepEqual(
          strategic.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`),
          ["app=nginx:2", "sidecar=envoy:1"],
        );

        const applied = await client.patch<ConfigMap>(
          cmPath("applied"),
          "apply",
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "applied", namespace: "shop" },
            data: { a: "1" },
          },
          { fieldManager: "atlhyper", force: true },
        );
        assert.deepEqual(applied.data, { a: "1" });
        assert.deepEqual(applied.metadata?.managedFields?.map((m) => [m.manager, m.operation]), [[
          "atlhyper",
          "Apply",
        ]]);
        const patchRequest = server.requests.filter((r) =>
          r.method === "PATCH" && r.path === cmPath("applied")
        );
        assert.equal(patchRequest.at(-1)?.query.fieldManager, "atlhyper");
        assert.equal(patchRequest.at(-1)?.query.force, "true");
        const noManager = await apiError(
          client.patch(cmPath("applied"), "apply", { apiVersion: "v1", kind: "ConfigMap" }),
        );
        assert.equal(noManager.status, 422);
        assert.equal(noManager.reason, "Invalid");
        const missing = await apiError(client.patch(cmPath("ghost"), "merge", { data: {} }));
        assert.equal(missing.status, 404);
      });

      await t.step("watch streams changes from a resourceVersion and ends when aborted", async () => {
        const from = server.currentResourceVersion();
        const controller = new AbortController();
        const events = await client.watch<ConfigMap>(CM, {
          resourceVersion: from,
          signal: controller.signal,
          allowWatchBookmarks: true,
        });
        await server.waitForWatch(CM);
        server.apply(configMap("watched", { v: "1" }));
        server.apply(configMap("watched", { v: "2" }));
        server.remove("v1", "configmaps", "shop", "watched");
        const seen: string[] = [];
        for await (const event of events) {
          if (event.type === "BOOKMARK") continue;
          if (event.type === "ERROR") assert.fail(`unexpected ERROR event ${JSON.stringify(event.object)}`);
          seen.push(`${event.type} ${event.object.metadata?.name} ${event.object.data?.v}`);
          if (event.type === "DELETED") break;
        }
        assert.deepEqual(seen, ["ADDED watched 1", "MODIFIED watched 2", "DELETED watched 2"]);
        controller.abort();
        await waitFor(() => server.openWatches(CM) === 0, "the watch to close on the server");
      });

      await t.step("watch ends cleanly when the server closes the stream", async () => {
        const events = await client.watch<ConfigMap>(CM, {
          resourceVersion: server.currentResourceVersion(),
        });
        await server.waitForWatch(CM);
        assert.equal(server.closeWatches(CM), 1);
        assert.deepEqual(await collect(events), []);
      });

      await t.step("watch from a compacted resourceVersion yields a 410 ERROR event", async () => {
        const old = "1";
        server.compact();
        const events = await client.watch<ConfigMap>(CM, { resourceVersion: old });
        const all = await collect(events);
        assert.equal(all.length, 1);
        assert.equal(all[0].type, "ERROR");
        assert.equal((all[0].object as Status).code, 410);
        assert.equal((all[0].object as Status).reason, "Expired");
      });

      await t.step("delete answers a Status for most kinds and the object for pods", async () => {
        const status = await client.delete<Status>(cmPath("made"));
        assert.equal(status.kind, "Status");
        assert.equal(status.status, "Success");
        assert.equal(server.get("v1", "configmaps", "shop", "made"), undefined);
        assert.ok(isNotFound(await apiError(client.delete(cmPath("made")))));

        server.apply({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "gone", namespace: "shop" },
          spec: { containers: [{ name: "app", image: "nginx:1" }] },
        });
        const podPath = resourcePath({ version: "v1", plural: "pods", namespace: "shop", name: "gone" });
        const deleted = await client.delete<Pod>(podPath, {
          gracePeriodSeconds: 0,
          propagationPolicy: "Background",
        });
        assert.equal(deleted.metadata?.name, "gone");
        const sent = server.requests.filter((r) => r.method === "DELETE" && r.path === podPath).at(-1);
        assert.equal(sent?.query.gracePeriodSeconds, "0");
        assert.equal(sent?.query.propagationPolicy, "Background");
        assert.ok(isNotFound(await apiError(client.get(podPath))));
      });

      await t.step("logs returns the container log as text with tailLines and timestamps", async () => {
        server.apply({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "talker", namespace: "shop" },
          spec: { containers: [{ name: "app", image: "nginx:1" }, { name: "side", image: "envoy:1" }] },
        });
        server.setPodLogs("shop", "talker", "app", ["one", "two", "three"]);
        const podPath = resourcePath({ version: "v1", plural: "pods", namespace: "shop", name: "talker" });
        assert.equal(await client.logs(podPath, { container: "app" }), "one\ntwo\nthree\n");
        assert.equal(await client.logs(podPath, { container: "app", tailLines: 2 }), "two\nthree\n");
        const stamped = await client.logs(podPath, { container: "app", tailLines: 1, timestamps: true });
        assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three\n$/);
        assert.equal(await client.logs(podPath, { container: "app", limitBytes: 5 }), "one\nt");
        const ambiguous = await apiError(client.logs(podPath));
        assert.equal(ambiguous.status, 400);
        assert.match(ambiguous.apiMessage, /a container name must be specified/);
      });

      await t.step(
        "faults surface as typed errors: expired continue, 429 with Retry-After, reset",
        async () => {
          const pages = client.list<ConfigMap>(CM, { limit: 4, labelSelector: "group=paged" })
            [Symbol.asyncIterator]();
          assert.equal((await pages.next()).value?.items.length, 4);
          server.expireContinueTokens();
          const expired = await apiError(pages.next());
          assert.equal(expired.status, 410);
          assert.equal(expired.reason, "Expired");
          server.failNext(1, 429, CM);
          const throttled = await apiError(client.get(cmPath("page-00")));
          assert.equal(throttled.status, 429);
          assert.equal(throttled.retryAfterSeconds, 1);
          server.failNext(1, "reset", CM);
          const reset = await networkError(client.get(cmPath("page-00")));
          assert.equal(reset.failure, "connection");
          assert.equal(
            (await client.get<ConfigMap>(cmPath("page-00"))).data?.i,
            "0",
            "the next request works",
          );
        },
      );

      await t.step("raw reads discovery documents as text", async () => {
        const api = await client.raw("/api");
        assert.equal(api.status, 200);
        assert.deepEqual(JSON.parse(api.body).versions, ["v1"]);
        const apps = JSON.parse((await client.raw("/apis/apps/v1")).body);
        assert.equal(apps.kind, "APIResourceList");
        assert.ok(apps.resources.some((r: { name: string }) => r.name === "deployments"));
        const version = JSON.parse((await client.raw("/version")).body);
        assert.ok(version.gitVersion);
        const health = await client.raw("/healthz", { accept: "text/plain" });
        assert.deepEqual(health, { status: 200, body: "ok" });
        const missing = await apiError(client.raw("/apis/nope.example.com/v1"));
        assert.equal(missing.status, 404);
      });
    } finally {
      client.close();
    }
  });
});

Deno.test("createKubeClient fails with 401 KubeApiError when the kubeconfig token is wrong", async () => {
  await using server = await startFakeApiServer({ token: "right" });
  await withTempDir(async (dir) => {
    const { client } = await clientFromFake(server, dir, { token: "wrong" });
    try {
      server.resetRequestLog();
      const error = await apiError(client.get("/api/v1/namespaces"));
      assert.equal(error.status, 401);
      assert.equal(error.reason, "Unauthorized");
      assert.equal(error.method, "GET");
      assert.equal(error.path, "/api/v1/namespaces");
      // A 401 invalidates the credentials and retries once; a static token cannot change, so it fails twice.
      assert.deepEqual(server.requests.map((r) => r.status), [401, 401]);
      const watchError = await apiError(client.watch("/api/v1/namespaces"));
      assert.equal(watchError.status, 401);
      assert.equal(server.openWatches(), 0);
    } finally {
      client.close();
    }
  });
});

Deno.test("createKubeClient recovers after a 401 when the token file was rotated on disk", async (t) => {
  await using server = await startFakeApiServer({ token: "first" });
  await withTempDir(async (dir) => {
    const tokenPath = join(dir, "token");
    await Deno.writeTextFile(tokenPath, "first\n");
    const kubeconfig = join(dir, "config.json");
    // A relative tokenFile resolves against the kubeconfig's directory.
    await writeKubeconfig(kubeconfig, { server: server.url, tokenFile: "token" });
    // A long refresh interval: only the 401 can make the client re-read the file.
    const config = await loadFrom(kubeconfig, 3_600_000);
    assert.equal(config.auth.description, `token file ${tokenPath}`);
    const client = createKubeClient(config, { timeoutMs: 10_000 });
    try {
      await t.step("the token read at startup is used", async () => {
        const namespaces = await collect(client.list("/api/v1/namespaces"));
        assert.ok(namespaces[0].items.length > 0);
      });

      await t.step("a rotated server token fails while the file still holds the old one", async () => {
        server.setToken("second");
        server.resetRequestLog();
        const error = await apiError(client.get("/api/v1/namespaces/default"));
        assert.equal(error.status, 401);
        assert.deepEqual(server.requests.map((r) => r.status), [401, 401], "one refresh, one retry");
      });

      await t.step(
        "after the file is rewritten the next request recovers through one 401 refresh",
        async () => {
          await Deno.writeTextFile(tokenPath, "second\n");
          server.resetRequestLog();
          // The refresh after the last 401 re-read the old token, so the cached token fails once more, then the
          // refresh reads the new one.
          const ns = await client.get<{ metadata: { name: string } }>("/api/v1/namespaces/default");
          assert.equal(ns.metadata.name, "default");
          assert.deepEqual(server.requests.map((r) => r.status), [401, 200]);
        },
      );

      await t.step("a later rotation costs exactly one 401 and the watch path recovers too", async () => {
        server.setToken("third");
        await Deno.writeTextFile(tokenPath, "third\n");
        server.resetRequestLog();
        const controller = new AbortController();
        const events = await client.watch("/api/v1/namespaces", {
          resourceVersion: server.currentResourceVersion(),
          signal: controller.signal,
        });
        assert.deepEqual(server.requests.map((r) => r.status), [401, 200]);
        server.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "rotated" } });
        for await (const event of events) {
          assert.equal(event.type, "ADDED");
          break;
        }
        controller.abort();
        assert.equal(
          (await client.get<{ metadata: { name: string } }>("/api/v1/namespaces/rotated")).metadata.name,
          "rotated",
        );
      });
    } finally {
      client.close();
    }
  });
});

// ---------------------------------------------------------------- HTTPS with mutual TLS

/** The messages of an error and its causes, for matching what the TLS layer reported. */
function causes(error: unknown): string {
  const messages: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(" <- ");
}

/** Loads a kubeconfig with `parts` and expects the first request to fail without an HTTP answer. */
async function expectTlsFailure(path: string, parts: KubeconfigParts): Promise<NetworkError> {
  await writeKubeconfig(path, parts);
  const client = createKubeClient(await loadFrom(path), { timeoutMs: 10_000 });
  try {
    const error = await networkError(client.get("/version"));
    assert.equal(error.failure, "connection");
    assert.equal(error.method, "GET");
    assert.equal(error.path, "/version");
    return error;
  } finally {
    client.close();
  }
}

async function smoke(client: KubeClient, server: FakeApiServer): Promise<void> {
  const version = await client.get<{ gitVersion: string }>("/version");
  assert.ok(version.gitVersion);
  const namespaces = await collect(
    client.list<{ metadata: { name: string } }>("/api/v1/namespaces", { limit: 2 }),
  );
  assert.ok(namespaces.length >= 2, "paginated over TLS");
  const controller = new AbortController();
  const events = await client.watch<ConfigMap>("/api/v1/namespaces/default/configmaps", {
    resourceVersion: server.currentResourceVersion(),
    signal: controller.signal,
  });
  const name = `tls-${crypto.randomUUID().slice(0, 8)}`;
  await client.create("/api/v1/namespaces/default/configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name },
  });
  for await (const event of events) {
    assert.equal(event.type, "ADDED");
    assert.equal((event.object as ConfigMap).metadata?.name, name);
    break;
  }
  controller.abort();
}

for (const type of ["ec", "rsa"] as const) {
  Deno.test(`createKubeClient authenticates by client certificate when the fake requires mutual TLS (${type.toUpperCase()})`, async (t) => {
    await using server = await startFakeApiServer({ tls: { keyType: type } });
    await withTempDir(async (dir) => {
      const certs = server.certificates;
      assert.ok(certs);

      await t.step("the kubeconfig's CA data and client certificate data authenticate", async () => {
        const { client, config } = await clientFromFake(server, dir, { token: null });
        try {
          assert.equal(config.caPem, certs.caPem);
          assert.equal(config.clientCertPem, certs.clientCertPem);
          assert.match(
            config.clientKeyPem ?? "",
            type === "ec" ? /BEGIN EC PRIVATE KEY/ : /BEGIN RSA PRIVATE KEY/,
          );
          assert.equal(config.auth.description, "client certificate");
          await smoke(client, server);
        } finally {
          client.close();
        }
      });

      await t.step("a PKCS#8 client key works as well", async () => {
        const { client, config } = await clientFromFake(server, dir, { token: null, pkcs8Key: true });
        try {
          assert.match(config.clientKeyPem ?? "", /BEGIN PRIVATE KEY/);
          await smoke(client, server);
        } finally {
          client.close();
        }
      });

      const path = join(dir, "config.json");
      await t.step("no client certificate: the handshake is refused (NetworkError)", async () => {
        const error = await expectTlsFailure(path, { server: server.url, caPem: certs.caPem });
        assert.match(causes(error), /CertificateRequired/);
      });

      await t.step("a client certificate from another CA is refused", async () => {
        await expectTlsFailure(path, {
          server: server.url,
          caPem: certs.caPem,
          certPem: certs.foreignClientCertPem,
          keyPem: certs.foreignClientKeyPem,
        });
      });

      await t.step("a CA that did not sign the server certificate fails verification", async () => {
        const error = await expectTlsFailure(path, {
          server: server.url,
          caPem: certs.foreignCaPem,
          certPem: certs.clientCertPem,
          keyPem: certs.clientKeyPem,
        });
        assert.match(causes(error), /UnknownIssuer/);
      });

      await t.step("the system roots do not trust the fake's CA either", async () => {
        await expectTlsFailure(path, {
          server: server.url,
          certPem: certs.clientCertPem,
          keyPem: certs.clientKeyPem,
        });
      });
    });
  });
}

Deno.test("createKubeClient connects when the CA and certificates were made by openssl in the test", async (t) => {
  await withTempDir(async (dir) => {
    for (const type of ["ec", "rsa"] as const) {
      await t.step(`${type.toUpperCase()} CA, server and client certificates`, async () => {
        const caPem = await makeCa(dir, { type, name: `own-ca-${type}`, cn: `own-ca-${type}` });
        const serverCert = await issueCertificate(dir, {
          type,
          name: `own-server-${type}`,
          subject: "/CN=apiserver",
          ca: `own-ca-${type}`,
          extensions: serverExtensions(type, "IP:127.0.0.1"),
        });
        const client = await issueCertificate(dir, {
          type,
          name: `own-client-${type}`,
          subject: "/O=system:masters/CN=agent",
          ca: `own-ca-${type}`,
          extensions: clientExtensions(type),
        });
        const clientPkcs8 = await toPkcs8(dir, `own-client-${type}`);
        // The fake's other CA signed neither certificate above.
        const stranger = await certificates(type);
        const seen: boolean[] = [];
        // The fake's node:https transport with mandatory client certificates; the handler only answers /version.
        const transport = await listen((request) => {
          seen.push(request.clientCertVerified);
          return Promise.resolve({
            status: 200,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ gitVersion: "v1.34.0-test", path: request.url.pathname }),
          });
        }, {
          hostname: "127.0.0.1",
          port: 0,
          tls: { cert: serverCert.certPem, key: serverCert.keyPem, ca: caPem, requireClientCert: true },
        });
        try {
          const url = `https://127.0.0.1:${transport.port}`;
          const path = join(dir, `own-${type}.json`);
          for (const keyPem of [client.keyPem, clientPkcs8]) {
            await writeKubeconfig(path, { server: url, caPem, certPem: client.certPem, keyPem });
            const kube = createKubeClient(await loadFrom(path), { timeoutMs: 10_000 });
            try {
              assert.deepEqual(await kube.get("/version"), { gitVersion: "v1.34.0-test", path: "/version" });
            } finally {
              kube.close();
            }
          }
          assert.deepEqual(seen, [true, true], "both key encodings presented the certificate");
          await expectTlsFailure(path, { server: url, caPem });
          await expectTlsFailure(path, {
            server: url,
            caPem,
            certPem: stranger.foreignClientCertPem,
            keyPem: stranger.foreignClientKeyPem,
          });
          await expectTlsFailure(path, {
            server: url,
            caPem: stranger.foreignCaPem,
            certPem: client.certPem,
            keyPem: client.keyPem,
          });
          assert.equal(seen.length, 2, "no refused connection reached the handler");
        } finally {
          await transport.close();
        }
      });
    }
  });
});
