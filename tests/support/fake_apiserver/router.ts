/**
 * URL path parsing: discovery endpoints and resource paths (`/api/v1/...`, `/apis/{group}/{version}/...`,
 * namespaced and cluster-scoped, subresources, legacy `/watch/` paths).
 *
 * @module
 */

import { findByPath, type ResourceInfo } from "./resources.ts";

/** A parsed request path. */
export type Route =
  | { type: "root" }
  | { type: "version" }
  | { type: "health" }
  | { type: "api" }
  | { type: "apis" }
  | { type: "group"; group: string }
  | { type: "groupVersion"; group: string; version: string }
  | { type: "openapi" }
  | { type: "openapiV3"; path: string }
  | {
    type: "resource";
    info: ResourceInfo;
    /** Namespace from the path, `""` when absent. */
    namespace: string;
    /** Object name, `""` for collections. */
    name: string;
    /** Subresource, `""` when absent. */
    subresource: string;
    /** Legacy `/watch/` path. */
    watchPath: boolean;
  }
  | { type: "notFound" };

const LEGACY_WATCH = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/watch\//;

/** Whether the path uses the legacy `/watch/` prefix. */
export function isLegacyWatchPath(path: string): boolean {
  return LEGACY_WATCH.test(path);
}

/** Parses a URL path. */
export function parsePath(path: string): Route {
  const segments = path.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
  if (segments.length === 0) return { type: "root" };
  const [first] = segments;
  if (segments.length === 1) {
    if (first === "version") return { type: "version" };
    if (first === "healthz" || first === "livez" || first === "readyz") return { type: "health" };
    if (first === "api") return { type: "api" };
    if (first === "apis") return { type: "apis" };
  }
  if (first === "openapi") {
    return segments[1] === "v3"
      ? { type: "openapiV3", path: segments.slice(2).join("/") }
      : { type: "openapi" };
  }
  if (["healthz", "livez", "readyz"].includes(first)) return { type: "health" };
  let group: string;
  let version: string;
  let rest: string[];
  if (first === "api") {
    if (segments.length < 2) return { type: "notFound" };
    group = "";
    version = segments[1];
    rest = segments.slice(2);
  } else if (first === "apis") {
    if (segments.length === 2) return { type: "group", group: segments[1] };
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else {
    return { type: "notFound" };
  }
  if (rest.length === 0) return { type: "groupVersion", group, version };
  let watchPath = false;
  if (rest[0] === "watch") {
    watchPath = true;
    rest = rest.slice(1);
  }
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const info = findByPath(group, version, rest[2]);
    if (info?.namespaced && rest.length <= 5) {
      return {
        type: "resource",
        info,
        namespace: rest[1],
        name: rest[3] ?? "",
        subresource: rest[4] ?? "",
        watchPath,
      };
    }
  }
  const info = findByPath(group, version, rest[0] ?? "");
  if (!info || rest.length > 3) return { type: "notFound" };
  if (info.namespaced && rest.length > 1) return { type: "notFound" };
  return {
    type: "resource",
    info,
    namespace: "",
    name: rest[1] ?? "",
    subresource: rest[2] ?? "",
    watchPath,
  };
}
