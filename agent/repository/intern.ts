/**
 * A bounded table of repeated short strings. Values parsed from JSON are fresh strings every time, so the same
 * namespace, node name, phase or pull policy would otherwise be held once per object; the table hands back one
 * shared instance. It stops growing at {@linkcode MAX_INTERNED} entries (names, uids and IPs are unbounded and
 * must never fill memory); strings longer than {@linkcode MAX_INTERNED_LENGTH} are never kept.
 *
 * @module
 */

/** Entries after which new strings are returned as they are (about 1 MiB of keys at the length cap). */
export const MAX_INTERNED = 16_384;
/** Longer strings are rarely repeated values (they are messages, images with digests, JSON). */
export const MAX_INTERNED_LENGTH = 64;

const table = new Map<string, string>();

/** The shared instance of `value` (`value` itself when it is new and the table is full, or too long). */
export function intern(value: string): string {
  if (value.length > MAX_INTERNED_LENGTH) return value;
  const shared = table.get(value);
  if (shared !== undefined) return shared;
  if (table.size < MAX_INTERNED) table.set(value, value);
  return value;
}

/** Number of strings in the table (for tests and metrics). */
export function internedCount(): number {
  return table.size;
}
