/**
 * Watch-driven caches: watcher (list / streaming list, then watch) → backoff → reflector → store, one per
 * kind, assembled into an {@linkcode InformerSet}.
 *
 * @module
 */

export * from "./backoff.ts";
export * from "./constants.ts";
export * from "./errors.ts";
export * from "./informer.ts";
export * from "./informer_set.ts";
export * from "./reflector.ts";
export * from "./resources.ts";
export * from "./store.ts";
export * from "./watcher.ts";
