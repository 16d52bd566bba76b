import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import { connect as http2Connect, type Http2Server } from 'node:http2';
import { createMemoryConnection } from './memoryConnection.js';

/** A request to run through a host without a network socket. */
export interface InjectOptions {
  method?: string;
  /** Path and query, e.g. `/users/42?expand=1`. */
  url: string;
  headers?: Record<string, string | string[]>;
  /** A string or bytes as is; any other value is sent as JSON (with its content type). */
  body?: string | Uint8Array | object;
  /** The client address `request.remoteAddress` reports. Default `127.0.0.1`. */
  remoteAddress?: string;
}

/** The answer to an injected request. */
export interface InjectResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  /** The body as UTF-8 text. */
  body: string;
  /** The body as bytes. */
  bytes: Buffer;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

/** The request's headers (a `host`, the body's length and type) and its body bytes. */
function prepare(options: InjectOptions): { headers: Record<string, string | string[]>; body: Buffer | undefined } {
  const headers: Record<string, string | string[]> = { host: 'localhost', ...options.headers };
  let body: Buffer | undefined;
  if (typeof options.body === 'string') body = Buffer.from(options.body);
  else if (options.body instanceof Uint8Array) body = Buffer.from(options.body);
  else if (options.body !== undefined) {
    body = Buffer.from(JSON.stringify(options.body));
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  if (body !== undefined) headers['content-length'] = String(body.byteLength);
  return { headers, body };
}

function toResponse(status: number, headers: OutgoingHttpHeaders, bytes: Buffer): InjectResponse {
  const text = bytes.toString('utf8');
  return {
    status,
    headers,
    body: text,
    bytes,
    json<T>(): T {
      return JSON.parse(text) as T;
    },
  };
}

/**
 * Runs one request through the host's node:http server over an in-memory
 * connection: node parses the request and serializes the response exactly as
 * for a TCP client, and the server need not be listening.
 */
export function injectRequest(server: Server, options: InjectOptions): Promise<InjectResponse> {
  const { headers, body } = prepare(options);
  const { server: serverSide, client } = createMemoryConnection(options.remoteAddress ?? '127.0.0.1');
  server.emit('connection', serverSide);

  return new Promise<InjectResponse>((resolve, reject) => {
    const req = httpRequest(
      { method: (options.method ?? 'GET').toUpperCase(), path: options.url, headers, createConnection: () => client },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          client.destroy();
          resolve(toResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks)));
        });
      },
    );
    req.on('error', (error) => {
      client.destroy();
      reject(error);
    });
    req.end(body);
  });
}

/**
 * The HTTP/2 twin of {@link injectRequest}: one stream of an h2c session over an
 * in-memory connection to `server` (which need not listen), so node's HTTP/2
 * framing and header rules apply to the answer as for a network client. The
 * `host` header travels as `:authority`; the answer's headers hold no pseudo-header.
 */
export function injectHttp2Request(server: Http2Server, options: InjectOptions): Promise<InjectResponse> {
  const { headers, body } = prepare(options);
  const { host, ...rest } = headers;
  const { server: serverSide, client } = createMemoryConnection(options.remoteAddress ?? '127.0.0.1');
  server.emit('connection', serverSide);

  return new Promise<InjectResponse>((resolve, reject) => {
    const session = http2Connect('http://localhost', { createConnection: () => client });
    const finish = (): void => {
      session.close();
      client.destroy();
    };
    session.on('error', (error) => {
      finish();
      reject(error);
    });
    const stream = session.request({
      ...rest,
      ':method': (options.method ?? 'GET').toUpperCase(),
      ':path': options.url,
      ':authority': Array.isArray(host) ? host[0] : host,
    });
    let status = 0;
    let responseHeaders: IncomingHttpHeaders = {};
    stream.on('response', (received) => {
      status = Number(received[':status'] ?? 0);
      const plain: IncomingHttpHeaders = {};
      for (const [name, value] of Object.entries(received)) if (!name.startsWith(':')) plain[name] = value as string | string[];
      responseHeaders = plain;
    });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (error) => {
      finish();
      reject(error);
    });
    stream.on('end', () => {
      finish();
      resolve(toResponse(status, responseHeaders, Buffer.concat(chunks)));
    });
    stream.end(body);
  });
}
