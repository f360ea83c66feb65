/**
 * `drain`: cordons a Node, then evicts its pods through the Eviction API so PodDisruptionBudgets are honoured,
 * like `kubectl drain --ignore-daemonsets`. DaemonSet pods (their controller would recreate them at once) and
 * mirror pods (owned by the kubelet, not the API) are skipped, as are pods in protected namespaces. A budget
 * refusal (429) is retried with a short backoff until shortly before the command's deadline, so the report of
 * what was evicted, skipped and not evicted always makes it back to the Master.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { isNotFound, isTooManyRequests, KubeApiError, resourcePath } from "../../sdk/mod.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { setUnschedulable } from "./cordon.ts";
import {
  apiDetail,
  CommandError,
  describeError,
  type Handler,
  type HandlerContext,
  ParamReader,
  requireName,
} from "./_params.ts";
import { isProtectedNamespace, protectedNamespaceMessage } from "./_policy.ts";

/** The annotation the kubelet puts on the API copy of a static pod. */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
/** First wait after a disruption-budget refusal; doubles up to {@linkcode MAX_RETRY_DELAY_MS}. */
export const INITIAL_RETRY_DELAY_MS = 500;
/** Longest wait between two eviction attempts of one pod. */
export const MAX_RETRY_DELAY_MS = 5_000;
/** Time kept back before the deadline to stop retrying and report (at most this, at most 10 % of the budget). */
const REPORT_RESERVE_MS = 2_000;
/** Upper bound of `gracePeriodSeconds` (one day). */
const MAX_GRACE_PERIOD_SECONDS = 86_400;

/** Validated params of `drain`. */
export interface DrainParams {
  /** The node's name. */
  name: string;
  /** Grace period passed to each eviction; the pods' own when absent. */
  gracePeriodSeconds?: number;
}

/** The JSON output of `drain`. */
export interface DrainReport {
  node: string;
  /** Pods (`namespace/name`) whose eviction the API server accepted (or that were already gone). */
  evicted: string[];
  /** Pods left alone on purpose, with the reason. */
  skipped: { pod: string; reason: string }[];
  /** Pods that could not be evicted, with the last error. */
  notEvicted: { pod: string; error: string }[];
}

function parseParams(command: Command): DrainParams {
  const params = new ParamReader("drain", command.params);
  const gracePeriodSeconds = params.integer("gracePeriodSeconds", { min: 0, max: MAX_GRACE_PERIOD_SECONDS });
  return { name: requireName(command, "node"), gracePeriodSeconds };
}

function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

/** Why a pod is not evicted, or `undefined` when it should be. */
function skipReason(pod: Pod, context: HandlerContext): string | undefined {
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
    return "mirror pod (managed by the kubelet)";
  }
  const owner = pod.metadata?.ownerReferences?.find((ref) =>
    ref.controller !== false && ref.kind === "DaemonSet"
  );
  if (owner) return `managed by DaemonSet ${owner.name}`;
  const namespace = pod.metadata?.namespace;
  if (isProtectedNamespace(context.policy, namespace)) return protectedNamespaceMessage(namespace ?? "");
  return undefined;
}

async function run(params: DrainParams, context: HandlerContext): Promise<string> {
  const { client, clock } = context;
  await setUnschedulable(client, params.name, { unschedulable: true, signal: context.signal });

  const pods: Pod[] = [];
  for await (
    const page of client.list<Pod>(resourcePath({ version: "v1", plural: "pods" }), {
      signal: context.signal,
      fieldSelector: `spec.nodeName=${params.name}`,
      limit: 500,
    })
  ) {
    pods.push(...page.items);
  }

  const report: DrainReport = { node: params.name, evicted: [], skipped: [], notEvicted: [] };
  const toEvict: Pod[] = [];
  for (const pod of pods) {
    const reason = skipReason(pod, context);
    if (reason) report.skipped.push({ pod: podKey(pod), reason });
    else toEvict.push(pod);
  }

  // Stop retrying a little before the command deadline, so the report is returned instead of a bare timeout.
  const now = clock.now();
  const stopAt = context.deadline - Math.min(REPORT_RESERVE_MS, Math.max(0, context.deadline - now) / 10);
  const stop = new AbortController();
  const disarm = new AbortController();
  clock.sleep(Math.max(0, stopAt - now), disarm.signal).then(
    () => stop.abort(new DOMException("drain stopped at the command deadline", "TimeoutError")),
    () => {},
  );
  const signal = AbortSignal.any([context.signal, stop.signal]);
  try {
    const outcomes = await Promise.all(
      toEvict.map((pod) => evict(pod, params, { context, signal, stopAt })),
    );
    outcomes.forEach((error, i) => {
      const pod = podKey(toEvict[i]);
      if (error === undefined) report.evicted.push(pod);
      else report.notEvicted.push({ pod, error });
    });
  } finally {
    disarm.abort();
  }

  const output = JSON.stringify(report);
  if (report.notEvicted.length > 0) {
    const first = report.notEvicted[0];
    throw new CommandError(
      `drain of node "${params.name}" incomplete: ${report.notEvicted.length} of ${toEvict.length} pods ` +
        `not evicted (${first.pod}: ${first.error})`,
      { output },
    );
  }
  return output;
}

/** Evicts one pod, retrying budget refusals; resolves to `undefined` on success or the last error text. */
async function evict(
  pod: Pod,
  params: DrainParams,
  options: { context: HandlerContext; signal: AbortSignal; stopAt: number },
): Promise<string | undefined> {
  const { context, signal, stopAt } = options;
  const namespace = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  const path = resourcePath({ version: "v1", plural: "pods", namespace, name, subresource: "eviction" });
  const body = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace },
    ...(params.gracePeriodSeconds === undefined
      ? {}
      : { deleteOptions: { gracePeriodSeconds: params.gracePeriodSeconds } }),
  };
  let delay = INITIAL_RETRY_DELAY_MS;
  let lastError: string | undefined;
  while (true) {
    try {
      await context.client.create(path, body, { signal });
      return undefined;
    } catch (error) {
      // Already gone is what eviction wanted to achieve.
      if (isNotFound(error)) return undefined;
      if (signal.aborted) {
        return lastError ? `${lastError} (gave up at the command deadline)` : describeError(error);
      }
      if (!isTooManyRequests(error)) return describeError(error);
      lastError = error instanceof KubeApiError ? apiDetail(error) : describeError(error);
      const retryAfterMs = error instanceof KubeApiError && error.retryAfterSeconds
        ? error.retryAfterSeconds * 1000
        : 0;
      const wait = Math.min(Math.max(delay, retryAfterMs), MAX_RETRY_DELAY_MS);
      if (context.clock.now() + wait >= stopAt) return `${lastError} (gave up at the command deadline)`;
      try {
        await context.clock.sleep(wait, signal);
      } catch {
        return `${lastError} (gave up at the command deadline)`;
      }
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}

/** The `drain` handler. */
export const drainHandler: Handler<DrainParams, "drain"> = {
  action: "drain",
  permissions: [
    { group: "", resource: "nodes", verbs: ["patch"] },
    { group: "", resource: "pods", verbs: ["list"] },
    { group: "", resource: "pods/eviction", verbs: ["create"] },
  ],
  parseParams,
  run,
};
