import assert from "node:assert/strict";
import { checkCommandNames, nameProblem, nameRuleOf } from "../../../agent/service/commands/mod.ts";
import type { Command } from "../../../model/mod.ts";

Deno.test("nameProblem() accepts Kubernetes names and refuses what could change the target", () => {
  const cases: [string, "dns1123-label" | "dns1123-subdomain", RegExp | undefined][] = [
    ["web", "dns1123-subdomain", undefined],
    ["web-7d9f8c-x2k4p", "dns1123-subdomain", undefined],
    ["ip-10-0-1-23.eu-west-1.compute.internal", "dns1123-subdomain", undefined],
    ["a".repeat(253), "dns1123-subdomain", undefined],
    ["kube-system", "dns1123-label", undefined],
    ["", "dns1123-subdomain", /is empty/],
    [".", "dns1123-subdomain", /may not be "\."/],
    ["..", "dns1123-label", /may not be "\.\."/],
    ["shop/..", "dns1123-subdomain", /may not contain '\/'/],
    ["%2e%2e", "dns1123-subdomain", /may not contain '%'/],
    ["web\nINFO forged line", "dns1123-subdomain", /control characters/],
    ["Web", "dns1123-subdomain", /DNS-1123 subdomain/],
    ["-web", "dns1123-subdomain", /DNS-1123 subdomain/],
    ["a..b", "dns1123-subdomain", /DNS-1123 subdomain/],
    ["a".repeat(254), "dns1123-subdomain", /at most 253/],
    ["my.ns", "dns1123-label", /DNS-1123 label/],
    ["a".repeat(64), "dns1123-label", /at most 63/],
  ];
  for (const [value, rule, expected] of cases) {
    const problem = nameProblem(value, rule);
    if (expected) assert.match(problem ?? "", expected, JSON.stringify(value));
    else assert.equal(problem, undefined, JSON.stringify(value));
  }
  assert.equal(nameRuleOf("Service"), "dns1123-label");
  assert.equal(nameRuleOf("namespace"), "dns1123-label");
  assert.equal(nameRuleOf("Deployment"), "dns1123-subdomain");
  assert.equal(nameRuleOf(undefined), "dns1123-subdomain");
});

Deno.test("checkCommandNames() checks namespace and name, bounding what it quotes", () => {
  const command = (fields: Partial<Command>): Command => ({
    id: "c",
    clusterId: "",
    action: "delete_pod",
    createdAt: "0001-01-01T00:00:00Z",
    ...fields,
  });
  assert.equal(checkCommandNames(command({ namespace: "shop", name: "web-1" }), "Pod"), undefined);
  assert.equal(checkCommandNames(command({}), undefined), undefined);
  assert.match(
    checkCommandNames(command({ namespace: "shop", name: ".." }), "Pod") ?? "",
    /^invalid name "\.\.": may not be "\.\."$/,
  );
  assert.match(
    checkCommandNames(command({ namespace: "..", name: "x" }), "Pod") ?? "",
    /^invalid namespace "\.\.": /,
  );
  const long = checkCommandNames(command({ namespace: "shop", name: "X".repeat(1 << 20) }), "Pod") ?? "";
  assert.ok(long.length < 600, `${long.length} characters`);
  assert.match(long, /…" \(1048576 chars\): must be a DNS-1123 subdomain/);
  assert.match(checkCommandNames(command({ name: 7 as unknown as string }), "Pod") ?? "", /must be a string/);
});
