/**
 * `cordon` / `uncordon`: marks a Node unschedulable (or schedulable again) with a strategic-merge patch of
 * `spec.unschedulable`, exactly what `kubectl cordon` does.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { type KubeClient, resourcePath } from "../../sdk/mod.ts";
import { type Handler, type HandlerContext, ParamReader, requireName } from "./_params.ts";

/** Validated params of `cordon` / `uncordon`. */
export interface CordonParams {
  /** The node's name. */
  name: string;
}

/** Sets `spec.unschedulable` of a node (shared with `drain`). */
export async function setUnschedulable(
  client: KubeClient,
  node: string,
  options: { unschedulable: boolean; signal?: AbortSignal },
): Promise<void> {
  const path = resourcePath({ version: "v1", plural: "nodes", name: node });
  await client.patch(path, "strategic", { spec: { unschedulable: options.unschedulable } }, {
    signal: options.signal,
  });
}

function parser(action: "cordon" | "uncordon"): (command: Command) => CordonParams {
  return (command) => {
    new ParamReader(action, command.params);
    return { name: requireName(command, "node") };
  };
}

function runner(unschedulable: boolean): (params: CordonParams, context: HandlerContext) => Promise<string> {
  return async (params, context) => {
    await setUnschedulable(context.client, params.name, { unschedulable, signal: context.signal });
    return "";
  };
}

/** The `cordon` handler. */
export const cordonHandler: Handler<CordonParams, "cordon"> = {
  action: "cordon",
  permissions: [{ group: "", resource: "nodes", verbs: ["patch"] }],
  parseParams: parser("cordon"),
  run: runner(true),
};

/** The `uncordon` handler. */
export const uncordonHandler: Handler<CordonParams, "uncordon"> = {
  action: "uncordon",
  permissions: [{ group: "", resource: "nodes", verbs: ["patch"] }],
  parseParams: parser("uncordon"),
  run: runner(false),
};
