/**
 * HTTP handlers of resource paths: get, list, watch, create, update, patch, delete, deletecollection and the
 * `status`, `scale`, `log` and `eviction` subresources.
 *
 * @module
 */

import { parse as parseYaml } from "yaml";
import { type ContinueTokens, executeList, parseResourceVersion, validateListOptions } from "./list.ts";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.ts";
import { PodLogs, renderLine, renderLog } from "./pod_logs.ts";
import { groupVersion, type ResourceInfo, RESOURCES } from "./resources.ts";
import type { Route } from "./router.ts";
import { checkEviction, scaleReplicas, toScale } from "./scale_eviction.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import {
  ApiError,
  badRequest,
  conflict,
  failureStatus,
  methodNotAllowed,
  pathNotFound,
  successStatus,
} from "./status.ts";
import type { ObjectStore } from "./store.ts";
import { itemJson, objectJson } from "./json_cache.ts";
import { outputShape, partialMetadata, toTable } from "./table.ts";
import type { Registry } from "./registry.ts";
import { PATCH_TYPES } from "./registry.ts";
import { isObj, metaOf, metaString, type Obj, type RequestInfo } from "./types.ts";
import type { StreamSink, WatchParams } from "./watch.ts";

/** A handler's answer before logging and transport. */
export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; rawJson: string }
  | { status: number; text: string; contentType: string }
  | { status: number; stream: (sink: StreamSink) => void; contentType: string };

/** What resource handlers need from the server. */
export interface HandlerContext {
  /** Objects. */
  store: ObjectStore;
  /** Lifecycle semantics. */
  registry: Registry;
  /** Scripted logs. */
  logs: PodLogs;
  /** Continue-token snapshots. */
  tokens: ContinueTokens;
  /** Whether `sendInitialEvents` is supported. */
  watchList: boolean;
  /** Bookmark interval of watches. */
  bookmarkIntervalMs: number;
  /** Registers and starts a watch session on `sink`. */
  startWatch(params: WatchParams, sink: StreamSink): void;
}

/** A resource request. */
export interface ResourceRequest {
  /** Method, upper case. */
  method: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** Request headers. */
  headers: Headers;
  /** Raw body. */
  body: Uint8Array;
  /** Whether this is a watch. */
  watch: boolean;
  /** Request description for filters. */
  info: RequestInfo;
}

type ResourceRoute = Extract<Route, { type: "resource" }>;

