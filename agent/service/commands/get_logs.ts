/**
 * `get_logs`: the tail of one container's log as raw text. The line count is capped (default 100, at most 200,
 * as the Master's callers expect) and the byte size is capped on the server with `limitBytes`, so one chatty
 * container cannot produce a result the Master or an AI prompt cannot hold.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { isForbidden, resourcePath } from "../../sdk/mod.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import {
  type Handler,
  type HandlerContext,
  mainContainer,
  ParamReader,
  requireNamespacedTarget,
  truncateBytes,
} from "./_params.ts";

/** Lines returned when the command asks for none (or for zero or fewer). */
export const DEFAULT_TAIL_LINES = 100;
/** Upper bound of lines; larger requests are cut to this, as the Go agent does. */
export const MAX_TAIL_LINES = 200;
/** Upper bound of the output in bytes (200 lines of 5 KB each still fit). */
export const MAX_LOG_BYTES = 1024 * 1024;

/** Validated params of `get_logs`. */
export interface GetLogsParams {
  namespace: string;
  name: string;
  tailLines: number;
  container?: string;
  sinceSeconds?: number;
  timestamps?: boolean;
  previous?: boolean;
}

function parseParams(command: Command): GetLogsParams {
  const params = new ParamReader("get_logs", command.params);
  // The AI path spells it `tail_lines`; the Go agent ignored that spelling, we accept both.
  const requested = params.integer(["tailLines", "tail_lines"]);
  const tailLines = requested === undefined || requested <= 0
    ? DEFAULT_TAIL_LINES
    : Math.min(requested, MAX_TAIL_LINES);
  const container = params.string("container");
  const sinceSeconds = params.integer(["sinceSeconds", "since_seconds"], { min: 0 });
  const timestamps = params.boolean("timestamps");
  const previous = params.boolean("previous");
  return {
    ...requireNamespacedTarget(command),
    tailLines,
    container,
    // The API server rejects sinceSeconds=0; zero means "no limit" as in Go's omitempty.
    sinceSeconds: sinceSeconds || undefined,
    timestamps,
    previous,
  };
}

async function run(params: GetLogsParams, context: HandlerContext): Promise<string> {
  const podPath = resourcePath({
    version: "v1",
    plural: "pods",
    namespace: params.namespace,
    name: params.name,
  });
  let container = params.container;
  if (container === undefined) {
    // Multi-container pods need an explicit container; pick the application one, not the mesh proxy.
    try {
      const pod = await context.client.get<Pod>(podPath, { signal: context.signal });
      container = mainContainer(pod.spec?.containers)?.name;
    } catch (error) {
      // A role with `pods/log` but not `get pods` can still read a single-container pod's log, as with Go.
      if (!isForbidden(error)) throw error;
    }
  }
  const text = await context.client.logs(podPath, {
    signal: context.signal,
    container,
    tailLines: params.tailLines,
    sinceSeconds: params.sinceSeconds,
    timestamps: params.timestamps,
    previous: params.previous,
    limitBytes: MAX_LOG_BYTES,
    // limitBytes is advisory for some kubelets: the read itself stops at the cap too.
    maxBytes: MAX_LOG_BYTES,
  });
  // limitBytes is advisory for some kubelets: enforce the cap here too.
  return truncateBytes(text, MAX_LOG_BYTES);
}

/** The `get_logs` handler. */
export const getLogsHandler: Handler<GetLogsParams, "get_logs"> = {
  action: "get_logs",
  permissions: [
    // The pod is read only to pick its main container when the command names none.
    { group: "", resource: "pods", verbs: ["get"] },
    { group: "", resource: "pods/log", verbs: ["get"] },
  ],
  parseParams,
  run,
};
