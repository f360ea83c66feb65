/**
 * REST paths of Kubernetes resources.
 *
 * @module
 */

/** Coordinates of a resource collection, object or subresource. */
export interface ResourceRef {
  /** API group; `""` or absent for the core group. */
  group?: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Lower-case plural, e.g. `pods`. */
  plural: string;
  /** Namespace for namespaced resources; absent for cluster-scoped ones or all namespaces. */
  namespace?: string;
  /** Object name; absent for the collection. */
  name?: string;
  /** e.g. `scale`, `status`, `eviction`, `log`. */
  subresource?: string;
}

/** Builds `/api/v1/namespaces/ns/pods/name/log` and friends; each segment is URL-encoded. */
export function resourcePath(ref: ResourceRef): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  let path = base;
  if (ref.namespace) path += `/namespaces/${encodeURIComponent(ref.namespace)}`;
  path += `/${ref.plural}`;
  if (ref.name) {
    path += `/${encodeURIComponent(ref.name)}`;
    if (ref.subresource) path += `/${ref.subresource}`;
  }
  return path;
}

/**
 * Query parameters from a record, skipping `undefined` and `""` (an empty value is never meaningful to the API
 * server); booleans and numbers are written as Go expects.
 */
export function queryParams(
  values: Record<string, string | number | boolean | undefined> = {},
): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  return params;
}

/** Appends query parameters (see {@linkcode queryParams}) to a path. */
export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): string {
  const text = queryParams(query).toString();
  if (!text) return path;
  return path + (path.includes("?") ? "&" : "?") + text;
}
