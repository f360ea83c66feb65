/**
 * Command and Result (master-protocol §1.3, §1.4): what the Master hands out on `/agent/commands` and what the
 * agent posts to `/agent/result`.
 *
 * @module
 */

import type { Time } from "./meta.ts";

/** A command from the Master. The target is in `kind`/`namespace`/`name`, not in `params`. */
export interface Command {
  /** Command id, echoed in the result. */
  id: string;
  /** Cluster the command is for. */
  clusterId: string;
  /** What to do, e.g. `scale` or `restart`. */
  action: string;
  /** Kind of the target object. */
  kind?: string;
  /** Namespace of the target object. */
  namespace?: string;
  /** Name of the target object. */
  name?: string;
  /** Free-form; numbers arrive as JSON numbers. */
  params?: Record<string, unknown>;
  /** `web`, `ai` or `deployer`. */
  source?: string;
  /** Who created the command. */
  createdBy?: string;
  /** When the Master created the command. */
  createdAt: Time;
}

/** The outcome of one command, posted as plain JSON. */
export interface Result {
  /** Id of the command this result answers. */
  commandId: string;
  /** Whether the command succeeded. */
  success: boolean;
  /** Always a string: structured data is sent as JSON text. */
  output?: string;
  /** Error message when the command failed. */
  error?: string;
  /** Go `time.Duration`: integer nanoseconds. */
  execTime?: number;
  /** When execution started. */
  executedAt: Time;
}

/** The answer of `GET /agent/commands`. */
export interface PollResponse {
  /** Whether the poll returned a command. */
  hasCommand: boolean;
  /** The command, when there is one. */
  command?: Command | null;
}
