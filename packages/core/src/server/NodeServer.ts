import type { Server } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { InjectOptions, InjectResponse } from './inject.js';

/**
 * The node server object a host runs: node:http's `Server` (HTTP/1.1), or
 * node:http2's `Http2SecureServer` (h2 over TLS, with the HTTP/1.1 fallback) or
 * `Http2Server` (h2c). All three listen, close and report their address alike.
 */
export type HostServer = Server | Http2SecureServer | Http2Server;

/**
 * What a host needs of the node server it runs, one implementation per kind of
 * server: {@link createHttp1Server} and {@link createHttp2Server}. Each
 * implementation owns its protocol-level concerns: connection (or session)
 * tracking, answering requests the pipeline never sees (parse errors, timeouts,
 * `Expect`, `CONNECT`), and running `host.inject()` requests.
 */
export interface NodeServer {
  /** The node server object (listen, close, address). */
  readonly server: HostServer;
  /** The URL scheme it serves. */
  readonly scheme: 'http' | 'https';
  /** Closes connections (HTTP/2: sessions, with GOAWAY) that carry no request, including ones that never sent one. */
  closeIdleConnections(): void;
  /** Destroys every connection and session (the end of a shutdown's grace period). */
  closeAllConnections(): void;
  /** Runs one request through the server over an in-memory connection, in the server's own protocol. */
  inject(options: InjectOptions): Promise<InjectResponse>;
}
