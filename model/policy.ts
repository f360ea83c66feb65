/**
 * Policy models (master-protocol §2.12): ResourceQuota, LimitRange and ServiceAccount, flat with a string
 * `createdAt`.
 *
 * @module
 */

import type { StringMap, StrTime } from "./meta.ts";

/** A ResourceQuota. */
export interface ResourceQuota {
  /** ResourceQuota name. */
  name: string;
  /** ResourceQuota namespace. */
  namespace: string;
  /** Creation timestamp. */
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** Scopes the quota applies to. */
  scopes?: string[];
  /** Hard limits, by resource name. */
  hard?: StringMap;
  /** Current usage, by resource name. */
  used?: StringMap;
  /** Labels of the ResourceQuota. */
  labels?: StringMap;
  /** Annotations of the ResourceQuota. */
  annotations?: StringMap;
}

/** A LimitRange. */
export interface LimitRange {
  /** LimitRange name. */
  name: string;
  /** LimitRange namespace. */
  namespace: string;
  /** Creation timestamp. */
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** Not omitempty in Go: always sent, `[]` when there are no limits. */
  items: LimitRangeItem[];
  /** Labels of the LimitRange. */
  labels?: StringMap;
  /** Annotations of the LimitRange. */
  annotations?: StringMap;
}

/** One `spec.limits` entry. */
export interface LimitRangeItem {
  /** What the limits apply to: `Container`, `Pod` or `PersistentVolumeClaim`. */
  type: string;
  /** Default limits, by resource name. */
  default?: StringMap;
  /** Default requests, by resource name. */
  defaultRequest?: StringMap;
  /** Maximum amounts, by resource name. */
  max?: StringMap;
  /** Minimum amounts, by resource name. */
  min?: StringMap;
  /** Maximum limit-to-request ratios, by resource name. */
  maxLimitRequestRatio?: StringMap;
}

/** A ServiceAccount. */
export interface ServiceAccount {
  /** ServiceAccount name. */
  name: string;
  /** ServiceAccount namespace. */
  namespace: string;
  /** Creation timestamp. */
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** Number of referenced Secrets. */
  secretsCount: number;
  /** Number of image pull Secrets. */
  imagePullSecretsCount: number;
  /** A Go `*bool`: `false` is sent when Kubernetes sets it. */
  automountServiceAccountToken?: boolean;
  /** Names of the referenced Secrets. */
  secretNames?: string[];
  /** Names of the image pull Secrets. */
  imagePullSecretNames?: string[];
  /** Labels of the ServiceAccount. */
  labels?: StringMap;
  /** Annotations of the ServiceAccount. */
  annotations?: StringMap;
}
