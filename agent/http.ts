/**
 * Small HTTP helpers shared by the two outbound clients (Kubernetes and the Master). Every body the other side
 * sizes is read through them: bounded while it is read, never buffered whole first.
 *
 * @module
 */

/** Reads at most `limit` characters of a body and releases the rest: error pages do not belong in a log line. */
export async function readBounded(response: Response, limit: number): Promise<string> {
  const { text } = await readLimited(response, limit);
  return text.slice(0, limit);
}

/** What {@linkcode readLimited} read. */
export interface LimitedBody {
  /** The body (its first `maxBytes` bytes when it was larger), decoded as UTF-8. */
  text: string;
  /** The body had more than `maxBytes` bytes; the rest was not read. */
  truncated: boolean;
}

/**
 * Reads a body up to `maxBytes` bytes, then cancels the stream: memory grows by at most about `maxBytes` (plus
 * one network chunk) whatever the sender does. A cut never splits a UTF-8 character.
 */
export async function readLimited(response: Response, maxBytes: number): Promise<LimitedBody> {
  if (!response.body) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let end = size;
  if (truncated) {
    // Drop a last character the cut left incomplete: find its lead byte, compare its length with what is left.
    let lead = end - 1;
    while (lead > 0 && end - lead < 4 && (bytes[lead] & 0xc0) === 0x80) lead--;
    const first = bytes[lead] ?? 0;
    const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
    if (lead + length > end) end = lead;
  }
  return { text: new TextDecoder().decode(bytes.subarray(0, end)), truncated };
}

/** `2097152` → `2 MiB`, `65536` → `64 KiB`, `100` → `100 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
