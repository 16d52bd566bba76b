import { HttpErrorCodes } from '../errors.js';
import { isResponseClosed, requestArrived, responseCompleted, type NodeRequest, type NodeResponse } from '../http/nodeMessages.js';
import type { Logger } from 'pino';
import { HttpError } from '../http/HttpError.js';
import { type HttpRequest, type RequestSettings } from '../http/HttpRequest.js';
import { HttpResponse } from '../http/HttpResponse.js';
import type { Router } from '../routing/Router.js';
import type { RouteLookup } from '../routing/RouteTree.js';
import type { CompiledRoute } from '../contracts/CompiledRoute.js';
import type { CorsPolicy } from '../contracts/CorsPolicy.js';
import { isPreflight, preflightHeaders } from './cors.js';
import { closeConnectionAfter } from './connectionHeaders.js';
import type { ErrorResponder } from './ErrorResponder.js';
import { toResponse } from './handlerResult.js';
import type { ResponseWriter } from './ResponseWriter.js';

/** The constructor the dispatcher builds requests with: the host's own subclass, carrying plugin decorations. */
export type RequestClass = new (
  raw: NodeRequest,
  rawResponse: NodeResponse,
  params: Record<string, string> | undefined,
  settings: RequestSettings,
  queryStart?: number,
) => HttpRequest;

export interface DispatcherOptions {
  readonly router: Router;
  readonly requestClass: RequestClass;
  readonly settings: RequestSettings;
  readonly writer: ResponseWriter;
  readonly errors: ErrorResponder;
  readonly cors: CorsPolicy | undefined;
  /** Time a handler has to start answering, ms; 0 = no limit. */
  readonly requestTimeout: number;
  /** Logger for one access line per request, or undefined for none. */
  readonly accessLogger: Logger | undefined;
}

