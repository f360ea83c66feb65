/**
 * The watcher's state machine, transition by transition, against a scripted client: each row scripts the API
 * server's answers and states the events the watcher reports and the requests it makes. The request after the
 * script runs out (it hangs until the test stops) shows the state the machine ended in: `LIST` is a (re)list
 * (`empty`/`paging`), `WATCH` a re-watch from the listed version (`listed`), `WATCH … initial-events` a streaming
 * list; a script ending in a hanging stream ends in `watching`.
 */
import assert from "node:assert/strict";
import {
  INITIAL_EVENTS_END,
  PAGE_SIZE,
  type StreamingListSupport,
  watcher,
} from "../../agent/informer/mod.ts";
import type { WatcherEvent } from "../../agent/informer/watcher.ts";
import {
  KubeApiError,
  type KubeClient,
  type KubeObject,
  type ListOptions,
  type ListPage,
  NetworkError,
  type Status,
  type WatchEvent,
  type WatchOptions,
} from "../../agent/sdk/mod.ts";
import { FakeClock } from "../support/fake_clock.ts";
import { stubKubeClient } from "../support/stub_kube_client.ts";
import { nextTurn, waitFor } from "../support/wait.ts";

/** One scripted answer of the API server. */
type Answer =
  | { list: { names?: string[]; resourceVersion?: string; continue?: string } }
  | { listFails: Error }
  | { watch: WatchEvent<KubeObject>[]; then: "end" | "hang" | Error }
  | { watchFails: Error };

const PATH = "/api/v1/pods";

function object(name: string, resourceVersion?: string): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", resourceVersion } };
}

const added = (name: string, rv: string): WatchEvent<KubeObject> => ({
  type: "ADDED",
  object: object(name, rv),
});
const modified = (name: string, rv: string): WatchEvent<KubeObject> => ({
  type: "MODIFIED",
  object: object(name, rv),
});
const deleted = (name: string, rv: string): WatchEvent<KubeObject> => ({
  type: "DELETED",
  object: object(name, rv),
});
const bookmark = (rv: string, initialEventsEnd = false): WatchEvent<KubeObject> => ({
  type: "BOOKMARK",
  object: {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      resourceVersion: rv,
      ...(initialEventsEnd ? { annotations: { [INITIAL_EVENTS_END]: "true" } } : {}),
    },
  },
});
const errorEvent = (status: Status): WatchEvent<KubeObject> => ({ type: "ERROR", object: status });
const GONE: Status = {
  kind: "Status",
  code: 410,
  reason: "Expired",
  message: "too old resource version: 5 (9)",
};
const TOO_LARGE: Status = {
  kind: "Status",
  code: 504,
  reason: "Timeout",
  message: "Too large resource version: 12, current: 9",
  details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }] },
};
const INTERNAL: Status = {
  kind: "Status",
  code: 500,
  reason: "InternalError",
  message: "etcd leader changed",
};

function apiError(status: number, method: string, body?: Status): KubeApiError {
  return new KubeApiError({ status, method, path: PATH, ...(body ? { body, reason: body.reason } : {}) });
}

/** Hands out the scripted answers in order and records every request; past the script, requests hang. */
class ScriptedClient {
  readonly requests: string[] = [];
  readonly #script: Answer[];

  constructor(script: Answer[]) {
    this.#script = [...script];
  }

  get client(): KubeClient {
    return stubKubeClient({
      list: <T>(_path: string, options: ListOptions = {}) =>
        this.#list(options) as AsyncIterable<ListPage<T>>,
      watch: <T>(_path: string, options: WatchOptions = {}) =>
        this.#watch(options) as Promise<AsyncIterable<WatchEvent<T>>>,
    });
  }

