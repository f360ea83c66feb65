/**
 * Cached JSON fragments of stored model objects, with holes for the fields a snapshot build fills (age, usage,
 * counts).
 *
 * Stored model objects are immutable and replaced on change, so an object's JSON never changes while the object
 * lives: it is stringified once, split around its holes, encoded to UTF-8 and kept in a `WeakMap` keyed by the
 * object (the entry goes away with the object). Each build then only copies the cached bytes and the few hole
 * values into one buffer, which is far cheaper than `JSON.stringify` plus `TextEncoder` of the whole snapshot.
 *
 * @module
 */

/** One build-time field of a kind. */
export interface Hole {
  /** Path from the object to the field; the last element is the field name. */
  readonly path: readonly string[];
  /**
   * A live value changes often (usage, counts) and is written afresh on every build; any other value (age) is
   * baked into the cached bytes until it changes.
   */
  readonly live?: boolean;
}

/** How to cut the fragments of one kind. */
export interface FragmentKind<T> {
  /** Build-time fields. None may be the first field of its parent object (a hole is cut with its leading comma). */
  readonly holes: readonly Hole[];
  /** The creation time of an object, for its `age`; cached per object as epoch milliseconds. */
  createdAt(object: T): string;
  /** A lookup key cached per object (pods: `namespace/name`, for usage). */
  keyOf?(object: T): string;
}

// Sentinels are unique per process so no Kubernetes string can collide with one.
const NONCE = crypto.randomUUID();

function sentinel(index: number): string {
  return `\u0000${NONCE}:${index}`;
}

const encoder = new TextEncoder();

/** A build-time value: JSON text, pre-encoded JSON bytes, or `undefined` to omit the field (Go `omitempty`). */
export type Fill = string | Uint8Array | undefined;

/**
 * A growable UTF-8 output buffer. Cached fragments are kept as bytes, so assembling a snapshot is mostly
 * `Uint8Array.set` (memcpy) and the push path never runs a 30 MB `TextEncoder.encode`.
 */
export class ByteSink {
  #buffer: Uint8Array;
  #length = 0;

  /**
   * @param capacity initial size in bytes (e.g. the previous snapshot's size)
   * @param reuse a buffer to write into instead of allocating one, when it is large enough
   */
  constructor(capacity: number, reuse?: Uint8Array) {
    this.#buffer = reuse && reuse.length >= capacity ? reuse : new Uint8Array(Math.max(1024, capacity));
  }

  /** Appends bytes. */
  bytes(chunk: Uint8Array): void {
    this.#reserve(chunk.length);
    this.#buffer.set(chunk, this.#length);
    this.#length += chunk.length;
  }

  /** Appends `source[start, end)`. */
  range(source: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    this.#reserve(end - start);
    this.#buffer.set(source.subarray(start, end), this.#length);
    this.#length += end - start;
  }

  /** Appends text as UTF-8. */
  text(value: string): void {
    const n = value.length;
    this.#reserve(n * 3);
    const buffer = this.#buffer;
    let at = this.#length;
    // Build-time values are short ASCII (ages, quantities, counts): skip the encoder call for them.
    if (n <= 64) {
      let i = 0;
      for (; i < n; i++) {
        const code = value.charCodeAt(i);
        if (code > 0x7f) break;
        buffer[at + i] = code;
      }
      if (i === n) {
        this.#length = at + n;
        return;
      }
      at = this.#length;
    }
    this.#length = at + encoder.encodeInto(value, buffer.subarray(at)).written;
  }

  /** Appends a fill value. */
  fill(value: string | Uint8Array): void {
    if (typeof value === "string") this.text(value);
    else this.bytes(value);
  }

  /** Forgets the written bytes, keeping the buffer for reuse. */
  reset(): void {
    this.#length = 0;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** The written bytes (a view; the sink must not be used afterwards). */
  result(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    const next = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
    next.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = next;
  }
}

/**
 * The cached JSON of one object as UTF-8 bytes, with its stable fills (age) baked in and gaps at its live holes
 * (usage, counts). A build copies the segments between the gaps and writes the live values into them; the bytes
 * are re-spliced only when a stable fill changes (ages move in minutes, hours or days).
 */
export class Fragment {
  /** Creation time in epoch milliseconds (`NaN` when unknown). */
  readonly createdMs: number;
  /** The kind's lookup key for this object (`""` when the kind has none). */
  readonly key: string;
  /** Build memo: the age JSON last computed, and the times between which it stays right. */
  ageJson = "";
  ageFrom = Infinity;
  ageUntil = -Infinity;
  /** Per hole in text order: `,"key":`, its index in the kind's holes (and fills), and whether it is live. */
  readonly #prefixes: Uint8Array[];
  readonly #order: number[];
  readonly #live: boolean[];
  #bytes: Uint8Array;
  /** Offsets in `#bytes` of the static pieces (holes + 1) and of the segments between live holes. */
  #pieceStarts: number[] = [];
  #pieceEnds: number[] = [];
  #segmentStarts: number[] = [];
  #segmentEnds: number[] = [];
  /** The stable fills baked into `#bytes`, by hole index; `undefined` before the first write. */
  #baked: Fill[] | undefined;

  constructor(init: {
    createdMs: number;
    key: string;
    pieces: Uint8Array[];
    holes: { prefix: Uint8Array; index: number; live: boolean }[];
  }) {
    const { pieces, holes } = init;
    this.createdMs = init.createdMs;
    this.key = init.key;
    this.#prefixes = holes.map((h) => h.prefix);
    this.#order = holes.map((h) => h.index);
    this.#live = holes.map((h) => h.live);
    // Until the first write the bytes are the bare pieces; `#splice` lays them out with the fills.
    this.#bytes = concat(pieces, this.#pieceStarts, this.#pieceEnds);
  }

