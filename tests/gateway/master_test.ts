import assert from "node:assert/strict";
import {
  createMasterGateway,
  encodeResult,
  HttpMasterGateway,
  isRetriableMasterError,
  MasterError,
  MasterProtocolError,
  NetworkError,
  parsePollResponse,
} from "../../agent/gateway/mod.ts";
import { startFakeMaster } from "../support/fake_master.ts";
import { certificates } from "../support/fake_apiserver/tls.ts";

const EXECUTED_AT = "2026-01-01T00:00:00Z";

Deno.test("HttpMasterGateway.pushSnapshot() sends gzipped JSON with the Go agent's headers", async (t) => {
  await using master = startFakeMaster();
  using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });
  const json = JSON.stringify({ clusterId: "c1", pods: [{ name: "p-é" }], nodes: [] });

  await t.step("string body", async () => {
    const sent = await gateway.pushSnapshot(json);
    assert.equal(sent.status, 200);
    const got = master.snapshots[0];
    assert.deepEqual(got.snapshot, JSON.parse(json));
    assert.equal(got.gzip, true);
    assert.equal(sent.rawBytes, new TextEncoder().encode(json).length);
    assert.equal(sent.rawBytes, got.rawBytes);
    assert.equal(sent.gzipBytes, got.wireBytes);
    const request = master.requests[0];
    assert.equal(request.method, "POST");
    assert.equal(request.path, "/agent/snapshot");
    assert.equal(request.headers["content-type"], "application/json");
    assert.equal(request.headers["content-encoding"], "gzip");
    assert.equal(request.headers["x-cluster-id"], "c1");
    assert.equal(request.headers["authorization"], undefined);
  });

  await t.step("bytes body", async () => {
    const sent = await gateway.pushSnapshot(new TextEncoder().encode(json));
    assert.equal(sent.status, 200);
    assert.deepEqual(master.snapshots[1].snapshot, JSON.parse(json));
  });
});

Deno.test("HttpMasterGateway tolerates a trailing slash and sends a bearer token", async () => {
  await using master = startFakeMaster({ holdMs: 20 });
  using gateway = new HttpMasterGateway({ masterUrl: `${master.url}//`, clusterId: "c1", token: "s3cret" });
  await gateway.heartbeat();
  assert.equal(await gateway.pollCommand("ops"), null);
  await gateway.postResult({ commandId: "x", success: true, executedAt: EXECUTED_AT });
  await gateway.pushSnapshot('{"clusterId":"c1"}');
  assert.deepEqual(master.requests.map((r) => r.path), [
    "/agent/heartbeat",
    "/agent/commands",
    "/agent/result",
    "/agent/snapshot",
  ]);
  for (const request of master.requests) {
    assert.equal(request.headers["authorization"], "Bearer s3cret");
    assert.equal(request.headers["x-cluster-id"], "c1");
  }
  assert.equal(master.heartbeats.length, 1);
});

Deno.test("HttpMasterGateway.pollCommand() decodes commands and empty answers", async (t) => {
  await using master = startFakeMaster({ holdMs: 20 });
  using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });

  await t.step("a camelCase command, with cluster_id and topic in the query", async () => {
    const id = master.enqueue({
      action: "update_image",
      clusterId: "c1",
      kind: "Deployment",
      namespace: "ns",
      name: "web",
      params: { image: "nginx:2", container: "web" },
      source: "web",
    });
    const command = await gateway.pollCommand("ops");
    assert.ok(command);
    assert.equal(command.id, id);
    assert.equal(command.clusterId, "c1");
    assert.equal(command.kind, "Deployment");
    assert.equal(command.namespace, "ns");
    assert.equal(command.name, "web");
    assert.deepEqual(command.params, { image: "nginx:2", container: "web" });
    assert.equal(command.source, "web");
    assert.deepEqual(master.requests.at(-1)?.query, { cluster_id: "c1", topic: "ops" });
  });

  await t.step("the ai topic", async () => {
    const id = master.enqueue({ action: "dynamic", source: "ai" });
    assert.equal((await gateway.pollCommand("ai"))?.id, id);
  });

  await t.step("hasCommand false after the hold", async () => {
    assert.equal(await gateway.pollCommand("ops"), null);
  });

  await t.step("204 means no command", async () => {
    master.injectFault({ path: "/agent/commands", status: 204 });
    assert.equal(await gateway.pollCommand("ops"), null);
  });

  await t.step("the original snake_case spelling", async () => {
    master.injectFault({
      path: "/agent/commands",
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        has_command: true,
        command: {
          id: "old-1",
          action: "scale",
          target_kind: "Deployment",
          target_namespace: "ns",
          target_name: "api",
          params: { replicas: 2 },
        },
      }),
    });
    const command = await gateway.pollCommand("ops");
    assert.deepEqual(command, {
      id: "old-1",
      clusterId: "",
      action: "scale",
      kind: "Deployment",
      namespace: "ns",
      name: "api",
      params: { replicas: 2 },
      createdAt: "0001-01-01T00:00:00Z",
    });
  });

  await t.step("a garbage 200 body is a protocol error", async () => {
    master.injectFault({ path: "/agent/commands", status: 200, body: "<html>", contentType: "text/html" });
    await assert.rejects(gateway.pollCommand("ops"), MasterProtocolError);
  });
});

