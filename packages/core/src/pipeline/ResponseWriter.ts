import { pipeline } from 'node:stream';
import type { HttpRequest } from '../http/HttpRequest.js';
import { isResponseClosed, type NodeResponse } from '../http/nodeMessages.js';
import { type HttpResponse, isResponseFile, type HeaderValue } from '../http/HttpResponse.js';
import type { CompressionOptions } from '../contracts/CompressionOptions.js';
import { sendFile } from '../static/sendFile.js';
import type { CorsPolicy } from '../contracts/CorsPolicy.js';
import { appendVary, applyCorsHeaders } from './cors.js';
import { dropConnectionHeaders } from './connectionHeaders.js';
import { chooseEncoding, compress, shouldCompress } from './compression.js';
import { bytesType, classifyResult, jsonType, ResultKind, textType, toResponse } from './handlerResult.js';

/** What the writer needs to know about its host. */
export interface ResponseWriterOptions {
  readonly cors: CorsPolicy | undefined;
  readonly compression: CompressionOptions | undefined;
  /** True while the host shuts down: answers then carry `Connection: close`. */
  readonly isStopping: () => boolean;
}

/**
 * Turns what a handler returned into bytes on the socket, writing the status and
 * headers in one `writeHead` call. The common results (a plain object, a string)
 * take a path that builds one small header object and nothing else.
 */
export class ResponseWriter {
  readonly #cors: CorsPolicy | undefined;
  readonly #compression: CompressionOptions | undefined;
  readonly #isStopping: () => boolean;

  constructor(options: ResponseWriterOptions) {
    this.#cors = options.cors;
    this.#compression = options.compression;
    this.#isStopping = options.isStopping;
  }

  /**
   * Writes a handler's result. Returns a promise only when the write itself is
   * asynchronous (files, compression); synchronous results stay synchronous so
   * a sync handler costs no promise.
   */
  writeResult(request: HttpRequest, result: unknown): void | Promise<void> {
    // Strings, plain objects and bytes go straight to #writeBody, without an
    // HttpResponse in between: the common results cost one small header object.
    const kind = classifyResult(result);
    if (kind === ResultKind.Response) return this.write(request, result as HttpResponse);
    const res = request.rawResponse;
    if (res.headersSent) return endIfOpen(res);
    switch (kind) {
      case ResultKind.Text:
        return this.#writeBody(request, res, 200, textType, result as string);
      case ResultKind.Json:
        return this.#writeBody(request, res, 200, jsonType, JSON.stringify(result));
      case ResultKind.Bytes:
        return this.#writeBody(request, res, 200, bytesType, result as Uint8Array);
      default:
        return this.write(request, toResponse(result));
    }
  }

  /** Writes an `HttpResponse`. */
  write(request: HttpRequest, response: HttpResponse): void | Promise<void> {
    if (response.hijacked) return;
    const res = request.rawResponse;
    if (res.headersSent) return endIfOpen(res);
    const headers = response.headers;
    if (response.cookies !== undefined) {
      const existing = headers['set-cookie'];
      headers['set-cookie'] = existing === undefined ? response.cookies : [...toList(existing), ...response.cookies];
    }
    const content = response.content;
    if (content === null) {
      this.#decorate(request, headers);
      const status = response.status;
      // 1xx, 204 and 304 never carry a body or a Content-Length.
      if (status !== 204 && status !== 304 && status >= 200) headers['content-length'] = 0;
      res.writeHead(status, headers as Record<string, string>);
      res.end();
      return;
    }
    if (typeof content === 'string' || content instanceof Uint8Array) {
      return this.#writeBodyWith(request, res, response.status, headers, content);
    }
    if (isResponseFile(content)) {
      this.#decorate(request, headers);
      return sendFile(request, content, response.status, headers);
    }
    // A Node readable: streamed as it comes (chunked unless a Content-Length was set).
    this.#decorate(request, headers);
    res.writeHead(response.status, headers as Record<string, string>);
    pipeline(content, res, (error) => {
      if (error && !isResponseClosed(res)) res.destroy(error);
    });
  }

  // The fast path: a status, one content type, a body.
  #writeBody(
    request: HttpRequest,
    res: NodeResponse,
    status: number,
    contentType: string,
    body: string | Uint8Array,
  ): void | Promise<void> {
    if (this.#cors === undefined && this.#compression === undefined && !this.#isStopping()) {
      res.writeHead(status, {
        'content-type': contentType,
        'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
      });
      res.end(body);
      return;
    }
    return this.#writeBodyWith(request, res, status, { 'content-type': contentType }, body);
  }

  #writeBodyWith(
    request: HttpRequest,
    res: NodeResponse,
    status: number,
    headers: Record<string, HeaderValue>,
    body: string | Uint8Array,
  ): void | Promise<void> {
    this.#decorate(request, headers);
    const compression = this.#compression;
    if (compression !== undefined && headers['content-encoding'] === undefined) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const type = headers['content-type'];
      if (shouldCompress(typeof type === 'string' ? type : undefined, bytes.byteLength, compression)) {
        headers['vary'] = appendVary(headers['vary'], 'Accept-Encoding');
        const encoding = chooseEncoding(request.header('accept-encoding'), compression);
        if (encoding !== undefined) {
          return compress(bytes, encoding).then((compressed) => {
            if (res.headersSent || isResponseClosed(res)) return;
            headers['content-encoding'] = encoding;
            headers['content-length'] = compressed.byteLength;
            res.writeHead(status, headers as Record<string, string>);
            res.end(compressed);
          });
        }
      }
      body = bytes;
    }
    headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    res.writeHead(status, headers as Record<string, string>);
    res.end(body);
  }

  /**
   * Host-wide headers: CORS for allowed origins, `Connection: close` while stopping;
   * then, on HTTP/2, no connection-specific header (whoever set it). Every head
   * but the fast path's (which sets two content headers only) passes here.
   */
  #decorate(request: HttpRequest, headers: Record<string, HeaderValue>): void {
    if (this.#cors !== undefined) applyCorsHeaders(this.#cors, request, headers);
    if (this.#isStopping()) headers['connection'] = 'close';
    dropConnectionHeaders(request, headers);
  }

  /** Adds the host-wide headers to a response a plugin writes itself (SSE). */
  decorateHeaders(request: HttpRequest, headers: Record<string, HeaderValue>): void {
    this.#decorate(request, headers);
  }
}

function endIfOpen(res: NodeResponse): void {
  if (!res.writableEnded) res.end();
}

function toList(value: HeaderValue): string[] {
  return Array.isArray(value) ? [...(value as readonly string[])] : [String(value)];
}
