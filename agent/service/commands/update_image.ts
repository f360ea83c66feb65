/**
 * `update_image`: sets one container's image in a Deployment with a strategic-merge patch keyed by container
 * name, so the other containers and fields stay untouched.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import {
  CommandError,
  deploymentPath,
  type Handler,
  type HandlerContext,
  mainContainer,
  ParamReader,
  ParamsError,
  requireNamespacedTarget,
} from "./_params.ts";
import { isImageAllowed, type SafetyPolicy } from "./_policy.ts";
import { quote } from "../../text.ts";

/** Validated params of `update_image`. */
export interface UpdateImageParams {
  namespace: string;
  name: string;
  image: string;
  /** The container to change; the first non-sidecar container when absent. */
  container?: string;
}

function parseParams(command: Command, policy: SafetyPolicy): UpdateImageParams {
  const params = new ParamReader("update_image", command.params);
  const image = params.requiredString("image");
  if (/\s/.test(image)) params.fail("image", "must not contain whitespace");
  if (!isImageAllowed(policy, image)) {
    throw new ParamsError(
      `image ${quote(image)} is not allowed: it matches no prefix of AGENT_IMAGE_ALLOWLIST ` +
        `(${(policy.imageAllowlist ?? []).join(", ")})`,
    );
  }
  const container = params.string("container");
  return { ...requireNamespacedTarget(command), image, container };
}

async function run(params: UpdateImageParams, context: HandlerContext): Promise<string> {
  const path = deploymentPath(params);
  const deployment = await context.client.get<Deployment>(path, { signal: context.signal });
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const container = params.container === undefined
    ? mainContainer(containers)
    : containers.find((c) => c.name === params.container);
  if (!container) {
    throw new CommandError(
      params.container === undefined
        ? `deployment ${params.name} has no containers`
        : `container ${params.container} not found in deployment ${params.name}`,
    );
  }
  const patch = {
    spec: { template: { spec: { containers: [{ name: container.name, image: params.image }] } } },
  };
  await context.client.patch(path, "strategic", patch, { signal: context.signal });
  return "";
}

/** The `update_image` handler. */
export const updateImageHandler: Handler<UpdateImageParams, "update_image"> = {
  action: "update_image",
  permissions: [{ group: "apps", resource: "deployments", verbs: ["get", "patch"] }],
  parseParams,
  run,
};
