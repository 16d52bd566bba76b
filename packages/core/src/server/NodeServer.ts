import type { Server } from 'node:http';

/**
 * What a host needs of the node server it runs, one implementation per kind of
 * server: {@link createHttp1Server} today; an HTTP/2 server (TLS with ALPN
 * fallback, or h2c) fills the same shape beside it. Each implementation owns
 * its protocol-level concerns: connection tracking, and answering requests the
 * pipeline never sees (parse errors, timeouts, `Expect`, `CONNECT`).
 */
export interface NodeServer {
  /** The node server object (listen, close, address, and `emit('connection')` for `host.inject()`). */
  readonly server: Server;
  /** The URL scheme it serves. */
  readonly scheme: 'http' | 'https';
  /** Closes connections that are between requests, including ones that never sent a request. */
  closeIdleConnections(): void;
  /** Destroys every connection (the end of a shutdown's grace period). */
  closeAllConnections(): void;
}
