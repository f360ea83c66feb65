import assert from "node:assert/strict";
import { crc32, gunzipSync } from "node:zlib";
import { crc32Combine, SLAB_BYTES, Slabs } from "../../agent/service/_chunks.ts";
import { nodeUsageMap, podUsageMap, SnapshotService, type SnapshotSource } from "../../agent/service/mod.ts";
import {
  filledText,
  maxFilledBytes,
  packAll,
  type PackedItem,
  unfill,
  writeFilled,
} from "../../agent/repository/mod.ts";
import type { SnapshotListField } from "../../model/mod.ts";
import type { ResourceUsage } from "../../agent/service/mod.ts";
import { streamParts } from "../../agent/gateway/mod.ts";
import {
  convertedFixtures,
  FIXTURE_NOW,
  fixtureSource,
  nodeMetricsFixture,
  podMetricsFixture,
} from "../support/fixtures/mod.ts";
import { convertAll } from "../bench/_common.ts";
import { generateCluster } from "../support/simulator.ts";

Deno.test("crc32Combine gives the CRC-32 of the concatenation", () => {
  const a = new TextEncoder().encode('{"pods":[{"name":"a"}');
  const b = new TextEncoder().encode(',{"name":"b"}]}'.repeat(300));
  const whole = new Uint8Array(a.length + b.length);
  whole.set(a);
  whole.set(b, a.length);
  assert.equal(crc32Combine(crc32(a), crc32(b), b.length), crc32(whole));
  assert.equal(crc32Combine(0, crc32(b), b.length), crc32(b));
  assert.equal(crc32Combine(crc32(a), crc32(new Uint8Array(0)), 0), crc32(a));
});

Deno.test("Slabs keep chunk bytes intact and reclaim the space of dropped chunks by copying the live ones", () => {
  const slabs = new Slabs();
  const chunks = Array.from(
    { length: 40 },
    (_, i) => ({ data: slabs.store(new Uint8Array(30_000).fill(i)) }),
  );
  assert.equal(slabs.allocated, 5 * SLAB_BYTES, "eight 30 kB chunks per 256 KiB slab");
  const before = chunks.map((c) => c.data);
  slabs.compact(chunks);
  assert.equal(slabs.allocated, 5 * SLAB_BYTES, "nothing to reclaim while every chunk lives");
  const live = chunks.filter((_, i) => i % 8 === 0);
  slabs.compact(live);
  assert.equal(slabs.allocated, SLAB_BYTES, "the five live chunks moved into one fresh slab");
  live.forEach((chunk, k) => {
    assert.ok(chunk.data.every((byte) => byte === k * 8), `chunk ${k * 8} kept its bytes`);
    assert.notEqual(chunk.data.buffer, before[k * 8].buffer);
  });
  assert.ok(before[1].every((byte) => byte === 1), "old views stay readable (a body may still be streaming)");
});

Deno.test("writeFilled, filledText and unfill agree, also around non-ASCII text", () => {
  const [pod] = packAll(
    "pods",
    convertedFixtures().pods.slice(0, 1).map((p) => ({
      ...p,
      summary: { ...p.summary, name: "ünïcødé-✓-pod" },
    })),
  );
  const prefixes = [',"age":', ',"cpuUsage":', ',"memoryUsage":'];
  const raw = pod.raw as string;
  const fills = ['"3d"', '"12m"', undefined];
  const text = filledText(pod, raw, fills, prefixes);
  const json = JSON.parse(text);
  assert.equal(json.summary.name, "ünïcødé-✓-pod");
  assert.equal(json.summary.age, "3d");
  assert.equal(json.status.cpuUsage, "12m");
  assert.equal("memoryUsage" in json.status, false, "an undefined fill omits the field");
  const out = new Uint8Array(maxFilledBytes(raw, fills, prefixes));
  const end = writeFilled(out, 0, pod, raw, fills, prefixes);
  assert.equal(new TextDecoder().decode(out.subarray(0, end)), text);
  assert.equal(unfill(text, pod, fills, prefixes), raw);
});

// Chunks are reused where they are, so list order may differ from store order (the Master does not depend on
// it): compare each list as the sorted texts of its elements, everything else as it is.
function canonical(json: string): Record<string, unknown> {
  const parsed = JSON.parse(json) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    out[key] = Array.isArray(value) ? value.map((v) => JSON.stringify(v)).sort() : value;
  }
  return out;
}

