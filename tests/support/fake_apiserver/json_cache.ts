/**
 * Serialized JSON of stored objects, cached per object. Stored objects are never modified after they are stored,
 * so one `JSON.stringify` serves every later list page and watch stream that carries the object.
 *
 * @module
 */

import type { Obj } from "./types.ts";

const full = new WeakMap<Obj, string>();
const items = new WeakMap<Obj, string>();

/** JSON of a stored object, as GET and watch events carry it. */
export function objectJson(obj: Obj): string {
  let json = full.get(obj);
  if (json === undefined) {
    json = JSON.stringify(obj);
    full.set(obj, json);
  }
  return json;
}

/** JSON of a stored object as a list item: without `apiVersion` and `kind`, like real typed lists. */
export function itemJson(obj: Obj): string {
  let json = items.get(obj);
  if (json === undefined) {
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
    json = JSON.stringify(rest);
    items.set(obj, json);
  }
  return json;
}
