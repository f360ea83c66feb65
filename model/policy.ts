/**
 * Policy models (master-protocol §2.12): ResourceQuota, LimitRange and ServiceAccount, flat with a string
 * `createdAt`.
 *
 * @module
 */

import type { StringMap, StrTime } from "./meta.ts";

/** A ResourceQuota. */
export interface ResourceQuota {
  name: string;
  namespace: string;
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  scopes?: string[];
  hard?: StringMap;
  used?: StringMap;
  labels?: StringMap;
  annotations?: StringMap;
}

/** A LimitRange. */
export interface LimitRange {
  name: string;
  namespace: string;
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** Not omitempty in Go: always sent, `[]` when there are no limits. */
  items: LimitRangeItem[];
  labels?: StringMap;
  annotations?: StringMap;
}

/** One `spec.limits` entry. */
export interface LimitRangeItem {
  type: string;
  default?: StringMap;
  defaultRequest?: StringMap;
  max?: StringMap;
  min?: StringMap;
  maxLimitRequestRatio?: StringMap;
}

/** A ServiceAccount. */
export interface ServiceAccount {
  name: string;
  namespace: string;
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  secretsCount: number;
  imagePullSecretsCount: number;
  /** A Go `*bool`: `false` is sent when Kubernetes sets it. */
  automountServiceAccountToken?: boolean;
  secretNames?: string[];
  imagePullSecretNames?: string[];
  labels?: StringMap;
  annotations?: StringMap;
}
