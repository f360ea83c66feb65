/**
 * Informer micro-benchmarks: initial sync of 10,000 pods from an in-process fake API server (list+watch and
 * streaming list; the fake shares the thread, so its serving cost is included), and ingest of MODIFIED pod
 * events through the watch decoder and the reflector with the pod converter (agent side only).
 *
 * @module
 */

import { QUICK, rounds } from "./_common.ts";
import { startFakeApiServer } from "../support/fake_apiserver.ts";
import {
  benchClient,
  generatePods,
  ingest,
  modifiedEventChunks,
  prefilledReflector,
  timeInitialSync,
} from "./_fixtures.ts";

const PODS = 10_000;
const EVENTS = 10_000;

const pods = generatePods(EVENTS);
const chunks = modifiedEventChunks(pods);
const reflector = prefilledReflector(pods);

Deno.bench({
  name: `ingest ${EVENTS} MODIFIED pod events (decode + converter + store)`,
  group: "ingest",
  n: rounds(5, 2),
  warmup: 1,
  async fn() {
    const count = await ingest(chunks, reflector);
    if (count !== EVENTS) throw new Error(`ingested ${count} of ${EVENTS}`);
  },
});

// Quick runs take the initial-sync figures from memory.ts, which measures the same thing.
if (!QUICK) {
  const server = await startFakeApiServer({ simulate: { pods: PODS, seed: 1, metrics: false } });
  const client = benchClient(server.url);

  Deno.bench({
    name: `initial sync ${PODS} pods: paginated list + watch`,
    group: "sync",
    baseline: true,
    n: rounds(3, 1),
    warmup: 1,
    async fn(b) {
      b.start();
      await timeInitialSync(client, false);
      b.end();
    },
  });

  Deno.bench({
    name: `initial sync ${PODS} pods: streaming list (sendInitialEvents)`,
    group: "sync",
    n: rounds(3, 1),
    warmup: 1,
    async fn(b) {
      b.start();
      await timeInitialSync(client, true);
      b.end();
    },
  });

  Deno.bench({
    name: "close the fake API server (bookkeeping, not a measurement)",
    group: "zz-teardown",
    n: 1,
    warmup: 0,
    async fn() {
      client.close();
      await server.close();
    },
  });
}
