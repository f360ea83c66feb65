/**
 * The `scale` subresource (autoscaling/v1 Scale) and the PodDisruptionBudget check of `pods/eviction`.
 *
 * @module
 */

import { labelSelectorMatches, labelSelectorString } from "./selectors.ts";
import { ApiError, failureStatus, invalid, tooManyRequests } from "./status.ts";
import { isObj, labelsOf, metaOf, metaString, type Obj } from "./types.ts";

/** The Scale view of a deployment, statefulset or replicaset. */
export function toScale(obj: Obj): Obj {
  const meta = metaOf(obj);
  const spec = isObj(obj.spec) ? obj.spec : {};
  const status = isObj(obj.status) ? obj.status : {};
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: typeof spec.replicas === "number" ? spec.replicas : 1 },
    status: {
      replicas: typeof status.replicas === "number" ? status.replicas : 0,
      selector: labelSelectorString(spec.selector),
    },
  };
}

/** Reads and validates `spec.replicas` of a Scale body. */
export function scaleReplicas(name: string, scale: unknown): number {
  const replicas = isObj(scale) && isObj(scale.spec) ? scale.spec.replicas : undefined;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid("Scale", name, [{
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
      field: "spec.replicas",
    }], "autoscaling");
  }
  return replicas;
}

function isHealthy(pod: Obj): boolean {
  if (metaOf(pod).deletionTimestamp) return false;
  const status = isObj(pod.status) ? pod.status : {};
  if (status.phase !== "Running") return false;
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isObj) : [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

function scaledValue(value: unknown, total: number): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\d+%$/.test(value)) {
    return Math.ceil((Number(value.slice(0, -1)) * total) / 100);
  }
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Throws 429 when evicting `pod` would violate the PodDisruptionBudget that selects it (counting Running and
 * Ready pods), 500 when more than one budget selects it.
 */
export function checkEviction(pod: Obj, budgets: Obj[], podsInNamespace: Obj[]): void {
  const labels = labelsOf(pod);
  const matching = budgets.filter((pdb) =>
    isObj(pdb.spec) && labelSelectorMatches(pdb.spec.selector, labels)
  );
  if (matching.length === 0) return;
  if (matching.length > 1) {
    throw new ApiError(
      500,
      failureStatus(
        500,
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        "InternalError",
      ),
    );
  }
  const pdb = matching[0];
  const spec = pdb.spec as Obj;
  const selected = podsInNamespace.filter((p) => labelSelectorMatches(spec.selector, labelsOf(p)));
  const expected = selected.length;
  const healthy = selected.filter(isHealthy).length;
  let desiredHealthy = 0;
  const min = scaledValue(spec.minAvailable, expected);
  const maxUnavailable = scaledValue(spec.maxUnavailable, expected);
  if (min !== undefined) desiredHealthy = min;
  else if (maxUnavailable !== undefined) desiredHealthy = Math.max(0, expected - maxUnavailable);
  else return;
  const podHealthy = isHealthy(pod);
  const allowed = podHealthy ? healthy - desiredHealthy >= 1 : healthy >= desiredHealthy;
  if (allowed) return;
  throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 1, {
    causes: [{
      reason: "DisruptionBudget",
      message:
        `The disruption budget ${metaString(pdb, "name")} needs ${desiredHealthy} healthy pods and has ` +
        `${healthy} currently`,
    }],
  });
}
