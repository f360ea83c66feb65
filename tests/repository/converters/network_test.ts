import assert from "node:assert/strict";
import {
  convertIngress,
  convertNetworkPolicy,
  convertService,
} from "../../../agent/repository/converters/mod.ts";
import { fixture } from "../../support/fixtures/mod.ts";

Deno.test("convertService() defaults the summary type to ClusterIP and keeps the raw spec type", () => {
  const base = fixture("services", "kubernetes");
  const raw = { ...base, spec: { ...base.spec, type: undefined } };
  const svc = convertService(raw);
  assert.equal(svc.summary.type, "ClusterIP");
  assert.equal(svc.spec.type, "");
});

Deno.test("convertService() sets badges by type, headless and external name", () => {
  const badges = (name: string) => convertService(fixture("services", name)).summary.badges;
  assert.deepEqual(badges("ingress-nginx-controller"), ["LB"]);
  assert.deepEqual(badges("web-nodeport"), ["NodePort"]);
  assert.deepEqual(badges("postgres"), ["Headless"]);
  assert.deepEqual(badges("external-db"), ["ExternalName"]);
  assert.equal(badges("web"), undefined);
});

Deno.test("convertService() reports ports, selector and network", () => {
  const web = convertService(fixture("services", "web"));
  assert.equal(web.summary.portsCount, 1);
  assert.equal(web.summary.hasSelector, true);
  assert.equal(web.summary.clusterIP, "10.96.120.15");
  assert.deepEqual(web.ports, [{
    name: "http",
    protocol: "TCP",
    port: 80,
    targetPort: "http",
    nodePort: undefined,
    appProtocol: undefined,
  }]);
  assert.equal(convertService(fixture("services", "web-nodeport")).ports?.[0].targetPort, "8080");
  const lb = convertService(fixture("services", "ingress-nginx-controller"));
  assert.deepEqual(lb.network.loadBalancerIngress, [
    "a1b2c3d4e5.elb.eu-west-1.amazonaws.com",
    "203.0.113.50",
  ]);
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, false, "a Go *bool keeps false");
  assert.equal(lb.spec.sessionAffinityTimeoutSeconds, 10800);
  assert.equal(lb.spec.healthCheckNodePort, 31234);
  assert.deepEqual(lb.spec.ipFamilies, ["IPv4", "IPv6"]);
  assert.equal(lb.network.externalTrafficPolicy, "Local");
  assert.equal(lb.ports?.[1].appProtocol, "https");
  const external = convertService(fixture("services", "external-db"));
  assert.equal(external.summary.hasSelector, false);
  assert.equal(external.summary.externalName, "db.example.com");
  assert.equal(external.spec.externalName, "db.example.com");
  assert.equal(convertService(fixture("services", "postgres")).spec.publishNotReadyAddresses, true);
});

Deno.test("convertIngress() takes the class from the spec, else the legacy annotation", () => {
  const web = convertIngress(fixture("ingresses", "web"));
  assert.equal(web.summary.ingressClass, "nginx");
  assert.equal(web.spec.ingressClassName, "nginx");
  const legacy = convertIngress(fixture("ingresses", "legacy"));
  assert.equal(legacy.summary.ingressClass, "traefik");
  assert.equal(legacy.spec.ingressClassName, "traefik");
});

Deno.test("convertIngress() counts hosts and paths and reports TLS and addresses", () => {
  const web = convertIngress(fixture("ingresses", "web"));
  assert.equal(web.summary.hostsCount, 1);
  assert.equal(web.summary.pathsCount, 2);
  assert.equal(web.summary.tlsEnabled, true);
  assert.deepEqual(web.summary.hosts, ["shop.example.com"]);
  assert.deepEqual(web.spec.tls, [{ hosts: ["shop.example.com"], secretName: "shop-tls" }]);
  assert.deepEqual(web.status.loadBalancer, ["203.0.113.50"]);
  assert.deepEqual(web.spec.rules?.[0].paths[1], {
    path: "/api",
    pathType: "ImplementationSpecific",
    backend: {
      type: "Service",
      service: { name: "api", portName: "http", portNumber: undefined },
      resource: undefined,
    },
  });
  const legacy = convertIngress(fixture("ingresses", "legacy"));
  assert.equal(legacy.summary.hostsCount, 1, "rules without a host are not counted");
  assert.equal(legacy.summary.pathsCount, 1);
  assert.equal(legacy.summary.tlsEnabled, false);
  assert.equal(legacy.status.loadBalancer, undefined);
});

Deno.test("convertIngress() sends [] paths for a rule without http and no resource namespace (§10.6)", () => {
  const legacy = convertIngress(fixture("ingresses", "legacy"));
  assert.deepEqual(legacy.spec.rules?.[0], { host: "legacy.example.com", paths: [] });
  assert.deepEqual(legacy.spec.defaultBackend, {
    type: "Resource",
    service: undefined,
    resource: {
      apiGroup: "k8s.example.com",
      kind: "StorageBucket",
      name: "static-assets",
      namespace: undefined,
    },
  });
});

Deno.test("convertNetworkPolicy() sends selectors as Go JSON text, only when non-empty", () => {
  assert.equal(convertNetworkPolicy(fixture("networkPolicies", "default-deny")).podSelector, undefined);
  const policy = convertNetworkPolicy(fixture("networkPolicies", "allow-web"));
  assert.equal(
    policy.podSelector,
    '{"matchLabels":{"app":"web","tier":"frontend"}}',
    "keys sorted like Go maps",
  );
  assert.equal(policy.ingressRuleCount, 1);
  assert.equal(policy.egressRuleCount, 2);
  assert.deepEqual(policy.policyTypes, ["Ingress", "Egress"]);
  assert.equal(policy.createdAt, "2025-02-01T10:05:00Z");
});

Deno.test("convertNetworkPolicy() reports peers and ports", () => {
  const policy = convertNetworkPolicy(fixture("networkPolicies", "allow-web"));
  const rule = policy.ingressRules?.[0];
  assert.deepEqual(JSON.parse(JSON.stringify(rule?.peers)), [
    { type: "podSelector", selector: '{"matchLabels":{"app.kubernetes.io/name":"ingress-nginx"}}' },
    {
      type: "namespaceSelector",
      selector: '{"matchExpressions":[{"key":"team","operator":"In","values":["shop","payments"]}]}',
    },
    { type: "ipBlock", cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] },
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(rule?.ports)), [
    { protocol: "TCP", port: "8080" },
    { protocol: "TCP", port: "http" },
    { protocol: "UDP", port: "30000", endPort: 32768 },
  ]);
  assert.equal(JSON.stringify(policy.egressRules?.[1]), "{}", "an allow-all rule stays an empty object");
});