// A seeded random sequence of store changes (adds, replacements, deletes), usage changes and clock moves across
// age boundaries. After every step, the long-lived service (reusing and rewriting compressed chunks) must send
// the same objects, with the same build-time fields, as a new service over freshly packed copies of them.
Deno.test("chunked snapshots stay byte-equal to a fresh build through churn, usage and age changes", () => {
  const objects = generateCluster({ pods: 300, seed: 7, metrics: false });
  const models = convertAll(objects);
  type Lists = { [K in SnapshotListField]?: PackedItem<K>[] };
  const live: Lists = {};
  for (const field of Object.keys(models) as SnapshotListField[]) {
    (live as Record<string, unknown[]>)[field] = track(packAll(field, models[field] ?? []));
  }
  const source = (lists: Lists): SnapshotSource => {
    const out: Record<string, { values(): Iterable<unknown> }> = {};
    for (const field of Object.keys(lists)) {
      out[field] = { values: () => (lists as Record<string, unknown[]>)[field] };
    }
    return out as SnapshotSource;
  };
  // One pod with non-ASCII text: refilled from its text, while its ASCII neighbours are refilled byte for byte.
  const first = (models.pods ?? [])[0];
  (live.pods as PackedItem<"pods">[])[0] = track(packAll("pods", [{
    ...first,
    summary: { ...first.summary, name: "ünïcødé-✓" },
  }]))[0];
  let podUsage = podUsageMap(podMetricsFixture());
  const nodeUsage = nodeUsageMap(nodeMetricsFixture());
  const clock = { ms: FIXTURE_NOW, now: () => clock.ms, sleep: () => Promise.resolve() };
  const usage = { podUsage: () => podUsage, nodeUsage: () => nodeUsage };
  const service = new SnapshotService(source(live), { clusterId: "c", clock, usage });

  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const podModels = models.pods ?? [];
  const eventModels = models.events ?? [];
  let reused = 0;
  let compressed = 0;
  for (let step = 0; step < 40; step++) {
    const action = step % 5;
    const pods = live.pods as PackedItem<"pods">[];
    if (action === 0) {
      // Replace some pods (an update makes a new packed object).
      for (let i = 0; i < 5; i++) {
        const index = Math.floor(random() * pods.length);
        const model = podModels[Math.floor(random() * podModels.length)];
        pods[index] =
          track(packAll("pods", [{ ...model, summary: { ...model.summary, name: `p-${step}-${i}` } }]))[0];
      }
    } else if (action === 1) {
      // Delete some pods and events, add new events.
      for (let i = 0; i < 4; i++) pods.splice(Math.floor(random() * pods.length), 1);
      const events = live.events as PackedItem<"events">[];
      events.splice(0, 3);
      events.push(...track(packAll("events", eventModels.slice(0, 2))));
    } else if (action === 2) {
      // New usage for some pods: the same key with other values.
      const next = new Map<string, ResourceUsage>(podUsage);
      for (const pod of pods.slice(0, 20)) next.set(pod.record.key, { cpu: `${step}m`, memory: `${step}Mi` });
      podUsage = next;
    } else if (action === 3) {
      clock.ms += 61_000 + Math.floor(random() * 3_600_000); // ages move
    }
    const built = service.build();
    reused += built.chunks.reused;
    compressed += built.chunks.compressed;
    const fresh: Lists = {};
    for (const field of Object.keys(live) as SnapshotListField[]) {
      const items = (live as Record<string, PackedItem<SnapshotListField>[]>)[field];
      // A fresh packing of the same objects: same bytes, no chunks.
      (fresh as Record<string, unknown[]>)[field] = items.map((item) => repack(item));
    }
    const expected = new SnapshotService(source(fresh), { clusterId: "c", clock, usage }).build();
    const body = gunzipSync(built.gzip());
    assert.equal(body.length, built.rawBytes);
    const got = body.toString();
    const want = expected.json();
    assert.deepEqual(canonical(got), canonical(want), `step ${step}`);
  }
  // The faults happened: chunks were both reused and rewritten along the way.
  assert.ok(reused > 100, `chunks reused: ${reused}`);
  assert.ok(compressed > 40, `chunks compressed: ${compressed}`);
});

// The bytes of every packed object at packing time (the long-lived service drops them once compressed).
const rawAtPacking = new WeakMap<object, string>();

function track<T extends PackedItem<SnapshotListField>>(items: T[]): T[] {
  for (const item of items) rawAtPacking.set(item, item.raw as string);
  return items;
}

// A copy of a packed object as the transform would make it: same record and bytes, none of the writer's state.
function repack<T extends PackedItem<SnapshotListField>>(item: T): T {
  const raw = rawAtPacking.get(item);
  if (raw === undefined) throw new Error("untracked packed object");
  const fresh = Object.create(Object.getPrototypeOf(item));
  Object.assign(fresh, item, {
    raw,
    chunk: undefined,
    baked: undefined,
    epoch: 0,
    fills: undefined,
    ageFrom: Infinity,
    ageUntil: -Infinity,
  });
  return fresh;
}

Deno.test("the streamed body (64 KiB request chunks) decompresses to the JSON of the built snapshot", async () => {
  const service = new SnapshotService(fixtureSource(), { clusterId: "c", clock: clockAt(FIXTURE_NOW) });
  const built = service.build();
  const streamed = new Uint8Array(await new Response(streamParts(built.parts)).arrayBuffer());
  assert.equal(streamed.length, built.gzipBytes);
  const json = new TextDecoder().decode(gunzipSync(streamed));
  assert.equal(json, built.json());
  assert.equal(new TextEncoder().encode(json).length, built.rawBytes);
  JSON.parse(json);
  // Through the platform's own gzip reader too (what a Go server's gzip.Reader does: the CRC and size are checked).
  const viaStream = await new Response(
    streamParts(built.parts).pipeThrough(new DecompressionStream("gzip")),
  ).text();
  assert.equal(viaStream, json);
});

function clockAt(ms: number) {
  return { now: () => ms, sleep: () => Promise.resolve() };
}
