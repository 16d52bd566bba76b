import type { HttpRequest } from '../http/HttpRequest.js';
import type { RequestHandler } from './RequestHandler.js';

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
}
