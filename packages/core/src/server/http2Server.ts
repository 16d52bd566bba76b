import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type SecureServerOptions,
  type ServerHttp2Session,
  type ServerOptions,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { defaultMaxConcurrentStreams, type Http2Options } from '../contracts/Http2Options.js';
import { isHttp2Request, requestArrived, type NodeRequest, type NodeResponse } from '../http/nodeMessages.js';
import { answerClientError, answerConnect, continueUnlessTooLarge } from './http1Server.js';
import { injectHttp2Request } from './inject.js';
import type { NodeServer } from './NodeServer.js';

/** What the HTTP/2 server needs from the host's configuration. */
export interface Http2ServerOptions {
  readonly http2: Http2Options;
  readonly maxHeaderSize: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxBodySize: number;
  readonly logger: Logger | undefined;
  /** The pipeline's entry point (the dispatcher's bound `handle`), called with the compatibility API's objects. */
  readonly handle: (request: NodeRequest, response: NodeResponse) => void;
}

/** One session's bookkeeping: its open streams, and the timer that closes it once it has none. */
interface SessionState {
  streams: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/**
 * The node:http2 server of a host: `createSecureServer` (h2 negotiated with
 * ALPN; HTTP/1.1 clients on the same port unless `allowHTTP1: false`) or
 * `createServer` (h2c, prior knowledge). Requests reach the pipeline through
 * node's compatibility API, so the dispatcher's `(req, res)` listener serves
 * both protocols unchanged.
 *
 * Limits: `SETTINGS_MAX_CONCURRENT_STREAMS` (128 by default), a header list
 * bounded by `maxHeaderSize` (a stream that sends more is reset), node's own
 * flood defenses left at their defaults (`maxSessionRejectedStreams` 100,
 * `maxSessionInvalidFrames` 1000, `maxSettings` 32, `maxSessionMemory` 10 MB,
 * and nghttp2's rapid-reset rate limit), a TLS handshake bounded by
 * `headersTimeout`, and a session with no open stream closed (GOAWAY) after
 * `keepAliveTimeout`, as an idle HTTP/1.1 connection is.
 */
export function createHttp2Server(options: Http2ServerOptions): NodeServer {
  const { handle, logger, http2 } = options;
  const settings = {
    maxConcurrentStreams: http2.maxConcurrentStreams ?? defaultMaxConcurrentStreams,
    maxHeaderListSize: options.maxHeaderSize,
  };
  const serverOptions: ServerOptions = { settings };

  // Every TCP connection (by its peer's address and port, which its TLS socket shares), the
  // ones whose TLS handshake finished, the HTTP/1.1 ones (the TLS port's fallback) and their
  // requests in flight, and the HTTP/2 sessions: stop() closes whatever carries no request.
  const connections = new Map<string, Socket>();
  const established = new Set<string>();
  const http1Sockets = new Set<Duplex>();
  const busySockets = new Map<Duplex, number>();
  const sessions = new Map<ServerHttp2Session, SessionState>();

  // Counts the in-flight requests of each HTTP/1.1 connection (HTTP/2 streams are counted per session).
  const tracked = (request: NodeRequest, response: NodeResponse): void => {
    if (isHttp2Request(request)) {
      // An answer sent before the request's body ended (a 413, a 401 to an upload): RFC 9113 §8.1
      // lets the server then reset the stream with NO_ERROR, so the client stops sending and the
      // stream (which would hold the session open at shutdown) closes. On the stream's own 'finish'
      // (the compatibility response emits its 'finish' only at the stream's close), a timer turn
      // later: node parks a NO_ERROR reset submitted while a session write is in flight (so that
      // DATA goes first) and was seen never to send it when submitted from that same turn.
      const stream = request.stream;
      stream.once('finish', () => {
        if (!requestArrived(request)) setTimeout(resetUnfinishedUpload, 0, request);
      });
      // A client that resets its stream mid-upload: node destroys the stream only once its readable
      // side ends, which a paused body read would hold off for the session's life.
      stream.once('aborted', () => request.resume());
    } else {
      const socket = request.socket;
      busySockets.set(socket, (busySockets.get(socket) ?? 0) + 1);
      response.once('close', () => {
        const left = (busySockets.get(socket) ?? 1) - 1;
        if (left === 0) busySockets.delete(socket);
        else busySockets.set(socket, left);
      });
    }
    handle(request, response);
  };

  let server: Http2SecureServer | Http2Server;
  let scheme: 'http' | 'https';
  if (http2.cleartext === true) {
    server = createServer(serverOptions, tracked);
    scheme = 'http';
  } else {
    const allowHTTP1 = http2.allowHTTP1 ?? true;
    const secureOptions: SecureServerOptions = {
      ...serverOptions,
      key: http2.key,
      cert: http2.cert,
      allowHTTP1,
      // ALPN: h2 first; without allowHTTP1 a client offering only http/1.1 fails the handshake.
      ALPNProtocols: allowHTTP1 ? ['h2', 'http/1.1'] : ['h2'],
      handshakeTimeout: options.headersTimeout || 120_000,
    };
    const secure = createSecureServer(secureOptions, tracked);
    // node hands HTTP/1.1 connections to its node:http code, which reads these from the server
    // object (not from the options): the same limits as an HTTP/1.1 host's (see http1Server.ts).
    const shortest = Math.min(options.headersTimeout || Infinity, options.requestTimeout || Infinity);
    Object.assign(secure, {
      headersTimeout: options.headersTimeout,
      requestTimeout: options.requestTimeout,
      keepAliveTimeout: options.keepAliveTimeout,
      maxHeaderSize: options.maxHeaderSize,
      connectionsCheckingInterval: Number.isFinite(shortest) ? Math.max(25, Math.min(1000, Math.floor(shortest / 4))) : 30_000,
    });
    secure.on('connection', (socket: Socket) => {
      const key = peerKey(socket);
      connections.set(key, socket);
      socket.once('close', () => {
        connections.delete(key);
        established.delete(key);
      });
    });
    secure.on('secureConnection', (socket: TLSSocket) => {
      established.add(peerKey(socket));
      if (socket.alpnProtocol !== 'h2') {
        http1Sockets.add(socket);
        socket.once('close', () => http1Sockets.delete(socket));
      }
    });
    // HTTP/1.1 fallback: node's parse errors and timeouts, answered as on an HTTP/1.1 host. With
    // a listener here node also reports TLS failures (a handshake timeout) here, and no longer
    // destroys the socket itself: one that never finished its handshake has no one to answer.
    secure.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      if ((socket as TLSSocket).alpnProtocol == null) {
        logger?.debug({ err: error }, 'TLS handshake failed');
        socket.destroy();
        return;
      }
      answerClientError(error, socket, logger);
    });
    // A client that negotiated no protocol while HTTP/1.1 is refused: say so, instead of node's silent close after 10 s.
    secure.on('unknownProtocol', (socket: TLSSocket) => {
      logger?.debug({ remoteAddress: socket.remoteAddress }, 'HTTP/1.1 client refused (allowHTTP1: false)');
      socket.end('HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroySoon();
    });
    server = secure;
    scheme = 'https';
  }

