import assert from "node:assert/strict";
import { startFakeMaster } from "./fake_master.ts";

async function gzipBytes(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string; contentType: string | null }> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    text: await response.text(),
    contentType: response.headers.get("Content-Type"),
  };
}

Deno.test("fakeMaster /agent/snapshot accepts gzip by header or magic and plain JSON", async (t) => {
  await using master = startFakeMaster();
  const body = JSON.stringify({ clusterId: "c1", pods: [] });

  await t.step("gzip announced by Content-Encoding", async () => {
    const res = await call(`${master.url}/agent/snapshot`, {
      method: "POST",
      headers: { "Content-Encoding": "br, GZIP", "Content-Type": "application/json" },
      body: await gzipBytes(body),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { status: "ok" });
    assert.equal(master.snapshots.at(-1)?.gzip, true);
    assert.deepEqual(master.snapshots.at(-1)?.snapshot, { clusterId: "c1", pods: [] });
  });

  await t.step("gzip detected by magic bytes", async () => {
    const res = await call(`${master.url}/agent/snapshot`, { method: "POST", body: await gzipBytes(body) });
    assert.equal(res.status, 200);
    assert.equal(master.snapshots.at(-1)?.gzip, true);
  });

  await t.step("plain JSON", async () => {
    const res = await call(`${master.url}/agent/snapshot`, { method: "POST", body });
    assert.equal(res.status, 200);
    assert.equal(master.snapshots.at(-1)?.gzip, false);
    assert.equal(master.snapshots.at(-1)?.rawBytes, new TextEncoder().encode(body).length);
  });

  await t.step("X-Cluster-ID overwrites the body clusterId", async () => {
    const res = await call(`${master.url}/agent/snapshot`, {
      method: "POST",
      headers: { "X-Cluster-ID": "from-header" },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(master.snapshots.at(-1)?.clusterId, "from-header");
    assert.equal(master.snapshots.at(-1)?.snapshot.clusterId, "from-header");
  });
  assert.equal(master.snapshots.length, 4);
});

Deno.test("fakeMaster /agent/snapshot answers Go-style 400, 404 and 405 errors", async (t) => {
  await using master = startFakeMaster();
  const cases: [string, RequestInit, number, string][] = [
    [
      "invalid gzip",
      { method: "POST", headers: { "Content-Encoding": "gzip" }, body: "{}" },
      400,
      "Invalid gzip\n",
    ],
    ["invalid JSON", { method: "POST", body: "{not json" }, 400, "Invalid JSON\n"],
    ["array body", { method: "POST", body: "[]" }, 400, "Invalid JSON\n"],
    ["clusterId of the wrong type", { method: "POST", body: '{"clusterId":1}' }, 400, "Invalid JSON\n"],
    ["no cluster id", { method: "POST", body: '{"pods":[]}' }, 400, "cluster_id is required\n"],
    ["wrong method", { method: "GET" }, 405, "Method not allowed\n"],
  ];
  for (const [name, init, status, text] of cases) {
    await t.step(name, async () => {
      const res = await call(`${master.url}/agent/snapshot`, init);
      assert.equal(res.status, status);
      assert.equal(res.text, text);
      assert.equal(res.contentType, "text/plain; charset=utf-8");
    });
  }
  await t.step("paths are exact", async () => {
    const res = await call(`${master.url}/agent/snapshot/`, { method: "POST", body: '{"clusterId":"c"}' });
    assert.equal(res.status, 404);
  });
  assert.equal(master.snapshots.length, 0);
  assert.equal(master.rejectedSnapshots.length, 5);
});

Deno.test("fakeMaster validateSnapshot rejects like a Go type mismatch", async () => {
  await using master = startFakeMaster({
    validateSnapshot: (
      s,
    ) => (typeof s.fetchedAt === "string" && s.fetchedAt === "" ? "fetchedAt is empty" : undefined),
  });
  const res = await call(`${master.url}/agent/snapshot`, {
    method: "POST",
    body: '{"clusterId":"c","fetchedAt":""}',
  });
  assert.equal(res.status, 400);
  assert.equal(res.text, "Invalid JSON\n");
  assert.equal(master.rejectedSnapshots[0].detail, "fetchedAt is empty");
});

Deno.test("fakeMaster /agent/heartbeat requires X-Cluster-ID", async () => {
  await using master = startFakeMaster();
  const missing = await call(`${master.url}/agent/heartbeat`, { method: "POST" });
  assert.equal(missing.status, 400);
  assert.equal(missing.text, "X-Cluster-ID header is required\n");
  const ok = await call(`${master.url}/agent/heartbeat`, {
    method: "POST",
    headers: { "X-Cluster-ID": "c1" },
  });
  assert.equal(ok.status, 200);
  assert.equal(master.heartbeats.length, 1);
  assert.equal(master.heartbeats[0].clusterId, "c1");
  const listed = await call(`${master.url}/control/heartbeats`);
  assert.equal(JSON.parse(listed.text)[0].clusterId, "c1");
});

Deno.test("fakeMaster /agent/commands delivers at most once, per topic, with a long-poll hold", async (t) => {
  await using master = startFakeMaster({ holdMs: 50 });

  await t.step("cluster_id is required", async () => {
    const res = await call(`${master.url}/agent/commands?topic=ops`);
    assert.equal(res.status, 400);
    assert.equal(res.text, "cluster_id is required\n");
  });

  await t.step("a queued command is returned at once in camelCase and popped", async () => {
    const id = master.enqueue({
      action: "scale",
      kind: "Deployment",
      namespace: "ns",
      name: "web",
      params: { replicas: 3 },
    });
    const res = await call(`${master.url}/agent/commands?cluster_id=c1`);
    const body = JSON.parse(res.text);
    assert.equal(body.hasCommand, true);
    assert.equal(body.command.id, id);
    assert.equal(body.command.action, "scale");
    assert.equal(body.command.kind, "Deployment");
    assert.deepEqual(body.command.params, { replicas: 3 });
    assert.equal(typeof body.command.createdAt, "string");
    assert.equal(master.pending("ops").length, 0);
  });

  await t.step("an empty poll ends after the hold with hasCommand false", async () => {
    const res = await call(`${master.url}/agent/commands?cluster_id=c1&topic=ops`);
    assert.deepEqual(JSON.parse(res.text), { hasCommand: false });
    assert.equal(master.polls.at(-1)?.outcome, "empty");
  });

  await t.step("ai commands go to the ai topic only", async () => {
    const id = master.enqueue({ action: "dynamic", source: "ai" });
    const ops = JSON.parse((await call(`${master.url}/agent/commands?cluster_id=c1&topic=ops`)).text);
    assert.equal(ops.hasCommand, false);
    const ai = JSON.parse((await call(`${master.url}/agent/commands?cluster_id=c1&topic=ai`)).text);
    assert.equal(ai.command.id, id);
  });

  await t.step("a held poll receives a command enqueued later; a second poller gets nothing", async () => {
    await using slow = startFakeMaster({ holdMs: 2_000 });
    const first = call(`${slow.url}/agent/commands?cluster_id=c1`);
    const second = call(`${slow.url}/agent/commands?cluster_id=c1`);
    await slow.waitFor(() => slow.waitingPollers("ops") === 2);
    const id = slow.enqueue({ action: "restart" });
    const winner = JSON.parse((await Promise.race([first, second])).text);
    assert.equal(winner.command.id, id);
    assert.equal(slow.waitingPollers("ops"), 1);
    await slow.close();
    const answers = (await Promise.all([first, second])).map((r) => JSON.parse(r.text));
    assert.equal(answers.filter((a) => a.hasCommand).length, 1);
  });

  await t.step("commands for another cluster are not handed out", async () => {
    master.enqueue({ action: "restart", clusterId: "other" });
    const res = JSON.parse((await call(`${master.url}/agent/commands?cluster_id=c1`)).text);
    assert.equal(res.hasCommand, false);
    assert.equal(master.pending("ops").length, 1);
  });
});

Deno.test("fakeMaster records a poller that disconnected while held", async () => {
  await using master = startFakeMaster({ holdMs: 5_000 });
  const controller = new AbortController();
  const poll = fetch(`${master.url}/agent/commands?cluster_id=c1`, { signal: controller.signal }).catch(() =>
    null
  );
  await master.waitForPoller("ops");
  controller.abort();
  assert.equal(await poll, null);
  await master.waitFor(() => master.polls[0].outcome !== "waiting");
  assert.equal(master.polls[0].outcome, "disconnected");
  // The command enqueued afterwards is not lost: nobody popped it.
  master.enqueue({ action: "restart" });
  assert.equal(master.pending("ops").length, 1);
  assert.equal(master.lostCommands.length, 0);
});

Deno.test("fakeMaster /agent/result validates like Go's decoder", async (t) => {
  await using master = startFakeMaster();
  const post = (body: string) => call(`${master.url}/agent/result`, { method: "POST", body });
  const executedAt = "2026-01-01T00:00:00Z";
  const cases: [string, string, string][] = [
    ["not JSON", "{", "Invalid JSON\n"],
    ["fractional execTime", JSON.stringify({ commandId: "a", execTime: 1.5, executedAt }), "Invalid JSON\n"],
    ["non-string output", JSON.stringify({ commandId: "a", output: { a: 1 }, executedAt }), "Invalid JSON\n"],
    ["empty executedAt", JSON.stringify({ commandId: "a", executedAt: "" }), "Invalid JSON\n"],
    ["string success", JSON.stringify({ commandId: "a", success: "true" }), "Invalid JSON\n"],
    ["missing commandId", JSON.stringify({ success: true, executedAt }), "command_id is required\n"],
  ];
  for (const [name, body, text] of cases) {
    await t.step(name, async () => {
      const res = await post(body);
      assert.equal(res.status, 400);
      assert.equal(res.text, text);
    });
  }
  await t.step("a valid result is recorded", async () => {
    const res = await post(
      JSON.stringify({
        commandId: "a",
        success: true,
        output: "x",
        execTime: 12,
        executedAt,
        clusterId: null,
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(master.results.length, 1);
    assert.equal(master.results[0].result.output, "x");
  });
  await t.step("wrong method", async () => {
    assert.equal((await call(`${master.url}/agent/result`)).status, 405);
  });
});

Deno.test("fakeMaster control API enqueues commands and serves results and snapshots", async (t) => {
  await using master = startFakeMaster({ holdMs: 50 });
  let id = "";

  await t.step("POST /control/commands generates an id and routes by source", async () => {
    const res = await call(`${master.url}/control/commands`, {
      method: "POST",
      body: JSON.stringify({ action: "get_logs", source: "ai", kind: "Pod", namespace: "ns", name: "p" }),
    });
    id = JSON.parse(res.text).id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(master.pending("ai")[0].id, id);
    const given = await call(`${master.url}/control/commands`, {
      method: "POST",
      body: JSON.stringify({ id: "fixed", action: "restart" }),
    });
    assert.equal(JSON.parse(given.text).id, "fixed");
    assert.equal(master.pending("ops")[0].id, "fixed");
  });

  await t.step("GET /control/results/<id> is 404 until the result arrives, and can wait", async () => {
    assert.equal((await call(`${master.url}/control/results/${id}`)).status, 404);
    const waiting = call(`${master.url}/control/results/${id}?waitMs=2000`);
    await call(`${master.url}/agent/result`, {
      method: "POST",
      body: JSON.stringify({ commandId: id, success: true, executedAt: "2026-01-01T00:00:00Z" }),
    });
    const res = await waiting;
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).commandId, id);
  });

  await t.step("GET /control/snapshots/latest returns the decoded snapshot", async () => {
    assert.equal((await call(`${master.url}/control/snapshots/latest`)).status, 404);
    await call(`${master.url}/agent/snapshot`, {
      method: "POST",
      headers: { "X-Cluster-ID": "c1" },
      body: await gzipBytes('{"nodes":[]}'),
    });
    const latest = JSON.parse((await call(`${master.url}/control/snapshots/latest`)).text);
    assert.equal(latest.clusterId, "c1");
    assert.deepEqual(latest.snapshot, { nodes: [], clusterId: "c1" });
    assert.equal(typeof latest.receivedAt, "string");
  });

  await t.step("GET /control/stats summarises", async () => {
    const stats = JSON.parse((await call(`${master.url}/control/stats`)).text);
    assert.equal(stats.snapshots, 1);
    assert.equal(stats.results, 1);
    assert.equal(stats.pending.ops, 1);
  });
});

Deno.test("fakeMaster faults answer N requests with a chosen status and body", async () => {
  await using master = startFakeMaster({ faults: [{ path: "/agent/heartbeat", status: 503, times: 2 }] });
  const beat = () =>
    call(`${master.url}/agent/heartbeat`, { method: "POST", headers: { "X-Cluster-ID": "c" } });
  assert.equal((await beat()).status, 503);
  assert.equal((await beat()).text, "Internal error\n");
  assert.equal((await beat()).status, 200);
  const armed = await call(`${master.url}/control/faults`, {
    method: "POST",
    body: JSON.stringify({
      path: "/agent/commands",
      status: 200,
      body: "garbage",
      contentType: "application/json",
    }),
  });
  assert.equal(armed.status, 200);
  const garbage = await call(`${master.url}/agent/commands?cluster_id=c`);
  assert.equal(garbage.text, "garbage");
  assert.equal(master.requests.filter((r) => r.fault).length, 3);
  assert.equal(master.heartbeats.length, 1);
});

Deno.test("fakeMaster runs as a CLI until SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./fake_master.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--hold-ms",
      "100",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    out += value;
  }
  const match = out.match(/listening on (http:\/\/\S+)/);
  assert.ok(match, `unexpected output: ${out}`);
  const health = await call(`${match[1]}/health`);
  assert.equal(health.text, "ok");
  child.kill("SIGTERM");
  while (!(await lines.read()).done) {
    // Drain the shutdown message.
  }
  const status = await child.status;
  assert.equal(status.code, 0);
});
