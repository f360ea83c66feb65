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
  /** `Available`, `Bound`, `Released` or `Failed`. */
  phase: string;
  /** Storage class name. */
  storageClass?: string;
  /** Access modes, e.g. `ReadWriteOnce`. */
  accessModes?: string[];
  /** `Retain`, `Delete` or `Recycle`. */
  reclaimPolicy?: string;
  /** Kind of volume source. */
  volumeSourceType?: VolumeSourceType;
  /** Name of the bound claim. */
  claimRefName?: string;
  /** Namespace of the bound claim. */
  claimRefNamespace?: string;
}

/** A PersistentVolumeClaim (CommonMeta kind `PersistentVolumeClaim`). */
export interface PersistentVolumeClaim extends CommonMeta {
  /** `Pending`, `Bound` or `Lost`. */
  phase: string;
  /** Always present, `""` while unbound. */
  volumeName: string;
  /** Storage class name. */
  storageClass?: string;
  /** Requested access modes. */
  accessModes?: string[];
  /** `spec.resources.requests.storage`. */
  requestedCapacity?: string;
  /** `status.capacity.storage`. */
  actualCapacity?: string;
  /** `Filesystem` or `Block`. */
  volumeMode?: string;
}