const absoluteForm = /^https?:\/\/[^/?#]*/i;

/** Rewrites an absolute-form request target to its path and query; false when it is not one. */
function toOriginForm(raw: NodeRequest): boolean {
  const url = raw.url ?? '';
  const authority = absoluteForm.exec(url);
  if (authority === null) return false;
  const rest = url.slice(authority[0].length);
  raw.url = rest.startsWith('/') ? rest : `/${rest}`;
  return true;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * One request's way through the host: match → the route's prebuilt chain →
 * write. It is the hottest code in the framework, so it is shaped for that:
 * `handle` is a bound field (no closure per request); a route without request
 * handlers calls its function directly and, when that returns synchronously,
 * writes without creating a promise; the request object computes its fields lazily.
 */
export class RequestDispatcher {
  readonly #router: Router;
  readonly #Request: RequestClass;
  readonly #settings: RequestSettings;
  readonly #writer: ResponseWriter;
  readonly #errors: ErrorResponder;
  readonly #cors: CorsPolicy | undefined;
  readonly #requestTimeout: number;
  readonly #accessLogger: Logger | undefined;

  constructor(options: DispatcherOptions) {
    this.#router = options.router;
    this.#Request = options.requestClass;
    this.#settings = options.settings;
    this.#writer = options.writer;
    this.#errors = options.errors;
    this.#cors = options.cors;
    this.#requestTimeout = options.requestTimeout;
    this.#accessLogger = options.accessLogger;
  }

  /** The request listener of node:http, and of node:http2's compatibility API. */
  readonly handle = (raw: NodeRequest, res: NodeResponse): void => {
    const url = raw.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart < 0 ? url : url.slice(0, queryStart);
    const lookup = this.#router.match(raw.method ?? 'GET', path);
    if (lookup.kind === 'found') {
      const request = new this.#Request(raw, res, lookup.match.params, this.#settings, queryStart);
      if (this.#accessLogger !== undefined) this.#logAccess(request);
      const route = lookup.match.value;
      if (route.before.length === 0 && route.after.length === 0) this.#run(route, request);
      else void this.#runChain(route, request);
      return;
    }
    // Absolute-form targets (`GET http://host/path`, sent to proxies but valid for servers too):
    // route them by their path. Off the hot path: only reached when nothing matched.
    if (lookup.kind === 'not-found' && url.charCodeAt(0) !== 47 /* '/' */ && toOriginForm(raw)) {
      this.handle(raw, res);
      return;
    }
    const request = new this.#Request(raw, res, undefined, this.#settings, queryStart);
    if (this.#accessLogger !== undefined) this.#logAccess(request);
    this.#unmatched(request, lookup);
  };

  #run(route: CompiledRoute, request: HttpRequest): void {
    let result: unknown;
    try {
      result = route.invoke(request);
      if (!isThenable(result)) {
        const written = this.#writer.writeResult(request, result);
        if (written !== undefined) written.then(undefined, (error: unknown) => this.#fail(request, error));
        return;
      }
    } catch (error) {
      this.#fail(request, error);
      return;
    }
    this.#settle(request, result);
  }

  // An asynchronous handler: wait for it, bounded by the request timeout.
  #settle(request: HttpRequest, pending: PromiseLike<unknown>): void {
    const timer = this.#requestTimeout > 0 ? setTimeout(this.#onTimeout, this.#requestTimeout, request) : undefined;
    pending.then(
      (result) => {
        if (timer !== undefined) clearTimeout(timer);
        try {
          const written = this.#writer.writeResult(request, result);
          if (written !== undefined) written.then(undefined, (error: unknown) => this.#fail(request, error));
        } catch (error) {
          this.#fail(request, error);
        }
      },
      (error: unknown) => {
        if (timer !== undefined) clearTimeout(timer);
        this.#fail(request, error);
      },
    );
  }

  readonly #onTimeout = (request: HttpRequest): void => {
    const res = request.rawResponse;
    // A stream (SSE) that already sent its head is not timed out: it answered.
    if (res.headersSent || isResponseClosed(res)) return;
    // A body still arriving is the client's delay (408); otherwise the handler's (503).
    const error = requestArrived(request.raw)
      ? new HttpError(503, `The request took longer than ${this.#requestTimeout} ms`, { code: HttpErrorCodes.RequestTimeout })
      : new HttpError(408, `The request body did not arrive within ${this.#requestTimeout} ms`, { code: HttpErrorCodes.BodyTimeout });
    // One request, one answer: the connection closes after this one, so node's own
    // request timeout (which sees the unfinished body) has nothing left to answer.
    closeConnectionAfter(request);
    request.abort(error);
    void this.#errors.respond(request, error);
  };

  // With request handlers: before → route → after, each may answer or replace the answer.
  async #runChain(route: CompiledRoute, request: HttpRequest): Promise<void> {
    const timer = this.#requestTimeout > 0 ? setTimeout(this.#onTimeout, this.#requestTimeout, request) : undefined;
    try {
      let response: HttpResponse | undefined;
      for (const handler of route.before) {
        const early = await handler.before!(request);
        if (early instanceof HttpResponse) {
          response = early;
          break;
        }
      }
      response ??= toResponse(await route.invoke(request));
      if (!response.hijacked) {
        for (const handler of route.after) {
          const replaced = await handler.after!(request, response);
          if (replaced instanceof HttpResponse) response = replaced;
        }
      }
      if (timer !== undefined) clearTimeout(timer);
      await this.#writer.write(request, response);
    } catch (error) {
      if (timer !== undefined) clearTimeout(timer);
      await this.#errors.respond(request, error);
    }
  }

  #unmatched(request: HttpRequest, lookup: Exclude<RouteLookup<CompiledRoute>, { kind: 'found' }>): void {
    if (lookup.kind === 'method-not-allowed') {
      if (request.method === 'OPTIONS') {
        const headers =
          this.#cors !== undefined && isPreflight(request) ? (preflightHeaders(this.#cors, request, lookup.allowed) ?? {}) : {};
        headers['allow'] = lookup.allowed.join(', ');
        void this.#writer.write(request, new HttpResponse(204, null, headers));
        return;
      }
      this.#fail(
        request,
        new HttpError(405, `${request.method} is not allowed on ${request.path}`, { headers: { allow: lookup.allowed.join(', ') } }),
      );
      return;
    }
    if (lookup.kind === 'bad-request') {
      this.#fail(request, new HttpError(400, lookup.reason, { code: HttpErrorCodes.BadPath }));
      return;
    }
    this.#fail(request, new HttpError(404, `No route for ${request.method} ${request.path}`, { code: HttpErrorCodes.NotFound }));
  }

  #fail(request: HttpRequest, error: unknown): void {
    void this.#errors.respond(request, error);
  }

  #logAccess(request: HttpRequest): void {
    const started = performance.now();
    const logger = this.#accessLogger!;
    const errors = this.#errors;
    request.rawResponse.once('close', () => {
      const res = request.rawResponse;
      const status = res.statusCode;
      // Only error answers look their code up: a success line costs nothing more.
      const code = status >= 400 ? errors.errorCode(request) : undefined;
      logger.info(
        {
          reqId: request.id,
          method: request.method,
          path: request.path,
          status,
          ms: Math.round((performance.now() - started) * 100) / 100,
          ...(code === undefined ? {} : { code }),
          ...(responseCompleted(res) ? {} : { aborted: true }),
        },
        'request',
      );
    });
  }
}
