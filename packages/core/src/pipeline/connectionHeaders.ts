import type { HttpRequest } from '../http/HttpRequest.js';
import type { HeaderValue } from '../http/HttpResponse.js';
import { isHttp2Request } from '../http/nodeMessages.js';

/**
 * Connection-specific header fields, which RFC 9113 §8.2.2 forbids in an HTTP/2
 * message: node throws (ERR_HTTP2_INVALID_CONNECTION_HEADERS) on some once the
 * head is half-committed and drops others with a process warning.
 */
const connectionSpecific = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * Removes the connection-specific headers from a response head bound for an
 * HTTP/2 stream, whatever their case (a user's `HttpResponse`, the host's own
 * `Connection: close`, a plugin's). HTTP/1.x heads are left alone.
 */
export function dropConnectionHeaders(request: HttpRequest, headers: Record<string, HeaderValue>): void {
  if (!isHttp2Request(request.raw)) return;
  for (const name of Object.keys(headers)) {
    if (connectionSpecific.has(name.toLowerCase())) delete headers[name];
  }
}

/**
 * Asks for the connection to close after this response (HTTP/1.x `Connection:
 * close`). On HTTP/2 the connection is a session shared with other streams, so
 * the answer ends its own stream only and the session stays.
 */
export function closeConnectionAfter(request: HttpRequest): void {
  if (!isHttp2Request(request.raw)) request.rawResponse.setHeader('connection', 'close');
}
