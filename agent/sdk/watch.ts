/**
 * Decoding of the API server's watch stream: one JSON document per line, split across arbitrary chunks.
 *
 * A hand-written reader loop instead of a `pipeThrough` chain of `TransformStream`s: the informer ingests tens of
 * thousands of events per second and each stream stage costs a promise hop per chunk. The behaviour is the same
 * as `TextDecoderStream → line splitter → JSON.parse`.
 *
 * @module
 */

import type { WatchEvent } from "./types.ts";

const WATCH_TYPES = new Set(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

/** Options of {@linkcode readWatchEvents}. */
export interface ReadWatchOptions {
  /** Called for every chunk of bytes received (idle watchdogs reset on it). */
  onActivity?: () => void;
  /** Cancels the read; the iterator then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A line of the watch stream that is not a watch event: the stream is corrupt. */
export class WatchDecodeError extends Error {
  override readonly name = "WatchDecodeError";
}

/**
 * Yields the events of a watch response body. Ends when the server ends the stream; a trailing partial line is
 * decoded if it is complete JSON (servers end every event with a newline, but a proxy may not).
 */
export async function* readWatchEvents<T>(
  body: ReadableStream<Uint8Array>,
  options: ReadWatchOptions = {},
): AsyncGenerator<WatchEvent<T>> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const signal = options.signal;
  // Cancel the reader ourselves: once nothing references the Response, Deno's fetch may no longer follow the
  // request's signal, and a pending read on a quiet watch would then never settle.
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let pending = "";
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (signal?.aborted) throw signal.reason;
      if (done) break;
      options.onActivity?.();
      pending += decoder.decode(value, { stream: true });
      let start = 0;
      let newline = pending.indexOf("\n", start);
      while (newline !== -1) {
        const line = pending.slice(start, newline);
        start = newline + 1;
        const event = decodeLine<T>(line);
        if (event) yield event;
        newline = pending.indexOf("\n", start);
      }
      pending = start === 0 ? pending : pending.slice(start);
    }
    pending += decoder.decode();
    const last = decodeLine<T>(pending);
    if (last) yield last;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // Releasing on early exit (break, abort, watchdog) closes the connection instead of leaking it.
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Decodes one line; blank lines (keep-alives) give `undefined`. */
export function decodeLine<T>(line: string): WatchEvent<T> | undefined {
  const text = line.trim();
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new WatchDecodeError(`Cannot decode watch event: invalid JSON: ${(error as Error).message}`);
  }
  if (!isWatchEvent(value)) {
    throw new WatchDecodeError(`Cannot decode watch event: not an event: ${text.slice(0, 120)}`);
  }
  return value as WatchEvent<T>;
}

function isWatchEvent(value: unknown): value is { type: string; object: object } {
  if (typeof value !== "object" || value === null) return false;
  const event = value as { type?: unknown; object?: unknown };
  return typeof event.type === "string" && WATCH_TYPES.has(event.type) &&
    typeof event.object === "object" && event.object !== null;
}
