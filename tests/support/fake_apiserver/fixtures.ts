/**
 * Fixture loading: multi-document YAML, JSON, and `List`/`*List` documents flattened into objects.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import { isObj, type KubeObject, type Obj } from "./types.ts";

/** Flattens `List` and `*List` documents (recursively) and drops empty documents. */
export function flattenObjects(documents: readonly unknown[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of documents) {
    if (!isObj(doc)) continue;
    const kind = typeof doc.kind === "string" ? doc.kind : "";
    if (kind.endsWith("List") && Array.isArray(doc.items)) {
      const itemApiVersion = kind === "List" ? undefined : doc.apiVersion;
      const itemKind = kind === "List" ? undefined : kind.slice(0, -4);
      const items = (doc.items as unknown[]).filter(isObj).map((item: Obj) => ({
        ...(itemApiVersion && itemKind ? { apiVersion: itemApiVersion, kind: itemKind } : {}),
        ...item,
      }));
      out.push(...flattenObjects(items));
    } else {
      out.push(doc as KubeObject);
    }
  }
  return out;
}

/** Parses fixture text (YAML, possibly multi-document, or JSON). */
export function parseFixtures(text: string): KubeObject[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    const parsed: unknown = JSON.parse(text);
    return flattenObjects(Array.isArray(parsed) ? parsed : [parsed]);
  }
  const docs = parseAllDocuments(text);
  const values: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length) throw new Error(`Invalid fixture YAML: ${doc.errors[0].message}`);
    values.push(doc.toJS());
  }
  return flattenObjects(values);
}

/** Reads and parses a fixture file. */
export async function loadFixtureFile(path: string): Promise<KubeObject[]> {
  return parseFixtures(await Deno.readTextFile(path));
}
