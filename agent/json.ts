/**
 * Guards for decoded JSON and YAML that every layer reads from outside (kubeconfig, exec credentials, Master
 * answers, manifests): one definition instead of a copy per file.
 *
 * @module
 */

/** True for a JSON object (a mapping): not `null`, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
