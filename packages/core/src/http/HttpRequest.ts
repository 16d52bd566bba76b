import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { SluiceError, ErrorCodes, HttpErrorCodes } from '../errors.js';
import { HttpError } from './HttpError.js';
import { parseCookieHeader } from './cookies.js';
import { readBody } from './readBody.js';
import { isResponseClosed, requestArrived, responseCompleted, type NodeRequest, type NodeResponse } from './nodeMessages.js';

/**
 * Per-request storage for handlers and the code after them (the user found by an
 * auth handler, a tenant...). Type its keys with declaration merging:
 *
 * ```ts
 * declare module '@sluice/core' { interface RequestBag { user?: User } }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RequestBag {}

/** A plugin that writes a response itself; see {@link HttpRequest.takeOverResponse}. */
export interface ResponseOwner {
  /** The route's handler failed after the response began: end it cleanly (the error is logged already). */
  handlerFailed(error: unknown): void;
}

/** What every request of one host shares; built once per host. */
export interface RequestSettings {
  readonly maxBodySize: number;
  readonly trustProxy: boolean | number;
  readonly requestIdHeader: string | undefined;
}

/** Where the validation step of a route with a schema leaves the validated parts ({@link HttpRequest.valid}). */
export const validInputKey: unique symbol = Symbol('sluice.validInput');

const emptyParams: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);
// Request ids: a random per-process prefix and a counter, so making one costs a string concat.
const idPrefix = randomBytes(4).toString('hex');
let idCounter = 0;

/**
 * An incoming request. Fields that cost something to compute (query, cookies,
 * id, signal, bag) are built the first time they are read, so a handler pays
 * only for what it uses.
 */
export class HttpRequest {
  /**
   * node's request, for plugins and for streaming a body yourself: node:http's
   * `IncomingMessage`, or on HTTP/2 the compatibility API's `Http2ServerRequest`.
   */
  readonly raw: NodeRequest;
  /**
   * node's response (`ServerResponse`, or `Http2ServerResponse` on HTTP/2); a plugin
   * that writes to it itself returns `HttpResponse.hijacked()`.
   */
  readonly rawResponse: NodeResponse;
  /** Method, upper-case (`GET`). */
  readonly method: string;
  /** The request target as received: path and query string, still percent-encoded. */
  readonly url: string;
  /** Route parameters (`:id`, `<id>`, `*`), percent-decoded. */
  readonly params: Readonly<Record<string, string>>;

  // Set only by the validation step of routes with a schema; `declare` emits no
  // field, so requests of other routes carry nothing more.
  declare [validInputKey]?: object;

  #settings: RequestSettings;
  #queryStart: number;
  #path: string | undefined;
  #query: URLSearchParams | undefined;
  #cookies: Record<string, string> | undefined;
  #id: string | undefined;
  #bag: RequestBag | undefined;
  #abort: AbortController | undefined;
  #responseOwner: ResponseOwner | undefined;
  #body: Promise<Buffer> | undefined;

  constructor(
    raw: NodeRequest,
    rawResponse: NodeResponse,
    params: Record<string, string> | undefined,
    settings: RequestSettings,
    queryStart = -2,
  ) {
    this.raw = raw;
    this.rawResponse = rawResponse;
    this.method = raw.method ?? 'GET';
    this.url = raw.url ?? '/';
    this.params = params ?? emptyParams;
    this.#settings = settings;
    // The dispatcher already found the '?'; -2 means "not computed yet".
    this.#queryStart = queryStart;
  }

  /** The path, without the query string, still percent-encoded (`/users/J%C3%BCrgen`). */
  get path(): string {
    if (this.#path === undefined) {
      const q = this.#queryIndex();
      this.#path = q < 0 ? this.url : this.url.slice(0, q);
    }
    return this.#path;
  }

  /** The query string, parsed. */
  get query(): URLSearchParams {
    if (this.#query === undefined) {
      const q = this.#queryIndex();
      this.#query = new URLSearchParams(q < 0 ? '' : this.url.slice(q + 1));
    }
    return this.#query;
  }

  /** The protocol version: `'1.1'`, `'1.0'`, or `'2.0'` for HTTP/2. */
  get httpVersion(): string {
    return this.raw.httpVersion;
  }

  /**
   * Request headers, names lower-case (node's `IncomingHttpHeaders`). On HTTP/2 they
   * also hold the pseudo-headers (`:method`, `:path`, `:authority`, `:scheme`), and
   * the host is `:authority` (a client may send no `host`).
   */
  get headers(): IncomingHttpHeaders {
    return this.raw.headers;
  }

  /**
   * The request's parts as its route's `schema` validated (and transformed) them:
   * `req.valid.params`, `.query`, `.headers`, `.body`, only those the schema has.
   * Typed through `ValidatedRequest<typeof schema>`; on a route without a schema, reading it throws.
   */
  get valid(): unknown {
    const valid = this[validInputKey];
    if (valid === undefined) {
      throw new SluiceError(
        ErrorCodes.NoRouteSchema,
        `req.valid was read on ${this.method} ${this.path}, whose route has no schema: give the route one (e.g. @RoutePost(path, { schema: { body } })) or read req.params, req.query and req.json() instead.`,
      );
    }
    return valid;
  }

