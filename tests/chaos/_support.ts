/**
 * Pieces of the chaos suite: the real agent process (`agent/main.ts`) started against a kubeconfig that points
 * wherever the test says (usually a {@linkcode TcpProxy} in front of the fake API server), a TCP proxy that can
 * turn into a network black hole, and the comparison of the Master's latest snapshot with the API server.
 *
 * @module
 */

import { startFlags } from "../../deploy/compile.ts";
import type { FakeApiServer } from "../support/fake_apiserver.ts";
import type { FakeMaster } from "../support/fake_master.ts";

const MAIN = new URL("../../agent/main.ts", import.meta.url).pathname;

/** A running agent process. */
export interface ChaosAgent extends AsyncDisposable {
  /** OS process id. */
  pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resident set size in bytes (Linux), or `undefined` where `/proc` is missing. */
  rssBytes(): Promise<number | undefined>;
  /** Exit code once it ended, `undefined` while it runs. */
  exitCode(): number | undefined;
  /** Sends SIGTERM and waits for the exit code. */
  terminate(): Promise<number>;
}

/** Starts `agent/main.ts` with the flags of `deno task start` against `apiServerUrl` and `master`. */
export async function startChaosAgent(
  apiServerUrl: string,
  master: FakeMaster,
  env: Record<string, string> = {},
): Promise<ChaosAgent> {
  const dir = await Deno.makeTempDir({ prefix: "chaos-" });
  const kubeconfig = `${dir}/kubeconfig`;
  await Deno.writeTextFile(kubeconfig, kubeconfigFor(apiServerUrl));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...await startFlags(), MAIN],
    env: {
      AGENT_KUBECONFIG: kubeconfig,
      AGENT_MASTER_URL: master.url,
      AGENT_CLUSTER_ID: "chaos",
      AGENT_HEALTH_ADDR: "",
      AGENT_LOG_FORMAT: "json",
      NO_COLOR: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let code: number | undefined;
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumping = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status.then((s) => code = s.code);
  let ended: Promise<number> | undefined;
  const terminate = () => {
    ended ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await status;
      await pumping;
      await Deno.remove(dir, { recursive: true });
      return code ?? -1;
    })();
    return ended;
  };
  return {
    pid: child.pid,
    output: () => text,
    rssBytes: async () => {
      try {
        const proc = await Deno.readTextFile(`/proc/${child.pid}/status`);
        const kib = /VmRSS:\s+(\d+)\s+kB/.exec(proc)?.[1];
        return kib ? Number(kib) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    exitCode: () => code,
    terminate,
    [Symbol.asyncDispose]: async () => void await terminate(),
  };
}

function kubeconfigFor(server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: chaos",
    "    cluster:",
    `      server: ${server}`,
    "users:",
    "  - name: chaos",
    "    user: {}",
    "contexts:",
    "  - name: chaos",
    "    context:",
    "      cluster: chaos",
    "      user: chaos",
    "      namespace: default",
    "current-context: chaos",
    "",
  ].join("\n");
}

/**
 * A TCP proxy on a fixed local port. `blackHole()` makes it drop every byte in both directions on every
 * connection, old and new, without closing anything: what a dead network path looks like to both ends. `heal()`
 * forwards new connections again; connections that lived through the black hole stay dead (their lost bytes are
 * never retransmitted here), which is the slow case the agent's watchdogs exist for.
 */
export class TcpProxy {
  readonly #listener: Deno.TcpListener;
  readonly #target: () => { hostname: string; port: number };
  readonly #conns = new Set<{ client: Deno.Conn; upstream?: Deno.Conn; dead: boolean }>();
  #holed = false;
  #closed = false;
  #accepting: Promise<void>;

  constructor(target: () => { hostname: string; port: number }) {
    this.#target = target;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accepting = this.#accept();
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.#listener.addr.port}`;
  }

