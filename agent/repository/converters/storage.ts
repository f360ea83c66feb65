/**
 * Storage converters (master-protocol §2.12): PersistentVolume (source type, `"0"` capacity default) and
 * PersistentVolumeClaim (requested and actual capacity).
 *
 * @module
 */

import type {
  PersistentVolume as KubePersistentVolume,
  PersistentVolumeClaim as KubePersistentVolumeClaim,
  PersistentVolumeSpec,
} from "kubernetes-types/core/v1.d.ts";
import type { PersistentVolume, PersistentVolumeClaim, VolumeSourceType } from "../../../model/mod.ts";
import { commonMeta, list, str } from "./_shared.ts";

// In Go's switch order: the first source present names the type.
const SOURCE_TYPES: ReadonlyArray<[keyof PersistentVolumeSpec, VolumeSourceType]> = [
  ["hostPath", "HostPath"],
  ["nfs", "NFS"],
  ["csi", "CSI"],
  ["local", "Local"],
  ["awsElasticBlockStore", "AWSElasticBlockStore"],
  ["gcePersistentDisk", "GCEPersistentDisk"],
  ["azureDisk", "AzureDisk"],
  ["azureFile", "AzureFile"],
  ["cephfs", "CephFS"],
  ["fc", "FC"],
  ["iscsi", "iSCSI"],
  ["rbd", "RBD"],
];

/** Converts a PersistentVolume (cluster-scoped: no namespace). */
export function convertPersistentVolume(pv: KubePersistentVolume): PersistentVolume {
  const spec = pv.spec;
  return {
    ...commonMeta(pv.metadata, "PersistentVolume", { labels: true, namespaced: false }),
    capacity: spec?.capacity?.storage || "0",
    phase: pv.status?.phase ?? "",
    storageClass: str(spec?.storageClassName),
    accessModes: list(spec?.accessModes),
    reclaimPolicy: str(spec?.persistentVolumeReclaimPolicy),
    volumeSourceType: sourceType(spec),
    claimRefName: str(spec?.claimRef?.name),
    claimRefNamespace: str(spec?.claimRef?.namespace),
  };
}

function sourceType(spec: PersistentVolumeSpec | undefined): VolumeSourceType {
  for (const [field, type] of SOURCE_TYPES) if (spec?.[field]) return type;
  return "Unknown";
}

/** Converts a PersistentVolumeClaim; `volumeName` is always sent, `""` while unbound. */
export function convertPersistentVolumeClaim(pvc: KubePersistentVolumeClaim): PersistentVolumeClaim {
  const spec = pvc.spec;
  return {
    ...commonMeta(pvc.metadata, "PersistentVolumeClaim", { labels: true }),
    phase: pvc.status?.phase ?? "",
    volumeName: spec?.volumeName ?? "",
    storageClass: str(spec?.storageClassName),
    accessModes: list(spec?.accessModes),
    requestedCapacity: str(spec?.resources?.requests?.storage),
    actualCapacity: str(pvc.status?.capacity?.storage),
    volumeMode: str(spec?.volumeMode),
  };
}