Deno.test("HttpMasterGateway.postResult() sends plain JSON the Master's decoder accepts", async () => {
  await using master = startFakeMaster();
  using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });
  await gateway.postResult({
    commandId: "r1",
    success: true,
    output: { data: { a: "1" } } as unknown as string,
    execTime: 1234.6,
    executedAt: EXECUTED_AT,
  });
  const request = master.requests[0];
  assert.equal(request.headers["content-type"], "application/json");
  assert.equal(request.headers["content-encoding"], undefined);
  assert.deepEqual(master.results[0].result, {
    commandId: "r1",
    success: true,
    output: '{"data":{"a":"1"}}',
    execTime: 1235,
    executedAt: EXECUTED_AT,
  });
});

Deno.test("encodeResult() never sends an empty time and omits empty fields", () => {
  assert.equal(
    encodeResult({ commandId: "a", success: false, error: "boom", output: "", executedAt: "" }),
    '{"commandId":"a","success":false,"error":"boom","executedAt":"0001-01-01T00:00:00Z"}',
  );
});

Deno.test("parsePollResponse() follows the Go agent on null commands", () => {
  assert.equal(parsePollResponse({ hasCommand: true, command: null }), null);
  assert.equal(parsePollResponse({ hasCommand: false, command: { id: "x", action: "a" } }), null);
  assert.throws(() => parsePollResponse([]), MasterProtocolError);
  assert.throws(() => parsePollResponse({ hasCommand: true, command: { action: "a" } }), /id is missing/);
});

Deno.test("HttpMasterGateway turns non-2xx answers into MasterError with the body text", async (t) => {
  await using master = startFakeMaster();
  using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });

  await t.step("400 from the snapshot endpoint", async () => {
    master.injectFault({ path: "/agent/snapshot", status: 400, body: "Invalid JSON\n" });
    const error = await gateway.pushSnapshot("{}").catch((e) => e);
    assert.ok(error instanceof MasterError);
    assert.equal(error.status, 400);
    assert.equal(error.body, "Invalid JSON");
    assert.equal(error.message, 'Cannot POST "/agent/snapshot": 400 Invalid JSON');
    assert.equal(isRetriableMasterError(error), false);
  });

  await t.step("500 from the poll endpoint", async () => {
    master.injectFault({ path: "/agent/commands", status: 500 });
    const error = await gateway.pollCommand("ops").catch((e) => e);
    assert.ok(error instanceof MasterError);
    assert.equal(error.status, 500);
    assert.equal(error.body, "Internal error");
    assert.equal(isRetriableMasterError(error), true);
  });

  await t.step("202 is success for snapshot and result", async () => {
    master.injectFault({ path: "/agent/snapshot", status: 202, body: "" });
    assert.equal((await gateway.pushSnapshot('{"clusterId":"c1"}')).status, 202);
    master.injectFault({ path: "/agent/result", status: 202, body: "" });
    await gateway.postResult({ commandId: "a", success: true, executedAt: EXECUTED_AT });
  });

  await t.step("400 from the heartbeat endpoint", async () => {
    using anonymous = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });
    master.injectFault({ path: "/agent/heartbeat", status: 400, body: "X-Cluster-ID header is required\n" });
    await assert.rejects(anonymous.heartbeat(), (e) => e instanceof MasterError && e.status === 400);
  });
});

