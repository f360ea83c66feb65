import assert from "node:assert/strict";
import {
  ageValidity,
  cpuNanocores,
  formatAge,
  formatCpu,
  formatMemory,
  memoryBytes,
  parseQuantity,
  utilizationPct,
} from "../../model/mod.ts";

Deno.test("parseQuantity() reads every Kubernetes suffix exactly in nano-units", () => {
  assert.equal(parseQuantity("250m"), 250_000_000n);
  assert.equal(parseQuantity("4"), 4_000_000_000n);
  assert.equal(parseQuantity("1303137n"), 1_303_137n);
  assert.equal(parseQuantity("500u"), 500_000n);
  assert.equal(parseQuantity("1.5"), 1_500_000_000n);
  assert.equal(parseQuantity("2k"), 2_000n * 1_000_000_000n);
  assert.equal(parseQuantity("1e3"), 1_000n * 1_000_000_000n);
  assert.equal(parseQuantity("1Ki"), 1024n * 1_000_000_000n);
  assert.equal(parseQuantity("0.5Gi"), 536_870_912n * 1_000_000_000n);
  assert.equal(parseQuantity("-1m"), -1_000_000n);
  assert.equal(parseQuantity(""), undefined);
  assert.equal(parseQuantity("abc"), undefined);
  assert.equal(parseQuantity("12Qi"), undefined);
});

Deno.test("cpuNanocores() and memoryBytes() convert quantities", () => {
  assert.equal(cpuNanocores("1"), 1_000_000_000n);
  assert.equal(memoryBytes("27280Ki"), 27_934_720n);
  assert.equal(memoryBytes("1500m"), 1n, "fractions of a byte are truncated");
});

Deno.test("formatCpu() writes only suffixes the Master's ParseCPU reads", () => {
  assert.equal(formatCpu(250_000_000n), "250m");
  assert.equal(formatCpu(1_803_137n), "1803137n");
  assert.equal(formatCpu(500_000n), "500000n", "never u");
  assert.equal(formatCpu(0n), "0");
});

Deno.test("formatMemory() writes the largest exact binary unit or bytes", () => {
  assert.equal(formatMemory(35_472n * 1024n), "35472Ki");
  assert.equal(formatMemory(8n * 1024n * 1024n), "8Mi");
  assert.equal(formatMemory(2n ** 30n), "1Gi");
  assert.equal(formatMemory(1_000_001n), "1000001");
  assert.equal(formatMemory(0n), "0");
});

Deno.test("utilizationPct() rounds to two decimals and needs a positive total", () => {
  assert.equal(utilizationPct(1n, 3n), 33.33);
  assert.equal(utilizationPct(4, 110), 3.64);
  assert.equal(utilizationPct(1, 0), undefined);
});

Deno.test("formatAge() rounds down to days, hours or minutes", () => {
  const minute = 60_000;
  assert.equal(formatAge(0), "0m");
  assert.equal(formatAge(59_999), "0m");
  assert.equal(formatAge(5 * minute), "5m");
  assert.equal(formatAge(119 * minute), "1h");
  assert.equal(formatAge(47 * 60 * minute), "1d");
  assert.equal(formatAge(74 * 24 * 60 * minute + 5), "74d");
  assert.equal(formatAge(-10 * minute), "0m", "clock skew gives 0m");
});

Deno.test("ageValidity() spans exactly the elapsed times with the same age text", () => {
  const minute = 60_000;
  const hour = 60 * minute;
  for (
    const elapsed of [
      0,
      30_000,
      5 * minute + 1,
      90 * minute,
      23 * hour + 59 * minute,
      36 * hour,
      50 * 24 * hour + 7,
    ]
  ) {
    const { from, until } = ageValidity(elapsed);
    assert.ok(from <= elapsed && elapsed < until, `${elapsed}`);
    assert.equal(formatAge(until - 1), formatAge(elapsed));
    assert.notEqual(formatAge(until), formatAge(elapsed));
    if (Number.isFinite(from)) assert.notEqual(formatAge(from - 1), formatAge(elapsed));
  }
  assert.equal(ageValidity(-5 * minute).until, minute, "clock skew stays 0m until a minute");
});
