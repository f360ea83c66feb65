import assert from "node:assert/strict";
import type { KindStatus } from "../../agent/informer/mod.ts";
import {
  type HealthServer,
  informerReadiness,
  Liveness,
  parseListenAddress,
  type ReadinessReport,
  startHealthServer,
} from "../../agent/observability/health.ts";
import { AgentMetrics } from "../../agent/observability/metrics.ts";
import { FakeClock } from "../support/fake_clock.ts";

function kindStatus(overrides: Partial<KindStatus> & Pick<KindStatus, "kind">): KindStatus {
  return { synced: true, health: "ok", objects: 0, informers: [], ...overrides };
}

const READY: ReadinessReport = { ready: true, pending: [], unavailable: [], kinds: [] };

async function get(server: HealthServer, path: string, init?: RequestInit) {
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

Deno.test("Liveness.check() reports loops silent for longer than their limit", async (t) => {
  const clock = new FakeClock();
  const liveness = new Liveness({ clock });

  await t.step("is alive with no loops registered", () => {
    assert.deepEqual(liveness.check(), { alive: true, stale: [] });
  });

  await t.step("counts the silence from registration", () => {
    liveness.register("push", 30_000);
    liveness.register("poll:ops", 90_000);
    clock.advance(30_000);
    assert.deepEqual(liveness.check(), { alive: true, stale: [] });
    clock.advance(1);
    assert.deepEqual(liveness.check(), { alive: false, stale: ["push"] });
  });

  await t.step("is alive again after a beat", () => {
    liveness.beat("push");
    assert.deepEqual(liveness.check(), { alive: true, stale: [] });
    clock.advance(90_000);
    assert.deepEqual(liveness.check(), { alive: false, stale: ["push", "poll:ops"] });
  });

  await t.step("forgets unregistered loops and ignores beats of unknown ones", () => {
    liveness.unregister("push");
    liveness.beat("heartbeat");
    assert.deepEqual(liveness.names, ["poll:ops"]);
    assert.deepEqual(liveness.check(), { alive: false, stale: ["poll:ops"] });
    liveness.register("poll:ops", 90_000);
    assert.deepEqual(liveness.check(), { alive: true, stale: [] });
  });

  await t.step("rejects a limit that is not positive", () => {
    assert.throws(() => liveness.register("push", 0), RangeError);
    assert.throws(() => liveness.register("push", Number.NaN), /maxSilenceMs must be positive/);
  });
});

Deno.test("parseListenAddress() reads Go-style listen addresses", () => {
  assert.equal(parseListenAddress(""), undefined);
  assert.equal(parseListenAddress("  "), undefined);
  assert.deepEqual(parseListenAddress(":8082"), { hostname: "", port: 8082 });
  assert.deepEqual(parseListenAddress("0.0.0.0:8082"), { hostname: "0.0.0.0", port: 8082 });
  assert.deepEqual(parseListenAddress("127.0.0.1:0"), { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(parseListenAddress("[::]:9000"), { hostname: "::", port: 9000 });
  assert.deepEqual(parseListenAddress("localhost:80"), { hostname: "localhost", port: 80 });
  for (const bad of ["8082", "host:", "host:99999", "::1:80", "a:b", "[::1]"]) {
    assert.throws(() => parseListenAddress(bad), /Cannot parse listen address/, bad);
  }
});

Deno.test("startHealthServer() starts no server for an empty address", () => {
  const server = startHealthServer({ addr: "", liveness: new Liveness(), readiness: () => READY });
  assert.equal(server, undefined);
});

Deno.test("startHealthServer() answers the probes from liveness", async (t) => {
  const clock = new FakeClock();
  const liveness = new Liveness({ clock });
  liveness.register("push", 30_000);
  const server = startHealthServer({ addr: "127.0.0.1:0", liveness, readiness: () => READY });
  assert.ok(server);
  try {
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);

    await t.step("/healthz is 200 ok while the loops are alive", async () => {
      const response = await get(server, "/healthz");
      assert.equal(response.status, 200);
      assert.equal(response.body, "ok\n");
      assert.equal(response.headers.get("cache-control"), "no-store");
    });

    await t.step("/health answers what the Go agent's probes expect", async () => {
      const response = await get(server, "/health");
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.equal(response.body, '{"status":"ok"}');
    });

    await t.step("both turn 503 naming the stale loops", async () => {
      clock.advance(30_001);
      const healthz = await get(server, "/healthz");
      assert.equal(healthz.status, 503);
      assert.equal(healthz.body, "stale: push\n");
      const health = await get(server, "/health");
      assert.equal(health.status, 503);
      assert.deepEqual(JSON.parse(health.body), { status: "unhealthy", stale: ["push"] });
    });

    await t.step("HEAD is answered without a body", async () => {
      const response = await get(server, "/healthz", { method: "HEAD" });
      assert.equal(response.status, 503);
      assert.equal(response.body, "");
    });

    await t.step("other methods are 405 and unknown paths 404", async () => {
      const post = await get(server, "/healthz", { method: "POST", body: "x" });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get("allow"), "GET, HEAD");
      assert.equal((await get(server, "/nope")).status, 404);
      assert.equal((await get(server, "/metrics")).status, 404, "no metrics configured");
    });
  } finally {
    await server.close();
  }
});

Deno.test("startHealthServer() reports per-kind readiness on /readyz", async (t) => {
  let report: ReadinessReport = READY;
  const server = startHealthServer({
    addr: "127.0.0.1:0",
    liveness: new Liveness(),
    readiness: () => report,
  });
  assert.ok(server);
  try {
    await t.step("200 with the detail of each kind, counters left out", async () => {
      report = informerReadiness({
        status: () => [
          kindStatus({ kind: "pods", objects: 12 }),
          kindStatus({
            kind: "secrets",
            synced: false,
            health: "forbidden",
            lastError: { kind: "forbidden", phase: "list", message: "403 forbidden", retryAfterSeconds: 5 },
          }),
        ],
      })();
      const response = await get(server, "/readyz");
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), {
        status: "ready",
        ready: true,
        pending: [],
        unavailable: ["secrets"],
        degraded: [],
        kinds: [
          { kind: "pods", synced: true, health: "ok", objects: 12, lastError: null },
          {
            kind: "secrets",
            synced: false,
            health: "forbidden",
            objects: 0,
            lastError: { kind: "forbidden", phase: "list", message: "403 forbidden" },
          },
        ],
      });
    });

    await t.step("503 while a kind is still syncing", async () => {
      report = informerReadiness({
        status: () => [kindStatus({ kind: "pods", synced: false, health: "pending" })],
      })();
      const response = await get(server, "/readyz");
      assert.equal(response.status, 503);
      const body = JSON.parse(response.body);
      assert.equal(body.status, "not ready");
      assert.deepEqual(body.pending, ["pods"]);
    });

    await t.step("503 while a synced kind has been failing too long, with the reason per kind", async () => {
      report = informerReadiness({
        status: () => [
          kindStatus({ kind: "pods", objects: 3 }),
          kindStatus({
            kind: "nodes",
            health: "failing",
            degraded: "failing for 151 s",
            lastError: { kind: "network", phase: "watch", message: "connection refused" },
          }),
        ],
      })();
      const response = await get(server, "/readyz");
      assert.equal(response.status, 503);
      const body = JSON.parse(response.body);
      assert.deepEqual(body.degraded, ["nodes"]);
      assert.deepEqual(body.pending, []);
      assert.equal(body.kinds[1].degraded, "failing for 151 s");
      assert.equal(body.kinds[0].degraded, undefined);
    });

    await t.step("a report without kinds gives an empty list", async () => {
      report = { ready: false, pending: ["nodes"], unavailable: [] };
      const response = await get(server, "/readyz");
      assert.equal(response.status, 503);
      assert.deepEqual(JSON.parse(response.body).kinds, []);
    });
  } finally {
    await server.close();
  }
});

