/**
 * `restart`: a rolling restart of a Deployment, done the way `kubectl rollout restart` does it: a new
 * `kubectl.kubernetes.io/restartedAt` annotation on the pod template makes the controller roll every pod.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import {
  deploymentPath,
  type Handler,
  type HandlerContext,
  ParamReader,
  requireNamespacedTarget,
  rfc3339Seconds,
} from "./_params.ts";

/** The annotation `kubectl rollout restart` sets; using the same one keeps both tools interchangeable. */
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

/** Validated params of `restart`. */
export interface RestartParams {
  namespace: string;
  name: string;
}

function parseParams(command: Command): RestartParams {
  // `restart` takes no params, but a non-object is still a malformed command.
  new ParamReader("restart", command.params);
  return requireNamespacedTarget(command);
}

async function run(params: RestartParams, context: HandlerContext): Promise<string> {
  const path = deploymentPath(params);
  const patch = {
    spec: {
      template: {
        metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: rfc3339Seconds(context.clock.now()) } },
      },
    },
  };
  await context.client.patch(path, "strategic", patch, { signal: context.signal });
  return "";
}

/** The `restart` handler. */
export const restartHandler: Handler<RestartParams, "restart"> = {
  action: "restart",
  permissions: [{ group: "apps", resource: "deployments", verbs: ["patch"] }],
  parseParams,
  run,
};
