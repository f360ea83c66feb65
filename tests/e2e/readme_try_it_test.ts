/**
 * The README's "Try it by hand" section, run as written: its three start commands (fake API server, fake Master,
 * agent) and then its `curl` block, with only the ports (free ones instead of 6443/8081/8082) and the kubeconfig
 * path replaced. Needs `bash`, `curl` and `kubectl`; skipped with a message when one is missing.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();

async function has(command: string): Promise<boolean> {
  const args = command === "kubectl" ? ["version", "--client"] : ["--version"];
  try {
    return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

const TOOLS = ["bash", "curl", "kubectl"];
const missing = (await Promise.all(TOOLS.map(async (tool) => (await has(tool)) ? [] : [tool]))).flat();
if (missing.length) {
  console.warn(
    `tests/e2e/readme_try_it_test.ts: ${missing.join(", ")} not found, skipping the README try-out`,
  );
}

/** The `sh` blocks of the README's "Try it by hand" section. */
async function tryItBlocks(): Promise<string[]> {
  const readme = await Deno.readTextFile(new URL("README.md", new URL(ROOT, "file://")));
  const start = readme.indexOf("## Try it by hand");
  assert.ok(start >= 0, "README.md has a 'Try it by hand' section");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A background shell command in its own process group, its output collected. */
function background(script: string, env: Record<string, string>) {
  const child = new Deno.Command("bash", {
    args: ["-c", script],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumping = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.finally(() => exited = true);
  return {
    output: () => text,
    exited: () => exited,
    async stop() {
      for (const signal of ["SIGINT", "SIGKILL"] as const) {
        if (exited) break;
        try {
          Deno.kill(-child.pid, signal);
        } catch {
          // Already gone.
        }
        const deadline = Date.now() + 10_000;
        while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
      await status;
      await pumping;
    },
  };
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  context: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!await check()) {
    assert.ok(Date.now() < deadline, `${what} within 30 s:\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name: "README 'Try it by hand': the three processes start and every curl in it works",
  ignore: missing.length > 0,
  async fn() {
    const [startBlock, clientBlock] = await tryItBlocks();
    assert.ok(startBlock && clientBlock, "the section has a start block and a client block");
    const dir = await Deno.makeTempDir({ prefix: "atlhyper-try-" });
    const ports: Record<string, number> = { "6443": freePort(), "8081": freePort(), "8082": freePort() };
    const adapt = (text: string) =>
      text.replaceAll("/tmp/atlhyper-try.kubeconfig", `${dir}/kubeconfig`)
        .replace(/\b(6443|8081|8082)\b/g, (port) => String(ports[port]));
    const starts = startBlock.replace(/\\\n\s*/g, "").split("\n")
      .filter((line) => line.trim() && !line.trim().startsWith("#")).map(adapt);
    assert.equal(starts.length, 3, "fake API server, fake Master, agent");
    const env = {
      PATH: `${Deno.execPath().replace(/\/[^/]*$/, "")}:${Deno.env.get("PATH") ?? ""}`,
      NO_COLOR: "1",
    };
    const processes: ReturnType<typeof background>[] = [];
    const everything = () => processes.map((p) => p.output()).join("\n---\n");
    try {
      for (const [index, command] of starts.entries()) {
        const process = background(command, env);
        processes.push(process);
        if (index < 2) {
          await until(
            "the fake server says it is listening",
            () => /listening on/.test(process.output()),
            everything,
          );
        }
      }
      const master = `http://127.0.0.1:${ports["8081"]}`;
      await until("a snapshot and two waiting polls reach the fake Master", async () => {
        if (processes.some((p) => p.exited())) return assert.fail(`a process exited:\n${everything()}`);
        const stats = await fetch(`${master}/control/stats`).then((r) => r.json());
        return stats.snapshots > 0 && stats.waitingPollers.ops > 0;
      }, everything);

      const client = await new Deno.Command("bash", {
        // No pipefail: `curl | head -c 300` ends curl early on purpose (silently, with -s).
        args: ["-eu", "-c", adapt(clientBlock)],
        cwd: ROOT,
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = decoder.decode(client.stdout);
      assert.equal(client.code, 0, `${out}\n${decoder.decode(client.stderr)}`);
      assert.match(out, /"snapshots":[1-9]/);
      assert.match(out, /"clusterId":"try-it"/);
      assert.match(out, /"ready":true/);
      assert.match(out, /"commandId":"scale-1","success":true/);
      assert.match(out, /web\s+\d+\/5\s/, "kubectl shows the new desired replicas");
      assert.match(out, /"commandId":"logs-1","success":true,"output":"[^"]/);
      assert.match(out, /"commandId":"secret-1","success":false,"error":"[^"]*AGENT_ALLOW_SECRET_READ/);
    } finally {
      for (const process of processes.reverse()) await process.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
