/**
 * Command line of the fake API server:
 *
 * ```sh
 * deno run -A tests/support/fake_apiserver.ts --port 6443 [--fixtures cluster.yaml] [--tls] [--token t] \
 *   [--kubeconfig /tmp/kubeconfig] [--simulate pods=300,churn=120,seed=7]
 * ```
 *
 * Prints exactly one line, `listening on <url>`, once ready; serves until SIGINT/SIGTERM, then exits 0.
 *
 * @module
 */

import type { SimulationOptions } from "../simulator.ts";
import { type FakeApiServerOptions, startFakeApiServer } from "./server.ts";

const SIMULATE_KEYS: Record<string, keyof SimulationOptions> = {
  pods: "pods",
  nodes: "nodes",
  namespaces: "namespaces",
  deployments: "deployments",
  services: "servicesPerDeployment",
  servicesPerDeployment: "servicesPerDeployment",
  configmaps: "configmaps",
  secrets: "secrets",
  events: "events",
  churn: "churnPerMinute",
  churnPerMinute: "churnPerMinute",
  heartbeat: "nodeHeartbeatSeconds",
  metricsWindow: "metricsWindowSeconds",
  eventTtl: "eventTtlSeconds",
  seed: "seed",
};

/** Parses `pods=N,churn=PER_MIN,...` into simulation options. */
export function parseSimulate(text: string): SimulationOptions {
  const options: Record<string, number | boolean> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p)) {
    const [key, value] = part.split("=");
    if (key === "metrics") {
      options.metrics = value !== "false";
      continue;
    }
    const target = SIMULATE_KEYS[key];
    const number = Number(value);
    if (!target || value === undefined || !Number.isFinite(number)) {
      throw new Error(
        `Invalid --simulate entry "${part}"; known keys: ${Object.keys(SIMULATE_KEYS).join(", ")}, metrics`,
      );
    }
    options[target] = number;
  }
  return options as SimulationOptions;
}

/** Parses command-line arguments into server options plus the kubeconfig path. */
export function parseArgs(args: readonly string[]): { options: FakeApiServerOptions; kubeconfig?: string } {
  const options: FakeApiServerOptions = {};
  let kubeconfig: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = args[++i];
      if (next === undefined) throw new Error(`Missing value for ${flag}`);
      return next;
    };
    switch (flag) {
      case "--port":
        options.port = Number(value());
        break;
      case "--host":
        options.hostname = value();
        break;
      case "--fixtures":
        options.fixtures = value();
        break;
      case "--tls":
        options.tls = true;
        break;
      case "--token":
        options.token = value();
        break;
      case "--kubeconfig":
        kubeconfig = value();
        break;
      case "--simulate":
        options.simulate = parseSimulate(value());
        break;
      case "--history-size":
        options.historySize = Number(value());
        break;
      case "--bookmark-interval-ms":
        options.bookmarkIntervalMs = Number(value());
        break;
      case "--no-metrics":
        options.metrics = false;
        break;
      case "--no-watch-list":
        options.watchList = false;
        break;
      default:
        throw new Error(`Unknown argument: ${arg}`);
    }
  }
  return { options, kubeconfig };
}

/** Runs the server until SIGINT/SIGTERM. */
export async function runCli(args: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const server = await startFakeApiServer(parsed.options);
  if (parsed.kubeconfig) await server.writeKubeconfig(parsed.kubeconfig);
  console.log(`listening on ${server.url}`);
  const { promise, resolve } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, resolve);
  await promise;
  for (const signal of signals) Deno.removeSignalListener(signal, resolve);
  await server.close();
  Deno.exit(0);
}