  const attachCommon = (target: Http2SecureServer | Http2Server): void => {
    const maxBodySize = options.maxBodySize;
    target.on('checkContinue', (request: NodeRequest, response: NodeResponse) => {
      continueUnlessTooLarge(request, response, maxBodySize);
      tracked(request, response);
    });
    target.on('sessionError', (error: Error) => logger?.debug({ err: error }, 'HTTP/2 session error'));
    target.on('streamError', (error: Error) => logger?.debug({ err: error }, 'HTTP/2 stream error'));
  };
  attachCommon(server);
  // An HTTP/1.1 CONNECT on the fallback: the same answer as an HTTP/1.1 host's.
  server.on('connect', (request: NodeRequest, socketOrResponse: Duplex | NodeResponse) => {
    if ('writeHead' in socketOrResponse) tracked(request, socketOrResponse);
    else answerConnect(request, socketOrResponse, logger);
  });

  const keepAliveTimeout = options.keepAliveTimeout;
  server.on('session', (session: ServerHttp2Session) => {
    const state: SessionState = { streams: 0, idleTimer: undefined };
    sessions.set(session, state);
    const armIdle = (): void => {
      if (keepAliveTimeout <= 0) return;
      state.idleTimer = setTimeout(() => {
        if (state.streams === 0 && !session.closed) session.close();
      }, keepAliveTimeout);
      state.idleTimer.unref();
    };
    armIdle();
    session.on('stream', (stream) => {
      state.streams++;
      if (state.idleTimer !== undefined) clearTimeout(state.idleTimer);
      state.idleTimer = undefined;
      stream.once('close', () => {
        if (--state.streams === 0 && !session.closed && !session.destroyed) armIdle();
      });
    });
    session.once('close', () => {
      if (state.idleTimer !== undefined) clearTimeout(state.idleTimer);
      sessions.delete(session);
    });
  });

  // host.inject() speaks HTTP/2 over an in-memory connection to an h2c twin that never listens
  // (a TLS server cannot take a plain in-memory stream): same handler, same settings.
  let injectTarget: Http2Server | undefined;

  return {
    server,
    scheme,
    closeIdleConnections() {
      for (const [session, state] of sessions) {
        // GOAWAY: the client opens no new stream here and reconnects elsewhere.
        if (state.streams === 0 && !session.closed) session.close();
      }
      // HTTP/1.1 connections between requests, and connections still in their TLS handshake.
      for (const socket of http1Sockets) if (!busySockets.has(socket)) socket.destroy();
      for (const [key, socket] of connections) if (!established.has(key)) socket.destroy();
    },
    closeAllConnections() {
      for (const session of sessions.keys()) session.destroy();
      for (const socket of connections.values()) socket.destroy();
    },
    inject(request) {
      if (injectTarget === undefined) {
        injectTarget = createServer(serverOptions, tracked);
        attachCommon(injectTarget);
      }
      return injectHttp2Request(injectTarget, request);
    },
  };
}

function resetUnfinishedUpload(request: NodeRequest): void {
  if (!isHttp2Request(request) || request.stream.closed || requestArrived(request)) return;
  request.stream.close(constants.NGHTTP2_NO_ERROR);
  // node destroys a reset stream only once its readable side ends: drop what a paused body read left buffered.
  request.resume();
}

function peerKey(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}
