import type { ServerResponse } from 'node:http';
import { Http1Transport } from './Http1Transport.js';
import type { SseTransport } from './SseTransport.js';

/** The transport for a response whose head was just written. */
export function createTransport(res: ServerResponse): SseTransport {
  return new Http1Transport(res);
}
