/** The README's "run" command on a machine without a cluster: `deno task demo`, bounded by `--duration`. */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("deno task demo shows snapshots, a scale and get_logs, then stops cleanly", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "demo", "--duration", "12s", "--pods", "60"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, text);
  assert.match(text, /first snapshot accepted/);
  assert.match(text, /snapshots\s+\d+ \| pods 60 /);
  assert.match(text, /scale \S+ to 5: success=true .*spec\.replicas is now 5/);
  assert.match(text, /get_logs \S+ \(tail 3\): success=true/);
  assert.match(text, /agent exited with code 0/);
});
