/**
 * Network models (master-protocol §2.8, §2.9, §2.12): Service, Ingress and NetworkPolicy.
 *
 * @module
 */

import type { K8sRef, StringMap, StrTime, Time } from "./meta.ts";

/** A Service as the Master receives it. */
export interface Service {
  /** Overview shown in lists. */
  summary: ServiceSummary;
  /** The parts of the spec the Master shows. */
  spec: ServiceSpec;
  /** Ports the Service exposes. */
  ports?: ServicePort[];
  /** Labels of the pods the Service routes to. */
  selector?: StringMap;
  /** Addresses and traffic policies. */
  network: ServiceNetwork;
  /** Never filled by the agent (no Endpoints/EndpointSlice list). */
  backends?: ServiceBackends;
  /** Labels of the Service. */
  labels?: StringMap;
  /** Annotations of the Service. */
  annotations?: StringMap;
}

/** Service overview. */
export interface ServiceSummary {
  /** Service name. */
  name: string;
  /** Service namespace. */
  namespace: string;
  /** `spec.type`, `ClusterIP` when empty. */
  type: string;
  /** Creation timestamp. */
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** Number of ports. */
  portsCount: number;
  /** Whether the Service has a pod selector. */
  hasSelector: boolean;
  /** `LB`, else `NodePort`, else `Headless`; plus `ExternalName`. */
  badges?: string[];
  /** Cluster IP; `None` for a headless Service. */
  clusterIP?: string;
  /** DNS name of an `ExternalName` Service. */
  externalName?: string;
}

/** Service spec. */
export interface ServiceSpec {
  /** The raw `spec.type`, possibly `""`. */
  type: string;
  /** `None` or `ClientIP`. */
  sessionAffinity?: string;
  /** Stickiness timeout of `ClientIP` affinity, in seconds. */
  sessionAffinityTimeoutSeconds?: number;
  /** `Cluster` or `Local`, for external traffic. */
  externalTrafficPolicy?: string;
  /** `Cluster` or `Local`, for in-cluster traffic. */
  internalTrafficPolicy?: string;
  /** IP families, e.g. `IPv4`. */
  ipFamilies?: string[];
  /** `SingleStack`, `PreferDualStack` or `RequireDualStack`. */
  ipFamilyPolicy?: string;
  /** Cluster IPs, one per family. */
  clusterIPs?: string[];
  /** External IPs routed to the Service. */
  externalIPs?: string[];
  /** Class of the load balancer implementation. */
  loadBalancerClass?: string;
  /** Client CIDRs allowed through the load balancer. */
  loadBalancerSourceRanges?: string[];
  /** Whether not-ready endpoints are published. */
  publishNotReadyAddresses?: boolean;
  /** A Go `*bool`: `false` is sent when Kubernetes sets it. */
  allocateLoadBalancerNodePorts?: boolean;
  /** Node port of the load balancer health check. */
  healthCheckNodePort?: number;
  /** DNS name of an `ExternalName` Service. */
  externalName?: string;
}

/** A Service port. */
export interface ServicePort {
  /** Port name. */
  name?: string;
  /** `TCP`, `UDP` or `SCTP`. */
  protocol: string;
  /** Port the Service exposes. */
  port: number;
  /** IntOrString as text. */
  targetPort: string;
  /** Port on every node, for `NodePort` and `LoadBalancer`. */
  nodePort?: number;
  /** Application protocol, e.g. `http`. */
  appProtocol?: string;
}

/** Addresses and traffic policies of a Service. */
export interface ServiceNetwork {
  /** Cluster IPs, one per family. */
  clusterIPs?: string[];
  /** External IPs routed to the Service. */
  externalIPs?: string[];
  /** IP, or hostname when there is no IP. */
  loadBalancerIngress?: string[];
  /** IP families, e.g. `IPv4`. */
  ipFamilies?: string[];
  /** `SingleStack`, `PreferDualStack` or `RequireDualStack`. */
  ipFamilyPolicy?: string;
  /** `Cluster` or `Local`, for external traffic. */
  externalTrafficPolicy?: string;
  /** `Cluster` or `Local`, for in-cluster traffic. */
  internalTrafficPolicy?: string;
}

/** Backends of a Service (never filled by the agent). */
export interface ServiceBackends {
  /** Backend counts. */
  summary: BackendSummary;
  /** Endpoint ports. */
  ports?: EndpointPort[];
  /** The endpoints. */
  endpoints?: BackendEndpoint[];
}

/** Backend counts. */
export interface BackendSummary {
  /** Ready endpoints. */
  ready: number;
  /** Endpoints that are not ready. */
  notReady: number;
  /** All endpoints. */
  total: number;
  /** Number of EndpointSlices. */
  slices?: number;
  /** When the counts were taken. */
  updated: Time;
}

/** An endpoint port. */
export interface EndpointPort {
  /** Port name. */
  name?: string;
  /** Port number. */
  port: number;
  /** `TCP`, `UDP` or `SCTP`. */
  protocol: string;
  /** Application protocol, e.g. `http`. */
  appProtocol?: string;
}

