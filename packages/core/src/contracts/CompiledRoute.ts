import type { HttpRequest } from '../http/HttpRequest.js';
import type { RequestHandler, RequestHandlerType } from './handlers.js';
import type { RouteSchemaOptions } from './RouteSchema.js';

/**
 * A route ready to run, built once when it is registered: the function that
 * calls the controller method (or imperative handler), and the request handlers
 * around it already resolved from the container. A request does no lookups.
 */
export interface CompiledRoute {
  readonly method: string;
  readonly path: string;
  /** For messages: `EventsController.stream` or the handler function's name. */
  readonly name: string;
  readonly invoke: (request: HttpRequest) => unknown;
  /** Handlers whose `before` runs in order; empty arrays are the fast path. */
  readonly before: readonly RequestHandler[];
  /** Handlers whose `after` runs, innermost (method-level) first. */
  readonly after: readonly RequestHandler[];
  /** The route's schema and description, as declared (API documents read them). */
  readonly options: RouteSchemaOptions | undefined;
}

/**
 * A route as declared (by a controller, `router.route(...)` or a plugin), before
 * its handler chain is assembled. `handlers` are in declaration order (outermost
 * first); `before`/`after` are already-split handlers that go innermost.
 */
export interface RouteSpec {
  readonly method: string;
  readonly path: string;
  readonly name: string;
  readonly invoke: (request: HttpRequest) => unknown;
  readonly handlers?: readonly RequestHandlerType[];
  readonly before?: readonly RequestHandler[];
  readonly after?: readonly RequestHandler[];
  /** The route's schema (validated before `invoke`) and its description for API documents. */
  readonly options?: RouteSchemaOptions;
}

/** Assembles a route's handler chain (the host's handlers around the route's own), once per route. */
export interface RouteCompiler {
  compile(spec: RouteSpec): CompiledRoute;
}
