/**
 * A scripted, misbehaving Master for the end-to-end tests: heartbeats and snapshots are accepted, and each poll
 * of a topic gets the next scripted answer (a command for another cluster, an endless body, a redirect...).
 * Without a scripted answer a poll is held briefly, then answered empty, as the real Master does.
 *
 * @module
 */

/** One scripted poll answer: a command object (sent as `{hasCommand: true, command}`) or a raw response. */
export type ScriptedAnswer = Record<string, unknown> | (() => Response);

/** The running scripted Master. */
export interface ScriptedMaster extends AsyncDisposable {
  url: string;
  /** Results posted by the agent, parsed. */
  results: Record<string, unknown>[];
  /** `METHOD path?topic` of every request, in order. */
  requests: string[];
  /** Queues the answer to a later poll of `topic`. */
  script(topic: string, answer: ScriptedAnswer): void;
  /** Polls of `topic` answered so far. */
  answered(topic: string): number;
  /** Resolves once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
}

/** Starts a scripted Master on a free port; empty polls are held `holdMs` (default 300 ms). */
export function startScriptedMaster(options: { holdMs?: number } = {}): ScriptedMaster {
  const holdMs = options.holdMs ?? 300;
  const scripts = new Map<string, ScriptedAnswer[]>();
  const answeredCount = new Map<string, number>();
  const results: Record<string, unknown>[] = [];
  const requests: string[] = [];
  const closing = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    const topic = url.searchParams.get("topic") ?? "";
    requests.push(`${request.method} ${url.pathname}${topic ? `?${topic}` : ""}`);
    if (url.pathname === "/agent/result") {
      results.push(await request.json());
      return Response.json({ status: "ok" });
    }
    if (url.pathname !== "/agent/commands") {
      await request.body?.cancel();
      return Response.json({ status: "ok" });
    }
    const deadline = Date.now() + holdMs;
    while (!(scripts.get(topic)?.length) && Date.now() < deadline && !closing.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const answer = scripts.get(topic)?.shift();
    if (!answer) return Response.json({ hasCommand: false });
    answeredCount.set(topic, (answeredCount.get(topic) ?? 0) + 1);
    return typeof answer === "function" ? answer() : Response.json({ hasCommand: true, command: answer });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    results,
    requests,
    script(topic, answer) {
      const queue = scripts.get(topic) ?? [];
      queue.push(answer);
      scripts.set(topic, queue);
    },
    answered: (topic) => answeredCount.get(topic) ?? 0,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error("timed out waiting for the scripted Master");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async [Symbol.asyncDispose]() {
      closing.abort();
      await server.shutdown();
    },
  };
}
