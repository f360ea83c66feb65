/**
 * A minimal OpenAPI v3 surface: the `/openapi/v3` discovery document and one document per group/version that
 * lists each resource's operations with `x-kubernetes-group-version-kind` and the PATCH query parameters. That
 * is what `kubectl apply` inspects to choose server-side field validation; schemas are not served (component
 * schemas are empty), so `kubectl explain` does not work.
 *
 * @module
 */

import { groupVersion, type ResourceInfo, RESOURCES } from "./resources.ts";
import type { Obj } from "./types.ts";

function gvPath(info: ResourceInfo): string {
  return info.group ? `apis/${info.group}/${info.version}` : `api/${info.version}`;
}

/** The `/openapi/v3` document. */
export function openApiRoot(served: (info: ResourceInfo) => boolean): Obj {
  const paths: Obj = {};
  for (const info of RESOURCES) {
    if (!served(info)) continue;
    const path = gvPath(info);
    paths[path] = {
      serverRelativeURL: `/openapi/v3/${path}?hash=FAKE${groupVersion(info).replace(/\W/g, "")}`,
    };
  }
  return { paths };
}

const QUERY = (name: string) => ({ name, in: "query", schema: { type: "string", uniqueItems: true } });

/** The OpenAPI v3 document of one group/version, or `undefined` when nothing in it is served. */
export function openApiGroupVersion(
  path: string,
  served: (info: ResourceInfo) => boolean,
): Obj | undefined {
  const infos = RESOURCES.filter((r) => served(r) && gvPath(r) === path);
  if (infos.length === 0) return undefined;
  const paths: Obj = {};
  for (const info of infos) {
    const gvk = { group: info.group, version: info.version, kind: info.kind };
    const base = `/${path}${info.namespaced ? "/namespaces/{namespace}" : ""}/${info.plural}`;
    const op = (action: string, parameters: string[]) => ({
      operationId: `${action}${info.kind}`,
      parameters: parameters.map(QUERY),
      responses: { "200": { description: "OK" } },
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
    });
    const item: Obj = { get: op("get", ["pretty"]) };
    if (!info.metrics) {
      item.put = op("put", ["dryRun", "fieldManager", "fieldValidation"]);
      item.patch = op("patch", ["dryRun", "fieldManager", "fieldValidation", "force"]);
      item.delete = op("delete", ["dryRun", "gracePeriodSeconds", "propagationPolicy"]);
    }
    paths[`${base}/{name}`] = item;
    const collection: Obj = {
      get: op("list", ["labelSelector", "fieldSelector", "limit", "continue", "watch"]),
    };
    if (!info.metrics) collection.post = op("post", ["dryRun", "fieldManager", "fieldValidation"]);
    paths[base] = collection;
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas: {} },
  };
}