  /** Drops every byte from now on, on every connection. */
  blackHole(): void {
    this.#holed = true;
    for (const conn of this.#conns) conn.dead = true;
  }

  /** New connections are forwarded again. */
  heal(): void {
    this.#holed = false;
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    for (const conn of this.#conns) closeQuietly(conn.client, conn.upstream);
    this.#conns.clear();
    await this.#accepting;
  }

  async #accept(): Promise<void> {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await this.#listener.accept();
      } catch {
        return;
      }
      const entry: { client: Deno.Conn; upstream?: Deno.Conn; dead: boolean } = { client, dead: this.#holed };
      this.#conns.add(entry);
      void this.#serve(entry);
    }
  }

  async #serve(entry: { client: Deno.Conn; upstream?: Deno.Conn; dead: boolean }): Promise<void> {
    try {
      if (entry.dead) {
        // Accepted by the kernel, never answered: drain what the client sends until it gives up.
        await drain(entry.client);
        return;
      }
      try {
        entry.upstream = await Deno.connect(this.#target());
      } catch {
        return; // The API server is down: the client sees the connection closed.
      }
      await Promise.all([
        pipe(entry.client, entry.upstream, entry),
        pipe(entry.upstream, entry.client, entry),
      ]);
    } finally {
      closeQuietly(entry.client, entry.upstream);
      this.#conns.delete(entry);
    }
  }
}

async function pipe(from: Deno.Conn, to: Deno.Conn, state: { dead: boolean }): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) break;
      if (state.dead) continue;
      let written = 0;
      while (written < n) written += await to.write(buffer.subarray(written, n));
    }
  } catch {
    // Either side closed.
  }
  // A dead connection never reports the other side's close: that is the point of a black hole.
  if (!state.dead) closeQuietly(from, to);
}

async function drain(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  try {
    while (await conn.read(buffer) !== null) { /* dropped */ }
  } catch {
    // Closed.
  }
}

function closeQuietly(...conns: (Deno.Conn | undefined)[]): void {
  for (const conn of conns) {
    try {
      conn?.close();
    } catch {
      // Already closed.
    }
  }
}

/** The snapshot fields compared with the API server, and the resource each comes from. */
export const COMPARED: Readonly<Record<string, string>> = {
  nodes: "nodes",
  namespaces: "namespaces",
  pods: "pods",
  deployments: "deployments",
  services: "services",
  configMaps: "configmaps",
};

/** `namespace/name` (plus `#uid` where the wire model carries one) of every object of one snapshot field. */
export function snapshotKeys(snapshot: Record<string, unknown> | undefined, field: string): string[] {
  const list = (snapshot?.[field] ?? []) as Record<string, unknown>[];
  return list.map((item) => {
    const meta = (item.summary ?? item.metadata ?? item) as { name?: string; namespace?: string };
    const uid = typeof item.uid === "string" && item.uid ? `#${item.uid}` : "";
    return `${meta.namespace ?? ""}/${meta.name ?? ""}${uid}`;
  }).sort();
}

/** The same keys from the API server's objects (uids only where the wire model has them). */
export function serverKeys(server: FakeApiServer, field: string): string[] {
  const withUid = field === "configMaps";
  return server.list(COMPARED[field]).map((o) => {
    const uid = withUid && o.metadata?.uid ? `#${o.metadata.uid}` : "";
    return `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}${uid}`;
  }).sort();
}

/** The fields where the Master's latest snapshot differs from the API server; empty when converged. */
export function differences(master: FakeMaster, server: FakeApiServer): string[] {
  const latest = master.snapshots.at(-1)?.snapshot;
  if (!latest) return ["no snapshot"];
  return Object.keys(COMPARED).filter((field) =>
    JSON.stringify(snapshotKeys(latest, field)) !== JSON.stringify(serverKeys(server, field))
  );
}

/**
 * Waits until the Master's latest snapshot matches the API server; returns the milliseconds it took. Throws with
 * the differing fields and the agent's output after `boundMs`.
 */
export async function converged(
  master: FakeMaster,
  server: FakeApiServer,
  boundMs: number,
  output: () => string,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const diff = differences(master, server);
    if (diff.length === 0) return Date.now() - started;
    if (Date.now() - started > boundMs) {
      throw new Error(
        `Not converged within ${boundMs} ms; differing: ${diff.join(", ")}\n--- agent output (tail) ---\n${
          output().slice(-4_000)
        }`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free local TCP port (bound, then released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}
