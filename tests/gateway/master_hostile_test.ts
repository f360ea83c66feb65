/**
 * The Master client against a hostile or broken Master: redirects are never followed, a poll answer is read only
 * up to its cap, and credentials in the Master URL become a header and never appear in messages.
 */
import assert from "node:assert/strict";
import {
  HttpMasterGateway,
  MasterError,
  MasterProtocolError,
  MAX_POLL_ANSWER_BYTES,
} from "../../agent/gateway/mod.ts";

interface Served {
  url: string;
  /** Requests the server saw, `METHOD path`. */
  seen: string[];
  /** Bytes of body the server managed to hand to the connection. */
  sentBytes(): number;
  close(): Promise<void>;
}

function serve(handler: (request: Request, count: (n: number) => void) => Response): Served {
  const seen: string[] = [];
  let sent = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    seen.push(`${request.method} ${new URL(request.url).pathname}`);
    return handler(request, (n) => sent += n);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    sentBytes: () => sent,
    close: () => server.shutdown(),
  };
}

Deno.test("HttpMasterGateway never follows a redirect and names its Location", async (t) => {
  const elsewhere = serve(() => Response.json({ hasCommand: false }));
  const master = serve(() =>
    new Response("moved", { status: 307, headers: { Location: `${elsewhere.url}/agent/commands` } })
  );
  try {
    using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1", token: "s3cret" });
    for (
      const [name, call] of [
        ["poll", () => gateway.pollCommand("ops")],
        ["heartbeat", () => gateway.heartbeat()],
        [
          "result",
          () => gateway.postResult({ commandId: "x", success: true, executedAt: "2026-01-01T00:00:00Z" }),
        ],
        ["snapshot", () => gateway.pushSnapshot('{"clusterId":"c1"}')],
      ] as const
    ) {
      await t.step(name, async () => {
        const error = await (call as () => Promise<unknown>)().then(() => undefined, (e) => e);
        assert.ok(error instanceof MasterError, String(error));
        assert.equal(error.status, 307);
        assert.match(
          error.message,
          /redirect to ".*\/agent\/commands" refused: the agent never follows redirects/,
        );
        assert.match(error.message, /AGENT_MASTER_URL/);
      });
    }
    // The token never travelled to the other origin.
    assert.deepEqual(elsewhere.seen, []);
  } finally {
    await master.close();
    await elsewhere.close();
  }
});

Deno.test("HttpMasterGateway reads a poll answer only up to its cap, streaming", async () => {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const limit = 400 * 1024 * 1024;
  const master = serve((_request, count) => {
    let sent = 0;
    // 400 MB of whitespace, produced only as fast as the client reads.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= limit) return controller.close();
        sent += chunk.byteLength;
        count(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
    return new Response(body, { headers: { "Content-Type": "application/json" } });
  });
  try {
    using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });
    const error = await gateway.pollCommand("ops").then(() => undefined, (e) => e);
    assert.ok(error instanceof MasterProtocolError, String(error));
    assert.match(error.message, /larger than 2 MiB; reading stopped there/);
    // Socket buffers hold a few MiB at most; nothing near the 400 MB offered.
    assert.ok(
      master.sentBytes() < MAX_POLL_ANSWER_BYTES + 32 * 1024 * 1024,
      `${master.sentBytes()} bytes sent`,
    );
  } finally {
    await master.close();
  }
});

Deno.test("HttpMasterGateway sends URL userinfo as Basic auth and never shows it", async () => {
  const headers: (string | null)[] = [];
  const master = serve((request) => {
    headers.push(request.headers.get("authorization"));
    return Response.json({ status: "ok" });
  });
  try {
    const url = master.url.replace("http://", "http://agent:p%40ss@");
    using gateway = new HttpMasterGateway({ masterUrl: url, clusterId: "c1" });
    await gateway.heartbeat();
    assert.deepEqual(headers, [`Basic ${btoa("agent:p@ss")}`]);
    assert.equal(gateway.url, master.url);
    assert.equal(gateway.sendsCredentialsInClear, true);
    using withToken = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1", token: "t" });
    assert.equal(withToken.sendsCredentialsInClear, true);
    using https = new HttpMasterGateway({ masterUrl: "https://master.example", clusterId: "c1", token: "t" });
    assert.equal(https.sendsCredentialsInClear, false);
    using none = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });
    assert.equal(none.sendsCredentialsInClear, false);
    assert.throws(
      () => new HttpMasterGateway({ masterUrl: "ftp://agent:hunter2@x", clusterId: "c1" }),
      (error: Error) => !error.message.includes("hunter2") && /ftp:\/\/\*\*\*@x/.test(error.message),
    );
  } finally {
    await master.close();
  }
});

Deno.test("HttpMasterGateway learns the Master's clock offset from its Date header", async () => {
  const hourAgo = new Date(Date.now() - 3_600_000).toUTCString();
  const master = serve(() => Response.json({ status: "ok" }, { headers: { Date: hourAgo } }));
  try {
    using gateway = new HttpMasterGateway({ masterUrl: master.url, clusterId: "c1" });
    assert.equal(gateway.clockOffsetMs, undefined);
    await gateway.heartbeat();
    const offset = gateway.clockOffsetMs ?? 0;
    assert.ok(Math.abs(offset + 3_600_000) < 5_000, `offset ${offset} ms`);
  } finally {
    await master.close();
  }
});
