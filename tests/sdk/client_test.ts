import assert from "node:assert/strict";
import { createKubeClient } from "../../agent/sdk/client.ts";
import {
  isAlreadyExists,
  isConflict,
  isExpired,
  isForbidden,
  isNotFound,
  isTooManyRequests,
  KubeApiError,
  NetworkError,
} from "../../agent/sdk/errors.ts";
import { resourcePath, withQuery } from "../../agent/sdk/paths.ts";
import type { AuthProvider, ConnectionConfig, Credentials, WatchEvent } from "../../agent/sdk/types.ts";

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
}

/** A throwaway HTTP server answering with `handler`; records every request. */
async function withServer(
  handler: (request: Request, seen: Seen) => Response | Promise<Response>,
  run: (url: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const entry = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: await request.text(),
    };
    seen.push(entry);
    return handler(request, entry);
  });
  try {
    await run(`http://127.0.0.1:${server.addr.port}`, seen);
  } finally {
    await server.shutdown();
  }
}

function staticAuth(token?: string): AuthProvider & { invalidations: number } {
  return {
    description: "test",
    invalidations: 0,
    credentials: (): Promise<Credentials> => Promise.resolve(token ? { token } : {}),
    invalidate() {
      this.invalidations++;
    },
  };
}

function config(server: string, auth: AuthProvider = staticAuth("t0k")): ConnectionConfig {
  return { server, auth, namespace: "default", source: "test" };
}

function status(code: number, reason: string, message: string): Response {
  return Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message }, {
    status: code,
    headers: code === 429 ? { "Retry-After": "3" } : {},
  });
}

Deno.test("resourcePath() builds core, group, namespaced and subresource paths", () => {
  assert.equal(resourcePath({ version: "v1", plural: "nodes" }), "/api/v1/nodes");
  assert.equal(
    resourcePath({ version: "v1", plural: "pods", namespace: "a b", name: "p", subresource: "log" }),
    "/api/v1/namespaces/a%20b/pods/p/log",
  );
  assert.equal(
    resourcePath({
      group: "apps",
      version: "v1",
      plural: "deployments",
      namespace: "x",
      name: "d",
      subresource: "scale",
    }),
    "/apis/apps/v1/namespaces/x/deployments/d/scale",
  );
  assert.equal(
    withQuery("/api/v1/pods", { limit: 5, x: undefined, watch: true }),
    "/api/v1/pods?limit=5&watch=true",
  );
});

Deno.test("KubeClient maps Status answers to KubeApiError with reason, status, method and path", async () => {
  const answers: Record<string, Response> = {
    "/api/v1/namespaces/x/pods/missing": status(404, "NotFound", 'pods "missing" not found'),
    "/api/v1/pods": status(403, "Forbidden", "pods is forbidden"),
    "/api/v1/namespaces/x/pods/conflict": status(409, "Conflict", "the object has been modified"),
    "/api/v1/namespaces/x/pods/exists": status(409, "AlreadyExists", "already exists"),
    "/api/v1/namespaces/x/pods/gone": status(410, "Expired", "too old resource version"),
    "/api/v1/namespaces/x/pods/busy": status(429, "TooManyRequests", "slow down"),
    "/api/v1/namespaces/x/pods/html": new Response("<html>bad gateway</html>", { status: 502 }),
  };
  await withServer((_request, seen) => answers[seen.path] ?? new Response("{}"), async (url) => {
    const client = createKubeClient(config(url));
    const failure = async (path: string) => {
      try {
        await client.get(path);
      } catch (error) {
        return error;
      }
      throw new Error(`expected ${path} to fail`);
    };
    const notFound = await failure("/api/v1/namespaces/x/pods/missing");
    assert.ok(notFound instanceof KubeApiError && isNotFound(notFound));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.method, "GET");
    assert.equal(notFound.path, "/api/v1/namespaces/x/pods/missing");
    assert.equal(notFound.apiMessage, 'pods "missing" not found');
    assert.ok(isForbidden(await failure("/api/v1/pods")));
    const conflict = await failure("/api/v1/namespaces/x/pods/conflict");
    assert.ok(isConflict(conflict) && !isAlreadyExists(conflict));
    const exists = await failure("/api/v1/namespaces/x/pods/exists");
    assert.ok(isAlreadyExists(exists) && !isConflict(exists));
    assert.ok(isExpired(await failure("/api/v1/namespaces/x/pods/gone")));
    const busy = await failure("/api/v1/namespaces/x/pods/busy");
    assert.ok(isTooManyRequests(busy) && busy instanceof KubeApiError);
    assert.equal(busy.retryAfterSeconds, 3);
    const html = await failure("/api/v1/namespaces/x/pods/html");
    assert.ok(html instanceof KubeApiError);
    assert.equal(html.status, 502);
    assert.equal(html.reason, "InternalError");
    assert.match(html.message, /bad gateway/);
    client.close();
  });
});

