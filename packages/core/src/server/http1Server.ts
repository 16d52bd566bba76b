import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { NodeRequest, NodeResponse } from '../http/nodeMessages.js';
import { injectRequest } from './inject.js';
import type { NodeServer } from './NodeServer.js';

/** What the HTTP/1.1 server needs from the host's configuration. */
export interface Http1ServerOptions {
  readonly maxHeaderSize: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxBodySize: number;
  readonly logger: Logger | undefined;
  /** The pipeline's entry point (the dispatcher's bound `handle`). */
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void;
}

/**
 * The node:http (HTTP/1.1) server of a host: node's own limits set from the
 * configuration, every connection tracked (so `stop()` can close the ones that
 * never sent a request), and answers for what the pipeline never sees: parse
 * errors and timeouts (400, 408, 431), `Expect: 100-continue` on an oversized
 * upload (413, no `100 Continue`), and `CONNECT` (405: this is no proxy).
 */
/** How long after the pipeline's `requestTimeout` node's own request timeout fires. */
const nodeBackstopMarginMs = 1000;

export function createHttp1Server(options: Http1ServerOptions): NodeServer {
  const { handle, logger } = options;
  const shortest = Math.min(options.headersTimeout || Infinity, options.requestTimeout || Infinity);
  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderSize,
      headersTimeout: options.headersTimeout,
      // Node's request timeout is only the backstop: the pipeline's own timer answers a request
      // whose head arrived (408 SLUICE_BODY_TIMEOUT with a body, 503 for a slow handler). Node
      // starts its clock earlier (at the first byte) and checks on an interval, so at the same
      // deadline it sometimes won, with its bare 408 and no body; give ours a head start.
      requestTimeout: options.requestTimeout > 0 ? options.requestTimeout + nodeBackstopMarginMs : 0,
      keepAliveTimeout: options.keepAliveTimeout,
      // Node checks header/request timeouts on this interval (30 s by default): keep it
      // a fraction of the shortest timeout so a slowloris client is cut near its deadline.
      connectionsCheckingInterval: Number.isFinite(shortest) ? Math.max(25, Math.min(1000, Math.floor(shortest / 4))) : 30_000,
    },
    handle,
  );
  server.keepAliveTimeout = options.keepAliveTimeout;

  // Tracked per connection (not per request) so stop() can close sockets that never sent
  // a byte: node's closeIdleConnections() only sees connections that had a request.
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket, logger));

  // Without a listener node answers every `Expect: 100-continue` with `100 Continue`
  // at once, and the client starts sending a body that will be refused. A declared
  // size over the limit gets no 100: the route's body read answers 413 right away.
  const maxBodySize = options.maxBodySize;
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    continueUnlessTooLarge(request, response, maxBodySize);
    handle(request, response);
  });

  // Without a listener node destroys a CONNECT's socket without a word.
  server.on('connect', (request: IncomingMessage, socket: Duplex) => answerConnect(request, socket, logger));

  return {
    server,
    scheme: 'http',
    closeIdleConnections() {
      server.closeIdleConnections();
      for (const socket of connections) {
        if (socket.bytesRead === 0) socket.destroy();
      }
    },
    closeAllConnections() {
      server.closeAllConnections();
    },
    inject(request) {
      return injectRequest(server, request);
    },
  };
}

/** `Expect: 100-continue`: a `100 Continue` unless the declared body is over the limit (then the route's body read answers 413). */
export function continueUnlessTooLarge(request: NodeRequest, response: NodeResponse, maxBodySize: number): void {
  const declared = request.headers['content-length'];
  if (declared === undefined || !(Number(declared) > maxBodySize)) response.writeContinue();
}

/** An HTTP/1.1 `CONNECT` (its socket has no response object): 405, this is no proxy. */
export function answerConnect(request: NodeRequest, socket: Duplex, logger: Logger | undefined): void {
  writeRawError(
    socket,
    405,
    'CONNECT is not supported: this server is not a proxy',
    'allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n',
  );
  logger?.debug({ method: request.method, url: request.url }, 'CONNECT refused');
}

/**
 * node reports HTTP/1.x protocol errors here (we answer them: node's default would too, but
 * unlogged). One request gets one answer: when a response to the request in flight
 * has begun (the pipeline's own timeout answer, say), nothing more is written.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, logger: Logger | undefined): void {
  logger?.debug({ err: error }, 'client error');
  // The response node has attached to this socket: the test node's own default handler
  // makes (lib/_http_server.js, socketOnError) before it writes an error answer.
  const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!socket.writable || error.code === 'ECONNRESET' || (inFlight != null && inFlight.headersSent)) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** A framework-shaped JSON error written straight to a socket that has no ServerResponse. */
function writeRawError(socket: Duplex, status: number, message: string, extraHeaders = ''): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${extraHeaders}Connection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
