/**
 * {@linkcode AuthProvider} implementations: none, a static bearer token, HTTP basic, a token file that is
 * re-read as the kubelet rotates it, and exec credential plugins (`client.authentication.k8s.io/v1` and
 * `v1beta1`).
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { denoOs, describeOsError, isMissing, type OsSeam } from "./_os.ts";
import { KubeConfigError } from "./errors.ts";
import type { AuthProvider, Credentials } from "./types.ts";
import { isRecord } from "../json.ts";

/**
 * How often a token file is re-read at most; client-go re-reads bound service account tokens every minute.
 */
export const TOKEN_FILE_REFRESH_MS = 60_000;
/** How long an exec credential plugin may run before it is killed. */
export const EXEC_TIMEOUT_MS = 60_000;
/**
 * How long before `expirationTimestamp` exec credentials are refreshed, so no request carries a dying token.
 */
export const EXEC_REFRESH_SKEW_MS = 10_000;
/** How much of a failing plugin's stderr goes into the error message. */
const STDERR_LIMIT = 2_000;

const EXEC_API_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];

/** No request credentials (anonymous, or authentication by the static client certificate alone). */
export class NoAuth implements AuthProvider {
  /** Short description for logs. */
  readonly description: string;

  /** @param description what authenticates instead, e.g. `client certificate`; `none` by default */
  constructor(description = "none") {
    this.description = description;
  }

  /** Always empty credentials. */
  credentials(signal?: AbortSignal): Promise<Credentials> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return Promise.resolve({});
  }

  /** Nothing to drop. */
  invalidate(): void {}
}

/** A bearer token fixed in the configuration (kubeconfig `token`). */
export class StaticTokenAuth implements AuthProvider {
  /** Short description for logs. */
  readonly description = "token";
  #token: string;

  /** @param token the bearer token */
  constructor(token: string) {
    this.#token = token;
  }

  /** The token. */
  credentials(signal?: AbortSignal): Promise<Credentials> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return Promise.resolve({ token: this.#token });
  }

  /** Nothing to drop: a fixed token cannot be refreshed. */
  invalidate(): void {}
}

/** HTTP basic credentials (legacy kubeconfig `username`/`password`). */
export class BasicAuth implements AuthProvider {
  /** Short description for logs. */
  readonly description: string;
  #username: string;
  #password: string;

  /**
   * @param username the user name
   * @param password the password
   */
  constructor(username: string, password: string) {
    this.description = `basic auth user "${username}"`;
    this.#username = username;
    this.#password = password;
  }

