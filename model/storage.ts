/**
 * Storage models (master-protocol §2.12): PersistentVolume and PersistentVolumeClaim, flat on CommonMeta.
 *
 * @module
 */

import type { CommonMeta } from "./meta.ts";

/** The PV source types the Master knows. */
export type VolumeSourceType =
  | "HostPath"
  | "NFS"
  | "CSI"
  | "Local"
  | "AWSElasticBlockStore"
  | "GCEPersistentDisk"
  | "AzureDisk"
  | "AzureFile"
  | "CephFS"
  | "FC"
  | "iSCSI"
  | "RBD"
  | "Unknown";

/** A PersistentVolume (CommonMeta kind `PersistentVolume`, no namespace). */
export interface PersistentVolume extends CommonMeta {
  /** `spec.capacity.storage`, `"0"` when missing. */
  capacity: string;
  phase: string;
  storageClass?: string;
  accessModes?: string[];
  reclaimPolicy?: string;
  volumeSourceType?: VolumeSourceType;
  claimRefName?: string;
  claimRefNamespace?: string;
}

/** A PersistentVolumeClaim (CommonMeta kind `PersistentVolumeClaim`). */
export interface PersistentVolumeClaim extends CommonMeta {
  phase: string;
  /** Always present, `""` while unbound. */
  volumeName: string;
  storageClass?: string;
  accessModes?: string[];
  /** `spec.resources.requests.storage`. */
  requestedCapacity?: string;
  /** `status.capacity.storage`. */
  actualCapacity?: string;
  volumeMode?: string;
}
