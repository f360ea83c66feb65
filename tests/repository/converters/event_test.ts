import assert from "node:assert/strict";
import { convertEvent } from "../../../agent/repository/converters/mod.ts";
import { ZERO_TIME } from "../../../model/mod.ts";
import { kubeFixtures } from "../../support/fixtures/mod.ts";

function event(reason: string) {
  const found = kubeFixtures().events.find((e) => e.reason === reason);
  if (!found) throw new Error(`Cannot find event "${reason}"`);
  return found;
}

Deno.test("convertEvent() copies an old-style event", () => {
  const e = convertEvent(event("BackOff"));
  assert.equal(e.kind, "Event");
  assert.equal(e.type, "Warning");
  assert.equal(e.count, 5);
  assert.equal(e.source, "kubelet");
  assert.equal(e.firstTimestamp, "2025-03-20T11:41:00Z");
  assert.equal(e.lastTimestamp, "2025-03-20T11:58:30Z");
  assert.deepEqual(e.involvedObject, {
    kind: "Pod",
    namespace: "shop",
    name: "api-5f6d7c8b9-qw2rt",
    uid: event("BackOff").involvedObject.uid,
  });
  assert.equal(e.labels, undefined, "events carry no labels");
});

Deno.test("convertEvent() falls back to eventTime for a new-style event", () => {
  const e = convertEvent(event("FailedScheduling"));
  assert.equal(e.firstTimestamp, "2025-03-20T11:59:01.123456Z");
  assert.equal(e.lastTimestamp, "2025-03-20T11:59:01.123456Z");
  assert.equal(e.source, "default-scheduler", "reportingComponent when source is empty");
  assert.equal(e.count, 1);
});

Deno.test("convertEvent() takes the last time and count from the series", () => {
  const e = convertEvent(event("Unhealthy"));
  assert.equal(e.firstTimestamp, "2025-03-20T11:52:00.000001Z");
  assert.equal(e.lastTimestamp, "2025-03-20T11:59:45.500000Z");
  assert.equal(e.count, 12);
});

Deno.test("convertEvent() sends the zero time when no timestamp exists", () => {
  const base = event("FailedScheduling");
  const e = convertEvent({ ...base, eventTime: undefined });
  assert.equal(e.firstTimestamp, ZERO_TIME);
  assert.equal(e.lastTimestamp, ZERO_TIME);
  assert.equal(e.count, 0);
  assert.equal(convertEvent(event("NodeNotReady")).involvedObject.namespace, undefined);
});
