import assert from "node:assert/strict";
import { causeChain, MAX_ERROR_BODY, NetworkError, readErrorBody, requestFailure } from "../agent/http.ts";

const REQUEST = { method: "GET", path: "/agent/commands" };

function aborted(reason: unknown): AbortSignal {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
}

Deno.test("requestFailure() classifies a failed request the same way for both clients", async (t) => {
  const tls = new TypeError("fetch failed", {
    cause: new Error("client error (Connect)", {
      cause: new Error("invalid peer certificate: UnknownIssuer"),
    }),
  });
  const deadline = new DOMException("timed out after 50 ms", "TimeoutError");
  const cases: {
    name: string;
    error: unknown;
    signal?: AbortSignal;
    timeout?: AbortSignal;
    failure: NetworkError["failure"];
    message: RegExp;
  }[] = [
    {
      name: "TLS failure: the whole cause chain",
      error: tls,
      failure: "connection",
      message:
        /^Cannot GET "\/agent\/commands": connection: fetch failed: client error \(Connect\): invalid peer certificate: UnknownIssuer$/,
    },
    {
      name: "own deadline fired",
      error: new DOMException("aborted", "AbortError"),
      timeout: aborted(deadline),
      failure: "timeout",
      message: /timeout: timed out after 50 ms$/,
    },
    {
      name: "caller aborted while the deadline also fired: the caller wins",
      error: deadline,
      signal: aborted(new Error("stopping")),
      timeout: aborted(deadline),
      failure: "aborted",
      message: /aborted: stopping$/,
    },
    {
      name: "the caller's own deadline (a TimeoutError reason) is a timeout",
      error: new DOMException("drain stopped at the command deadline", "TimeoutError"),
      signal: aborted(new DOMException("drain stopped at the command deadline", "TimeoutError")),
      failure: "timeout",
      message: /timeout: drain stopped at the command deadline$/,
    },
    {
      name: "body read failed with the deadline's reason",
      error: deadline,
      failure: "timeout",
      message: /timeout: timed out after 50 ms$/,
    },
    {
      name: "an AbortError without a known signal",
      error: new DOMException("The signal has been aborted", "AbortError"),
      failure: "aborted",
      message: /aborted: The signal has been aborted$/,
    },
    {
      name: "connection refused",
      error: new TypeError("fetch failed", { cause: new Error("Connection refused (os error 111)") }),
      failure: "connection",
      message: /connection: fetch failed: Connection refused \(os error 111\)$/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const error = requestFailure({ ...REQUEST, signal: c.signal }, c.error, c.timeout);
      assert.ok(error instanceof NetworkError);
      assert.equal(error.failure, c.failure);
      assert.equal(error.method, "GET");
      assert.equal(error.path, "/agent/commands");
      assert.match(error.message, c.message);
    });
  }

  await t.step("a NetworkError passes through unchanged", () => {
    const original = new NetworkError("stream", "WATCH", "/api/v1/pods");
    assert.equal(requestFailure(REQUEST, original), original);
  });
});

Deno.test("causeChain() joins distinct messages and stops at five levels", () => {
  let error = new Error("level 6");
  for (let i = 5; i >= 1; i--) error = new Error(i === 2 ? "level 1" : `level ${i}`, { cause: error });
  assert.equal(causeChain(error), "level 1: level 3: level 4: level 5");
  assert.equal(causeChain("plain"), "plain");
});

Deno.test("readErrorBody() reads at most the error-body cap", async () => {
  const body = "x".repeat(MAX_ERROR_BODY + 10);
  assert.equal((await readErrorBody(new Response(body))).length, MAX_ERROR_BODY);
});
