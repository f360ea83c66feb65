/**
 * The snapshot service: reads the informer stores (never the API), computes the time-relative and cross-object
 * fields, and produces the gzipped `ClusterSnapshot` the push scheduler sends (master-protocol §2, §5).
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { ClusterSnapshot, ClusterSummary, SnapshotListField } from "../../model/mod.ts";
import { SNAPSHOT_LIST_FIELDS } from "../../model/mod.ts";
import type { PackedHandle, PackedItem, PackedSource } from "../repository/mod.ts";
import type { ChunkStats } from "./_chunks.ts";
import { type CrossObjectStats, crossObjectStats, type SnapshotLists } from "./_stats.ts";
import { SnapshotWriter, type WrittenSnapshot } from "./_writer.ts";
import type { ResourceUsage, UsageSource } from "./metrics.ts";

/** Read access to the packed objects of one kind (an informer `Store` satisfies it). */
export type ReadHandle<T> = PackedHandle<T>;

/**
 * The stores a snapshot reads, keyed by the snapshot's list field names. A kind that is absent (disabled, or
 * not permitted) is sent as an empty list.
 */
export type SnapshotSource = PackedSource;

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

/** One built snapshot: its identity, summary and gzip body. */
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
   * The `ClusterSnapshot` JSON as one gzip member, in parts to send in order (the compressed chunks are shared
   * with the cache, never copied): what the push path streams.
   */
  readonly parts: readonly Uint8Array[];
  /** Size of the gzip member. */
  readonly gzipBytes: number;
  /** Size of the JSON the body decompresses to. */
  readonly rawBytes: number;
  /** Compressed chunks reused and written by this build. */
  readonly chunks: ChunkStats;
  /** The gzip member as one buffer (a copy; for tools and tests). */
  gzip(): Uint8Array;
  /** The `ClusterSnapshot` JSON text (decompressed from the body once; for tools and tests). */
  json(): string;
  /** The snapshot as an object, exactly as the Master will decode it (parsed from {@linkcode json}). */
  snapshot(): ClusterSnapshot;
}

// The snapshot of one build.
class Built implements BuiltSnapshot {
  readonly clusterId: string;
  readonly fetchedAt: string;
  readonly version: number;
  readonly summary: ClusterSummary;
  readonly counts: Readonly<Record<SnapshotListField, number>>;
  readonly parts: readonly Uint8Array[];
  readonly gzipBytes: number;
  readonly rawBytes: number;
  readonly chunks: ChunkStats;
  #json: string | undefined;

  constructor(
    head: { clusterId: string; fetchedAt: string; version: number; summary: ClusterSummary },
    lists: SnapshotLists,
    written: WrittenSnapshot,
  ) {
    this.clusterId = head.clusterId;
    this.fetchedAt = head.fetchedAt;
    this.version = head.version;
    this.summary = head.summary;
    const counts = {} as Record<SnapshotListField, number>;
    for (const { field } of SNAPSHOT_LIST_FIELDS) counts[field] = lists[field].length;
    this.counts = counts;
    this.parts = written.parts;
    this.gzipBytes = written.gzipBytes;
    this.rawBytes = written.rawBytes;
    this.chunks = written.chunks;
  }

  gzip(): Uint8Array {
    const out = new Uint8Array(this.gzipBytes);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  json(): string {
    return this.#json ??= textDecoder.decode(gunzipSync(this.gzip()));
  }

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
   * Reads every store, computes the cross-object fields and writes the gzip body. The returned snapshot is a
   * consistent view of this moment: later store changes do not affect it. No API call is made.
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
    const written = this.#writer.write({
      clusterId,
      fetchedAt,
      nowMs,
      lists,
      stats,
      podUsage,
      nodeUsage,
    });
    return new Built({ clusterId, fetchedAt, version, summary: stats.summary }, lists, written);
  }

  /** Compressed bytes held for every cached object (for the memory figures). */
  get compressedBytes(): number {
    return this.#writer.compressedBytes;
  }

  #readLists(): SnapshotLists {
    const lists: Partial<Record<SnapshotListField, readonly unknown[]>> = {};
    for (const { field } of SNAPSHOT_LIST_FIELDS) lists[field] = this.#read(field);
    // Every field was filled by the loop over the complete field table.
    return lists as SnapshotLists;
  }

  #read<K extends SnapshotListField>(field: K): readonly PackedItem<K>[] {
    const handle: PackedHandle<PackedItem<K>> | undefined = this.#source[field];
    const items = handle?.values();
    // Copied so that store changes after this moment cannot reach this build's JSON.
    return items === undefined ? [] : Array.from(items);
  }
}
