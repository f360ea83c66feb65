/**
 * End to end against a hostile or broken Master: the real agent process, the fake API server, and a Master that
 * sends what attack testing sent (issue 11). Each hole is shown closed by what reached the API server (its
 * request log) and by what the agent logged, not only by the result text.
 */
import assert from "node:assert/strict";
import { type KubeObject, startFakeApiServer } from "../support/fake_apiserver.ts";
import { startFakeMaster } from "../support/fake_master.ts";
import { startAgent } from "./_agent_process.ts";
import { startScriptedMaster } from "./_scripted_master.ts";

const SECRET = "hunter2-e2e";

function deployment(name: string, namespace: string): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "web:1" }] },
      },
    },
  } as KubeObject;
}

function cluster(): KubeObject[] {
  const big = "x".repeat(512 * 1024);
  return [
    ...["shop", "payments", "atlhyper", "bulk"].map((name) =>
      ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }) as KubeObject
    ),
    { apiVersion: "v1", kind: "Node", metadata: { name: "node-a" }, spec: {} } as KubeObject,
    deployment("web", "shop"),
    deployment("atlhyper-agent", "atlhyper"),
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "api-0", namespace: "shop" },
      spec: {
        containers: [{
          name: "api",
          image: "shop/api:1",
          args: [`--db-password=${SECRET}`],
          env: [{ name: "DB_PASSWORD", value: SECRET }, {
            name: "DB_URL",
            value: `postgres://app:${SECRET}@db/app`,
          }],
          readinessProbe: { exec: { command: ["redis-cli", "-a", SECRET, "ping"] } },
        }],
      },
    } as KubeObject,
    ...Array.from({ length: 12 }, (_, i) =>
      ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `big-${i}`, namespace: "bulk" },
        data: { big },
      }) as KubeObject),
  ];
}

/** Requests that change the cluster. */
function mutations(requests: readonly { method: string; path: string }[]): string[] {
  return requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
}

