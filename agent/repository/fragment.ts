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
 * packed object, so its JSON never changes while it lives. The fields after `record` belong to the snapshot
 * writer (memos and the place of the bytes once compressed).
 */
export class Packed<R> {
  /** What the cross-object computations read (namespace, phase, node name, ...). */
  readonly record: R;
  /** Creation time in epoch milliseconds (`NaN` when unknown). */
  readonly createdMs: number;
  /**
   * The JSON with every hole removed; `undefined` once the writer moved it into a compressed chunk (the writer
   * can restore it from there). A string on the JS heap, not bytes: tens of thousands of small `Uint8Array`s
   * each own a separately allocated native buffer, and freeing them fragments the process heap (measured: RSS
   * stayed ~100 MiB above the live data after the first build at 10,000 pods).
   */
  raw: string | undefined;
  /** Offsets in {@linkcode raw} (UTF-16 code units) where the holes go, in text order. */
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

  constructor(record: R, createdMs: number, raw: string, cuts: readonly number[], holes: readonly number[]) {
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

const NO_CUTS: readonly number[] = Object.freeze([]);

/** Cuts a model object into its packed form; the model object is not retained. */
export function pack<M extends object, R>(model: M, kind: FragmentKind<M, R>): Packed<R> {
  const createdMs = Date.parse(kind.createdAt(model));
  const record = kind.record(model);
  if (kind.holes.length === 0) return new Packed(record, createdMs, JSON.stringify(model), NO_CUTS, NO_CUTS);
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
  const pieces: string[] = [];
  const cuts: number[] = [];
  let length = 0;
  let start = 0;
  for (const f of found) {
    pieces.push(json.slice(start, f.at));
    length += f.at - start;
    cuts.push(length);
    start = f.at + f.token.length;
  }
  pieces.push(json.slice(start));
  return new Packed(record, createdMs, pieces.join(""), cuts, sharedOrder(found.map((f) => f.index)));
}

/** The `,"key":` prefix of each hole of a kind, by hole index. */
export function holePrefixes(kind: { readonly holes: readonly Hole[] }): string[] {
  return kind.holes.map((h) => `,${JSON.stringify(h.path[h.path.length - 1])}:`);
}

/** The cut positions and hole order of a packed object. */
export interface CutLayout {
  readonly cuts: readonly number[];
  readonly holes: readonly number[];
}

/** `raw` with the fills of its holes (omitted fills drop the whole field). */
export function filledText(
  layout: CutLayout,
  raw: string,
  fills: readonly Fill[],
  prefixes: readonly string[],
): string {
  if (layout.cuts.length === 0) return raw;
  let out = "";
  let from = 0;
  for (let i = 0; i < layout.cuts.length; i++) {
    const cut = layout.cuts[i];
    out += raw.slice(from, cut);
    from = cut;
    const fill = fills[layout.holes[i]];
    if (fill !== undefined) out += prefixes[layout.holes[i]] + fill;
  }
  return out + raw.slice(from);
}

/**
 * Writes `raw` with its fills as UTF-8 into `out` at `at`; returns the end offset. `out` must have room for
 * {@linkcode maxFilledBytes} bytes.
 */
export function writeFilled(
  out: Uint8Array,
  at: number,
  layout: CutLayout,
  raw: string,
  fills: readonly Fill[],
  prefixes: readonly string[],
): number {
  if (layout.cuts.length === 0) return at + encoder.encodeInto(raw, out.subarray(at)).written;
  return at + encoder.encodeInto(filledText(layout, raw, fills, prefixes), out.subarray(at)).written;
}

/** An upper bound of the UTF-8 size of `raw` once filled (3 bytes per UTF-16 code unit at most). */
export function maxFilledBytes(raw: string, fills: readonly Fill[], prefixes: readonly string[]): number {
  let n = raw.length;
  for (let i = 0; i < fills.length; i++) {
    const fill = fills[i];
    if (fill !== undefined) n += prefixes[i].length + fill.length;
  }
  return n * 3;
}

/** Recovers the hole-free text from filled text (the inverse of {@linkcode filledText}). */
export function unfill(
  filled: string,
  layout: CutLayout,
  fills: readonly Fill[],
  prefixes: readonly string[],
): string {
  if (layout.cuts.length === 0) return filled;
  let out = "";
  let from = 0;
  let previousCut = 0;
  for (let i = 0; i < layout.cuts.length; i++) {
    const span = layout.cuts[i] - previousCut;
    out += filled.slice(from, from + span);
    from += span;
    previousCut = layout.cuts[i];
    const fill = fills[layout.holes[i]];
    if (fill !== undefined) from += prefixes[layout.holes[i]].length + fill.length;
  }
  return out + filled.slice(from);
}

// Copies only the objects along `path`, so the converted model is never modified.
function setPath(target: unknown, path: readonly string[], depth: number, value: string): unknown {
  const copy: Record<string, unknown> = { ...(target as Record<string, unknown> | undefined) };
  const key = path[depth];
  copy[key] = depth === path.length - 1 ? value : setPath(copy[key], path, depth + 1, value);
  return copy;
}