  /** One header by name, case-insensitive; repeated headers are joined with `, `. */
  header(name: string): string | undefined {
    const value = this.raw.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** Cookies sent with the request. */
  get cookies(): Readonly<Record<string, string>> {
    return (this.#cookies ??= parseCookieHeader(this.raw.headers.cookie));
  }

  /** This request's id: the configured request-id header's value when present, else a generated one. */
  get id(): string {
    if (this.#id === undefined) {
      const header = this.#settings.requestIdHeader;
      const given = header ? this.header(header) : undefined;
      // A client-supplied id lands in logs: keep it short and printable.
      this.#id = given && given.length <= 200 && /^[\x21-\x7e]+$/.test(given) ? given : `${idPrefix}-${(++idCounter).toString(36)}`;
    }
    return this.#id;
  }

  /** Per-request storage shared by request handlers and the route (see {@link RequestBag}). */
  get bag(): RequestBag {
    return (this.#bag ??= {});
  }

  /** The client's address; with `trustProxy`, taken from `X-Forwarded-For`. */
  get remoteAddress(): string {
    const socketAddress = this.raw.socket?.remoteAddress ?? '';
    const trust = this.#settings.trustProxy;
    if (trust === false || trust === 0) return socketAddress;
    const forwarded = this.header('x-forwarded-for');
    if (!forwarded) return socketAddress;
    const hops = forwarded
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    if (hops.length === 0) return socketAddress;
    if (trust === true) return hops[0]!;
    // With n trusted proxies, the client is the n-th address from the right (the last one was added by our closest proxy).
    return hops[Math.max(0, hops.length - trust)]!;
  }

  /** `https` or `http`; with `trustProxy`, taken from `X-Forwarded-Proto`. */
  get protocol(): 'http' | 'https' {
    if (this.#settings.trustProxy !== false && this.#settings.trustProxy !== 0) {
      const proto = this.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
      if (proto === 'https' || proto === 'http') return proto;
    }
    return (this.raw.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
  }

  /**
   * Aborted when the client goes away before the response is complete, or when
   * the request timeout passes. Hand it to `fetch`, database drivers, timers.
   */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      const controller = new AbortController();
      this.#abort = controller;
      const response = this.rawResponse;
      if (isResponseClosed(response) && !responseCompleted(response)) controller.abort(clientGone());
      else if (!responseCompleted(response)) {
        response.once('close', () => {
          if (!responseCompleted(response)) controller.abort(clientGone());
        });
      }
    }
    return this.#abort.signal;
  }

  /**
   * For plugins that write a response themselves (an event stream): from now on,
   * if the route's handler fails, `owner.handlerFailed(error)` ends the response
   * (after what it accepted is flushed) instead of the pipeline cutting it.
   */
  takeOverResponse(owner: ResponseOwner): void {
    this.#responseOwner = owner;
  }

  /** The owner set by {@link takeOverResponse}, if any. */
  get responseOwner(): ResponseOwner | undefined {
    return this.#responseOwner;
  }

  /** Aborts {@link signal} (used by the pipeline on a request timeout). */
  abort(reason: unknown): void {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
    }
    this.#abort.abort(reason);
  }

  /** The body as bytes; 413 past the configured `maxBodySize`, read once and cached. */
  bytes(): Promise<Buffer> {
    if (this.#body === undefined) {
      if (this.raw.readableDidRead && !requestArrived(this.raw)) {
        return Promise.reject(
          new SluiceError(ErrorCodes.BodyConsumed, 'The request body was already read as a stream from request.raw; read it one way only'),
        );
      }
      this.#body = readBody(this.raw, this.#settings.maxBodySize);
    }
    return this.#body;
  }

  /** The body as UTF-8 text. */
  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  /** The body parsed as JSON; a body that is not valid JSON gives 400. */
  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    if (text.trim() === '') throw new HttpError(400, 'The request body is empty; expected JSON', { code: HttpErrorCodes.BodyInvalidJson });
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new HttpError(400, `The request body is not valid JSON: ${(error as Error).message}`, {
        code: HttpErrorCodes.BodyInvalidJson,
        cause: error,
      });
    }
  }

  /**
   * The body as form data (`application/x-www-form-urlencoded` or `multipart/form-data`),
   * parsed by the platform's own `Response.formData()`. Another content type gives 415,
   * a malformed body 400.
   */
  async form(): Promise<FormData> {
    const type = this.header('content-type') ?? '';
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
      throw new HttpError(415, 'Expected a form body (application/x-www-form-urlencoded or multipart/form-data)', {
        code: HttpErrorCodes.BodyNotForm,
      });
    }
    const bytes = await this.bytes();
    try {
      return await new Response(bytes, { headers: { 'content-type': type } }).formData();
    } catch (error) {
      throw new HttpError(400, 'The form body is malformed', { code: HttpErrorCodes.BodyInvalidForm, cause: error });
    }
  }

  #queryIndex(): number {
    if (this.#queryStart === -2) this.#queryStart = this.url.indexOf('?');
    return this.#queryStart;
  }
}

function clientGone(): Error {
  const error = new Error('The client closed the connection');
  error.name = 'AbortError';
  return error;
}
