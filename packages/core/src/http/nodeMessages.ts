import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';

/**
 * node's request object behind an `HttpRequest`: node:http's `IncomingMessage`
 * on HTTP/1.x, the HTTP/2 compatibility API's `Http2ServerRequest` on HTTP/2
 * (its `headers` also hold the pseudo-headers `:method`, `:path`, `:authority`,
 * `:scheme`, and `httpVersion` is `'2.0'`).
 */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** node's response object behind an `HttpRequest`: `ServerResponse` on HTTP/1.x, `Http2ServerResponse` on HTTP/2. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** True when the request came over HTTP/2 (a stream of a session, not a connection of its own). */
export function isHttp2Request(raw: NodeRequest): raw is Http2ServerRequest {
  return raw.httpVersionMajor === 2;
}

/**
 * True once the whole request (head and body) has arrived. node:http's `complete`
 * says so as soon as it parsed the end. HTTP/2's `complete` means something else
 * (true once the stream closed, reset or not; false until the body was *read* to
 * its end), so there the stream's own state is asked: END_STREAM received.
 */
export function requestArrived(raw: NodeRequest): boolean {
  if (!isHttp2Request(raw)) return raw.complete;
  const stream = raw.stream;
  return (!raw.aborted && raw.readableEnded) || stream.endAfterHeaders || stream.state.remoteClose === 1;
}

/**
 * True when the body's end was not the client's: an HTTP/2 stream reset
 * mid-body still ends the request's readable side (node pushes its end), so
 * a body read must look here before taking the bytes it got as the body.
 */
export function bodyCutShort(raw: NodeRequest): boolean {
  return isHttp2Request(raw) && raw.aborted;
}

/**
 * True once the response went out whole; false while it is being written and
 * for one cut short (the client left, the stream was reset). node:http's
 * `writableFinished` says just that; the HTTP/2 compatibility response reports
 * `writableFinished` as soon as its stream closed, reset or not, so there the
 * end must have been written and the stream closed without an error code.
 */
export function responseCompleted(res: NodeResponse): boolean {
  if (!('stream' in res)) return res.writableFinished;
  return res.writableEnded && res.writableFinished && res.stream.rstCode === constants.NGHTTP2_NO_ERROR;
}

/**
 * True once the response can take no more bytes: destroyed, or (HTTP/2) its
 * stream closed, the client having reset it. node's HTTP/2 compatibility
 * response is no `Writable` at run time whatever its type says: it has no
 * `destroyed`, and writes to a closed stream are silently dropped, so read
 * this instead of `res.destroyed`.
 */
export function isResponseClosed(res: NodeResponse): boolean {
  if (!('stream' in res)) return res.destroyed;
  const stream = res.stream;
  return stream === undefined || stream.destroyed || stream.closed;
}
