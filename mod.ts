/**
 * atlhyper-agent: the in-cluster half of AtlHyper. Watch-driven informer caches of the cluster, a
 * `ClusterSnapshot` pushed to the AtlHyper Master, and operational commands long-polled from it.
 *
 * The process entry point is `agent/main.ts` (`deno task start`); this module exports the building blocks for
 * embedding and testing the agent: the wire model, the Kubernetes client, the informers, the configuration and
 * the composed {@linkcode Agent}.
 *
 * @module
 */

export type * from "./model/mod.ts";
export {
  type ConnectionConfig,
  createKubeClient,
  type HttpKubeClient,
  isConflict,
  isExpired,
  isForbidden,
  isNotFound,
  KubeApiError,
  type KubeClient,
  KubeConfigError,
  KubeNetworkError,
  loadConnectionConfig,
  resourcePath,
  type WatchEvent,
} from "./agent/sdk/mod.ts";
export {
  collectionPath,
  type InformerHealth,
  InformerSet,
  type InformerSetOptions,
  type KindStatus,
  type ReadyResult,
  RESOURCE_NAMES,
  type ResourceDef,
  type ResourceName,
  RESOURCES,
  type Store,
} from "./agent/informer/mod.ts";
export { Agent, AGENT_VERSION, type AgentHooks, type AgentOptions } from "./agent/agent.ts";
export { type AgentConfig, ConfigError, helpText, loadConfig, parseDuration } from "./agent/config.ts";
export { SnapshotService } from "./agent/service/mod.ts";
export { CommandService } from "./agent/service/commands/mod.ts";
export { HttpMasterGateway, type MasterGateway } from "./agent/gateway/mod.ts";
