/**
 * Bounded echoes of remote input: whatever the Master (or a Kubernetes object) sends may be quoted in a result or
 * a log line, but only its first few hundred characters, with its full size noted. A 1 MiB action name must not
 * become a 1 MiB error result or megabytes of log lines.
 *
 * @module
 */

/** Characters of remote input quoted in results and log lines. */
export const MAX_ECHO_CHARS = 200;

/**
 * `text` cut to `max` characters; a cut text ends with `…` and its full length, e.g. `aaaa… (1048576 chars)`.
 * Control characters become `?` so a quoted value cannot forge extra log lines.
 */
export function bounded(text: string, max: number = MAX_ECHO_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  // deno-lint-ignore no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f]/g, "?");
}

/** A remote value in double quotes, bounded as {@linkcode bounded} does: `"web"`, `"aaaa…" (1048576 chars)`. */
export function quote(value: unknown, max: number = MAX_ECHO_CHARS): string {
  const text = typeof value === "string" ? value : String(value);
  const safe = (s: string) =>
    // deno-lint-ignore no-control-regex
    JSON.stringify(s).slice(1, -1).replace(/[\u0000-\u001f\u007f]/g, "?");
  if (text.length <= max) return `"${safe(text)}"`;
  return `"${safe(text.slice(0, max))}…" (${text.length} chars)`;
}

/**
 * A URL for logs and messages: userinfo (`user:password@`) becomes `***@`, so credentials in AGENT_MASTER_URL
 * never reach a log line. Text that is not a URL is returned with any `scheme://…@` part masked the same way.
 */
export function withoutUserinfo(url: string): string {
  return url.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, "$1***@");
}
