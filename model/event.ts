/**
 * The Event model (master-protocol §2.11).
 *
 * @module
 */

import type { CommonMeta, ResourceRef, Time } from "./meta.ts";

/** A core/v1 Event (CommonMeta kind `Event`, without labels). */
export interface Event extends CommonMeta {
  /** `Normal` or `Warning`. */
  type: string;
  /** Short machine-readable reason, e.g. `BackOff`. */
  reason: string;
  /** Human-readable description. */
  message: string;
  /** `source.component` (or `reportingComponent` for new-style events). */
  source?: string;
  /** Object the event is about. */
  involvedObject: ResourceRef;
  /** How many times the event occurred. */
  count: number;
  /** Falls back to `eventTime` so new-style events do not show the zero time. */
  firstTimestamp: Time;
  /** Falls back to `series.lastObservedTime`, then `eventTime`. */
  lastTimestamp: Time;
}
