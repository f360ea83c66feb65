/**
 * Scripted pod logs and the `pods/{name}/log` subresource: container choice and its errors, `tailLines`,
 * `previous`, `timestamps`, `limitBytes`, `sinceSeconds`/`sinceTime` and `follow`.
 *
 * @module
 */

import { badRequest } from "./status.ts";
import { isObj, type LogGenerator, type LogLine, metaString, type Obj } from "./types.ts";

/** Options of {@linkcode PodLogs.set}. */
export interface SetLogOptions {
  /** Lines of the previous (terminated) instance of the container. */
  previous?: boolean;
}

/** Stored log lines per pod, container and instance. */
export class PodLogs {
  #lines = new Map<string, LogLine[]>();
  #followers = new Map<string, Set<(line: LogLine) => void>>();
  /** Fallback for containers without scripted lines. */
  generator: LogGenerator | undefined;

  #key(namespace: string, pod: string, container: string, previous: boolean): string {
    return `${namespace}/${pod}/${container}/${previous ? "previous" : "current"}`;
  }

  /** Replaces the lines of a container; plain strings are stamped one second apart, ending now. */
  set(
    namespace: string,
    pod: string,
    container: string,
    lines: readonly (string | LogLine)[],
    options: SetLogOptions = {},
  ): void {
    this.#lines.set(this.#key(namespace, pod, container, options.previous ?? false), stamp(lines));
  }

  /** Appends lines to a container's current log and pushes them to `follow` streams. */
  append(namespace: string, pod: string, container: string, lines: readonly (string | LogLine)[]): void {
    const key = this.#key(namespace, pod, container, false);
    const stamped = stamp(lines, Date.now());
    this.#lines.set(key, [...(this.#lines.get(key) ?? []), ...stamped]);
    for (const follower of this.#followers.get(key) ?? []) for (const line of stamped) follower(line);
  }

  /** Registers a `follow` listener; returns the unregister function. */
  follow(namespace: string, pod: string, container: string, listener: (line: LogLine) => void): () => void {
    const key = this.#key(namespace, pod, container, false);
    const set = this.#followers.get(key) ?? new Set();
    set.add(listener);
    this.#followers.set(key, set);
    return () => set.delete(listener);
  }

  /** Resolves the container and the lines a log request answers with (before tail/limit options). */
  resolve(pod: Obj, query: Record<string, string>): { container: string; lines: LogLine[] } {
    const name = metaString(pod, "name");
    const namespace = metaString(pod, "namespace");
    const spec = isObj(pod.spec) ? pod.spec : {};
    const names = (key: string) =>
      Array.isArray(spec[key]) ? (spec[key] as unknown[]).filter(isObj).map((c) => String(c.name)) : [];
    const containers = names("containers");
    const inits = names("initContainers");
    const ephemeral = names("ephemeralContainers");
    let container = query.container ?? "";
    if (!container) {
      if (containers.length !== 1) {
        let message = `a container name must be specified for pod ${name}, choose one of: [${
          containers.join(" ")
        }]`;
        if (inits.length) message += ` or one of the init containers: [${inits.join(" ")}]`;
        throw badRequest(message);
      }
      container = containers[0];
    }
    if (![...containers, ...inits, ...ephemeral].includes(container)) {
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    }
    const previous = query.previous === "true" || query.previous === "1";
    let lines = this.#lines.get(this.#key(namespace, name, container, previous));
    if (!lines && this.generator) {
      const generated = this.generator(pod, container, previous);
      if (generated) lines = stamp(generated);
    }
    if (!lines && previous) {
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    }
    return { container, lines: lines ?? [] };
  }
}

function stamp(lines: readonly (string | LogLine)[], end = Date.now()): LogLine[] {
  return lines.map((line, i) =>
    typeof line === "string" ? { time: end - (lines.length - 1 - i) * 1000, text: line } : { ...line }
  );
}

/** Renders one line, with an RFC 3339 nano timestamp prefix when asked. */
export function renderLine(line: LogLine, timestamps: boolean): string {
  if (!timestamps) return line.text + "\n";
  const iso = new Date(line.time).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
  return `${iso} ${line.text}\n`;
}

/** Applies `sinceSeconds`/`sinceTime`, `tailLines`, `timestamps` and `limitBytes` to the lines. */
export function renderLog(lines: LogLine[], query: Record<string, string>): string {
  let selected = lines;
  const since = query.sinceSeconds !== undefined
    ? Date.now() - Number(query.sinceSeconds) * 1000
    : query.sinceTime !== undefined
    ? Date.parse(query.sinceTime)
    : undefined;
  if (since !== undefined && !Number.isNaN(since)) selected = selected.filter((l) => l.time >= since);
  if (query.tailLines !== undefined) {
    const tail = Number(query.tailLines);
    if (!Number.isInteger(tail) || tail < 0) {
      throw badRequest("tailLines: Invalid value: must be non-negative");
    }
    selected = tail === 0 ? [] : selected.slice(-tail);
  }
  const timestamps = query.timestamps === "true" || query.timestamps === "1";
  let text = selected.map((l) => renderLine(l, timestamps)).join("");
  if (query.limitBytes !== undefined) {
    const limit = Number(query.limitBytes);
    if (!Number.isInteger(limit) || limit < 1) {
      throw badRequest("limitBytes: Invalid value: must be greater than 0");
    }
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > limit) text = new TextDecoder().decode(bytes.slice(0, limit));
  }
  return text;
}
