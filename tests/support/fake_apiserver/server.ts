/**
 * The fake API server: lifecycle, authentication, routing, fault injection, observability and the in-process
 * state API. See {@linkcode startFakeApiServer}.
 *
 * @module
 */

import { simulateCluster, type SimulationOptions } from "../simulator.ts";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery.ts";
import { loadFixtureFile } from "./fixtures.ts";
import { type HandlerContext, handleResource, verbOf } from "./handlers.ts";
import { type KubeconfigOptions, renderKubeconfig } from "./kubeconfig.ts";
import { ContinueTokens } from "./list.ts";
import { openApiGroupVersion, openApiRoot } from "./openapi.ts";
import { type FaultAction, FaultRules, matchesFilter, RequestLog } from "./observability.ts";
import { PodLogs, type SetLogOptions } from "./pod_logs.ts";
import { Registry } from "./registry.ts";
import { findByKind, groupVersion, resolveResource, type ResourceInfo, RESOURCES } from "./resources.ts";
import { isLegacyWatchPath, parsePath } from "./router.ts";
import { ApiError, errorForCode, forbidden, internalError, pathNotFound, unauthorized } from "./status.ts";
import { ObjectStore } from "./store.ts";
import { TimerSet } from "./timers.ts";
import { certificates, type CertificateSet, type KeyType } from "./tls.ts";
import { type ApiRequest, type ApiResponse, listen, type Transport } from "./transport.ts";
import {
  clone,
  type KubeObject,
  type LogGenerator,
  type LogLine,
  type Obj,
  type RequestFilter,
  type RequestInfo,
  type RequestLogEntry,
  rfc3339,
  type ServerStats,
} from "./types.ts";
import type { Reply } from "./handlers.ts";
import { type StreamSink, type WatchParams, WatchSession } from "./watch.ts";

/** TLS settings of {@linkcode FakeApiServerOptions.tls}. */
export interface TlsOptions {
  /** Key algorithm of the generated CA, server and client keys; `ec` (P-256) by default. */
  keyType?: KeyType;
  /**
   * Reject TLS connections without a client certificate signed by the CA (default `true`). When `false`, a
   * request authenticates with a valid client certificate or, if a token is set, the bearer token.
   */
  requireClientCert?: boolean;
}

/** Options of {@linkcode startFakeApiServer}. */
export interface FakeApiServerOptions {
  /** Interface to bind; `127.0.0.1` by default. */
  hostname?: string;
  /** Port; `0` (any free port) by default. */
  port?: number;
  /** Serve HTTPS with generated certificates and mutual TLS. */
  tls?: boolean | TlsOptions;
  /** Require `Authorization: Bearer <token>` (see {@linkcode FakeApiServer.setToken}). */
  token?: string;
  /** Objects to load at start: a fixture file path (YAML/JSON, multi-document or List) or objects. */
  fixtures?: string | readonly KubeObject[];
  /** Create `default`, `kube-system`, `kube-public` and `kube-node-lease` at start (default `true`). */
  defaultNamespaces?: boolean;
  /** Change events retained for watch replay (default 10000). */
  historySize?: number;
  /** Interval of BOOKMARK events for `allowWatchBookmarks=true` watches (default 60000 ms). */
  bookmarkIntervalMs?: number;
  /** Real milliseconds waited per second of pod grace period (default 10: 30 s grace = 300 ms). */
  podGraceScale?: number;
  /** Lifetime of continue tokens (default 300000 ms). */
  continueTtlMs?: number;
  /** Support `sendInitialEvents` (WatchList); `false` answers 422 like a server without it (default `true`). */
  watchList?: boolean;
  /** Serve `metrics.k8s.io` (default `true`); `false` answers 404 like a cluster without metrics-server. */
  metrics?: boolean;
  /** Delay before every answer (default 0). */
  latencyMs?: number;
  /** User named in Forbidden messages (default `system:serviceaccount:atlhyper:atlhyper-agent`). */
  user?: string;
  /** Entries kept in the request log (default 100000). */
  requestLogLimit?: number;
  /** resourceVersion before the first write (default 1000). */
  initialResourceVersion?: number;
  /** Populate and animate a cluster with the workload simulator. */
  simulate?: SimulationOptions;
}

