import assert from "node:assert/strict";
import { startFlags } from "../../deploy/compile.ts";

const MAIN = new URL("../../agent/main.ts", import.meta.url).pathname;

async function run(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; stderr: string; stdout: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...await startFlags(), MAIN, ...args],
    env: { NO_COLOR: "1", AGENT_HEALTH_ADDR: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

Deno.test("agent exits 2 listing every invalid setting", async () => {
  const { code, stderr } = await run({ AGENT_SNAPSHOT_INTERVAL: "ten", AGENT_READ_ONLY: "maybe" });
  assert.equal(code, 2);
  assert.match(stderr, /AGENT_SNAPSHOT_INTERVAL="ten": not a duration/);
  assert.match(stderr, /AGENT_READ_ONLY="maybe": must be true or false/);
});

Deno.test("agent exits 2 on unknown actions and kinds and separator-only lists (issue 11)", async () => {
  const { code, stderr } = await run({
    AGENT_ALLOWED_ACTIONS: "scal",
    AGENT_DISABLED_KINDS: "pod,foo",
    AGENT_PROTECTED_NAMESPACES: ",",
    AGENT_MASTER_URL: "ftp://agent:hunter2@master",
  });
  assert.equal(code, 2);
  assert.match(stderr, /AGENT_ALLOWED_ACTIONS="scal": "scal": unknown action/);
  assert.match(stderr, /AGENT_DISABLED_KINDS="pod,foo": "pod", "foo": unknown kind/);
  assert.match(stderr, /AGENT_PROTECTED_NAMESPACES=",": has only separators/);
  assert.match(stderr, /AGENT_MASTER_URL="ftp:\/\/\*\*\*@master"/);
  assert.ok(!stderr.includes("hunter2"));
});

Deno.test("agent exits 1 with a clear message when the Kubernetes configuration is unusable", async () => {
  const { code, stderr } = await run({ AGENT_KUBECONFIG: "/nonexistent/kubeconfig" });
  assert.equal(code, 1);
  assert.match(stderr, /Cannot start: Cannot read kubeconfig "\/nonexistent\/kubeconfig": file not found/);
});

Deno.test("agent --help lists every setting and exits 0", async () => {
  const { code, stdout } = await run({}, ["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /AGENT_MASTER_URL\s+Master AgentSDK base URL \(default http:\/\/localhost:8081\)/);
});
