/**
 * The snapshot service: reads the informer stores (never the API), computes the time-relative and cross-object
 * fields, and produces the `ClusterSnapshot` JSON the push scheduler sends (master-protocol §2, §5).
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { ClusterSnapshot, ClusterSummary, SnapshotItems, SnapshotListField } from "../../model/mod.ts";
import { SNAPSHOT_LIST_FIELDS } from "../../model/mod.ts";
import { type CrossObjectStats, crossObjectStats, type SnapshotLists } from "./_stats.ts";
import { SnapshotWriter, type WriteInputs } from "./_writer.ts";
import type { ResourceUsage, UsageSource } from "./metrics.ts";

/** Read access to the cached model objects of one kind (an informer `Store` satisfies it). */
export interface ReadHandle<T> {
  /** Every cached object; the objects are immutable and replaced when they change. */
  list(): Iterable<T>;
}

/**
 * The stores a snapshot reads, keyed by the snapshot's list field names. A kind that is absent (disabled, or
 * not permitted) is sent as an empty list.
 */
export type SnapshotSource = { readonly [K in SnapshotListField]?: ReadHandle<SnapshotItems[K]> };

/** Options of {@linkcode SnapshotService}. */
export interface SnapshotServiceOptions {
  /** The cluster ID sent in the body (`clusterId`). */
  clusterId: string;
  /** Time source for `fetchedAt` and `age` (default: the system clock). */
  clock?: Clock;
  /** Latest metrics-server usage (default: none, so usage fields stay empty). */
  usage?: UsageSource;
}

const NO_USAGE: ReadonlyMap<string, ResourceUsage> = new Map();
const textDecoder = new TextDecoder();

/** One built snapshot: its identity and summary at once, its JSON on demand. */
export interface BuiltSnapshot {
  /** The cluster ID sent in the body. */
  readonly clusterId: string;
  /** RFC 3339 time the build started. */
  readonly fetchedAt: string;
  /** Build counter, per service instance from 1; agent-side only (the upstream ClusterSnapshot has no version). */
  readonly version: number;
  /** The cluster summary (§2.1). */
  readonly summary: ClusterSummary;
  /** Number of objects in each list. */
  readonly counts: Readonly<Record<SnapshotListField, number>>;
  /**
   * The `ClusterSnapshot` JSON as UTF-8 bytes, assembled once from cached per-object fragments: what the push
   * path compresses and sends.
   */
  bytes(): Uint8Array;
  /** The `ClusterSnapshot` JSON text (decoded from {@linkcode bytes}; for logs and tests). */
  json(): string;
  /** The snapshot as an object, exactly as the Master will decode it (parsed from {@linkcode json}). */
  snapshot(): ClusterSnapshot;
  /**
   * Hands the bytes' buffer back for the next build to reuse (optional: call it once the push has compressed or
   * sent them). Afterwards {@linkcode bytes} throws; text from {@linkcode json} stays valid.
   */
  release(): void;
}

// The snapshot of one build; the writer fills its bytes on first use.
class Built implements BuiltSnapshot {
  readonly clusterId: string;
  readonly fetchedAt: string;
  readonly version: number;
  readonly summary: ClusterSummary;
  readonly counts: Readonly<Record<SnapshotListField, number>>;
  readonly #writer: SnapshotWriter;
  readonly #inputs: WriteInputs;
  #bytes: Uint8Array | undefined;
  #json: string | undefined;
  #released = false;

  constructor(writer: SnapshotWriter, inputs: WriteInputs) {
    this.clusterId = inputs.clusterId;
    this.fetchedAt = inputs.fetchedAt;
    this.version = inputs.version;
    this.summary = inputs.stats.summary;
    const counts = {} as Record<SnapshotListField, number>;
    for (const { field } of SNAPSHOT_LIST_FIELDS) counts[field] = inputs.lists[field].length;
    this.counts = counts;
    this.#writer = writer;
    this.#inputs = inputs;
  }

  /**
   * The `ClusterSnapshot` JSON as UTF-8 bytes, assembled once from cached per-object fragments: what the push
   * path compresses and sends.
   */
  bytes(): Uint8Array {
    if (this.#released) throw new Error(`Cannot read snapshot ${this.version}: it was released`);
    return this.#bytes ??= this.#writer.write(this.#inputs);
  }

  /**
   * Hands the bytes' buffer back for the next build to reuse (optional: call it once the push has compressed or
   * sent them). Afterwards {@linkcode bytes} throws; text from {@linkcode json} stays valid.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#bytes) this.#writer.release(this.#bytes);
    this.#bytes = undefined;
  }

  /** The `ClusterSnapshot` JSON text (decoded from {@linkcode bytes}; for logs and tests). */
  json(): string {
    return this.#json ??= textDecoder.decode(this.bytes());
  }

  /** The snapshot as an object, exactly as the Master will decode it (parsed from {@linkcode json}). */
  snapshot(): ClusterSnapshot {
    return JSON.parse(this.json());
  }
}

/** Builds snapshots from the stores; holds the per-object JSON caches between builds. */
export class SnapshotService {
  readonly #source: SnapshotSource;
  readonly #clusterId: string;
  readonly #clock: Clock;
  readonly #usage: UsageSource | undefined;
  readonly #writer = new SnapshotWriter();
  #version = 0;

  /**
   * Creates the service over the informer stores.
   *
   * @param source the stores, keyed by snapshot list field
   * @param options cluster ID, clock and usage source
   */
  constructor(source: SnapshotSource, options: SnapshotServiceOptions) {
    this.#source = source;
    this.#clusterId = options.clusterId;
    this.#clock = options.clock ?? systemClock;
    this.#usage = options.usage;
  }

  /**
   * Reads every store and computes the cross-object fields. The returned snapshot is a consistent view of this
   * moment: later store changes do not affect it. No API call is made.
   */
  build(): BuiltSnapshot {
    const nowMs = this.#clock.now();
    const fetchedAt = new Date(nowMs).toISOString();
    const version = ++this.#version;
    const lists = this.#readLists();
    const stats: CrossObjectStats = crossObjectStats(lists);
    const podUsage = this.#usage?.podUsage() ?? NO_USAGE;
    const nodeUsage = this.#usage?.nodeUsage() ?? NO_USAGE;
    const clusterId = this.#clusterId;
    return new Built(this.#writer, {
      clusterId,
      fetchedAt,
      version,
      nowMs,
      lists,
      stats,
      podUsage,
      nodeUsage,
    });
  }

  #readLists(): SnapshotLists {
    const lists: Partial<Record<SnapshotListField, readonly unknown[]>> = {};
    for (const { field } of SNAPSHOT_LIST_FIELDS) lists[field] = this.#read(field);
    // Every field was filled by the loop over the complete field table.
    return lists as SnapshotLists;
  }

  #read<K extends SnapshotListField>(field: K): readonly SnapshotItems[K][] {
    const handle: ReadHandle<SnapshotItems[K]> | undefined = this.#source[field];
    const items = handle?.list();
    // Copied so that store changes after this moment cannot reach this build's JSON.
    return items === undefined ? [] : Array.from(items);
  }
}
