/**
 * Compressed storage of the cached wire JSON, and the gzip body assembled from it without a raw buffer.
 *
 * Each kind's packed objects are kept in chunks: runs of about 64 KiB of JSON compressed together with raw
 * deflate and ended by a sync flush, so a chunk ends on a byte boundary and chunks can be concatenated into one
 * deflate stream (as pigz does). A build copies the compressed chunks of unchanged objects, compresses only
 * chunks that hold new objects or objects whose build-time fields (age, usage, counts) changed, writes the small
 * text between lists as stored blocks, and combines the chunks' CRC-32s for the gzip trailer. Similar objects
 * compress well together (a 10,000-pod cluster: ~150–250 bytes per 3 KB pod), so the cache is also the body.
 *
 * @module
 */

import { constants, crc32, deflateRawSync, inflateRawSync } from "node:zlib";
import { type Fill, maxFilledBytes, type Packed, unfill, writeFilled } from "../repository/mod.ts";

/**
 * Raw JSON per chunk. Larger chunks compress a little better (32 pods ~150 B each, 8 pods ~250 B) but a change
 * to one object recompresses its whole chunk; 64 KiB is ~20 rich pods or ~120 events, ~0.3 ms to recompress.
 */
export const CHUNK_RAW_BYTES = 64 * 1024;
/** Members per chunk at most, so tiny objects (service accounts) do not make huge member arrays. */
export const CHUNK_MAX_MEMBERS = 256;
/** zlib's default level, as the Go agent's gzip.DefaultCompression. */
export const DEFLATE_LEVEL = 6;

const SYNC = { level: DEFLATE_LEVEL, finishFlush: constants.Z_SYNC_FLUSH };
const INFLATE_SYNC = { finishFlush: constants.Z_SYNC_FLUSH };
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const COMMA = 0x2c;

/** One compressed run of objects of a kind. */
class Chunk {
  /** A view into one of the kind's slabs (see {@linkcode Slabs}). */
  data: Uint8Array;
  readonly crc: number;
  readonly rawLength: number;
  readonly members: Packed<unknown>[];
  /** End offset of each member's JSON in the raw run (members are separated by one comma). */
  readonly ends: number[];
  /** Whether each member's JSON (with its baked fills) is ASCII, so characters and bytes line up. */
  readonly ascii: boolean[];
  /** Build bookkeeping: the build that last saw a live member, how many were unchanged, whether any changed. */
  epoch = 0;
  unchanged = 0;
  changed = false;

  constructor(
    data: Uint8Array,
    crc: number,
    rawLength: number,
    members: Packed<unknown>[],
    ends: number[],
    ascii: boolean[],
  ) {
    this.data = data;
    this.crc = crc;
    this.rawLength = rawLength;
    this.members = members;
    this.ends = ends;
    this.ascii = ascii;
  }

  /** The raw JSON of the run. */
  inflate(): Uint8Array {
    return new Uint8Array(inflateRawSync(this.data, INFLATE_SYNC));
  }
}

/** What a build hands to {@linkcode KindChunks.write} per object: the values of its holes. */
export type FillsOf<R> = (item: Packed<R>, into: Fill[]) => void;

/** Figures of one kind's write, for metrics and tests. */
export interface ChunkStats {
  /** Chunks copied as they were. */
  reused: number;
  /** Chunks compressed in this build. */
  compressed: number;
  /** Raw bytes compressed in this build. */
  compressedRawBytes: number;
}

/** The compressed chunks of one kind, rewritten as its objects come and go. */
export class KindChunks<R> {
  readonly #prefixes: readonly string[];
  readonly #keepRaw: boolean;
  #chunks: Chunk[] = [];
  #scratch = new Uint8Array(0);
  readonly #slabs = new Slabs();

  /**
   * @param prefixes the `,"key":` text of each hole of the kind
   * @param keepRaw keep each object's uncompressed bytes too (kinds also written elsewhere, such as quotas
   *   nested in namespaces)
   */
  constructor(prefixes: readonly string[], keepRaw = false) {
    this.#prefixes = prefixes;
    this.#keepRaw = keepRaw;
  }

  /** Bytes of the slabs holding the compressed chunks (for the memory figures). */
  get compressedBytes(): number {
    return this.#slabs.allocated;
  }

