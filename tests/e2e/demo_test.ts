/**
 * The README's "run" command on a machine without a cluster: `deno task demo`, bounded by `--duration`, stopped by
 * Ctrl-C, and failing fast with the agent's own message when the agent cannot run.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();

function demo(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["task", "demo", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // Its own process group, so the test can signal it the way a terminal's Ctrl-C does.
    detached: true,
  });
}

/** The temporary kubeconfig the demo announced; it must be gone once the demo exited. */
async function assertKubeconfigRemoved(text: string): Promise<void> {
  const path = /^kubeconfig\s+(\S+)/m.exec(text)?.[1];
  assert.ok(path, `the demo names its temporary kubeconfig:\n${text}`);
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound, `${path} was left behind`);
}

Deno.test("deno task demo shows snapshots, a scale and get_logs, then stops cleanly at --duration", async () => {
  const output = await demo(["--duration", "12s", "--pods", "60"]).output();
  const text = decoder.decode(output.stdout) + decoder.decode(output.stderr);
  assert.equal(output.code, 0, text);
  assert.match(text, /first snapshot accepted/);
  assert.match(text, /snapshots\s+\d+ \| pods 60 /);
  assert.match(text, /scale \S+ to 5: success=true .*spec\.replicas is now 5/);
  assert.match(text, /get_logs \S+ \(tail 3\): success=true/);
  assert.match(text, /^stopping: --duration elapsed$/m);
  assert.match(text, /^agent exited with code 0$/m);
  assert.match(text, /^summary: ran [\d.]+ s, ended by --duration elapsed$/m);
  assert.match(text, /^ {2}snapshots accepted [1-9]\d* \(first after [\d.]+ s\), heartbeats [1-9]/m);
  assert.match(text, /^ {2}commands scale \S+ to 5: ok; get_logs \S+: ok$/m);
  assert.match(text, /^ {2}agent exited with code 0; temporary kubeconfig removed$/m);
  assert.doesNotMatch(text, /FAILED/);
  await assertKubeconfigRemoved(text);
});

Deno.test("Ctrl-C (SIGINT to the process group) stops the demo and the agent cleanly, exit 0", async () => {
  const child = demo(["--pods", "30"]).spawn();
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumping = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.finally(() => exited = true);
  try {
    // Wait until the agent is running and a snapshot arrived (or the demo ended early, which the asserts report).
    while (!exited && !/first snapshot accepted/.test(text)) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!exited, `the demo ended before the first snapshot:\n${text}`);
    // A terminal sends SIGINT to every process of the foreground group: `deno task` and the demo.
    Deno.kill(-child.pid, "SIGINT");
    const { code } = await status;
    await pumping;
    assert.equal(code, 0, text);
    assert.match(text, /^stopping: SIGINT received$/m);
    assert.match(
      text,
      /^agent exited with code 0$/m,
      "the agent got exactly one SIGTERM and stopped cleanly",
    );
    assert.match(text, /^summary: ran [\d.]+ s, ended by SIGINT received$/m);
    assert.doesNotMatch(text, /FAILED/);
    await assertKubeconfigRemoved(text);
  } finally {
    if (!exited) Deno.kill(-child.pid, "SIGTERM");
    await status;
    await pumping;
  }
});

Deno.test("the demo fails fast with the agent's own message when the agent exits (health port taken)", async () => {
  // Something already listens on the port asked for; the agent cannot bind it and exits 1.
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  const output = await demo(["--pods", "20", "--health-port", String(port)]).output();
  const text = decoder.decode(output.stdout) + decoder.decode(output.stderr);
  assert.equal(output.code, 1, text);
  assert.match(text, /^stopping: the agent exited$/m, "the demo stops as soon as the agent exits");
  assert.match(
    text,
    new RegExp(`^agent \\| .*Cannot serve health and metrics on 127\\.0\\.0\\.1:${port}`, "m"),
  );
  assert.match(
    text,
    new RegExp(
      `^FAILED: the agent exited on its own with code 1; its last lines:\\n.*127\\.0\\.0\\.1:${port}`,
      "m",
    ),
  );
  assert.doesNotMatch(
    text,
    /no snapshot reached the Master/,
    "it did not wait for a snapshot that cannot come",
  );
  assert.doesNotMatch(text, /^\s+at /m, "no stack trace");
  await assertKubeconfigRemoved(text);
});

Deno.test("the demo rejects bad arguments with exit code 2 and its usage", async () => {
  for (const args of [["--duration", "0s"], ["--pods", "many"], ["--health-port", "70000"], ["--bogus"]]) {
    const output = await demo(args).output();
    const text = decoder.decode(output.stderr);
    assert.equal(output.code, 2, `${args.join(" ")}: ${text}`);
    assert.match(text, /usage: deno task demo|Invalid/, args.join(" "));
  }
});
