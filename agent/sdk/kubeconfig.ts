/**
 * kubeconfig files: parsing (`npm:yaml`), merging the way kubectl merges `KUBECONFIG` (first file wins per
 * cluster, user and context name), and resolving one context into a {@linkcode ConnectionConfig}.
 *
 * Settings that Deno's `fetch` cannot honour per client are rejected with an error that names the setting and
 * the way out, never silently dropped.
 *
 * @module
 */

import { dirname, isAbsolute, join } from "node:path";
import { parse, YAMLParseError } from "yaml";
import { type Clock, systemClock } from "../clock.ts";
import { denoOs, describeOsError, type OsSeam } from "./_os.ts";
import {
  BasicAuth,
  type ExecClusterInfo,
  type ExecConfig,
  ExecCredentialAuth,
  NoAuth,
  readTokenFile,
  StaticTokenAuth,
  TokenFileAuth,
} from "./auth.ts";
import { KubeConfigError } from "./errors.ts";
import type { AuthProvider, ConnectionConfig } from "./types.ts";
import { isRecord } from "../json.ts";

/** The kubeconfig cluster extension whose `extension` is passed to exec plugins as `spec.cluster.config`. */
export const EXEC_CLUSTER_EXTENSION = "client.authentication.k8s.io/exec";

/**
 * One named cluster, user or context, remembering the file it came from (relative paths resolve against it).
 */
export interface KubeConfigEntry {
  /** The entry's `name`. */
  name: string;
  /** The kubeconfig file that defined it. */
  file: string;
  /** The `cluster`, `user` or `context` mapping, as parsed. */
  value: Record<string, unknown>;
}

/** One kubeconfig file, or several merged. */
export interface KubeConfig {
  /** The files this configuration was read from, in precedence order. */
  files: string[];
  /** `current-context`, from the first file that sets it. */
  currentContext?: string;
  /** Clusters by name. */
  clusters: Map<string, KubeConfigEntry>;
  /** Users (auth infos) by name. */
  users: Map<string, KubeConfigEntry>;
  /** Contexts by name. */
  contexts: Map<string, KubeConfigEntry>;
}

/** Options of {@linkcode loadKubeconfig}. */
export interface LoadKubeconfigOptions {
  /** File system seam; the real one by default. */
  os?: OsSeam;
}

/** Options of {@linkcode resolveKubeconfig}. */
export interface ResolveKubeconfigOptions {
  /** The context to use instead of `current-context`. */
  context?: string;
  /** File system and process seam; the real one by default. */
  os?: OsSeam;
  /** Time source for token and exec credential refreshes; the system clock by default. */
  clock?: Clock;
  /** Kills an exec credential plugin after this many milliseconds. */
  execTimeoutMs?: number;
  /** Re-reads a `tokenFile` at most this often (milliseconds). */
  tokenRefreshMs?: number;
}

const SECTIONS = [["clusters", "cluster"], ["users", "user"], ["contexts", "context"]] as const;

/**
 * Parses the text of one kubeconfig file; `path` names it in errors and anchors its relative paths. An empty
 * file is an empty configuration, as with kubectl.
 */
export function parseKubeconfig(text: string, path: string): KubeConfig {
  const fail = (detail: string, cause?: unknown) =>
    new KubeConfigError(`Cannot parse kubeconfig "${path}": ${detail}`, { cause });
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      throw fail(`malformed YAML: ${error.message.split("\n", 1)[0].replace(/:$/, "")}`, error);
    }
    // npm:yaml reads `LOG_TOKENS` and `LOG_STREAM` from the environment while parsing.
    throw fail(
      `${describeOsError(error)} (npm:yaml reads LOG_TOKENS and LOG_STREAM; allow them with --allow-env)`,
      error,
    );
  }
  const config: KubeConfig = { files: [path], clusters: new Map(), users: new Map(), contexts: new Map() };
  if (document === null || document === undefined) return config;
  if (!isRecord(document)) throw fail("the document is not a mapping");

  const current = document["current-context"];
  if (current !== undefined && current !== null && typeof current !== "string") {
    throw fail(`"current-context" must be a string`);
  }
  if (current) config.currentContext = current;

  for (const [section, field] of SECTIONS) {
    const list = document[section];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw fail(`"${section}" must be a list`);
    const target = config[section];
    list.forEach((item: unknown, index) => {
      const where = `${section}[${index}]`;
      if (!isRecord(item)) throw fail(`"${where}" must be a mapping`);
      if (typeof item.name !== "string" || item.name === "") {
        throw fail(`"${where}.name" must be a non-empty string`);
      }
      const value = item[field] ?? {};
      if (!isRecord(value)) throw fail(`"${where}.${field}" of "${item.name}" must be a mapping`);
      if (!target.has(item.name)) target.set(item.name, { name: item.name, file: path, value });
    });
  }
  return config;
}

