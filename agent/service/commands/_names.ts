/**
 * Name checks run before any request: every namespace and name a command carries must be a valid Kubernetes
 * name, so it can only ever address one object. Without them `delete_pod shop/..` became
 * `DELETE /api/v1/namespaces/shop/` (the URL parser resolves `..`), `payments/.` a collection delete and
 * `cordon ..` a `PATCH /api/v1/`.
 *
 * @module
 */

import type { Command } from "../../../model/mod.ts";
import { quote } from "../../text.ts";

/** The naming rules of Kubernetes (k8s.io/apimachinery/pkg/util/validation). */
export type NameRule = "dns1123-label" | "dns1123-subdomain";

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_LABEL = 63;
const MAX_SUBDOMAIN = 253;

const RULE_TEXT: Record<NameRule, string> = {
  "dns1123-label": "a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending " +
    "with a letter or digit",
  "dns1123-subdomain": "a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' and '.', each " +
    "dot-separated part starting and ending with a letter or digit",
};

/** Kinds whose names follow the stricter label rule; every other kind uses the subdomain rule. */
const LABEL_KINDS: ReadonlySet<string> = new Set(["namespace", "service"]);

/** The naming rule of a kind (`Service`, `Namespace`: label; everything else: subdomain). */
export function nameRuleOf(kind: string | undefined): NameRule {
  return kind && LABEL_KINDS.has(kind.toLowerCase()) ? "dns1123-label" : "dns1123-subdomain";
}

/** Why `value` is not a valid name under `rule`, or `undefined` when it is. */
export function nameProblem(value: string, rule: NameRule): string | undefined {
  if (value === "") return "is empty";
  if (value === "." || value === "..") return `may not be "${value}"`;
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return "contains control characters";
  if (value.includes("/")) return "may not contain '/'";
  if (value.includes("%")) return "may not contain '%'";
  const max = rule === "dns1123-label" ? MAX_LABEL : MAX_SUBDOMAIN;
  const pattern = rule === "dns1123-label" ? LABEL : SUBDOMAIN;
  if (value.length > max || !pattern.test(value)) return `must be ${RULE_TEXT[rule]}`;
  return undefined;
}

/**
 * Checks the namespace (DNS-1123 label) and name (the kind's rule) of a command when present; returns the refusal
 * text or `undefined`. Missing fields are the handlers' business (their messages say which one is required).
 */
export function checkCommandNames(command: Command, kind: string | undefined): string | undefined {
  const namespace: unknown = command.namespace;
  if (namespace !== undefined && namespace !== null) {
    if (typeof namespace !== "string") return "invalid namespace: must be a string";
    const problem = nameProblem(namespace, "dns1123-label");
    if (problem) return `invalid namespace ${quote(namespace)}: ${problem}`;
  }
  const name: unknown = command.name;
  if (name !== undefined && name !== null) {
    if (typeof name !== "string") return "invalid name: must be a string";
    const problem = nameProblem(name, nameRuleOf(kind));
    if (problem) return `invalid name ${quote(name)}: ${problem}`;
  }
  return undefined;
}