  /** Appends the object's JSON to `out`; `fills[i]` is the value of hole `i`, `undefined` to omit it. */
  write(out: ByteSink, fills: readonly Fill[]): void {
    if (!this.#stableFillsMatch(fills)) this.#splice(fills);
    const bytes = this.#bytes;
    const starts = this.#segmentStarts;
    const ends = this.#segmentEnds;
    out.range(bytes, starts[0], ends[0]);
    let segment = 1;
    for (let i = 0; i < this.#order.length; i++) {
      if (!this.#live[i]) continue;
      const fill = fills[this.#order[i]];
      if (fill !== undefined) {
        out.bytes(this.#prefixes[i]);
        out.fill(fill);
      }
      out.range(bytes, starts[segment], ends[segment]);
      segment++;
    }
  }

  #stableFillsMatch(fills: readonly Fill[]): boolean {
    const baked = this.#baked;
    if (baked === undefined) return false;
    for (let i = 0; i < this.#order.length; i++) {
      const index = this.#order[i];
      if (!this.#live[i] && baked[index] !== fills[index]) return false;
    }
    return true;
  }

  #splice(fills: readonly Fill[]): void {
    const old = this.#bytes;
    const sink = scratch;
    sink.reset();
    const pieceStarts: number[] = [];
    const pieceEnds: number[] = [];
    const segmentStarts: number[] = [0];
    const segmentEnds: number[] = [];
    const holes = this.#order.length;
    for (let i = 0; i <= holes; i++) {
      pieceStarts.push(sink.length);
      sink.range(old, this.#pieceStarts[i], this.#pieceEnds[i]);
      pieceEnds.push(sink.length);
      if (i === holes) break;
      if (this.#live[i]) {
        segmentEnds.push(sink.length);
        segmentStarts.push(sink.length);
        continue;
      }
      const fill = fills[this.#order[i]];
      if (fill !== undefined) {
        sink.bytes(this.#prefixes[i]);
        sink.fill(fill);
      }
    }
    segmentEnds.push(sink.length);
    this.#bytes = sink.result().slice();
    this.#pieceStarts = pieceStarts;
    this.#pieceEnds = pieceEnds;
    this.#segmentStarts = segmentStarts;
    this.#segmentEnds = segmentEnds;
    const baked: Fill[] = [];
    for (let i = 0; i < holes; i++) if (!this.#live[i]) baked[this.#order[i]] = fills[this.#order[i]];
    this.#baked = baked;
  }
}

function concat(pieces: Uint8Array[], starts: number[], ends: number[]): Uint8Array {
  const sink = new ByteSink(pieces.reduce((n, p) => n + p.length, 0));
  for (const piece of pieces) {
    starts.push(sink.length);
    sink.bytes(piece);
    ends.push(sink.length);
  }
  return sink.result();
}

// Splicing happens one object at a time, so one buffer serves every fragment.
const scratch = new ByteSink(64 * 1024);

/** Fragments of every live object of one kind. */
export class FragmentCache<T extends object> {
  readonly #kind: FragmentKind<T>;
  #entries = new WeakMap<T, Fragment>();

  constructor(kind: FragmentKind<T>) {
    this.#kind = kind;
  }

  /** The fragment of `object`, cut on first use. */
  get(object: T): Fragment {
    let fragment = this.#entries.get(object);
    if (fragment === undefined) {
      fragment = cut(object, this.#kind);
      this.#entries.set(object, fragment);
    }
    return fragment;
  }

  /** Forgets every fragment (objects that are still alive are cut again on next use). */
  clear(): void {
    this.#entries = new WeakMap();
  }
}

function cut<T extends object>(object: T, kind: FragmentKind<T>): Fragment {
  const createdMs = Date.parse(kind.createdAt(object));
  let marked: unknown = object;
  const tokens: { index: number; token: string; prefix: string }[] = [];
  kind.holes.forEach((hole, index) => {
    const value = sentinel(index);
    marked = setPath(marked, hole.path, 0, value);
    const prefix = `,${JSON.stringify(hole.path[hole.path.length - 1])}:`;
    tokens.push({ index, token: prefix + JSON.stringify(value), prefix });
  });
  const json = JSON.stringify(marked);
  const found = tokens.map((t) => ({ ...t, at: json.indexOf(t.token) }));
  for (const f of found) {
    if (f.at < 0) {
      throw new Error(`Cannot cut JSON fragment: hole "${kind.holes[f.index].path.join(".")}" not found`);
    }
  }
  found.sort((a, b) => a.at - b.at);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const f of found) {
    pieces.push(encoder.encode(json.slice(start, f.at)));
    start = f.at + f.token.length;
  }
  pieces.push(encoder.encode(json.slice(start)));
  return new Fragment({
    createdMs,
    key: kind.keyOf?.(object) ?? "",
    pieces,
    holes: found.map((f) => ({
      prefix: encoder.encode(f.prefix),
      index: f.index,
      live: kind.holes[f.index].live === true,
    })),
  });
}

// Copies only the objects along `path`, so the stored object is never modified.
function setPath(target: unknown, path: readonly string[], depth: number, value: string): unknown {
  const copy: Record<string, unknown> = { ...(target as Record<string, unknown> | undefined) };
  const key = path[depth];
  copy[key] = depth === path.length - 1 ? value : setPath(copy[key], path, depth + 1, value);
  return copy;
}
