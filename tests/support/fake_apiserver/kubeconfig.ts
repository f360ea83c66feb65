/**
 * Kubeconfig documents pointing at a fake server.
 *
 * @module
 */

import { stringify } from "yaml";

/** Options of `writeKubeconfig`. */
export interface KubeconfigOptions {
  /** Token to put in the user entry; defaults to the server's current token, if any. `null` omits it. */
  token?: string | null;
  /** Leave out the client certificate even in TLS mode. */
  omitClientCert?: boolean;
  /** Use PKCS#8 for the client key instead of the traditional form. */
  pkcs8Key?: boolean;
  /** Default namespace of the context. */
  namespace?: string;
  /** Name of the context (and cluster and user); `fake` by default. */
  contextName?: string;
  /** Use `localhost` instead of `127.0.0.1` in the server URL. */
  useLocalhost?: boolean;
}

/** What a kubeconfig needs to know about the server. */
export interface KubeconfigTarget {
  /** Base URL. */
  url: string;
  /** CA certificate (TLS mode). */
  caPem?: string;
  /** Client certificate (TLS mode). */
  clientCertPem?: string;
  /** Client key (TLS mode). */
  clientKeyPem?: string;
  /** Token currently accepted. */
  token?: string;
}

function b64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Renders a kubeconfig (YAML) for `target`. */
export function renderKubeconfig(target: KubeconfigTarget, options: KubeconfigOptions = {}): string {
  const name = options.contextName ?? "fake";
  const server = options.useLocalhost ? target.url.replace("127.0.0.1", "localhost") : target.url;
  const cluster: Record<string, string> = { server };
  if (target.caPem) cluster["certificate-authority-data"] = b64(target.caPem);
  const user: Record<string, string> = {};
  if (target.clientCertPem && target.clientKeyPem && !options.omitClientCert) {
    user["client-certificate-data"] = b64(target.clientCertPem);
    user["client-key-data"] = b64(target.clientKeyPem);
  }
  const token = options.token === null ? undefined : options.token ?? target.token;
  if (token) user.token = token;
  const context: Record<string, string> = { cluster: name, user: name };
  if (options.namespace) context.namespace = options.namespace;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context }],
    "current-context": name,
    preferences: {},
  });
}
