/**
 * Event → {@linkcode Event} (master-protocol §2.11, §6). Unlike the Go agent, timestamps fall back to the
 * new-style fields (`eventTime`, `series.lastObservedTime`) so such events never show the zero time, which the
 * Master's `lastTimestamp` filters would drop.
 *
 * @module
 */

import type { Event as KubeEvent } from "kubernetes-types/core/v1.d.ts";
import type { Event } from "../../../model/mod.ts";
import { commonMeta, int, str, time } from "./_shared.ts";

/** Converts a core/v1 Event (no labels, as in Go). */
export function convertEvent(event: KubeEvent): Event {
  const involved = event.involvedObject;
  const first = event.firstTimestamp || event.eventTime || event.series?.lastObservedTime;
  const last = event.lastTimestamp || event.series?.lastObservedTime || event.eventTime || first;
  return {
    ...commonMeta(event.metadata, "Event", {}),
    type: event.type ?? "",
    reason: event.reason ?? "",
    message: event.message ?? "",
    source: str(event.source?.component) ?? str(event.reportingComponent),
    involvedObject: {
      kind: involved?.kind ?? "",
      namespace: str(involved?.namespace),
      name: involved?.name ?? "",
      uid: str(involved?.uid),
    },
    // A new-style event without a series is one occurrence; Go would send 0.
    count: int(event.count || event.series?.count || (event.eventTime ? 1 : 0)),
    firstTimestamp: time(first),
    lastTimestamp: time(last),
  };
}