/**
 * Merges configurations the way kubectl merges `KUBECONFIG`: the first one to define a name (or the current
 * context) wins.
 */
export function mergeKubeconfigs(configs: KubeConfig[]): KubeConfig {
  const merged: KubeConfig = { files: [], clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const config of configs) {
    merged.files.push(...config.files);
    merged.currentContext ??= config.currentContext;
    for (const [section] of SECTIONS) {
      for (const [name, entry] of config[section]) {
        if (!merged[section].has(name)) merged[section].set(name, entry);
      }
    }
  }
  return merged;
}

/**
 * Reads and merges kubeconfig files in precedence order. Missing files are skipped like kubectl does, but
 * when none of them exists the load fails.
 */
export async function loadKubeconfig(
  paths: string | string[],
  options: LoadKubeconfigOptions = {},
): Promise<KubeConfig> {
  const os = options.os ?? denoOs;
  const list = typeof paths === "string" ? [paths] : paths;
  const configs: KubeConfig[] = [];
  for (const path of list) {
    let info;
    try {
      info = await os.stat(path);
    } catch (error) {
      throw new KubeConfigError(`Cannot read kubeconfig "${path}": ${describeOsError(error)}`, {
        cause: error,
      });
    }
    if (info === undefined) continue;
    if (!info.isFile) throw new KubeConfigError(`Cannot read kubeconfig "${path}": not a file`);
    let text: string;
    try {
      text = await os.readTextFile(path);
    } catch (error) {
      throw new KubeConfigError(`Cannot read kubeconfig "${path}": ${describeOsError(error)}`, {
        cause: error,
      });
    }
    configs.push(parseKubeconfig(text, path));
  }
  if (configs.length === 0) {
    const what = list.length === 1 ? `"${list[0]}"` : `any of "${list.join(":")}"`;
    throw new KubeConfigError(`Cannot read kubeconfig ${what}: file not found`);
  }
  return mergeKubeconfigs(configs);
}

/**
 * Resolves one context (the `context` option, else `current-context`) into a {@linkcode ConnectionConfig}:
 * reads CA and client certificate files, validates the settings and builds the {@linkcode AuthProvider}.
 */
