/**
 * Discovery documents: `/version`, `/api`, `/apis`, `/apis/{group}`, `/api/v1` and `/apis/{group}/{version}`,
 * derived from the resource table and the set of resources currently served.
 *
 * @module
 */

import { groupVersion, type ResourceInfo, RESOURCES } from "./resources.ts";
import type { Obj } from "./types.ts";

/** Kinds and groups of subresources as discovery lists them. */
const SUBRESOURCE_KINDS: Record<string, { kind: string; group?: string; version?: string; verbs: string[] }> =
  {
    status: { kind: "", verbs: ["get", "patch", "update"] },
    scale: { kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] },
    log: { kind: "Pod", verbs: ["get"] },
    eviction: { kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
  };

/** The `/version` document. */
export function versionInfo(): Obj {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-fake",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.23.4",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** The `/api` document. */
export function apiVersions(serverAddress: string): Obj {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupsOf(served: (info: ResourceInfo) => boolean): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const info of RESOURCES) {
    if (!info.group || !served(info)) continue;
    const versions = groups.get(info.group) ?? new Set<string>();
    versions.add(info.version);
    groups.set(info.group, versions);
  }
  return groups;
}

function groupDocument(name: string, versions: Set<string>): Obj {
  const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** The `/apis` document (APIGroupList). */
export function apiGroupList(served: (info: ResourceInfo) => boolean): Obj {
  const groups = [...groupsOf(served)].map(([name, versions]) => groupDocument(name, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** The `/apis/{group}` document, or `undefined` when the group is not served. */
export function apiGroup(group: string, served: (info: ResourceInfo) => boolean): Obj | undefined {
  const versions = groupsOf(served).get(group);
  if (!versions) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupDocument(group, versions) };
}

/** The APIResourceList of one group/version, or `undefined` when nothing in it is served. */
export function apiResourceList(
  group: string,
  version: string,
  served: (info: ResourceInfo) => boolean,
): Obj | undefined {
  const infos = RESOURCES.filter((r) => r.group === group && r.version === version && served(r));
  if (infos.length === 0) return undefined;
  const resources: Obj[] = [];
  for (const info of infos) {
    const entry: Obj = {
      name: info.plural,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: [...info.verbs],
    };
    if (info.shortNames.length) entry.shortNames = [...info.shortNames];
    if (info.categories.length) entry.categories = [...info.categories];
    resources.push(entry);
    for (const sub of info.subresources) {
      const meta = SUBRESOURCE_KINDS[sub];
      const subEntry: Obj = {
        name: `${info.plural}/${sub}`,
        singularName: "",
        namespaced: info.namespaced,
        kind: meta.kind || info.kind,
        verbs: meta.verbs,
      };
      if (meta.group) {
        subEntry.group = meta.group;
        subEntry.version = meta.version;
      }
      resources.push(subEntry);
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersion(infos[0]), resources };
}
