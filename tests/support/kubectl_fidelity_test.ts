/**
 * Runs the real `kubectl` against the fake API server and checks every command's effect through the fake's
 * state. Note: kubectl (clientcmd) only sends user credentials over TLS, so token authentication is exercised
 * over HTTPS; plain HTTP runs without a token.
 */

import assert from "node:assert/strict";
import {
  type FakeApiServer,
  type FakeApiServerOptions,
  type KubeconfigOptions,
  type KubeObject,
  startFakeApiServer,
} from "./fake_apiserver.ts";

type Json = Record<string, unknown>;

const FIXTURE = decodeURIComponent(new URL("./fixtures/small_cluster.yaml", import.meta.url).pathname);

async function kubectlAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("kubectl", {
      args: ["version", "--client=true"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

const HAVE_KUBECTL = await kubectlAvailable();
if (!HAVE_KUBECTL) console.log("kubectl is not on PATH: skipping the kubectl fidelity tests");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubectl bound to one server through a kubeconfig in a temporary directory. */
class Kubectl {
  readonly dir: string;
  readonly kubeconfig: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.kubeconfig = `${dir}/kubeconfig`;
  }

  static async for(server: FakeApiServer, options?: KubeconfigOptions): Promise<Kubectl> {
    const kubectl = new Kubectl(await Deno.makeTempDir({ prefix: "kubectl-fidelity-" }));
    await server.writeKubeconfig(kubectl.kubeconfig, options);
    return kubectl;
  }

  args(args: string[]): string[] {
    return [
      "--kubeconfig",
      this.kubeconfig,
      "--cache-dir",
      `${this.dir}/cache`,
      "--request-timeout=10s",
      ...args,
    ];
  }

  async run(...args: string[]): Promise<Run> {
    const out = await new Deno.Command("kubectl", {
      args: this.args(args),
      stdout: "piped",
      stderr: "piped",
      env: { HOME: this.dir, KUBECONFIG: "" },
    }).output();
    const decoder = new TextDecoder();
    return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  }

  async ok(...args: string[]): Promise<string> {
    const result = await this.run(...args);
    assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
  }

  spawn(...args: string[]): Deno.ChildProcess {
    return new Deno.Command("kubectl", {
      args: this.args(args),
      stdout: "piped",
      stderr: "null",
      env: { HOME: this.dir, KUBECONFIG: "" },
    }).spawn();
  }

  async cleanup(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** Reads lines of a child's stdout until one satisfies `predicate`. */
async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  predicate: (line: string) => boolean,
  timeoutMs = 10_000,
): Promise<string[]> {
  const lines: string[] = [];
  let buffer = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`No matching kubectl output; got: ${lines.join(" | ")}`)),
      timeoutMs,
    );
  });
  try {
    while (true) {
      const { value, done } = await Promise.race([reader.read(), deadline]);
      if (done) throw new Error(`kubectl ended early; got: ${lines.join(" | ")}`);
      buffer += value;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        if (predicate(line)) return lines;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

async function withKubectl(
  options: FakeApiServerOptions,
  kubeconfig: KubeconfigOptions | undefined,
  fn: (server: FakeApiServer, kubectl: Kubectl) => Promise<void>,
): Promise<void> {
  const server = await startFakeApiServer(options);
  const kubectl = await Kubectl.for(server, kubeconfig);
  try {
    await fn(server, kubectl);
  } finally {
    await server.close();
    await kubectl.cleanup();
  }
}

function spec(obj: KubeObject | undefined): Json {
  return ((obj as Json | undefined)?.spec ?? {}) as Json;
}

Deno.test({
  name: "kubectl reads, watches and changes the fake over plain HTTP",
  ignore: !HAVE_KUBECTL,
  fn: async (t) => {
    await withKubectl({ fixtures: FIXTURE, podGraceScale: 2 }, undefined, async (server, kubectl) => {
      await t.step("get pods -A -o json matches the fake's state", async () => {
        const list = JSON.parse(await kubectl.ok("get", "pods", "-A", "-o", "json"));
        const state = server.list("pods");
        assert.deepEqual(
          (list.items as Json[]).map((p) => {
            const m = p.metadata as Json;
            return [m.namespace, m.name, m.uid, m.resourceVersion];
          }),
          state.map((
            p,
          ) => [p.metadata?.namespace, p.metadata?.name, p.metadata?.uid, p.metadata?.resourceVersion]),
        );
        assert.equal((list.items as Json[])[0].kind, "Pod");
      });
      await t.step("default table output", async () => {
        const table = await kubectl.ok("get", "pods", "-n", "demo");
        assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
        assert.match(table, /web-7d9c8-aaaaa\s+0\/2\s+Running\s+0\s+\S+/);
      });
      await t.step("get -w observes a change", async () => {
        const child = kubectl.spawn("get", "pods", "-n", "demo", "-w", "-o", "name");
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        try {
          await readUntil(reader, (line) => line === "pod/web-7d9c8-bbbbb");
          await server.waitForWatch({ path: "/api/v1/namespaces/demo/pods", watch: true }, {
            timeoutMs: 10_000,
          });
          server.apply({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "watched-new", namespace: "demo" },
            spec: { containers: [{ name: "c", image: "busybox" }] },
          } as KubeObject);
          await readUntil(reader, (line) => line === "pod/watched-new");
        } finally {
          child.kill("SIGKILL");
          await reader.cancel();
          await child.status;
        }
      });
      await t.step("scale deployment", async () => {
        assert.match(await kubectl.ok("scale", "deployment", "web", "-n", "demo", "--replicas=4"), /scaled/);
        assert.equal(spec(server.get("apps/v1", "Deployment", "demo", "web")).replicas, 4);
      });
      await t.step("rollout restart", async () => {
        const generation = Number(server.get("apps/v1", "Deployment", "demo", "web")?.metadata?.generation);
        await kubectl.ok("rollout", "restart", "deployment/web", "-n", "demo");
        const template = spec(server.get("apps/v1", "Deployment", "demo", "web")).template as Json;
        const annotations = (template.metadata as Json).annotations as Json;
        assert.match(String(annotations["kubectl.kubernetes.io/restartedAt"]), /^\d{4}-\d\d-\d\dT/);
        assert.equal(
          server.get("apps/v1", "Deployment", "demo", "web")?.metadata?.generation,
          generation + 1,
        );
      });
      await t.step("logs --tail", async () => {
        server.setPodLogs("demo", "web-7d9c8-aaaaa", "web", ["a", "b", "c", "d"]);
        assert.equal(
          await kubectl.ok("logs", "web-7d9c8-aaaaa", "-n", "demo", "-c", "web", "--tail=2"),
          "c\nd\n",
        );
      });
      await t.step("cordon node", async () => {
        await kubectl.ok("cordon", "node-a");
        assert.equal(spec(server.get("v1", "Node", undefined, "node-a")).unschedulable, true);
        assert.match(await kubectl.ok("get", "nodes"), /node-a\s+Ready,SchedulingDisabled/);
      });
      await t.step("delete pod with the default grace period", async () => {
        assert.match(await kubectl.ok("delete", "pod", "web-7d9c8-aaaaa", "-n", "demo"), /deleted/);
        assert.equal(server.get("v1", "Pod", "demo", "web-7d9c8-aaaaa"), undefined);
        const deletes = server.requests.filter((r) => r.method === "DELETE");
        assert.equal(deletes.length, 1);
      });
      await t.step("apply, client-side and server-side", async () => {
        const file = `${kubectl.dir}/cm.yaml`;
        await Deno.writeTextFile(
          file,
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: demo\ndata:\n  a: '1'\n",
        );
        await kubectl.ok("apply", "-f", file);
        await Deno.writeTextFile(
          file,
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: demo\ndata:\n  a: '2'\n",
        );
        await kubectl.ok("apply", "-f", file);
        const applied = server.get("v1", "ConfigMap", "demo", "applied") as Json & KubeObject;
        assert.deepEqual(applied.data, { a: "2" });
        assert.ok(applied.metadata?.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]);
        await kubectl.ok(
          "apply",
          "--server-side",
          "--force-conflicts",
          "--field-manager=fidelity",
          "-f",
          file,
        );
        const managers = server.get("v1", "ConfigMap", "demo", "applied")?.metadata?.managedFields ?? [];
        assert.ok(managers.some((m) => m.manager === "fidelity" && m.operation === "Apply"));
      });
      await t.step("errors come back as kubectl messages", async () => {
        const missing = await kubectl.run("get", "pod", "nope", "-n", "demo");
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /pods "nope" not found/);
        server.forbid("secrets", ["list"]);
        const denied = await kubectl.run("get", "secrets", "-n", "demo");
        assert.match(denied.stderr, /secrets is forbidden: User ".*" cannot list resource "secrets"/);
      });
    });
  },
});