export async function resolveKubeconfig(
  config: KubeConfig,
  options: ResolveKubeconfigOptions = {},
): Promise<ConnectionConfig> {
  const os = options.os ?? denoOs;
  const clock = options.clock ?? systemClock;
  const files = `"${config.files.join(":")}"`;
  const contextName = options.context || config.currentContext;
  if (!contextName) {
    throw new KubeConfigError(
      `Cannot select a context in kubeconfig ${files}: "current-context" is not set and no context was given`,
    );
  }
  const context = config.contexts.get(contextName);
  if (!context) {
    const known = [...config.contexts.keys()].map((name) => `"${name}"`).join(", ") || "none";
    throw new KubeConfigError(
      `Cannot find context "${contextName}" in kubeconfig ${files}: known contexts are ${known}`,
    );
  }
  const contextWhere = `context "${contextName}" in "${context.file}"`;
  const clusterName = optionalString(context.value, "cluster", contextWhere);
  if (!clusterName) throw new KubeConfigError(`Cannot use ${contextWhere}: "cluster" is not set`);
  const cluster = config.clusters.get(clusterName);
  if (!cluster) {
    throw new KubeConfigError(
      `Cannot find cluster "${clusterName}" of context "${contextName}" in kubeconfig ${files}`,
    );
  }
  const userName = optionalString(context.value, "user", contextWhere);
  const user = userName ? config.users.get(userName) : undefined;
  if (userName && !user) {
    throw new KubeConfigError(
      `Cannot find user "${userName}" of context "${contextName}" in kubeconfig ${files}`,
    );
  }
  const namespace = optionalString(context.value, "namespace", contextWhere) || "default";

  const { server, caPem } = await resolveCluster(cluster, os);
  const resolved: ConnectionConfig = {
    server,
    auth: new NoAuth(),
    namespace,
    source: `kubeconfig ${config.files.join(":")} (context ${contextName})`,
  };
  if (caPem !== undefined) resolved.caPem = caPem;
  if (user) {
    const { clientCertPem, clientKeyPem, auth } = await resolveUser(user, {
      os,
      clock,
      cluster: cluster,
      server,
      caPem,
      execTimeoutMs: options.execTimeoutMs,
      tokenRefreshMs: options.tokenRefreshMs,
    });
    if (clientCertPem !== undefined && clientKeyPem !== undefined) {
      resolved.clientCertPem = clientCertPem;
      resolved.clientKeyPem = clientKeyPem;
    }
    resolved.auth = auth;
  }
  return resolved;
}

async function resolveCluster(
  cluster: KubeConfigEntry,
  os: OsSeam,
): Promise<{ server: string; caPem?: string }> {
  const where = `cluster "${cluster.name}" in "${cluster.file}"`;
  const value = cluster.value;
  let server = optionalString(value, "server", where);
  if (!server) throw new KubeConfigError(`Cannot use ${where}: "server" is not set`);
  // client-go accepts a bare host:port and assumes https.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) server = `https://${server}`;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeConfigError(`Cannot use ${where}: "server" "${server}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new KubeConfigError(`Cannot use ${where}: "server" "${server}" must be an http or https URL`);
  }
  server = server.replace(/\/+$/, "");
  if (isTrue(value["insecure-skip-tls-verify"])) {
    throw unsupported(
      where,
      "insecure-skip-tls-verify: true",
      "Deno cannot skip TLS verification for one client; set certificate-authority(-data) to the CA that signed " +
        "the server certificate, or remove the setting and run Deno with " +
        `--unsafely-ignore-certificate-errors=${url.hostname}`,
    );
  }
  if (optionalString(value, "tls-server-name", where)) {
    throw unsupported(
      where,
      "tls-server-name",
      'Deno\'s fetch cannot override the TLS server name; set "server" to a host name the server certificate ' +
        "covers and remove the setting",
    );
  }
  if (optionalString(value, "proxy-url", where)) {
    throw unsupported(
      where,
      "proxy-url",
      "remove the setting and set the HTTPS_PROXY environment variable, which Deno's fetch honours",
    );
  }
  const caPem = await readPem(cluster, "certificate-authority", { os, where });
  return caPem === undefined ? { server } : { server, caPem };
}

interface ResolveUserOptions {
  os: OsSeam;
  clock: Clock;
  cluster: KubeConfigEntry;
  server: string;
  caPem: string | undefined;
  execTimeoutMs: number | undefined;
  tokenRefreshMs: number | undefined;
}

interface ResolvedUser {
  clientCertPem?: string;
  clientKeyPem?: string;
  auth: AuthProvider;
}

