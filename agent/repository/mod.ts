/**
 * The repository layer: Kubernetes object → model converters, the packing of each model into its wire bytes and
 * record (plugged into the informers as transforms), the map from each kind to its snapshot list, and the
 * informer stores as the snapshot's source.
 *
 * @module
 */

export * from "./converters/mod.ts";
export {
  converterTransforms,
  packAll,
  type PackedHandle,
  type PackedSource,
  packedSourceOf,
  packingTransform,
  snapshotSource,
} from "./cluster_cache.ts";
export {
  type CutLayout,
  type Fill,
  filledText,
  type FragmentKind,
  type Hole,
  holePrefixes,
  maxFilledBytes,
  pack,
  Packed,
  unfill,
  writeFilled,
} from "./fragment.ts";
export { intern, internedCount, MAX_INTERNED, MAX_INTERNED_LENGTH } from "./intern.ts";
export * from "./packing.ts";
export { SNAPSHOT_FIELDS, type SnapshotFieldOf } from "./snapshot_fields.ts";
