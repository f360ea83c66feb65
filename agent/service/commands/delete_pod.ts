/**
 * `delete` and its alias `delete_pod`: deletes one Pod (its controller usually replaces it: the Web UI's "restart
 * pod" button). Other kinds are refused rather than deleted generically: deleting arbitrary objects from a remote
 * command is too dangerous to allow by accident.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { resourcePath } from "../../sdk/mod.ts";
import {
  type Handler,
  type HandlerContext,
  ParamReader,
  ParamsError,
  requireNamespacedTarget,
} from "./_params.ts";
import { quote } from "../../text.ts";

/** Upper bound of `gracePeriodSeconds` (one day); larger values are almost certainly a unit mistake. */
const MAX_GRACE_PERIOD_SECONDS = 86_400;

/** Validated params of `delete` / `delete_pod`. */
export interface DeletePodParams {
  namespace: string;
  name: string;
  /** Seconds of grace; the pod's own `terminationGracePeriodSeconds` when absent. */
  gracePeriodSeconds?: number;
}

function parser(action: "delete" | "delete_pod"): (command: Command) => DeletePodParams {
  return (command) => {
    const params = new ParamReader(action, command.params);
    const gracePeriodSeconds = params.integer("gracePeriodSeconds", {
      min: 0,
      max: MAX_GRACE_PERIOD_SECONDS,
    });
    // Accepted for compatibility with the Master, which may send it; like the Go agent we do not act on it.
    params.boolean("force");
    const kind = command.kind ?? "";
    if (kind !== "" && kind.toLowerCase() !== "pod") {
      throw new ParamsError(`delete of kind ${quote(kind)} is not supported: only Pod can be deleted`);
    }
    return { ...requireNamespacedTarget(command), gracePeriodSeconds };
  };
}

async function run(params: DeletePodParams, context: HandlerContext): Promise<string> {
  const path = resourcePath({
    version: "v1",
    plural: "pods",
    namespace: params.namespace,
    name: params.name,
  });
  await context.client.delete(path, {
    signal: context.signal,
    gracePeriodSeconds: params.gracePeriodSeconds,
  });
  return "";
}

/** The `delete` handler (kind `Pod` or empty). */
export const deleteHandler: Handler<DeletePodParams, "delete"> = {
  action: "delete",
  permissions: [{ group: "", resource: "pods", verbs: ["delete"] }],
  parseParams: parser("delete"),
  run,
};

/** The `delete_pod` handler: an alias of `delete` the Master accepts but the Go agent never implemented. */
export const deletePodHandler: Handler<DeletePodParams, "delete_pod"> = {
  action: "delete_pod",
  permissions: [{ group: "", resource: "pods", verbs: ["delete"] }],
  parseParams: parser("delete_pod"),
  run,
};