async function resolveUser(user: KubeConfigEntry, options: ResolveUserOptions): Promise<ResolvedUser> {
  const { os, clock } = options;
  const where = `user "${user.name}" in "${user.file}"`;
  const value = user.value;
  const authProvider = value["auth-provider"];
  if (authProvider !== undefined && authProvider !== null) {
    const name = isRecord(authProvider) && typeof authProvider.name === "string"
      ? ` (${authProvider.name})`
      : "";
    throw unsupported(
      where,
      `auth-provider${name}`,
      "legacy auth providers were removed from Kubernetes clients; switch to an exec credential plugin, e.g. " +
        "gke-gcloud-auth-plugin for GKE or kubelogin for Azure and OIDC",
    );
  }
  for (const setting of ["as", "as-uid", "as-groups", "as-user-extra"]) {
    const setValue = value[setting];
    const isSet = Array.isArray(setValue)
      ? setValue.length > 0
      : isRecord(setValue)
      ? Object.keys(setValue).length > 0
      : setValue !== undefined && setValue !== null && setValue !== "";
    if (isSet) {
      throw unsupported(
        where,
        setting,
        "the agent does not impersonate; remove the setting and grant the agent's own identity the permissions " +
          "it needs",
      );
    }
  }

  const certPem = await readPem(user, "client-certificate", { os, where });
  const keyPem = await readPem(user, "client-key", { os, where });
  if ((certPem === undefined) !== (keyPem === undefined)) {
    const [found, missing] = certPem === undefined
      ? ["client-key", "client-certificate"]
      : ["client-certificate", "client-key"];
    throw new KubeConfigError(
      `Cannot use ${where}: "${found}" is set without "${missing}"; both (file or -data) are required together`,
    );
  }
  const cert = certPem !== undefined && keyPem !== undefined
    ? { clientCertPem: certPem, clientKeyPem: keyPem }
    : {};

  const token = optionalString(value, "token", where);
  const tokenFile = optionalString(value, "tokenFile", where);
  const username = optionalString(value, "username", where);
  const password = optionalString(value, "password", where);
  const exec = value.exec;
  const methods = [
    token || tokenFile ? "token" : undefined,
    username || password ? "username/password" : undefined,
    exec !== undefined && exec !== null ? "exec" : undefined,
  ].filter((method) => method !== undefined);
  if (methods.length > 1) {
    throw new KubeConfigError(
      `Cannot use ${where}: more than one authentication method is set (${
        methods.join(", ")
      }); keep only one`,
    );
  }

  if (tokenFile) {
    // Like client-go, the file wins over an inline token and must be readable at startup.
    const path = resolvePath(user.file, tokenFile);
    const initialToken = await readTokenFile(path, { os });
    return {
      ...cert,
      auth: new TokenFileAuth(path, { os, clock, initialToken, refreshMs: options.tokenRefreshMs }),
    };
  }
  if (token) return { ...cert, auth: new StaticTokenAuth(token) };
  if (username || password) {
    if (!username) throw new KubeConfigError(`Cannot use ${where}: "password" is set without "username"`);
    return { ...cert, auth: new BasicAuth(username, password ?? "") };
  }
  if (exec !== undefined && exec !== null) {
    const execConfig = parseExec(exec, user.file, where);
    return {
      ...cert,
      auth: new ExecCredentialAuth(execConfig, {
        os,
        clock,
        cluster: execClusterInfo(options),
        timeoutMs: options.execTimeoutMs,
      }),
    };
  }
  return { ...cert, auth: new NoAuth(certPem === undefined ? "none" : "client certificate") };
}

