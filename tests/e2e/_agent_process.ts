/**
 * The real agent process (`agent/main.ts`) for the end-to-end tests: started against a fake API server (through a
 * kubeconfig in a temporary folder) and a fake Master, its stdout and stderr collected, stopped with SIGTERM.
 *
 * @module
 */
import type { FakeApiServer } from "../support/fake_apiserver.ts";
import type { FakeMaster } from "../support/fake_master.ts";
import { startFlags } from "../../deploy/compile.ts";

const MAIN = new URL("../../agent/main.ts", import.meta.url).pathname;

/** A running agent process; disposing it terminates it. */
export interface AgentProcess extends AsyncDisposable {
  process: Deno.ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends SIGTERM and waits for the exit code. */
  terminate(): Promise<number>;
}

/** Options of {@linkcode startAgent}. */
export interface StartAgentOptions {
  /** Environment variables added to (or replacing) the defaults. */
  env?: Record<string, string>;
  /** Permission flags of `deno run`; by default the exact flags of `deno task start` ({@linkcode startFlags}). */
  flags?: string[];
}

/**
 * Starts `agent/main.ts` as `deno run` does. The defaults: cluster ID `e2e`, no health server, a snapshot every
 * 2 s, JSON logs without colours.
 */
export async function startAgent(
  server: FakeApiServer,
  master: Pick<FakeMaster, "url">,
  options: StartAgentOptions = {},
): Promise<AgentProcess> {
  const dir = await Deno.makeTempDir();
  const kubeconfig = `${dir}/kubeconfig`;
  await server.writeKubeconfig(kubeconfig);
  const process = new Deno.Command(Deno.execPath(), {
    // With the flags of `deno task start`, the e2e run proves the narrow permission set is enough.
    args: ["run", ...(options.flags ?? await startFlags()), MAIN],
    env: {
      AGENT_KUBECONFIG: kubeconfig,
      AGENT_MASTER_URL: master.url,
      AGENT_CLUSTER_ID: "e2e",
      AGENT_HEALTH_ADDR: "",
      AGENT_SNAPSHOT_INTERVAL: "2s",
      AGENT_LOG_FORMAT: "json",
      NO_COLOR: "1",
      ...options.env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumping = Promise.all([pump(process.stdout), pump(process.stderr)]);
  let exited: Promise<number> | undefined;
  const terminate = () => {
    exited ??= (async () => {
      try {
        process.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      const status = await process.status;
      await pumping;
      await Deno.remove(dir, { recursive: true });
      return status.code;
    })();
    return exited;
  };
  return {
    process,
    output: () => text,
    terminate,
    [Symbol.asyncDispose]: async () => void await terminate(),
  };
}
