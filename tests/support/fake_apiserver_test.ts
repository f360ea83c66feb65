import assert from "node:assert/strict";
import {
  type FakeApiServer,
  type FakeApiServerOptions,
  generateCluster,
  type KubeObject,
  simulateCluster,
  startFakeApiServer,
} from "./fake_apiserver.ts";

type Json = Record<string, unknown>;

function localPath(relative: string): string {
  return decodeURIComponent(new URL(relative, import.meta.url).pathname);
}

const FIXTURE = localPath("./fixtures/small_cluster.yaml");
const POD_LIST_FIXTURE = localPath("./fixtures/pod_list.json");

interface CallOptions {
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  client?: Deno.HttpClient;
}

interface CallResult {
  status: number;
  headers: Headers;
  json: Json;
  text: string;
}

async function call(
  server: FakeApiServer,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] = options.contentType ?? "application/json";
  }
  const response = await fetch(`${server.url}${path}`, { method, headers, body, client: options.client });
  const text = await response.text();
  let json: Json = {};
  if (response.headers.get("content-type")?.includes("json") && text) json = JSON.parse(text);
  return { status: response.status, headers: response.headers, json, text };
}

function meta(obj: unknown): Json {
  return ((obj as Json).metadata ?? {}) as Json;
}

function pod(name: string, namespace = "default", extra: Json = {}): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app: "demo" } },
    spec: { nodeName: "node-a", containers: [{ name: "main", image: "busybox:1.36" }] },
    ...extra,
  };
}

/** Reads JSON lines from a watch stream. */
class WatchReader {
  #controller = new AbortController();
  #reader?: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = "";
  #decoder = new TextDecoder();
  #ended = false;
  status = 0;