function parseExec(exec: unknown, file: string, where: string): ExecConfig {
  const execWhere = `"exec" of ${where}`;
  if (!isRecord(exec)) throw new KubeConfigError(`Cannot use ${execWhere}: it must be a mapping`);
  let command = optionalString(exec, "command", execWhere);
  if (!command) throw new KubeConfigError(`Cannot use ${execWhere}: "command" is not set`);
  // client-go resolves a relative command with a directory part (./bin/plugin) against the kubeconfig's
  // directory.
  if (command.includes("/") && !isAbsolute(command)) command = resolvePath(file, command);
  const apiVersion = optionalString(exec, "apiVersion", execWhere);
  if (!apiVersion) throw new KubeConfigError(`Cannot use ${execWhere}: "apiVersion" is not set`);
  const args = exec.args ?? [];
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) {
    throw new KubeConfigError(`Cannot use ${execWhere}: "args" must be a list of strings`);
  }
  const envList = exec.env ?? [];
  if (!Array.isArray(envList)) throw new KubeConfigError(`Cannot use ${execWhere}: "env" must be a list`);
  const env = envList.map((item: unknown, index) => {
    if (!isRecord(item) || typeof item.name !== "string" || item.name === "") {
      throw new KubeConfigError(`Cannot use ${execWhere}: "env[${index}].name" must be a non-empty string`);
    }
    const envValue = item.value ?? "";
    if (typeof envValue !== "string") {
      throw new KubeConfigError(`Cannot use ${execWhere}: "env[${index}].value" must be a string`);
    }
    return { name: item.name, value: envValue };
  });
  const provideClusterInfo = exec.provideClusterInfo ?? false;
  if (typeof provideClusterInfo !== "boolean") {
    throw new KubeConfigError(`Cannot use ${execWhere}: "provideClusterInfo" must be a boolean`);
  }
  const config: ExecConfig = { apiVersion, command, args, env, provideClusterInfo };
  const installHint = optionalString(exec, "installHint", execWhere);
  if (installHint) config.installHint = installHint;
  const interactiveMode = optionalString(exec, "interactiveMode", execWhere);
  if (interactiveMode) config.interactiveMode = interactiveMode;
  return config;
}

function execClusterInfo(options: ResolveUserOptions): ExecClusterInfo {
  const info: ExecClusterInfo = { server: options.server };
  if (options.caPem !== undefined) {
    info["certificate-authority-data"] = new TextEncoder().encode(options.caPem).toBase64();
  }
  const extensions = options.cluster.value.extensions;
  if (Array.isArray(extensions)) {
    const extension = extensions.find((item) => isRecord(item) && item.name === EXEC_CLUSTER_EXTENSION);
    if (isRecord(extension) && extension.extension !== undefined) info.config = extension.extension;
  }
  return info;
}

/**
 * Reads `<field>-data` (base64, preferred as in client-go) or the file named by `<field>`; PEM text or
 * `undefined`.
 */
async function readPem(
  entry: KubeConfigEntry,
  field: "certificate-authority" | "client-certificate" | "client-key",
  options: { os: OsSeam; where: string },
): Promise<string | undefined> {
  const { os, where } = options;
  const data = optionalString(entry.value, `${field}-data`, where);
  if (data) {
    let pem: string;
    try {
      pem = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.fromBase64(data.replace(/\s+/g, "")));
    } catch (error) {
      throw new KubeConfigError(`Cannot decode "${field}-data" of ${where}: not valid base64 of PEM text`, {
        cause: error,
      });
    }
    if (!pem.includes("-----BEGIN ")) {
      throw new KubeConfigError(`Cannot use "${field}-data" of ${where}: the decoded data is not PEM`);
    }
    return pem;
  }
  const file = optionalString(entry.value, field, where);
  if (!file) return undefined;
  const path = resolvePath(entry.file, file);
  let pem: string;
  try {
    pem = await os.readTextFile(path);
  } catch (error) {
    throw new KubeConfigError(`Cannot read "${field}" "${path}" of ${where}: ${describeOsError(error)}`, {
      cause: error,
    });
  }
  if (!pem.includes("-----BEGIN ")) {
    throw new KubeConfigError(`Cannot use "${field}" "${path}" of ${where}: the file is not PEM`);
  }
  return pem;
}

function resolvePath(kubeconfigFile: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(kubeconfigFile), path);
}

function unsupported(where: string, setting: string, wayOut: string): KubeConfigError {
  return new KubeConfigError(`Cannot use ${where}: "${setting}" is not supported: ${wayOut}`);
}

function optionalString(value: Record<string, unknown>, key: string, where: string): string | undefined {
  const found = value[key];
  if (found === undefined || found === null) return undefined;
  if (typeof found !== "string") throw new KubeConfigError(`Cannot use ${where}: "${key}" must be a string`);
  return found;
}

/** YAML 1.1 (which kubectl's parser follows) also spells true as `yes`/`on`. */
function isTrue(value: unknown): boolean {
  return value === true || (typeof value === "string" && /^(true|yes|y|on)$/i.test(value));
}