/** The RBAC verb of a request. */
export function verbOf(route: ResourceRoute, method: string, watch: boolean): string {
  switch (method) {
    case "GET":
    case "HEAD":
      return route.name || route.subresource ? "get" : watch ? "watch" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return route.name ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

const decoder = new TextDecoder();

function decodeBody(req: ResourceRequest): unknown {
  const type = (req.headers.get("content-type") ?? "application/json").toLowerCase();
  if (type.includes("protobuf") || type.includes("cbor")) {
    throw new ApiError(
      415,
      failureStatus(
        415,
        `the body of the request was in an unknown format - accepted media types include: ` +
          `application/json, application/yaml`,
        "UnsupportedMediaType",
      ),
    );
  }
  const text = decoder.decode(req.body);
  if (!text.trim()) throw badRequest("the body of the request was empty");
  try {
    return type.includes("yaml") ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`);
  }
}

function isDryRun(query: Record<string, string>, body?: unknown): boolean {
  if (query.dryRun === "All") return true;
  return isObj(body) && Array.isArray(body.dryRun) && body.dryRun.includes("All");
}

function shapeOne(req: ResourceRequest, info: ResourceInfo, obj: Obj): unknown {
  const shape = outputShape(req.headers.get("accept"));
  if (shape === "table") {
    return toTable(
      info,
      [obj],
      { resourceVersion: metaString(obj, "resourceVersion") },
      req.query.includeObject,
    );
  }
  if (shape === "metadata") return partialMetadata(obj);
  return obj;
}

function stripTypeMeta(obj: Obj): Obj {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
  return rest;
}

/** Handles a request to a resource path. */
export function handleResource(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  const { info } = route;
  if (info.metrics && (req.method !== "GET" || req.watch)) throw methodNotAllowed();
  if (route.subresource) return handleSubresource(ctx, route, req);
  switch (req.method) {
    case "GET":
      if (route.name && req.watch) {
        // Watching one object (legacy `/watch/.../name` or `?watch=true` on its path): a name field selector.
        const byName = `metadata.name=${route.name}`;
        const fieldSelector = req.query.fieldSelector ? `${req.query.fieldSelector},${byName}` : byName;
        return handleWatch(ctx, route, { ...req, query: { ...req.query, fieldSelector } });
      }
      if (route.name) {
        const obj = ctx.registry.require(info, route.namespace, route.name);
        const shaped = shapeOne(req, info, obj);
        return shaped === obj ? { status: 200, rawJson: objectJson(obj) } : { status: 200, json: shaped };
      }
      return req.watch ? handleWatch(ctx, route, req) : handleList(ctx, route, req);
    case "POST": {
      if (route.name || (info.namespaced && !route.namespace)) throw methodNotAllowed();
      const body = decodeBody(req);
      const created = ctx.registry.create(info, route.namespace, body, {
        dryRun: isDryRun(req.query),
        fieldManager: req.query.fieldManager,
      });
      return { status: 201, json: created };
    }
    case "PUT": {
      if (!route.name) throw methodNotAllowed();
      const updated = ctx.registry.update(info, route.namespace, route.name, decodeBody(req), {
        dryRun: isDryRun(req.query),
      });
      return { status: 200, json: updated };
    }
    case "PATCH":
      if (!route.name) throw methodNotAllowed();
      return handlePatch(ctx, route, req, "");
    case "DELETE":
      return route.name ? handleDelete(ctx, route, req) : handleDeleteCollection(ctx, route, req);
    default:
      throw methodNotAllowed();
  }
}

function handleList(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  validateListOptions(req.query, false, ctx.watchList);
  const result = executeList(ctx.store, ctx.tokens, route.info, route.namespace, req.query);
  const metadata: Obj = { resourceVersion: route.info.metrics ? "" : String(result.resourceVersion) };
  if (result.continueToken) metadata.continue = result.continueToken;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  const shape = outputShape(req.headers.get("accept"));
  if (shape === "table") {
    return { status: 200, json: toTable(route.info, result.items, metadata, req.query.includeObject) };
  }
  if (shape === "metadata") {
    return {
      status: 200,
      json: {
        kind: "PartialObjectMetadataList",
        apiVersion: "meta.k8s.io/v1",
        metadata,
        items: result.items.map(partialMetadata),
      },
    };
  }
  const head = JSON.stringify({
    kind: `${route.info.kind}List`,
    apiVersion: groupVersion(route.info),
    metadata,
  });
  return { status: 200, rawJson: `${head.slice(0, -1)},"items":[${result.items.map(itemJson).join(",")}]}` };
}

function handleWatch(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  const q = req.query;
  validateListOptions(q, true, ctx.watchList);
  const labels = parseLabelSelector(q.labelSelector);
  const fields = parseFieldSelector(q.fieldSelector, route.info);
  const rv = q.resourceVersion ?? "";
  let fromRv: number | undefined;
  let initialState = false;
  const sendInitialEvents = q.sendInitialEvents === "true";
  if (q.sendInitialEvents !== undefined) {
    initialState = sendInitialEvents;
    if (!sendInitialEvents) fromRv = rv && rv !== "0" ? parseResourceVersion(rv) : ctx.store.resourceVersion;
  } else if (!rv || rv === "0") {
    initialState = true;
  } else {
    fromRv = parseResourceVersion(rv);
  }
  const timeout = q.timeoutSeconds !== undefined ? Number(q.timeoutSeconds) : undefined;
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 0)) {
    throw badRequest(`invalid timeoutSeconds: ${q.timeoutSeconds}`);
  }
  const shape = outputShape(req.headers.get("accept"));
  const convert = shape === "table"
    ? (obj: Obj) =>
      toTable(route.info, [obj], { resourceVersion: metaString(obj, "resourceVersion") }, q.includeObject)
    : shape === "metadata"
    ? partialMetadata
    : undefined;
  const params: WatchParams = {
    info: route.info,
    namespace: route.namespace,
    labels,
    fields,
    fromRv,
    initialState,
    initialEventsEnd: sendInitialEvents,
    bookmarks: q.allowWatchBookmarks === "true",
    bookmarkIntervalMs: ctx.bookmarkIntervalMs,
    timeoutSeconds: timeout,
    convert,
    request: req.info,
  };
  return { status: 200, contentType: "application/json", stream: (sink) => ctx.startWatch(params, sink) };
}

function patchTypeOf(req: ResourceRequest): "merge" | "strategic" | "json" | "apply" {
  const contentType = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const type = PATCH_TYPES[contentType];
  if (!type) {
    throw new ApiError(
      415,
      failureStatus(
        415,
        `the body of the request was in an unknown format - accepted media types include: ` +
          `application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, ` +
          `application/strategic-merge-patch+json`,
        "UnsupportedMediaType",
      ),
    );
  }
  return type;
}

function handlePatch(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: ResourceRequest,
  subresource: string,
): Reply {
  const type = patchTypeOf(req);
  if (type === "apply" && !req.query.fieldManager) {
    throw new ApiError(
      422,
      failureStatus(
        422,
        `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`,
        "Invalid",
        {
          group: "meta.k8s.io",
          kind: "PatchOptions",
          causes: [{
            reason: "FieldValueRequired",
            message: "Required value: is required for apply patch",
            field: "fieldManager",
          }],
        },
      ),
    );
  }
  const { object, created } = ctx.registry.patch(
    route.info,
    route.namespace,
    route.name,
    type,
    decoder.decode(req.body),
    {
      dryRun: isDryRun(req.query),
      fieldManager: req.query.fieldManager,
      force: req.query.force === "true",
      subresource,
    },
  );
  return { status: created ? 201 : 200, json: object };
}

function deleteOptionsOf(req: ResourceRequest) {
  let body: Obj = {};
  if (req.body.length > 0) {
    const decoded = decodeBody(req);
    if (isObj(decoded)) body = decoded;
  }
  const q = req.query;
  const grace = q.gracePeriodSeconds ?? body.gracePeriodSeconds;
  let propagationPolicy = q.propagationPolicy ??
    (typeof body.propagationPolicy === "string" ? body.propagationPolicy : undefined);
  const orphan: unknown = q.orphanDependents ?? body.orphanDependents;
  if (propagationPolicy === undefined && (orphan === true || orphan === "true")) propagationPolicy = "Orphan";
  if (
    propagationPolicy !== undefined && !["Orphan", "Background", "Foreground"].includes(propagationPolicy)
  ) {
    throw badRequest(`propagationPolicy: Unsupported value: "${propagationPolicy}"`);
  }
  const preconditions = isObj(body.preconditions) ? body.preconditions : undefined;
  return {
    gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
    propagationPolicy,
    preconditions: preconditions
      ? {
        uid: typeof preconditions.uid === "string" ? preconditions.uid : undefined,
        resourceVersion: typeof preconditions.resourceVersion === "string"
          ? preconditions.resourceVersion
          : undefined,
      }
      : undefined,
    dryRun: isDryRun(q, body),
  };
}

function returnsObject(info: ResourceInfo): boolean {
  return !info.group && (info.plural === "pods" || info.plural === "services");
}

function deletedReply(info: ResourceInfo, object: Obj, removed: boolean): unknown {
  if (!removed || returnsObject(info)) return object;
  const details: Obj = { name: metaString(object, "name") };
  if (info.group) details.group = info.group;
  details.kind = info.plural;
  details.uid = metaString(object, "uid");
  return successStatus(200, details);
}

function handleDelete(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  const options = deleteOptionsOf(req);
  const { object, removed } = ctx.registry.delete(route.info, route.namespace, route.name, options);
  return { status: 200, json: deletedReply(route.info, object, removed) };
}

function handleDeleteCollection(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  const options = deleteOptionsOf(req);
  const labels = parseLabelSelector(req.query.labelSelector);
  const fields = parseFieldSelector(req.query.fieldSelector, route.info);
  const targets = ctx.store.list(route.info, route.namespace || undefined)
    .filter((o) => labels.matches(o) && fields.matches(o));
  const items: Obj[] = [];
  for (const target of targets) {
    if (!ctx.store.get(route.info, metaString(target, "namespace"), metaString(target, "name"))) continue;
    items.push(
      ctx.registry.delete(route.info, metaString(target, "namespace"), metaString(target, "name"), options)
        .object,
    );
  }
  return {
    status: 200,
    json: {
      kind: `${route.info.kind}List`,
      apiVersion: groupVersion(route.info),
      metadata: { resourceVersion: String(ctx.store.resourceVersion) },
      items: items.map(stripTypeMeta),
    },
  };
}

function handleSubresource(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  const { info, subresource } = route;
  if (!route.name || !info.subresources.includes(subresource)) throw pathNotFound();
  switch (subresource) {
    case "status":
      if (req.method === "GET") {
        return { status: 200, json: ctx.registry.require(info, route.namespace, route.name) };
      }
      if (req.method === "PUT") {
        return {
          status: 200,
          json: ctx.registry.update(info, route.namespace, route.name, decodeBody(req), {
            subresource: "status",
            dryRun: isDryRun(req.query),
          }),
        };
      }
      if (req.method === "PATCH") return handlePatch(ctx, route, req, "status");
      throw methodNotAllowed();
    case "scale":
      return handleScale(ctx, route, req);
    case "log":
      if (req.method !== "GET") throw methodNotAllowed();
      return handleLog(ctx, route, req);
    case "eviction":
      if (req.method !== "POST") throw methodNotAllowed();
      return handleEviction(ctx, route, req);
    default:
      throw pathNotFound();
  }
}

function handleScale(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  const { info } = route;
  const obj = ctx.registry.require(info, route.namespace, route.name);
  if (req.method === "GET") return { status: 200, json: toScale(obj) };
  let scale: unknown;
  if (req.method === "PUT") {
    scale = decodeBody(req);
    const rv = isObj(scale) && isObj(scale.metadata) ? scale.metadata.resourceVersion : undefined;
    if (rv && rv !== metaString(obj, "resourceVersion")) throw conflict(info, route.name);
  } else if (req.method === "PATCH") {
    const type = patchTypeOf(req);
    const text = decoder.decode(req.body);
    let patch: unknown;
    try {
      patch = type === "apply" ? parseYaml(text) : JSON.parse(text);
    } catch (error) {
      throw badRequest(`error decoding patch: ${(error as Error).message}`);
    }
    const current = toScale(obj);
    scale = type === "json"
      ? jsonPatch(current, patch)
      : type === "merge"
      ? mergePatch(current, patch)
      : strategicMergePatch(current, patch);
    const rv = isObj(scale) && isObj(scale.metadata) ? scale.metadata.resourceVersion : undefined;
    if (rv && rv !== metaString(obj, "resourceVersion")) throw conflict(info, route.name);
  } else {
    throw methodNotAllowed();
  }
  const replicas = scaleReplicas(route.name, scale);
  const spec = isObj(obj.spec) ? obj.spec : {};
  const next = { ...obj, spec: { ...spec, replicas } };
  const updated = ctx.registry.update(info, route.namespace, route.name, next, {
    dryRun: isDryRun(req.query),
  });
  return { status: 200, json: toScale(updated) };
}

function handleLog(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  const pod = ctx.registry.require(route.info, route.namespace, route.name);
  const { container, lines } = ctx.logs.resolve(pod, req.query);
  const text = renderLog(lines, req.query);
  if (req.query.follow !== "true" && req.query.follow !== "1") {
    return { status: 200, text, contentType: "text/plain" };
  }
  const timestamps = req.query.timestamps === "true" || req.query.timestamps === "1";
  const uid = metaString(pod, "uid");
  return {
    status: 200,
    contentType: "text/plain",
    stream: (sink) => {
      if (text) sink.write(text);
      const stopLines = ctx.logs.follow(route.namespace, route.name, container, (line) => {
        sink.write(renderLine(line, timestamps));
      });
      const stopStore = ctx.store.subscribe((event) => {
        if (event.type === "DELETED" && metaString(event.object, "uid") === uid) sink.end();
      });
      sink.onClose(() => {
        stopLines();
        stopStore();
      });
    },
  };
}

function handleEviction(ctx: HandlerContext, route: ResourceRoute, req: ResourceRequest): Reply {
  const body = decodeBody(req);
  if (!isObj(body)) throw badRequest("the body of the request was in an unknown format");
  const evictionName = isObj(body.metadata) ? body.metadata.name : undefined;
  if (evictionName !== undefined && evictionName !== route.name) {
    throw badRequest("name in URL does not match name in Eviction object");
  }
  const pod = ctx.registry.require(route.info, route.namespace, route.name);
  const pdbInfo = RESOURCES.find((r) => r.plural === "poddisruptionbudgets") as ResourceInfo;
  if (!metaOf(pod).deletionTimestamp) {
    checkEviction(pod, ctx.store.list(pdbInfo, route.namespace), ctx.store.list(route.info, route.namespace));
  }
  const deleteOptions = isObj(body.deleteOptions) ? body.deleteOptions : {};
  const grace = deleteOptions.gracePeriodSeconds;
  const dryRun = isDryRun(req.query, deleteOptions);
  ctx.registry.delete(route.info, route.namespace, route.name, {
    gracePeriodSeconds: typeof grace === "number" ? grace : undefined,
    dryRun,
  });
  return { status: 201, json: successStatus(201) };
}