Deno.test("KubeClient distinguishes network failures and timeouts from API errors", async (t) => {
  await t.step("connection refused", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const client = createKubeClient(config(`http://127.0.0.1:${port}`));
    const error = await client.get("/api").catch((e) => e);
    assert.ok(error instanceof NetworkError);
    assert.equal(error.failure, "connection");
    client.close();
  });
  await t.step("timeout of an ordinary request", async () => {
    const { promise: release, resolve } = Promise.withResolvers<void>();
    await withServer(async () => {
      await release;
      return new Response("{}");
    }, async (url) => {
      const client = createKubeClient(config(url), { timeoutMs: 50 });
      const error = await client.get("/api/v1/pods").catch((e) => e);
      resolve();
      assert.ok(error instanceof NetworkError, String(error));
      assert.equal(error.failure, "timeout");
      client.close();
    });
  });
  await t.step("caller abort", async () => {
    const { promise: release, resolve } = Promise.withResolvers<void>();
    const arrived = Promise.withResolvers<void>();
    await withServer(async () => {
      arrived.resolve();
      await release;
      return new Response("{}");
    }, async (url) => {
      const client = createKubeClient(config(url));
      const controller = new AbortController();
      const pending = client.get("/api/v1/pods", { signal: controller.signal }).catch((e) => e);
      // Aborted while the server holds the request, not before it was sent.
      await arrived.promise;
      controller.abort();
      const error = await pending;
      resolve();
      assert.ok(error instanceof NetworkError);
      assert.equal(error.failure, "aborted");
      client.close();
    });
  });
});

Deno.test("KubeClient.list() follows continue tokens and sends selectors only where allowed", async () => {
  const pages = [
    { metadata: { resourceVersion: "10", continue: "c1" }, items: [{ n: 1 }, { n: 2 }] },
    { metadata: { resourceVersion: "10", continue: "c2" }, items: [{ n: 3 }, { n: 4 }] },
    { metadata: { resourceVersion: "10" }, items: [{ n: 5 }] },
  ];
  await withServer((_request, seen) => {
    const index = { "": 0, c1: 1, c2: 2 }[seen.query.get("continue") ?? ""] ?? 0;
    return Response.json(pages[index]);
  }, async (url, seen) => {
    const client = createKubeClient(config(url));
    const items: unknown[] = [];
    for await (
      const page of client.list<{ n: number }>("/api/v1/pods", {
        limit: 2,
        labelSelector: "app=web",
        fieldSelector: "spec.nodeName=n1",
        resourceVersion: "0",
        resourceVersionMatch: "NotOlderThan",
      })
    ) items.push(...page.items);
    assert.deepEqual(items.map((i) => (i as { n: number }).n), [1, 2, 3, 4, 5]);
    assert.equal(seen.length, 3);
    assert.equal(seen[0].query.get("resourceVersion"), "0");
    assert.equal(seen[0].query.get("resourceVersionMatch"), "NotOlderThan");
    assert.equal(seen[1].query.get("resourceVersion"), null, "continue pins the version");
    for (const request of seen) {
      assert.equal(request.query.get("limit"), "2");
      assert.equal(request.query.get("labelSelector"), "app=web");
      assert.equal(request.query.get("fieldSelector"), "spec.nodeName=n1");
      assert.equal(request.headers.get("authorization"), "Bearer t0k");
    }
    client.close();
  });
});

Deno.test("KubeClient refreshes credentials once after a 401", async () => {
  let tokens = ["old", "new"];
  const auth: AuthProvider & { invalidations: number } = {
    description: "rotating",
    invalidations: 0,
    credentials: () => Promise.resolve({ token: tokens[0] }),
    invalidate() {
      this.invalidations++;
      tokens = tokens.slice(1);
    },
  };
  await withServer((request) => {
    return request.headers.get("authorization") === "Bearer new"
      ? Response.json({ kind: "Pod" })
      : status(401, "Unauthorized", "Unauthorized");
  }, async (url, seen) => {
    const client = createKubeClient(config(url, auth));
    assert.deepEqual(await client.get("/api/v1/namespaces/x/pods/p"), { kind: "Pod" });
    assert.equal(auth.invalidations, 1);
    assert.equal(seen.length, 2);
    client.close();
  });
  await withServer(() => status(401, "Unauthorized", "Unauthorized"), async (url, seen) => {
    const client = createKubeClient(config(url, staticAuth("bad")));
    const error = await client.get("/api").catch((e) => e);
    assert.ok(error instanceof KubeApiError && error.status === 401);
    assert.equal(seen.length, 2, "one refresh, no loop");
    client.close();
  });
});

