/**
 * `deno task compile`: `deno compile` of `agent/main.ts` into one binary with exactly the permissions and V8
 * settings of `deno task start` (read from deno.json, so the two cannot drift). The permissions are written once,
 * as the `agent` permission set of deno.json (`deno run -P=agent`); {@linkcode startFlags} spells the set out as
 * `--allow-*` flags, which every `deno run` and `deno compile` understands the same way.
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

/** The permission flags of a task command line (`--allow-*`, `--deny-*`), as written in it. */
export function permissionFlags(task: string): string[] {
  return task.split(/\s+/).filter((word) => word.startsWith("--allow-") || word.startsWith("--deny-"));
}

/**
 * The environment a task sets for the agent (its leading `NAME=value` words): the C library's memory tunables,
 * shipped identically by the Dockerfile's `ENV` and the Deployment (`tests/deploy/permissions_test.ts`).
 */
export function taskEnv(task: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of task.trim().split(/\s+/)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word);
    if (!match) break;
    env[match[1]] = match[2];
  }
  return env;
}

/** The environment of the `start` task (see {@linkcode taskEnv}). */
export async function startEnv(
  denoJson: URL = new URL("../deno.json", import.meta.url),
): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(denoJson)) as { tasks?: Record<string, string> };
  return taskEnv(config.tasks?.start ?? "");
}

/** The `--v8-flags=…` words of a task (the runtime settings shipped with the agent). */
export function v8Flags(task: string): string[] {
  return task.split(/\s+/).filter((word) => word.startsWith("--v8-flags="));
}

/** The name of the permission set a task loads (`-P=NAME`, `--permission-set=NAME`), or `undefined`. */
export function permissionSetName(task: string): string | undefined {
  for (const word of task.split(/\s+/)) {
    const match = /^(?:-P|--permission-set)(?:=(.*))?$/.exec(word);
    // `-P` alone loads the set called `default`.
    if (match) return match[1] || "default";
  }
  return undefined;
}

/** The permissions a deno.json permission set can hold, in the order their flags are written. */
const PERMISSIONS = ["net", "read", "write", "env", "sys", "run", "ffi", "import"] as const;

/** `true` → `--allow-x`, `false` → nothing, a list of strings → `--allow-x=a,b`; anything else is refused. */
function permissionFlag(mode: "allow" | "deny", name: string, value: unknown): string[] {
  if (value === false) return [];
  if (value === true) return [`--${mode}-${name}`];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string")) {
    return [`--${mode}-${name}=${value.join(",")}`];
  }
  throw new Error(`Cannot turn ${name}.${mode} = ${JSON.stringify(value)} into a flag`);
}

/**
 * The `--allow-*` / `--deny-*` flags equivalent to a deno.json permission set (each permission `true`, a list, or
 * `{ allow, deny }`). A shape it does not know (an unknown permission, `ignore`, `all`) is an error rather than a
 * permission silently left out.
 */
export function permissionSetFlags(set: Record<string, unknown>, name = "the permission set"): string[] {
  const unknown = Object.keys(set).filter((key) => !(PERMISSIONS as readonly string[]).includes(key));
  if (unknown.length) throw new Error(`Cannot turn ${name} into flags: unsupported ${unknown.join(", ")}`);
  const flags: string[] = [];
  for (const permission of PERMISSIONS) {
    const value = set[permission];
    if (value === undefined) continue;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      flags.push(...permissionFlag("allow", permission, value));
      continue;
    }
    const rules: Record<string, unknown> = { ...value };
    const extra = Object.keys(rules).filter((key) => key !== "allow" && key !== "deny");
    if (extra.length) {
      throw new Error(`Cannot turn ${name} into flags: unsupported ${permission}.${extra[0]}`);
    }
    if (rules.allow !== undefined) flags.push(...permissionFlag("allow", permission, rules.allow));
    if (rules.deny !== undefined) flags.push(...permissionFlag("deny", permission, rules.deny));
  }
  return flags;
}

/**
 * Everything `deno run` or `deno compile` needs to run the agent as `deno task start` does: the task's permission
 * set spelled out as flags, the task's own `--allow-*`/`--deny-*` words, then its V8 settings.
 */
export async function startFlags(
  denoJson: URL = new URL("../deno.json", import.meta.url),
): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(denoJson)) as {
    tasks?: Record<string, string>;
    permissions?: Record<string, Record<string, unknown>>;
  };
  const start = config.tasks?.start;
  if (!start) throw new Error(`Cannot find the "start" task in ${denoJson.pathname}`);
  const setName = permissionSetName(start);
  const set = setName === undefined ? undefined : config.permissions?.[setName];
  if (setName !== undefined && !set) {
    throw new Error(
      `Cannot find the permission set "${setName}" of the "start" task in ${denoJson.pathname}`,
    );
  }
  const fromSet = set ? permissionSetFlags(set, `permission set "${setName}"`) : [];
  return [...fromSet, ...permissionFlags(start), ...v8Flags(start)];
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