  static async open(
    server: FakeApiServer,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<WatchReader> {
    const watch = new WatchReader();
    const response = await fetch(`${server.url}${path}`, { headers, signal: watch.#controller.signal });
    watch.status = response.status;
    watch.#reader = response.body?.getReader();
    return watch;
  }

  /** The next event, or `undefined` when the stream ended; rejects after `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<Json | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        this.#nextLine(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`No watch event within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #nextLine(): Promise<Json | undefined> {
    while (true) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        if (line.trim()) return JSON.parse(line);
        continue;
      }
      if (this.#ended || !this.#reader) return undefined;
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#ended = true;
        return undefined;
      }
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Collects events until `count` are read. */
  async take(count: number, timeoutMs = 3000): Promise<Json[]> {
    const events: Json[] = [];
    while (events.length < count) {
      const event = await this.next(timeoutMs);
      if (!event) break;
      events.push(event);
    }
    return events;
  }

  /** Asserts that nothing arrives within `ms`. */
  async expectSilence(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pending = this.#nextLine();
    const result = await Promise.race([
      pending.then((event) => ({ event })),
      new Promise<"quiet">((resolve) => {
        timer = setTimeout(() => resolve("quiet"), ms);
      }),
    ]);
    clearTimeout(timer);
    if (result !== "quiet") throw new Error(`Unexpected watch data: ${JSON.stringify(result.event)}`);
    this.#pendingRead = pending;
  }

  #pendingRead?: Promise<Json | undefined>;

  async close(): Promise<void> {
    this.#controller.abort();
    await this.#reader?.cancel().catch(() => {});
    await this.#pendingRead?.catch(() => {});
  }
}

async function withServer(
  options: FakeApiServerOptions,
  fn: (server: FakeApiServer) => Promise<void>,
): Promise<void> {
  const server = await startFakeApiServer(options);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test("fake apiserver serves discovery documents", async (t) => {
  await withServer({}, async (server) => {
    await t.step("version and legacy group", async () => {
      const version = await call(server, "GET", "/version");
      assert.equal(version.json.major, "1");
      const api = await call(server, "GET", "/api");
      assert.equal(api.json.kind, "APIVersions");
      assert.deepEqual(api.json.versions, ["v1"]);
    });
    await t.step("resource lists with verbs, short names and subresources", async () => {
      const core = await call(server, "GET", "/api/v1");
      const resources = core.json.resources as Json[];
      const pods = resources.find((r) => r.name === "pods") as Json;
      assert.equal(pods.kind, "Pod");
      assert.equal(pods.namespaced, true);
      assert.deepEqual(pods.shortNames, ["po"]);
      assert.ok((pods.verbs as string[]).includes("watch"));
      assert.ok(resources.some((r) => r.name === "pods/log"));
      assert.ok(resources.some((r) => r.name === "pods/eviction" && r.group === "policy"));
      assert.equal((resources.find((r) => r.name === "nodes") as Json).namespaced, false);
      const apps = await call(server, "GET", "/apis/apps/v1");
      const appsResources = apps.json.resources as Json[];
      const scale = appsResources.find((r) => r.name === "deployments/scale") as Json;
      assert.equal(scale.kind, "Scale");
      assert.deepEqual((appsResources.find((r) => r.name === "deployments") as Json).shortNames, ["deploy"]);
    });
    await t.step("group list, metrics switch and disabled resources", async () => {
      const groups = () =>
        call(server, "GET", "/apis").then((r) => (r.json.groups as Json[]).map((g) => String(g.name)));
      assert.ok((await groups()).includes("metrics.k8s.io"));
      server.setMetricsAvailable(false);
      assert.ok(!(await groups()).includes("metrics.k8s.io"));
      assert.equal((await call(server, "GET", "/apis/metrics.k8s.io/v1beta1")).status, 404);
      assert.equal((await call(server, "GET", "/apis/metrics.k8s.io/v1beta1/pods")).status, 404);
      server.setMetricsAvailable(true);
      server.disableResource("horizontalpodautoscalers");
      assert.ok(!(await groups()).includes("autoscaling"));
      assert.equal((await call(server, "GET", "/apis/autoscaling/v2/horizontalpodautoscalers")).status, 404);
      server.enableResource("horizontalpodautoscalers");
      assert.ok((await groups()).includes("autoscaling"));
    });
    await t.step("openapi v3 lists patch parameters, v2 is absent", async () => {
      const root = await call(server, "GET", "/openapi/v3");
      const entry = (root.json.paths as Json)["apis/apps/v1"] as Json;
      const doc = await call(server, "GET", String(entry.serverRelativeURL));
      const paths = doc.json.paths as Record<string, Json>;
      const patch = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch as Json;
      assert.ok((patch.parameters as Json[]).some((p) => p.name === "fieldValidation"));
      assert.equal((await call(server, "GET", "/openapi/v2")).status, 404);
    });
  });
});

Deno.test("fake apiserver creates, reads and updates with real metadata semantics", async (t) => {
  await withServer({}, async (server) => {
    const path = "/api/v1/namespaces/default/pods";
    let created: Json = {};
    await t.step("create assigns uid, timestamps, generation and resourceVersion", async () => {
      const before = Number(server.currentResourceVersion());
      const res = await call(server, "POST", path, {
        body: pod("a", "default", { status: { phase: "Running" } }),
      });
      assert.equal(res.status, 201);
      created = res.json;
      const m = meta(created);
      assert.match(String(m.uid), /^[0-9a-f-]{36}$/);
      assert.match(String(m.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(m.generation, 1);
      assert.equal(m.resourceVersion, String(before + 1));
      assert.deepEqual((created.status as Json).phase, "Pending", "status is reset on create");
    });
    await t.step("duplicate create answers 409 AlreadyExists", async () => {
      const res = await call(server, "POST", path, { body: pod("a") });
      assert.equal(res.status, 409);
      assert.equal(res.json.kind, "Status");
      assert.equal(res.json.reason, "AlreadyExists");
      assert.equal(res.json.message, `pods "a" already exists`);
      assert.deepEqual(res.json.details, { name: "a", kind: "pods" });
    });
    await t.step("generateName and namespace from the path", async () => {
      const body = pod("", "");
      (body.metadata as Json).name = undefined;
      (body.metadata as Json).generateName = "gen-";
      delete (body.metadata as Json).namespace;
      const res = await call(server, "POST", "/api/v1/namespaces/other/pods", { body });
      assert.equal(res.status, 201);
      assert.match(String(meta(res.json).name), /^gen-[a-z0-9]{5}$/);
      assert.equal(meta(res.json).namespace, "other");
    });
    await t.step("missing and invalid names answer 422 Invalid", async () => {
      const body = pod("x");
      delete (body.metadata as Json).name;
      const missing = await call(server, "POST", path, { body });
      assert.equal(missing.status, 422);
      assert.equal(missing.json.reason, "Invalid");
      assert.match(String(missing.json.message), /name or generateName is required/);
      const bad = await call(server, "POST", path, { body: pod("Bad_Name") });
      assert.equal(bad.status, 422);
    });
    await t.step("stale resourceVersion answers 409 Conflict", async () => {
      const stale = structuredClone(created);
      meta(stale).resourceVersion = "1";
      const res = await call(server, "PUT", `${path}/a`, { body: stale });
      assert.equal(res.status, 409);
      assert.equal(res.json.reason, "Conflict");
      assert.match(String(res.json.message), /the object has been modified/);
    });
    await t.step("spec change bumps generation, a no-op PUT changes nothing", async () => {
      const current = (await call(server, "GET", `${path}/a`)).json;
      const next = structuredClone(current);
      ((next.spec as Json).containers as Json[])[0].image = "busybox:1.37";
      const updated = await call(server, "PUT", `${path}/a`, { body: next });
      assert.equal(updated.status, 200);
      assert.equal(meta(updated.json).generation, 2);
      assert.ok(Number(meta(updated.json).resourceVersion) > Number(meta(current).resourceVersion));
      const rv = server.currentResourceVersion();
      const same = await call(server, "PUT", `${path}/a`, { body: updated.json });
      assert.equal(same.status, 200);
      assert.equal(server.currentResourceVersion(), rv);
      const labelled = structuredClone(updated.json);
      meta(labelled).labels = { app: "demo", extra: "yes" };
      const relabelled = await call(server, "PUT", `${path}/a`, { body: labelled });
      assert.equal(meta(relabelled.json).generation, 2, "metadata changes keep the generation");
    });
    await t.step("status subresource writes only status; the main resource ignores status", async () => {
      const current = (await call(server, "GET", `${path}/a`)).json;
      const statusOnly = structuredClone(current);
      statusOnly.status = { phase: "Running" };
      ((statusOnly.spec as Json).containers as Json[])[0].image = "ignored:1";
      const res = await call(server, "PUT", `${path}/a/status`, { body: statusOnly });
      assert.equal(res.status, 200);
      assert.equal((res.json.status as Json).phase, "Running");
      assert.equal(((res.json.spec as Json).containers as Json[])[0].image, "busybox:1.37");
      const main = structuredClone(res.json);
      main.status = { phase: "Failed" };
      const ignored = await call(server, "PUT", `${path}/a`, { body: main });
      assert.equal((ignored.json.status as Json).phase, "Running");
      const patched = await call(server, "PATCH", `${path}/a/status`, {
        body: { status: { phase: "Succeeded" } },
        contentType: "application/merge-patch+json",
      });
      assert.equal((patched.json.status as Json).phase, "Succeeded");
    });
    await t.step("name mismatch answers 400 and dry run stores nothing", async () => {
      const res = await call(server, "PUT", `${path}/a`, { body: pod("b") });
      assert.equal(res.status, 400);
      const rv = server.currentResourceVersion();
      const dry = await call(server, "POST", `${path}?dryRun=All`, { body: pod("dry") });
      assert.equal(dry.status, 201);
      assert.equal(server.currentResourceVersion(), rv);
      assert.equal(server.get("v1", "pods", "default", "dry"), undefined);
    });
  });
});

Deno.test("fake apiserver applies every patch flavour", async (t) => {
  await withServer({ fixtures: FIXTURE }, async (server) => {
    const deploy = "/apis/apps/v1/namespaces/demo/deployments/web";
    await t.step("merge patch (RFC 7386) sets and removes fields", async () => {
      const res = await call(server, "PATCH", deploy, {
        body: { metadata: { labels: { app: null, team: "a" } } },
        contentType: "application/merge-patch+json",
      });
      assert.equal(res.status, 200);
      assert.deepEqual(meta(res.json).labels, { team: "a" });
    });
    await t.step("strategic merge patch merges containers by name (set image, restart)", async () => {
      const res = await call(server, "PATCH", deploy, {
        body: {
          spec: {
            template: {
              metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z" } },
              spec: {
                "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }],
                containers: [{ name: "web", image: "nginx:1.28" }],
              },
            },
          },
        },
        contentType: "application/strategic-merge-patch+json",
      });
      assert.equal(res.status, 200);
      const template = (res.json.spec as Json).template as Json;
      const containers = (template.spec as Json).containers as Json[];
      assert.deepEqual(containers.map((c) => [c.name, c.image]), [["web", "nginx:1.28"], [
        "sidecar",
        "busybox:1.36",
      ]]);
      assert.deepEqual(containers[0].ports, [{ containerPort: 80 }]);
      assert.equal(
        meta(template).annotations &&
          (meta(template).annotations as Json)["kubectl.kubernetes.io/restartedAt"],
        "2025-01-01T00:00:00Z",
      );
      assert.equal(meta(res.json).generation, 2);
      const removed = await call(server, "PATCH", deploy, {
        body: { spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } } },
        contentType: "application/strategic-merge-patch+json",
      });
      const left = (((removed.json.spec as Json).template as Json).spec as Json).containers as Json[];
      assert.deepEqual(left.map((c) => c.name), ["web"]);
    });
    await t.step("strategic merge patch cordons a node", async () => {
      const res = await call(server, "PATCH", "/api/v1/nodes/node-a", {
        body: { spec: { unschedulable: true } },
        contentType: "application/strategic-merge-patch+json",
      });
      assert.equal((res.json.spec as Json).unschedulable, true);
    });
    await t.step("JSON patch (RFC 6902) with test, move and copy", async () => {
      const res = await call(server, "PATCH", "/api/v1/namespaces/demo/configmaps/web-config", {
        body: [
          { op: "test", path: "/data/greeting", value: "hello" },
          { op: "add", path: "/data/extra", value: "1" },
          { op: "copy", from: "/data/extra", path: "/data/copy" },
          { op: "move", from: "/data/greeting", path: "/data/moved" },
          { op: "replace", path: "/data/extra", value: "2" },
          { op: "remove", path: "/data/copy" },
        ],
        contentType: "application/json-patch+json",
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.data, { extra: "2", moved: "hello" });
      const failed = await call(server, "PATCH", "/api/v1/namespaces/demo/configmaps/web-config", {
        body: [{ op: "test", path: "/data/extra", value: "nope" }],
        contentType: "application/json-patch+json",
      });
      assert.equal(failed.status, 422);
      assert.equal(failed.json.kind, "Status");
    });
    await t.step("server-side apply needs a field manager, creates and merges", async () => {
      const path = "/api/v1/namespaces/demo/configmaps/applied";
      const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: '1'\n";
      const missing = await call(server, "PATCH", path, {
        body: yaml,
        contentType: "application/apply-patch+yaml",
      });
      assert.equal(missing.status, 422);
      assert.match(String(missing.json.message), /fieldManager: Required value/);
      const created = await call(server, "PATCH", `${path}?fieldManager=tester`, {
        body: yaml,
        contentType: "application/apply-patch+yaml",
      });
      assert.equal(created.status, 201);
      assert.deepEqual(created.json.data, { a: "1" });
      const entries = meta(created.json).managedFields as Json[];
      assert.equal(entries[0].manager, "tester");
      assert.equal(entries[0].operation, "Apply");
      const merged = await call(server, "PATCH", `${path}?fieldManager=tester&force=true`, {
        body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { b: "2" } },
        contentType: "application/apply-patch+yaml",
      });
      assert.equal(merged.status, 200);
      assert.deepEqual(merged.json.data, { a: "1", b: "2" });
    });
    await t.step("unknown patch type answers 415", async () => {
      const res = await call(server, "PATCH", deploy, { body: {}, contentType: "application/json" });
      assert.equal(res.status, 415);
    });
  });
});

Deno.test("fake apiserver deletes with grace periods, finalizers and cascades", async (t) => {
  await withServer({ fixtures: FIXTURE, podGraceScale: 5 }, async (server) => {
    await t.step("a scheduled pod gets deletionTimestamp, then disappears after its grace", async () => {
      const watch = await WatchReader.open(
        server,
        `/api/v1/namespaces/demo/pods?watch=true&resourceVersion=${server.currentResourceVersion()}`,
      );
      const res = await call(server, "DELETE", "/api/v1/namespaces/demo/pods/web-7d9c8-aaaaa");
      assert.equal(res.status, 200);
      assert.equal(res.json.kind, "Pod");
      assert.ok(meta(res.json).deletionTimestamp);
      assert.equal(meta(res.json).deletionGracePeriodSeconds, 30);
      assert.ok(server.get("v1", "Pod", "demo", "web-7d9c8-aaaaa"));
      const [modified, deleted] = await watch.take(2);
      assert.equal(modified.type, "MODIFIED");
      assert.equal(deleted.type, "DELETED");
      assert.equal(server.get("v1", "Pod", "demo", "web-7d9c8-aaaaa"), undefined);
      await watch.close();
    });
    await t.step("gracePeriodSeconds=0 and unscheduled pods go at once", async () => {
      const res = await call(
        server,
        "DELETE",
        "/api/v1/namespaces/demo/pods/web-7d9c8-bbbbb?gracePeriodSeconds=0",
      );
      assert.equal(res.status, 200);
      assert.equal(server.get("v1", "Pod", "demo", "web-7d9c8-bbbbb"), undefined);
      await call(server, "DELETE", "/api/v1/namespaces/demo/pods/batch-ccccc");
      assert.equal(server.get("v1", "Pod", "demo", "batch-ccccc"), undefined);
    });
    await t.step("other kinds return a Status; absent objects 404", async () => {
      const res = await call(server, "DELETE", "/api/v1/namespaces/demo/configmaps/web-config", {
        body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
      });
      assert.equal(res.json.kind, "Status");
      assert.equal(res.json.status, "Success");
      assert.equal((res.json.details as Json).name, "web-config");
      const missing = await call(server, "DELETE", "/api/v1/namespaces/demo/configmaps/web-config");
      assert.equal(missing.status, 404);
      assert.equal(missing.json.reason, "NotFound");
      assert.equal(missing.json.message, `configmaps "web-config" not found`);
    });
    await t.step("finalizers hold an object until they are removed", async () => {
      server.apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "held", namespace: "demo", finalizers: ["x/y"] },
      });
      const res = await call(server, "DELETE", "/api/v1/namespaces/demo/configmaps/held");
      assert.equal(res.json.kind, "ConfigMap");
      assert.ok(meta(server.get("v1", "ConfigMap", "demo", "held")).deletionTimestamp);
      await call(server, "PATCH", "/api/v1/namespaces/demo/configmaps/held", {
        body: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json",
      });
      assert.equal(server.get("v1", "ConfigMap", "demo", "held"), undefined);
    });
    await t.step("deleting an owner deletes its dependents unless orphaned", async () => {
      server.apply(pod("owned", "demo", {
        metadata: {
          name: "owned",
          namespace: "demo",
          ownerReferences: [{
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: "web-7d9c8",
            uid: "0b3a2c1e-0000-4000-a000-000000000002",
          }],
        },
      }) as KubeObject);
      await call(server, "DELETE", "/apis/apps/v1/namespaces/demo/deployments/web");
      assert.equal(server.get("apps/v1", "ReplicaSet", "demo", "web-7d9c8"), undefined);
      assert.equal(server.get("v1", "Pod", "demo", "owned"), undefined);
    });
    await t.step(
      "deleting a namespace removes its contents; deletecollection honours selectors",
      async () => {
        server.apply(
          pod("keep", "demo", {
            metadata: { name: "keep", namespace: "demo", labels: { keep: "yes" } },
          }) as KubeObject,
        );
        server.apply(
          pod("drop", "demo", {
            metadata: { name: "drop", namespace: "demo", labels: { keep: "no" } },
          }) as KubeObject,
        );
        const res = await call(
          server,
          "DELETE",
          "/api/v1/namespaces/demo/pods?labelSelector=keep%3Dno&gracePeriodSeconds=0",
        );
        assert.equal(res.json.kind, "PodList");
        assert.deepEqual(server.list("pods", "demo").map((p) => p.metadata?.name), ["keep"]);
        await call(server, "DELETE", "/api/v1/namespaces/demo");
        assert.equal(server.list("pods", "demo").length, 0);
        assert.equal(server.get("v1", "Namespace", undefined, "demo"), undefined);
      },
    );
  });
});

Deno.test("fake apiserver lists with label and field selectors", async () => {
  await withServer({ fixtures: FIXTURE, defaultNamespaces: false }, async (server) => {
    const names = async (query: string) => {
      const res = await call(server, "GET", `/api/v1/pods?${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      return (res.json.items as Json[]).map((i) => meta(i).name);
    };
    const list = await call(server, "GET", "/api/v1/namespaces/demo/pods");
    assert.equal(list.json.kind, "PodList");
    assert.equal(list.json.apiVersion, "v1");
    assert.equal(meta(list.json).resourceVersion, server.currentResourceVersion());
    assert.equal(
      (list.json.items as Json[])[0].kind,
      undefined,
      "list items carry no kind, like real typed lists",
    );
    assert.deepEqual(await names(""), ["batch-ccccc", "web-7d9c8-aaaaa", "web-7d9c8-bbbbb"]);
    assert.deepEqual(await names("labelSelector=app%3Dweb"), ["web-7d9c8-aaaaa", "web-7d9c8-bbbbb"]);
    assert.deepEqual(await names("labelSelector=app%3D%3Dweb,tier"), ["web-7d9c8-aaaaa", "web-7d9c8-bbbbb"]);
    assert.deepEqual(await names("labelSelector=app!%3Dweb"), ["batch-ccccc"]);
    assert.deepEqual(await names("labelSelector=app%20in%20(batch,other)"), ["batch-ccccc"]);
    assert.deepEqual(await names("labelSelector=app%20notin%20(batch)"), [
      "web-7d9c8-aaaaa",
      "web-7d9c8-bbbbb",
    ]);
    assert.deepEqual(await names("labelSelector=!tier"), ["batch-ccccc"]);
    assert.deepEqual(await names("fieldSelector=status.phase%3DPending"), ["batch-ccccc"]);
    assert.deepEqual(await names("fieldSelector=spec.nodeName%3Dnode-a,metadata.name!%3Dweb-7d9c8-aaaaa"), [
      "web-7d9c8-bbbbb",
    ]);
    assert.deepEqual(await names("fieldSelector=metadata.namespace%3D%3Ddemo&labelSelector=app%3Dbatch"), [
      "batch-ccccc",
    ]);
    const badField = await call(server, "GET", "/api/v1/pods?fieldSelector=spec.bogus%3Dx");
    assert.equal(badField.status, 400);
    assert.match(String(badField.json.message), /field label not supported: spec.bogus/);
    const badLabel = await call(server, "GET", "/api/v1/pods?labelSelector=a%20in%20b");
    assert.equal(badLabel.status, 400);
    server.apply({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "ev1", namespace: "demo" },
      involvedObject: { kind: "Pod", name: "web-7d9c8-aaaaa", namespace: "demo", uid: "u1" },
      reason: "Started",
      type: "Normal",
    } as KubeObject);
    const events = await call(
      server,
      "GET",
      "/api/v1/events?fieldSelector=involvedObject.kind%3DPod,involvedObject.name%3Dweb-7d9c8-aaaaa,involvedObject.uid%3Du1",
    );
    assert.equal((events.json.items as Json[]).length, 1);
  });
});

Deno.test("fake apiserver paginates over a consistent snapshot", async (t) => {
  await withServer({ defaultNamespaces: false }, async (server) => {
    for (let i = 0; i < 7; i++) server.apply(pod(`p${i}`, i % 2 ? "b" : "a") as KubeObject);
    await t.step("pages carry continue tokens and remainingItemCount", async () => {
      const first = await call(server, "GET", "/api/v1/pods?limit=3");
      const firstMeta = meta(first.json);
      assert.equal((first.json.items as Json[]).length, 3);
      assert.equal(firstMeta.remainingItemCount, 4);
      assert.ok(firstMeta.continue);
      server.apply(
        pod("p0", "a", {
          metadata: { name: "p0", namespace: "a", labels: { changed: "yes" } },
        }) as KubeObject,
      );
      server.apply(pod("zz-new", "b") as KubeObject);
      server.remove("v1", "pods", "b", "p5");
      const names: unknown[] = (first.json.items as Json[]).map((i) => meta(i).name);
      let token = String(firstMeta.continue);
      while (token) {
        const page = await call(server, "GET", `/api/v1/pods?limit=3&continue=${encodeURIComponent(token)}`);
        assert.equal(page.status, 200);
        assert.equal(
          meta(page.json).resourceVersion,
          firstMeta.resourceVersion,
          "later pages keep the first RV",
        );
        names.push(...(page.json.items as Json[]).map((i) => meta(i).name));
        token = String(meta(page.json).continue ?? "");
      }
      assert.deepEqual(
        names,
        ["p0", "p2", "p4", "p6", "p1", "p3", "p5"],
        "etcd order, the snapshot of page one",
      );
    });
    await t.step("expired continue tokens answer 410 Expired", async () => {
      const first = await call(server, "GET", "/api/v1/pods?limit=2");
      server.expireContinueTokens();
      const next = await call(server, "GET", `/api/v1/pods?limit=2&continue=${meta(first.json).continue}`);
      assert.equal(next.status, 410);
      assert.equal(next.json.reason, "Expired");
      assert.match(String(next.json.message), /The provided continue parameter is too old/);
      const inconsistent = String(meta(next.json).continue);
      const rest = await call(server, "GET", `/api/v1/pods?continue=${inconsistent}`);
      assert.equal(rest.status, 200);
      assert.ok((rest.json.items as Json[]).length > 0);
      server.setContinueTtl(0);
      const again = await call(server, "GET", "/api/v1/pods?limit=2");
      await new Promise((resolve) => setTimeout(resolve, 5));
      const late = await call(server, "GET", `/api/v1/pods?limit=2&continue=${meta(again.json).continue}`);
      assert.equal(late.status, 410);
      server.setContinueTtl(60_000);
    });
    await t.step("resourceVersion semantics and validation", async () => {
      const rv = Number(server.currentResourceVersion());
      server.apply(pod("later", "a") as KubeObject);
      const exact = await call(
        server,
        "GET",
        `/api/v1/pods?resourceVersion=${rv}&resourceVersionMatch=Exact`,
      );
      assert.equal(meta(exact.json).resourceVersion, String(rv));
      assert.ok(!(exact.json.items as Json[]).some((i) => meta(i).name === "later"));
      const notOlder = await call(
        server,
        "GET",
        `/api/v1/pods?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`,
      );
      assert.ok((notOlder.json.items as Json[]).some((i) => meta(i).name === "later"));
      const any = await call(server, "GET", "/api/v1/pods?resourceVersion=0");
      assert.equal(any.status, 200);
      const invalid = await call(server, "GET", "/api/v1/pods?resourceVersionMatch=Exact");
      assert.equal(invalid.status, 422);
      assert.equal(invalid.json.reason, "Invalid");
      assert.match(
        String(invalid.json.message),
        /resourceVersionMatch is forbidden unless resourceVersion is provided/,
      );
      const zero = await call(server, "GET", "/api/v1/pods?resourceVersion=0&resourceVersionMatch=Exact");
      assert.equal(zero.status, 422);
      const bogus = await call(
        server,
        "GET",
        "/api/v1/pods?resourceVersion=1&resourceVersionMatch=Sometimes",
      );
      assert.equal(bogus.status, 422);
      server.compact();
      const gone = await call(server, "GET", `/api/v1/pods?resourceVersion=${rv}&resourceVersionMatch=Exact`);
      assert.equal(gone.status, 410);
    });
  });
});

Deno.test("fake apiserver watches from a resourceVersion with selectors", async (t) => {
  await withServer({ defaultNamespaces: false }, async (server) => {
    server.apply(pod("a") as KubeObject);
    const rv = server.currentResourceVersion();
    server.apply(pod("b") as KubeObject);
    server.apply(
      pod("a", "default", {
        metadata: { name: "a", namespace: "default", labels: { app: "demo", v: "2" } },
      }) as KubeObject,
    );
    await t.step("replays history after the given resourceVersion, then goes live", async () => {
      const watch = await WatchReader.open(
        server,
        `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`,
      );
      assert.equal(watch.status, 200);
      const replay = await watch.take(2);
      assert.deepEqual(replay.map((e) => [e.type, meta(e.object).name]), [["ADDED", "b"], ["MODIFIED", "a"]]);
      assert.equal((replay[0].object as Json).kind, "Pod");
      server.remove("v1", "pods", "default", "b");
      const deleted = await watch.next();
      assert.equal(deleted?.type, "DELETED");
      assert.equal(meta(deleted?.object).resourceVersion, server.currentResourceVersion());
      await watch.close();
    });
    await t.step("resourceVersion 0 starts with synthetic ADDED events", async () => {
      const watch = await WatchReader.open(server, "/api/v1/pods?watch=true&resourceVersion=0");
      const [added] = await watch.take(1);
      assert.equal(added.type, "ADDED");
      assert.equal(meta(added.object).name, "a");
      await watch.close();
    });
    await t.step("objects leaving a label selector produce DELETED, entering produce ADDED", async () => {
      const watch = await WatchReader.open(
        server,
        `/api/v1/pods?watch=true&labelSelector=v%3D2&resourceVersion=${server.currentResourceVersion()}`,
      );
      await server.waitForWatch("/api/v1/pods");
      server.apply(pod("a") as KubeObject);
      server.apply(
        pod("c", "default", {
          metadata: { name: "c", namespace: "default", labels: { v: "2" } },
        }) as KubeObject,
      );
      const events = await watch.take(2);
      assert.deepEqual(events.map((e) => [e.type, meta(e.object).name]), [["DELETED", "a"], ["ADDED", "c"]]);
      await watch.close();
    });
    await t.step("a single object can be watched through its path", async () => {
      const rv = server.currentResourceVersion();
      const legacy = await WatchReader.open(
        server,
        `/api/v1/watch/namespaces/default/pods/a?resourceVersion=${rv}`,
      );
      const modern = await WatchReader.open(
        server,
        `/api/v1/namespaces/default/pods/a?watch=true&resourceVersion=${rv}`,
      );
      server.apply(pod("other") as KubeObject);
      server.apply(
        pod("a", "default", {
          metadata: { name: "a", namespace: "default", annotations: { y: "1" } },
        }) as KubeObject,
      );
      for (const watch of [legacy, modern]) {
        const event = await watch.next();
        assert.deepEqual([event?.type, meta(event?.object).name], ["MODIFIED", "a"]);
        await watch.close();
      }
      assert.ok(server.requests.some((r) => r.watch && r.path.includes("/watch/")));
    });
    await t.step("field selectors filter the stream", async () => {
      const watch = await WatchReader.open(
        server,
        `/api/v1/pods?watch=true&fieldSelector=metadata.name%3Dc&resourceVersion=${server.currentResourceVersion()}`,
      );
      server.apply(pod("d") as KubeObject);
      server.apply(
        pod("c", "default", {
          metadata: { name: "c", namespace: "default", annotations: { x: "1" } },
        }) as KubeObject,
      );
      const [event] = await watch.take(1);
      assert.equal(meta(event.object).name, "c");
      await watch.close();
    });
  });
});

Deno.test("fake apiserver sends bookmarks and honours timeoutSeconds", async () => {
  await withServer({ bookmarkIntervalMs: 30 }, async (server) => {
    const watch = await WatchReader.open(
      server,
      `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${server.currentResourceVersion()}&timeoutSeconds=1`,
    );
    const bookmark = await watch.next();
    assert.equal(bookmark?.type, "BOOKMARK");
    assert.deepEqual(bookmark?.object, {
      kind: "Pod",
      apiVersion: "v1",
      metadata: { resourceVersion: server.currentResourceVersion() },
    });
    const started = Date.now();
    let event: Json | undefined;
    do event = await watch.next(3000); while (event);
    assert.ok(Date.now() - started < 2500, "the stream ended after timeoutSeconds");
    await watch.close();
  });
});

Deno.test("fake apiserver streams initial events with sendInitialEvents", async (t) => {
  await withServer({ defaultNamespaces: false }, async (server) => {
    server.apply(pod("a") as KubeObject);
    server.apply(pod("b") as KubeObject);
    const base = "/api/v1/pods?watch=true&sendInitialEvents=true";
    await t.step("ADDED for current objects, then the initial-events-end bookmark, then live", async () => {
      const watch = await WatchReader.open(
        server,
        `${base}&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      );
      const events = await watch.take(3);
      assert.deepEqual(events.map((e) => e.type), ["ADDED", "ADDED", "BOOKMARK"]);
      const end = meta(events[2].object);
      assert.deepEqual(end.annotations, { "k8s.io/initial-events-end": "true" });
      assert.equal(end.resourceVersion, server.currentResourceVersion());
      server.apply(pod("c") as KubeObject);
      assert.equal((await watch.next())?.type, "ADDED");
      await watch.close();
    });
    await t.step("missing resourceVersionMatch or bookmarks answer 422", async () => {
      const res = await call(server, "GET", `${base}&allowWatchBookmarks=true`);
      assert.equal(res.status, 422);
      assert.equal(res.json.reason, "Invalid");
      assert.match(
        String(res.json.message),
        /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/,
      );
      const noBookmarks = await call(server, "GET", `${base}&resourceVersionMatch=NotOlderThan`);
      assert.equal(noBookmarks.status, 422);
    });
    await t.step("a server without WatchList answers 422", async () => {
      server.setWatchList(false);
      const res = await call(
        server,
        "GET",
        `${base}&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      );
      assert.equal(res.status, 422);
      assert.match(String(res.json.message), /WatchList feature gate/);
      server.setWatchList(true);
    });
  });
});

Deno.test("fake apiserver answers 410 Expired for a compacted watch", async (t) => {
  await withServer({ historySize: 3 }, async (server) => {
    const old = server.currentResourceVersion();
    await t.step("an RV older than the bounded history", async () => {
      for (let i = 0; i < 5; i++) server.apply(pod(`p${i}`) as KubeObject);
      const watch = await WatchReader.open(server, `/api/v1/pods?watch=true&resourceVersion=${old}`);
      const error = await watch.next();
      assert.equal(error?.type, "ERROR");
      const status = error?.object as Json;
      assert.equal(status.kind, "Status");
      assert.equal(status.code, 410);
      assert.equal(status.reason, "Expired");
      assert.match(String(status.message), new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
      assert.equal(await watch.next(), undefined, "the stream ends after the error");
      await watch.close();
    });
    await t.step("compact() expires every older RV", async () => {
      const recent = server.currentResourceVersion();
      server.apply(pod("q") as KubeObject);
      server.compact();
      const watch = await WatchReader.open(server, `/api/v1/pods?watch=true&resourceVersion=${recent}`);
      assert.equal((await watch.next())?.type, "ERROR");
      await watch.close();
      const current = await WatchReader.open(
        server,
        `/api/v1/pods?watch=true&resourceVersion=${server.currentResourceVersion()}`,
      );
      server.apply(pod("r") as KubeObject);
      assert.equal((await current.next())?.type, "ADDED");
      await current.close();
    });
  });
});

Deno.test("fake apiserver answers a resourceVersion newer than its own like the watch cache (504, ResourceVersionTooLarge)", async () => {
  await withServer({ initialResourceVersion: 100 }, async (server) => {
    const ahead = Number(server.currentResourceVersion()) + 50;
    const watch = await WatchReader.open(server, `/api/v1/pods?watch=true&resourceVersion=${ahead}`);
    const error = await watch.next();
    assert.equal(error?.type, "ERROR", "a watch gets it as an ERROR event on a 200 stream");
    const status = error?.object as Json;
    assert.equal(status.code, 504);
    assert.equal(status.reason, "Timeout");
    assert.match(String(status.message), new RegExp(`^Too large resource version: ${ahead}, current: \\d+$`));
    const details = status.details as { causes?: { reason?: string }[]; retryAfterSeconds?: number };
    assert.equal(details.causes?.[0]?.reason, "ResourceVersionTooLarge");
    assert.equal(details.retryAfterSeconds, 1);
    assert.equal(await watch.next(), undefined, "the stream ends after the error");
    await watch.close();
    const list = await call(server, "GET", `/api/v1/pods?resourceVersion=${ahead}`);
    assert.equal(list.status, 504, "a list gets it as the HTTP status");
    assert.equal(list.json.reason, "Timeout");
  });
});

Deno.test("fake apiserver scales through the scale subresource", async () => {
  await withServer({ fixtures: FIXTURE }, async (server) => {
    const path = "/apis/apps/v1/namespaces/demo/deployments/web/scale";
    const scale = await call(server, "GET", path);
    assert.equal(scale.json.kind, "Scale");
    assert.equal(scale.json.apiVersion, "autoscaling/v1");
    assert.deepEqual(scale.json.spec, { replicas: 2 });
    assert.equal((scale.json.status as Json).selector, "app=web");
    const patched = await call(server, "PATCH", path, {
      body: { spec: { replicas: 5 } },
      contentType: "application/merge-patch+json",
    });
    assert.equal((patched.json.spec as Json).replicas, 5);
    assert.equal(
      (server.get<Json & KubeObject>("apps/v1", "Deployment", "demo", "web")?.spec as Json).replicas,
      5,
    );
    const put = structuredClone(patched.json);
    (put.spec as Json).replicas = 1;
    assert.equal((await call(server, "PUT", path, { body: put })).status, 200);
    meta(put).resourceVersion = "1";
    assert.equal((await call(server, "PUT", path, { body: put })).status, 409);
    (put.spec as Json).replicas = -1;
    delete meta(put).resourceVersion;
    assert.equal((await call(server, "PUT", path, { body: put })).status, 422);
    assert.equal((await call(server, "GET", "/apis/apps/v1/namespaces/demo/daemonsets/x/scale")).status, 404);
  });
});

Deno.test("fake apiserver evicts pods unless a disruption budget forbids it", async () => {
  await withServer({ fixtures: FIXTURE, podGraceScale: 1 }, async (server) => {
    const evict = (name: string) =>
      call(server, "POST", `/api/v1/namespaces/demo/pods/${name}/eviction`, {
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "demo" } },
      });
    const first = await evict("web-7d9c8-aaaaa");
    assert.equal(first.status, 201);
    assert.equal(first.json.status, "Success");
    assert.ok(
      meta(server.get("v1", "Pod", "demo", "web-7d9c8-aaaaa")).deletionTimestamp,
      "evicted gracefully",
    );
    const blocked = await evict("web-7d9c8-bbbbb");
    assert.equal(blocked.status, 429);
    assert.equal(blocked.json.reason, "TooManyRequests");
    assert.equal(blocked.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal(blocked.headers.get("retry-after"), "1");
    const causes = (blocked.json.details as Json).causes as Json[];
    assert.equal(causes[0].reason, "DisruptionBudget");
    const free = await evict("batch-ccccc");
    assert.equal(free.status, 201);
    assert.equal((await evict("nope")).status, 404);
  });
});

Deno.test("fake apiserver serves scripted pod logs", async (t) => {
  await withServer({ fixtures: FIXTURE }, async (server) => {
    const path = "/api/v1/namespaces/demo/pods/web-7d9c8-aaaaa/log";
    const start = Date.UTC(2025, 0, 1);
    server.setPodLogs("demo", "web-7d9c8-aaaaa", "web", [
      { time: start, text: "one" },
      { time: start + 1000, text: "two" },
      { time: start + 2000, text: "three" },
    ]);
    server.setPodLogs("demo", "web-7d9c8-aaaaa", "web", ["crashed"], { previous: true });
    await t.step("a container must be chosen when the pod has several", async () => {
      const res = await call(server, "GET", path);
      assert.equal(res.status, 400);
      assert.equal(
        res.json.message,
        "a container name must be specified for pod web-7d9c8-aaaaa, choose one of: [web sidecar]",
      );
      const wrong = await call(server, "GET", `${path}?container=nope`);
      assert.equal(wrong.status, 400);
    });
    await t.step("text with tailLines, timestamps, limitBytes and previous", async () => {
      const all = await call(server, "GET", `${path}?container=web`);
      assert.equal(all.headers.get("content-type"), "text/plain");
      assert.equal(all.text, "one\ntwo\nthree\n");
      assert.equal((await call(server, "GET", `${path}?container=web&tailLines=2`)).text, "two\nthree\n");
      assert.equal(
        (await call(server, "GET", `${path}?container=web&tailLines=1&timestamps=true`)).text,
        "2025-01-01T00:00:02.000000000Z three\n",
      );
      assert.equal((await call(server, "GET", `${path}?container=web&limitBytes=5`)).text, "one\nt");
      assert.equal((await call(server, "GET", `${path}?container=web&previous=true`)).text, "crashed\n");
      const noPrevious = await call(server, "GET", `${path}?container=sidecar&previous=true`);
      assert.equal(noPrevious.status, 400);
      assert.equal((await call(server, "GET", `${path}?container=sidecar`)).text, "");
    });
    await t.step("sinceSeconds and follow", async () => {
      server.setPodLogs("demo", "batch-ccccc", "job", ["recent"]);
      assert.equal(
        (await call(server, "GET", "/api/v1/namespaces/demo/pods/batch-ccccc/log?sinceSeconds=60")).text,
        "recent\n",
      );
      assert.equal((await call(server, "GET", `${path}?container=web&sinceSeconds=60`)).text, "");
      const controller = new AbortController();
      const res = await fetch(`${server.url}/api/v1/namespaces/demo/pods/batch-ccccc/log?follow=true`, {
        signal: controller.signal,
      });
      const reader = res.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
      const decoder = new TextDecoder();
      assert.equal(decoder.decode((await reader.read()).value), "recent\n");
      server.appendPodLogs("demo", "batch-ccccc", "job", ["more"]);
      assert.equal(decoder.decode((await reader.read()).value), "more\n");
      server.remove("v1", "Pod", "demo", "batch-ccccc");
      assert.equal((await reader.read()).done, true, "the stream ends with the pod");
      controller.abort();
    });
  });
});

Deno.test("fake apiserver answers errors as Status objects", async (t) => {
  await withServer({}, async (server) => {
    const expectStatus = (res: CallResult, code: number, reason: string) => {
      assert.equal(res.status, code);
      assert.equal(res.json.kind, "Status");
      assert.equal(res.json.apiVersion, "v1");
      assert.equal(res.json.status, "Failure");
      assert.equal(res.json.code, code);
      assert.equal(res.json.reason, reason);
      assert.equal(typeof res.json.message, "string");
    };
    await t.step("not found, method not allowed, bad request", async () => {
      expectStatus(await call(server, "GET", "/apis/nothing.example.com/v1/things"), 404, "NotFound");
      const missing = await call(server, "GET", "/apis/apps/v1/namespaces/x/deployments/y");
      expectStatus(missing, 404, "NotFound");
      assert.deepEqual(missing.json.details, { name: "y", group: "apps", kind: "deployments" });
      assert.equal(missing.json.message, `deployments.apps "y" not found`);
      expectStatus(await call(server, "POST", "/api/v1/pods", { body: pod("x") }), 405, "MethodNotAllowed");
      expectStatus(
        await call(server, "GET", "/apis/metrics.k8s.io/v1beta1/pods?watch=true"),
        405,
        "MethodNotAllowed",
      );
      expectStatus(
        await call(server, "POST", "/api/v1/namespaces/default/pods", { body: "{not json" }),
        400,
        "BadRequest",
      );
    });
    await t.step("forbid() answers 403 like RBAC", async () => {
      server.forbid("pods", ["list"]);
      const res = await call(server, "GET", "/api/v1/pods");
      expectStatus(res, 403, "Forbidden");
      assert.equal(
        res.json.message,
        `pods is forbidden: User "system:serviceaccount:atlhyper:atlhyper-agent" cannot list resource "pods" in API group "" at the cluster scope`,
      );
      assert.equal(
        (await call(server, "GET", "/api/v1/namespaces/default/pods/x")).status,
        404,
        "get is still allowed",
      );
      server.forbid("deployments.apps/scale");
      const scale = await call(server, "GET", "/apis/apps/v1/namespaces/a/deployments/b/scale");
      expectStatus(scale, 403, "Forbidden");
      assert.match(
        String(scale.json.message),
        /cannot get resource "deployments\/scale" in API group "apps" in the namespace "a"/,
      );
      server.allow();
      assert.equal((await call(server, "GET", "/api/v1/pods")).status, 200);
    });
  });
});

Deno.test("fake apiserver requires the bearer token and accepts rotation", async () => {
  await withServer({ token: "first" }, async (server) => {
    const none = await call(server, "GET", "/api/v1/pods");
    assert.equal(none.status, 401);
    assert.equal(none.json.reason, "Unauthorized");
    assert.equal(
      (await call(server, "GET", "/version", { headers: { authorization: "Bearer first" } })).status,
      200,
    );
    server.setToken("second");
    assert.equal(
      (await call(server, "GET", "/api", { headers: { authorization: "Bearer first" } })).status,
      401,
    );
    assert.equal(
      (await call(server, "GET", "/api", { headers: { authorization: "Bearer second" } })).status,
      200,
    );
    assert.match(server.kubeconfig(), /token: second/);
  });
});

Deno.test("fake apiserver enforces mutual TLS", async (t) => {
  await t.step("EC keys: the CA-signed client certificate is required", async () => {
    await withServer({ tls: true }, async (server) => {
      assert.ok(server.url.startsWith("https://127.0.0.1:"));
      const caPem = server.caPem as string;
      const good = Deno.createHttpClient({
        caCerts: [caPem],
        cert: server.clientCertPem as string,
        key: server.clientKeyPem as string,
      });
      const anonymous = Deno.createHttpClient({ caCerts: [caPem] });
      const foreign = Deno.createHttpClient({
        caCerts: [caPem],
        cert: server.certificates?.foreignClientCertPem as string,
        key: server.certificates?.foreignClientKeyPem as string,
      });
      try {
        assert.equal((await call(server, "GET", "/version", { client: good })).status, 200);
        await assert.rejects(() => call(server, "GET", "/version", { client: anonymous }), TypeError);
        await assert.rejects(() => call(server, "GET", "/version", { client: foreign }), TypeError);
        assert.match(server.kubeconfig(), /client-certificate-data/);
      } finally {
        good.close();
        anonymous.close();
        foreign.close();
      }
    });
  });
  await t.step("RSA keys, optional client certificate plus token", async () => {
    await withServer({ tls: { keyType: "rsa", requireClientCert: false }, token: "tok" }, async (server) => {
      assert.match(server.clientKeyPem as string, /BEGIN RSA PRIVATE KEY/);
      assert.match(server.clientKeyPkcs8Pem as string, /BEGIN PRIVATE KEY/);
      const anonymous = Deno.createHttpClient({ caCerts: [server.caPem as string] });
      const withCert = Deno.createHttpClient({
        caCerts: [server.caPem as string],
        cert: server.clientCertPem as string,
        key: server.clientKeyPkcs8Pem as string,
      });
      try {
        assert.equal((await call(server, "GET", "/version", { client: anonymous })).status, 401);
        const bearer = { client: anonymous, headers: { authorization: "Bearer tok" } };
        assert.equal((await call(server, "GET", "/version", bearer)).status, 200);
        assert.equal((await call(server, "GET", "/version", { client: withCert })).status, 200);
      } finally {
        anonymous.close();
        withCert.close();
      }
    });
  });
});

Deno.test("fake apiserver injects faults and records requests", async (t) => {
  await withServer({}, async (server) => {
    await t.step("failNext answers statuses with Retry-After and resets connections", async () => {
      server.failNext(1, 500);
      const internal = await call(server, "GET", "/api/v1/pods");
      assert.equal(internal.status, 500);
      assert.equal(internal.json.reason, "InternalError");
      server.failNext(1, 429, { path: "/api/v1/namespaces" });
      assert.equal((await call(server, "GET", "/api/v1/pods")).status, 200, "filter does not match");
      const throttled = await call(server, "GET", "/api/v1/namespaces");
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers.get("retry-after"), "1");
      server.failNext(2, 503);
      assert.equal((await call(server, "GET", "/version")).status, 503);
      assert.equal((await call(server, "GET", "/version")).json.reason, "ServiceUnavailable");
      server.failNext(1, "reset", (r) => r.method === "GET" && r.path === "/api");
      await assert.rejects(() => call(server, "GET", "/api"), TypeError, "reset on a reused connection");
      assert.equal((await call(server, "GET", "/api")).status, 200);
      const fresh = Deno.createHttpClient({});
      try {
        server.failNext(1, "reset", "/apis");
        await assert.rejects(
          () => call(server, "GET", "/apis", { client: fresh }),
          TypeError,
          "reset on a new connection",
        );
        assert.equal((await call(server, "GET", "/apis", { client: fresh })).status, 200);
      } finally {
        fresh.close();
      }
    });
    await t.step("latency delays answers", async () => {
      server.setLatency(60);
      const started = performance.now();
      await call(server, "GET", "/version");
      assert.ok(performance.now() - started >= 55);
      server.setLatency(0);
    });
    await t.step("closeWatches ends streams cleanly; waitForWatch sees them open", async () => {
      const watch = await WatchReader.open(server, "/api/v1/pods?watch=true");
      await server.waitForWatch("/api/v1/pods", { count: 1 });
      assert.equal(server.openWatches({ path: "/api/v1/pods", watch: true }), 1);
      assert.equal(server.closeWatches("/api/v1/pods"), 1);
      assert.equal(await watch.next(), undefined);
      assert.equal(server.openWatches(), 0);
      await watch.close();
    });
    await t.step("stalled watches send nothing, not even bookmarks, until aborted", async () => {
      server.setBookmarkInterval(20);
      const watch = await WatchReader.open(
        server,
        `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${server.currentResourceVersion()}`,
      );
      assert.equal((await watch.next())?.type, "BOOKMARK");
      assert.equal(server.stallWatches(), 1);
      server.apply(pod("during-stall") as KubeObject);
      await watch.expectSilence(120);
      await watch.close();
      server.setStall(true);
      const fresh = await WatchReader.open(server, "/api/v1/pods?watch=true");
      assert.equal(fresh.status, 200);
      await fresh.expectSilence(60);
      await fresh.close();
      server.setStall(false);
      const healthy = await WatchReader.open(server, "/api/v1/pods?watch=true");
      assert.equal((await healthy.next())?.type, "ADDED");
      await healthy.close();
      server.setBookmarkInterval(60_000);
    });
    await t.step("request log, stats and waitForRequest", async () => {
      server.resetRequestLog();
      await call(server, "GET", "/api/v1/pods?limit=5");
      await call(server, "GET", "/api/v1/pods?limit=5");
      const [entry] = server.requests;
      assert.equal(entry.method, "GET");
      assert.equal(entry.path, "/api/v1/pods");
      assert.deepEqual(entry.query, { limit: "5" });
      assert.equal(entry.watch, false);
      assert.equal(entry.status, 200);
      assert.ok(entry.bytes > 0);
      const stats = server.stats();
      assert.equal(stats.requests, 2);
      assert.equal(stats.byPath["/api/v1/pods"].requests, 2);
      assert.equal(stats.byPath["/api/v1/pods"].bytes, entry.bytes * 2);
      const pending = server.waitForRequest({ path: "/version" });
      await call(server, "GET", "/version");
      assert.equal((await pending).length, 1);
      await assert.rejects(() => server.waitForRequest("/never", { timeoutMs: 20 }), /Timed out/);
    });
  });
});

Deno.test("fake apiserver serves tables, metadata and metrics", async () => {
  await withServer({ fixtures: FIXTURE }, async (server) => {
    const table = await call(server, "GET", "/api/v1/namespaces/demo/pods", {
      headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" },
    });
    assert.equal(table.json.kind, "Table");
    const columns = (table.json.columnDefinitions as Json[]).map((c) => c.name);
    assert.deepEqual(columns.slice(0, 5), ["Name", "Ready", "Status", "Restarts", "Age"]);
    const row = (table.json.rows as Json[])[1];
    assert.deepEqual((row.cells as unknown[]).slice(0, 3), ["web-7d9c8-aaaaa", "0/2", "Running"]);
    assert.equal((row.object as Json).kind, "PartialObjectMetadata");
    const partial = await call(server, "GET", "/api/v1/namespaces/demo/pods", {
      headers: { accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io" },
    });
    assert.equal(partial.json.kind, "PartialObjectMetadataList");
    server.setPodMetrics("demo", "web-7d9c8-aaaaa", [{ name: "web", cpu: "12m", memory: "20Mi" }]);
    server.setNodeMetrics("node-a", { cpu: "250m", memory: "1Gi" });
    const metrics = await call(server, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods");
    assert.equal(metrics.json.kind, "PodMetricsList");
    assert.equal(((metrics.json.items as Json[])[0].containers as Json[])[0].name, "web");
    const node = await call(server, "GET", "/apis/metrics.k8s.io/v1beta1/nodes/node-a");
    assert.deepEqual(node.json.usage, { cpu: "250m", memory: "1Gi" });
    assert.equal((await call(server, "DELETE", "/apis/metrics.k8s.io/v1beta1/nodes/node-a")).status, 405);
  });
});

Deno.test("fake apiserver loads fixture files and keeps in-process state", async () => {
  await withServer({ fixtures: POD_LIST_FIXTURE, defaultNamespaces: false }, async (server) => {
    const listed = await call(server, "GET", "/api/v1/namespaces/listed/pods");
    assert.equal((listed.json.items as Json[]).length, 2);
    assert.deepEqual(server.list("pods").map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`), [
      "listed/listed-a",
      "listed/listed-b",
    ]);
    const applied = server.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "d",
        namespace: "listed",
        uid: "fixed-uid",
        creationTimestamp: "2020-01-01T00:00:00Z",
      },
      spec: { replicas: 1 },
      status: { readyReplicas: 1 },
    } as KubeObject);
    assert.equal(applied.metadata?.uid, "fixed-uid", "in-process writes keep the given uid");
    assert.equal(
      (applied as Json & KubeObject).status && ((applied as Json).status as Json).readyReplicas,
      1,
    );
    assert.equal(server.objects().length, 3);
    assert.equal(
      server.resourcePath("deployments", "listed", "d"),
      "/apis/apps/v1/namespaces/listed/deployments/d",
    );
    assert.ok(server.remove("apps/v1", "deployments", "listed", "d"));
    assert.equal(server.remove("apps/v1", "deployments", "listed", "d"), undefined);
  });
});

