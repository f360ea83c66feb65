/**
 * `deno task compile`: `deno compile` of `agent/main.ts` into one binary with exactly the permission flags of
 * `deno task start` (read from deno.json, so the two cannot drift). `deno compile` downloads the `denort`
 * runtime from Deno's servers; where they are unreachable (this project's CI) the task reports that clearly
 * and exits 0 with `SKIPPED`, instead of failing or pretending.
 *
 * ```sh
 * deno task compile                       # → dist/atlhyper-agent
 * deno task compile --output /app/agent   # the Dockerfile's build stage
 * ```
 *
 * @module
 */

/** The permission flags of a task command line (`--allow-*`, `--deny-*`). */
export function permissionFlags(task: string): string[] {
  return task.split(/\s+/).filter((word) => word.startsWith("--allow-") || word.startsWith("--deny-"));
}

/** The `--v8-flags=…` words of a task (the runtime settings shipped with the agent). */
export function v8Flags(task: string): string[] {
  return task.split(/\s+/).filter((word) => word.startsWith("--v8-flags="));
}

/** Reads the `start` task's flags from deno.json: permissions, then V8 settings. */
export async function startFlags(
  denoJson: URL = new URL("../deno.json", import.meta.url),
): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(denoJson)) as { tasks?: Record<string, string> };
  const start = config.tasks?.start;
  if (!start) throw new Error(`Cannot find the "start" task in ${denoJson.pathname}`);
  return [...permissionFlags(start), ...v8Flags(start)];
}

const UNREACHABLE =
  /download|dl\.deno\.land|error sending request|dns error|failed to lookup|connection refused|network/i;

async function main(args: string[]): Promise<number> {
  const outputIndex = args.indexOf("--output");
  const output = outputIndex >= 0 ? args[outputIndex + 1] : "dist/atlhyper-agent";
  const root = new URL("..", import.meta.url).pathname;
  const command = [
    "compile",
    "--frozen",
    ...await startFlags(),
    "--output",
    output,
    `${root}agent/main.ts`,
  ];
  console.error(`deno ${command.join(" ")}`);
  const result = await new Deno.Command(Deno.execPath(), {
    args: command,
    cwd: root,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  if (result.code === 0) {
    console.error(stderr.trim());
    console.error(`compiled ${output}`);
    return 0;
  }
  if (UNREACHABLE.test(stderr)) {
    console.error(stderr.trim());
    console.error(
      "SKIPPED: deno compile needs the denort runtime from Deno's download server, which this machine cannot " +
        "reach. The command above is what the Dockerfile runs; build the image where that server is reachable.",
    );
    return 0;
  }
  console.error(stderr.trim());
  return result.code;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
