/**
 * Pod informer probe, run as its own process against the fake API server: `@kubernetes/client-node`'s
 * `makeInformer` (the baseline) or our {@linkcode Informer} with the pod converter (`--impl ours`), measured the
 * same way:
 * - time from start to the first complete sync;
 * - JS heap per cached pod (heap after sync minus heap before, after forced GCs; needs `--v8-flags=--expose-gc`);
 * - RSS after sync;
 * - MODIFIED events per second end to end: asks the fake's control server for a burst of N pod updates and
 *   times from the request until the N-th update was delivered to the informer.
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc tests/bench/client_node_baseline.ts --kubeconfig /tmp/kc \
 *   --control http://127.0.0.1:1234 [--impl client-node|ours] [--burst 10000]
 * ```
 *
 * Prints one line `RESULT {json}` ({@linkcode ProbeResult}).
 *
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { Informer } from "../../agent/informer/mod.ts";
import { createKubeClient, loadKubeconfig, resolveKubeconfig } from "../../agent/sdk/mod.ts";
import { hasGc, settledHeap } from "./_common.ts";
import { podTransform } from "./_fixtures.ts";

/** What the probe prints. */
export interface ProbeResult {
  impl: string;
  pods: number;
  syncMs: number;
  heapPerPodBytes: number;
  heapUsedBytes: number;
  rssBytes: number;
  gcExposed: boolean;
  burst: number;
  received: number;
  eventsPerSecond: number;
}

interface Probe {
  start(onUpdate: () => void): Promise<void>;
  size(): number;
  stop(): Promise<void>;
}

function clientNodeProbe(kubeconfig: string): Probe {
  const loaded = new k8s.KubeConfig();
  loaded.loadFromFile(kubeconfig);
  // The fake serves plain HTTP, which client-node refuses unless TLS verification is marked as skipped.
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: loaded.clusters.map((cluster) => ({ ...cluster, skipTLSVerify: true })),
    users: loaded.users,
    contexts: loaded.contexts,
    currentContext: loaded.currentContext,
  });
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const informer = k8s.makeInformer(kc, "/api/v1/pods", () => api.listPodForAllNamespaces());
  return {
    async start(onUpdate) {
      informer.on("update", onUpdate);
      informer.on("error", (error: unknown) => console.error(`informer error: ${String(error)}`));
      await informer.start();
    },
    size: () => informer.list().length,
    stop: () => informer.stop(),
  };
}

async function oursProbe(kubeconfig: string): Promise<Probe> {
  const config = await resolveKubeconfig(await loadKubeconfig(kubeconfig));
  const client = createKubeClient(config);
  let onUpdate = () => {};
  let synced = false;
  const informer = new Informer(client, {
    path: "/api/v1/pods",
    transform: podTransform,
    onChange: () => {
      if (synced) onUpdate();
    },
  });
  return {
    async start(callback) {
      onUpdate = callback;
      informer.start();
      await informer.store.ready();
      synced = true;
    },
    size: () => informer.store.size,
    async stop() {
      await informer.stop();
      client.close();
    },
  };
}

/** Runs the probe and prints the result line. */
export async function main(args: string[]): Promise<ProbeResult> {
  const flag = (name: string, fallback: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : fallback;
  };
  const impl = flag("--impl", "client-node");
  const kubeconfig = flag("--kubeconfig", Deno.env.get("AGENT_KUBECONFIG") ?? "");
  const control = flag("--control", "");
  const burst = Number(flag("--burst", "10000"));
  const probe = impl === "ours" ? await oursProbe(kubeconfig) : clientNodeProbe(kubeconfig);

  let received = 0;
  let target = Infinity;
  const done = Promise.withResolvers<number>();
  const onUpdate = () => {
    if (++received >= target) done.resolve(performance.now());
  };
  const before = settledHeap();
  const started = performance.now();
  await probe.start(onUpdate);
  const syncMs = performance.now() - started;
  const heapUsed = settledHeap();
  const pods = probe.size();
  const rssBytes = Deno.memoryUsage().rss;

  let eventsPerSecond = NaN;
  if (control && burst > 0 && pods > 0) {
    received = 0;
    target = burst;
    const burstStarted = performance.now();
    const timeout = setTimeout(() => done.resolve(NaN), 120_000);
    await (await fetch(`${control}/burst?n=${burst}`, { method: "POST" })).body?.cancel();
    const finished = await done.promise;
    clearTimeout(timeout);
    eventsPerSecond = Number.isNaN(finished) ? received / 120 : burst / ((finished - burstStarted) / 1000);
  }
  await probe.stop();
  const result: ProbeResult = {
    impl,
    pods,
    syncMs,
    heapPerPodBytes: pods ? (heapUsed - before) / pods : NaN,
    heapUsedBytes: heapUsed,
    rssBytes,
    gcExposed: hasGc(),
    burst,
    received,
    eventsPerSecond,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  return result;
}

const USAGE = `Usage: deno run -A --v8-flags=--expose-gc tests/bench/client_node_baseline.ts [options]

One pod informer against the fake API server (started by harness.ts): time to sync, JS heap per pod, RSS and
MODIFIED events per second end to end. Prints one line "RESULT {json}".

  --kubeconfig PATH   kubeconfig of the fake API server (required)
  --control URL       the fake's control server (apiserver_process.ts; required for the burst)
  --impl NAME         client-node (default) or ours
  --burst N           pod updates the fake applies for the events/s figure (default 10000)
  --help              this text`;

if (import.meta.main) {
  if (Deno.args.includes("--help")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  await main(Deno.args);
  Deno.exit(0);
}