Deno.test("startHealthServer() serves Prometheus text on /metrics", async () => {
  const metrics = new AgentMetrics();
  metrics.recordHeartbeat({ ok: true, latencyMs: 3 });
  const server = startHealthServer({
    addr: "127.0.0.1:0",
    liveness: new Liveness(),
    readiness: () => READY,
    metrics,
  });
  assert.ok(server);
  try {
    const response = await get(server, "/metrics");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), metrics.contentType);
    assert.match(response.body, /^atlhyper_agent_heartbeats_total\{outcome="success"\} 1$/m);
    assert.match(response.body, /^process_resident_memory_bytes \d+$/m);
  } finally {
    await server.close();
  }
});

Deno.test("startHealthServer() answers 500 and reports the error when a callback throws", async () => {
  const errors: unknown[] = [];
  const server = startHealthServer({
    addr: "127.0.0.1:0",
    liveness: new Liveness(),
    readiness: () => {
      throw new Error("informers gone");
    },
    onError: (error) => errors.push(error),
  });
  assert.ok(server);
  try {
    const response = await get(server, "/readyz");
    assert.equal(response.status, 500);
    assert.equal(errors.length, 1);
    assert.equal((await get(server, "/healthz")).status, 200, "other endpoints keep working");
  } finally {
    await server.close();
  }
});

Deno.test("startHealthServer() listens on every interface for a :port address", async () => {
  const server = startHealthServer({ addr: ":0", liveness: new Liveness(), readiness: () => READY });
  assert.ok(server);
  try {
    assert.equal((await get(server, "/health")).status, 200);
    const ipv4 = await fetch(`http://127.0.0.1:${server.port}/health`);
    assert.equal(ipv4.status, 200);
    await ipv4.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("startHealthServer() fails clearly when the port is taken, and close() is idempotent", async () => {
  const first = startHealthServer({ addr: "127.0.0.1:0", liveness: new Liveness(), readiness: () => READY });
  assert.ok(first);
  try {
    assert.throws(
      () =>
        startHealthServer({
          addr: `127.0.0.1:${first.port}`,
          liveness: new Liveness(),
          readiness: () => READY,
        }),
      new RegExp(`^Error: Cannot listen on "127\\.0\\.0\\.1:${first.port}": `),
    );
    assert.throws(
      () => startHealthServer({ addr: "nowhere", liveness: new Liveness(), readiness: () => READY }),
      /Cannot parse listen address "nowhere"/,
    );
  } finally {
    await Promise.all([first.close(), first.close()]);
    await first.close();
  }
});
