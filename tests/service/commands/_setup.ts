/**
 * The fixture of the command tests: a fake API server, a client to it and a {@linkcode CommandService} on a
 * {@linkcode FakeClock}, disposed together.
 *
 * @module
 */
import { createKubeClient } from "../../../agent/sdk/mod.ts";
import { CommandService, type CommandServiceOptions } from "../../../agent/service/commands/mod.ts";
import { FakeClock } from "../../support/fake_clock.ts";
import {
  type FakeApiServer,
  type FakeApiServerOptions,
  startFakeApiServer,
} from "../../support/fake_apiserver.ts";

/** What {@linkcode startCommandService} starts; disposing it closes the client and the fake API server. */
export interface CommandTestEnv extends AsyncDisposable {
  fake: FakeApiServer;
  /** The clock given to the service (unless `service.clock` replaced it). */
  clock: FakeClock;
  service: CommandService;
}

/** Options of {@linkcode startCommandService}. */
export interface CommandTestOptions {
  /** Options of the fake API server. */
  server?: FakeApiServerOptions;
  /** The service's clock; a new {@linkcode FakeClock} by default. */
  clock?: FakeClock;
  /** Options of the service; they win over `clock`. */
  service?: CommandServiceOptions;
}

/** Starts a fake API server and a {@linkcode CommandService} talking to it without credentials. */
export async function startCommandService(options: CommandTestOptions = {}): Promise<CommandTestEnv> {
  const fake = await startFakeApiServer(options.server);
  const client = createKubeClient({
    server: fake.url,
    auth: { description: "none", credentials: () => Promise.resolve({}), invalidate() {} },
    namespace: "default",
    source: "test",
  });
  const clock = options.clock ?? new FakeClock();
  const service = new CommandService(client, { clock, ...options.service });
  return {
    fake,
    clock,
    service,
    async [Symbol.asyncDispose]() {
      client.close();
      await fake.close();
    },
  };
}
