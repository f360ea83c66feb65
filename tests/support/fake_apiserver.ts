/**
 * A faithful fake Kubernetes API server for tests, demos and benchmarks: discovery, CRUD with real
 * resourceVersion/conflict/generation semantics, the four patch flavours, selectors, consistent pagination, watch
 * (history replay, bookmarks, WatchList), subresources (status, scale, log, eviction), Tables for kubectl,
 * bearer tokens and mutual TLS, plus fault injection and a request log.
 *
 * ```ts
 * await using server = await startFakeApiServer({ token: "t" });
 * server.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "default" } });
 * const res = await fetch(`${server.url}/api/v1/pods`, { headers: { authorization: "Bearer t" } });
 * ```
 *
 * As a process: `deno run -A tests/support/fake_apiserver.ts --port 0 --simulate pods=100` prints
 * `listening on <url>` and serves until SIGTERM/SIGINT.
 *
 * @module
 */

export {
  type ContainerUsage,
  FakeApiServer,
  type FakeApiServerOptions,
  type RemoveOptions,
  SERVED_RESOURCES,
  startFakeApiServer,
  type TlsOptions,
  type WaitOptions,
} from "./fake_apiserver/server.ts";
export type { KubeconfigOptions } from "./fake_apiserver/kubeconfig.ts";
export type { FaultAction } from "./fake_apiserver/observability.ts";
export type { ResourceInfo } from "./fake_apiserver/resources.ts";
export type { CertificateSet, KeyType } from "./fake_apiserver/tls.ts";
export type { SetLogOptions } from "./fake_apiserver/pod_logs.ts";
export type {
  KubeObject,
  LogGenerator,
  LogLine,
  RequestFilter,
  RequestInfo,
  RequestLogEntry,
  ServerStats,
} from "./fake_apiserver/types.ts";
export { flattenObjects, loadFixtureFile, parseFixtures } from "./fake_apiserver/fixtures.ts";
export {
  generateCluster,
  simulateCluster,
  simulatedLogLines,
  type Simulation,
  type SimulationOptions,
  type SimulationTarget,
} from "./simulator.ts";

if (import.meta.main) {
  const { runCli } = await import("./fake_apiserver/cli.ts");
  await runCli(Deno.args);
}
