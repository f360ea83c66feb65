/**
 * Logging through LogTape: one sink writing single lines to stderr, as readable text or as JSON lines. This is
 * the only file that knows LogTape; every other module sees the project's small `Logger` shape.
 *
 * @module
 */

import { configure, getLogger, type LogLevel, type LogRecord, resetSync, type Sink } from "@logtape/logtape";
import { type Clock, systemClock } from "../clock.ts";
import type { Logger } from "../log.ts";

/** Lowest level written, as `AGENT_LOG_LEVEL` spells it. */
export type LogLevelName = "debug" | "info" | "warning" | "error";

/** Line format, as `AGENT_LOG_FORMAT` spells it. */
export type LogFormat = "text" | "json";

/** Options of {@linkcode configureLogging}. */
export interface LoggingOptions {
  /** Lowest level written. */
  level: LogLevelName;
  /** `text`: one human-readable line per record; `json`: one JSON object per line. */
  format: LogFormat;
  /** Receives each formatted line, newline included; stderr by default (tests capture lines here). */
  write?: (line: string) => void;
  /** Source of record timestamps; the system clock by default. */
  clock?: Clock;
}

let recordClock: Clock = systemClock;
const encoder = new TextEncoder();

/**
 * Routes every LogTape category to one stderr sink at `level` and up, replacing any earlier configuration. Call it
 * once at start-up; loggers obtained earlier pick the configuration up.
 */
export async function configureLogging(options: LoggingOptions): Promise<void> {
  recordClock = options.clock ?? systemClock;
  const format = options.format === "json" ? formatJsonLine : formatTextLine;
  const write = options.write ?? writeStderr;
  const sink: Sink = (record) => write(format(record));
  await configure({
    reset: true,
    sinks: { stderr: sink },
    loggers: [
      { category: [], lowestLevel: options.level, sinks: ["stderr"] },
      // LogTape's own diagnostics: keep problems, drop its informational chatter, and never print them twice.
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"], parentSinks: "override" },
    ],
  });
}

/** Drops the logging configuration (tests): loggers go silent until {@linkcode configureLogging} runs again. */
export function resetLogging(): void {
  resetSync();
  recordClock = systemClock;
}

/**
 * A logger for `category` (e.g. `["atlhyper", "push"]`) with the project's {@linkcode Logger} shape. Messages are
 * written literally: LogTape would otherwise read `{...}` in a message as a placeholder, and our messages quote API
 * errors and JSON bodies.
 */
export function getAgentLogger(category: readonly string[]): Logger {
  const logger = getLogger([...category]);
  const log = (level: LogLevel, message: string, properties?: Record<string, unknown>) => {
    if (!logger.isEnabledFor(level)) return;
    logger.emit({
      level,
      message: [message],
      rawMessage: message,
      timestamp: recordClock.now(),
      properties: properties ?? {},
    });
  };
  return {
    debug: (message, properties) => log("debug", message, properties),
    info: (message, properties) => log("info", message, properties),
    warn: (message, properties) => log("warning", message, properties),
    error: (message, properties) => log("error", message, properties),
  };
}

/** `2026-01-01T00:00:00.000Z INFO  atlhyper.push: Snapshot pushed trigger=interval latencyMs=12` */
function formatTextLine(record: LogRecord): string {
  const head = `${new Date(record.timestamp).toISOString()} ${TEXT_LEVELS[record.level]} ${
    record.category.join(".")
  }: ${escapeControl(renderMessage(record))}`;
  const pairs = Object.entries(record.properties).map(([key, value]) => `${key}=${textValue(value)}`);
  return `${pairs.length ? `${head} ${pairs.join(" ")}` : head}\n`;
}

/** `{"time":"…","level":"info","category":"atlhyper.push","message":"…","properties":{…}}` */
function formatJsonLine(record: LogRecord): string {
  const line = {
    time: new Date(record.timestamp).toISOString(),
    level: record.level,
    category: record.category.join("."),
    message: renderMessage(record),
    properties: record.properties,
  };
  return `${safeStringify(line)}\n`;
}

const TEXT_LEVELS: Record<LogLevel, string> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO ",
  warning: "WARN ",
  error: "ERROR",
  fatal: "FATAL",
};

function writeStderr(line: string): void {
  // Synchronous on purpose: `main` ends with `Deno.exit`, which would drop lines still queued in a stream.
  const bytes = encoder.encode(line);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

/** Records from other LogTape users carry templates split around their values; join them back. */
function renderMessage(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : plainValue(part)).join("");
}

function plainValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.message;
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return String(value);
  return safeStringify(value);
}

/** logfmt-style: strings bare when unambiguous and JSON-quoted otherwise, objects as JSON, one line always. */
function textValue(value: unknown): string {
  if (typeof value === "string") return BARE_VALUE.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  return plainValue(value);
}

// Control characters would split a record over lines or hide text on a terminal, so they force quoting.
// deno-lint-ignore no-control-regex
const BARE_VALUE = /^[^\s"=\\\x00-\x1f\x7f]+$/;

function escapeControl(text: string): string {
  return text.replace(
    CONTROL_CHARS,
    (c) => CONTROL_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// deno-lint-ignore no-control-regex
const CONTROL_CHARS = /[\x00-\x1f\x7f]/g;
const CONTROL_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** JSON that never throws: errors keep their name and message, bigints become strings, cycles are cut. */
function safeStringify(value: unknown): string {
  // The objects on the path from the root to the current value: a repeat there is a cycle, elsewhere just sharing.
  const path: unknown[] = [];
  return JSON.stringify(value, function (this: unknown, _key: string, item: unknown): unknown {
    if (typeof item === "bigint") return item.toString();
    if (item instanceof Error) {
      item = item.cause === undefined
        ? { name: item.name, message: item.message }
        : { name: item.name, message: item.message, cause: item.cause };
    }
    if (typeof item !== "object" || item === null) return item;
    while (path.length > 0 && path[path.length - 1] !== this) path.pop();
    if (path.includes(item)) return "[Circular]";
    path.push(item);
    return item;
  }) ?? "undefined";
}
