/**
 * `scale`: sets a Deployment's replicas through the scale subresource (GET, set `spec.replicas`, PUT), which
 * works whatever the Deployment's spec holds and needs only `deployments/scale` rights.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { isConflict } from "../../sdk/mod.ts";
import type { Scale } from "kubernetes-types/autoscaling/v1.d.ts";
import {
  deploymentPath,
  type Handler,
  type HandlerContext,
  ParamReader,
  requireNamespacedTarget,
} from "./_params.ts";

/** Upper bound of `replicas`: a typo such as 1000000 must not take a cluster down. */
export const MAX_REPLICAS = 10_000;
/** A concurrent writer bumps the resourceVersion between GET and PUT: retry that many times. */
const CONFLICT_ATTEMPTS = 3;

/** Validated params of `scale`. */
export interface ScaleParams {
  namespace: string;
  name: string;
  replicas: number;
}

function parseParams(command: Command): ScaleParams {
  const params = new ParamReader("scale", command.params);
  // Unlike the Go agent, a missing `replicas` is an error: scaling to zero by omission is never intended.
  const replicas = params.requiredInteger("replicas", { min: 0, max: MAX_REPLICAS });
  return { ...requireNamespacedTarget(command), replicas };
}

async function run(params: ScaleParams, context: HandlerContext): Promise<string> {
  const path = deploymentPath(params, "scale");
  for (let attempt = 1;; attempt++) {
    const scale = await context.client.get<Scale>(path, { signal: context.signal });
    if (scale.spec?.replicas === params.replicas) return "";
    const body: Scale = { ...scale, spec: { ...scale.spec, replicas: params.replicas } };
    try {
      await context.client.replace<Scale>(path, body, { signal: context.signal });
      return "";
    } catch (error) {
      if (!isConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
    }
  }
}

/** The `scale` handler. */
export const scaleHandler: Handler<ScaleParams, "scale"> = {
  action: "scale",
  permissions: [{ group: "apps", resource: "deployments/scale", verbs: ["get", "update"] }],
  parseParams,
  run,
};
