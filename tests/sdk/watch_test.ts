import assert from "node:assert/strict";
import { decodeLine, readWatchEvents, WatchDecodeError } from "../../agent/sdk/watch.ts";
import type { WatchEvent } from "../../agent/sdk/types.ts";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

/** Cuts `bytes` at the given offsets. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    chunks.push(bytes.slice(start, offset));
    start = offset;
  }
  return chunks;
}

async function collect<T>(iterable: AsyncIterable<WatchEvent<T>>): Promise<WatchEvent<T>[]> {
  const events: WatchEvent<T>[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

const EVENTS = [
  { type: "ADDED", object: { kind: "Pod", metadata: { name: "a", resourceVersion: "1" } } },
  { type: "MODIFIED", object: { kind: "Pod", metadata: { name: "ä-ünicode-名前", resourceVersion: "2" } } },
  { type: "BOOKMARK", object: { kind: "Pod", metadata: { resourceVersion: "3" } } },
  {
    type: "ERROR",
    object: {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "Expired",
      code: 410,
      message: "too old",
    },
  },
  { type: "DELETED", object: { kind: "Pod", metadata: { name: "a", resourceVersion: "4" } } },
];

Deno.test("readWatchEvents() decodes events split at every possible chunk boundary", async () => {
  const bytes = new TextEncoder().encode(EVENTS.map((e) => JSON.stringify(e) + "\n").join(""));
  for (let offset = 1; offset < bytes.length; offset++) {
    const events = await collect(readWatchEvents(streamOf(cut(bytes, [offset]))));
    assert.deepEqual(events, EVENTS, `split at byte ${offset}`);
  }
});

Deno.test("readWatchEvents() decodes a stream delivered one byte at a time", async () => {
  const bytes = new TextEncoder().encode(EVENTS.map((e) => JSON.stringify(e) + "\n").join(""));
  const offsets = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
  const events = await collect(readWatchEvents(streamOf(cut(bytes, offsets))));
  assert.deepEqual(events, EVENTS);
});

Deno.test("readWatchEvents() decodes random chunkings of many events", async () => {
  const many = Array.from({ length: 200 }, (_, i) => ({
    type: "MODIFIED",
    object: {
      metadata: { name: `pod-${i}`, resourceVersion: String(i), labels: { "app": "x".repeat(i % 50) } },
    },
  }));
  const bytes = new TextEncoder().encode(many.map((e) => JSON.stringify(e) + "\n").join(""));
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 20; round++) {
    const offsets = new Set<number>();
    for (let i = 0; i < 40; i++) offsets.add(1 + Math.floor(random() * (bytes.length - 1)));
    const events = await collect(readWatchEvents(streamOf(cut(bytes, [...offsets].sort((a, b) => a - b)))));
    assert.equal(events.length, many.length);
    assert.deepEqual(events, many);
  }
});

Deno.test("readWatchEvents() skips blank keep-alive lines and decodes a final line without newline", async () => {
  const text = "\n" + JSON.stringify(EVENTS[0]) + "\n\n  \n" + JSON.stringify(EVENTS[1]);
  const events = await collect(readWatchEvents(streamOf([new TextEncoder().encode(text)])));
  assert.deepEqual(events, EVENTS.slice(0, 2));
});

Deno.test("readWatchEvents() reports activity for every chunk", async () => {
  let chunks = 0;
  const bytes = new TextEncoder().encode(JSON.stringify(EVENTS[0]) + "\n");
  await collect(readWatchEvents(streamOf(cut(bytes, [5, 10])), { onActivity: () => chunks++ }));
  assert.equal(chunks, 3);
});

Deno.test("readWatchEvents() fails loudly on a corrupt line", async () => {
  const body = streamOf([new TextEncoder().encode('{"type":"ADDED","object":{}}\nnot json\n')]);
  await assert.rejects(collect(readWatchEvents(body)), WatchDecodeError);
  assert.throws(() => decodeLine('{"type":"WHAT","object":{}}'), /not an event/);
  assert.throws(() => decodeLine('{"type":"ADDED"}'), /not an event/);
});

Deno.test("readWatchEvents() cancels the body when the consumer stops early", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(JSON.stringify(EVENTS[0]) + "\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const _event of readWatchEvents(body)) break;
  assert.equal(cancelled, true);
});

Deno.test("readWatchEvents() rejects with the signal's reason when aborted during a pending read", async () => {
  // A quiet watch: one event, then nothing. Deno's fetch may not cancel such a body once its Response is
  // unreachable, so the reader must follow the signal itself.
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(JSON.stringify(EVENTS[0]) + "\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  const controller = new AbortController();
  const seen: unknown[] = [];
  const reading = (async () => {
    for await (const event of readWatchEvents(body, { signal: controller.signal })) {
      seen.push(event);
      controller.abort(new Error("stopped"));
    }
  })();
  await assert.rejects(reading, /stopped/);
  assert.equal(seen.length, 1);
  assert.equal(cancelled, true);
});
