/**
 * Command and Result (master-protocol §1.3, §1.4): what the Master hands out on `/agent/commands` and what the
 * agent posts to `/agent/result`.
 *
 * @module
 */

import type { Time } from "./meta.ts";

/** A command from the Master. The target is in `kind`/`namespace`/`name`, not in `params`. */
export interface Command {
  id: string;
  clusterId: string;
  action: string;
  kind?: string;
  namespace?: string;
  name?: string;
  /** Free-form; numbers arrive as JSON numbers. */
  params?: Record<string, unknown>;
  /** `web`, `ai` or `deployer`. */
  source?: string;
  createdBy?: string;
  createdAt: Time;
}

/** The outcome of one command, posted as plain JSON. */
export interface Result {
  commandId: string;
  success: boolean;
  /** Always a string: structured data is sent as JSON text. */
  output?: string;
  error?: string;
  /** Go `time.Duration`: integer nanoseconds. */
  execTime?: number;
  /** When execution started. */
  executedAt: Time;
}

/** The answer of `GET /agent/commands`. */
export interface PollResponse {
  hasCommand: boolean;
  command?: Command | null;
}
