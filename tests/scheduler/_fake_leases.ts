/**
 * An in-memory `coordination.k8s.io/v1` Lease API for the leader-election tests: the resourceVersion and conflict
 * semantics of the API server (a PUT with a stale `resourceVersion` gets 409 Conflict, a second create 409
 * AlreadyExists), faults injected per verb, and requests that hang until their deadline on the fake clock. Every
 * answer is decided when the request is made and delivered as a promise, so candidates driven by a
 * {@linkcode FakeClock} interleave the same way on every run.
 *
 * @module
 */
import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import { KubeApiError, NetworkError } from "../../agent/sdk/errors.ts";
import type { KubeClient, RequestOptions } from "../../agent/sdk/types.ts";
import type { FakeClock } from "../support/fake_clock.ts";
import { stubKubeClient } from "../support/stub_kube_client.ts";

/** The verbs the elector uses, named as RBAC names them. */
export type LeaseVerb = "get" | "create" | "update";

/** One request the API answered (or left hanging). */
export interface LeaseRequest {
  /** Identity of the client that sent it (see {@linkcode FakeLeaseApi.client}). */
  by: string;
  verb: LeaseVerb;
  /** HTTP status of the answer; 0 when it hung. */
  status: number;
  /** Fake-clock time of the request. */
  at: number;
  /** The holder written by a successful create or update. */
  holder?: string;
}

const METHODS: Record<LeaseVerb, string> = { get: "GET", create: "POST", update: "PUT" };

/** The Lease store and its clients. */
export class FakeLeaseApi {
  readonly requests: LeaseRequest[] = [];
  /** While true, every request hangs until its signal aborts or its `timeoutMs` passes on the fake clock. */
  hang = false;
  readonly #clock: FakeClock;
  readonly #leases = new Map<string, Lease>();
  readonly #forbidden = new Set<LeaseVerb>();
  readonly #faults: { verb: LeaseVerb; status: number; remaining: number }[] = [];
  readonly #hung = new Set<() => void>();
  #resourceVersion = 0;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  /** The stored Lease at `path` (a copy). */
  get(path: string): Lease | undefined {
    const lease = this.#leases.get(path);
    return lease && structuredClone(lease);
  }

  /** Stores `lease` at `path` as another writer would, with a new resourceVersion; returns the stored copy. */
  put(path: string, lease: Lease): Lease {
    const stored: Lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: String(++this.#resourceVersion) },
    };
    this.#leases.set(path, stored);
    return structuredClone(stored);
  }

  /** Answers 403 Forbidden to these verbs until {@linkcode allow}. */
  forbid(...verbs: LeaseVerb[]): void {
    for (const verb of verbs) this.#forbidden.add(verb);
  }

  /** Lifts every {@linkcode forbid} and {@linkcode failNext}. */
  allow(): void {
    this.#forbidden.clear();
    this.#faults.length = 0;
  }

  /** Answers `status` to the next `count` requests of `verb`. */
  failNext(count: number, status: number, verb: LeaseVerb): void {
    this.#faults.push({ verb, status, remaining: count });
  }

  /** Ends every hanging request with a connection error and stops hanging. */
  unhang(): void {
    this.hang = false;
    for (const end of [...this.#hung]) end();
  }

  /** A client whose requests are recorded under `by`; only get, create and replace are served. */
  client(by: string): KubeClient {
    return stubKubeClient({
      get: <T>(path: string, options?: RequestOptions) =>
        this.#request(by, "get", path, options, () => {
          const lease = this.#leases.get(path);
          if (!lease) throw this.#error("get", path, 404, "NotFound");
          return lease;
        }) as Promise<T>,
      create: <T>(path: string, body: unknown, options?: RequestOptions) =>
        this.#request(by, "create", path, options, () => {
          const lease = body as Lease;
          const itemPath = `${path}/${lease.metadata?.name}`;
          if (this.#leases.has(itemPath)) throw this.#error("create", path, 409, "AlreadyExists");
          return this.put(itemPath, lease);
        }) as Promise<T>,
      replace: <T>(path: string, body: unknown, options?: RequestOptions) =>
        this.#request(by, "update", path, options, () => {
          const lease = body as Lease;
          const current = this.#leases.get(path);
          if (!current) throw this.#error("update", path, 404, "NotFound");
          if (lease.metadata?.resourceVersion !== current.metadata?.resourceVersion) {
            throw this.#error("update", path, 409, "Conflict");
          }
          return this.put(path, lease);
        }) as Promise<T>,
    });
  }

  #request(
    by: string,
    verb: LeaseVerb,
    path: string,
    options: RequestOptions | undefined,
    serve: () => Lease,
  ): Promise<Lease> {
    const method = METHODS[verb];
    const at = this.#clock.now();
    if (options?.signal?.aborted) return Promise.reject(new NetworkError("aborted", method, path));
    if (this.hang) {
      this.requests.push({ by, verb, status: 0, at });
      return this.#hangUntilDeadline(method, path, options);
    }
    try {
      if (this.#forbidden.has(verb)) throw this.#error(verb, path, 403, "Forbidden");
      const fault = this.#faults.find((f) => f.verb === verb && f.remaining > 0);
      if (fault) {
        fault.remaining--;
        throw this.#error(verb, path, fault.status);
      }
      const lease = serve();
      this.requests.push({
        by,
        verb,
        status: verb === "create" ? 201 : 200,
        at,
        ...(verb === "get" ? {} : { holder: lease.spec?.holderIdentity ?? "" }),
      });
      return Promise.resolve(structuredClone(lease));
    } catch (error) {
      if (error instanceof KubeApiError) this.requests.push({ by, verb, status: error.status, at });
      return Promise.reject(error);
    }
  }

  #error(verb: LeaseVerb, path: string, status: number, reason?: string): KubeApiError {
    return new KubeApiError({ status, method: METHODS[verb], path, ...(reason ? { reason } : {}) });
  }

  /** A request without an answer: ends at its client timeout (on the fake clock) or when its signal aborts. */
  #hangUntilDeadline(method: string, path: string, options: RequestOptions | undefined): Promise<never> {
    const { promise, reject } = Promise.withResolvers<never>();
    const disarm = new AbortController();
    const end = (error: Error) => {
      this.#hung.delete(cancel);
      disarm.abort();
      reject(error);
    };
    const cancel = () => end(new NetworkError("connection", method, path));
    this.#hung.add(cancel);
    if (options?.timeoutMs) {
      this.#clock.sleep(options.timeoutMs, disarm.signal).then(
        () => end(new NetworkError("timeout", method, path)),
        () => {},
      );
    }
    options?.signal?.addEventListener("abort", () => end(new NetworkError("aborted", method, path)), {
      once: true,
      signal: disarm.signal,
    });
    return promise;
  }
}