  #list(options: ListOptions): AsyncIterable<ListPage<KubeObject>> {
    // The request is made when the first page is pulled, as the real client's generator does.
    const pages = () => this.#pages(options);
    return { [Symbol.asyncIterator]: pages };
  }

  async *#pages(options: ListOptions): AsyncGenerator<ListPage<KubeObject>> {
    this.requests.push(
      `LIST${rv(options.resourceVersion)}${options.limit ? ` limit=${options.limit}` : ""}${
        options.continue ? ` continue=${options.continue}` : ""
      }`,
    );
    const answer = this.#script.shift();
    if (!answer) return await hang(options.signal);
    if ("listFails" in answer) throw answer.listFails;
    if (!("list" in answer)) throw new Error(`Scripted ${Object.keys(answer)[0]} for a LIST`);
    const { names = [], resourceVersion, continue: token } = answer.list;
    yield {
      metadata: { ...(resourceVersion ? { resourceVersion } : {}), ...(token ? { continue: token } : {}) },
      items: names.map((name) => object(name)),
    };
  }

  async #watch(options: WatchOptions): Promise<AsyncIterable<WatchEvent<KubeObject>>> {
    this.requests.push(
      `WATCH${rv(options.resourceVersion)}${
        options.sendInitialEvents ? ` initial-events ${options.resourceVersionMatch}` : ""
      }`,
    );
    const answer = this.#script.shift();
    if (!answer) return await hang(options.signal);
    if ("watchFails" in answer) throw answer.watchFails;
    if (!("watch" in answer)) throw new Error(`Scripted ${Object.keys(answer)[0]} for a WATCH`);
    const signal = options.signal;
    return (async function* () {
      for (const event of answer.watch) yield event;
      if (answer.then === "hang") await hang(signal);
      if (answer.then instanceof Error) throw answer.then;
    })();
  }
}

function rv(resourceVersion: string | undefined): string {
  return resourceVersion === undefined ? "" : ` rv=${JSON.stringify(resourceVersion)}`;
}

/** Waits until `signal` aborts, then throws as an aborted request does. */
function hang(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    signal?.addEventListener("abort", () => reject(new NetworkError("aborted", "GET", PATH)), {
      once: true,
    });
  });
}

/** The watcher's events, one short line each. */
function describe(event: WatcherEvent): string {
  switch (event.type) {
    case "init":
      return event.streaming ? "init (streaming)" : "init";
    case "initApply":
      return `initApply ${event.object.metadata?.name}`;
    case "initDone":
      return `initDone ${event.resourceVersion}`;
    case "apply":
      return `apply ${event.object.metadata?.name}${event.added ? " (added)" : ""}`;
    case "delete":
      return `delete ${event.object.metadata?.name}`;
    case "bookmark":
      return `bookmark ${event.resourceVersion}`;
    case "watchStarted":
      return `watchStarted ${event.resourceVersion}`;
    case "error":
      return `error ${event.error.kind} (${event.error.phase})`;
  }
}

interface Row {
  name: string;
  /** Streaming list support shared with the watcher; absent: LIST+WATCH. */
  streaming?: StreamingListSupport;
  script: Answer[];
  events: string[];
  requests: string[];
  /** The test to skip, with the reason (a known bug with its fix). */
  ignore?: string;
  /** Further checks after the run. */
  after?: (row: Row) => void;
}

/** Runs the watcher over the script until it made the expected number of requests, then stops it. */
async function run(row: Row): Promise<{ events: string[]; requests: string[] }> {
  const scripted = new ScriptedClient(row.script);
  const stop = new AbortController();
  const events: string[] = [];
  const consuming = (async () => {
    for await (
      const event of watcher({
        client: scripted.client,
        path: PATH,
        clock: new FakeClock(),
        signal: stop.signal,
        pageSize: 2,
        random: () => 0.5,
        ...(row.streaming ? { streamingList: row.streaming } : {}),
      })
    ) {
      events.push(describe(event));
    }
  })();
  try {
    await waitFor(
      () => scripted.requests.length >= row.requests.length && events.length >= row.events.length,
      `${row.requests.length} requests and ${row.events.length} events (saw ${
        JSON.stringify(scripted.requests)
      }, ${JSON.stringify(events)})`,
      { timeoutMs: 2_000 },
    );
    // Anything the machine would still report or request without a new answer has happened by now.
    await nextTurn();
  } finally {
    stop.abort();
    await consuming;
  }
  return { events, requests: scripted.requests };
}

const LIST0 = `LIST rv="0" limit=2`;
const INITIAL = "initial-events NotOlderThan";

