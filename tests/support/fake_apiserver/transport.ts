/**
 * HTTP(S) transport on `node:http`/`node:https`. Deno.serve can neither verify client certificates nor drop a
 * connection before answering, both of which the fake needs (mTLS, injected connection resets); `node:https`
 * with `requestCert`/`rejectUnauthorized` does both under Deno.
 *
 * @module
 */

import http from "node:http";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { StreamSink } from "./watch.ts";

/** A request as handlers see it (body fully read). */
export interface ApiRequest {
  /** HTTP method. */
  method: string;
  /** Full URL. */
  url: URL;
  /** Request headers. */
  headers: Headers;
  /** Raw body. */
  body: Uint8Array;
  /** Whether the connection presented a client certificate the CA signed. */
  clientCertVerified: boolean;
  /** Identifier of the TCP connection. */
  connectionId: number;
  /** Requests the same connection carried before this one (0 on a fresh connection). */
  connectionRequests: number;
}

/** A complete answer. */
export interface BodyResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Record<string, string>;
  /** Body text. */
  body: string;
  /** Told how many body bytes were written. */
  account?: (bytes: number) => void;
}

/** A streamed answer (watch, log follow). */
export interface StreamResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Record<string, string>;
  /** Called once headers are sent, with the sink to write to. */
  stream: (sink: StreamSink) => void;
  /** Told how many body bytes each write added. */
  account?: (bytes: number) => void;
}

/** What a handler returns; `"reset"` drops the connection without an answer. */
export type ApiResponse = BodyResponse | StreamResponse | "reset";

/** Handles one request. */
export type Handler = (request: ApiRequest) => Promise<ApiResponse>;

/** TLS settings of the transport. */
export interface TransportTls {
  /** Server certificate. */
  cert: string;
  /** Server key. */
  key: string;
  /** CA that signs client certificates. */
  ca: string;
  /** Reject connections without a valid client certificate. */
  requireClientCert: boolean;
}

/** A listening transport. */
export interface Transport {
  /** The bound port. */
  readonly port: number;
  /** Stops listening, ends open streams and drops every connection. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : new Uint8Array(chunk as Uint8Array);
    chunks.push(bytes);
    size += bytes.length;
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) { for (const v of value) headers.append(key, v); }
    else if (value !== undefined) headers.set(key, value);
  }
  return headers;
}

class Sink implements StreamSink {
  #res: ServerResponse;
  #listeners: (() => void)[] = [];
  #closed = false;
  #account?: (bytes: number) => void;

  constructor(res: ServerResponse, account?: (bytes: number) => void) {
    this.#res = res;
    this.#account = account;
    res.on("close", () => this.#markClosed());
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(chunk: string): void {
    if (this.#closed) return;
    this.#res.write(chunk);
    this.#account?.(encoder.encode(chunk).length);
  }

  end(): void {
    if (this.#closed) return;
    this.#res.end();
    this.#markClosed();
  }

  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#listeners.push(listener);
  }

  #markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of this.#listeners.splice(0)) listener();
  }
}

const connections = new WeakMap<object, { id: number; requests: number }>();
let nextConnectionId = 0;

function connectionOf(socket: object): { id: number; requests: number } {
  let connection = connections.get(socket);
  if (!connection) {
    connection = { id: ++nextConnectionId, requests: 0 };
    connections.set(socket, connection);
  }
  return connection;
}

/** Starts listening on `hostname:port` (port 0 picks a free one). */
export async function listen(
  handler: Handler,
  options: { hostname: string; port: number; tls?: TransportTls },
): Promise<Transport> {
  const sinks = new Set<Sink>();
  const sockets = new Set<Socket>();
  const scheme = options.tls ? "https" : "http";
  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    let request: ApiRequest;
    try {
      const body = await readBody(req);
      const socket = req.socket as TLSSocket;
      const connection = connectionOf(socket);
      request = {
        method: req.method ?? "GET",
        url: new URL(req.url ?? "/", `${scheme}://${options.hostname}`),
        headers: toHeaders(req),
        body,
        clientCertVerified: options.tls ? socket.authorized === true : false,
        connectionId: connection.id,
        connectionRequests: connection.requests++,
      };
    } catch {
      req.socket.destroy();
      return;
    }
    const response = await handler(request);
    if (response === "reset") {
      req.socket.destroy();
      return;
    }
    if ("body" in response) {
      const bytes = encoder.encode(response.body);
      res.writeHead(response.status, { ...response.headers, "content-length": String(bytes.length) });
      res.end(bytes);
      response.account?.(bytes.length);
      return;
    }
    res.writeHead(response.status, response.headers);
    res.flushHeaders();
    const sink = new Sink(res, response.account);
    sinks.add(sink);
    sink.onClose(() => sinks.delete(sink));
    response.stream(sink);
  };
  const server = options.tls
    ? https.createServer({
      cert: options.tls.cert,
      key: options.tls.key,
      ca: options.tls.ca,
      requestCert: true,
      rejectUnauthorized: options.tls.requireClientCert,
    }, onRequest)
    : http.createServer(onRequest);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  server.once("error", reject);
  server.listen(options.port, options.hostname, () => resolve());
  await promise;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    port,
    close: async () => {
      for (const sink of [...sinks]) sink.end();
      const closed = Promise.withResolvers<void>();
      server.close(() => closed.resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed.promise;
    },
  };
}
