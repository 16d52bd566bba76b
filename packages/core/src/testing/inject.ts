import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** A request to run through a host without a socket. */
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

type Dispatch = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Runs one request through a dispatch function with in-memory request and
 * response objects (Fastify's light-my-request, loaded only when first used).
 */
export async function injectRequest(dispatch: Dispatch, options: InjectOptions): Promise<InjectResponse> {
  const { inject } = await import('light-my-request');
  const headers: IncomingHttpHeaders = { ...options.headers };
  let payload: string | Buffer | undefined;
  if (typeof options.body === 'string') payload = options.body;
  else if (options.body instanceof Uint8Array) payload = Buffer.from(options.body);
  else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await inject(dispatch, {
    method: (options.method ?? 'GET').toUpperCase() as 'GET',
    url: options.url,
    headers,
    payload,
    remoteAddress: options.remoteAddress ?? '127.0.0.1',
  });
  const bytes = response.rawPayload;
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body,
    bytes,
    json<T>(): T {
      return JSON.parse(response.body) as T;
    },
  };
}