  /**
   * Writes the items as the elements of a JSON array (without the brackets) into `out`. Chunks whose members are
   * all live and unchanged are copied; the rest are taken apart and their live members compressed again with the
   * new ones.
   */
  write(items: readonly Packed<R>[], fillsOf: FillsOf<R>, out: GzipBody, epoch: number): ChunkStats {
    const scratch: Fill[] = [];
    const pending: Pending[] = [];
    for (const item of items) {
      item.epoch = epoch;
      scratch.length = 0;
      fillsOf(item, scratch);
      const chunk = item.chunk as Chunk | undefined;
      if (chunk === undefined) {
        item.fills = scratch.slice();
        pending.push({ item });
        continue;
      }
      if (chunk.epoch !== epoch) {
        chunk.epoch = epoch;
        chunk.unchanged = 0;
        chunk.changed = false;
      }
      if (sameFills(item.baked, scratch)) chunk.unchanged++;
      else {
        chunk.changed = true;
        item.fills = scratch.slice();
      }
    }
    const kept: Chunk[] = [];
    for (const chunk of this.#chunks) {
      if (chunk.epoch !== epoch) continue; // no live member left
      if (!chunk.changed && chunk.unchanged === chunk.members.length) {
        kept.push(chunk);
        continue;
      }
      this.#takeApart(chunk, epoch, pending);
    }
    const stats: ChunkStats = { reused: kept.length, compressed: 0, compressedRawBytes: 0 };
    this.#compress(pending, kept, stats);
    this.#chunks = kept;
    this.#slabs.compact(kept);
    for (let i = 0; i < kept.length; i++) {
      if (i > 0) out.byte(COMMA);
      out.chunk(kept[i]);
    }
    return stats;
  }

