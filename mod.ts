/**
 * atlhyper-agent: the in-cluster half of AtlHyper. Watch-driven informer caches of the cluster, a
 * `ClusterSnapshot` pushed to the AtlHyper Master, and operational commands long-polled from it.
 *
 * This module exports the building blocks for embedding and testing the agent.
 *
 * @module
 */

export * from "./agent/sdk/mod.ts";
