/**
 * A fake exec credential plugin for tests: a `#!/bin/sh` script in a temporary directory that counts its
 * runs, records `KUBERNETES_EXEC_INFO` and one variable of its environment, and prints `response.json` with
 * `COUNT` replaced by the run number.
 *
 * @module
 */

import { join } from "node:path";

const SCRIPT = `#!/bin/sh
dir="$(dirname "$0")"
count=$(cat "$dir/count" 2>/dev/null || echo 0)
count=$((count + 1))
echo "$count" > "$dir/count"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec_info.json"
printf '%s' "$PLUGIN_GREETING" > "$dir/greeting.txt"
if [ -f "$dir/stderr.txt" ]; then cat "$dir/stderr.txt" >&2; fi
if [ -f "$dir/hang" ]; then exec sleep 5; fi
sed "s/COUNT/$count/g" "$dir/response.json"
exit "$(cat "$dir/exit_code" 2>/dev/null || echo 0)"
`;

/** A fake plugin; dispose it to remove its directory. */
export class ExecPlugin implements AsyncDisposable {
  /** The temporary directory holding the script and its records. */
  readonly dir: string;
  /** Absolute path of the script. */
  readonly command: string;

  /** @param dir an existing directory to hold the script */
  constructor(dir: string) {
    this.dir = dir;
    this.command = join(dir, "plugin.sh");
  }

  /** Writes the script to a new temporary directory. */
  static async create(): Promise<ExecPlugin> {
    const plugin = new ExecPlugin(await Deno.makeTempDir({ prefix: "exec_plugin_" }));
    await Deno.writeTextFile(plugin.command, SCRIPT, { mode: 0o755 });
    return plugin;
  }

  /** Sets what the next runs print: a document to serialize, or raw text. */
  async respond(response: unknown): Promise<void> {
    const text = typeof response === "string" ? response : JSON.stringify(response);
    await Deno.writeTextFile(join(this.dir, "response.json"), text);
  }

  /** Makes the next runs print `stderr` and exit with `code`. */
  async fail(code: number, stderr: string): Promise<void> {
    await Deno.writeTextFile(join(this.dir, "exit_code"), String(code));
    await Deno.writeTextFile(join(this.dir, "stderr.txt"), stderr);
  }

  /** Makes the next runs hang for 5 s (until killed). */
  async hang(): Promise<void> {
    await Deno.writeTextFile(join(this.dir, "hang"), "");
  }

  /** How many times the script ran. */
  async invocations(): Promise<number> {
    try {
      return Number((await Deno.readTextFile(join(this.dir, "count"))).trim());
    } catch {
      return 0;
    }
  }

  /** The parsed `KUBERNETES_EXEC_INFO` of the last run. */
  async execInfo(): Promise<unknown> {
    return JSON.parse(await Deno.readTextFile(join(this.dir, "exec_info.json")));
  }

  /** `PLUGIN_GREETING` as the last run saw it. */
  async greeting(): Promise<string> {
    return await Deno.readTextFile(join(this.dir, "greeting.txt"));
  }

  /** Removes the directory. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }
}