const ROWS: Row[] = [
  // empty
  {
    name: "empty → paging: the first list reads any version (rv 0) in pages",
    script: [],
    events: [],
    requests: [LIST0],
  },
  {
    name: "empty → streaming: a streaming list asks for the initial events from a consistent read",
    streaming: { enabled: true },
    script: [],
    events: [],
    requests: [`WATCH ${INITIAL}`],
  },
  {
    name: "empty → paging: a server without streaming lists (422) is remembered and listed instead",
    streaming: { enabled: true },
    script: [{ watchFails: apiError(422, "GET") }],
    events: [],
    requests: [`WATCH ${INITIAL}`, LIST0],
    after: (row) => assert.equal(row.streaming?.unsupported, true),
  },
  {
    name: "empty → empty: a streaming list refused otherwise is an error and is tried again",
    streaming: { enabled: true },
    script: [{ watchFails: apiError(500, "GET") }],
    events: ["error server (list)"],
    requests: [`WATCH ${INITIAL}`, `WATCH ${INITIAL}`],
  },
  // paging
  {
    name:
      "paging → paging: a page with a continue token asks for the next page; only the first page opens the list",
    script: [{ list: { names: ["a", "b"], continue: "c1" } }, {
      list: { names: ["c"], resourceVersion: "5" },
    }],
    events: ["init", "initApply a", "initApply b", "initApply c", "initDone 5"],
    requests: [LIST0, "LIST limit=2 continue=c1", `WATCH rv="5"`],
  },
  {
    name: "paging → paging: an expired continue token lists again in one request from the same version",
    script: [{ list: { names: ["a"], continue: "c1" } }, { listFails: apiError(410, "GET", GONE) }],
    events: ["init", "initApply a"],
    requests: [LIST0, "LIST limit=2 continue=c1", `LIST rv="0"`],
  },
  {
    name: "paging → empty: a failed list is an error and lists again from the same version",
    script: [{ listFails: apiError(500, "GET", INTERNAL) }],
    events: ["error server (list)"],
    requests: [LIST0, LIST0],
  },
  {
    name: "paging → listed → watching: the last page ends the list and the watch starts from its version",
    script: [{ list: { names: ["a"], resourceVersion: "5" } }, { watch: [], then: "hang" }],
    events: ["init", "initApply a", "initDone 5", "watchStarted 5"],
    requests: [LIST0, `WATCH rv="5"`],
  },
  // listed
  {
    name: "listed → listed: a refused watch (500) is an error and watches again from the same version",
    script: [{ list: { resourceVersion: "5" } }, { watchFails: apiError(500, "GET", INTERNAL) }],
    events: ["init", "initDone 5", "error server (watch)"],
    requests: [LIST0, `WATCH rv="5"`, `WATCH rv="5"`],
  },
  {
    name: "listed → empty: a watch refused as expired relists, trying the last version first",
    script: [{ list: { resourceVersion: "5" } }, { watchFails: apiError(410, "GET", GONE) }],
    events: ["init", "initDone 5", "error expired (watch)"],
    requests: [LIST0, `WATCH rv="5"`, `LIST rv="5" limit=2`],
  },
  // watching
  {
    name:
      "watching: ADDED, MODIFIED and DELETED move the version; BOOKMARK only moves it; a clean end re-watches",
    script: [
      { list: { resourceVersion: "5" } },
      { watch: [added("a", "6"), modified("a", "7"), deleted("a", "8"), bookmark("9")], then: "end" },
    ],
    events: [
      "init",
      "initDone 5",
      "watchStarted 5",
      "apply a (added)",
      "apply a",
      "delete a",
      "bookmark 9",
    ],
    requests: [LIST0, `WATCH rv="5"`, `WATCH rv="9"`],
  },
  {
    name: "watching → listed: a stream that ends at once without any event is a short watch",
    script: [{ list: { resourceVersion: "5" } }, { watch: [], then: "end" }],
    events: ["init", "initDone 5", "watchStarted 5", "error shortWatch (watch)"],
    requests: [LIST0, `WATCH rv="5"`, `WATCH rv="5"`],
  },
  {
    name: "watching → listed: a broken stream is an error and watches again from the last version seen",
    script: [
      { list: { resourceVersion: "5" } },
      { watch: [added("a", "6")], then: new NetworkError("stream", "GET", PATH) },
    ],
    events: ["init", "initDone 5", "watchStarted 5", "apply a (added)", "error network (watch)"],
    requests: [LIST0, `WATCH rv="5"`, `WATCH rv="6"`],
  },
  {
    name: "watching → listed: an ERROR event that needs no relist (500) watches again from the last version",
    script: [{ list: { resourceVersion: "5" } }, {
      watch: [added("a", "6"), errorEvent(INTERNAL)],
      then: "hang",
    }],
    events: ["init", "initDone 5", "watchStarted 5", "apply a (added)", "error server (watch)"],
    requests: [LIST0, `WATCH rv="5"`, `WATCH rv="6"`],
  },
  {
    name:
      "watching → empty: ERROR 410 relists from the last version first (client-go: the list may still serve it)",
    script: [{ list: { resourceVersion: "5" } }, {
      watch: [added("a", "6"), errorEvent(GONE)],
      then: "hang",
    }],
    events: ["init", "initDone 5", "watchStarted 5", "apply a (added)", "error expired (watch)"],
    requests: [LIST0, `WATCH rv="5"`, `LIST rv="6" limit=2`],
  },
  {
    name:
      "watching → empty: ERROR 'too large resource version' relists with a consistent read (the server is behind us)",
    script: [{ list: { resourceVersion: "5" } }, { watch: [errorEvent(TOO_LARGE)], then: "hang" }],
    events: ["init", "initDone 5", "watchStarted 5", "error expired (watch)"],
    requests: [LIST0, `WATCH rv="5"`, `LIST rv="" limit=2`],
  },
  {
    name:
      'watching → empty → paging: a relist refused as expired makes the next one a consistent read (rv "")',
    script: [
      { list: { resourceVersion: "5" } },
      { watch: [errorEvent(GONE)], then: "hang" },
      { listFails: apiError(410, "GET", GONE) },
    ],
    events: ["init", "initDone 5", "watchStarted 5", "error expired (watch)", "error expired (list)"],
    requests: [LIST0, `WATCH rv="5"`, `LIST rv="5" limit=2`, `LIST rv="" limit=2`],
  },
  // streaming
  {
    name:
      "streaming → watching: initial events until the end bookmark, then live events on the same stream (no new request)",
    streaming: { enabled: true },
    script: [{
      watch: [
        added("a", "2"),
        modified("b", "3"),
        deleted("c", "3"),
        bookmark("3"),
        bookmark("4", true),
        added("d", "5"),
      ],
      then: "hang",
    }],
    events: ["init (streaming)", "initApply a", "initApply b", "initDone 4", "apply d (added)"],
    requests: [`WATCH ${INITIAL}`],
  },
  {
    name: "streaming → empty: a stream that ends before the end bookmark is an error and streams again",
    streaming: { enabled: true },
    script: [{ watch: [added("a", "2")], then: "end" }],
    events: ["init (streaming)", "initApply a", "error network (list)"],
    requests: [`WATCH ${INITIAL}`, `WATCH ${INITIAL}`],
  },
  {
    name:
      "streaming → empty: ERROR 410 in the initial events makes the next streaming list a consistent read",
    streaming: { enabled: true },
    script: [
      { watch: [bookmark("4", true), errorEvent(GONE)], then: "hang" },
      { watch: [errorEvent(GONE)], then: "hang" },
    ],
    events: [
      "init (streaming)",
      "initDone 4",
      "error expired (watch)",
      "init (streaming)",
      "error expired (watch)",
    ],
    requests: [`WATCH ${INITIAL}`, `WATCH rv="4" ${INITIAL}`, `WATCH ${INITIAL}`],
  },
  {
    name:
      "streaming → empty: a streaming list refused as too large a version makes the next one a consistent read",
    streaming: { enabled: true },
    script: [
      { watch: [bookmark("4", true), errorEvent(GONE)], then: "hang" },
      { watchFails: apiError(504, "GET", TOO_LARGE) },
    ],
    events: ["init (streaming)", "initDone 4", "error expired (watch)", "error expired (list)"],
    requests: [`WATCH ${INITIAL}`, `WATCH rv="4" ${INITIAL}`, `WATCH ${INITIAL}`],
  },
];

