/**
 * The repository's view of the cluster: the converters plugged into the informers as transforms (each object is
 * converted, packed into its wire bytes and record, and only the packed form is stored), and the informer stores
 * exposed as the snapshot's read handles.
 *
 * @module
 */

import { SNAPSHOT_LIST_FIELDS, type SnapshotItems, type SnapshotListField } from "../../model/mod.ts";
import { type InformerSet, RESOURCE_NAMES, type ResourceName } from "../informer/mod.ts";
import type { KubeObject } from "../sdk/mod.ts";
import {
  type Converters,
  type ConvertOptions,
  createConverters,
  type KubeObjects,
} from "./converters/mod.ts";
import { type PackedItem, packItem } from "./packing.ts";
import { SNAPSHOT_FIELDS } from "./snapshot_fields.ts";

/** Read access to the packed objects of one kind (an informer `Store` satisfies it). */
export interface PackedHandle<T> {
  /** Every cached object; the objects are immutable and replaced when they change. */
  values(): Iterable<T>;
}

/**
 * The stores a snapshot reads, keyed by the snapshot's list field names. A kind that is absent (disabled, or not
 * permitted) is sent as an empty list.
 */
export type PackedSource = { readonly [K in SnapshotListField]?: PackedHandle<PackedItem<K>> };

/** A {@linkcode PackedSource} while it is being filled. */
type MutablePackedSource = { [K in SnapshotListField]?: PackedHandle<PackedItem<K>> };

/** One kind's transform: convert, then pack. */
export function packingTransform<K extends SnapshotListField>(
  field: K,
  converters: Converters,
): (object: KubeObject) => PackedItem<K> {
  const converter = converters[field];
  return (object) => packItem(field, converter.convert(object as unknown as KubeObjects[K]));
}

/** Informer transforms: each kind's converter and packing, so stores hold packed objects from the first event. */
export function converterTransforms(
  options: ConvertOptions = {},
): Partial<Record<ResourceName, (object: KubeObject) => unknown>> {
  const converters: Converters = createConverters(options);
  const transforms: Partial<Record<ResourceName, (object: KubeObject) => unknown>> = {};
  for (const name of RESOURCE_NAMES) {
    transforms[name] = packingTransform(SNAPSHOT_FIELDS[name], converters);
  }
  return transforms;
}

/** Packs converted model objects once and serves them as a fixed source (tools, tests and benchmarks). */
export function packedSourceOf(
  models: { readonly [K in SnapshotListField]?: readonly SnapshotItems[K][] },
): PackedSource {
  const source: MutablePackedSource = {};
  for (const { field } of SNAPSHOT_LIST_FIELDS) packFixed(source, field, models[field]);
  return source;
}

function packFixed<K extends SnapshotListField>(
  source: { [P in K]?: PackedHandle<PackedItem<P>> },
  field: K,
  models: readonly SnapshotItems[K][] | undefined,
): void {
  if (models === undefined) return;
  const packed = packAll(field, models);
  source[field] = { values: () => packed };
}

/** Packs every model object of one field. */
export function packAll<K extends SnapshotListField>(
  field: K,
  models: readonly SnapshotItems[K][],
): PackedItem<K>[] {
  return models.map((model) => packItem(field, model));
}

/** The informer stores keyed by snapshot list field; a disabled kind reads as an empty list. */
export function snapshotSource(informers: InformerSet): PackedSource {
  const source: MutablePackedSource = {};
  for (const name of RESOURCE_NAMES) readStore(source, SNAPSHOT_FIELDS[name], informers, name);
  return source;
}

/** The store of kind `name` holds what {@linkcode converterTransforms} made of it: packed items of `field`. */
function readStore<K extends SnapshotListField>(
  source: { [P in K]?: PackedHandle<PackedItem<P>> },
  field: K,
  informers: InformerSet,
  name: ResourceName,
): void {
  source[field] = informers.store<PackedItem<K>>(name);
}
