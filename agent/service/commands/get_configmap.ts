/**
 * `get_configmap`: the `.data` map of a ConfigMap as JSON text (`"null"` when it has none, as the Go agent
 * answers; `binaryData` is left out).
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { resourcePath } from "../../sdk/mod.ts";
import type { ConfigMap } from "kubernetes-types/core/v1.d.ts";
import {
  type Handler,
  type HandlerContext,
  MAX_OBJECT_BYTES,
  ParamReader,
  requireNamespacedTarget,
} from "./_params.ts";

/** Validated params of `get_configmap`. */
export interface GetConfigMapParams {
  namespace: string;
  name: string;
}

function parseParams(command: Command): GetConfigMapParams {
  new ParamReader("get_configmap", command.params);
  return requireNamespacedTarget(command);
}

async function run(params: GetConfigMapParams, context: HandlerContext): Promise<string> {
  const path = resourcePath({
    version: "v1",
    plural: "configmaps",
    namespace: params.namespace,
    name: params.name,
  });
  const configMap = await context.client.get<ConfigMap>(path, {
    signal: context.signal,
    // etcd caps an object near 1.5 MiB; a larger answer is not a ConfigMap or Secret we should hold.
    maxBytes: MAX_OBJECT_BYTES,
  });
  const data = configMap.data;
  // Go marshals a nil map as `null`, and the API server drops an empty `data`: the Master expects `null`.
  if (!data || Object.keys(data).length === 0) return "null";
  return JSON.stringify(data);
}

/** The `get_configmap` handler. */
export const getConfigMapHandler: Handler<GetConfigMapParams, "get_configmap"> = {
  action: "get_configmap",
  permissions: [{ group: "", resource: "configmaps", verbs: ["get"] }],
  parseParams,
  run,
};
