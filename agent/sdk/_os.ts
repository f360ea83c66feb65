/**
 * The only file of the connection layer that touches `Deno.*`: file reads, environment, the home directory,
 * permission checks and child processes, behind the small {@linkcode OsSeam} so tests can swap any part.
 *
 * @module
 */

import { errorText } from "../log.ts";

/** What {@linkcode OsSeam.stat} reports about an existing path. */
export interface FileStat {
  /** Whether the path is a regular file (after following symlinks). */
  isFile: boolean;
  /** Last modification time in milliseconds since the epoch, when the platform reports it. */
  mtimeMs?: number;
}

/** Options of {@linkcode OsSeam.run}. */
export interface RunOptions {
  /** Command-line arguments. */
  args: string[];
  /** Variables added to the inherited environment. */
  env: Record<string, string>;
  /** Kills the child when it aborts. */
  signal?: AbortSignal;
}

/** The outcome of a child process that started. */
export interface RunOutput {
  /** Exit code. */
  code: number;
  /** Signal that ended the child, if any. */
  signal?: string;
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
}

/** The operating-system operations the connection layer needs; {@linkcode denoOs} is the real one. */
export interface OsSeam {
  /** Reads a UTF-8 file; rejects with an error named `NotFound` when it does not exist. */
  readTextFile(path: string): Promise<string>;
  /** Describes a path, or `undefined` when nothing exists there. */
  stat(path: string): Promise<FileStat | undefined>;
  /** An environment variable, or `undefined` when unset or not readable without a permission prompt. */
  env(name: string): string | undefined;
  /** The user's home directory, or `undefined` when unknown. */
  homeDir(): string | undefined;
  /** Whether reading `path` is already permitted (so reading it never prompts). */
  canRead(path: string): Promise<boolean>;
  /** Runs a command to completion; rejects with an error named `NotFound` when the command does not exist. */
  run(command: string, options: RunOptions): Promise<RunOutput>;
}

const DECODER = new TextDecoder();

/** The real {@linkcode OsSeam}, backed by the Deno runtime. */
export const denoOs: OsSeam = {
  readTextFile(path) {
    return Deno.readTextFile(path);
  },
  async stat(path) {
    try {
      const info = await Deno.stat(path);
      return { isFile: info.isFile, mtimeMs: info.mtime?.getTime() };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  },
  env(name) {
    // Querying first keeps an optional variable from prompting (or throwing) when `--allow-env` omits it.
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
    return Deno.env.get(name);
  },
  homeDir() {
    return this.env("HOME") ?? this.env("USERPROFILE");
  },
  async canRead(path) {
    return (await Deno.permissions.query({ name: "read", path })).state === "granted";
  },
  async run(command, options) {
    const output = await new Deno.Command(command, {
      args: options.args,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: options.signal,
    }).output();
    return {
      code: output.code,
      signal: output.signal ?? undefined,
      stdout: DECODER.decode(output.stdout),
      stderr: DECODER.decode(output.stderr),
    };
  },
};

/** A short, human-readable reason for a failed file read or command run, e.g. `file not found`. */
export function describeOsError(error: unknown, options: { what?: "file" | "command" } = {}): string {
  const name = error instanceof Error ? error.name : "";
  switch (name) {
    case "NotFound":
      return options.what === "command" ? "command not found" : "file not found";
    case "NotCapable":
    case "PermissionDenied":
      return `permission denied: ${firstLine(error)}`;
    case "IsADirectory":
      return "is a directory";
    default:
      return firstLine(error);
  }
}

/** Whether `error` means the file or command does not exist. */
export function isMissing(error: unknown): boolean {
  return error instanceof Error && error.name === "NotFound";
}

function firstLine(error: unknown): string {
  const message = errorText(error);
  return message.split("\n", 1)[0];
}
