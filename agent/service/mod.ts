/**
 * Services: the snapshot builder (reads stores, no API calls on the push path) and the metrics-server poller
 * that feeds it usage.
 *
 * @module
 */

export type { ChunkStats } from "./_chunks.ts";
export {
  type BuiltSnapshot,
  type ReadHandle,
  SnapshotService,
  type SnapshotServiceOptions,
  type SnapshotSource,
} from "./snapshot.ts";
export {
  type MetricsItem,
  type MetricsList,
  type MetricsLogger,
  MetricsPoller,
  type MetricsPollerOptions,
  NODE_METRICS_PATH,
  nodeUsageMap,
  POD_METRICS_PATH,
  podUsageMap,
  type ResourceUsage,
  type UsageSource,
} from "./metrics.ts";
