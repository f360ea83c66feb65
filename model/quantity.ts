/**
 * Kubernetes quantities and the forms the Master's parsers read (master-protocol §2.4, §10.4).
 *
 * The Master's `ParseCPU` understands `n`, `m` and plain cores (`u` parses as 0) and `ParseMemory` understands
 * `Ki`/`Mi`/`Gi`/`Ti`, `K`/`M`/`G`/`T` and plain bytes. metrics-server quantities come in Kubernetes' canonical
 * form, which may use `u` or `k`, so usage is parsed exactly here and re-written in a form the Master reads.
 * Arithmetic is in `bigint` nano-units so sums are exact.
 *
 * @module
 */

const NANO = 1_000_000_000n;

const BINARY_SUFFIX: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/;
const EXPONENT = /^[eE]([+-]?\d+)$/;

/**
 * Parses a Kubernetes quantity (`"250m"`, `"1.5Gi"`, `"1303137n"`, `"2e3"`) into nano-units (value × 10⁹),
 * truncated toward zero. Returns `undefined` for text that is not a quantity.
 */
export function parseQuantity(text: string): bigint | undefined {
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole = "", fraction = "", suffix = ""] = match;
  if (whole === "" && fraction === "") return undefined;
  const mantissa = BigInt(whole + fraction || "0");
  let value: bigint;
  const binary = BINARY_SUFFIX[suffix];
  if (binary !== undefined) {
    value = scale(mantissa * binary * NANO, -fraction.length);
  } else {
    let exponent = DECIMAL_EXPONENT[suffix];
    if (exponent === undefined) {
      const e = EXPONENT.exec(suffix);
      if (!e) return undefined;
      exponent = Number(e[1]);
    }
    value = scale(mantissa, 9 + exponent - fraction.length);
  }
  return sign === "-" ? -value : value;
}

function scale(value: bigint, exponent: number): bigint {
  if (exponent >= 0) return value * 10n ** BigInt(exponent);
  return value / 10n ** BigInt(-exponent);
}

/** CPU in nanocores from a quantity (`"250m"` → 250000000n), or `undefined`. */
export function cpuNanocores(text: string): bigint | undefined {
  return parseQuantity(text);
}

/** Memory in whole bytes from a quantity (`"1Ki"` → 1024n), or `undefined`. */
export function memoryBytes(text: string): bigint | undefined {
  const nanos = parseQuantity(text);
  return nanos === undefined ? undefined : nanos / NANO;
}

/**
 * Writes nanocores in a form the Master's `ParseCPU` reads exactly: `"<m>m"` when whole millicores, otherwise
 * `"<n>n"` (never `u`).
 */
export function formatCpu(nanocores: bigint): string {
  if (nanocores === 0n) return "0";
  if (nanocores % 1_000_000n === 0n) return `${nanocores / 1_000_000n}m`;
  return `${nanocores}n`;
}

const MEMORY_UNITS: ReadonlyArray<[string, bigint]> = [
  ["Ti", 1n << 40n],
  ["Gi", 1n << 30n],
  ["Mi", 1n << 20n],
  ["Ki", 1n << 10n],
];

/** Writes bytes in a form the Master's `ParseMemory` reads exactly: the largest binary unit that divides, else bytes. */
export function formatMemory(bytes: bigint): string {
  if (bytes === 0n) return "0";
  for (const [suffix, size] of MEMORY_UNITS) {
    if (bytes % size === 0n) return `${bytes / size}${suffix}`;
  }
  return `${bytes}`;
}

/** `round(used / total × 100, 2)`, or `undefined` when `total` is not positive. */
export function utilizationPct(used: bigint | number, total: bigint | number): number | undefined {
  const t = Number(total);
  if (!(t > 0)) return undefined;
  return Math.round((Number(used) / t) * 100 * 100) / 100;
}
