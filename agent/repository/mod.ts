/**
 * The repository layer: Kubernetes object → model converters, plugged into the informers as transforms, and the
 * informer stores as the snapshot's source.
 *
 * @module
 */

export * from "./converters/mod.ts";
export { converterTransforms, snapshotSource } from "./cluster_cache.ts";
