/**
 * `deno task snapshot`: connect with the normal configuration, wait for the informers, print one
 * `ClusterSnapshot` as JSON on stdout (or a per-kind count table with `--summary`) and exit. This is the dry run
 * of what the agent would send to the Master; nothing is sent.
 *
 * Exit codes: 0 printed; 1 the cluster could not be reached or a kind never synced within the timeout (the
 * kinds are named); 2 invalid configuration or arguments.
 *
 * @module
 */

import { Agent } from "./agent.ts";
import { type AgentConfig, ConfigError, loadConfig, parseDuration, readEnv, SETTINGS } from "./config.ts";
import { streamParts } from "./gateway/mod.ts";
import { RESOURCE_NAMES } from "./informer/mod.ts";
import { SNAPSHOT_FIELDS } from "./repository/mod.ts";
import { errorText, type Logger } from "./log.ts";

const USAGE = `Usage: deno task snapshot [--summary] [--timeout <duration>]

Prints one ClusterSnapshot (what the agent would push) as JSON on stdout, or with --summary a count per kind.
Configuration comes from the same environment variables as the agent (see: deno task start --help).
--timeout defaults to AGENT_TIMEOUT_SNAPSHOT_COLLECT (30s).`;

interface Args {
  summary: boolean;
  timeoutMs?: number;
  help: boolean;
}

function parseArgs(args: readonly string[]): Args | string {
  const parsed: Args = { summary: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--summary") parsed.summary = true;
    else if (arg === "--help" || arg === "-h") parsed.help = true;
    else if (arg === "--timeout" || arg.startsWith("--timeout=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[++i];
      const ms = value === undefined ? undefined : parseDuration(value);
      if (ms === undefined) {
        return `Invalid --timeout ${JSON.stringify(value ?? "")}: use Go syntax such as 30s or 2m`;
      }
      parsed.timeoutMs = ms;
    } else return `Unknown argument ${JSON.stringify(arg)}`;
  }
  return parsed;
}

/** Logs to stderr only from warnings up, so stdout carries nothing but the snapshot. */
function stderrLogger(): Logger {
  const write = (level: string) => (message: string) => console.error(`${level} ${message}`);
  return { debug: () => {}, info: () => {}, warn: write("WARN"), error: write("ERROR") };
}

/** Where the command writes: text lines, and the snapshot JSON as a byte stream. */
export interface SnapshotCommandIo {
  /** Writes a line to standard output. */
  out: (text: string) => void;
  /** Writes a line to standard error. */
  err: (text: string) => void;
  /** Writes the snapshot JSON followed by a newline (default: streamed to standard output). */
  json?: (body: ReadableStream<Uint8Array>) => Promise<void>;
}

/**
 * Streams JSON to standard output in chunks, so printing a large snapshot never holds it whole: the gzip body is
 * decompressed as it is written.
 */
async function streamToStdout(body: ReadableStream<Uint8Array>): Promise<void> {
  await body.pipeTo(Deno.stdout.writable, { preventClose: true });
  await Deno.stdout.write(new Uint8Array([0x0a]));
}

/** Runs the command; returns the exit code. Output goes to the given writers (stdout / stderr by default). */
export async function snapshotCommand(
  args: readonly string[],
  io: SnapshotCommandIo = {
    out: (text) => console.log(text),
    err: (text) => console.error(text),
  },
): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    io.err(`${parsed}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.out(USAGE);
    return 0;
  }
  let config: AgentConfig;
  try {
    config = loadConfig(readEnv(SETTINGS.map((s) => s.env)));
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  }
  const logger = stderrLogger();
  let agent: Agent;
  try {
    agent = await Agent.create(config, { logger: () => logger });
  } catch (error) {
    io.err(`Cannot build a snapshot: ${errorText(error)}`);
    return 1;
  }
  try {
    agent.startCaches();
    const timeoutMs = parsed.timeoutMs ?? config.snapshotCollectTimeoutMs;
    const [result] = await Promise.all([
      agent.informers.ready({ timeoutMs }),
      agent.metricsPoller.pollOnce().catch(() => undefined),
    ]);
    if (result.pending.length) {
      const detail = agent.informers.status()
        .filter((s) => result.pending.includes(s.kind))
        .map((s) => `${s.kind}${s.lastError ? ` (${s.lastError.message})` : ""}`);
      io.err(
        `Cannot build a snapshot: these kinds did not sync within ${timeoutMs} ms: ${detail.join("; ")}`,
      );
      return 1;
    }
    if (result.unavailable.length) {
      io.err(`Skipped kinds (forbidden or not served): ${result.unavailable.join(", ")}`);
    }
    const built = agent.snapshots.build();
    if (parsed.summary) io.out(summaryTable(agent, built.counts));
    else {
      const json = streamParts(built.parts).pipeThrough(new DecompressionStream("gzip"));
      await (io.json ?? streamToStdout)(json);
    }
    return 0;
  } finally {
    await agent.stop();
  }
}

function summaryTable(agent: Agent, counts: Readonly<Record<string, number>>): string {
  const status = new Map(agent.informers.status().map((s) => [s.kind, s]));
  const rows = RESOURCE_NAMES.map((name) => {
    const kind = status.get(name);
    const state = !kind ? "disabled" : kind.synced ? "synced" : kind.health;
    const field = SNAPSHOT_FIELDS[name];
    return [field, String(counts[field] ?? 0), state];
  });
  const header = ["FIELD", "COUNT", "STATE"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  ");
  return [line(header), ...rows.map(line)].join("\n").trimEnd();
}

if (import.meta.main) {
  Deno.exit(await snapshotCommand(Deno.args));
}
