/**
 * One representation per cached object: its wire JSON as UTF-8 bytes with holes for the fields a snapshot build
 * fills (age, usage, counts), plus the small typed record the cross-object computations read. The model object a
 * converter returns is cut into a {@linkcode Packed} at ingest and dropped; the snapshot writer later moves the
 * bytes into compressed chunks (`agent/service/_chunks.ts`) and the packed object keeps only offsets.
 *
 * @module
 */

/** One build-time field of a kind. */
export interface Hole {
  /** Path from the object to the field; the last element is the field name. */
  readonly path: readonly string[];
}

/** How to cut the objects of one kind. */
export interface FragmentKind<M, R> {
  /** Build-time fields. None may be the first field of its parent object (a hole is cut with its leading comma). */
  readonly holes: readonly Hole[];
  /** The creation time of an object, for its `age`. */
  createdAt(model: M): string;
  /** The small record the snapshot's cross-object computations read. */
  record(model: M): R;
}

/** A build-time value: JSON text, or `undefined` to omit the field (Go `omitempty`). */
export type Fill = string | undefined;

// Sentinels are unique per process so no Kubernetes string can collide with one.
const NONCE = crypto.randomUUID();
const encoder = new TextEncoder();

/**
 * The packed form of one stored object. Stored objects are immutable: a change in the cluster replaces the whole
 * packed object, so its bytes never change while it lives. The fields after `record` belong to the snapshot
 * writer (memos and the place of the bytes once compressed).
 */
export class Packed<R> {
  /** What the cross-object computations read (namespace, phase, node name, ...). */
  readonly record: R;
  /** Creation time in epoch milliseconds (`NaN` when unknown). */
  readonly createdMs: number;
  /**
   * The JSON with every hole removed, as UTF-8; `undefined` once the writer moved the bytes into a compressed
   * chunk (the writer can restore it from there).
   */
  raw: Uint8Array | undefined;
  /** Byte offsets in {@linkcode raw} where the holes go, in text order. */
  readonly cuts: readonly number[];
  /** The kind's hole index of each cut (text order may differ from the kind's order). */
  readonly holes: readonly number[];
  /** Writer memo: the age JSON last computed, and the times between which it stays right. */
  ageJson = "";
  ageFrom = Infinity;
  ageUntil = -Infinity;
  /** Writer state: the compressed chunk holding the bytes, and the fills baked into them. */
  chunk: object | undefined = undefined;
  baked: readonly Fill[] | undefined = undefined;
  /** Writer state of the current build. */
  epoch = 0;
  fills: readonly Fill[] | undefined = undefined;

  constructor(
    record: R,
    createdMs: number,
    raw: Uint8Array,
    cuts: readonly number[],
    holes: readonly number[],
  ) {
    this.record = record;
    this.createdMs = createdMs;
    this.raw = raw;
    this.cuts = cuts;
    this.holes = holes;
  }
}

// Text orders of holes are few per kind (usually one): share the arrays instead of one per object.
const holeOrders = new Map<string, readonly number[]>();

function sharedOrder(order: number[]): readonly number[] {
  const key = order.join(",");
  let shared = holeOrders.get(key);
  if (shared === undefined) {
    shared = Object.freeze(order);
    holeOrders.set(key, shared);
  }
  return shared;
}

/** Cuts a model object into its packed form; the model object is not retained. */
export function pack<M extends object, R>(model: M, kind: FragmentKind<M, R>): Packed<R> {
  const createdMs = Date.parse(kind.createdAt(model));
  const record = kind.record(model);
  if (kind.holes.length === 0) {
    return new Packed(record, createdMs, encoder.encode(JSON.stringify(model)), [], []);
  }
  let marked: unknown = model;
  const tokens: { index: number; token: string }[] = [];
  kind.holes.forEach((hole, index) => {
    const value = `\u0000${NONCE}:${index}`;
    marked = setPath(marked, hole.path, 0, value);
    tokens.push({
      index,
      token: `,${JSON.stringify(hole.path[hole.path.length - 1])}:${JSON.stringify(value)}`,
    });
  });
  const json = JSON.stringify(marked);
  const found = tokens.map((t) => ({ ...t, at: json.indexOf(t.token) }));
  for (const f of found) {
    if (f.at < 0) {
      throw new Error(`Cannot cut JSON fragment: hole "${kind.holes[f.index].path.join(".")}" not found`);
    }
  }
  found.sort((a, b) => a.at - b.at);
  let text = "";
  let start = 0;
  const cutsAt: number[] = [];
  for (const f of found) {
    text += json.slice(start, f.at);
    cutsAt.push(text.length);
    start = f.at + f.token.length;
  }
  text += json.slice(start);
  const raw = encoder.encode(text);
  // Character offsets become byte offsets; they differ only when the text before a hole is not ASCII.
  const cuts = raw.length === text.length ? cutsAt : cutsAt.map((at) => utf8Length(text.slice(0, at)));
  return new Packed(record, createdMs, raw, cuts, sharedOrder(found.map((f) => f.index)));
}

