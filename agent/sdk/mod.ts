/**
 * The Kubernetes connection layer: configuration (kubeconfig, in-cluster), authentication, and a
 * {@linkcode KubeClient} on native `fetch` with typed errors and JSON-lines watch streams.
 *
 * @module
 */

export * from "./types.ts";
export * from "./errors.ts";
export * from "./paths.ts";
export { createKubeClient, type HttpKubeClient, type KubeClientOptions } from "./client.ts";
export { DEFAULT_REQUEST_TIMEOUT_MS, type FetchFunction, KubeResponseTooLargeError } from "./rest.ts";
export { decodeLine, readWatchEvents, WatchDecodeError } from "./watch.ts";
export { loadConnectionConfig, type LoadConnectionConfigOptions } from "./config.ts";
export type { FileStat, OsSeam, RunOptions, RunOutput } from "./_os.ts";
export { inClusterServer, isInCluster, loadInClusterConfig } from "./in_cluster.ts";
export { loadKubeconfig, mergeKubeconfigs, parseKubeconfig, resolveKubeconfig } from "./kubeconfig.ts";
