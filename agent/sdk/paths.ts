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

/**
 * A path that would not address what it was built for: a `.` or `..` segment (the URL parser resolves them, so
 * `pods/..` would reach the namespace), or a URL that normalises to another path. Thrown before anything is sent.
 */
export class UnsafePathError extends Error {
  override readonly name = "UnsafePathError";
}

function segment(value: string, what: string): string {
  if (value === "." || value === "..") throw new UnsafePathError(`Refusing ${what} "${value}": not a name`);
  return encodeURIComponent(value);
}

/**
 * Builds `/api/v1/namespaces/ns/pods/name/log` and friends; each segment is URL-encoded, and a `.` or `..`
 * namespace or name throws {@linkcode UnsafePathError}.
 */
export function resourcePath(ref: ResourceRef): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  let path = base;
  if (ref.namespace) path += `/namespaces/${segment(ref.namespace, "namespace")}`;
  path += `/${ref.plural}`;
  if (ref.name) {
    path += `/${segment(ref.name, "name")}`;
    if (ref.subresource) path += `/${ref.subresource}`;
  }
  return path;
}

/**
 * The URL of `path` on `server`, checked to address exactly that path: WHATWG URL parsing resolves `.` and `..`
 * segments (also `%2e`), so a path that changes on the way is refused with {@linkcode UnsafePathError}.
 */
export function requestUrl(server: string, path: string, query?: string): string {
  const url = server + path + (query ? `?${query}` : "");
  // Repeated slashes (a server URL ending in `/`) are harmless; any other difference is a changed target.
  const collapse = (text: string) => text.replace(/\/{2,}/g, "/");
  const sent = new URL(url).pathname;
  if (collapse(sent) !== collapse(new URL(server).pathname + path)) {
    throw new UnsafePathError(
      `Refusing to send a request for ${JSON.stringify(path.slice(0, 200))}: the URL would address ` +
        `${JSON.stringify(sent.slice(0, 200))}`,
    );
  }
  return url;
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