  // Hands the chunk's live members back for compression. An ASCII member is copied from the inflated run with its
  // holes refilled byte for byte (a usage refresh rewrites every pod: no text is rebuilt for it); any other member
  // gets its text back.
  #takeApart(chunk: Chunk, epoch: number, pending: Pending[]): void {
    let raw: Uint8Array | undefined;
    for (let k = 0; k < chunk.members.length; k++) {
      const member = chunk.members[k];
      // Deleted or replaced objects are no longer iterated, so their epoch is old.
      if (member.epoch !== epoch || member.chunk !== chunk) continue;
      member.chunk = undefined;
      member.fills ??= member.baked;
      if (member.raw !== undefined) {
        pending.push({ item: member });
        continue;
      }
      raw ??= chunk.inflate();
      const start = k === 0 ? 0 : chunk.ends[k - 1] + 1;
      const end = chunk.ends[k];
      if (chunk.ascii[k]) {
        pending.push({ item: member, source: raw, start, end });
        continue;
      }
      member.raw = unfill(
        decoder.decode(raw.subarray(start, end)),
        member,
        member.baked ?? [],
        this.#prefixes,
      );
      pending.push({ item: member });
    }
  }

  #compress(pending: Pending[], into: Chunk[], stats: ChunkStats): void {
    let at = 0;
    let members: Packed<unknown>[] = [];
    let ends: number[] = [];
    let ascii: boolean[] = [];
    const flush = () => {
      const raw = this.#scratch.subarray(0, at);
      const data = this.#slabs.store(deflateRawSync(raw, SYNC));
      const chunk = new Chunk(data, crc32(raw), at, members, ends, ascii);
      for (const member of members) {
        member.chunk = chunk;
        member.baked = member.fills;
        member.fills = undefined;
        if (!this.#keepRaw) member.raw = undefined;
      }
      into.push(chunk);
      stats.compressed++;
      stats.compressedRawBytes += at;
      at = 0;
      members = [];
      ends = [];
      ascii = [];
    };
    const prefixes = this.#prefixes;
    for (const entry of pending) {
      const item = entry.item;
      const fills = item.fills ?? [];
      // Sizes in UTF-16 units approximate bytes (JSON from the API is nearly all ASCII).
      const size = entry.source ? entry.end - entry.start : (item.raw as string).length;
      if (members.length > 0 && (at + 1 + size > CHUNK_RAW_BYTES || members.length >= CHUNK_MAX_MEMBERS)) {
        flush();
      }
      const room = at + 1 +
        (entry.source
          ? size + fillsBytes(fills, prefixes)
          : maxFilledBytes(item.raw as string, fills, prefixes));
      if (room > this.#scratch.length) {
        const grown = new Uint8Array(Math.max(CHUNK_RAW_BYTES * 4, this.#scratch.length * 2, room));
        grown.set(this.#scratch.subarray(0, at));
        this.#scratch = grown;
      }
      if (members.length > 0) this.#scratch[at++] = COMMA;
      const begin = at;
      let chars: number;
      if (entry.source) {
        at = refill(
          this.#scratch,
          at,
          item,
          entry.source,
          entry.start,
          entry.end,
          item.baked ?? [],
          fills,
          prefixes,
        );
        chars = size - fillsChars(item.baked ?? [], prefixes) + fillsChars(fills, prefixes);
      } else {
        const raw = item.raw as string;
        at = writeFilled(this.#scratch, at, item, raw, fills, prefixes);
        chars = raw.length + fillsChars(fills, prefixes);
      }
      members.push(item);
      ends.push(at);
      ascii.push(at - begin === chars);
    }
    if (members.length > 0) flush();
    // A one-off huge object must not pin a large scratch buffer.
    if (this.#scratch.length > CHUNK_RAW_BYTES * 4) this.#scratch = new Uint8Array(CHUNK_RAW_BYTES * 4);
  }
}

/** An object to compress: its text, or its ASCII bytes in an inflated run with the old fills in place. */
type Pending = { item: Packed<unknown>; source?: undefined } | {
  item: Packed<unknown>;
  source: Uint8Array;
  start: number;
  end: number;
};

// Characters the fills take, prefixes included.
function fillsChars(fills: readonly Fill[], prefixes: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < fills.length; i++) {
    const fill = fills[i];
    if (fill !== undefined) n += prefixes[i].length + fill.length;
  }
  return n;
}

// An upper bound of the bytes the fills take.
function fillsBytes(fills: readonly Fill[], prefixes: readonly string[]): number {
  return 3 * fillsChars(fills, prefixes);
}

/**
 * Copies an ASCII member's filled bytes `source[start, end)` into `out` with new fills: the spans between holes
 * as they are, the old fills skipped, the new ones written. Returns the end offset.
 */
function refill(
  out: Uint8Array,
  at: number,
  layout: { readonly cuts: readonly number[]; readonly holes: readonly number[] },
  source: Uint8Array,
  start: number,
  end: number,
  oldFills: readonly Fill[],
  newFills: readonly Fill[],
  prefixes: readonly string[],
): number {
  let from = start;
  let previousCut = 0;
  for (let i = 0; i < layout.cuts.length; i++) {
    const span = layout.cuts[i] - previousCut;
    out.set(source.subarray(from, from + span), at);
    at += span;
    from += span;
    previousCut = layout.cuts[i];
    const hole = layout.holes[i];
    const old = oldFills[hole];
    if (old !== undefined) from += prefixes[hole].length + old.length;
    const fill = newFills[hole];
    if (fill !== undefined) {
      at += encoder.encodeInto(prefixes[hole], out.subarray(at)).written;
      at += encoder.encodeInto(fill, out.subarray(at)).written;
    }
  }
  out.set(source.subarray(from, end), at);
  return at + end - from;
}

/** Bytes per slab: about 50 chunks of rich pods. */
export const SLAB_BYTES = 256 * 1024;

/**
 * Append-only byte slabs holding the compressed chunks of one kind. A thousand chunks in their own
 * `ArrayBuffer`s are a thousand native allocations interleaved with short-lived ones, which fragments the process
 * heap; in slabs they are a few dozen. Space of dropped chunks is reclaimed by copying the live chunks into fresh
 * slabs once more than half of the slab bytes are dead. Slabs are never written twice, so a body still being
 * streamed keeps reading the bytes it was built from.
 */
export class Slabs {
  #current = new Uint8Array(0);
  #used = 0;
  #allocated = 0;

  /** Copies `bytes` into a slab; returns the view. */
  store(bytes: Uint8Array): Uint8Array {
    if (this.#used + bytes.length > this.#current.length) {
      this.#current = new Uint8Array(Math.max(SLAB_BYTES, bytes.length));
      this.#allocated += this.#current.length;
      this.#used = 0;
    }
    const view = this.#current.subarray(this.#used, this.#used + bytes.length);
    view.set(bytes);
    this.#used += bytes.length;
    return view;
  }

  /** Bytes of all slabs allocated since the last compaction. */
  get allocated(): number {
    return this.#allocated;
  }

  /** Moves the live chunks into fresh slabs when most slab bytes belong to dropped chunks. */
  compact(live: readonly { data: Uint8Array }[]): void {
    let liveBytes = 0;
    for (const chunk of live) liveBytes += chunk.data.length;
    if (this.#allocated <= 2 * liveBytes + 2 * SLAB_BYTES) return;
    this.#current = new Uint8Array(0);
    this.#used = 0;
    this.#allocated = 0;
    for (const chunk of live) chunk.data = this.store(chunk.data);
  }
}

function sameFills(baked: readonly Fill[] | undefined, fills: readonly Fill[]): boolean {
  if (baked === undefined) return false;
  if (baked.length !== fills.length) return false;
  for (let i = 0; i < fills.length; i++) if (baked[i] !== fills[i]) return false;
  return true;
}

/** Largest stored block (RFC 1951 §3.2.4: LEN is 16 bits). */
const MAX_STORED = 65_535;
const GZIP_HEADER = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty final stored block: BFINAL=1, BTYPE=00, LEN=0, NLEN=0xffff. */
const FINAL_BLOCK = new Uint8Array([1, 0, 0, 0xff, 0xff]);

/**
 * A gzip member assembled from parts: compressed chunks as they are, other text as stored blocks. Nothing is
 * copied: the parts are streamed to the Master as they are.
 */
export class GzipBody {
  readonly #parts: Uint8Array[] = [GZIP_HEADER];
  #size = GZIP_HEADER.length;
  #crc = 0;
  #rawLength = 0;
  #text: number[] = [];

  /** Appends text (short: list headers, the summary). */
  text(value: string): void {
    const bytes = encoder.encode(value);
    for (const byte of bytes) this.#text.push(byte);
  }

  /** Appends one byte of text. */
  byte(value: number): void {
    this.#text.push(value);
  }

  /** Appends a compressed chunk. */
  chunk(chunk: { data: Uint8Array; crc: number; rawLength: number }): void {
    this.#flushText();
    this.#parts.push(chunk.data);
    this.#size += chunk.data.length;
    this.#crc = crc32Combine(this.#crc, chunk.crc, chunk.rawLength);
    this.#rawLength += chunk.rawLength;
  }

  /**
   * Ends the member: the parts in order (header, compressed chunks, stored text, final block, trailer). The
   * compressed chunks are the cache's own buffers, shared, never copied; the body is streamed from the parts.
   */
  finish(): { parts: Uint8Array[]; gzipBytes: number; rawBytes: number } {
    this.#flushText();
    const trailer = new Uint8Array(8);
    const view = new DataView(trailer.buffer);
    view.setUint32(0, this.#crc >>> 0, true);
    view.setUint32(4, this.#rawLength >>> 0, true);
    const parts = [...this.#parts, FINAL_BLOCK, trailer];
    return { parts, gzipBytes: this.#size + FINAL_BLOCK.length + trailer.length, rawBytes: this.#rawLength };
  }

  #flushText(): void {
    const text = this.#text;
    if (text.length === 0) return;
    const bytes = Uint8Array.from(text);
    this.#text = [];
    this.#crc = crc32(bytes, this.#crc);
    this.#rawLength += bytes.length;
    for (let start = 0; start < bytes.length; start += MAX_STORED) {
      const block = bytes.subarray(start, Math.min(bytes.length, start + MAX_STORED));
      const header = new Uint8Array([
        0,
        block.length & 0xff,
        block.length >>> 8,
        ~block.length & 0xff,
        (~block.length >>> 8) & 0xff,
      ]);
      this.#parts.push(header, block);
      this.#size += header.length + block.length;
    }
  }
}

// CRC-32 combination as in zlib's crc32_combine: multiply by x^(8·len) modulo the CRC polynomial.
const POLY = 0xedb88320;

function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

// X2N[k] = x^(2^k) modulo the polynomial.
const X2N: number[] = (() => {
  const table = [0x40000000];
  for (let k = 1; k < 32; k++) table.push(multModP(table[k - 1], table[k - 1]));
  return table;
})();

function x2nModP(n: number, k: number): number {
  let p = 0x80000000;
  while (n > 0) {
    if (n & 1) p = multModP(X2N[k & 31], p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC-32 of A followed by B, from the CRC-32 of A, of B and the length of B. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA >>> 0) ^ crcB) >>> 0;
}