Deno.test("HttpMasterGateway reports network failures as NetworkError", async (t) => {
  await t.step("connection refused", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    using gateway = new HttpMasterGateway({ masterUrl: `http://127.0.0.1:${port}`, clusterId: "c1" });
    const error = await gateway.heartbeat().catch((e) => e);
    assert.ok(error instanceof NetworkError);
    assert.equal(error.failure, "connection");
    assert.equal(isRetriableMasterError(error), true);
  });

  await t.step("client timeout of a long poll", async () => {
    await using master = startFakeMaster({ holdMs: 5_000 });
    using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1", pollTimeoutMs: 50 });
    const error = await gateway.pollCommand("ops").catch((e) => e);
    assert.ok(error instanceof NetworkError);
    assert.equal(error.failure, "timeout");
  });

  await t.step("abort by the caller", async () => {
    await using master = startFakeMaster({ holdMs: 5_000 });
    using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });
    const controller = new AbortController();
    const polling = gateway.pollCommand("ops", controller.signal).catch((e) => e);
    await master.waitForPoller("ops");
    controller.abort();
    const error = await polling;
    assert.ok(error instanceof NetworkError);
    assert.equal(error.failure, "aborted");
    assert.equal(isRetriableMasterError(error), false);
  });

  await t.step("heartbeat timeout", async () => {
    await using master = startFakeMaster({
      faults: [{ path: "/agent/heartbeat", status: 200, delayMs: 2_000 }],
    });
    using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1", heartbeatTimeoutMs: 50 });
    const error = await gateway.heartbeat().catch((e) => e);
    assert.ok(error instanceof NetworkError);
    assert.equal(error.failure, "timeout");
  });
});

Deno.test("HttpMasterGateway over HTTPS: an untrusted certificate reports the TLS reason, a trusted one works", async (t) => {
  const certs = await certificates("ec");
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: certs.serverCertPem,
    key: certs.serverKeyPem,
    onListen: () => {},
    // The handshake failure is the test's point: the server's own log of it is noise.
    onError: () => new Response("error", { status: 500 }),
  }, () => Response.json({ status: "ok" }));
  const masterUrl = `https://127.0.0.1:${server.addr.port}`;
  try {
    await t.step("certificate signed by a CA the agent does not trust", async () => {
      using gateway = new HttpMasterGateway({ masterUrl, clusterId: "c1", heartbeatTimeoutMs: 10_000 });
      const error = await gateway.heartbeat().catch((e) => e);
      assert.ok(error instanceof NetworkError, String(error));
      assert.equal(error.failure, "connection");
      assert.equal(error.path, "/agent/heartbeat");
      // Before the shared mapping the message stopped at "connection: fetch failed".
      assert.match(error.message, /connection: .*(UnknownIssuer|certificate)/i);
      assert.doesNotMatch(error.message, /connection: fetch failed$/);
    });

    await t.step("the same server with its CA configured", async () => {
      using gateway = new HttpMasterGateway({ masterUrl, clusterId: "c1", caCertPem: certs.caPem });
      await gateway.heartbeat();
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("createMasterGateway() reads a CA file and rejects bad settings", async (t) => {
  await t.step("reads the PEM", async () => {
    const gateway = await createMasterGateway({
      masterUrl: "https://master.example:8081",
      clusterId: "c1",
      caFile: new URL("../sdk/testdata/ca.crt", import.meta.url).pathname,
    });
    gateway.close();
  });
  await t.step("names a missing CA file", async () => {
    await assert.rejects(
      createMasterGateway({ masterUrl: "http://m:8081", clusterId: "c1", caFile: "/nonexistent/ca.pem" }),
      /Cannot read master CA file "\/nonexistent\/ca.pem"/,
    );
  });
  await t.step("rejects a bad URL and an empty cluster ID", () => {
    assert.throws(() => new HttpMasterGateway({ masterUrl: "not a url", clusterId: "c1" }), TypeError);
    assert.throws(() => new HttpMasterGateway({ masterUrl: "ftp://m", clusterId: "c1" }), /http or https/);
    assert.throws(
      () => new HttpMasterGateway({ masterUrl: "http://m", clusterId: "" }),
      /cluster ID is empty/,
    );
  });
});