  /** The user name and password. */
  credentials(signal?: AbortSignal): Promise<Credentials> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return Promise.resolve({ basic: { username: this.#username, password: this.#password } });
  }

  /** Nothing to drop. */
  invalidate(): void {}
}

/** Options of {@linkcode TokenFileAuth}. */
export interface TokenFileAuthOptions {
  /** File system seam; the real one by default. */
  os?: OsSeam;
  /** Time source for the refresh interval; the system clock by default. */
  clock?: Clock;
  /**
   * Re-read the file when the last read is older than this (milliseconds); {@linkcode TOKEN_FILE_REFRESH_MS}.
   */
  refreshMs?: number;
  /** A token already read from the file (at startup), used until the first refresh is due. */
  initialToken?: string;
}

/**
 * A bearer token read from a file (kubeconfig `tokenFile`, the in-cluster service account token) and re-read
 * at most every `refreshMs`, or on the next call after {@linkcode TokenFileAuth.invalidate}, because bound
 * service account tokens are rotated by the kubelet. Like client-go, a failed re-read keeps the last good
 * token unless it was invalidated.
 */
export class TokenFileAuth implements AuthProvider {
  /** Short description for logs. */
  readonly description: string;
  #path: string;
  #os: OsSeam;
  #clock: Clock;
  #refreshMs: number;
  #token: string | undefined;
  #readAt = 0;
  #stale = false;
  #reading: Promise<string> | undefined;

  /**
   * @param path the token file
   * @param options seams, refresh interval and an optional token read at startup
   */
  constructor(path: string, options: TokenFileAuthOptions = {}) {
    this.description = `token file ${path}`;
    this.#path = path;
    this.#os = options.os ?? denoOs;
    this.#clock = options.clock ?? systemClock;
    this.#refreshMs = options.refreshMs ?? TOKEN_FILE_REFRESH_MS;
    if (options.initialToken !== undefined) {
      this.#token = options.initialToken;
      this.#readAt = this.#clock.now();
    }
  }

  /** The current token, re-reading the file when the cached one is due or was invalidated. */
  async credentials(signal?: AbortSignal): Promise<Credentials> {
    signal?.throwIfAborted();
    if (this.#token !== undefined && !this.#stale && this.#clock.now() - this.#readAt < this.#refreshMs) {
      return { token: this.#token };
    }
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return { token: await raceSignal(this.#reading, signal) };
  }

  /** Makes the next call re-read the file. */
  invalidate(): void {
    this.#stale = true;
  }

  async #read(): Promise<string> {
    const readAt = this.#clock.now();
    try {
      const token = await readTokenFile(this.#path, { os: this.#os });
      this.#token = token;
      this.#readAt = readAt;
      this.#stale = false;
      return token;
    } catch (error) {
      if (this.#token !== undefined && !this.#stale) return this.#token;
      throw error;
    }
  }
}

/** Options of {@linkcode readTokenFile}. */
export interface ReadTokenFileOptions {
  /** File system seam; the real one by default. */
  os?: OsSeam;
}

/**
 * Reads a bearer token file, trimming surrounding whitespace; throws {@linkcode KubeConfigError} when
 * unusable.
 */
export async function readTokenFile(path: string, options: ReadTokenFileOptions = {}): Promise<string> {
  const os = options.os ?? denoOs;
  let text: string;
  try {
    text = await os.readTextFile(path);
  } catch (error) {
    throw new KubeConfigError(`Cannot read token file "${path}": ${describeOsError(error)}`, {
      cause: error,
    });
  }
  const token = text.trim();
  if (token === "") throw new KubeConfigError(`Cannot read token file "${path}": file is empty`);
  return token;
}

/** One `name`/`value` pair of an exec plugin's `env` list. */
export interface ExecEnvVar {
  /** Variable name. */
  name: string;
  /** Variable value. */
  value: string;
}

/** The kubeconfig `users[].user.exec` stanza. */
export interface ExecConfig {
  /** `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`. */
  apiVersion: string;
  /** The plugin binary: a name looked up in `PATH` or a path. */
  command: string;
  /** Arguments of the plugin. */
  args?: string[];
  /** Variables added to the agent's environment for the plugin. */
  env?: ExecEnvVar[];
  /** Shown when the command does not exist, e.g. how to install it. */
  installHint?: string;
  /** Whether to pass the cluster (`spec.cluster`) in `KUBERNETES_EXEC_INFO`. */
  provideClusterInfo?: boolean;
  /** `Never`, `IfAvailable` or `Always`; the agent has no terminal, so `Always` is rejected. */
  interactiveMode?: string;
}

/** The cluster passed to a plugin in `spec.cluster` when `provideClusterInfo` is set. */
export interface ExecClusterInfo {
  /** API server URL. */
  server: string;
  /** Base64 of the PEM CA bundle, when the cluster has one. */
  "certificate-authority-data"?: string;
  /** The cluster's `client.authentication.k8s.io/exec` extension, when present. */
  config?: unknown;
}

/** Options of {@linkcode ExecCredentialAuth}. */
export interface ExecCredentialAuthOptions {
  /** Process seam; the real one by default. */
  os?: OsSeam;
  /** Time source for expiry and the run timeout; the system clock by default. */
  clock?: Clock;
  /** The cluster to describe when the plugin asks for it (`provideClusterInfo`). */
  cluster?: ExecClusterInfo;
  /** Kills the plugin after this many milliseconds; {@linkcode EXEC_TIMEOUT_MS} by default. */
  timeoutMs?: number;
  /** Refreshes this long before expiry (milliseconds); {@linkcode EXEC_REFRESH_SKEW_MS} by default. */
  refreshSkewMs?: number;
}

interface CachedCredentials {
  credentials: Credentials;
  /** Epoch milliseconds; `undefined` means valid until invalidated. */
  expiresAt?: number;
}

/**
 * Credentials from an exec credential plugin. The result is cached until shortly before `expirationTimestamp`
 * (or until {@linkcode ExecCredentialAuth.invalidate} when the plugin gave none); concurrent callers share
 * one run. Rejects unsupported configurations in the constructor with {@linkcode KubeConfigError}.
 */
export class ExecCredentialAuth implements AuthProvider {
  /** Short description for logs. */
  readonly description: string;
  #config: ExecConfig;
  #os: OsSeam;
  #clock: Clock;
  #cluster: ExecClusterInfo | undefined;
  #timeoutMs: number;
  #refreshSkewMs: number;
  #cached: CachedCredentials | undefined;
  #running: Promise<Credentials> | undefined;
  #generation = 0;

  /**
   * @param config the kubeconfig `exec` stanza
   * @param options seams, cluster info, timeout and refresh skew
   */
  constructor(config: ExecConfig, options: ExecCredentialAuthOptions = {}) {
    validateExecConfig(config);
    this.description = `exec ${config.command}`;
    this.#config = config;
    this.#os = options.os ?? denoOs;
    this.#clock = options.clock ?? systemClock;
    this.#cluster = options.cluster;
    this.#timeoutMs = options.timeoutMs ?? EXEC_TIMEOUT_MS;
    this.#refreshSkewMs = options.refreshSkewMs ?? EXEC_REFRESH_SKEW_MS;
  }

  /**
   * Cached credentials, or the result of a (shared) plugin run when there are none or they are about to
   * expire.
   */
  credentials(signal?: AbortSignal): Promise<Credentials> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const cached = this.#cached;
    if (
      cached && (cached.expiresAt === undefined || this.#clock.now() < cached.expiresAt - this.#refreshSkewMs)
    ) {
      return Promise.resolve(cached.credentials);
    }
    this.#running ??= this.#refresh();
    return raceSignal(this.#running, signal);
  }

  /** Drops the cached credentials (and forgets a run in progress) so the next call runs the plugin again. */
  invalidate(): void {
    this.#generation++;
    this.#cached = undefined;
    this.#running = undefined;
  }

  async #refresh(): Promise<Credentials> {
    const generation = this.#generation;
    try {
      const result = await this.#run();
      if (generation === this.#generation) this.#cached = result;
      return result.credentials;
    } finally {
      if (generation === this.#generation) this.#running = undefined;
    }
  }

  async #run(): Promise<CachedCredentials> {
    const { command } = this.#config;
    const env: Record<string, string> = {};
    for (const { name, value } of this.#config.env ?? []) env[name] = value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify(this.#request());

    const kill = new AbortController();
    const stopTimer = new AbortController();
    let timedOut = false;
    const timer = this.#clock.sleep(this.#timeoutMs, stopTimer.signal).then(() => {
      timedOut = true;
      kill.abort();
    }, () => {});
    let output;
    try {
      output = await this.#os.run(command, { args: this.#config.args ?? [], env, signal: kill.signal });
    } catch (error) {
      if (timedOut) throw this.#timeoutError();
      let message = `Cannot run exec credential plugin "${command}": ${
        describeOsError(error, { what: "command" })
      }`;
      if (isMissing(error) && this.#config.installHint) message += `\n${this.#config.installHint.trim()}`;
      throw new KubeConfigError(message, { cause: error });
    } finally {
      stopTimer.abort();
      await timer;
    }
    if (timedOut) throw this.#timeoutError();
    if (output.code !== 0) {
      const stderr = boundedText(output.stderr);
      const how = output.signal ? `killed by ${output.signal}` : `exit code ${output.code}`;
      throw new KubeConfigError(
        `Cannot run exec credential plugin "${command}": ${how}${stderr ? `: ${stderr}` : ""}`,
      );
    }
    return this.#parse(output.stdout);
  }

  #request(): unknown {
    const spec: { interactive: boolean; cluster?: ExecClusterInfo } = { interactive: false };
    if (this.#config.provideClusterInfo && this.#cluster) spec.cluster = this.#cluster;
    return { apiVersion: this.#config.apiVersion, kind: "ExecCredential", spec };
  }

  #timeoutError(): KubeConfigError {
    return new KubeConfigError(
      `Cannot run exec credential plugin "${this.#config.command}": timed out after ${this.#timeoutMs} ms`,
    );
  }

  #parse(stdout: string): CachedCredentials {
    const fail = (detail: string, cause?: unknown) =>
      new KubeConfigError(
        `Cannot read the output of exec credential plugin "${this.#config.command}": ${detail}`,
        {
          cause,
        },
      );
    let document: unknown;
    try {
      document = JSON.parse(stdout);
    } catch (error) {
      const snippet = boundedText(stdout, 200);
      throw fail(
        `not valid JSON (${error instanceof Error ? error.message : error})${snippet ? `: ${snippet}` : ""}`,
      );
    }
    if (!isRecord(document) || document.kind !== "ExecCredential") {
      throw fail(`expected an object of kind "ExecCredential"`);
    }
    if (document.apiVersion !== this.#config.apiVersion) {
      throw fail(
        `apiVersion "${document.apiVersion}" does not match the configured "${this.#config.apiVersion}"`,
      );
    }
    const status = document.status;
    if (!isRecord(status)) throw fail(`"status" is missing`);
    const credentials: Credentials = {};
    if (status.token !== undefined && status.token !== "") {
      if (typeof status.token !== "string") throw fail(`"status.token" must be a string`);
      credentials.token = status.token;
    }
    const { clientCertificateData: certPem, clientKeyData: keyPem } = status;
    if (certPem !== undefined || keyPem !== undefined) {
      if (typeof certPem !== "string" || typeof keyPem !== "string" || certPem === "" || keyPem === "") {
        throw fail(`"status.clientCertificateData" and "status.clientKeyData" must be set together`);
      }
      credentials.clientCert = { certPem, keyPem };
    }
    if (!credentials.token && !credentials.clientCert) {
      throw fail(`"status" has neither a token nor a client certificate`);
    }
    if (status.expirationTimestamp === undefined || status.expirationTimestamp === null) {
      return { credentials };
    }
    const expiresAt = typeof status.expirationTimestamp === "string"
      ? Date.parse(status.expirationTimestamp)
      : NaN;
    if (Number.isNaN(expiresAt)) {
      throw fail(
        `"status.expirationTimestamp" ${JSON.stringify(status.expirationTimestamp)} is not a timestamp`,
      );
    }
    return { credentials, expiresAt };
  }
}

/** Throws {@linkcode KubeConfigError} when an exec stanza uses something the agent cannot honour. */
export function validateExecConfig(config: ExecConfig): void {
  const prefix = `Cannot use exec credential plugin "${config.command}"`;
  if (!config.command) throw new KubeConfigError(`Cannot use exec credential plugin: "command" is not set`);
  if (config.apiVersion === "client.authentication.k8s.io/v1alpha1") {
    throw new KubeConfigError(
      `${prefix}: apiVersion "${config.apiVersion}" is no longer supported; ` +
        `update the plugin and use "client.authentication.k8s.io/v1" or "client.authentication.k8s.io/v1beta1"`,
    );
  }
  if (!EXEC_API_VERSIONS.includes(config.apiVersion)) {
    throw new KubeConfigError(
      `${prefix}: apiVersion "${config.apiVersion ?? ""}" is not supported; ` +
        `use "client.authentication.k8s.io/v1" or "client.authentication.k8s.io/v1beta1"`,
    );
  }
  switch (config.interactiveMode) {
    case undefined:
    case "":
    case "Never":
    case "IfAvailable":
      return;
    case "Always":
      throw new KubeConfigError(
        `${prefix}: interactiveMode "Always" needs a terminal and the agent is never interactive; ` +
          `use "IfAvailable" or "Never" with credentials the plugin can obtain without prompting`,
      );
    default:
      throw new KubeConfigError(
        `${prefix}: interactiveMode "${config.interactiveMode}" is not one of "Never", "IfAvailable", "Always"`,
      );
  }
}

function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  const { promise: aborted, reject } = Promise.withResolvers<never>();
  const onAbort = () => reject(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

function boundedText(text: string, limit = STDERR_LIMIT): string {
  const trimmed = text.trim();
  return trimmed.length > limit ? `${trimmed.slice(0, limit)} ...(truncated)` : trimmed;
}
