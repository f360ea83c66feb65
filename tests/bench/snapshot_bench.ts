/**
 * Snapshot micro-benchmarks for 1,000 and 10,000 pods with proportional other kinds (stores filled through the
 * converters and packing): the agent's build (stores → gzip body, compressing only changed chunks) with 1 % of pods
 * changed, a cold build (everything compressed), and for comparison gzip of the whole raw JSON at once (what the
 * agent no longer does).
 *
 * @module
 */

import { SnapshotService } from "../../agent/service/snapshot.ts";
import { gzip, rounds, sourceOf } from "./_common.ts";
import { churnPods, snapshotFixture } from "./_fixtures.ts";

for (const pods of [1_000, 10_000]) {
  const fixture = snapshotFixture(pods);
  const group = `snapshot ${pods} pods`;
  // Prime the caches and keep one serialised body for the gzip-only case.
  const primed = fixture.service.build();
  const body = new TextEncoder().encode(primed.json());
  let round = 0;

  Deno.bench({
    name: `${group}: build + gzip body, warm chunks, 1% pods changed`,
    group,
    baseline: true,
    n: rounds(pods > 5_000 ? 10 : 30, 2),
    warmup: 2,
    fn(b) {
      churnPods(fixture, 0.01, ++round);
      b.start();
      fixture.service.build();
      b.end();
    },
  });

  Deno.bench({
    name: `${group}: build + gzip body, cold (new service, every chunk compressed)`,
    group,
    n: rounds(pods > 5_000 ? 3 : 10, 2),
    warmup: 1,
    fn(b) {
      const service = new SnapshotService(sourceOf(fixture.converted), { clusterId: "bench" });
      b.start();
      service.build();
      b.end();
    },
  });

  Deno.bench({
    name: `${group}: for comparison, gzip of the whole raw JSON (${
      (body.length / 1e6).toFixed(1)
    } MB) at once`,
    group,
    n: rounds(pods > 5_000 ? 5 : 20, 2),
    warmup: 1,
    async fn() {
      await gzip(body);
    },
  });
}
