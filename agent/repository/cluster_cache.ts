/**
 * The repository's view of the cluster: the converters plugged into the informers as transforms (each object is
 * converted, packed into its wire bytes and record, and only the packed form is stored), and the informer stores
 * exposed as the snapshot's read handles.
 *
 * @module
 */

import type { SnapshotItems, SnapshotListField } from "../../model/mod.ts";
import { type InformerSet, RESOURCE_NAMES, type ResourceName, RESOURCES } from "../informer/mod.ts";
import type { KubeObject } from "../sdk/mod.ts";
import {
  type Converters,
  type ConvertOptions,
  createConverters,
  type KubeObjects,
} from "./converters/mod.ts";
import { type PackedItem, packItem } from "./packing.ts";

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
    transforms[name] = packingTransform(RESOURCES[name].snapshotField as SnapshotListField, converters);
  }
  return transforms;
}

/** Packs converted model objects once and serves them as a fixed source (tools, tests and benchmarks). */
export function packedSourceOf(
  models: { readonly [K in SnapshotListField]?: readonly SnapshotItems[K][] },
): PackedSource {
  const source: Partial<Record<SnapshotListField, PackedHandle<unknown>>> = {};
  for (const field of Object.keys(models) as SnapshotListField[]) {
    const packed = packAll(field, models[field] ?? []);
    source[field] = { values: () => packed };
  }
  return source as PackedSource;
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
  const source: Record<string, PackedHandle<unknown>> = {};
  for (const name of RESOURCE_NAMES) {
    source[RESOURCES[name].snapshotField] = informers.store(name);
  }
  return source as PackedSource;
}
