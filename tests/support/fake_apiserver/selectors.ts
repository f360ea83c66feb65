/**
 * Label and field selectors: the string syntax of `labelSelector`/`fieldSelector` and the structured
 * `LabelSelector` of PodDisruptionBudgets and workloads.
 *
 * @module
 */

import type { ResourceInfo } from "./resources.ts";
import { badRequest } from "./status.ts";
import { getPath, isObj, labelsOf, type Obj } from "./types.ts";

/** A parsed selector: `matches` tells whether an object is selected. */
export interface Selector {
  /** Whether the selector selects nothing but everything (no requirements). */
  readonly empty: boolean;
  /** Tests an object. */
  matches(obj: Obj): boolean;
}

type LabelOp = "=" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";

interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

const KEY = String.raw`[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EXISTS_RE = new RegExp(`^(${KEY})$`);
const NOT_EXISTS_RE = new RegExp(`^!\\s*(${KEY})$`);
const SET_RE = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\((.*)\\)$`);
const CMP_RE = new RegExp(`^(${KEY})\\s*(==|!=|=|>|<)\\s*(${VALUE})$`);
const VALUE_RE = new RegExp(`^${VALUE}$`);

const EVERYTHING: Selector = { empty: true, matches: () => true };

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function parseRequirement(part: string): LabelRequirement {
  let m = NOT_EXISTS_RE.exec(part);
  if (m) return { key: m[1], op: "!", values: [] };
  m = SET_RE.exec(part);
  if (m) {
    const values = m[3].split(",").map((v) => v.trim());
    for (const v of values) {
      if (!VALUE_RE.test(v)) throw badRequest(`unable to parse requirement: invalid label value: "${v}"`);
    }
    return { key: m[1], op: m[2] as LabelOp, values };
  }
  m = CMP_RE.exec(part);
  if (m) {
    const op = m[2] === "==" ? "=" : m[2] as LabelOp;
    if ((op === ">" || op === "<") && !/^-?\d+$/.test(m[3])) {
      throw badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
    }
    return { key: m[1], op, values: [m[3]] };
  }
  m = EXISTS_RE.exec(part);
  if (m) return { key: m[1], op: "exists", values: [] };
  throw badRequest(`unable to parse requirement: found '${part}', expected: label selector requirement`);
}

function requirementMatches(req: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case "=":
      return has && value === req.values[0];
    case "!=":
      return !has || value !== req.values[0];
    case "in":
      return has && req.values.includes(value);
    case "notin":
      return !has || !req.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case ">":
      return has && /^-?\d+$/.test(value) && Number(value) > Number(req.values[0]);
    case "<":
      return has && /^-?\d+$/.test(value) && Number(value) < Number(req.values[0]);
  }
}

/** Parses a `labelSelector` query value; throws a 400 ApiError on bad syntax. */
export function parseLabelSelector(text: string | undefined): Selector {
  if (!text || !text.trim()) return EVERYTHING;
  const requirements = splitTopLevel(text).map((p) => p.trim()).filter((p) => p).map(parseRequirement);
  return {
    empty: requirements.length === 0,
    matches: (obj) => {
      const labels = labelsOf(obj);
      return requirements.every((r) => requirementMatches(r, labels));
    },
  };
}

/** Whether a structured `LabelSelector` (`matchLabels`/`matchExpressions`) selects `labels`. */
export function labelSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  if (isObj(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) {
      if (labels[k] !== v) return false;
    }
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const expr of selector.matchExpressions) {
      if (!isObj(expr)) continue;
      const key = String(expr.key);
      const values = Array.isArray(expr.values) ? expr.values.map(String) : [];
      const ops: Record<string, LabelOp> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };
      const op = ops[String(expr.operator)];
      if (!op || !requirementMatches({ key, op, values }, labels)) return false;
    }
  }
  return true;
}

/** Renders a structured `LabelSelector` in string syntax (as `Scale.status.selector`). */
export function labelSelectorString(selector: unknown): string {
  if (!isObj(selector)) return "";
  const parts: string[] = [];
  if (isObj(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) parts.push(`${k}=${v}`);
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const expr of selector.matchExpressions) {
      if (!isObj(expr)) continue;
      const values = Array.isArray(expr.values) ? expr.values.join(",") : "";
      switch (expr.operator) {
        case "In":
          parts.push(`${expr.key} in (${values})`);
          break;
        case "NotIn":
          parts.push(`${expr.key} notin (${values})`);
          break;
        case "Exists":
          parts.push(String(expr.key));
          break;
        case "DoesNotExist":
          parts.push(`!${expr.key}`);
          break;
      }
    }
  }
  return parts.join(",");
}

/** The value of a field-selector label on an object, as the real field sets render it. */
export function fieldValue(obj: Obj, field: string): string {
  if (field === "source") {
    const source = getPath(obj, ["source", "component"]);
    return typeof source === "string" ? source : "";
  }
  const value = getPath(obj, field.split("."));
  if (value === undefined || value === null) {
    return field === "spec.unschedulable" || field === "spec.hostNetwork" ? "false" : "";
  }
  return String(value);
}

/** Splits a field selector on unescaped commas and unescapes `\,`, `\=`, `\\`. */
function splitFieldSelector(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && i + 1 < text.length) {
      current += ch + text[++i];
    } else if (ch === ",") {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeField(value: string): string {
  return value.replace(/\\(.)/g, "$1");
}

/** Parses a `fieldSelector`; unknown fields answer 400 like real servers. */
export function parseFieldSelector(text: string | undefined, info: ResourceInfo): Selector {
  if (!text || !text.trim()) return EVERYTHING;
  const allowed = new Set(["metadata.name", "metadata.namespace", ...info.fieldSelectors]);
  const requirements: { field: string; negate: boolean; value: string }[] = [];
  for (const raw of splitFieldSelector(text)) {
    const part = raw.trim();
    if (!part) continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (!allowed.has(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    requirements.push({ field, negate: m[2] === "!=", value: unescapeField(m[3].trim()) });
  }
  return {
    empty: requirements.length === 0,
    matches: (obj) => requirements.every((r) => (fieldValue(obj, r.field) === r.value) !== r.negate),
  };
}
