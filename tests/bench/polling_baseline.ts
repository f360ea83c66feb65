/**
 * The Go agent's polling design, reproduced for comparison: every interval (default 10 s) LIST all 20 kinds
 * concurrently without pagination, plus metrics-server's pod and node metrics (`metrics.k8s.io`), convert
 * everything with our converters, build the snapshot (usage merged) with a {@linkcode SnapshotService}, gzip and
 * push it to the Master. No watches, no caches between cycles.
 *
 * ```sh
 * AGENT_KUBECONFIG=/tmp/kc AGENT_MASTER_URL=http://127.0.0.1:8081 AGENT_CLUSTER_ID=bench \
 *   deno run -A tests/bench/polling_baseline.ts [--interval-ms 10000] [--help]
 * ```
 *
 * Logs one line per cycle to stderr (`cycle <n>: list <ms> build <ms> push <ms> raw <bytes> gzip <bytes>`).
 *
 * @module
 */

import { collectionPath, RESOURCE_NAMES, RESOURCES } from "../../agent/informer/mod.ts";
import { createConverters } from "../../agent/repository/converters/mod.ts";
import {
  createKubeClient,
  type KubeClient,
  type KubeObject,
  loadConnectionConfig,
} from "../../agent/sdk/mod.ts";
import { HttpMasterGateway } from "../../agent/gateway/mod.ts";
import {
  type MetricsList,
  NODE_METRICS_PATH,
  nodeUsageMap,
  POD_METRICS_PATH,
  podUsageMap,
  type UsageSource,
} from "../../agent/service/metrics.ts";
import { SnapshotService } from "../../agent/service/snapshot.ts";
import { SNAPSHOT_LIST_FIELDS } from "../../model/mod.ts";
import { convertAll, sourceOf } from "./_common.ts";

async function listAll(client: KubeClient, path: string): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  // No `limit`: one unpaginated LIST per kind, as the Go agent does.
  for await (const page of client.list<KubeObject>(path)) {
    const kind = page.kind?.replace(/List$/, "");
    for (const item of page.items) {
      items.push(item.kind ? item : { ...item, kind, apiVersion: page.apiVersion });
    }
  }
  return items;
}

const USAGE =
  `Usage: AGENT_KUBECONFIG=... AGENT_MASTER_URL=... deno run -A tests/bench/polling_baseline.ts [options]

The Go agent's polling design: every interval LIST all 20 kinds and metrics.k8s.io pod and node metrics, build
the snapshot from scratch, gzip and push it. One line per cycle on stderr.

  --interval-ms N   cycle period in milliseconds (default 10000, the Go agent's)
  --help            this text`;

// metrics-server's usage, read once per cycle like every other list (an absent metrics API leaves usage empty).
async function usageOf(client: KubeClient): Promise<UsageSource> {
  const read = (path: string) => client.get<MetricsList>(path).catch(() => undefined);
  const [pods, nodes] = await Promise.all([read(POD_METRICS_PATH), read(NODE_METRICS_PATH)]);
  const podUsage = podUsageMap(pods ?? {});
  const nodeUsage = nodeUsageMap(nodes ?? {});
  return { podUsage: () => podUsage, nodeUsage: () => nodeUsage };
}

/** Runs the polling loop until SIGINT/SIGTERM. */
export async function main(args: string[]): Promise<void> {
  if (args.includes("--help")) {
    console.log(USAGE);
    return;
  }
  const intervalIndex = args.indexOf("--interval-ms");
  const intervalMs = intervalIndex >= 0 ? Number(args[intervalIndex + 1]) : 10_000;
  const client = createKubeClient(await loadConnectionConfig());
  const clusterId = Deno.env.get("AGENT_CLUSTER_ID") ?? "bench";
  const gateway = new HttpMasterGateway({ masterUrl: Deno.env.get("AGENT_MASTER_URL") ?? "", clusterId });
  const converters = createConverters();
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => stop.abort());
  console.log("listening on polling-baseline");
  for (let cycle = 1; !stop.signal.aborted; cycle++) {
    const started = performance.now();
    try {
      const [usage, ...results] = await Promise.all([
        usageOf(client),
        ...RESOURCE_NAMES.map((name) => listAll(client, collectionPath(RESOURCES[name])).catch(() => [])),
      ]);
      const listed = performance.now();
      const lists = convertAll((results as KubeObject[][]).flat(), converters);
      for (const { field } of SNAPSHOT_LIST_FIELDS) lists[field] ??= [];
      // Everything from scratch each cycle, as the Go agent does: convert, serialise, compress.
      const built = new SnapshotService(sourceOf(lists), { clusterId, usage }).build();
      const builtAt = performance.now();
      const pushed = await gateway.pushSnapshot(built, { signal: stop.signal });
      console.error(
        `cycle ${cycle}: list ${(listed - started).toFixed(0)} build ${(builtAt - listed).toFixed(0)} push ${
          (performance.now() - builtAt).toFixed(0)
        } raw ${pushed.rawBytes} gzip ${pushed.gzipBytes}`,
      );
    } catch (error) {
      if (!stop.signal.aborted) console.error(`cycle ${cycle} failed: ${(error as Error).message}`);
    }
    const wait = Math.max(0, intervalMs - (performance.now() - started));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      stop.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
  client.close();
  gateway.close();
  Deno.exit(0);
}

if (import.meta.main) await main(Deno.args);
