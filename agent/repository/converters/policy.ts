/**
 * Policy converters (master-protocol §2.12): ResourceQuota, LimitRange and ServiceAccount, flat with a string
 * `createdAt`.
 *
 * @module
 */

import type {
  LimitRange as KubeLimitRange,
  ResourceQuota as KubeResourceQuota,
  ServiceAccount as KubeServiceAccount,
} from "kubernetes-types/core/v1.d.ts";
import type { LimitRange, ResourceQuota, ServiceAccount } from "../../../model/mod.ts";
import { annotations, labels, list, mapList, stringMap, strTime } from "./_shared.ts";

/** Converts a ResourceQuota. */
export function convertResourceQuota(quota: KubeResourceQuota): ResourceQuota {
  const meta = quota.metadata;
  return {
    name: meta?.name ?? "",
    namespace: meta?.namespace ?? "",
    createdAt: strTime(meta?.creationTimestamp),
    age: "",
    scopes: list(quota.spec?.scopes),
    hard: stringMap(quota.spec?.hard),
    used: stringMap(quota.status?.used),
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

/** Converts a LimitRange; `items` is always an array. */
export function convertLimitRange(limitRange: KubeLimitRange): LimitRange {
  const meta = limitRange.metadata;
  return {
    name: meta?.name ?? "",
    namespace: meta?.namespace ?? "",
    createdAt: strTime(meta?.creationTimestamp),
    age: "",
    items: (limitRange.spec?.limits ?? []).map((item) => ({
      type: item.type ?? "",
      default: stringMap(item.default),
      defaultRequest: stringMap(item.defaultRequest),
      max: stringMap(item.max),
      min: stringMap(item.min),
      maxLimitRequestRatio: stringMap(item.maxLimitRequestRatio),
    })),
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

/** Converts a ServiceAccount: counts and names of its secrets, never their contents. */
export function convertServiceAccount(account: KubeServiceAccount): ServiceAccount {
  const meta = account.metadata;
  return {
    name: meta?.name ?? "",
    namespace: meta?.namespace ?? "",
    createdAt: strTime(meta?.creationTimestamp),
    age: "",
    secretsCount: account.secrets?.length ?? 0,
    imagePullSecretsCount: account.imagePullSecrets?.length ?? 0,
    automountServiceAccountToken: account.automountServiceAccountToken ?? undefined,
    secretNames: mapList(account.secrets, (s) => s.name ?? ""),
    imagePullSecretNames: mapList(account.imagePullSecrets, (s) => s.name ?? ""),
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}
