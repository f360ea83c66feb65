/**
 * The deterministic building blocks of the workload simulator: a seeded PRNG, Kubernetes time formats, and the
 * alphabets generated names use.
 *
 * @module
 */

/** A decoded JSON object. */
export type Json = Record<string, unknown>;

/** The alphabet of generated name suffixes (the one Kubernetes uses for `generateName`). */
export const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
/** Hex digits, for uids, hashes and container IDs. */
export const HEX = "0123456789abcdef";

/** Deterministic PRNG (mulberry32) with helpers. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chars(alphabet: string, n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  /** `now` minus a whole number of seconds between `minSeconds` and `maxSeconds`. */
  ago(now: number, maxSeconds: number, minSeconds = 0): number {
    return now - this.int(minSeconds, maxSeconds) * 1000;
  }

  uid(): string {
    const h = this.chars(HEX, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

/** RFC 3339 seconds, as Kubernetes writes `Time`. */
export function time(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

/** RFC 3339 with microseconds, as Kubernetes writes `MicroTime`. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Base64 of a Secret value. */
export function b64(text: string): string {
  return btoa(text);
}

/** FNV-1a of `text`: a seed derived from a name. */
export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
