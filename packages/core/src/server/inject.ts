import { request as httpRequest, type OutgoingHttpHeaders, type Server } from 'node:http';
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

/**
 * Runs one request through the host's node:http server over an in-memory
 * connection: node parses the request and serializes the response exactly as
 * for a TCP client, and the server need not be listening.
 */
export function injectRequest(server: Server, options: InjectOptions): Promise<InjectResponse> {
  const headers: Record<string, string | string[]> = { host: 'localhost', ...options.headers };
  let body: Buffer | undefined;
  if (typeof options.body === 'string') body = Buffer.from(options.body);
  else if (options.body instanceof Uint8Array) body = Buffer.from(options.body);
  else if (options.body !== undefined) {
    body = Buffer.from(JSON.stringify(options.body));
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  if (body !== undefined) headers['content-length'] = String(body.byteLength);
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
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          client.destroy();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            bytes,
            json<T>(): T {
              return JSON.parse(text) as T;
            },
          });
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
