/**
 * The fake API server (with the workload simulator) as a separate process, plus a small control server the
 * fake's own CLI lacks: request/byte counters, marker changes and bursts of pod updates for the benchmarks.
 *
 * ```sh
 * deno run -A tests/bench/apiserver_process.ts --simulate pods=1000,churn=10,seed=1 --kubeconfig /tmp/kc
 * ```
 *
 * Prints one line `listening on <api-url> control <control-url>` once ready; serves until SIGINT/SIGTERM.
 *
 * Control API (JSON):
 * - `GET /stats` → {@linkcode ServerStats} since start or the last reset, plus `at` (ms since the epoch);
 * - `POST /reset` → clears the counters;
 * - `POST /apply` with an object body → applies it;
 * - `POST /remove?apiVersion=&resource=&namespace=&name=` → removes an object;
 * - `POST /burst?n=N` → applies N MODIFIED pod updates (an annotation bump) as fast as possible;
 * - `GET /pick` → a deployment and a running pod with its main container (for command round trips).
 *
 * @module
 */

import { parseSimulate } from "../support/fake_apiserver/cli.ts";
import { type KubeObject, startFakeApiServer } from "../support/fake_apiserver.ts";

interface PodLike extends KubeObject {
  spec?: { containers?: { name: string }[] };
  status?: { phase?: string };
}

/** Runs the wrapper until SIGINT/SIGTERM. */
export async function main(args: string[]): Promise<void> {
  let simulate = "";
  let kubeconfig = "";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--simulate") simulate = args[++i];
    else if (args[i] === "--kubeconfig") kubeconfig = args[++i];
    else throw new Error(`Unknown argument: ${args[i]}`);
  }
  const server = await startFakeApiServer({
    simulate: parseSimulate(simulate),
    // The bench runs for minutes: keep the request log small, the counters are separate.
    requestLogLimit: 1_000,
  });
  if (kubeconfig) await server.writeKubeconfig(kubeconfig);
  let burstSeq = 0;

  const control = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    const q = url.searchParams;
    try {
      switch (url.pathname) {
        case "/stats":
          return Response.json({ ...server.stats(), at: Date.now() });
        case "/reset":
          server.resetRequestLog();
          return Response.json({ ok: true });
        case "/apply":
          server.apply(await request.json() as KubeObject);
          return Response.json({ ok: true });
        case "/remove":
          server.remove(
            q.get("apiVersion") ?? "v1",
            q.get("resource") ?? "",
            q.get("namespace") ?? undefined,
            q.get("name") ?? "",
          );
          return Response.json({ ok: true });
        case "/burst": {
          const n = Number(q.get("n") ?? "1000");
          const pods = server.list("pods");
          const started = performance.now();
          const seq = ++burstSeq;
          for (let i = 0; i < n; i++) {
            const pod = pods[i % pods.length];
            const annotations = { ...pod.metadata?.annotations, "bench.atlhyper.io/burst": `${seq}-${i}` };
            server.apply({ ...pod, metadata: { ...pod.metadata, annotations } });
          }
          return Response.json({ applied: n, ms: performance.now() - started });
        }
        case "/pick": {
          const deployment = server.list("deployments")[0];
          const pod = server.list<PodLike>("pods").find((p) => p.status?.phase === "Running") ??
            server.list<PodLike>("pods")[0];
          return Response.json({
            deployment: {
              namespace: deployment?.metadata?.namespace,
              name: deployment?.metadata?.name,
              replicas: (deployment as KubeObject & { spec?: { replicas?: number } })?.spec?.replicas ?? 1,
            },
            pod: {
              namespace: pod?.metadata?.namespace,
              name: pod?.metadata?.name,
              container: pod?.spec?.containers?.[0]?.name,
            },
          });
        }
        default:
          return new Response("not found", { status: 404 });
      }
    } catch (error) {
      return new Response(String(error), { status: 500 });
    }
  });
  console.log(`listening on ${server.url} control http://127.0.0.1:${control.addr.port}`);
  const { promise, resolve } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, resolve);
  await promise;
  await control.shutdown();
  await server.close();
  Deno.exit(0);
}

const USAGE = `Usage: deno run -A tests/bench/apiserver_process.ts --simulate SPEC [--kubeconfig PATH]

The fake API server with the workload simulator, plus a control server for the benchmarks (counters, markers,
bursts). Prints "listening on <api-url> control <control-url>" once ready; serves until SIGINT/SIGTERM.

  --simulate SPEC     simulator options, e.g. pods=1000,churn=10,seed=1 (also nodes, heartbeat, metricsWindow,
                      eventTtl, metrics=false; see tests/support/fake_apiserver/cli.ts)
  --kubeconfig PATH   write a kubeconfig for the fake there
  --help              this text`;

if (import.meta.main) {
  if (Deno.args.includes("--help")) console.log(USAGE);
  else await main(Deno.args);
}
