/**
 * Network converters (master-protocol §2.8, §2.9, §2.12, §10.6): Service (type default and badges), Ingress
 * (class fallback, backends) and NetworkPolicy (selectors as Go JSON text).
 *
 * @module
 */

import type { Service as KubeService } from "kubernetes-types/core/v1.d.ts";
import type {
  Ingress as KubeIngress,
  IngressBackend as KubeIngressBackend,
  NetworkPolicy as KubeNetworkPolicy,
  NetworkPolicyPeer as KubeNetworkPolicyPeer,
  NetworkPolicyPort as KubeNetworkPolicyPort,
} from "kubernetes-types/networking/v1.d.ts";
import type {
  Ingress,
  IngressBackend,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Service,
} from "../../../model/mod.ts";
import {
  annotations,
  goSelectorJson,
  int,
  intOrString,
  labels,
  list,
  mapList,
  optBool,
  optInt,
  ptrInt,
  selectorHasTerms,
  str,
  stringMap,
  strTime,
  time,
} from "./_shared.ts";

const INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

/** Converts a Service; `summary.type` defaults to `ClusterIP`, `spec.type` stays raw. */
export function convertService(service: KubeService): Service {
  const meta = service.metadata;
  const spec = service.spec;
  const type = spec?.type || "ClusterIP";
  const badges: string[] = [];
  if (type === "LoadBalancer") badges.push("LB");
  else if (type === "NodePort") badges.push("NodePort");
  else if (spec?.clusterIP === "None") badges.push("Headless");
  if (spec?.externalName) badges.push("ExternalName");
  const internalTrafficPolicy = str(spec?.internalTrafficPolicy);
  const externalTrafficPolicy = str(spec?.externalTrafficPolicy);
  const ipFamilies = list(spec?.ipFamilies);
  const ipFamilyPolicy = str(spec?.ipFamilyPolicy);
  return {
    summary: {
      name: meta?.name ?? "",
      namespace: meta?.namespace ?? "",
      type,
      createdAt: time(meta?.creationTimestamp),
      age: "",
      portsCount: spec?.ports?.length ?? 0,
      hasSelector: Object.keys(spec?.selector ?? {}).length > 0,
      badges: list(badges),
      clusterIP: str(spec?.clusterIP),
      externalName: str(spec?.externalName),
    },
    spec: {
      type: spec?.type ?? "",
      sessionAffinity: str(spec?.sessionAffinity),
      sessionAffinityTimeoutSeconds: ptrInt(spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds),
      externalTrafficPolicy,
      internalTrafficPolicy,
      ipFamilies,
      ipFamilyPolicy,
      clusterIPs: list(spec?.clusterIPs),
      externalIPs: list(spec?.externalIPs),
      loadBalancerClass: str(spec?.loadBalancerClass),
      loadBalancerSourceRanges: list(spec?.loadBalancerSourceRanges),
      publishNotReadyAddresses: optBool(spec?.publishNotReadyAddresses),
      allocateLoadBalancerNodePorts: spec?.allocateLoadBalancerNodePorts ?? undefined,
      healthCheckNodePort: optInt(spec?.healthCheckNodePort),
      externalName: str(spec?.externalName),
    },
    ports: mapList(spec?.ports, (p) => ({
      name: str(p.name),
      protocol: p.protocol ?? "",
      port: int(p.port),
      targetPort: intOrString(p.targetPort),
      nodePort: optInt(p.nodePort),
      appProtocol: str(p.appProtocol),
    })),
    selector: stringMap(spec?.selector),
    network: {
      clusterIPs: list(spec?.clusterIPs),
      externalIPs: list(spec?.externalIPs),
      loadBalancerIngress: loadBalancerAddresses(service.status?.loadBalancer?.ingress),
      ipFamilies: list(spec?.ipFamilies),
      ipFamilyPolicy,
      externalTrafficPolicy,
      internalTrafficPolicy,
    },
    backends: undefined,
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

// The IP of each load balancer ingress point, or its hostname when it has no IP.
function loadBalancerAddresses(
  points: ReadonlyArray<{ ip?: string; hostname?: string }> | undefined,
): string[] | undefined {
  const out: string[] = [];
  for (const p of points ?? []) {
    if (p.ip) out.push(p.ip);
    else if (p.hostname) out.push(p.hostname);
  }
  return list(out);
}

/** Converts an Ingress; the class is `spec.ingressClassName`, else the legacy annotation. */
export function convertIngress(ingress: KubeIngress): Ingress {
  const meta = ingress.metadata;
  const spec = ingress.spec;
  const ingressClass = spec?.ingressClassName ?? meta?.annotations?.[INGRESS_CLASS_ANNOTATION];
  const hosts: string[] = [];
  let pathsCount = 0;
  for (const rule of spec?.rules ?? []) {
    if (rule.host) hosts.push(rule.host);
    pathsCount += rule.http?.paths?.length ?? 0;
  }
  return {
    summary: {
      name: meta?.name ?? "",
      namespace: meta?.namespace ?? "",
      createdAt: time(meta?.creationTimestamp),
      age: "",
      ingressClass: str(ingressClass),
      hostsCount: hosts.length,
      pathsCount,
      tlsEnabled: (spec?.tls?.length ?? 0) > 0,
      hosts: list(hosts),
    },
    spec: {
      ingressClassName: str(ingressClass),
      defaultBackend: ingressBackend(spec?.defaultBackend),
      rules: mapList(spec?.rules, (rule) => ({
        host: str(rule.host),
        // Go sends `null` for a rule without `http`; `[]` decodes the same and is kinder to the UI.
        paths: (rule.http?.paths ?? []).map((p) => ({
          path: p.path ?? "",
          pathType: p.pathType ?? "",
          backend: ingressBackend(p.backend),
        })),
      })),
      tls: mapList(spec?.tls, (t) => ({ hosts: list(t.hosts), secretName: str(t.secretName) })),
    },
    status: { loadBalancer: loadBalancerAddresses(ingress.status?.loadBalancer?.ingress) },
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

// A resource backend's namespace is never set (master-protocol §10.6).
function ingressBackend(backend: KubeIngressBackend | undefined): IngressBackend | undefined {
  if (!backend) return undefined;
  const service = backend.service;
  const resource = backend.resource;
  return {
    type: resource ? "Resource" : service ? "Service" : "",
    service: service
      ? {
        name: service.name ?? "",
        portName: str(service.port?.name),
        portNumber: optInt(service.port?.number),
      }
      : undefined,
    resource: resource
      ? {
        apiGroup: str(resource.apiGroup),
        kind: resource.kind ?? "",
        name: resource.name ?? "",
        namespace: undefined,
      }
      : undefined,
  };
}

/** Converts a NetworkPolicy; selectors are sent as Go's JSON text of the LabelSelector. */
export function convertNetworkPolicy(policy: KubeNetworkPolicy): NetworkPolicy {
  const meta = policy.metadata;
  const spec = policy.spec;
  const podSelector = spec?.podSelector;
  return {
    name: meta?.name ?? "",
    namespace: meta?.namespace ?? "",
    createdAt: strTime(meta?.creationTimestamp),
    age: "",
    podSelector: podSelector && selectorHasTerms(podSelector) ? goSelectorJson(podSelector) : undefined,
    policyTypes: list(spec?.policyTypes),
    ingressRuleCount: spec?.ingress?.length ?? 0,
    egressRuleCount: spec?.egress?.length ?? 0,
    ingressRules: mapList(
      spec?.ingress,
      (r) => ({ peers: mapList(r.from, peer), ports: mapList(r.ports, port) }),
    ),
    egressRules: mapList(
      spec?.egress,
      (r) => ({ peers: mapList(r.to, peer), ports: mapList(r.ports, port) }),
    ),
    labels: labels(meta),
    annotations: annotations(meta?.annotations),
  };
}

// A peer with both a pod and a namespace selector is reported as `podSelector`, as in Go.
function peer(p: KubeNetworkPolicyPeer): NetworkPolicyPeer {
  if (p.podSelector) {
    return {
      type: "podSelector",
      selector: goSelectorJson(p.podSelector),
      cidr: undefined,
      except: undefined,
    };
  }
  if (p.namespaceSelector) {
    return {
      type: "namespaceSelector",
      selector: goSelectorJson(p.namespaceSelector),
      cidr: undefined,
      except: undefined,
    };
  }
  if (p.ipBlock) {
    return {
      type: "ipBlock",
      selector: undefined,
      cidr: str(p.ipBlock.cidr),
      except: list(p.ipBlock.except),
    };
  }
  return { type: "", selector: undefined, cidr: undefined, except: undefined };
}

function port(p: KubeNetworkPolicyPort): NetworkPolicyPort {
  return {
    protocol: p.protocol || "TCP",
    port: p.port === undefined || p.port === null ? "" : intOrString(p.port),
    endPort: ptrInt(p.endPort),
  };
}
