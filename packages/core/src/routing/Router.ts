import { SluiceError, ErrorCodes } from '../errors.js';
import type { CompiledRoute, RouteCompiler, RouteSpec } from '../contracts/CompiledRoute.js';
import type { RequestHandlerType, RouteHandler } from '../contracts/handlers.js';
import { RouteMethod } from './RouteMethod.js';
import { RouteConflictError, RouteTree, type RouteLookup } from './RouteTree.js';
import { RoutePathError } from './parseRoutePath.js';

/** Options of an imperative route. */
export interface RouteOptions {
  /** Request handlers around this route (after the host-wide ones). */
  handlers?: readonly RequestHandlerType[];
  /** Name used in errors and diagnostics; defaults to the function's name. */
  name?: string;
}

/**
 * The host's routing table. Controllers are added at `build()`; imperative
 * routes can be added at any time:
 *
 * ```ts
 * host.router.get('/health', () => ({ ok: true }));
 * host.router.route(RouteMethod.Post, '/echo', async (req) => req.text());
 * ```
 */
export class Router {
  readonly #tree = new RouteTree<CompiledRoute>();
  readonly #compiler: RouteCompiler;

  /** Made by the host builder; `compiler` assembles each route's handler chain. */
  constructor(compiler: RouteCompiler) {
    this.#compiler = compiler;
  }

  /** Adds a route; throws `SLUICE_ROUTE_CONFLICT` if the method and path are taken. */
  route(method: RouteMethod | `${RouteMethod}`, path: string, handler: RouteHandler, options?: RouteOptions): this {
    this.add({
      method,
      path,
      name: options?.name ?? (handler.name || 'anonymous handler'),
      invoke: handler,
      handlers: options?.handlers,
    });
    return this;
  }

  get(path: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.route(RouteMethod.Get, path, handler, options);
  }
  post(path: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.route(RouteMethod.Post, path, handler, options);
  }
  put(path: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.route(RouteMethod.Put, path, handler, options);
  }
  patch(path: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.route(RouteMethod.Patch, path, handler, options);
  }
  delete(path: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.route(RouteMethod.Delete, path, handler, options);
  }

  /**
   * Adds a route (controllers and plugins use this); its handler chain, with
   * the host-wide handlers around the route's own, is assembled here, once.
   */
  add(route: RouteSpec): void {
    const compiled: CompiledRoute = this.#compiler.compile(route);
    try {
      this.#tree.add(compiled.method, compiled.path, compiled);
    } catch (error) {
      if (error instanceof RouteConflictError) {
        const existing = (error as RouteConflictError<CompiledRoute>).existing;
        throw new SluiceError(
          ErrorCodes.RouteConflict,
          `Route ${compiled.method} ${compiled.path} (${compiled.name}) conflicts with ${existing.method} ${existing.path} (${existing.name}): ` +
            'both match the same requests. Change one path or method.',
          { cause: error },
        );
      }
      if (error instanceof RoutePathError) {
        throw new SluiceError(ErrorCodes.RouteInvalidPath, `${error.message} (in ${compiled.name})`, { cause: error });
      }
      throw error;
    }
  }

  /** Finds the route for a request path (percent-encoded, without the query). */
  match(method: string, path: string): RouteLookup<CompiledRoute> {
    return this.#tree.match(method, path);
  }

  /** Methods served at a path (for `OPTIONS` and `Allow`), or undefined when nothing is. */
  allowedMethods(path: string): string[] | undefined {
    return this.#tree.allowedMethods(path);
  }

  /** Every registered route, for diagnostics. */
  routes(): Array<{ method: string; path: string; name: string }> {
    return this.#tree.routes().map(({ value }) => ({ method: value.method, path: value.path, name: value.name }));
  }
}
