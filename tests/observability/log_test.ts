import assert from "node:assert/strict";
import { configureLogging, getAgentLogger, resetLogging } from "../../agent/observability/log.ts";
import { FakeClock } from "../support/fake_clock.ts";

const START = Date.UTC(2026, 0, 1, 12, 30, 0, 250);

async function capture(format: "text" | "json", level: "debug" | "info" | "warning" | "error" = "debug") {
  const lines: string[] = [];
  await configureLogging({ level, format, write: (line) => lines.push(line), clock: new FakeClock(START) });
  return lines;
}

Deno.test("getAgentLogger() writes one text line with time, level, category, message and properties", async () => {
  try {
    const lines = await capture("text");
    getAgentLogger(["atlhyper", "push"]).info("Snapshot pushed", {
      trigger: "interval",
      latencyMs: 12,
      ok: true,
      master: "http://master:8080/x y",
      detail: { kinds: ["pods"] },
    });
    assert.deepEqual(lines, [
      "2026-01-01T12:30:00.250Z INFO  atlhyper.push: Snapshot pushed trigger=interval latencyMs=12 ok=true " +
      'master="http://master:8080/x y" detail={"kinds":["pods"]}\n',
    ]);
  } finally {
    resetLogging();
  }
});

Deno.test("getAgentLogger() keeps a record on one line when the message or a value holds newlines", async () => {
  try {
    const lines = await capture("text");
    getAgentLogger(["atlhyper"]).error("Cannot push:\nbad gateway", {
      error: new Error("line one\nline two"),
      body: "a=b",
    });
    assert.equal(lines.length, 1);
    assert.equal(
      lines[0],
      '2026-01-01T12:30:00.250Z ERROR atlhyper: Cannot push:\\nbad gateway error="line one\\nline two" body="a=b"\n',
    );
  } finally {
    resetLogging();
  }
});

Deno.test("getAgentLogger() writes JSON lines with time, level, category, message and properties", async () => {
  try {
    const lines = await capture("json");
    const cycle: Record<string, unknown> = { name: "loop" };
    cycle.self = cycle;
    const shared = { n: 1 };
    getAgentLogger(["atlhyper", "command"]).warn("Command failed", {
      id: "c-1",
      error: new Error("boom"),
      big: 10n,
      cycle,
      pair: [shared, shared],
    });
    assert.equal(lines.length, 1);
    assert.ok(lines[0].endsWith("}\n"));
    assert.deepEqual(JSON.parse(lines[0]), {
      time: "2026-01-01T12:30:00.250Z",
      level: "warning",
      category: "atlhyper.command",
      message: "Command failed",
      properties: {
        id: "c-1",
        error: { name: "Error", message: "boom" },
        big: "10",
        cycle: { name: "loop", self: "[Circular]" },
        pair: [{ n: 1 }, { n: 1 }],
      },
    });
  } finally {
    resetLogging();
  }
});

Deno.test("getAgentLogger() writes braces literally instead of treating them as placeholders", async () => {
  try {
    const lines = await capture("json");
    getAgentLogger(["atlhyper"]).info('Master answered 400 {"error":"bad {id}"}', { id: "x" });
    assert.equal(JSON.parse(lines[0]).message, 'Master answered 400 {"error":"bad {id}"}');
  } finally {
    resetLogging();
  }
});

Deno.test("configureLogging() drops records below the configured level", async () => {
  try {
    const lines = await capture("json", "warning");
    const log = getAgentLogger(["atlhyper", "agent"]);
    log.debug("hidden");
    log.info("hidden");
    log.warn("shown");
    log.error("shown too");
    assert.deepEqual(lines.map((line) => JSON.parse(line).level), ["warning", "error"]);
  } finally {
    resetLogging();
  }
});

Deno.test("getAgentLogger() works for loggers created before configuration and goes silent after reset", async () => {
  const log = getAgentLogger(["atlhyper", "early"]);
  try {
    const lines = await capture("text", "info");
    log.info("configured later");
    assert.equal(lines.length, 1);
    assert.match(lines[0], /INFO {2}atlhyper\.early: configured later\n$/);
    resetLogging();
    log.error("after reset");
    assert.equal(lines.length, 1);
  } finally {
    resetLogging();
  }
});

Deno.test("configureLogging() replaces an earlier configuration", async () => {
  try {
    const first = await capture("text");
    const second = await capture("json");
    getAgentLogger(["atlhyper"]).info("once");
    assert.equal(first.length, 0);
    assert.equal(second.length, 1);
  } finally {
    resetLogging();
  }
});
