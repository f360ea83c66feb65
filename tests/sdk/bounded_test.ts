/**
 * The SDK's guards against paths that change on the way and answers larger than the caller can hold.
 */
import assert from "node:assert/strict";
import {
  createKubeClient,
  KubeResponseTooLargeError,
  requestUrl,
  resourcePath,
  UnsafePathError,
} from "../../agent/sdk/mod.ts";
import { startFakeApiServer } from "../support/fake_apiserver.ts";

Deno.test("resourcePath() and requestUrl() refuse paths the URL parser would change", () => {
  assert.throws(
    () => resourcePath({ version: "v1", plural: "pods", namespace: "shop", name: ".." }),
    UnsafePathError,
  );
  assert.throws(
    () => resourcePath({ version: "v1", plural: "pods", namespace: ".", name: "x" }),
    UnsafePathError,
  );
  assert.equal(
    resourcePath({ version: "v1", plural: "pods", namespace: "shop", name: "a/b" }),
    "/api/v1/namespaces/shop/pods/a%2Fb",
  );
  const server = "https://10.0.0.1:6443";
  assert.equal(requestUrl(server, "/api/v1/pods", "limit=1"), "https://10.0.0.1:6443/api/v1/pods?limit=1");
  assert.equal(
    requestUrl("https://rancher/k8s/clusters/c-1/", "/api/v1/pods"),
    "https://rancher/k8s/clusters/c-1//api/v1/pods",
  );
  for (
    const path of [
      "/api/v1/namespaces/shop/pods/..",
      "/api/v1/namespaces/shop/pods/%2e%2e",
      "/api/v1/nodes/.",
    ]
  ) {
    assert.throws(
      () => requestUrl(server, path),
      /Refusing to send a request for .*: the URL would address/,
      path,
    );
  }
});

function anonymousClient(server: string) {
  return createKubeClient({
    server,
    auth: { description: "none", credentials: () => Promise.resolve({}), invalidate() {} },
    namespace: "default",
    source: "test",
  });
}

Deno.test("client: a built path that would change is never sent", async () => {
  await using fake = await startFakeApiServer();
  const client = anonymousClient(fake.url);
  try {
    fake.resetRequestLog();
    await assert.rejects(() => client.delete("/api/v1/namespaces/shop/pods/.."), UnsafePathError);
    await assert.rejects(() => client.patch("/api/v1/nodes/%2E%2E", "merge", {}), UnsafePathError);
    assert.deepEqual(fake.requests, []);
  } finally {
    client.close();
  }
});

Deno.test("client: raw and get stop reading at maxBytes; logs keep the first maxBytes", async () => {
  await using fake = await startFakeApiServer();
  const big = "x".repeat(256 * 1024);
  for (let i = 0; i < 8; i++) {
    fake.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `big-${i}`, namespace: "bulk" },
      data: { big },
    });
  }
  fake.apply({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "chatty", namespace: "bulk" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  });
  fake.setPodLogs(
    "bulk",
    "chatty",
    "c",
    Array.from({ length: 2000 }, (_, i) => `line ${i} ${"y".repeat(100)}`),
  );
  const client = anonymousClient(fake.url);
  try {
    const path = "/api/v1/namespaces/bulk/configmaps";
    const error = await client.raw(path, { maxBytes: 512 * 1024 }).then(() => undefined, (e) => e);
    assert.ok(error instanceof KubeResponseTooLargeError, String(error));
    assert.match(error.message, /larger than 512 KiB; reading stopped there/);
    await assert.rejects(() => client.get(path, { maxBytes: 1024 }), KubeResponseTooLargeError);
    const whole = await client.raw(path, { maxBytes: 4 * 1024 * 1024 });
    assert.equal(JSON.parse(whole.body).items.length, 8);
    const logs = await client.logs("/api/v1/namespaces/bulk/pods/chatty", { container: "c", maxBytes: 1000 });
    assert.equal(new TextEncoder().encode(logs).length, 1000);
    assert.match(logs, /^line 0 /);
  } finally {
    client.close();
  }
});
