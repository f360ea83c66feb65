/**
 * In-cluster configuration from the pod's service account: the API server from `KUBERNETES_SERVICE_HOST` and
 * `KUBERNETES_SERVICE_PORT` (like client-go, not a hard-coded `kubernetes.default.svc` name), the CA, the
 * namespace and a token file that is re-read as the kubelet rotates it.
 *
 * @module
 */

import { join } from "node:path";
import { type Clock, systemClock } from "../clock.ts";
import { denoOs, describeOsError, isMissing, type OsSeam } from "./_os.ts";
import { readTokenFile, TokenFileAuth } from "./auth.ts";
import { KubeConfigError } from "./errors.ts";
import type { ConnectionConfig } from "./types.ts";

/** Where the kubelet mounts the service account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Options of {@linkcode loadInClusterConfig}. */
export interface InClusterOptions {
  /** File system and environment seam; the real one by default. */
  os?: OsSeam;
  /** Time source for the token refresh interval; the system clock by default. */
  clock?: Clock;
  /** The service account directory; {@linkcode SERVICE_ACCOUNT_DIR} by default. */
  serviceAccountDir?: string;
  /** Re-reads the token at most this often (milliseconds). */
  tokenRefreshMs?: number;
}

/** Options of {@linkcode isInCluster}. */
export interface IsInClusterOptions {
  /** Environment seam; the real one by default. */
  os?: OsSeam;
}

/** Whether the environment describes an in-cluster API server (both service variables set). */
export function isInCluster(options: IsInClusterOptions = {}): boolean {
  const os = options.os ?? denoOs;
  return Boolean(os.env("KUBERNETES_SERVICE_HOST") && os.env("KUBERNETES_SERVICE_PORT"));
}

/** The API server URL for a service host and port, bracketing IPv6 addresses: `https://[fd00::1]:443`. */
export function inClusterServer(host: string, port: string): string {
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `https://${bracketed}:${port}`;
}

/**
 * Builds the connection of a pod: server from the service variables, CA `ca.crt`, namespace `POD_NAMESPACE`
 * or the `namespace` file (`default` when neither), and the `token` file re-read on rotation. Checks read
 * permissions first so a missing `--allow-read` fails with a clear message instead of prompting.
 */
export async function loadInClusterConfig(options: InClusterOptions = {}): Promise<ConnectionConfig> {
  const os = options.os ?? denoOs;
  const clock = options.clock ?? systemClock;
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = os.env("KUBERNETES_SERVICE_HOST");
  const port = os.env("KUBERNETES_SERVICE_PORT");
  if (!host || !port) {
    throw new KubeConfigError(
      "Cannot load in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set",
    );
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new KubeConfigError(
      `Cannot load in-cluster configuration: KUBERNETES_SERVICE_PORT "${port}" is not a port`,
    );
  }

  const tokenPath = join(dir, "token");
  const caPath = join(dir, "ca.crt");
  const namespacePath = join(dir, "namespace");
  for (const path of [tokenPath, caPath, namespacePath]) {
    if (!(await os.canRead(path))) {
      throw new KubeConfigError(
        `Cannot read service account file "${path}": lacking --allow-read=${dir} (or a parent directory)`,
      );
    }
  }

  const initialToken = await readTokenFile(tokenPath, { os });
  let caPem: string;
  try {
    caPem = await os.readTextFile(caPath);
  } catch (error) {
    throw new KubeConfigError(`Cannot read service account CA "${caPath}": ${describeOsError(error)}`, {
      cause: error,
    });
  }
  if (!caPem.includes("-----BEGIN ")) {
    throw new KubeConfigError(`Cannot use service account CA "${caPath}": the file is not PEM`);
  }

  return {
    server: inClusterServer(host, port),
    caPem,
    auth: new TokenFileAuth(tokenPath, { os, clock, initialToken, refreshMs: options.tokenRefreshMs }),
    namespace: os.env("POD_NAMESPACE") || await readNamespace(namespacePath, os),
    source: `in-cluster (service account ${dir})`,
  };
}

async function readNamespace(path: string, os: OsSeam): Promise<string> {
  try {
    return (await os.readTextFile(path)).trim() || "default";
  } catch (error) {
    if (isMissing(error)) return "default";
    throw new KubeConfigError(`Cannot read service account namespace "${path}": ${describeOsError(error)}`, {
      cause: error,
    });
  }
}