/** One backend endpoint. */
export interface BackendEndpoint {
  /** Endpoint IP address. */
  address: string;
  /** Whether the endpoint is ready. */
  ready: boolean;
  /** Node hosting the endpoint. */
  nodeName?: string;
  /** Zone of the endpoint. */
  zone?: string;
  /** Object backing the endpoint, usually a pod. */
  targetRef?: K8sRef;
}

/** An Ingress as the Master receives it. */
export interface Ingress {
  /** Overview shown in lists. */
  summary: IngressSummary;
  /** The parts of the spec the Master shows. */
  spec: IngressSpec;
  /** Load balancer addresses. */
  status: IngressStatus;
  /** Labels of the Ingress. */
  labels?: StringMap;
  /** Annotations of the Ingress. */
  annotations?: StringMap;
}

/** Ingress overview. */
export interface IngressSummary {
  /** Ingress name. */
  name: string;
  /** Ingress namespace. */
  namespace: string;
  /** Creation timestamp. */
  createdAt: Time;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** `spec.ingressClassName`, else the annotation `kubernetes.io/ingress.class`. */
  ingressClass?: string;
  /** Number of non-empty rule hosts. */
  hostsCount: number;
  /** Number of HTTP paths over all rules. */
  pathsCount: number;
  /** Whether the Ingress has TLS entries. */
  tlsEnabled: boolean;
  /** Hosts of the rules. */
  hosts?: string[];
}

/** Ingress spec. */
export interface IngressSpec {
  /** The same derived class as `summary.ingressClass`. */
  ingressClassName?: string;
  /** Backend for requests no rule matches. */
  defaultBackend?: IngressBackend;
  /** Host and path rules. */
  rules?: IngressRule[];
  /** TLS entries. */
  tls?: IngressTls[];
}

/** Load balancer addresses of an Ingress. */
export interface IngressStatus {
  /** Load balancer IPs or hostnames. */
  loadBalancer?: string[];
}

/** An Ingress backend. */
export interface IngressBackend {
  /** `Service` or `Resource`. */
  type: string;
  /** Set for a `Service` backend. */
  service?: IngressServiceBackend;
  /** Set for a `Resource` backend. */
  resource?: IngressResourceRef;
}

/** A Service backend. */
export interface IngressServiceBackend {
  /** Service name. */
  name: string;
  /** Service port by name. */
  portName?: string;
  /** Service port by number. */
  portNumber?: number;
}

/** A resource backend; `namespace` is never set (master-protocol §10.6). */
export interface IngressResourceRef {
  /** API group of the resource. */
  apiGroup?: string;
  /** Kind of the resource. */
  kind: string;
  /** Name of the resource. */
  name: string;
  /** Namespace of the resource; never set. */
  namespace?: string;
}

/** An Ingress rule; `paths` is always sent (empty when the rule has no `http`). */
export interface IngressRule {
  /** Host the rule applies to; empty for all hosts. */
  host?: string;
  /** HTTP paths of the rule. */
  paths: IngressPath[];
}

/** One HTTP path of a rule. */
export interface IngressPath {
  /** URL path. */
  path: string;
  /** `Exact`, `Prefix` or `ImplementationSpecific`. */
  pathType: string;
  /** Where matching requests go. */
  backend?: IngressBackend;
}

/** A TLS entry. */
export interface IngressTls {
  /** Hosts the certificate covers. */
  hosts?: string[];
  /** Secret holding the certificate and key. */
  secretName?: string;
}

/** A NetworkPolicy (flat, with a string `createdAt`). */
export interface NetworkPolicy {
  /** NetworkPolicy name. */
  name: string;
  /** NetworkPolicy namespace. */
  namespace: string;
  /** Creation timestamp. */
  createdAt: StrTime;
  /** Filled when a snapshot is built; `""` in stored objects. */
  age: string;
  /** The LabelSelector as Go's JSON text, only when it is non-empty. */
  podSelector?: string;
  /** `Ingress`, `Egress` or both. */
  policyTypes?: string[];
  /** Number of ingress rules. */
  ingressRuleCount: number;
  /** Number of egress rules. */
  egressRuleCount: number;
  /** Ingress rules. */
  ingressRules?: NetworkPolicyRule[];
  /** Egress rules. */
  egressRules?: NetworkPolicyRule[];
  /** Labels of the NetworkPolicy. */
  labels?: StringMap;
  /** Annotations of the NetworkPolicy. */
  annotations?: StringMap;
}

/** An ingress or egress rule. */
export interface NetworkPolicyRule {
  /** Peers the rule allows; all when empty. */
  peers?: NetworkPolicyPeer[];
  /** Ports the rule allows; all when empty. */
  ports?: NetworkPolicyPort[];
}

/** A rule peer; one with both pod and namespace selectors is reported as `podSelector`. */
export interface NetworkPolicyPeer {
  /** `podSelector`, `namespaceSelector` or `ipBlock`. */
  type: string;
  /** The selector as Go's JSON text. */
  selector?: string;
  /** CIDR of an `ipBlock` peer. */
  cidr?: string;
  /** CIDRs excluded from `cidr`. */
  except?: string[];
}

/** A rule port. */
export interface NetworkPolicyPort {
  /** Default `TCP`. */
  protocol: string;
  /** IntOrString as text, `""` when unset. */
  port: string;
  /** Last port of a range starting at `port`. */
  endPort?: number;
}
