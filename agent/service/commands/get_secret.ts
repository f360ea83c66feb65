/**
 * `get_secret`: the `.data` map of a Secret with every value base64-decoded to plaintext, as JSON text (`{}` when
 * empty). Off unless AGENT_ALLOW_SECRET_READ=true: the policy check runs before this handler.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { resourcePath } from "../../sdk/mod.ts";
import type { Secret } from "kubernetes-types/core/v1.d.ts";
import {
  type Handler,
  type HandlerContext,
  MAX_OBJECT_BYTES,
  ParamReader,
  requireNamespacedTarget,
} from "./_params.ts";

/** Validated params of `get_secret`. */
export interface GetSecretParams {
  namespace: string;
  name: string;
}

function parseParams(command: Command): GetSecretParams {
  new ParamReader("get_secret", command.params);
  return requireNamespacedTarget(command);
}

/** Decodes one base64 value; Go converts the bytes with `string(b)`, so invalid UTF-8 becomes U+FFFD. */
function decodeValue(value: string): string {
  try {
    const binary = atob(value);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    // The API server only stores valid base64; keep anything else as it came.
    return value;
  }
}

async function run(params: GetSecretParams, context: HandlerContext): Promise<string> {
  const path = resourcePath({
    version: "v1",
    plural: "secrets",
    namespace: params.namespace,
    name: params.name,
  });
  const secret = await context.client.get<Secret>(path, {
    signal: context.signal,
    // etcd caps an object near 1.5 MiB; a larger answer is not a ConfigMap or Secret we should hold.
    maxBytes: MAX_OBJECT_BYTES,
  });
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) decoded[key] = decodeValue(value);
  return JSON.stringify(decoded);
}

/** The `get_secret` handler. */
export const getSecretHandler: Handler<GetSecretParams, "get_secret"> = {
  action: "get_secret",
  permissions: [{ group: "", resource: "secrets", verbs: ["get"] }],
  parseParams,
  run,
};
