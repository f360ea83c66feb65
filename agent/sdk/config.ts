/**
 * The entry point that finds the agent's connection: `AGENT_KUBECONFIG`, then `KUBECONFIG`, then the
 * in-cluster service account, then `~/.kube/config`.
 *
 * @module
 */

import { join } from "node:path";
import type { Clock } from "../clock.ts";
import { denoOs, type OsSeam } from "./_os.ts";
import { KubeConfigError } from "./errors.ts";
import { isInCluster, loadInClusterConfig } from "./in_cluster.ts";
import { loadKubeconfig, resolveKubeconfig } from "./kubeconfig.ts";
import type { ConnectionConfig } from "./types.ts";

/** Options of {@linkcode loadConnectionConfig}. */
export interface LoadConnectionConfigOptions {
  /** A kubeconfig context to use instead of `current-context`; an error with the in-cluster configuration. */
  context?: string;
  /** File system, environment and process seam; the real one by default. */
  os?: OsSeam;
  /** Time source for credential refreshes; the system clock by default. */
  clock?: Clock;
  /** The service account directory; `/var/run/secrets/kubernetes.io/serviceaccount` by default. */
  serviceAccountDir?: string;
  /** Kills an exec credential plugin after this many milliseconds. */
  execTimeoutMs?: number;
  /** Re-reads token files at most this often (milliseconds). */
  tokenRefreshMs?: number;
}

/**
 * Finds and resolves the connection configuration, in this order:
 * 1. `AGENT_KUBECONFIG`: one kubeconfig path;
 * 2. `KUBECONFIG`: a colon-separated list merged first-wins (missing files skipped, but not all of them);
 * 3. the in-cluster service account, when `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` are set;
 * 4. `$HOME/.kube/config`.
 *
 * Throws {@linkcode KubeConfigError} listing what was tried when nothing is found.
 */
export async function loadConnectionConfig(
  options: LoadConnectionConfigOptions = {},
): Promise<ConnectionConfig> {
  const os = options.os ?? denoOs;
  const resolveOptions = {
    context: options.context,
    os,
    clock: options.clock,
    execTimeoutMs: options.execTimeoutMs,
    tokenRefreshMs: options.tokenRefreshMs,
  };
  const tried: string[] = [];

  const agentKubeconfig = os.env("AGENT_KUBECONFIG");
  if (agentKubeconfig) {
    return resolveKubeconfig(await loadKubeconfig(agentKubeconfig, { os }), resolveOptions);
  }
  tried.push("AGENT_KUBECONFIG (unset)");

  const kubeconfigList = os.env("KUBECONFIG")?.split(":").filter((path) => path !== "") ?? [];
  if (kubeconfigList.length > 0) {
    return resolveKubeconfig(await loadKubeconfig(kubeconfigList, { os }), resolveOptions);
  }
  tried.push("KUBECONFIG (unset)");

  if (isInCluster({ os })) {
    if (options.context) {
      throw new KubeConfigError(
        `Cannot select context "${options.context}": the in-cluster configuration has no contexts; ` +
          "set AGENT_KUBECONFIG or KUBECONFIG to use a kubeconfig",
      );
    }
    return loadInClusterConfig({
      os,
      clock: options.clock,
      serviceAccountDir: options.serviceAccountDir,
      tokenRefreshMs: options.tokenRefreshMs,
    });
  }
  tried.push("in-cluster service account (KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT unset)");

  const home = os.homeDir();
  if (home) {
    const path = join(home, ".kube", "config");
    if (await os.stat(path)) return resolveKubeconfig(await loadKubeconfig(path, { os }), resolveOptions);
    tried.push(`"${path}" (file not found)`);
  } else {
    tried.push("~/.kube/config (HOME unset)");
  }

  throw new KubeConfigError(`Cannot find a Kubernetes configuration: tried ${tried.join(", ")}`);
}