Deno.test("KubeClient sends writes with the right verbs, content types and query options", async () => {
  await withServer(
    (_request, seen) => Response.json({ echoed: seen.body ? JSON.parse(seen.body) : null }),
    async (url, seen) => {
      const client = createKubeClient(config(url));
      await client.create("/api/v1/namespaces/x/configmaps", { kind: "ConfigMap" }, { fieldManager: "me" });
      await client.replace("/api/v1/namespaces/x/configmaps/c", { kind: "ConfigMap" });
      await client.patch("/apis/apps/v1/namespaces/x/deployments/d", "merge", { spec: {} });
      await client.patch("/apis/apps/v1/namespaces/x/deployments/d", "strategic", { spec: {} });
      await client.patch("/apis/apps/v1/namespaces/x/deployments/d", "json", [{
        op: "add",
        path: "/a",
        value: 1,
      }]);
      await client.patch("/apis/apps/v1/namespaces/x/deployments/d", "apply", { kind: "Deployment" }, {
        fieldManager: "atlhyper-agent",
        force: true,
      });
      await client.delete("/api/v1/namespaces/x/pods/p", {
        gracePeriodSeconds: 0,
        propagationPolicy: "Background",
      });
      const log = seen.map((s) => [s.method, s.headers.get("content-type"), s.query.toString()]);
      assert.deepEqual(log, [
        ["POST", "application/json", "fieldManager=me"],
        ["PUT", "application/json", ""],
        ["PATCH", "application/merge-patch+json", ""],
        ["PATCH", "application/strategic-merge-patch+json", ""],
        ["PATCH", "application/json-patch+json", ""],
        ["PATCH", "application/apply-patch+yaml", "fieldManager=atlhyper-agent&force=true"],
        ["DELETE", null, "gracePeriodSeconds=0&propagationPolicy=Background"],
      ]);
      assert.deepEqual(JSON.parse(seen[4].body), [{ op: "add", path: "/a", value: 1 }]);
      client.close();
    },
  );
});

Deno.test("KubeClient.logs() returns text with the log options as query", async () => {
  await withServer(
    () => new Response("line 1\nline 2\n", { headers: { "content-type": "text/plain" } }),
    async (url, seen) => {
      const client = createKubeClient(config(url));
      const text = await client.logs("/api/v1/namespaces/x/pods/p", {
        container: "app",
        tailLines: 2,
        previous: true,
        sinceSeconds: 60,
        timestamps: true,
        limitBytes: 1000,
      });
      assert.equal(text, "line 1\nline 2\n");
      assert.equal(seen[0].path, "/api/v1/namespaces/x/pods/p/log");
      assert.equal(
        seen[0].query.toString(),
        "container=app&tailLines=2&previous=true&sinceSeconds=60&timestamps=true&limitBytes=1000",
      );
      client.close();
    },
  );
});

Deno.test("KubeClient.watch() streams typed events and has no client timeout", async () => {
  const lines = [
    { type: "ADDED", object: { metadata: { name: "a", resourceVersion: "5" } } },
    { type: "BOOKMARK", object: { metadata: { resourceVersion: "6" } } },
    { type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old" } },
  ];
  await withServer(() => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const encoder = new TextEncoder();
        const text = lines.map((l) => JSON.stringify(l) + "\n").join("");
        controller.enqueue(encoder.encode(text.slice(0, 17)));
        await new Promise((r) => setTimeout(r, 80));
        controller.enqueue(encoder.encode(text.slice(17)));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  }, async (url, seen) => {
    const client = createKubeClient(config(url), { timeoutMs: 30 });
    let activity = 0;
    const stream = await client.watch("/api/v1/pods", {
      resourceVersion: "4",
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
      onActivity: () => activity++,
    });
    const events: WatchEvent<unknown>[] = [];
    for await (const event of stream) events.push(event);
    assert.deepEqual(events, lines);
    assert.ok(activity >= 2);
    assert.equal(
      seen[0].query.toString(),
      "watch=1&resourceVersion=4&allowWatchBookmarks=true&timeoutSeconds=300",
    );
    client.close();
  });
});

Deno.test("KubeClient.watch() rejects with KubeApiError when the server refuses the stream", async () => {
  await withServer(() => status(422, "Invalid", "sendInitialEvents is not supported"), async (url) => {
    const client = createKubeClient(config(url));
    const error = await client.watch("/api/v1/pods", { sendInitialEvents: true }).catch((e) => e);
    assert.ok(error instanceof KubeApiError);
    assert.equal(error.status, 422);
    client.close();
  });
});
