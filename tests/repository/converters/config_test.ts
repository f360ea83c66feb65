import assert from "node:assert/strict";
import {
  convertConfigMap,
  convertNamespace,
  convertSecret,
} from "../../../agent/repository/converters/mod.ts";
import { fixture, kubeFixtures, PLANTED } from "../../support/fixtures/mod.ts";

Deno.test("convertConfigMap() keeps the keys of data only, never values", () => {
  const cm = convertConfigMap(fixture("configMaps", "shop-config"));
  assert.equal(cm.kind, "ConfigMap");
  assert.deepEqual(cm.dataKeys, ["DB_HOST", "FEATURE_FLAGS"], "binaryData keys are not listed");
  assert.deepEqual(cm.labels, { app: "shop" });
  assert.ok(!JSON.stringify(cm).includes(PLANTED));
  assert.ok(!JSON.stringify(cm).includes("postgres.shop.svc"));
  assert.equal(convertConfigMap(fixture("configMaps", "empty-config")).dataKeys, undefined);
});

Deno.test("convertSecret() keeps the type and key names, never values", () => {
  for (const raw of kubeFixtures().secrets) {
    const secret = convertSecret(raw);
    assert.equal(secret.kind, "Secret");
    assert.deepEqual(secret.dataKeys, Object.keys(raw.data ?? {}));
    const text = JSON.stringify(secret);
    assert.ok(!text.includes(PLANTED), `no planted value in ${secret.name}`);
    for (const value of Object.values(raw.data ?? {})) assert.ok(!text.includes(value));
  }
  assert.equal(convertSecret(fixture("secrets", "shop-tls")).type, "kubernetes.io/tls");
});

Deno.test("convertNamespace() reports phase and a string createdAt, counts left for the build", () => {
  const shop = convertNamespace(fixture("namespaces", "shop"));
  assert.deepEqual(shop.summary, { name: "shop", createdAt: "2025-02-01T09:00:00Z", age: "" });
  assert.equal(shop.status.phase, "Active");
  assert.equal(shop.resources.pods, 0);
  assert.deepEqual(shop.annotations, { owner: "shop-team@example.com" }, "last-applied is stripped");
  assert.equal(convertNamespace(fixture("namespaces", "old-feature")).status.phase, "Terminating");
});
