/**
 * The repository's view of the cluster: the converters plugged into the informers as transforms, and the
 * informer stores exposed as the snapshot's read handles.
 *
 * @module
 */

import type { SnapshotListField } from "../../model/mod.ts";
import { type InformerSet, RESOURCE_NAMES, type ResourceName, RESOURCES } from "../informer/mod.ts";
import type { KubeObject } from "../sdk/mod.ts";
import type { SnapshotSource } from "../service/mod.ts";
import { type Converters, type ConvertOptions, createConverters } from "./converters/mod.ts";

/** Informer transforms: each kind's converter, so stores hold compact model objects from the first event. */
export function converterTransforms(
  options: ConvertOptions = {},
): Partial<Record<ResourceName, (object: KubeObject) => unknown>> {
  const converters: Converters = createConverters(options);
  const transforms: Partial<Record<ResourceName, (object: KubeObject) => unknown>> = {};
  for (const name of RESOURCE_NAMES) {
    const field = RESOURCES[name].snapshotField as SnapshotListField;
    const converter = converters[field] as { convert(object: KubeObject): unknown };
    transforms[name] = (object) => converter.convert(object);
  }
  return transforms;
}

/** The informer stores keyed by snapshot list field; a disabled kind reads as an empty list. */
export function snapshotSource(informers: InformerSet): SnapshotSource {
  const source: Record<string, { list(): Iterable<unknown> }> = {};
  for (const name of RESOURCE_NAMES) {
    source[RESOURCES[name].snapshotField] = informers.store(name);
  }
  return source as SnapshotSource;
}