/** Options of {@linkcode FakeApiServer.waitForWatch} and {@linkcode FakeApiServer.waitForRequest}. */
export interface WaitOptions {
  /** How many (default 1). */
  count?: number;
  /** Give up after this long (default 5000 ms); the promise rejects. */
  timeoutMs?: number;
}

/** Options of {@linkcode FakeApiServer.remove}. */
export interface RemoveOptions {
  /** Delete gracefully (pods): sets `deletionTimestamp` and removes after the scaled grace period. */
  gracePeriodSeconds?: number;
  /** Also delete objects owned by the removed one (like the garbage collector). */
  cascade?: boolean;
}

/** One container of {@linkcode FakeApiServer.setPodMetrics}. */
export interface ContainerUsage {
  /** Container name. */
  name: string;
  /** CPU quantity such as `12m`. */
  cpu: string;
  /** Memory quantity such as `64Mi`. */
  memory: string;
}

interface ForbidRule {
  info: ResourceInfo;
  subresource: string;
  verbs?: Set<string>;
}

interface Waiter {
  check: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  cancel: () => void;
}

const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function replayKey(request: ApiRequest): string {
  return `${request.method} ${request.url.pathname}${request.url.search}`;
}

function resourceOrThrow(ref: string, apiVersion?: string): ResourceInfo {
  const info = resolveResource(ref, apiVersion);
  if (!info) throw new Error(`Unknown resource: ${apiVersion ? `${apiVersion} ` : ""}${ref}`);
  return info;
}

/** A running fake kube-apiserver. Create with {@linkcode startFakeApiServer}; always `close()` it. */
export class FakeApiServer {
  #url = "";
  #port = 0;
  #hostname: string;
  #certs?: CertificateSet;
  #requireClientCert = true;
  #store: ObjectStore;
  #registry: Registry;
  #logs = new PodLogs();
  #tokens: ContinueTokens;
  #timers = new TimerSet();
  #log: RequestLog;
  #faults = new FaultRules();
  #transport?: Transport;
  #token?: string;
  #latency: number;
  #stall = false;
  #watchList: boolean;
  #bookmarkIntervalMs: number;
  #metrics: boolean;
  #user: string;
  #disabled = new Set<ResourceInfo>();
  #forbidden: ForbidRule[] = [];
  #sessions = new Set<WatchSession>();
  #waiters = new Set<Waiter>();
  #closeHooks: (() => void)[] = [];
  #replays: { key: string; connectionId: number; at: number }[] = [];
  #closed = false;
  #closing?: Promise<void>;
  #ctx: HandlerContext;

