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
export type { Clock } from "./agent/clock.ts";
export type {
  FieldsV1,
  ListMeta,
  ManagedFieldsEntry,
  ObjectMeta,
  OwnerReference,
  StatusCause,
  StatusDetails,
  Time as MetaV1Time,
} from "kubernetes-types/meta/v1.d.ts";
export {
  type AuthProvider,
  type ConnectionConfig,
  createKubeClient,
  type Credentials,
  type DeleteOptions,
  type FileStat,
  type HttpKubeClient,
  isConflict,
  isExpired,
  isForbidden,
  isNotFound,
  KubeApiError,
  type KubeClient,
  type KubeClientOptions,
  KubeConfigError,
  type KubeObject,
  type ListOptions,
  type ListPage,
  loadConnectionConfig,
  type LoadConnectionConfigOptions,
  type LogOptions,
  NetworkError,
  type NetworkFailure,
  type OsSeam,
  type PatchOptions,
  type PatchType,
  type RequestOptions,
  resourcePath,
  type ResourceRef as KubeResourceRef,
  type RunOptions,
  type RunOutput,
  type Status,
  type StatusReason,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
} from "./agent/sdk/mod.ts";
export {
  type BackoffOptions,
  collectionPath,
  type ErrorKind,
  type ErrorReport,
  type InformerCounters,
  type InformerError,
  type InformerHealth,
  type InformerOptions,
  InformerSet,
  type InformerSetOptions,
  type InformerStatus,
  type KindStatus,
  type ReadyResult,
  type RecoveryReport,
  RESOURCE_NAMES,
  type ResourceDef,
  type ResourceName,
  RESOURCES,
  type SharedInformerOptions,
  type Store,
  type StreamingListSupport,
} from "./agent/informer/mod.ts";
export { Agent, AGENT_VERSION, type AgentHooks, type AgentOptions } from "./agent/agent.ts";
export { type AgentConfig, ConfigError, helpText, loadConfig, parseDuration } from "./agent/config.ts";
export {
  type BuiltSnapshot,
  type ChunkStats,
  MetricsPoller,
  type ResourceUsage,
  SnapshotService,
  type UsageSource,
} from "./agent/service/mod.ts";
export {
  type CommandCounters,
  type CommandLogger,
  type CommandOutcome,
  CommandService,
  type CommandServiceOptions,
  type ExecuteOptions,
  type SafetyPolicy,
} from "./agent/service/commands/mod.ts";
export {
  type GzippedSnapshot,
  HttpMasterGateway,
  type MasterGateway,
  type MasterRequestOptions,
  type PushSnapshotOptions,
  type PushSnapshotResult,
  type SnapshotBody,
} from "./agent/gateway/mod.ts";
export type { Logger } from "./agent/log.ts";
export {
  CommandLoops,
  type CommandLoopsOptions,
  type CommandOutcome as LoopCommandOutcome,
  type CommandStats,
  type EffectProbe,
  HeartbeatLoop,
  type HeartbeatLoopOptions,
  type HeartbeatOutcome,
  type HeartbeatStats,
  Lifecycle,
  type LifecycleState,
  type PollOutcome,
  PushLoop,
  type PushLoopOptions,
  type PushMode,
  type PushOutcome,
  type PushStats,
  type PushTrigger,
  type StartedLoops,
} from "./agent/scheduler/mod.ts";
