import assert from "node:assert/strict";
import {
  convertLimitRange,
  convertResourceQuota,
  convertServiceAccount,
} from "../../../agent/repository/converters/mod.ts";
import { fixture } from "../../support/fixtures/mod.ts";

Deno.test("convertResourceQuota() copies scopes, hard and used with a string createdAt", () => {
  const quota = convertResourceQuota(fixture("resourceQuotas", "shop-quota"));
  assert.equal(quota.createdAt, "2025-02-01T09:00:30Z");
  assert.equal(quota.age, "");
  assert.deepEqual(quota.hard, {
    "limits.memory": "16Gi",
    pods: "50",
    "requests.cpu": "4",
    "requests.memory": "8Gi",
  });
  assert.equal(quota.used?.["requests.cpu"], "450m");
  assert.equal(quota.scopes, undefined);
  assert.deepEqual(convertResourceQuota(fixture("resourceQuotas", "shop-not-best-effort")).scopes, [
    "NotBestEffort",
  ]);
});

Deno.test("convertLimitRange() sends every item and [] without limits", () => {
  const limits = convertLimitRange(fixture("limitRanges", "shop-limits"));
  assert.equal(limits.items.length, 2);
  assert.deepEqual(limits.items[0].maxLimitRequestRatio, { cpu: "4" });
  assert.deepEqual(limits.items[1], {
    type: "PersistentVolumeClaim",
    default: undefined,
    defaultRequest: undefined,
    max: { storage: "50Gi" },
    min: { storage: "1Gi" },
    maxLimitRequestRatio: undefined,
  });
  assert.deepEqual(convertLimitRange(fixture("limitRanges", "placeholder")).items, []);
});

Deno.test("convertServiceAccount() counts and names secrets, keeping automount false", () => {
  const web = convertServiceAccount(fixture("serviceAccounts", "web"));
  assert.equal(web.secretsCount, 1);
  assert.equal(web.imagePullSecretsCount, 1);
  assert.deepEqual(web.secretNames, ["web-token-abc"]);
  assert.deepEqual(web.imagePullSecretNames, ["regcred"]);
  assert.equal(web.automountServiceAccountToken, false);
  const plain = convertServiceAccount(fixture("serviceAccounts", "default"));
  assert.equal(plain.secretsCount, 0);
  assert.equal(plain.automountServiceAccountToken, undefined);
  assert.equal(plain.secretNames, undefined);
});
