import type { Newable } from 'inversify';
import type { HttpRequest } from '../http/HttpRequest.js';
import type { HttpResponse } from '../http/HttpResponse.js';

/** What a route handler may return: a response, a string (text), a plain object (JSON), or nothing (204). */
export type HandlerResult = HttpResponse | string | number | boolean | object | Uint8Array | null | undefined | void;

/** An imperative route handler. */
export type RouteHandler = (request: HttpRequest) => HandlerResult | Promise<HandlerResult>;

/**
 * Code that runs around a route, as Sisk's request handlers do: authentication,
 * rate limits, headers. `before` may answer instead of the route by returning a
 * response; `after` sees the route's response and may change or replace it.
 * Attach with `@UseHandler(...)` on a controller or method, or per host with
 * `useHandlers(...)`. Classes are resolved from the container, so they can inject services.
 *
 * ```ts
 * @injectable()
 * class RequireToken implements RequestHandler {
 *   before(req: HttpRequest) {
 *     if (req.header('authorization') !== 'Bearer s3cret') return new HttpResponse(401);
 *   }
 * }
 * ```
 */
export interface RequestHandler {
  before?(request: HttpRequest): HttpResponse | undefined | void | Promise<HttpResponse | undefined | void>;
  after?(request: HttpRequest, response: HttpResponse): HttpResponse | undefined | void | Promise<HttpResponse | undefined | void>;
}

/** A request handler instance, or a class the container builds. */
export type RequestHandlerType = RequestHandler | Newable<RequestHandler>;

/**
 * Shapes the response for an error (including 404/405 and `HttpError`s). Return
 * a response to use it, or nothing to fall back to the default JSON error body.
 */
export type ErrorHandler = (
  error: unknown,
  request: HttpRequest,
) => HttpResponse | undefined | void | Promise<HttpResponse | undefined | void>;
