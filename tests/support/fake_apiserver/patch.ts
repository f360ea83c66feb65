/**
 * The three patch algorithms: JSON merge patch (RFC 7386), strategic merge patch (the subset kubectl sends) and
 * JSON patch (RFC 6902). All are pure: they return new values and never modify their inputs.
 *
 * @module
 */

import { ApiError, badRequest, failureStatus } from "./status.ts";
import { clone, isObj, jsonEqual, type Obj } from "./types.ts";

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const result: Obj = isObj(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Merge keys of strategic-merge lists, by field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  env: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  conditions: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
  addresses: "type",
  containerStatuses: "name",
  initContainerStatuses: "name",
  taints: "key",
};

/** Lists of scalars merged as sets. */
const SET_LISTS = new Set(["finalizers"]);

function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === "ports") {
    const sample = items.find(isObj);
    if (sample && "containerPort" in sample) return "containerPort";
    return "port";
  }
  return MERGE_KEYS[field];
}

/** Strategic merge patch as kube-apiserver applies it to built-in types (merge keys by field name). */
export function strategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  return mergeMap(isObj(original) ? original : {}, patch);
}

function mergeMap(original: Obj, patch: Obj): Obj | undefined {
  const directive = patch.$patch;
  if (directive === "delete") return undefined;
  if (directive === "replace") {
    const replaced: Obj = {};
    for (const [k, v] of Object.entries(patch)) if (k !== "$patch") replaced[k] = clone(v);
    return replaced;
  }
  if (directive !== undefined) throw badRequest(`Unknown patch type: ${String(directive)}`);
  const result: Obj = { ...original };
  let retainKeys: string[] | undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$retainKeys") {
      if (!Array.isArray(value)) throw badRequest("invalid patch: $retainKeys must be a list");
      retainKeys = value.map(String);
      continue;
    }
    if (key.startsWith("$setElementOrder/")) continue;
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const remove = Array.isArray(value) ? value : [];
      if (Array.isArray(result[field])) {
        result[field] = (result[field] as unknown[]).filter((v) => !remove.some((r) => jsonEqual(r, v)));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = result[key];
    if (isObj(value)) {
      const merged = mergeMap(isObj(current) ? current : {}, value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(key, Array.isArray(current) ? current : [], value);
    } else {
      result[key] = value;
    }
  }
  if (retainKeys) {
    for (const key of Object.keys(result)) {
      if (!retainKeys.includes(key)) delete result[key];
    }
  }
  return result;
}

function mergeList(field: string, original: unknown[], patch: unknown[]): unknown[] {
  if (SET_LISTS.has(field)) {
    const result = [...original];
    for (const item of patch) if (!result.some((r) => jsonEqual(r, item))) result.push(item);
    return result;
  }
  const key = mergeKeyFor(field, [...patch, ...original]);
  if (!key || !patch.every(isObj)) return clone(patch);
  const items = patch as Obj[];
  if (items.some((p) => p.$patch === "replace")) return clone(items.filter((p) => p.$patch !== "replace"));
  const result: unknown[] = [...original];
  for (const item of items) {
    const index = result.findIndex((r) => isObj(r) && jsonEqual(r[key], item[key]));
    if (item.$patch === "delete") {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      const merged = mergeMap(result[index] as Obj, item);
      if (merged === undefined) result.splice(index, 1);
      else result[index] = merged;
    } else {
      const { $patch: _ignored, ...rest } = item;
      result.push(strategicMergePatch({}, rest));
    }
  }
  return result;
}

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  /** `add`, `remove`, `replace`, `move`, `copy` or `test`. */
  op: string;
  /** JSON pointer of the target. */
  path: string;
  /** Source pointer of `move` and `copy`. */
  from?: string;
  /** Value of `add`, `replace` and `test`. */
  value?: unknown;
}

function patchFailure(message: string): ApiError {
  return new ApiError(422, failureStatus(422, message, "Invalid"));
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw badRequest(`invalid JSON pointer: ${pointer}`);
  return pointer.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function resolveParent(
  doc: unknown,
  tokens: string[],
  pointer: string,
): { parent: Obj | unknown[]; key: string } {
  let current = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isObj(current)) current = current[token];
    else current = undefined;
    if (current === undefined) {
      throw patchFailure(`jsonpatch: doc is missing path: "${pointer}": missing value`);
    }
  }
  if (!Array.isArray(current) && !isObj(current)) {
    throw patchFailure(`jsonpatch: doc is missing path: "${pointer}": missing value`);
  }
  return { parent: current, key: tokens[tokens.length - 1] };
}

function arrayIndex(arr: unknown[], key: string, pointer: string, forAdd: boolean): number {
  if (forAdd && key === "-") return arr.length;
  const index = Number(key);
  if (!/^\d+$/.test(key) || index > arr.length || (!forAdd && index >= arr.length)) {
    throw patchFailure(`jsonpatch: unable to access invalid index: ${key} in "${pointer}"`);
  }
  return index;
}

function getAt(doc: unknown, pointer: string): unknown {
  let current = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isObj(current)) current = current[token];
    else current = undefined;
    if (current === undefined) {
      throw patchFailure(`jsonpatch: doc is missing path: "${pointer}": missing value`);
    }
  }
  return current;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw patchFailure("jsonpatch: cannot remove the whole document");
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, key, pointer, false);
    return parent.splice(index, 1)[0];
  }
  if (!Object.hasOwn(parent, key)) {
    throw patchFailure(`jsonpatch: remove operation does not apply: doc is missing path: "${pointer}"`);
  }
  const old = parent[key];
  delete parent[key];
  return old;
}

function addAt(doc: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return clone(value);
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, key, pointer, !replace);
    if (replace) parent[index] = clone(value);
    else parent.splice(index, 0, clone(value));
  } else {
    if (replace && !Object.hasOwn(parent, key)) {
      throw patchFailure(`jsonpatch: replace operation does not apply: doc is missing key: "${pointer}"`);
    }
    parent[key] = clone(value);
  }
  return doc;
}

/** Applies an RFC 6902 JSON patch; failures answer 422 (a failed `test` included). */
export function jsonPatch(document: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  let doc = clone(document);
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw badRequest("invalid JSON patch operation: each needs op and path");
    }
    const op = raw as unknown as JsonPatchOp;
    switch (op.op) {
      case "add":
        doc = addAt(doc, op.path, op.value, false);
        break;
      case "replace":
        doc = addAt(doc, op.path, op.value, true);
        break;
      case "remove":
        removeAt(doc, op.path);
        break;
      case "move": {
        const value = removeAt(doc, op.from ?? "");
        doc = addAt(doc, op.path, value, false);
        break;
      }
      case "copy":
        doc = addAt(doc, op.path, getAt(doc, op.from ?? ""), false);
        break;
      case "test":
        if (!jsonEqual(getAt(doc, op.path), op.value)) {
          throw patchFailure(`jsonpatch: testing value ${op.path} failed: test failed`);
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
