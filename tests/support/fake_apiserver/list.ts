/**
 * LIST semantics: list-option validation (as `ValidateListOptions`), resourceVersion and
 * resourceVersionMatch, selectors, and `limit`/`continue` pagination over a consistent snapshot.
 *
 * @module
 */

import type { ResourceInfo } from "./resources.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { ApiError, badRequest, expired, failureStatus, type FieldCause, invalid } from "./status.ts";
import { objectKey, type ObjectStore } from "./store.ts";
import { metaString, type Obj } from "./types.ts";

function forbiddenCause(field: string, message: string): FieldCause {
  return { reason: "FieldValueForbidden", message: `Forbidden: ${message}`, field };
}

/** Validates list/watch options like kube-apiserver; throws 422 Invalid `ListOptions`. */
export function validateListOptions(query: Record<string, string>, watch: boolean, watchList: boolean): void {
  const causes: FieldCause[] = [];
  const match = query.resourceVersionMatch ?? "";
  const rv = query.resourceVersion ?? "";
  const sendInitialEvents = query.sendInitialEvents;
  if (watch) {
    if (sendInitialEvents !== undefined) {
      if (match !== "NotOlderThan") {
        causes.push(
          forbiddenCause(
            "resourceVersionMatch",
            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
          ),
        );
      }
      if (!watchList) {
        causes.push(
          forbiddenCause(
            "sendInitialEvents",
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
          ),
        );
      }
      if (sendInitialEvents === "true" && query.allowWatchBookmarks !== "true") {
        causes.push(
          forbiddenCause(
            "allowWatchBookmarks",
            "sendInitialEvents requires setting allowWatchBookmarks to true",
          ),
        );
      }
    }
    if (match) {
      if (sendInitialEvents === undefined) {
        causes.push(
          forbiddenCause(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
          ),
        );
      }
      if (match !== "NotOlderThan") {
        causes.push({
          reason: "FieldValueNotSupported",
          message: `Unsupported value: "${match}": supported values: "NotOlderThan"`,
          field: "resourceVersionMatch",
        });
      }
    }
  } else {
    if (match) {
      if (!rv) {
        causes.push(
          forbiddenCause(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
          ),
        );
      }
      if (query.continue) {
        causes.push(
          forbiddenCause(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden when continue is provided",
          ),
        );
      }
      if (match !== "Exact" && match !== "NotOlderThan") {
        causes.push({
          reason: "FieldValueNotSupported",
          message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`,
          field: "resourceVersionMatch",
        });
      }
      if (match === "Exact" && rv === "0") {
        causes.push(
          forbiddenCause(
            "resourceVersionMatch",
            `resourceVersionMatch "exact" is forbidden for resourceVersion "0"`,
          ),
        );
      }
    }
    if (sendInitialEvents !== undefined) {
      causes.push(forbiddenCause("sendInitialEvents", "sendInitialEvents is forbidden for list"));
    }
  }
  if (causes.length) throw invalid("ListOptions", "", causes, "meta.k8s.io");
}

/** Parses a resourceVersion query value; 400 when it is not a number. */
export function parseResourceVersion(value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`invalid resource version: ${value}`);
  return Number(value);
}

interface Snapshot {
  rv: number;
  items: Obj[];
  keys: string[];
  created: number;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
  id?: string;
  offset?: number;
}

const EXPIRED_MESSAGE =
  "The provided continue parameter is too old to display a consistent list result. You can " +
  "start a new list without the continue parameter, or use the continue token in this response to retrieve the " +
  "remainder of the results. Continuing with the provided token results in an inconsistent list - objects that " +
  "were created, modified, or deleted between the time the first chunk was returned and now may show up in the " +
  "list.";

function encodeToken(token: ContinueToken): string {
  return btoa(JSON.stringify(token)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeToken(text: string): ContinueToken {
  try {
    const padded = text.replace(/-/g, "+").replace(/_/g, "/");
    const parsed = JSON.parse(atob(padded + "=".repeat((4 - (padded.length % 4)) % 4)));
    if (parsed?.v !== "meta.k8s.io/v1" || typeof parsed.rv !== "number" || typeof parsed.start !== "string") {
      throw new Error("bad token");
    }
    return parsed as ContinueToken;
  } catch {
    throw badRequest(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  }
}

/** Snapshots behind continue tokens; they expire after a TTL or on demand. */
export class ContinueTokens {
  #snapshots = new Map<string, Snapshot>();
  #seq = 0;
  /** Lifetime of a snapshot in milliseconds. */
  ttlMs: number;
  #max = 256;

  /** Creates the cache. */
  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** Stores a snapshot; returns its id. */
  add(rv: number, items: Obj[], keys: string[]): string {
    const id = String(++this.#seq);
    this.#snapshots.set(id, { rv, items, keys, created: Date.now() });
    while (this.#snapshots.size > this.#max) {
      const oldest = this.#snapshots.keys().next().value as string;
      this.#snapshots.delete(oldest);
    }
    return id;
  }

  /** The live snapshot, or `undefined` when expired or unknown. */
  get(id: string): Snapshot | undefined {
    const snapshot = this.#snapshots.get(id);
    if (snapshot && Date.now() - snapshot.created > this.ttlMs) {
      this.#snapshots.delete(id);
      return undefined;
    }
    return snapshot;
  }

  /** Makes every outstanding token answer 410. */
  expireAll(): void {
    this.#snapshots.clear();
  }
}

/** The result of a LIST. */
export interface ListResult {
  /** Items of this page. */
  items: Obj[];
  /** List resourceVersion. */
  resourceVersion: number;
  /** Token for the next page. */
  continueToken?: string;
  /** Items after this page (when known). */
  remainingItemCount?: number;
}

function keyOf(info: ResourceInfo, obj: Obj): string {
  return objectKey(info.namespaced ? metaString(obj, "namespace") : "", metaString(obj, "name"));
}

function page(
  info: ResourceInfo,
  tokens: ContinueTokens,
  snapshotId: string | undefined,
  items: Obj[],
  rv: number,
  offset: number,
  limit: number,
  filtered: boolean,
): ListResult {
  if (limit <= 0 || offset + limit >= items.length) {
    return { items: items.slice(offset), resourceVersion: rv };
  }
  const pageItems = items.slice(offset, offset + limit);
  const keys = items.map((o) => keyOf(info, o));
  const id = snapshotId ?? tokens.add(rv, items, keys);
  const next = offset + limit;
  const result: ListResult = {
    items: pageItems,
    resourceVersion: rv,
    continueToken: encodeToken({
      v: "meta.k8s.io/v1",
      rv,
      start: keys[next - 1] + "\u0000",
      id,
      offset: next,
    }),
  };
  if (!filtered) result.remainingItemCount = items.length - next;
  return result;
}

/** Executes a LIST of `info` in `namespace` (`""` = all) with the query's options. */
export function executeList(
  store: ObjectStore,
  tokens: ContinueTokens,
  info: ResourceInfo,
  namespace: string,
  query: Record<string, string>,
): ListResult {
  const labels = parseLabelSelector(query.labelSelector);
  const fields = parseFieldSelector(query.fieldSelector, info);
  const filtered = !labels.empty || !fields.empty;
  const limit = query.limit ? Number(query.limit) : 0;
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${query.limit}`);
  const select = (objs: Obj[]) =>
    filtered ? objs.filter((o) => labels.matches(o) && fields.matches(o)) : objs;
  if (query.continue) {
    const token = decodeToken(query.continue);
    if (token.rv === -1) {
      const current = select(store.list(info, namespace || undefined));
      const start = current.findIndex((o) => keyOf(info, o) >= token.start);
      return page(
        info,
        tokens,
        undefined,
        start < 0 ? [] : current.slice(start),
        store.resourceVersion,
        0,
        limit,
        true,
      );
    }
    const snapshot = token.id ? tokens.get(token.id) : undefined;
    if (!snapshot) {
      throw expired(EXPIRED_MESSAGE, encodeToken({ v: "meta.k8s.io/v1", rv: -1, start: token.start }));
    }
    return page(info, tokens, token.id, snapshot.items, snapshot.rv, token.offset ?? 0, limit, filtered);
  }
  const current = store.resourceVersion;
  let rv = current;
  let objects: Obj[];
  const requested = query.resourceVersion;
  if (requested && requested !== "0") {
    const wanted = parseResourceVersion(requested);
    if (wanted > current) {
      throw new ApiError(
        504,
        failureStatus(504, `Too large resource version: ${wanted}, current: ${current}`, "Timeout", {
          causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
          retryAfterSeconds: 1,
        }),
      );
    }
    if (query.resourceVersionMatch === "Exact") {
      const past = store.listAt(info, wanted, namespace || undefined);
      if (!past) throw expired("The resourceVersion for the provided list is too old.");
      objects = past;
      rv = wanted;
    } else {
      objects = store.list(info, namespace || undefined);
    }
  } else {
    objects = store.list(info, namespace || undefined);
  }
  return page(info, tokens, undefined, select(objects), rv, 0, limit, filtered);
}
