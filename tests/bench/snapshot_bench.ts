/**
 * Snapshot micro-benchmarks for 1,000 and 10,000 pods with proportional other kinds (stores filled through the
 * converters): build + JSON serialisation from warm per-object caches with 1 % of pods changed, a cold build,
 * gzip (`node:zlib`, as the gateway) alone, and the whole push path (build + serialise + gzip).
 *
 * @module
 */

import { SnapshotService } from "../../agent/service/snapshot.ts";
import { gzip, rounds, sourceOf } from "./_common.ts";
import { buildAndCompress, churnPods, snapshotFixture } from "./_fixtures.ts";

for (const pods of [1_000, 10_000]) {
  const fixture = snapshotFixture(pods);
  const group = `snapshot ${pods} pods`;
  // Prime the caches and keep one serialised body for the gzip-only case.
  const primed = fixture.service.build();
  const body = primed.bytes().slice();
  primed.release();
  let round = 0;

  Deno.bench({
    name: `${group}: build + serialise, warm caches, 1% pods changed`,
    group,
    baseline: true,
    n: rounds(pods > 5_000 ? 10 : 30, 2),
    warmup: 2,
    fn(b) {
      churnPods(fixture, 0.01, ++round);
      b.start();
      const built = fixture.service.build();
      built.bytes();
      b.end();
      built.release();
    },
  });

  Deno.bench({
    name: `${group}: build + serialise, cold (new service)`,
    group,
    n: rounds(pods > 5_000 ? 3 : 10, 2),
    warmup: 1,
    fn(b) {
      const service = new SnapshotService(sourceOf(fixture.lists), { clusterId: "bench" });
      b.start();
      service.build().bytes();
      b.end();
    },
  });

  Deno.bench({
    name: `${group}: gzip (node:zlib level 6, as the gateway) of ${(body.length / 1e6).toFixed(1)} MB`,
    group,
    n: rounds(pods > 5_000 ? 5 : 20, 2),
    warmup: 1,
    async fn() {
      await gzip(body);
    },
  });

  Deno.bench({
    name: `${group}: build + serialise + gzip, warm caches, 1% pods changed`,
    group,
    n: rounds(pods > 5_000 ? 5 : 20, 2),
    warmup: 1,
    async fn(b) {
      churnPods(fixture, 0.01, ++round);
      b.start();
      await buildAndCompress(fixture.service);
      b.end();
    },
  });
}