Deno.test("hostile commands through the fake Master reach nothing on the API server", async () => {
  await using server = await startFakeApiServer();
  server.load(cluster());
  await using master = startFakeMaster({ holdMs: 1_000 });
  await using agent = await startAgent(server, master, {
    env: {
      POD_NAMESPACE: "atlhyper",
      AGENT_IMAGE_ALLOWLIST: "ghcr.io/acme",
      // Credentials over plain http: userinfo and a token. Neither may appear in a log line.
      AGENT_MASTER_URL: master.url.replace("http://", `http://agent:${SECRET}@`),
      AGENT_MASTER_TOKEN: "token-e2e",
    },
  });
  await master.waitForPoller("ops", { timeoutMs: 20_000 }).catch((e) => {
    throw new Error(`${e.message}\n${agent.output()}`);
  });
  await master.waitForPoller("ai", { timeoutMs: 5_000 });
  server.resetRequestLog();

  const huge = "a".repeat(1 << 20);
  const hostile: [Parameters<typeof master.enqueue>[0], RegExp, string?][] = [
    [
      {
        action: "update_image",
        namespace: "atlhyper",
        name: "atlhyper-agent",
        params: { image: "ghcr.io/acme/x:1" },
      },
      /namespace "atlhyper" is protected: .*AGENT_PROTECTED_NAMESPACES/,
    ],
    [
      { action: "update_image", namespace: "shop", name: "web", params: { image: "docker.io/evil/web:1" } },
      /not allowed: it matches no prefix of AGENT_IMAGE_ALLOWLIST/,
    ],
    [{ action: "delete_pod", namespace: "shop", name: ".." }, /^invalid name "\.\.": may not be "\.\."$/],
    [{ action: "delete_pod", namespace: "payments", name: "." }, /^invalid name "\.": may not be "\."$/],
    [{ action: "cordon", kind: "Node", name: ".." }, /^invalid name "\.\."/],
    [
      { action: "dynamic", namespace: "..", name: "x", params: { command: "get", kind: "Pod" } },
      /^invalid namespace/,
    ],
    [
      { action: "dynamic", namespace: "shop", name: "..", params: { command: "get", kind: "Pod" } },
      /^invalid name/,
    ],
    [{ action: huge }, /^unknown action: "a{200}…" \(1048576 chars\)$/],
    [
      {
        action: "scale",
        namespace: "shop",
        name: "web",
        params: { replicas: 9 },
        createdAt: "2020-01-01T00:00:00Z",
      },
      /^command is stale: .* older than AGENT_COMMAND_MAX_AGE=10m0s$/,
    ],
    [
      { action: "drain", kind: "Node", name: "node-a" },
      /not allowed from the ai topic \(AGENT_AI_ALLOWED_ACTIONS/,
      "ai",
    ],
  ];
  const ids = hostile.map(([command, , topic]) => master.enqueue(command, { topic: topic ?? "ops" }));
  for (const [i, id] of ids.entries()) {
    const { result } = await master.waitForResult(id, { timeoutMs: 15_000 });
    assert.equal(result.success, false, `command ${i}`);
    assert.match(String(result.error), hostile[i][1], `command ${i}`);
    assert.ok(String(result.error).length < 600, `command ${i}: ${String(result.error).length} characters`);
  }
  // Nothing changed the cluster, and none of the paths the unchecked names became was ever requested.
  assert.deepEqual(mutations(server.requests), []);
  const reachedPaths = server.requests.map((r) => r.path);
  for (const path of ["/api/v1/namespaces/shop", "/api/v1/namespaces/shop/", "/api/v1/pods/x", "/api/v1/"]) {
    assert.ok(!reachedPaths.includes(path), `${path} was requested`);
  }
  const node = server.get<KubeObject & { spec?: { unschedulable?: boolean } }>(
    "v1",
    "nodes",
    undefined,
    "node-a",
  );
  assert.equal(node?.spec?.unschedulable, undefined);

  // The read budget of dynamic: 6 MiB of ConfigMaps is refused with a way to narrow the query.
  const bulk = master.enqueue({
    action: "dynamic",
    namespace: "bulk",
    params: { command: "list", kind: "ConfigMap" },
  });
  const { result: tooLarge } = await master.waitForResult(bulk, { timeoutMs: 15_000 });
  assert.match(String(tooLarge.error), /larger than the 4 MiB dynamic reads at most; .*narrow the query/);

  // Legitimate commands still work: a redacted read, and a scale that reaches the API server.
  const read = master.enqueue({
    action: "dynamic",
    namespace: "shop",
    name: "api-0",
    params: { command: "get", kind: "Pod" },
  }, { topic: "ai" });
  const { result: redacted } = await master.waitForResult(read, { timeoutMs: 15_000 });
  assert.equal(redacted.success, true, String(redacted.error));
  assert.match(String(redacted.output), /"api-0"/);
  assert.ok(!String(redacted.output).includes(SECRET), String(redacted.output));
  const scale = master.enqueue({ action: "scale", namespace: "shop", name: "web", params: { replicas: 3 } });
  assert.equal((await master.waitForResult(scale, { timeoutMs: 15_000 })).result.success, true);
  assert.deepEqual(mutations(server.requests), ["PUT /apis/apps/v1/namespaces/shop/deployments/web/scale"]);

  assert.equal(await agent.terminate(), 0, agent.output());
  const output = agent.output();
  assert.match(output, /Sending the Master credential over plain http to http:\/\/127\.0\.0\.1:\d+/);
  assert.ok(!output.includes(SECRET), "no credential or redacted value in the logs");
  assert.ok(!output.includes("token-e2e"), "the token is never logged");
  // One line per command, each bounded: the 1 MiB action did not become megabytes of logs.
  const commandLines = output.split("\n").filter((line) => /"message":"Command /.test(line));
  assert.equal(commandLines.length, hostile.length + 3, commandLines.join("\n"));
  assert.ok(output.length < 100_000, `${output.length} characters of output`);
});

function rssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

Deno.test("a scripted hostile Master: foreign cluster, endless answer and redirect change nothing", async () => {
  await using server = await startFakeApiServer();
  server.load(cluster());
  await using master = startScriptedMaster();
  await using elsewhere = startScriptedMaster();
  await using agent = await startAgent(server, master, {
    env: { AGENT_MASTER_TOKEN: "token-e2e", POD_NAMESPACE: "atlhyper" },
  });
  await master.waitFor(() => master.requests.includes("GET /agent/commands?ops"), 20_000).catch((e) => {
    throw new Error(`${e.message}\n${agent.output()}`);
  });
  server.resetRequestLog();
  const now = new Date().toISOString();
  master.script("ops", {
    id: "foreign-1",
    clusterId: "another-cluster",
    action: "scale",
    namespace: "shop",
    name: "web",
    params: { replicas: 9 },
    createdAt: now,
  });
  await master.waitFor(() => master.results.some((r) => r.commandId === "foreign-1"));
  const foreign = master.results.find((r) => r.commandId === "foreign-1");
  assert.equal(foreign?.success, false);
  assert.equal(
    foreign?.error,
    'command is for cluster "another-cluster", this agent is cluster "e2e": refused (AGENT_CLUSTER_ID)',
  );

  // 400 MB of answer, produced only as fast as the agent reads it.
  const rssBefore = rssBytes(agent.process.pid);
  let offered = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  master.script("ops", () =>
    new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offered >= 400 * 1024 * 1024) return controller.close();
          offered += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }, { highWaterMark: 0 }),
      { headers: { "Content-Type": "application/json" } },
    ));
  master.script(
    "ops",
    () =>
      new Response("moved", {
        status: 307,
        headers: { Location: `${elsewhere.url}/agent/commands?topic=ops` },
      }),
  );
  master.script("ops", {
    id: "after-1",
    clusterId: "e2e",
    action: "dynamic",
    namespace: "shop",
    name: "web",
    params: { command: "get", kind: "Deployment" },
    createdAt: now,
  });
  await master.waitFor(() => master.results.some((r) => r.commandId === "after-1"), 20_000).catch((e) => {
    throw new Error(`${e.message}\n${agent.output()}`);
  });
  const after = master.results.find((r) => r.commandId === "after-1");
  assert.equal(after?.success, true, String(after?.error));
  const rssAfter = rssBytes(agent.process.pid);

  // The endless answer was cut near the 2 MiB cap (plus socket buffers), not read to 400 MB.
  assert.ok(offered < 40 * 1024 * 1024, `${offered} bytes offered before the agent stopped reading`);
  assert.ok(rssAfter - rssBefore < 64 * 1024 * 1024, `RSS ${rssBefore} -> ${rssAfter}`);
  // The redirect was not followed: the other origin never saw the agent, nor its token.
  assert.deepEqual(elsewhere.requests, []);
  assert.deepEqual(mutations(server.requests), []);

  assert.equal(await agent.terminate(), 0, agent.output());
  const output = agent.output();
  assert.match(output, /Cannot decode poll answer: larger than 2 MiB; reading stopped there/);
  assert.match(output, /redirect to \\"http:\/\/127\.0\.0\.1:\d+\/agent\/commands\?topic=ops\\" refused/);
  assert.ok(!output.includes("token-e2e"));
});
