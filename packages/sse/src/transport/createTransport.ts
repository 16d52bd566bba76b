import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { Http1Transport } from './Http1Transport.js';
import { Http2Transport } from './Http2Transport.js';
import type { SseTransport } from './SseTransport.js';

/** The transport for a response whose head was just written: an HTTP/2 stream, or an HTTP/1.x socket. */
export function createTransport(res: ServerResponse | Http2ServerResponse): SseTransport {
  return 'stream' in res && res.stream !== undefined
    ? new Http2Transport(res as Http2ServerResponse)
    : new Http1Transport(res as ServerResponse);
}
