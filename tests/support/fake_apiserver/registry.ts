/**
 * Object lifecycle semantics shared by HTTP handlers and the in-process state API: create, update (with
 * conflicts and generation), the patch flavours, graceful pod deletion, finalizers, and cascading deletion.
 *
 * @module
 */

import { parse as parseYaml } from "yaml";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.ts";
import { groupVersion, type ResourceInfo, RESOURCES } from "./resources.ts";
import { alreadyExists, badRequest, conflict, invalid, notFound } from "./status.ts";
import type { ObjectStore } from "./store.ts";
import type { TimerSet } from "./timers.ts";
import { clone, isObj, jsonEqual, metaOf, metaString, type Obj, rfc3339 } from "./types.ts";

/** Patch content types and their flavour. */
export const PATCH_TYPES: Record<string, "merge" | "strategic" | "json" | "apply"> = {
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/json-patch+json": "json",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

/** Options of a write. */
export interface WriteOptions {
  /** Validate and compute the result without storing it. */
  dryRun?: boolean;
  /**
   * In-process writes (state API, fixtures, simulator): keep the given uid, creationTimestamp, status and
   * managedFields instead of resetting them like the HTTP API does.
   */
  trusted?: boolean;
  /** In-process bulk loads: take ownership of the given object instead of copying it. */
  adopt?: boolean;
  /** `status` for the status subresource. */
  subresource?: string;
  /** Field manager recorded for server-side apply. */
  fieldManager?: string;
}

/** Options of a delete. */
export interface DeleteOptions {
  /** Seconds of grace; pods default to `spec.terminationGracePeriodSeconds` or 30. */
  gracePeriodSeconds?: number;
  /** `Orphan` keeps dependents; anything else deletes objects owned by the deleted one. */
  propagationPolicy?: string;
  /** Preconditions on uid and resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Validate without deleting. */
  dryRun?: boolean;
}

/** Registry options. */
export interface RegistryOptions {
  /** Milliseconds of real waiting per second of pod grace period. */
  podGraceScale: number;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789";

function nameCauses(name: string): { reason: string; message: string; field: string }[] {
  if (name.length <= 253 && NAME_RE.test(name)) return [];
  return [{
    reason: "FieldValueInvalid",
    message:
      `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric ` +
      `characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex ` +
      `used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    field: "metadata.name",
  }];
}

function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.includes("status");
}

/** Copies an object with its top-level `metadata` map copied too (safe to edit metadata fields). */
function shallowWithMeta(obj: Obj): Obj {
  return { ...obj, metadata: { ...metaOf(obj) } };
}

function withoutRv(obj: Obj): Obj {
  const copy = shallowWithMeta(obj);
  delete (copy.metadata as Obj).resourceVersion;
  return copy;
}

/** Computes a simplified `fieldsV1` description of the fields set in `value`. */
function fieldsV1(value: unknown): Obj {
  const out: Obj = {};
  if (!isObj(value)) return out;
  for (const [key, child] of Object.entries(value)) {
    if (key === "apiVersion" || key === "kind") continue;
    if (isObj(child)) {
      const nested = fieldsV1(child);
      out[`f:${key}`] = Object.keys(nested).length ? { ".": {}, ...nested } : {};
    } else if (Array.isArray(child) && child.every((c) => isObj(c) && typeof c.name === "string")) {
      const items: Obj = {};
      for (const item of child as Obj[]) items[`k:{"name":"${item.name}"}`] = { ".": {}, ...fieldsV1(item) };
      out[`f:${key}`] = items;
    } else {
      out[`f:${key}`] = {};
    }
  }
  return out;
}

/** Object lifecycle on top of {@linkcode ObjectStore}. */
export class Registry {
  #store: ObjectStore;
  #timers: TimerSet;
  #options: RegistryOptions;
  #graceTimers = new Map<string, () => void>();

  /** Creates a registry writing into `store`, arming grace-period timers in `timers`. */
  constructor(store: ObjectStore, timers: TimerSet, options: RegistryOptions) {
    this.#store = store;
    this.#timers = timers;
    this.#options = options;
  }

  /** Milliseconds of real waiting per grace second. */
  set podGraceScale(ms: number) {
    this.#options.podGraceScale = ms;
  }

  #checkTypeMeta(info: ResourceInfo, body: Obj): void {
    if (body.apiVersion !== undefined && body.apiVersion !== groupVersion(info)) {
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version ` +
          `(${groupVersion(info)})`,
      );
    }
    if (body.kind !== undefined && body.kind !== info.kind) {
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (${info.kind})`,
      );
    }
  }

  #generateName(info: ResourceInfo, namespace: string, prefix: string): string {
    for (let attempt = 0; attempt < 100; attempt++) {
      let suffix = "";
      for (let i = 0; i < 5; i++) suffix += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
      const name = prefix + suffix;
      if (!this.#store.get(info, namespace, name)) return name;
    }
    throw alreadyExists(info, prefix);
  }

  /** Creates an object; `namespace` comes from the path (ignored for cluster-scoped resources). */
  create(info: ResourceInfo, namespace: string, body: unknown, options: WriteOptions = {}): Obj {
    if (!isObj(body)) throw badRequest("the body of the request was in an unknown format");
    this.#checkTypeMeta(info, body);
    const obj = options.adopt ? body : clone(body);
    obj.apiVersion = groupVersion(info);
    obj.kind = info.kind;
    const meta = metaOf(obj);
    if (info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace || meta.namespace || "default";
    } else {
      delete meta.namespace;
    }
    const ns = info.namespaced ? String(meta.namespace) : "";
    if (!meta.name && typeof meta.generateName === "string" && meta.generateName) {
      meta.name = this.#generateName(info, ns, meta.generateName);
    }
    const name = typeof meta.name === "string" ? meta.name : "";
    if (!name) {
      throw invalid(info.kind, "", [{
        reason: "FieldValueRequired",
        message: "Required value: name or generateName is required",
        field: "metadata.name",
      }], info.group);
    }
    const causes = nameCauses(name);
    if (causes.length) throw invalid(info.kind, name, causes, info.group);
    if (this.#store.get(info, ns, name)) throw alreadyExists(info, name);
    const now = Date.now();
    delete meta.resourceVersion;
    delete meta.selfLink;
    if (!options.trusted || typeof meta.uid !== "string") meta.uid = crypto.randomUUID();
    if (!options.trusted || typeof meta.creationTimestamp !== "string") meta.creationTimestamp = rfc3339(now);
    if (!options.trusted) {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
      if (hasStatusSubresource(info)) this.#resetStatus(info, obj);
    }
    if (obj.spec !== undefined && (!options.trusted || typeof meta.generation !== "number")) {
      meta.generation = 1;
    }
    if (info.kind === "Namespace") {
      obj.spec = isObj(obj.spec) ? obj.spec : {};
      if (!Array.isArray((obj.spec as Obj).finalizers)) (obj.spec as Obj).finalizers = ["kubernetes"];
      if (!isObj(obj.status)) obj.status = { phase: "Active" };
      delete meta.generation;
    }
    if (options.dryRun) return obj;
    const stored = this.#store.put(info, obj, "ADDED");
    if (meta.deletionTimestamp && info.kind === "Pod") this.#armGrace(info, stored);
    return stored;
  }

  #resetStatus(info: ResourceInfo, obj: Obj): void {
    if (info.kind === "Pod") obj.status = { phase: "Pending", qosClass: "BestEffort" };
    else if (info.kind === "Namespace") obj.status = { phase: "Active" };
    else delete obj.status;
  }

  /** The stored object or a 404. */
  require(info: ResourceInfo, namespace: string, name: string): Obj {
    const existing = this.#store.get(info, info.namespaced ? namespace : "", name);
    if (!existing) throw notFound(info, name);
    return existing;
  }

  /** PUT: replaces an object (or its status); 409 when the body's resourceVersion is stale. */
  update(
    info: ResourceInfo,
    namespace: string,
    name: string,
    body: unknown,
    options: WriteOptions = {},
  ): Obj {
    if (!isObj(body)) throw badRequest("the body of the request was in an unknown format");
    this.#checkTypeMeta(info, body);
    const existing = this.require(info, namespace, name);
    const bodyMeta = isObj(body.metadata) ? body.metadata : {};
    if (bodyMeta.name !== undefined && bodyMeta.name !== name) {
      throw badRequest(
        `the name of the object (${String(bodyMeta.name)}) does not match the name on the URL (${name})`,
      );
    }
    if (info.namespaced && bodyMeta.namespace && bodyMeta.namespace !== metaString(existing, "namespace")) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    return this.#commitUpdate(info, existing, clone(body), options);
  }

  #commitUpdate(info: ResourceInfo, existing: Obj, next: Obj, options: WriteOptions): Obj {
    const oldMeta = metaOf(existing);
    const bodyRv = isObj(next.metadata) ? next.metadata.resourceVersion : undefined;
    if (bodyRv !== undefined && bodyRv !== "" && bodyRv !== oldMeta.resourceVersion && !options.trusted) {
      throw conflict(info, String(oldMeta.name));
    }
    let obj: Obj;
    if (options.subresource === "status") {
      obj = shallowWithMeta(existing);
      if (next.status === undefined) delete obj.status;
      else obj.status = next.status;
    } else {
      obj = next;
      obj.apiVersion = groupVersion(info);
      obj.kind = info.kind;
      const meta = metaOf(obj);
      meta.name = oldMeta.name;
      if (info.namespaced) meta.namespace = oldMeta.namespace;
      else delete meta.namespace;
      meta.uid = oldMeta.uid;
      if (!options.trusted || meta.creationTimestamp === undefined) {
        meta.creationTimestamp = oldMeta.creationTimestamp;
      }
      for (const field of ["deletionTimestamp", "deletionGracePeriodSeconds"]) {
        if (oldMeta[field] !== undefined) meta[field] = oldMeta[field];
        else if (!options.trusted) delete meta[field];
      }
      if (meta.managedFields === undefined && oldMeta.managedFields !== undefined) {
        meta.managedFields = oldMeta.managedFields;
      }
      if (!options.trusted && hasStatusSubresource(info)) {
        if (existing.status === undefined) delete obj.status;
        else obj.status = existing.status;
      }
      const oldGeneration = typeof oldMeta.generation === "number" ? oldMeta.generation : undefined;
      const givenGeneration =
        options.trusted && typeof meta.generation === "number" && meta.generation !== oldGeneration
          ? meta.generation
          : undefined;
      if (givenGeneration !== undefined) {
        meta.generation = givenGeneration;
      } else if (obj.spec !== undefined || oldGeneration !== undefined) {
        const base = oldGeneration ?? 1;
        meta.generation = jsonEqual(obj.spec, existing.spec) ? base : base + 1;
        if (info.kind === "Namespace") delete meta.generation;
      }
    }
    metaOf(obj).resourceVersion = oldMeta.resourceVersion;
    if (jsonEqual(withoutRv(obj), withoutRv(existing))) return existing;
    if (options.dryRun) return obj;
    const meta = metaOf(obj);
    const hadFinalizers = Array.isArray(oldMeta.finalizers) && oldMeta.finalizers.length > 0;
    const hasFinalizers = Array.isArray(meta.finalizers) && meta.finalizers.length > 0;
    if (
      oldMeta.deletionTimestamp && hadFinalizers && !hasFinalizers &&
      !this.#graceTimers.has(this.#graceKey(info, obj))
    ) {
      return this.#finalRemove(info, obj);
    }
    return this.#store.put(info, obj, "MODIFIED");
  }

  /** PATCH in any flavour; server-side apply creates absent objects. */
  patch(
    info: ResourceInfo,
    namespace: string,
    name: string,
    type: "merge" | "strategic" | "json" | "apply",
    rawBody: string,
    options: WriteOptions & { force?: boolean } = {},
  ): { object: Obj; created: boolean } {
    let patchBody: unknown;
    try {
      patchBody = type === "apply" ? parseYaml(rawBody) : JSON.parse(rawBody);
    } catch (error) {
      throw badRequest(`error decoding patch: ${(error as Error).message}`);
    }
    const existing = this.#store.get(info, info.namespaced ? namespace : "", name);
    if (type === "apply") {
      if (!isObj(patchBody)) throw badRequest("error decoding YAML: the apply patch must be an object");
      if (typeof patchBody.apiVersion !== "string" || typeof patchBody.kind !== "string") {
        throw badRequest("apiVersion and kind must be set in an apply patch");
      }
      const patchMeta = isObj(patchBody.metadata) ? patchBody.metadata : {};
      if (patchMeta.name !== undefined && patchMeta.name !== name) {
        throw badRequest(
          `the name of the object (${String(patchMeta.name)}) does not match the name on the URL (${name})`,
        );
      }
      const manager = options.fieldManager ?? "unknown";
      const entry = {
        manager,
        operation: "Apply",
        apiVersion: String(patchBody.apiVersion),
        time: rfc3339(Date.now()),
        fieldsType: "FieldsV1",
        fieldsV1: fieldsV1(patchBody),
      };
      if (!existing) {
        const body = clone(patchBody);
        const meta = metaOf(body);
        meta.name = name;
        meta.managedFields = [entry];
        return { object: this.create(info, namespace, body, options), created: true };
      }
      const applied = strategicMergePatch(existing, patchBody) as Obj;
      const meta = metaOf(applied);
      const others = Array.isArray(metaOf(existing).managedFields)
        ? (metaOf(existing).managedFields as Obj[]).filter((m) =>
          !(m.manager === manager && m.operation === "Apply")
        )
        : [];
      meta.managedFields = [...others, entry];
      meta.resourceVersion = metaOf(existing).resourceVersion;
      return { object: this.#patchCommit(info, existing, applied, options), created: false };
    }
    if (!existing) throw notFound(info, name);
    let patched: unknown;
    if (type === "merge") patched = mergePatch(existing, patchBody);
    else if (type === "strategic") patched = strategicMergePatch(existing, patchBody);
    else patched = jsonPatch(existing, patchBody);
    if (!isObj(patched)) throw badRequest("the patch produced something that is not an object");
    return { object: this.#patchCommit(info, existing, patched, options), created: false };
  }

  #patchCommit(info: ResourceInfo, existing: Obj, patched: Obj, options: WriteOptions): Obj {
    const meta = metaOf(patched);
    if (meta.name !== metaOf(existing).name) {
      throw badRequest("metadata.name: Invalid value: the name cannot be changed");
    }
    return this.#commitUpdate(info, existing, clone(patched), options);
  }

  #graceKey(info: ResourceInfo, obj: Obj): string {
    return `${info.plural}.${info.group}/${metaString(obj, "namespace")}/${metaString(obj, "name")}`;
  }

  #armGrace(info: ResourceInfo, obj: Obj): void {
    const key = this.#graceKey(info, obj);
    this.#graceTimers.get(key)?.();
    const seconds = Number(metaOf(obj).deletionGracePeriodSeconds ?? 0);
    const cancel = this.#timers.timeout(() => {
      this.#graceTimers.delete(key);
      const current = this.#store.get(info, metaString(obj, "namespace"), metaString(obj, "name"));
      if (!current || metaString(current, "uid") !== metaString(obj, "uid")) return;
      const finalizers = metaOf(current).finalizers;
      if (Array.isArray(finalizers) && finalizers.length > 0) return;
      this.#finalRemove(info, current);
    }, seconds * this.#options.podGraceScale);
    this.#graceTimers.set(key, cancel);
  }

  #finalRemove(info: ResourceInfo, obj: Obj): Obj {
    const key = this.#graceKey(info, obj);
    this.#graceTimers.get(key)?.();
    this.#graceTimers.delete(key);
    const namespace = metaString(obj, "namespace");
    const name = metaString(obj, "name");
    if (!info.group && (info.plural === "pods" || info.plural === "nodes")) {
      const metrics = RESOURCES.find((r) => r.metrics && r.plural === info.plural);
      if (metrics) this.#store.remove(metrics, namespace, name);
    }
    return this.#store.remove(info, namespace, name, clone(obj)) ?? obj;
  }

  /**
   * DELETE. Pods with a grace period get `deletionTimestamp` (MODIFIED) and vanish after the scaled grace;
   * objects with finalizers stay until the finalizers are removed; namespaces take their contents with them.
   * Returns the last state and whether the object is gone already.
   */
  delete(
    info: ResourceInfo,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): { object: Obj; removed: boolean } {
    const existing = this.require(info, namespace, name);
    const meta = metaOf(existing);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflictPrecondition(
        info,
        name,
        `UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflictPrecondition(
        info,
        name,
        `ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
      );
    }
    if (options.dryRun) return { object: existing, removed: false };
    let grace = 0;
    if (info.kind === "Pod" && !info.metrics) {
      const spec = isObj(existing.spec) ? existing.spec : {};
      const phase = isObj(existing.status) ? existing.status.phase : undefined;
      grace = options.gracePeriodSeconds ??
        (typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 30);
      if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") grace = 0;
      grace = Math.max(0, grace);
    }
    const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
    if (info.kind === "Namespace") this.#deleteNamespaceContents(name);
    if (options.propagationPolicy !== "Orphan" && meta.uid) this.#deleteDependents(String(meta.uid));
    if (grace === 0 && finalizers.length === 0) {
      return { object: this.#finalRemove(info, existing), removed: true };
    }
    if (meta.deletionTimestamp !== undefined && grace >= Number(meta.deletionGracePeriodSeconds ?? 0)) {
      return { object: existing, removed: false };
    }
    const next = shallowWithMeta(existing);
    const nextMeta = metaOf(next);
    nextMeta.deletionTimestamp = rfc3339(Date.now() + grace * 1000);
    nextMeta.deletionGracePeriodSeconds = grace;
    if (typeof nextMeta.generation === "number") nextMeta.generation = nextMeta.generation + 1;
    const stored = this.#store.put(info, clone(next), "MODIFIED");
    if (grace > 0) this.#armGrace(info, stored);
    return { object: stored, removed: false };
  }

  #deleteNamespaceContents(namespace: string): void {
    for (const info of RESOURCES) {
      if (!info.namespaced) continue;
      for (const obj of this.#store.list(info, namespace)) {
        this.#finalRemove(info, obj);
      }
    }
  }

  #deleteDependents(ownerUid: string): void {
    const queue = [ownerUid];
    while (queue.length) {
      const uid = queue.shift() as string;
      for (const { resource, object } of this.#store.unsorted()) {
        const refs = metaOf(object).ownerReferences;
        if (!Array.isArray(refs) || !refs.some((r) => isObj(r) && r.uid === uid)) continue;
        if (!this.#store.get(resource, metaString(object, "namespace"), metaString(object, "name"))) continue;
        this.#finalRemove(resource, object);
        const childUid = metaString(object, "uid");
        if (childUid) queue.push(childUid);
      }
    }
  }

  /**
   * In-process upsert: create when absent, else a trusted full update (status included). With `adopt` the
   * registry keeps `obj` itself (the caller must not touch it afterwards).
   */
  upsert(info: ResourceInfo, obj: Obj, adopt = false): Obj {
    const meta = isObj(obj.metadata) ? obj.metadata : {};
    const name = typeof meta.name === "string" ? meta.name : "";
    const namespace = info.namespaced
      ? (typeof meta.namespace === "string" ? meta.namespace : "default")
      : "";
    const existing = name ? this.#store.get(info, namespace, name) : undefined;
    if (!existing) return this.create(info, namespace, obj, { trusted: true, adopt });
    return this.#commitUpdate(info, existing, adopt ? obj : clone(obj), { trusted: true });
  }

  /** In-process removal: immediate unless a grace period is given; no cascading unless asked. */
  remove(
    info: ResourceInfo,
    namespace: string,
    name: string,
    options: { gracePeriodSeconds?: number; cascade?: boolean } = {},
  ): Obj | undefined {
    const existing = this.#store.get(info, info.namespaced ? namespace : "", name);
    if (!existing) return undefined;
    if (options.gracePeriodSeconds || options.cascade) {
      return this.delete(info, namespace, name, {
        gracePeriodSeconds: options.gracePeriodSeconds ?? 0,
        propagationPolicy: options.cascade ? "Background" : "Orphan",
      }).object;
    }
    return this.#finalRemove(info, existing);
  }

  /** Cancels pending grace-period removals. */
  close(): void {
    for (const cancel of this.#graceTimers.values()) cancel();
    this.#graceTimers.clear();
  }
}

function conflictPrecondition(info: ResourceInfo, name: string, detail: string) {
  const error = conflict(info, name);
  error.status.message = `Precondition failed: ${detail}`;
  return error;
}
