import assert from "node:assert/strict";
import {
  convertPersistentVolume,
  convertPersistentVolumeClaim,
} from "../../../agent/repository/converters/mod.ts";
import { kubeFixtures } from "../../support/fixtures/mod.ts";

Deno.test("convertPersistentVolume() names the source type in Go's order", () => {
  const types = kubeFixtures().pvs.map((pv) => convertPersistentVolume(pv).volumeSourceType);
  assert.deepEqual(types, ["CSI", "Local", "NFS", "HostPath", "Unknown"]);
});

Deno.test("convertPersistentVolume() reports capacity, claim and no namespace", () => {
  const [csi, , , , flex] = kubeFixtures().pvs.map((pv) => convertPersistentVolume(pv));
  assert.equal(csi.kind, "PersistentVolume");
  assert.equal(csi.namespace, undefined);
  assert.equal(csi.capacity, "20Gi");
  assert.equal(csi.phase, "Bound");
  assert.equal(csi.storageClass, "gp3");
  assert.equal(csi.reclaimPolicy, "Delete");
  assert.deepEqual(csi.accessModes, ["ReadWriteOnce"]);
  assert.equal(csi.claimRefName, "data-web");
  assert.equal(csi.claimRefNamespace, "shop");
  assert.equal(flex.capacity, "0", "a missing capacity is 0");
  assert.equal(flex.storageClass, undefined);
});

Deno.test("convertPersistentVolumeClaim() reports requested and actual capacity", () => {
  const [bound, pending] = kubeFixtures().pvcs.map((pvc) => convertPersistentVolumeClaim(pvc));
  assert.equal(bound.kind, "PersistentVolumeClaim");
  assert.equal(bound.namespace, "shop");
  assert.equal(bound.phase, "Bound");
  assert.equal(bound.requestedCapacity, "20Gi");
  assert.equal(bound.actualCapacity, "20Gi");
  assert.equal(bound.volumeMode, "Filesystem");
  assert.equal(bound.storageClass, "gp3");
  assert.deepEqual(bound.labels, { app: "web" });
  assert.equal(pending.phase, "Pending");
  assert.equal(pending.volumeName, "", "volumeName is always sent");
  assert.equal(pending.actualCapacity, undefined);
});