for (const row of ROWS) {
  Deno.test({
    name: `watcher: ${row.name}`,
    ignore: row.ignore !== undefined,
    fn: async () => {
      const { events, requests } = await run(row);
      assert.deepEqual(requests, row.requests);
      assert.deepEqual(events, row.events);
      row.after?.(row);
    },
  });
}

Deno.test("watcher: the table covers every state and every exit the state machine has", () => {
  // A guard against rows being dropped: each transition named in the state machine appears in a row name.
  const names = ROWS.map((r) => r.name).join("\n");
  for (
    const transition of [
      "empty → paging",
      "empty → streaming",
      "empty → empty",
      "paging → paging",
      "paging → empty",
      "paging → listed",
      "listed → listed",
      "listed → empty",
      "listed → watching",
      "watching → listed",
      "watching → empty",
      "streaming → watching",
      "streaming → empty",
    ]
  ) {
    assert.ok(names.includes(transition), `no row for ${transition}`);
  }
});

Deno.test("watcher: the default page size is client-go's 500", async () => {
  const scripted = new ScriptedClient([]);
  const stop = new AbortController();
  const consuming = (async () => {
    for await (
      const _ of watcher({ client: scripted.client, path: PATH, clock: new FakeClock(), signal: stop.signal })
    ) {
      // Nothing is reported before the first answer.
    }
  })();
  await waitFor(() => scripted.requests.length === 1, "the first list");
  stop.abort();
  await consuming;
  assert.deepEqual(scripted.requests, [`LIST rv="0" limit=${PAGE_SIZE}`]);
});