  private constructor(options: FakeApiServerOptions) {
    this.#hostname = options.hostname ?? "127.0.0.1";
    this.#store = new ObjectStore({
      historySize: options.historySize ?? 10000,
      initialResourceVersion: options.initialResourceVersion ?? 1000,
    });
    this.#registry = new Registry(this.#store, this.#timers, { podGraceScale: options.podGraceScale ?? 10 });
    this.#tokens = new ContinueTokens(options.continueTtlMs ?? 300_000);
    this.#log = new RequestLog(options.requestLogLimit ?? 100_000);
    this.#token = options.token;
    this.#latency = options.latencyMs ?? 0;
    this.#watchList = options.watchList ?? true;
    this.#bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
    this.#metrics = options.metrics ?? true;
    this.#user = options.user ?? "system:serviceaccount:atlhyper:atlhyper-agent";
    const watchList = () => this.#watchList;
    const bookmarkInterval = () => this.#bookmarkIntervalMs;
    this.#ctx = {
      store: this.#store,
      registry: this.#registry,
      logs: this.#logs,
      tokens: this.#tokens,
      get watchList() {
        return watchList();
      },
      get bookmarkIntervalMs() {
        return bookmarkInterval();
      },
      startWatch: (params, sink) => this.#startWatch(params, sink),
    };
  }

  /** Starts a server; prefer {@linkcode startFakeApiServer}. */
  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const server = new FakeApiServer(options);
    if (options.defaultNamespaces ?? true) {
      for (const name of DEFAULT_NAMESPACES) {
        server.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
      }
    }
    if (options.fixtures !== undefined) {
      if (typeof options.fixtures === "string") {
        server.load(await loadFixtureFile(options.fixtures), { adopt: true });
      } else server.load(options.fixtures);
    }
    const tls = options.tls === true ? {} : options.tls || undefined;
    if (tls) {
      server.#certs = await certificates(tls.keyType ?? "ec");
      server.#requireClientCert = tls.requireClientCert ?? true;
    }
    server.#transport = await listen((request) => server.#handle(request), {
      hostname: server.#hostname,
      port: options.port ?? 0,
      tls: server.#certs
        ? {
          cert: server.#certs.serverCertPem,
          key: server.#certs.serverKeyPem,
          ca: server.#certs.caPem,
          requireClientCert: server.#requireClientCert,
        }
        : undefined,
    });
    server.#port = server.#transport.port;
    server.#url = `${server.#certs ? "https" : "http"}://${server.#hostname}:${server.#port}`;
    if (options.simulate) {
      try {
        simulateCluster(server, options.simulate);
      } catch (error) {
        await server.close();
        throw error;
      }
    }
    return server;
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return this.#url;
  }

  /** Bound port. */
  get port(): number {
    return this.#port;
  }

  /** CA certificate (TLS mode). */
  get caPem(): string | undefined {
    return this.#certs?.caPem;
  }

  /** Client certificate signed by the CA (TLS mode). */
  get clientCertPem(): string | undefined {
    return this.#certs?.clientCertPem;
  }

  /** Client key, SEC1 (`EC PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) (TLS mode). */
  get clientKeyPem(): string | undefined {
    return this.#certs?.clientKeyPem;
  }

  /** Client key as PKCS#8 (`PRIVATE KEY`) (TLS mode). */
  get clientKeyPkcs8Pem(): string | undefined {
    return this.#certs?.clientKeyPkcs8Pem;
  }

  /** All generated certificate material, including a foreign client certificate the server rejects. */
  get certificates(): CertificateSet | undefined {
    return this.#certs;
  }

  /** The token currently required, if any. */
  get token(): string | undefined {
    return this.#token;
  }

  /** Changes the accepted bearer token at run time; `undefined` turns token checking off. */
  setToken(token: string | undefined): void {
    this.#token = token;
  }

  // ---------------------------------------------------------------- request handling

  async #handle(request: ApiRequest): Promise<ApiResponse> {
    const path = request.url.pathname;
    const query = Object.fromEntries(request.url.searchParams);
    const watch = query.watch === "true" || query.watch === "1" || isLegacyWatchPath(path);
    const info: RequestInfo = { method: request.method.toUpperCase(), path, query, watch };
    if (this.#latency > 0) await this.#timers.sleep(this.#latency);
    const fault = this.#closed || this.#isReplay(request) ? "reset" : this.#faults.take(info);
    if (fault === "reset") {
      if (request.connectionRequests > 0) {
        this.#replays.push({ key: replayKey(request), connectionId: request.connectionId, at: Date.now() });
      }
      this.#log.record(info, 0);
      return "reset";
    }
    let reply: Reply;
    try {
      if (fault !== undefined) throw errorForCode(fault);
      if (!this.#authenticated(request)) throw unauthorized();
      reply = this.#route(request, info);
    } catch (error) {
      const apiError = error instanceof ApiError
        ? error
        : internalError((error as Error)?.message ?? String(error));
      reply = { status: apiError.code, json: apiError.status, headers: apiError.headers };
    }
    return this.#toResponse(info, reply);
  }

  /**
   * HTTP clients (Deno's fetch, Go's transport) silently re-send a request once when a reused keep-alive
   * connection dies before the response head. A reset must also drop that immediate replay (same method and URL,
   * another connection, within 100 ms) or the client would never see the failure.
   */
  #isReplay(request: ApiRequest): boolean {
    const now = Date.now();
    this.#replays = this.#replays.filter((r) => now - r.at < 100);
    const key = replayKey(request);
    const index = this.#replays.findIndex((r) => r.key === key && r.connectionId !== request.connectionId);
    if (index < 0) return false;
    this.#replays.splice(index, 1);
    return true;
  }

  #toResponse(info: RequestInfo, reply: Reply): ApiResponse {
    const account = this.#log.record(info, reply.status);
    this.#notifyWaiters();
    if ("stream" in reply) {
      return {
        status: reply.status,
        headers: { "content-type": reply.contentType, "cache-control": "no-cache, private" },
        stream: reply.stream,
        account,
      };
    }
    if ("rawJson" in reply) {
      return {
        status: reply.status,
        headers: { "content-type": "application/json", "cache-control": "no-cache, private" },
        body: reply.rawJson,
        account,
      };
    }
    if ("text" in reply) {
      return {
        status: reply.status,
        headers: { "content-type": reply.contentType },
        body: reply.text,
        account,
      };
    }
    return {
      status: reply.status,
      headers: { "content-type": "application/json", "cache-control": "no-cache, private", ...reply.headers },
      body: JSON.stringify(reply.json),
      account,
    };
  }

  #authenticated(request: ApiRequest): boolean {
    if (request.clientCertVerified) return true;
    if (this.#token === undefined) return true;
    return request.headers.get("authorization") === `Bearer ${this.#token}`;
  }

  #served(info: ResourceInfo): boolean {
    return !this.#disabled.has(info) && (!info.metrics || this.#metrics);
  }

  #route(request: ApiRequest, info: RequestInfo): Reply {
    const route = parsePath(info.path);
    const served = (r: ResourceInfo) => this.#served(r);
    const json = (value: unknown): Reply => ({ status: 200, json: value });
    switch (route.type) {
      case "root":
        return json({ paths: ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"] });
      case "version":
        return json(versionInfo());
      case "health":
        return { status: 200, text: "ok", contentType: "text/plain; charset=utf-8" };
      case "api":
        return json(apiVersions(`${this.#hostname}:${this.#port}`));
      case "apis":
        return json(apiGroupList(served));
      case "group": {
        const doc = apiGroup(route.group, served);
        if (!doc) throw pathNotFound();
        return json(doc);
      }
      case "groupVersion": {
        const doc = apiResourceList(route.group, route.version, served);
        if (!doc) throw pathNotFound();
        return json(doc);
      }
      case "openapiV3": {
        const doc = route.path ? openApiGroupVersion(route.path, served) : openApiRoot(served);
        if (!doc) throw pathNotFound();
        return json(doc);
      }
      case "openapi":
      case "notFound":
        throw pathNotFound();
      case "resource": {
        if (!this.#served(route.info)) throw pathNotFound();
        const verb = verbOf(route, info.method, info.watch);
        const denied = this.#forbidden.some((rule) =>
          rule.info === route.info && rule.subresource === route.subresource &&
          (!rule.verbs || rule.verbs.has(verb))
        );
        if (denied) {
          throw forbidden(route.info, route.subresource, verb, this.#user, route.namespace, route.name);
        }
        return handleResource(this.#ctx, route, {
          method: info.method,
          query: info.query,
          headers: request.headers,
          body: request.body,
          watch: info.watch,
          info,
        });
      }
    }
  }

  // ---------------------------------------------------------------- watches

  #startWatch(params: WatchParams, sink: StreamSink): void {
    const session: WatchSession = new WatchSession(params, this.#store, this.#timers, sink, () => {
      this.#sessions.delete(session);
    });
    this.#sessions.add(session);
    session.start(this.#stall);
    this.#notifyWaiters();
  }

  /** Number of open watch streams matching `filter`. */
  openWatches(filter?: RequestFilter): number {
    let count = 0;
    for (const session of this.#sessions) if (matchesFilter(filter, session.request)) count++;
    return count;
  }

  /**
   * Resolves once at least `count` watch streams matching `filter` (e.g. a path prefix such as
   * `/api/v1/pods` or `/api/v1/namespaces/demo/pods`) are open. Rejects after `timeoutMs`.
   */
  waitForWatch(filter?: RequestFilter, options: WaitOptions = {}): Promise<void> {
    const count = options.count ?? 1;
    return this.#wait(() => this.openWatches(filter) >= count, `${count} open watch(es)`, options.timeoutMs);
  }

  /**
   * Resolves with the matching entries once the request log (since start or the last `resetRequestLog()`) holds
   * at least `count` requests matching `filter`. Rejects after `timeoutMs`.
   */
  async waitForRequest(filter?: RequestFilter, options: WaitOptions = {}): Promise<RequestLogEntry[]> {
    const count = options.count ?? 1;
    const matching = () => this.#log.entries.filter((e) => matchesFilter(filter, e));
    await this.#wait(() => matching().length >= count, `${count} request(s)`, options.timeoutMs);
    return matching();
  }

  #wait(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error("The fake API server is closed"));
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const waiter: Waiter = {
      check,
      resolve,
      reject,
      cancel: this.#timers.timeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs),
    };
    this.#waiters.add(waiter);
    return promise;
  }

  #notifyWaiters(): void {
    for (const waiter of [...this.#waiters]) {
      if (!waiter.check()) continue;
      this.#waiters.delete(waiter);
      waiter.cancel();
      waiter.resolve();
    }
  }

  /** Ends matching open watch streams cleanly (the client sees the response end). Returns how many. */
  closeWatches(filter?: RequestFilter): number {
    const matching = [...this.#sessions].filter((s) => matchesFilter(filter, s.request));
    for (const session of matching) session.close();
    return matching.length;
  }

  /**
   * Stalls matching open watch streams: the connection stays open but nothing more is sent (no events, no
   * bookmarks, no timeout end) until the client aborts. Returns how many.
   */
  stallWatches(filter?: RequestFilter): number {
    const matching = [...this.#sessions].filter((s) => !s.stalled && matchesFilter(filter, s.request));
    for (const session of matching) session.stall();
    return matching.length;
  }

  /**
   * Stall mode: while on, every open watch is stalled and new watches get their response headers but no data.
   * Turning it off lets new watches work again; streams already stalled stay stalled.
   */
  setStall(on: boolean): void {
    this.#stall = on;
    if (on) this.stallWatches();
  }

  /** Drops the whole event history: watching from any older resourceVersion gets a 410 Expired ERROR event. */
  compact(): void {
    this.#store.compact();
    this.#tokens.expireAll();
  }

  // ---------------------------------------------------------------- fault injection

  /**
   * The next `count` requests matching `filter` fail: with that HTTP status as a `Status` (429 and 503 carry
   * `Retry-After: 1`), or with `"reset"`: the connection is dropped before any response byte and `fetch` rejects
   * with a TypeError. When the dropped connection was a reused keep-alive one, the client's transparent replay of
   * the request (same method and URL within 100 ms) is dropped too, so the request log shows two entries with
   * status 0 for that one failure.
   */
  failNext(count: number, action: FaultAction, filter?: RequestFilter): void {
    this.#faults.add(count, action, filter);
  }

  /** Drops pending `failNext` rules. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** Delays every later answer by `ms`. */
  setLatency(ms: number): void {
    this.#latency = Math.max(0, ms);
  }

  /** Makes every outstanding continue token answer 410 Expired. */
  expireContinueTokens(): void {
    this.#tokens.expireAll();
  }

  /** Changes the lifetime of continue tokens. */
  setContinueTtl(ms: number): void {
    this.#tokens.ttlMs = ms;
  }

  /** Enables or disables WatchList (`sendInitialEvents`); disabled answers 422 like older servers. */
  setWatchList(enabled: boolean): void {
    this.#watchList = enabled;
  }

  /** Changes the bookmark interval of watches opened later. */
  setBookmarkInterval(ms: number): void {
    this.#bookmarkIntervalMs = ms;
  }

  /** Changes the real milliseconds waited per second of pod grace period. */
  setPodGraceScale(ms: number): void {
    this.#registry.podGraceScale = ms;
  }

  /** Makes `metrics.k8s.io` present (default) or absent (404 and gone from discovery). */
  setMetricsAvailable(available: boolean): void {
    this.#metrics = available;
  }

  /**
   * Denies requests like RBAC would (403 Forbidden). `resource` is a plural, `plural.group`, kind or short name,
   * optionally with a subresource (`pods/log`); `verbs` (get, list, watch, create, update, patch, delete,
   * deletecollection) default to all.
   */
  forbid(resource: string, verbs?: readonly string[]): void {
    const [ref, subresource = ""] = resource.split("/");
    this.#forbidden.push({
      info: resourceOrThrow(ref),
      subresource,
      verbs: verbs ? new Set(verbs) : undefined,
    });
  }

  /** Lifts `forbid` rules for `resource` (all rules when omitted). */
  allow(resource?: string): void {
    if (resource === undefined) {
      this.#forbidden = [];
      return;
    }
    const [ref, subresource = ""] = resource.split("/");
    const info = resourceOrThrow(ref);
    this.#forbidden = this.#forbidden.filter((r) => !(r.info === info && r.subresource === subresource));
  }

  /** Stops serving a resource: its paths answer 404 and discovery no longer lists it (nor an emptied group). */
  disableResource(resource: string): void {
    this.#disabled.add(resourceOrThrow(resource));
  }

  /** Serves a resource disabled with `disableResource` again. */
  enableResource(resource: string): void {
    this.#disabled.delete(resourceOrThrow(resource));
  }

  // ---------------------------------------------------------------- observability

  /** Every answered request, oldest first (live array; see {@linkcode RequestLogEntry}). */
  get requests(): readonly RequestLogEntry[] {
    return this.#log.entries;
  }

  /** Clears the request log and counters. */
  resetRequestLog(): void {
    this.#log.reset();
  }

  /** Request and byte counters, total and per path, plus open watches. */
  stats(): ServerStats {
    return this.#log.stats(this.#sessions.size);
  }

  // ---------------------------------------------------------------- state API

  /**
   * Creates or replaces an object through the same code paths as HTTP writes (a new resourceVersion, a watch
   * event, generation bumps), but trusted: the given uid, creationTimestamp, status and managedFields are kept.
   * A replace with no change is a no-op, as on a real server. Returns a copy of the stored object.
   */
  apply<T extends KubeObject>(obj: T): T {
    if (!obj.apiVersion || !obj.kind) throw new Error("The object needs apiVersion and kind");
    const info = findByKind(obj.apiVersion, obj.kind);
    if (!info) throw new Error(`Unknown kind: ${obj.apiVersion} ${obj.kind}`);
    return clone(this.#registry.upsert(info, obj as unknown as Obj)) as unknown as T;
  }

  /**
   * Bulk version of {@linkcode FakeApiServer.apply} for large fixtures and generated clusters: returns nothing and,
   * with `adopt: true`, takes ownership of the given objects instead of copying them (do not touch them
   * afterwards). Returns how many objects were loaded.
   */
  load(objects: Iterable<KubeObject>, options: { adopt?: boolean } = {}): number {
    let count = 0;
    for (const obj of objects) {
      if (!obj.apiVersion || !obj.kind) throw new Error("The object needs apiVersion and kind");
      const info = findByKind(obj.apiVersion, obj.kind);
      if (!info) throw new Error(`Unknown kind: ${obj.apiVersion} ${obj.kind}`);
      this.#registry.upsert(info, obj as unknown as Obj, options.adopt ?? false);
      count++;
    }
    return count;
  }

  /**
   * Removes an object (immediately unless `gracePeriodSeconds` is given). `resource` is a kind or plural of
   * `apiVersion`. Returns the last state, or `undefined` when it did not exist.
   */
  remove(
    apiVersion: string,
    resource: string,
    namespace: string | undefined,
    name: string,
    options: RemoveOptions = {},
  ): KubeObject | undefined {
    const info = resourceOrThrow(resource, apiVersion);
    const removed = this.#registry.remove(info, namespace ?? "", name, options);
    return removed ? clone(removed) as KubeObject : undefined;
  }

  /** A copy of one stored object, or `undefined`. `resource` is a kind or plural of `apiVersion`. */
  get<T extends KubeObject = KubeObject>(
    apiVersion: string,
    resource: string,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    const info = resourceOrThrow(resource, apiVersion);
    const obj = this.#store.get(info, info.namespaced ? namespace ?? "" : "", name);
    return obj ? clone(obj) as unknown as T : undefined;
  }

  /**
   * Copies of the objects of a resource (a plural such as `pods`, `deployments.apps`, `pods.metrics.k8s.io`, or
   * a kind), in etcd key order, optionally in one namespace.
   */
  list<T extends KubeObject = KubeObject>(resource: string, namespace?: string): T[] {
    const info = resourceOrThrow(resource);
    return this.#store.list(info, namespace).map((o) => clone(o) as unknown as T);
  }

  /** Copies of every stored object (metrics included), grouped by resource. */
  objects(): KubeObject[] {
    return this.#store.all().map(({ object }) => clone(object) as KubeObject);
  }

  /** The current resourceVersion (as the string lists carry). */
  currentResourceVersion(): string {
    return String(this.#store.resourceVersion);
  }

  /** The URL path of a resource collection or object, e.g. `resourcePath("deployments", "shop", "api")`. */
  resourcePath(resource: string, namespace?: string, name?: string): string {
    const info = resourceOrThrow(resource);
    const base = info.group ? `/apis/${groupVersion(info)}` : `/api/${info.version}`;
    const ns = info.namespaced && namespace ? `/namespaces/${namespace}` : "";
    return `${base}${ns}/${info.plural}${name ? `/${name}` : ""}`;
  }

  /** Scripts the log of a container (`previous` for the terminated instance). */
  setPodLogs(
    namespace: string,
    pod: string,
    container: string,
    lines: readonly (string | LogLine)[],
    options?: SetLogOptions,
  ): void {
    this.#logs.set(namespace, pod, container, lines, options);
  }

  /** Appends to a container's log; `follow=true` streams receive the lines. */
  appendPodLogs(
    namespace: string,
    pod: string,
    container: string,
    lines: readonly (string | LogLine)[],
  ): void {
    this.#logs.append(namespace, pod, container, lines);
  }

  /** Sets the generator of lines for containers without scripted logs (the simulator installs one). */
  setLogGenerator(generator: LogGenerator | undefined): void {
    this.#logs.generator = generator;
  }

  /** Sets the PodMetrics of a pod (served by `metrics.k8s.io`). */
  setPodMetrics(namespace: string, name: string, containers: readonly ContainerUsage[]): void {
    this.apply({
      apiVersion: "metrics.k8s.io/v1beta1",
      kind: "PodMetrics",
      metadata: { name, namespace, creationTimestamp: rfc3339(Date.now()) },
      timestamp: rfc3339(Date.now()),
      window: "30s",
      containers: containers.map((c) => ({ name: c.name, usage: { cpu: c.cpu, memory: c.memory } })),
    } as KubeObject);
  }

  /** Sets the NodeMetrics of a node. */
  setNodeMetrics(name: string, usage: { cpu: string; memory: string }): void {
    this.apply({
      apiVersion: "metrics.k8s.io/v1beta1",
      kind: "NodeMetrics",
      metadata: { name, creationTimestamp: rfc3339(Date.now()) },
      timestamp: rfc3339(Date.now()),
      window: "30s",
      usage: { cpu: usage.cpu, memory: usage.memory },
    } as KubeObject);
  }

  /** A kubeconfig (YAML text) pointing at this server; context, cluster and user are named `fake`. */
  kubeconfig(options: KubeconfigOptions = {}): string {
    return renderKubeconfig({
      url: this.#url,
      caPem: this.#certs?.caPem,
      clientCertPem: this.#certs?.clientCertPem,
      clientKeyPem: options.pkcs8Key ? this.#certs?.clientKeyPkcs8Pem : this.#certs?.clientKeyPem,
      token: this.#token,
    }, options);
  }

  /** Writes {@linkcode FakeApiServer.kubeconfig} to `path`. */
  async writeKubeconfig(path: string, options?: KubeconfigOptions): Promise<void> {
    await Deno.writeTextFile(path, this.kubeconfig(options));
  }

  /** Registers a callback run once when the server closes (the simulator stops its timer this way). */
  onClose(hook: () => void): void {
    if (this.#closed) hook();
    else this.#closeHooks.push(hook);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops everything: hooks, watches, timers, waiters, then the listener and every connection. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    for (const hook of this.#closeHooks.splice(0)) hook();
    for (const session of [...this.#sessions]) session.close();
    this.#registry.close();
    this.#timers.clearAll();
    for (const waiter of [...this.#waiters]) waiter.reject(new Error("The fake API server is closed"));
    this.#waiters.clear();
    this.#closing = this.#transport?.close() ?? Promise.resolve();
    return this.#closing;
  }

  /** Same as {@linkcode FakeApiServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Starts a fake API server on `127.0.0.1` (port 0 by default). */
export function startFakeApiServer(options?: FakeApiServerOptions): Promise<FakeApiServer> {
  return FakeApiServer.start(options);
}

/** Every resource the fake serves (the table behind routing and discovery). */
export const SERVED_RESOURCES: readonly ResourceInfo[] = RESOURCES;
