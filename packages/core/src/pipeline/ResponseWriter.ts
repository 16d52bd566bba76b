import type { ServerResponse } from 'node:http';
import { Readable, pipeline } from 'node:stream';
import { SluiceError, ErrorCodes } from '../errors.js';
import type { HttpRequest } from '../http/HttpRequest.js';
import { HttpResponse, isResponseFile, type HeaderValue } from '../http/HttpResponse.js';
import type { CompressionOptions } from '../contracts/CompressionOptions.js';
import { sendFile } from '../static/sendFile.js';
import type { CorsPolicy } from '../contracts/CorsPolicy.js';
import { appendVary, applyCorsHeaders } from './cors.js';
import { chooseEncoding, compress, shouldCompress } from './compression.js';

const jsonType = 'application/json; charset=utf-8';
const textType = 'text/plain; charset=utf-8';
const bytesType = 'application/octet-stream';

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
    if (result instanceof HttpResponse) {
      if (result.hijacked) return;
      return this.write(request, result);
    }
    const res = request.rawResponse;
    if (res.headersSent) return endIfOpen(res);
    if (result === undefined || result === null) return this.write(request, new HttpResponse(204));
    if (typeof result === 'string') return this.#writeBody(request, res, 200, textType, result);
    if (result instanceof Uint8Array) return this.#writeBody(request, res, 200, bytesType, result);
    if (result instanceof Readable) return this.write(request, HttpResponse.stream(result));
    const kind = typeof result;
    if (kind === 'object' || kind === 'number' || kind === 'boolean') {
      return this.#writeBody(request, res, 200, jsonType, JSON.stringify(result));
    }
    throw new SluiceError(
      ErrorCodes.InvalidHandlerResult,
      `A handler returned a ${kind}; return an HttpResponse, a string, a plain object, or nothing`,
    );
  }

  /** Turns a handler result into an `HttpResponse` (for `after` handlers, which need one). */
  toResponse(result: unknown): HttpResponse {
    if (result instanceof HttpResponse) return result;
    if (result === undefined || result === null) return new HttpResponse(204);
    if (typeof result === 'string') return HttpResponse.text(result);
    if (result instanceof Uint8Array) return new HttpResponse(200, result, { 'content-type': bytesType });
    if (result instanceof Readable) return HttpResponse.stream(result);
    const kind = typeof result;
    if (kind === 'object' || kind === 'number' || kind === 'boolean') return HttpResponse.json(result);
    throw new SluiceError(
      ErrorCodes.InvalidHandlerResult,
      `A handler returned a ${kind}; return an HttpResponse, a string, a plain object, or nothing`,
    );
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
      if (error && !res.destroyed) res.destroy(error);
    });
  }

  // The fast path: a status, one content type, a body.
  #writeBody(
    request: HttpRequest,
    res: ServerResponse,
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
    res: ServerResponse,
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
            if (res.headersSent || res.destroyed) return;
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

  /** Host-wide headers: CORS for allowed origins, `Connection: close` while stopping. */
  #decorate(request: HttpRequest, headers: Record<string, HeaderValue>): void {
    if (this.#cors !== undefined) applyCorsHeaders(this.#cors, request, headers);
    if (this.#isStopping()) headers['connection'] = 'close';
  }

  /** Adds the host-wide headers to a response a plugin writes itself (SSE). */
  decorateHeaders(request: HttpRequest, headers: Record<string, HeaderValue>): void {
    this.#decorate(request, headers);
  }
}

function endIfOpen(res: ServerResponse): void {
  if (!res.writableEnded) res.end();
}

function toList(value: HeaderValue): string[] {
  return Array.isArray(value) ? [...(value as readonly string[])] : [String(value)];
}