/** The `,"key":` prefix of each hole of a kind, by hole index. */
export function holePrefixes(kind: { readonly holes: readonly Hole[] }): Uint8Array[] {
  return kind.holes.map((h) => encoder.encode(`,${JSON.stringify(h.path[h.path.length - 1])}:`));
}

/** Writes `raw` with the fills of its holes into `out` at `at`; returns the end offset. */
export function writeFilled(
  out: Uint8Array,
  at: number,
  packed: { readonly cuts: readonly number[]; readonly holes: readonly number[] },
  raw: Uint8Array,
  fills: readonly Fill[],
  prefixes: readonly Uint8Array[],
): number {
  let from = 0;
  for (let i = 0; i < packed.cuts.length; i++) {
    const cut = packed.cuts[i];
    out.set(raw.subarray(from, cut), at);
    at += cut - from;
    from = cut;
    const index = packed.holes[i];
    const fill = fills[index];
    if (fill === undefined) continue;
    const prefix = prefixes[index];
    out.set(prefix, at);
    at += prefix.length;
    at += writeText(out, at, fill);
  }
  out.set(raw.subarray(from), at);
  return at + raw.length - from;
}

/** Size in bytes of `raw` once filled. */
export function filledLength(
  packed: { readonly cuts: readonly number[]; readonly holes: readonly number[] },
  rawLength: number,
  fills: readonly Fill[],
  prefixes: readonly Uint8Array[],
): number {
  let n = rawLength;
  for (let i = 0; i < packed.holes.length; i++) {
    const fill = fills[packed.holes[i]];
    if (fill !== undefined) n += prefixes[packed.holes[i]].length + utf8Length(fill);
  }
  return n;
}

/** Recovers the hole-free bytes from filled bytes (the inverse of {@linkcode writeFilled}). */
export function unfill(
  filled: Uint8Array,
  packed: { readonly cuts: readonly number[]; readonly holes: readonly number[] },
  fills: readonly Fill[],
  prefixes: readonly Uint8Array[],
): Uint8Array {
  if (packed.cuts.length === 0) return filled.slice();
  const raw = new Uint8Array(filled.length);
  let from = 0;
  let at = 0;
  let previousCut = 0;
  for (let i = 0; i < packed.cuts.length; i++) {
    const span = packed.cuts[i] - previousCut;
    raw.set(filled.subarray(from, from + span), at);
    at += span;
    from += span;
    previousCut = packed.cuts[i];
    const fill = fills[packed.holes[i]];
    if (fill !== undefined) from += prefixes[packed.holes[i]].length + utf8Length(fill);
  }
  raw.set(filled.subarray(from), at);
  at += filled.length - from;
  return raw.slice(0, at);
}

/** UTF-8 length of a string without encoding it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) n += 1;
    else if (code < 0x800) n += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function writeText(out: Uint8Array, at: number, text: string): number {
  const n = text.length;
  let i = 0;
  for (; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) break;
    out[at + i] = code;
  }
  if (i === n) return n;
  return i + encoder.encodeInto(text.slice(i), out.subarray(at + i)).written;
}

// Copies only the objects along `path`, so the converted model is never modified.
function setPath(target: unknown, path: readonly string[], depth: number, value: string): unknown {
  const copy: Record<string, unknown> = { ...(target as Record<string, unknown> | undefined) };
  const key = path[depth];
  copy[key] = depth === path.length - 1 ? value : setPath(copy[key], path, depth + 1, value);
  return copy;
}
