/**
 * `deno task compile`: `deno compile` of `agent/main.ts` into one binary with exactly the permission flags of
 * `deno task start` (read from deno.json, so the two cannot drift).
 *
 * `deno compile` needs the `denort` runtime of the running Deno version: it downloads it from Deno's servers once
 * and caches it in `DENO_DIR`. Where that download fails (a machine without internet access, like this project's
 * CI) nothing is built, and the task says so and exits 1; `--allow-skip` turns exactly that case into `SKIPPED`
 * with exit 0, for pipelines that only want to check the command. Any other failure exits non-zero, with or
 * without the flag.
 *
 * ```sh
 * deno task compile                       # → dist/atlhyper-agent
 * deno task compile --output /app/agent   # the Dockerfile's build stage
 * deno task compile --allow-skip          # exit 0 when offline (SKIPPED), still 1 on any other failure
 * ```
 *
 * Exit codes: 0 built (or skipped with `--allow-skip`), 1 not built, 2 bad arguments, else `deno compile`'s code.
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

/** The command line of `deno task compile`. */
export interface CompileArgs {
  /** Where the binary is written; default `dist/atlhyper-agent`. */
  output: string;
  /** Exit 0 with `SKIPPED` when the runtime download is what failed. */
  allowSkip: boolean;
}

/** Bad arguments to `deno task compile` (exit code 2). */
export class CompileUsageError extends Error {
  /** Always `CompileUsageError`. */
  override name = "CompileUsageError";
}

/** Parses `[--output PATH] [--allow-skip]`. */
export function parseCompileArgs(args: readonly string[]): CompileArgs {
  const parsed: CompileArgs = { output: "dist/atlhyper-agent", allowSkip: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--allow-skip") parsed.allowSkip = true;
    else if (arg === "--output" || arg.startsWith("--output=")) {
      const value = arg === "--output" ? args[++i] : arg.slice("--output=".length);
      if (!value) throw new CompileUsageError("--output needs a path");
      parsed.output = value;
    } else {
      throw new CompileUsageError(
        `Unknown argument ${JSON.stringify(arg)}: usage: deno task compile [--output PATH] [--allow-skip]`,
      );
    }
  }
  return parsed;
}

/** Runs `deno <args>` in `cwd`; stdout goes to the terminal, stderr is returned. */
export type DenoRunner = (args: string[], cwd: string) => Promise<{ code: number; stderr: string }>;

/** The real runner: the running Deno executable. */
export async function runDeno(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  return { code: result.code, stderr: new TextDecoder().decode(result.stderr) };
}

/** `deno compile` failed because the `denort` runtime could not be downloaded. */
const UNREACHABLE =
  /download|dl\.deno\.land|error sending request|dns error|failed to lookup|connection refused|network/i;

/** Compiles the agent; resolves with the process exit code. */
export async function compileAgent(
  args: CompileArgs,
  run: DenoRunner = runDeno,
  log: (line: string) => void = console.error,
): Promise<number> {
  const root = new URL("..", import.meta.url).pathname;
  const command = [
    "compile",
    "--frozen",
    ...await startFlags(),
    "--output",
    args.output,
    `${root}agent/main.ts`,
  ];
  log(`deno ${command.join(" ")}`);
  const { code, stderr } = await run(command, root);
  if (stderr.trim()) log(stderr.trim());
  if (code === 0) {
    log(`compiled ${args.output}`);
    return 0;
  }
  if (!UNREACHABLE.test(stderr)) return code;
  const why = "deno compile needs the denort runtime from Deno's download server (once; it is cached in " +
    "DENO_DIR), and this machine cannot reach it.";
  if (args.allowSkip) {
    log(`SKIPPED (--allow-skip): nothing was built. ${why} The command above is what the Dockerfile runs.`);
    return 0;
  }
  log(
    `NOT BUILT: ${why} Build where dl.deno.land is reachable (the Dockerfile's build stage), or pass ` +
      "--allow-skip to accept the skip (exit 0).",
  );
  return 1;
}

if (import.meta.main) {
  let args: CompileArgs;
  try {
    args = parseCompileArgs(Deno.args);
  } catch (error) {
    if (!(error instanceof CompileUsageError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
  Deno.exit(await compileAgent(args));
}