Deno.test({
  name: "kubectl authenticates with a bearer token over TLS and follows token rotation",
  ignore: !HAVE_KUBECTL,
  fn: async () => {
    await withKubectl(
      { fixtures: FIXTURE, tls: { requireClientCert: false }, token: "first-token" },
      { omitClientCert: true },
      async (server, kubectl) => {
        assert.match(await kubectl.ok("get", "pods", "-n", "demo", "-o", "name"), /pod\/web-7d9c8-aaaaa/);
        assert.ok(server.requests.every((r) => r.status !== 401));
        server.setToken("second-token");
        const rejected = await kubectl.run("get", "pods", "-n", "demo");
        assert.notEqual(rejected.code, 0);
        assert.match(rejected.stderr, /Unauthorized|provide credentials/);
        await server.writeKubeconfig(kubectl.kubeconfig, { omitClientCert: true });
        await kubectl.ok("get", "pods", "-n", "demo");
      },
    );
  },
});

Deno.test({
  name: "kubectl authenticates with a client certificate (mutual TLS)",
  ignore: !HAVE_KUBECTL,
  fn: async () => {
    await withKubectl({ fixtures: FIXTURE, tls: true }, undefined, async (server, kubectl) => {
      assert.match(await kubectl.ok("get", "nodes", "-o", "name"), /node\/node-a/);
      await kubectl.ok("scale", "deployment", "web", "-n", "demo", "--replicas=3");
      assert.equal(spec(server.get("apps/v1", "Deployment", "demo", "web")).replicas, 3);
      await server.writeKubeconfig(kubectl.kubeconfig, { omitClientCert: true });
      const refused = await kubectl.run("get", "nodes");
      assert.notEqual(refused.code, 0, "no client certificate, no connection");
    });
  },
});
