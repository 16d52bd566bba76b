import type { Readable } from 'node:stream';
import { serializeCookie, type CookieOptions } from './cookies.js';

/** What a response can carry: text, bytes, a Node stream, a file on disk, or nothing. */
export type ResponseContent = string | Uint8Array | Readable | ResponseFile | null;

/** A file to stream from disk; stat-ed when the response is written (404 if it is gone by then). */
export interface ResponseFile {
  readonly kind: 'file';
  readonly path: string;
  /** Overrides the type guessed from the extension. */
  readonly contentType?: string;
  /** `Content-Disposition: attachment; filename=...` when set. */
  readonly downloadName?: string;
}

export type HeaderValue = string | number | readonly string[];

/**
 * An HTTP response: status, headers, cookies and content. Handlers return one
 * (or a string, a plain object, or nothing, which become responses too).
 *
 * ```ts
 * return HttpResponse.json({ id: 42 }, 201).setHeader('Location', '/users/42');
 * ```
 */
export class HttpResponse {
  status: number;
  /** Header names are kept lower-case; use {@link setHeader} to keep it so. */
  readonly headers: Record<string, HeaderValue>;
  content: ResponseContent;
  /** `Set-Cookie` values, serialized; created on first use. */
  cookies: string[] | undefined;
  /**
   * True when a plugin already wrote the response to the socket itself (an SSE
   * stream, an upgrade): the pipeline then sends nothing more.
   */
  readonly hijacked: boolean;

  constructor(status = 200, content: ResponseContent = null, headers?: Record<string, HeaderValue>) {
    this.status = status;
    this.content = content;
    this.headers = headers ?? {};
    this.cookies = undefined;
    this.hijacked = false;
  }

  /** Sets (replaces) a header. Chainable. */
  setHeader(name: string, value: HeaderValue): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  /** Adds a value to a header, keeping those already set. Chainable. */
  appendHeader(name: string, value: string): this {
    const key = name.toLowerCase();
    const existing = this.headers[key];
    if (existing === undefined) this.headers[key] = value;
    else if (Array.isArray(existing)) this.headers[key] = [...(existing as readonly string[]), value];
    else this.headers[key] = [String(existing), value];
    return this;
  }

  /** Reads a header set on this response (case-insensitive). */
  getHeader(name: string): HeaderValue | undefined {
    return this.headers[name.toLowerCase()];
  }

  /** Adds a `Set-Cookie` header. Chainable. */
  setCookie(name: string, value: string, options?: CookieOptions): this {
    (this.cookies ??= []).push(serializeCookie(name, value, options));
    return this;
  }

  /** Expires a cookie on the client. Chainable. */
  clearCookie(name: string, options?: Pick<CookieOptions, 'domain' | 'path'>): this {
    return this.setCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) });
  }

  /** JSON body (`application/json; charset=utf-8`). */
  static json(data: unknown, status = 200): HttpResponse {
    const body = JSON.stringify(data);
    // JSON.stringify(undefined) is undefined: answer `null` rather than an empty, invalid JSON body.
    return new HttpResponse(status, body === undefined ? 'null' : body, { 'content-type': 'application/json; charset=utf-8' });
  }

  /** Plain-text body (`text/plain; charset=utf-8`). */
  static text(text: string, status = 200): HttpResponse {
    return new HttpResponse(status, text, { 'content-type': 'text/plain; charset=utf-8' });
  }

  /** HTML body (`text/html; charset=utf-8`). */
  static html(html: string, status = 200): HttpResponse {
    return new HttpResponse(status, html, { 'content-type': 'text/html; charset=utf-8' });
  }

  /** Streams a Node readable as the body (chunked unless you set `Content-Length`). */
  static stream(body: Readable, contentType = 'application/octet-stream', status = 200): HttpResponse {
    return new HttpResponse(status, body, { 'content-type': contentType });
  }

  /** A redirect; 302 by default (use 301/308 for permanent, 303 after a POST, 307 to keep the method). */
  static redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 302): HttpResponse {
    if (/[\r\n\0]/.test(location)) throw new TypeError('Redirect location must not contain CR, LF or NUL');
    return new HttpResponse(status, null, { location });
  }

  /**
   * Streams a file from disk with a content type from its extension, `ETag`,
   * `Last-Modified` and conditional-request (304) support. A missing file gives 404.
   */
  static file(path: string, options?: { contentType?: string; downloadName?: string; status?: number }): HttpResponse {
    const file: ResponseFile = { kind: 'file', path, contentType: options?.contentType, downloadName: options?.downloadName };
    return new HttpResponse(options?.status ?? 200, file);
  }

  /** An empty response with the given status (204 by default). */
  static empty(status = 204): HttpResponse {
    return new HttpResponse(status);
  }

  /**
   * For plugins that wrote the response themselves through `request.rawResponse`
   * (SSE, upgrades): returning it tells the pipeline not to answer again.
   */
  static hijacked(): HttpResponse {
    const response = new HttpResponse(0);
    (response as { hijacked: boolean }).hijacked = true;
    return response;
  }
}

/** True for a `ResponseFile` content descriptor. */
export function isResponseFile(content: ResponseContent): content is ResponseFile {
  return content !== null && typeof content === 'object' && (content as ResponseFile).kind === 'file' && !('pipe' in content);
}