Deno.test("fake apiserver runs as a command that prints its URL", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kubeconfig = `${dir}/kubeconfig`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        localPath("./fake_apiserver.ts"),
        "--port",
        "0",
        "--token",
        "cli",
        "--kubeconfig",
        kubeconfig,
        "--simulate",
        "pods=10,seed=4",
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = "";
    while (!output.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      output += value;
    }
    const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(output);
    assert.ok(match, `unexpected output: ${output}`);
    const res = await fetch(`${match[1]}/api/v1/pods`, { headers: { authorization: "Bearer cli" } });
    const list = await res.json();
    assert.equal(list.items.length, 10);
    assert.match(await Deno.readTextFile(kubeconfig), /current-context: fake/);
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
    await reader.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("simulator generates a deterministic, realistic cluster", () => {
  const a = generateCluster({ pods: 40, seed: 11 });
  const b = generateCluster({ pods: 40, seed: 11 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(generateCluster({ pods: 40, seed: 12 }), a);
  const pods = a.filter((o) => o.kind === "Pod") as (KubeObject & Json)[];
  assert.equal(pods.length, 40);
  const podJson = JSON.stringify(pods[0].metadata?.managedFields);
  assert.ok(podJson.length > 1500, `managedFields are realistic (${podJson.length} bytes)`);
  const env = ((pods[0].spec as Json).containers as Json[])[0].env as Json[];
  assert.ok(env.some((e) => e.name === "DB_PASSWORD" && typeof e.value === "string"));
  assert.ok(env.some((e) => (e.valueFrom as Json | undefined)?.secretKeyRef));
  assert.ok(env.some((e) => (e.valueFrom as Json | undefined)?.fieldRef));
  const running = pods.find((p) => (p.status as Json).phase === "Running") as Json;
  const conditions = ((running.status as Json).conditions as Json[]).map((c) => c.type);
  for (const type of ["PodScheduled", "Initialized", "ContainersReady", "Ready"]) {
    assert.ok(conditions.includes(type));
  }
  const statuses = (running.status as Json).containerStatuses as Json[];
  assert.match(String(statuses[0].containerID), /^containerd:\/\//);
  const rsUids = new Set(a.filter((o) => o.kind === "ReplicaSet").map((o) => o.metadata?.uid));
  assert.ok(pods.every((p) => rsUids.has(p.metadata?.ownerReferences?.[0].uid)));
  const events = a.filter((o) => o.kind === "Event") as Json[];
  assert.ok(events.some((e) => e.type === "Warning"));
  assert.ok(events.some((e) => e.eventTime && e.series && e.firstTimestamp === null));
  assert.ok(a.some((o) => o.kind === "PodMetrics"));
  const deployments = a.filter((o) => o.kind === "Deployment");
  const replicas = deployments.reduce((n, d) => n + Number(((d as Json).spec as Json).replicas), 0);
  assert.equal(replicas, 40);
});

Deno.test("simulator churns a live server and stops with it", async () => {
  const server = await startFakeApiServer({ defaultNamespaces: false });
  try {
    const sim = simulateCluster(server, { pods: 30, seed: 5, churnPerMinute: 3000 });
    assert.ok(sim.generated > 30);
    const before = Number(server.currentResourceVersion());
    const watch = await WatchReader.open(server, `/api/v1/pods?watch=true&resourceVersion=${before}`);
    const events = await watch.take(3, 3000);
    assert.equal(events.length, 3);
    await watch.close();
    sim.stop();
    const steps = sim.steps;
    assert.ok(steps > 0);
    const [first] = server.list<KubeObject & Json>("pods");
    const container = ((first.spec as Json).containers as Json[])[0].name;
    const logPath = `/api/v1/namespaces/${first.metadata?.namespace}/pods/${first.metadata?.name}/log`;
    const logs = await call(server, "GET", `${logPath}?container=${container}&tailLines=2`);
    assert.equal(logs.status, 200);
    assert.equal(logs.text.trim().split("\n").length, 2);
  } finally {
    await server.close();
  }
});
