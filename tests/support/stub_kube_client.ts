/**
 * A `KubeClient` for unit tests that script only the calls they exercise: every other call rejects, naming
 * itself, so a test notices when the code under test does more than it should.
 *
 * @module
 */
import type { KubeClient } from "../../agent/sdk/mod.ts";

/** A client whose methods are `calls` and whose every other method rejects with `Unexpected call: <name>`. */
export function stubKubeClient(calls: Partial<KubeClient>): KubeClient {
  const unexpected = (name: string) => () => Promise.reject(new Error(`Unexpected call: ${name}`));
  return {
    server: "stub",
    defaultNamespace: "default",
    get: unexpected("get"),
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: unexpected("list") }) }),
    watch: unexpected("watch"),
    create: unexpected("create"),
    replace: unexpected("replace"),
    patch: unexpected("patch"),
    delete: unexpected("delete"),
    logs: unexpected("logs"),
    raw: unexpected("raw"),
    close() {},
    ...calls,
  };
}
