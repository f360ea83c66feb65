/**
 * Network models (master-protocol §2.8, §2.9, §2.12): Service, Ingress and NetworkPolicy.
 *
 * @module
 */

import type { K8sRef, StringMap, StrTime, Time } from "./meta.ts";

/** A Service as the Master receives it. */
export interface Service {
  summary: ServiceSummary;
  spec: ServiceSpec;
  ports?: ServicePort[];
  selector?: StringMap;
  network: ServiceNetwork;
  /** Never filled by the agent (no Endpoints/EndpointSlice list). */
  backends?: ServiceBackends;
  labels?: StringMap;
  annotations?: StringMap;
}

/** Service overview. */
export interface ServiceSummary {
  name: string;
  namespace: string;
  /** `spec.type`, `ClusterIP` when empty. */
  type: string;
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  portsCount: number;
  hasSelector: boolean;
  /** `LB`, else `NodePort`, else `Headless`; plus `ExternalName`. */
  badges?: string[];
  clusterIP?: string;
  externalName?: string;
}

/** Service spec. */
export interface ServiceSpec {
  /** The raw `spec.type`, possibly `""`. */
  type: string;
  sessionAffinity?: string;
  sessionAffinityTimeoutSeconds?: number;
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  clusterIPs?: string[];
  externalIPs?: string[];
  loadBalancerClass?: string;
  loadBalancerSourceRanges?: string[];
  publishNotReadyAddresses?: boolean;
  /** A Go `*bool`: `false` is sent when Kubernetes sets it. */
  allocateLoadBalancerNodePorts?: boolean;
  healthCheckNodePort?: number;
  externalName?: string;
}

/** A Service port. */
export interface ServicePort {
  name?: string;
  protocol: string;
  port: number;
  /** IntOrString as text. */
  targetPort: string;
  nodePort?: number;
  appProtocol?: string;
}

/** Addresses and traffic policies of a Service. */
export interface ServiceNetwork {
  clusterIPs?: string[];
  externalIPs?: string[];
  /** IP, or hostname when there is no IP. */
  loadBalancerIngress?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
}

/** Backends of a Service (never filled by the agent). */
export interface ServiceBackends {
  summary: BackendSummary;
  ports?: EndpointPort[];
  endpoints?: BackendEndpoint[];
}

/** Backend counts. */
export interface BackendSummary {
  ready: number;
  notReady: number;
  total: number;
  slices?: number;
  updated: Time;
}

/** An endpoint port. */
export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** One backend endpoint. */
export interface BackendEndpoint {
  address: string;
  ready: boolean;
  nodeName?: string;
  zone?: string;
  targetRef?: K8sRef;
}

/** An Ingress as the Master receives it. */
export interface Ingress {
  summary: IngressSummary;
  spec: IngressSpec;
  status: IngressStatus;
  labels?: StringMap;
  annotations?: StringMap;
}

/** Ingress overview. */
export interface IngressSummary {
  name: string;
  namespace: string;
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** `spec.ingressClassName`, else the annotation `kubernetes.io/ingress.class`. */
  ingressClass?: string;
  /** Number of non-empty rule hosts. */
  hostsCount: number;
  pathsCount: number;
  tlsEnabled: boolean;
  hosts?: string[];
}

/** Ingress spec. */
export interface IngressSpec {
  /** The same derived class as `summary.ingressClass`. */
  ingressClassName?: string;
  defaultBackend?: IngressBackend;
  rules?: IngressRule[];
  tls?: IngressTls[];
}

/** Load balancer addresses of an Ingress. */
export interface IngressStatus {
  loadBalancer?: string[];
}

/** An Ingress backend. */
export interface IngressBackend {
  /** `Service` or `Resource`. */
  type: string;
  service?: IngressServiceBackend;
  resource?: IngressResourceRef;
}

/** A Service backend. */
export interface IngressServiceBackend {
  name: string;
  portName?: string;
  portNumber?: number;
}

/** A resource backend; `namespace` is never set (master-protocol §10.6). */
export interface IngressResourceRef {
  apiGroup?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** An Ingress rule; `paths` is always sent (empty when the rule has no `http`). */
export interface IngressRule {
  host?: string;
  paths: IngressPath[];
}

/** One HTTP path of a rule. */
export interface IngressPath {
  path: string;
  pathType: string;
  backend?: IngressBackend;
}

/** A TLS entry. */
export interface IngressTls {
  hosts?: string[];
  secretName?: string;
}

/** A NetworkPolicy (flat, with a string `createdAt`). */
export interface NetworkPolicy {
  name: string;
  namespace: string;
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** The LabelSelector as Go's JSON text, only when it is non-empty. */
  podSelector?: string;
  policyTypes?: string[];
  ingressRuleCount: number;
  egressRuleCount: number;
  ingressRules?: NetworkPolicyRule[];
  egressRules?: NetworkPolicyRule[];
  labels?: StringMap;
  annotations?: StringMap;
}

/** An ingress or egress rule. */
export interface NetworkPolicyRule {
  peers?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

/** A rule peer; one with both pod and namespace selectors is reported as `podSelector`. */
export interface NetworkPolicyPeer {
  /** `podSelector`, `namespaceSelector` or `ipBlock`. */
  type: string;
  /** The selector as Go's JSON text. */
  selector?: string;
  cidr?: string;
  except?: string[];
}

/** A rule port. */
export interface NetworkPolicyPort {
  /** Default `TCP`. */
  protocol: string;
  /** IntOrString as text, `""` when unset. */
  port: string;
  endPort?: number;
}
